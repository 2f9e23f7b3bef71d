package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
)

// errNotObject is returned when an answer is JSON but not an object.
var errNotObject = errors.New("the answer is not a JSON object")

// decodeTask reads a task answer liberally: unknown fields are ignored
// (and kept in Raw), nulls mean "unknown", numbers may be strings, statuses
// keep whatever the service said, error may be an object or text, and data
// may hold several items, a single object or nothing. Only an answer that
// is not a JSON object is an error. An empty task_id is filled with
// wantID.
func decodeTask(body []byte, wantID string) (*Task, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return nil, err
	}
	if top == nil {
		return nil, errNotObject
	}
	t := &Task{}
	t.ID = strings.TrimSpace(jsonText(top["task_id"]))
	if t.ID == "" {
		t.ID = strings.TrimSpace(jsonText(top["id"]))
	}
	if t.ID == "" {
		t.ID = wantID
	}
	statusRaw, ok := top["task_status"]
	if !ok {
		statusRaw = top["status"]
	}
	t.Status = normalizeStatus(jsonText(statusRaw))
	t.Model = jsonText(top["model"])
	for _, f := range []struct {
		name string
		dst  *Millis
	}{{"created", &t.Created}, {"updated", &t.Updated}, {"completed", &t.Completed}} {
		if raw, ok := top[f.name]; ok {
			var m Millis
			if m.UnmarshalJSON(raw) == nil && m > 0 {
				*f.dst = m
			}
		}
	}
	t.Data = decodeItems(top["data"])
	t.Error = decodeTaskError(top["error"])
	t.Raw = json.RawMessage(bytes.Clone(RedactJSON(body)))
	return t, nil
}

// normalizeStatus maps documented statuses written in another case or with
// spaces to their constants and keeps anything else as it is.
func normalizeStatus(s string) Status {
	st := Status(strings.ToLower(strings.TrimSpace(s)))
	if st.Known() {
		return st
	}
	if st == "canceled" {
		return StatusCancelled
	}
	return Status(strings.TrimSpace(s))
}

func decodeItems(raw json.RawMessage) []Item {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil
	}
	var list []json.RawMessage
	switch raw[0] {
	case '[':
		if json.Unmarshal(raw, &list) != nil {
			return nil
		}
	case '{', '"':
		list = []json.RawMessage{raw}
	default:
		return nil
	}
	items := make([]Item, 0, len(list))
	for _, r := range list {
		r = bytes.TrimSpace(r)
		if len(r) == 0 {
			continue
		}
		switch r[0] {
		case '{':
			var it Item
			if it.UnmarshalJSON(r) == nil {
				items = append(items, it)
			}
		case '"':
			var s string
			if json.Unmarshal(r, &s) == nil && s != "" {
				items = append(items, Item{URL: s, Fields: map[string]json.RawMessage{"url": r}})
			}
		}
	}
	return items
}

func decodeTaskError(raw json.RawMessage) *TaskError {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil
	}
	var e TaskError
	switch raw[0] {
	case '"':
		e.Message = jsonText(raw)
	case '{':
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return nil
		}
		e.Code = jsonText(obj["code"])
		e.Message = jsonText(obj["message"])
		if e.Message == "" {
			e.Message = jsonText(obj["msg"])
		}
	default:
		return nil
	}
	if e.Code == "" && e.Message == "" {
		return nil
	}
	return &e
}

// decodeCreate reads the answer to a create call. It accepts task_id at the
// top level (as documented), id, or the same inside a data object.
func decodeCreate(body []byte) (CreateResult, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return CreateResult{}, err
	}
	if top == nil {
		return CreateResult{}, errNotObject
	}
	res := readCreate(top)
	if res.TaskID == "" {
		var inner map[string]json.RawMessage
		if json.Unmarshal(top["data"], &inner) == nil && inner != nil {
			res = readCreate(inner)
		}
	}
	if res.TaskID == "" {
		return CreateResult{}, errors.New("the answer has no task id")
	}
	if res.Status == "" {
		res.Status = StatusPending
	}
	return res, nil
}

func readCreate(obj map[string]json.RawMessage) CreateResult {
	id := strings.TrimSpace(jsonText(obj["task_id"]))
	if id == "" {
		id = strings.TrimSpace(jsonText(obj["id"]))
	}
	st, ok := obj["task_status"]
	if !ok {
		st = obj["status"]
	}
	return CreateResult{TaskID: id, Status: normalizeStatus(jsonText(st))}
}
