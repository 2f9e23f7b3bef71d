// Package client talks to the hosted video-generation service: it creates
// tasks, queries them, waits for them to finish and downloads the finished
// videos. It never imports Fyne and never logs or returns the API key.
package client

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Status is a task's state as reported by the service. Values outside the
// known constants are kept as they are so that the user sees what the
// service said.
type Status string

// The statuses the service documents.
const (
	StatusPending   Status = "pending"
	StatusRunning   Status = "running"
	StatusSuccess   Status = "success"
	StatusFailed    Status = "failed"
	StatusCancelled Status = "cancelled"
)

// Terminal reports whether the task will not change any more.
func (s Status) Terminal() bool {
	return s == StatusSuccess || s == StatusFailed || s == StatusCancelled
}

// Known reports whether s is one of the documented statuses.
func (s Status) Known() bool {
	switch s {
	case StatusPending, StatusRunning, StatusSuccess, StatusFailed, StatusCancelled:
		return true
	}
	return false
}

// Media is a reference image, video or audio clip sent with a request. Role
// is one of first_frame, last_frame, reference_image, reference_video or
// reference_audio, or empty for a plain URL.
type Media struct {
	Role string `json:"type,omitempty"`
	URL  string `json:"url"`
	// File and SHA256 name a local file kept beside the videos (a path
	// relative to the library folder, and the sha256 of its bytes) in place
	// of URL. They are never sent: the data: URL is rebuilt from the file
	// just before the create call.
	File   string `json:"file,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
}

// CreateRequest is the body of a create call. Zero fields are omitted.
type CreateRequest struct {
	Model           string         `json:"model"`
	Prompt          string         `json:"prompt"`
	Image           []Media        `json:"image,omitempty"`
	Video           []Media        `json:"video,omitempty"`
	Audio           []Media        `json:"audio,omitempty"`
	Ratio           string         `json:"ratio,omitempty"`
	Resolution      string         `json:"resolution,omitempty"`
	Duration        int            `json:"duration,omitempty"`
	UpstreamOptions map[string]any `json:"upstream_options,omitempty"`
}

// Millis is a timestamp in milliseconds since the Unix epoch. Zero means the
// service sent null or nothing. It decodes from numbers, numeric strings and
// null.
type Millis int64

// UnmarshalJSON accepts a number, a numeric string or null.
func (m *Millis) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) || len(b) == 0 {
		*m = 0
		return nil
	}
	s := string(b)
	if s[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		s = strings.TrimSpace(s)
		if s == "" {
			*m = 0
			return nil
		}
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		*m = Millis(n)
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("timestamp %q is not a number", s)
	}
	*m = Millis(int64(f))
	return nil
}

// Time returns the timestamp as a time, or the zero time when unknown.
func (m Millis) Time() time.Time {
	if m == 0 {
		return time.Time{}
	}
	return time.UnixMilli(int64(m))
}

// Item is one entry of a task's data array: usually a video URL plus
// driver-specific fields, all of which are kept in Fields.
type Item struct {
	URL    string                     `json:"-"`
	Fields map[string]json.RawMessage `json:"-"`
}

// UnmarshalJSON keeps every field; url is also decoded into URL.
func (it *Item) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		return nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return err
	}
	it.Fields = fields
	it.URL = ""
	if raw, ok := fields["url"]; ok {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			it.URL = s
		}
	}
	return nil
}

// MarshalJSON writes the fields back as they came.
func (it Item) MarshalJSON() ([]byte, error) {
	if it.Fields == nil {
		return json.Marshal(map[string]string{"url": it.URL})
	}
	return json.Marshal(it.Fields)
}

// TaskError is the service's explanation of a failed or cancelled task.
type TaskError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// UnmarshalJSON accepts an object, a plain string or null.
func (e *TaskError) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		return json.Unmarshal(b, &e.Message)
	}
	type plain TaskError
	return json.Unmarshal(b, (*plain)(e))
}

// Task is the service's view of one generation task.
type Task struct {
	ID        string     `json:"task_id"`
	Status    Status     `json:"task_status"`
	Model     string     `json:"model"`
	Created   Millis     `json:"created"`
	Updated   Millis     `json:"updated"`
	Completed Millis     `json:"completed"`
	Data      []Item     `json:"data"`
	Error     *TaskError `json:"error"`

	// Raw is the whole JSON body of the response this task was decoded
	// from, with the query strings of any URLs removed (see RedactJSON), so
	// that it can be stored without storing signed URLs.
	Raw json.RawMessage `json:"-"`
}

// URLs returns the video URLs of the task's data items, in order, skipping
// items that have none.
func (t *Task) URLs() []string {
	var urls []string
	for _, it := range t.Data {
		if it.URL != "" {
			urls = append(urls, it.URL)
		}
	}
	return urls
}

// CreateResult is the answer to a create call.
type CreateResult struct {
	TaskID string `json:"task_id"`
	Status Status `json:"task_status"`
}
