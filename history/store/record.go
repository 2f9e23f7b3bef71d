package store

// This file holds what the store keeps: records, their files and tags.

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"time"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history/media"
)

// State is where a task stands, seen from this computer. It holds the
// service's status (pending, running, success, failed, cancelled or any
// value the service invents) or one of the local states below.
type State string

// Local states, which the service never reports.
const (
	// StateSubmitting: the request is recorded and the create call is under
	// way. A task found in this state after a crash is uncertain.
	StateSubmitting State = "submitting"
	// StateUncertain: the create call was sent but its answer never came.
	StateUncertain State = "uncertain"
	// StateNotSent: the service refused the request or could not be
	// reached; nothing was created and nothing was billed.
	StateNotSent State = "not_sent"
	// StateLost: the service kept saying it has no such task.
	StateLost State = "lost"
	// StateStale: the task stayed unfinished far longer than any
	// generation takes; the user may check again.
	StateStale State = "stale"
)

// Server states, as the service reports them.
const (
	StatePending   = State(client.StatusPending)
	StateRunning   = State(client.StatusRunning)
	StateSuccess   = State(client.StatusSuccess)
	StateFailed    = State(client.StatusFailed)
	StateCancelled = State(client.StatusCancelled)
)

// Final reports whether the task will never change by itself again.
func (s State) Final() bool {
	switch s {
	case StateSuccess, StateFailed, StateCancelled, StateNotSent, StateUncertain, StateLost, StateStale:
		return true
	}
	return false
}

// DownloadState says how far the videos of a successful task are.
type DownloadState string

// Download states.
const (
	DownloadNone    DownloadState = "none"    // nothing to download (yet)
	DownloadWaiting DownloadState = "waiting" // queued, or under way
	DownloadDone    DownloadState = "done"    // every video is in the library
	DownloadFailed  DownloadState = "failed"  // gave up; the user may retry
	DownloadPaused  DownloadState = "paused"  // the disk refused; the user may retry
)

// Record is one task as the history keeps it.
type Record struct {
	ID       int64  // local row id
	TaskID   string // the service's id; empty until the create call answers
	Request  client.CreateRequest
	State    State
	Watching bool // the tracker polls it

	// ErrorCode is the service's code for a failed task. ErrorMessage is
	// the service's own message for a failed or cancelled task, and a
	// problem code with facts (see ParseProblem) for the other states.
	ErrorCode    string
	ErrorMessage string
	Raw          json.RawMessage

	CreatedAt       time.Time // when the user pressed Generate (or added it)
	UpdatedAt       time.Time
	ServerCreated   client.Millis
	ServerUpdated   client.Millis
	ServerCompleted client.Millis

	Download      DownloadState
	DownloadError string // a problem code with facts (see ParseProblem)
	Files         []File

	Favourite bool
	Tags      []string
	Note      string
	TrashedAt time.Time // zero unless the task is in the trash
	// Title is the name the user gave the video; empty until they do. The
	// file keeps its name.
	Title string

	// WatchSince is when the tracker last started following the task
	// ("Check again"); the stale clock starts here. Zero: at CreatedAt.
	WatchSince time.Time

	// ContinuedFrom is the task id of the video this one continues from
	// its last frame; empty for none.
	ContinuedFrom string

	// Film lists the shots a film was joined from, in order; nil for a
	// video the service made. A film is made here, not by the service: its
	// task id is its own (see NewFilmID) and it costs nothing.
	Film []FilmShot
}

// Trashed reports whether the task is in the trash.
func (r Record) Trashed() bool { return !r.TrashedAt.IsZero() }

// File is one downloaded video of a task.
type File struct {
	Index  int
	Path   string // relative to the library folder, with forward slashes
	Size   int64
	SHA256 string

	Media      media.Info // read from the file itself
	MediaState MediaState
	Thumbnail  string // file name in the thumbnail cache; empty until made
	Missing    bool   // not found at Path by the last reconcile
}

// MediaState says whether a file's facts could be read.
type MediaState string

// Media states.
const (
	MediaUnknown    MediaState = ""           // not read yet
	MediaOK         MediaState = "ok"         // Media holds the file's facts
	MediaUnreadable MediaState = "unreadable" // the file is not a video Reelhouse can read
)

// ErrNotFound is returned when no record has the requested id.
var ErrNotFound = errors.New("that task is not in the history")

// NormalizeTags trims, lower-cases and de-duplicates tags, dropping empty
// ones; commas also separate tags.
func NormalizeTags(tags []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range tags {
		for _, part := range strings.Split(t, ",") {
			part = normalizeTag(part)
			if part != "" && !seen[part] {
				seen[part] = true
				out = append(out, part)
			}
		}
	}
	return out
}

func normalizeTag(t string) string {
	t = strings.ToLower(strings.Join(strings.Fields(t), " "))
	if r := []rune(t); len(r) > 64 {
		t = string(r[:64])
	}
	return t
}

// Stamp is the size and modification time of a sidecar, enough to tell
// that it has not changed since Reelhouse last wrote or read it.
type Stamp struct {
	Size  int64
	Mtime int64 // ns since the epoch
}

func ptr[T any](v T) *T { return &v }

// PathStem is a library-relative path without its extension: a video and
// its sidecar share it.
func PathStem(p string) string { return strings.TrimSuffix(p, filepath.Ext(p)) }
