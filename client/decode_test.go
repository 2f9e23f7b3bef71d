package client

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The examples of the service's reference, decoded field by field.
func TestDecodeReferenceExamples(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		want Task
	}{
		{"running.json", Task{
			ID: "a1b2c3d4-e5f6-...", Status: StatusRunning, Model: "wan2.1-t2v-turbo",
			Created: 1719000000000, Updated: 1719000005000, Completed: 0,
		}},
		{"success.json", Task{
			ID: "a1b2c3d4-e5f6-...", Status: StatusSuccess, Model: "wan2.1-t2v-turbo",
			Created: 1719000000000, Updated: 1719000050000, Completed: 1719000050000,
			Data: []Item{{URL: "https://...", Fields: map[string]json.RawMessage{"url": json.RawMessage(`"https://..."`)}}},
		}},
		{"failed.json", Task{
			ID: "a1b2c3d4-e5f6-...", Status: StatusFailed, Model: "wan2.1-t2v-turbo",
			Created: 1719000000000, Updated: 1719000050000, Completed: 1719000050000,
			Error: &TaskError{Code: "upstream_task_failed", Message: "upstream video generation task failed"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			body := readTestdata(t, tt.file)
			got, err := decodeTask(body, "other-id")
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != tt.want.ID {
				t.Errorf("ID = %q, want %q", got.ID, tt.want.ID)
			}
			if got.Status != tt.want.Status {
				t.Errorf("Status = %q, want %q", got.Status, tt.want.Status)
			}
			if got.Model != tt.want.Model {
				t.Errorf("Model = %q, want %q", got.Model, tt.want.Model)
			}
			if got.Created != tt.want.Created || got.Updated != tt.want.Updated || got.Completed != tt.want.Completed {
				t.Errorf("times = %d/%d/%d, want %d/%d/%d", got.Created, got.Updated, got.Completed,
					tt.want.Created, tt.want.Updated, tt.want.Completed)
			}
			if tt.want.Completed == 0 && !got.Completed.Time().IsZero() {
				t.Errorf("completed null should give the zero time, got %v", got.Completed.Time())
			}
			if len(got.Data) != len(tt.want.Data) {
				t.Fatalf("Data has %d items, want %d", len(got.Data), len(tt.want.Data))
			}
			for i := range got.Data {
				if got.Data[i].URL != tt.want.Data[i].URL || !reflect.DeepEqual(got.Data[i].Fields, tt.want.Data[i].Fields) {
					t.Errorf("Data[%d] = %+v, want %+v", i, got.Data[i], tt.want.Data[i])
				}
			}
			if !reflect.DeepEqual(got.Error, tt.want.Error) {
				t.Errorf("Error = %+v, want %+v", got.Error, tt.want.Error)
			}
			if got.Status.Terminal() != (tt.want.Status != StatusRunning) {
				t.Errorf("Terminal() = %v for %q", got.Status.Terminal(), got.Status)
			}
			var rawWant, rawGot any
			json.Unmarshal(body, &rawWant)
			if err := json.Unmarshal(got.Raw, &rawGot); err != nil || !reflect.DeepEqual(rawGot, rawWant) {
				t.Errorf("Raw = %s, want the body (nothing to redact)", got.Raw)
			}
		})
	}
}

func TestDecodeCreateReference(t *testing.T) {
	t.Parallel()
	got, err := decodeCreate(readTestdata(t, "create.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got.TaskID != "a1b2c3d4-e5f6-..." {
		t.Errorf("TaskID = %q", got.TaskID)
	}
	if got.Status != StatusPending {
		t.Errorf("Status = %q, want pending when absent", got.Status)
	}
}

func TestDecodeCreateShapes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		body       string
		wantID     string
		wantStatus Status
		wantErr    bool
	}{
		{`{"task_id":"t1","task_status":"pending"}`, "t1", StatusPending, false},
		{`{"task_id":"t1","task_status":"RUNNING"}`, "t1", StatusRunning, false},
		{`{"task_id":12345}`, "12345", StatusPending, false},
		{`{"id":"t2"}`, "t2", StatusPending, false},
		{`{"data":{"task_id":"t3","status":"queued"}}`, "t3", "queued", false},
		{`{"task_id":""}`, "", "", true},
		{`{"task_id":null}`, "", "", true},
		{`{}`, "", "", true},
		{`[]`, "", "", true},
		{`null`, "", "", true},
		{`not json`, "", "", true},
	}
	for _, tt := range tests {
		got, err := decodeCreate([]byte(tt.body))
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: err = %v, want error %v", tt.body, err, tt.wantErr)
			continue
		}
		if got.TaskID != tt.wantID || got.Status != tt.wantStatus {
			t.Errorf("%s: got %+v, want %q/%q", tt.body, got, tt.wantID, tt.wantStatus)
		}
	}
}

func TestDecodeTaskTolerant(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		body  string
		check func(t *testing.T, task *Task)
	}{
		{"unknown status kept", `{"task_id":"x","task_status":"queued_upstream"}`, func(t *testing.T, task *Task) {
			if task.Status != "queued_upstream" || task.Status.Known() || task.Status.Terminal() {
				t.Errorf("Status = %q", task.Status)
			}
		}},
		{"status case and spelling", `{"task_id":"x","task_status":" Success "}`, func(t *testing.T, task *Task) {
			if task.Status != StatusSuccess {
				t.Errorf("Status = %q", task.Status)
			}
		}},
		{"american cancelled", `{"task_status":"canceled"}`, func(t *testing.T, task *Task) {
			if task.Status != StatusCancelled {
				t.Errorf("Status = %q", task.Status)
			}
		}},
		{"extra fields kept in Raw", `{"task_id":"x","task_status":"running","progress":42,"queue":{"pos":3}}`, func(t *testing.T, task *Task) {
			var m map[string]any
			if err := json.Unmarshal(task.Raw, &m); err != nil {
				t.Fatal(err)
			}
			if m["progress"] != float64(42) || m["queue"].(map[string]any)["pos"] != float64(3) {
				t.Errorf("Raw = %s", task.Raw)
			}
		}},
		{"numbers as strings", `{"task_id":"x","created":"1719000000000","updated":"1719000005000.0","completed":""}`, func(t *testing.T, task *Task) {
			if task.Created != 1719000000000 || task.Updated != 1719000005000 || task.Completed != 0 {
				t.Errorf("times = %d %d %d", task.Created, task.Updated, task.Completed)
			}
		}},
		{"bad timestamps ignored", `{"task_id":"x","created":"soon","updated":true,"completed":{}}`, func(t *testing.T, task *Task) {
			if task.Created != 0 || task.Updated != 0 || task.Completed != 0 {
				t.Errorf("times = %d %d %d", task.Created, task.Updated, task.Completed)
			}
		}},
		{"error as text", `{"task_id":"x","task_status":"failed","error":"quota exceeded"}`, func(t *testing.T, task *Task) {
			if task.Error == nil || task.Error.Message != "quota exceeded" || task.Error.Code != "" {
				t.Errorf("Error = %+v", task.Error)
			}
		}},
		{"error code as number", `{"task_status":"failed","error":{"code":1234,"msg":"boom"}}`, func(t *testing.T, task *Task) {
			if task.Error == nil || task.Error.Code != "1234" || task.Error.Message != "boom" {
				t.Errorf("Error = %+v", task.Error)
			}
		}},
		{"empty error object is no error", `{"task_status":"success","error":{}}`, func(t *testing.T, task *Task) {
			if task.Error != nil {
				t.Errorf("Error = %+v", task.Error)
			}
		}},
		{"several data items", `{"task_status":"success","data":[{"url":"https://a/1.mp4","duration":5},null,{"cover":"c.jpg"},{"url":"https://a/2.mp4"}]}`, func(t *testing.T, task *Task) {
			if len(task.Data) != 3 {
				t.Fatalf("Data = %+v", task.Data)
			}
			if got := task.URLs(); !reflect.DeepEqual(got, []string{"https://a/1.mp4", "https://a/2.mp4"}) {
				t.Errorf("URLs = %v", got)
			}
			if string(task.Data[0].Fields["duration"]) != "5" || string(task.Data[1].Fields["cover"]) != `"c.jpg"` {
				t.Errorf("fields lost: %+v", task.Data)
			}
		}},
		{"data as one object", `{"task_status":"success","data":{"url":"https://a/1.mp4"}}`, func(t *testing.T, task *Task) {
			if got := task.URLs(); !reflect.DeepEqual(got, []string{"https://a/1.mp4"}) {
				t.Errorf("URLs = %v", got)
			}
		}},
		{"data as strings", `{"task_status":"success","data":["https://a/1.mp4"]}`, func(t *testing.T, task *Task) {
			if got := task.URLs(); !reflect.DeepEqual(got, []string{"https://a/1.mp4"}) {
				t.Errorf("URLs = %v", got)
			}
		}},
		{"nulls everywhere", `{"task_id":null,"task_status":null,"model":null,"created":null,"data":null,"error":null}`, func(t *testing.T, task *Task) {
			if task.ID != "wanted" || task.Status != "" || task.Model != "" || task.Data != nil || task.Error != nil {
				t.Errorf("task = %+v", task)
			}
		}},
		{"empty data on success", `{"task_id":"x","task_status":"success","data":[]}`, func(t *testing.T, task *Task) {
			if len(task.URLs()) != 0 || task.Status != StatusSuccess {
				t.Errorf("task = %+v", task)
			}
		}},
		{"empty id filled", `{"task_id":"","task_status":"running"}`, func(t *testing.T, task *Task) {
			if task.ID != "wanted" {
				t.Errorf("ID = %q", task.ID)
			}
		}},
		{"numeric id", `{"task_id":987}`, func(t *testing.T, task *Task) {
			if task.ID != "987" {
				t.Errorf("ID = %q", task.ID)
			}
		}},
		{"model of wrong type ignored", `{"model":{"name":"m"},"task_status":"running"}`, func(t *testing.T, task *Task) {
			if task.Model != "" || task.Status != StatusRunning {
				t.Errorf("task = %+v", task)
			}
		}},
		{"signed URLs redacted in Raw, kept in Data", `{"task_status":"success","data":[{"url":"https://cdn.example/v/1.mp4?X-Amz-Signature=abc&expires=9"}],"meta":{"links":["see https:\/\/cdn.example\/p?token=zzz now"]}}`, func(t *testing.T, task *Task) {
			if task.Data[0].URL != "https://cdn.example/v/1.mp4?X-Amz-Signature=abc&expires=9" {
				t.Errorf("URL = %q", task.Data[0].URL)
			}
			raw := string(task.Raw)
			if strings.Contains(raw, "Signature") || strings.Contains(raw, "token") || strings.Contains(raw, "expires") {
				t.Errorf("Raw still has a secret: %s", raw)
			}
			if !strings.Contains(raw, "https://cdn.example/v/1.mp4") || !strings.Contains(raw, "see https://cdn.example/p now") {
				t.Errorf("Raw lost the redacted URLs: %s", raw)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			task, err := decodeTask([]byte(tt.body), "wanted")
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, task)
		})
	}
}

func TestDecodeTaskRejectsNonObjects(t *testing.T) {
	t.Parallel()
	for _, body := range []string{``, `null`, `[]`, `"text"`, `42`, `{"task_id":`, `<html></html>`} {
		if task, err := decodeTask([]byte(body), "x"); err == nil {
			t.Errorf("%q: decoded to %+v, want an error", body, task)
		}
	}
}

func FuzzDecodeTask(f *testing.F) {
	for _, name := range []string{"running.json", "success.json", "failed.json", "create.json"} {
		f.Add(readTestdata(f, name))
	}
	f.Add([]byte(`{"task_status":"success","data":[{"url":"https://h/p?sig=1"},"https://h/q?x#y",null,3],"error":"e","created":"12"}`))
	f.Add([]byte(`{"data":{"url":"http://u:p@h/x"},"error":{"code":1,"message":null}}`))
	f.Add([]byte(`{"a":[[[{"b":"https:\/\/x\/y?z=1"}]]]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		task, err := decodeTask(body, "fallback")
		if err != nil {
			return
		}
		if task.ID == "" {
			t.Error("empty ID not filled")
		}
		for _, u := range task.URLs() {
			if u == "" {
				t.Error("empty URL listed")
			}
		}
		if !json.Valid(task.Raw) {
			t.Fatalf("Raw is not JSON: %q", task.Raw)
		}
		var v any
		if err := json.Unmarshal(task.Raw, &v); err != nil {
			t.Fatal(err)
		}
		walkStrings(v, func(s string) {
			if needsRedaction(s) && redactText(s) != s {
				t.Errorf("Raw holds an unredacted URL: %q", s)
			}
		})
	})
}

func walkStrings(v any, fn func(string)) {
	switch x := v.(type) {
	case string:
		fn(x)
	case []any:
		for _, e := range x {
			walkStrings(e, fn)
		}
	case map[string]any:
		for _, e := range x { // keys are not redacted, only values
			walkStrings(e, fn)
		}
	}
}

func TestRedactURL(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"https://cdn.example/v/1.mp4?sig=abc&expires=1", "https://cdn.example/v/1.mp4"},
		{"https://cdn.example/v/1.mp4#t=3", "https://cdn.example/v/1.mp4"},
		{"https://user:pw@cdn.example:8443/a%2Fb?x", "https://cdn.example:8443/a%2Fb"},
		{"http://127.0.0.1:4000/files/x/0.mp4?expires=1&sig=2", "http://127.0.0.1:4000/files/x/0.mp4"},
		{"https://cdn.example/plain.mp4", "https://cdn.example/plain.mp4"},
		{"/relative/path?token=1", "/relative/path"},
		{"https://bad host/%zz?sig=1", "https://bad host/%zz"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := RedactURL(tt.in); got != tt.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRedactJSON(t *testing.T) {
	t.Parallel()
	t.Run("nested", func(t *testing.T) {
		t.Parallel()
		in := `{"a":"https://h/p?sig=1","b":[{"c":"HTTP://H/Q?x=1"},"ftp://h/f?keep=1",5,null,true],"d":{"e":"no url? here"}}`
		var got map[string]any
		if err := json.Unmarshal(RedactJSON([]byte(in)), &got); err != nil {
			t.Fatal(err)
		}
		want := map[string]any{
			"a": "https://h/p",
			"b": []any{map[string]any{"c": "http://H/Q"}, "ftp://h/f?keep=1", float64(5), nil, true},
			"d": map[string]any{"e": "no url? here"},
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
	t.Run("unchanged input is returned as is", func(t *testing.T) {
		t.Parallel()
		for _, in := range []string{`{"x":  1,"y":"https://h/p"}`, `not json {`, ``, `[1,2`} {
			if got := RedactJSON([]byte(in)); string(got) != in {
				t.Errorf("RedactJSON(%q) = %q", in, got)
			}
		}
	})
	t.Run("a link spelled with escapes is found", func(t *testing.T) {
		t.Parallel()
		for _, in := range []string{`{"u":"\u0068ttps://h/p?sig=1"}`, `{"u":"hTtPs:\/\/h\/p?sig=1"}`, `["x", {"u": "https://h/p#frag"}]`} {
			got := string(RedactJSON([]byte(in)))
			if strings.Contains(got, "sig=1") || strings.Contains(got, "frag") {
				t.Errorf("RedactJSON(%s) = %s, still signed", in, got)
			}
		}
		in := `{"task_id":"t1","task_status":"running","created":1}`
		if got := RedactJSON([]byte(in)); string(got) != in {
			t.Errorf("RedactJSON(%s) = %s", in, got)
		}
	})
	t.Run("large numbers and escapes survive", func(t *testing.T) {
		t.Parallel()
		in := `{"n":12345678901234567890,"u":"https://h/p?<&>"}`
		got := string(RedactJSON([]byte(in)))
		if !strings.Contains(got, "12345678901234567890") || strings.Contains(got, "?") || !strings.Contains(got, `"https://h/p"`) {
			t.Errorf("got %s", got)
		}
	})
}

// BenchmarkDecodeTaskPending decodes the tracker's most common answer: a
// task still waiting, with no link.
func BenchmarkDecodeTaskPending(b *testing.B) {
	body := []byte(`{"completed":null,"created":1719000000000,"data":[],"error":null,"model":"wan2.1-t2v-turbo","task_id":"task_0123456789abcdef","task_status":"pending","updated":1719000000000}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeTask(body, "task_0123456789abcdef"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestIDAndStatusSpellings checks that task answers and create answers
// choose between task_id/id and task_status/status the same way.
func TestIDAndStatusSpellings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		body       string
		wantID     string
		wantStatus Status
	}{
		{"documented", `{"task_id":"t1","task_status":"running"}`, "t1", StatusRunning},
		{"short", `{"id":"t2","status":"success"}`, "t2", StatusSuccess},
		{"both, documented first", `{"task_id":"t3","id":"x","task_status":"failed","status":"running"}`, "t3", StatusFailed},
		{"both, short first", `{"id":"x","task_id":"t4","status":"running","task_status":"cancelled"}`, "t4", StatusCancelled},
		{"empty task_id gives way", `{"task_id":"  ","id":"t5","status":"pending"}`, "t5", StatusPending},
		{"null task_id gives way", `{"task_id":null,"id":"t6","task_status":"running"}`, "t6", StatusRunning},
		{"numeric id", `{"id":77,"task_status":"SUCCESS"}`, "77", StatusSuccess},
		{"present task_status wins even when empty", `{"task_id":"t8","task_status":"","status":"running"}`, "t8", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			task, err := decodeTask([]byte(tt.body), "fallback")
			if err != nil {
				t.Fatalf("decodeTask: %v", err)
			}
			if task.ID != tt.wantID || task.Status != tt.wantStatus {
				t.Errorf("decodeTask = %q/%q, want %q/%q", task.ID, task.Status, tt.wantID, tt.wantStatus)
			}
			created, err := decodeCreate([]byte(tt.body))
			if err != nil {
				t.Fatalf("decodeCreate: %v", err)
			}
			wantCreated := tt.wantStatus
			if wantCreated == "" {
				wantCreated = StatusPending // a create answer without a status is a pending task
			}
			if created.TaskID != tt.wantID || created.Status != wantCreated {
				t.Errorf("decodeCreate = %q/%q, want %q/%q", created.TaskID, created.Status, tt.wantID, wantCreated)
			}
		})
	}
}
