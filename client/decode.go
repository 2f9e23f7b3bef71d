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
	// The members are picked out of the object without building a map:
	// the tracker decodes one answer per task every few seconds.
	var f struct{ taskID, id, taskStatus, status, model, created, updated, completed, data, err json.RawMessage }
	err := eachMember(body, func(key, val []byte) {
		switch string(key) {
		case "task_id":
			f.taskID = val
		case "id":
			f.id = val
		case "task_status":
			f.taskStatus = val
		case "status":
			f.status = val
		case "model":
			f.model = val
		case "created":
			f.created = val
		case "updated":
			f.updated = val
		case "completed":
			f.completed = val
		case "data":
			f.data = val
		case "error":
			f.err = val
		}
	})
	if err != nil {
		return nil, err
	}
	t := &Task{}
	t.ID, t.Status = idAndStatus(f.taskID, f.id, f.taskStatus, f.status)
	if t.ID == "" {
		t.ID = wantID
	}
	t.Model = jsonText(f.model)
	for _, m := range []struct {
		raw json.RawMessage
		dst *Millis
	}{{f.created, &t.Created}, {f.updated, &t.Updated}, {f.completed, &t.Completed}} {
		if m.raw != nil {
			var v Millis
			if v.UnmarshalJSON(m.raw) == nil && v > 0 {
				*m.dst = v
			}
		}
	}
	t.Data = decodeItems(f.data)
	t.Error = decodeTaskError(f.err)
	t.Raw = json.RawMessage(bytes.Clone(RedactJSON(body)))
	return t, nil
}

// errNotJSON is returned when an answer is not JSON at all.
var errNotJSON = errors.New("the answer is not JSON")

// eachMember calls fn with the key and the value's text of each member of
// the JSON object b, in order (so that of two members with the same key,
// the last one counts, as when decoding into a map). It fails if b is not
// JSON or not an object.
func eachMember(b []byte, fn func(key, val []byte)) error {
	if !json.Valid(b) {
		return errNotJSON
	}
	i := skipSpace(b, 0)
	if b[i] != '{' {
		return errNotObject
	}
	i = skipSpace(b, i+1)
	for b[i] != '}' {
		end := endOfValue(b, i)
		key := b[i+1 : end-1]
		if bytes.IndexByte(key, '\\') >= 0 {
			var s string
			json.Unmarshal(b[i:end], &s)
			key = []byte(s)
		}
		i = skipSpace(b, end)
		i = skipSpace(b, i+1) // past the colon
		end = endOfValue(b, i)
		fn(key, b[i:end])
		i = skipSpace(b, end)
		if b[i] == ',' {
			i = skipSpace(b, i+1)
		}
	}
	return nil
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// endOfValue is the index just past the JSON value that starts at b[i];
// b is valid JSON.
func endOfValue(b []byte, i int) int {
	switch b[i] {
	case '"':
		for i++; ; i++ {
			switch b[i] {
			case '\\':
				i++
			case '"':
				return i + 1
			}
		}
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = endOfValue(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
		}
		return i
	}
	for i < len(b) && !strings.ContainsRune(",}] \t\n\r", rune(b[i])) {
		i++
	}
	return i
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
	if string(raw) == "[]" {
		return []Item{} // the answer while there is no video yet
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
	id, status := idAndStatus(obj["task_id"], obj["id"], obj["task_status"], obj["status"])
	return CreateResult{TaskID: id, Status: status}
}

// idAndStatus is the one place that chooses between the documented
// task_id and task_status and the id and status some services send
// instead (nil when a member is absent). A task_id that is empty or only
// spaces gives way to id; a task_status that is present, even null, is
// used over status.
func idAndStatus(taskID, id, taskStatus, status json.RawMessage) (string, Status) {
	tid := strings.TrimSpace(jsonText(taskID))
	if tid == "" {
		tid = strings.TrimSpace(jsonText(id))
	}
	raw := taskStatus
	if raw == nil {
		raw = status
	}
	return tid, normalizeStatus(jsonText(raw))
}
