package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/reelhouse/reelhouse/client"
)

func openTestStore(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "history.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func TestStoreRoundTrip(t *testing.T) {
	t.Parallel()
	s, path := openTestStore(t)
	ctx := t.Context()
	req := client.CreateRequest{
		Model: "wan2.1-t2v-turbo", Prompt: "a red fox in snow", Ratio: "16:9", Resolution: "720p", Duration: 5,
		Image:           []client.Media{{Role: "first_frame", URL: "https://example.com/a.png"}},
		UpstreamOptions: map[string]any{"seed": 42.0},
	}
	now := time.UnixMilli(1719000000123)
	rec, err := s.AddSubmission(ctx, req, now)
	if err != nil {
		t.Fatal(err)
	}
	if rec.State != StateSubmitting || rec.Watching || rec.TaskID != "" || !rec.CreatedAt.Equal(now) {
		t.Fatalf("new submission = %+v", rec)
	}
	raw := json.RawMessage(`{"task_id":"abc","task_status":"success","data":[{"url":"https://files.example/v.mp4?sig=SECRET&expires=1"}],"extra":1}`)
	task := &client.Task{ID: "abc", Status: client.StatusSuccess, Model: "wan2.1-t2v-turbo", Created: 1, Updated: 2, Completed: 3, Raw: raw}
	st := StateSuccess
	id := "abc"
	if _, err := s.Update(ctx, rec.ID, Change{TaskID: &id, State: &st, Watching: ptr(true), Task: task, Download: ptr(DownloadWaiting)}, now); err != nil {
		t.Fatal(err)
	}
	if err := s.PutFile(ctx, rec.ID, File{Index: 0, Path: "2024/06/x.mp4", Size: 10, SHA256: "ab"}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutFile(ctx, rec.ID, File{Index: 0, Path: "2024/06/y.mp4", Size: 11, SHA256: "cd"}); err != nil {
		t.Fatal(err)
	}
	s.Close()

	// Reopen: everything survives, and migrations run only once.
	s2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	got, err := s2.ByTaskID(ctx, "abc")
	if err != nil {
		t.Fatal(err)
	}
	if got.Request.Prompt != req.Prompt || got.Request.Ratio != "16:9" || got.Request.Duration != 5 ||
		got.Request.Image[0].Role != "first_frame" || got.Request.UpstreamOptions["seed"] != 42.0 {
		t.Errorf("request = %+v", got.Request)
	}
	if got.State != StateSuccess || got.ServerCreated != 1 || got.ServerUpdated != 2 || got.ServerCompleted != 3 || got.Download != DownloadWaiting {
		t.Errorf("record = %+v", got)
	}
	if len(got.Files) != 1 || got.Files[0].Path != "2024/06/y.mp4" || got.Files[0].Size != 11 {
		t.Errorf("files = %+v", got.Files)
	}
	if strings.Contains(string(got.Raw), "SECRET") || !strings.Contains(string(got.Raw), `"extra":1`) {
		t.Errorf("raw response must be kept without the signed query: %s", got.Raw)
	}
	if err := s2.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s2.Get(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get(999) = %v, want ErrNotFound", err)
	}
}

func TestStoreUnfinishedAndList(t *testing.T) {
	t.Parallel()
	s, _ := openTestStore(t)
	ctx := t.Context()
	base := time.UnixMilli(1719000000000)
	mk := func(i int, state State, watching bool, dl DownloadState) Record {
		r, err := s.AddSubmission(ctx, client.CreateRequest{Model: "m", Prompt: fmt.Sprintf("prompt %d about 100%% cats_%d", i, i)}, base.Add(time.Duration(i)*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		id := fmt.Sprintf("task-%d", i)
		c := Change{State: &state, Watching: &watching, Download: &dl}
		if state != StateSubmitting {
			c.TaskID = &id
		}
		r, err = s.Update(ctx, r.ID, c, base)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	submitting := mk(0, StateSubmitting, false, DownloadNone)
	running := mk(1, StateRunning, true, DownloadNone)
	unwatched := mk(2, StateRunning, false, DownloadNone)
	downloading := mk(3, StateSuccess, false, DownloadWaiting)
	mk(4, StateSuccess, false, DownloadDone)
	mk(5, StateFailed, false, DownloadNone)
	odd := mk(6, State("queued_upstream"), true, DownloadNone)

	un, err := s.Unfinished(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, r := range un {
		ids = append(ids, r.ID)
	}
	want := []int64{submitting.ID, running.ID, downloading.ID, odd.ID}
	if fmt.Sprint(ids) != fmt.Sprint(want) {
		t.Errorf("Unfinished = %v, want %v (unwatched %d must not be polled)", ids, want, unwatched.ID)
	}

	all, err := s.List(ctx, Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 7 || all[0].Request.Prompt != "prompt 6 about 100% cats_6" {
		t.Errorf("List newest first: got %d, first %q", len(all), all[0].Request.Prompt)
	}
	for _, tc := range []struct {
		q    Query
		want int
	}{
		{Query{Text: "prompt 3"}, 1}, // every word must match
		{Query{Text: "about cats"}, 7},
		{Query{Text: "cats_3"}, 1},
		{Query{Text: "100%"}, 7},
		{Query{Text: "_"}, 0}, // punctuation alone matches only a task id
		{Query{Text: "CATS"}, 7},
		{Query{Text: "ca"}, 7}, // words match by their start
		{Query{Text: "task-5"}, 1},
		{Query{Text: "nothing-like-this"}, 0},
		{Query{States: []State{StateSuccess}}, 2},
		{Query{Limit: 3}, 3},
		{Query{Limit: 3, Offset: 6}, 1},
	} {
		got, err := s.List(ctx, tc.q)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != tc.want {
			t.Errorf("List(%+v) = %d records, want %d", tc.q, len(got), tc.want)
		}
	}
}

func TestStoreSettingsAndExisting(t *testing.T) {
	t.Parallel()
	s, _ := openTestStore(t)
	ctx := t.Context()
	if got := s.Setting(ctx, "server_url", "def"); got != "def" {
		t.Errorf("missing setting = %q", got)
	}
	if err := s.SetSetting(ctx, "server_url", "a"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetSetting(ctx, "server_url", "b"); err != nil {
		t.Fatal(err)
	}
	if got := s.Setting(ctx, "server_url", "def"); got != "b" {
		t.Errorf("setting = %q, want b", got)
	}
	r, created, err := s.AddExisting(ctx, "xyz", time.Now())
	if err != nil || !created || r.TaskID != "xyz" || !r.Watching {
		t.Fatalf("AddExisting = %+v, %v, %v", r, created, err)
	}
	r2, created, err := s.AddExisting(ctx, "xyz", time.Now())
	if err != nil || created || r2.ID != r.ID {
		t.Fatalf("second AddExisting = %+v, %v, %v", r2, created, err)
	}
}

func TestLockDataDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	unlock, err := LockDataDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LockDataDir(dir); !errors.Is(err, ErrAlreadyRunning) {
		t.Fatalf("second lock = %v, want ErrAlreadyRunning", err)
	}
	unlock()
	unlock2, err := LockDataDir(dir)
	if err != nil {
		t.Fatalf("lock after unlock = %v", err)
	}
	unlock2()
}

// TestStoreUpdateReturnsTheStoredRecord: the one-statement update (no
// tags) and the update with tags both return what Get then reads, files
// and tags included, and a missing record is ErrNotFound either way.
func TestStoreUpdateReturnsTheStoredRecord(t *testing.T) {
	t.Parallel()
	s, _ := openTestStore(t)
	ctx := t.Context()
	now := time.UnixMilli(1719000000000)
	r, err := s.AddSubmission(ctx, client.CreateRequest{Model: "m", Prompt: "a heron"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutFile(ctx, r.ID, File{Index: 0, Path: "2024/06/h.mp4", Size: 5, SHA256: "ab"}); err != nil {
		t.Fatal(err)
	}
	tags := []string{"birds"}
	if _, err := s.Update(ctx, r.ID, Change{Tags: &tags}, now); err != nil {
		t.Fatal(err)
	}
	for i, c := range []Change{
		{State: ptr(StateSuccess), Download: ptr(DownloadWaiting)},
		{Note: ptr("tall"), Tags: &[]string{"birds", "water"}},
		{State: ptr(StateFailed), ErrorCode: ptr("x")},
	} {
		got, err := s.Update(ctx, r.ID, c, now.Add(time.Duration(i+1)*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		want, err := s.Get(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("change %d: Update returned\n%+v\nGet reads\n%+v", i, got, want)
		}
		if len(got.Files) != 1 || len(got.Tags) == 0 || got.UpdatedAt.UnixMilli() != now.Add(time.Duration(i+1)*time.Second).UnixMilli() {
			t.Errorf("change %d: %+v", i, got)
		}
	}
	for _, c := range []Change{{State: ptr(StateFailed)}, {Tags: &tags}} {
		if _, err := s.Update(ctx, r.ID+100, c, now); !errors.Is(err, ErrNotFound) {
			t.Errorf("Update(missing, %+v) = %v, want ErrNotFound", c, err)
		}
	}
}

// TestStoreNoCancelServers: the servers that cancel nothing are kept by
// address, apart from every other setting.
func TestStoreNoCancelServers(t *testing.T) {
	t.Parallel()
	s, _ := openTestStore(t)
	ctx := t.Context()
	if got, err := s.NoCancelServers(ctx); err != nil || len(got) != 0 {
		t.Fatalf("NoCancelServers of a new store = %v, %v", got, err)
	}
	for _, a := range []string{"https://a.example", "http://127.0.0.1:8080", "https://a.example"} {
		if err := s.SetNoCancel(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SetSetting(ctx, "no_cancelled", "x"); err != nil {
		t.Fatal(err)
	}
	got, err := s.NoCancelServers(ctx)
	slices.Sort(got)
	if want := []string{"http://127.0.0.1:8080", "https://a.example"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("NoCancelServers = %q, %v; want %q", got, err, want)
	}
}
