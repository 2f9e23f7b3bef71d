package history

import (
	"errors"
	"testing"
	"time"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/client/apitest"
	"github.com/reelhouse/reelhouse/history/library"
	"github.com/reelhouse/reelhouse/history/store"
)

// uncertain submits req with its answer dropped, so the task exists on the
// service while the history is not sure it started. It returns the record
// and the task's id on the service.
func (e *env) uncertain(req client.CreateRequest) (store.Record, string) {
	e.t.Helper()
	before := len(e.sim.TaskIDs())
	e.sim.Inject(apitest.Fault{Kind: apitest.FaultDropAfterRead, Target: apitest.TargetCreate})
	rec, err := e.tracker.Submit(e.t.Context(), req)
	if !errors.Is(err, client.ErrSubmissionUncertain) || rec.State != store.StateUncertain {
		e.t.Fatalf("Submit = %+v, %v; want an uncertain submission", rec, err)
	}
	ids := e.sim.TaskIDs()
	if len(ids) != before+1 {
		e.t.Fatalf("the service has %d tasks, want %d", len(ids), before+1)
	}
	return rec, ids[len(ids)-1]
}

func (e *env) all() []store.Record {
	e.t.Helper()
	recs, err := e.store.List(e.t.Context(), store.Query{Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	return recs
}

func TestTrackerAddByIDSettlesTheUncertainEntry(t *testing.T) {
	t.Parallel()
	e := newEnv(t, apitest.Config{})
	e.start(TrackerOptions{})
	req := client.CreateRequest{Model: "wan2.1-t2v-turbo", Prompt: "did it start?", Ratio: "16:9", Duration: 5}
	rec, taskID := e.uncertain(req)

	got, err := e.tracker.AddByID(t.Context(), " "+taskID+" ")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != rec.ID || got.TaskID != taskID {
		t.Fatalf("AddByID made or returned record %d (task %q); want the uncertain record %d to take task %s", got.ID, got.TaskID, rec.ID, taskID)
	}
	final := e.waitRecord(rec.ID, "the settled task to download", downloaded)
	e.checkFiles(final, 1)
	if final.Request.Prompt != req.Prompt || final.Request.Ratio != "16:9" || final.Request.Duration != 5 || final.ErrorMessage != "" {
		t.Errorf("settled record %+v", final)
	}
	if recs := e.all(); len(recs) != 1 {
		t.Errorf("the history holds %d entries, want the one settled entry", len(recs))
	}
	if n := e.sim.Counts().Create; n != 1 {
		t.Errorf("%d create calls, want 1", n)
	}
}

func TestTrackerAttachTaskIDToTheChosenEntry(t *testing.T) {
	t.Parallel()
	e := newEnv(t, apitest.Config{})
	e.start(TrackerOptions{})
	first, _ := e.uncertain(client.CreateRequest{Model: "m", Prompt: "the first try"})
	second, taskID := e.uncertain(client.CreateRequest{Model: "m", Prompt: "the second try"})

	// Two entries could own the id: Add by task id does not guess.
	added, err := e.tracker.AddByID(t.Context(), taskID)
	if err != nil {
		t.Fatal(err)
	}
	if added.ID == first.ID || added.ID == second.ID {
		t.Fatalf("AddByID guessed entry %d among two uncertain ones", added.ID)
	}
	if err := e.library.Delete(t.Context(), added.ID, true); err != nil {
		t.Fatal(err)
	}

	if _, err := e.tracker.AttachTaskID(t.Context(), second.ID, "no-such-task"); !client.IsNotFound(err) {
		t.Errorf("an unknown task id: %v, want not found", err)
	}
	if _, err := e.tracker.AttachTaskID(t.Context(), second.ID, "  "); !errors.Is(err, ErrNoTaskID) {
		t.Errorf("an empty task id: %v, want ErrNoTaskID", err)
	}
	got, err := e.tracker.AttachTaskID(t.Context(), second.ID, taskID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != second.ID || got.TaskID != taskID || got.State == store.StateUncertain {
		t.Fatalf("attached record %+v", got)
	}
	final := e.waitRecord(second.ID, "the chosen entry to download", downloaded)
	e.checkFiles(final, 1)
	if final.Request.Prompt != "the second try" {
		t.Errorf("prompt %q", final.Request.Prompt)
	}
	if r, _ := e.store.Get(t.Context(), first.ID); r.State != store.StateUncertain || r.TaskID != "" {
		t.Errorf("the other entry changed: %+v", r)
	}
	if _, err := e.tracker.AttachTaskID(t.Context(), first.ID, taskID); !errors.Is(err, store.ErrTaskIDInHistory) {
		t.Errorf("a task id another entry has: %v, want ErrTaskIDInHistory", err)
	}
	if _, err := e.tracker.AttachTaskID(t.Context(), second.ID, taskID); !errors.Is(err, store.ErrNotUncertain) {
		t.Errorf("an entry that is no longer uncertain: %v, want ErrNotUncertain", err)
	}
	if recs := e.all(); len(recs) != 2 {
		t.Errorf("the history holds %d entries, want 2", len(recs))
	}
}

func TestTrackerAddByIDLeavesUnrelatedUncertainEntry(t *testing.T) {
	t.Parallel()
	e := newEnv(t, apitest.Config{})
	e.start(TrackerOptions{})
	rec, _ := e.uncertain(client.CreateRequest{Model: "wan2.1-t2v-turbo", Prompt: "mine"})
	// A task of another model, made elsewhere, is not this submission.
	other := e.sim.AddTask(client.CreateRequest{Model: "doubao-seedance-2", Prompt: "made elsewhere"})
	got, err := e.tracker.AddByID(t.Context(), other)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID == rec.ID {
		t.Fatal("a task of another model was attached to the uncertain entry")
	}
	if r, _ := e.store.Get(t.Context(), rec.ID); r.State != store.StateUncertain {
		t.Errorf("the uncertain entry changed: %+v", r)
	}
}

func TestTrackerDownloadOfTaskGoneFromService(t *testing.T) {
	t.Parallel()
	e := newEnv(t, apitest.Config{})
	rec := e.awaitingDownload("gone-from-the-service", nil)
	e.start(TrackerOptions{})
	failed := e.waitRecord(rec.ID, "the download to fail", func(r store.Record) bool { return r.Download == store.DownloadFailed })
	if failed.DownloadError != store.DownloadErrorTaskGone {
		t.Errorf("download error %q, want the code %q", failed.DownloadError, store.DownloadErrorTaskGone)
	}
}

// TestDownloadFailureKeepsFacts: a failed download is recorded as a code
// and the failure's facts (the window words them), never as a sentence.
func TestDownloadFailureKeepsFacts(t *testing.T) {
	t.Parallel()
	e := newEnv(t, apitest.Config{})
	rec := e.awaitingDownload("refused-task", nil)
	tracker := NewTracker(e.store, library.New(e.store, e.folder), e.api, TrackerOptions{})
	cause := &client.APIError{StatusCode: 400, Message: "refused"}
	tracker.downloadFailed(t.Context(), rec, cause)
	got, err := e.store.Get(t.Context(), rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	code, facts, ok := store.ParseProblem(got.DownloadError)
	if !ok || code != store.ProblemDownloadFailed || facts != cause.Error() {
		t.Errorf("download error %q, want %q", got.DownloadError, store.ProblemDownloadFailed+": "+cause.Error())
	}
}

func TestTrackerSaysWhenServiceUnreachable(t *testing.T) {
	t.Parallel()
	e := newEnv(t, apitest.Config{PendingFor: time.Hour})
	e.start(TrackerOptions{})
	rec := e.submit("waiting while the service is down")
	e.waitFor("a first poll", func(ev Event) bool { return ev.Kind == EventChanged && ev.ID == rec.ID && ev.Record.ServerUpdated != 0 })
	before, err := e.store.Get(t.Context(), rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	e.sim.Inject(apitest.Fault{Kind: apitest.FaultStatus500, Target: apitest.TargetTask, Times: -1})
	ev := e.waitFor("the service to be called unreachable", func(ev Event) bool {
		if ev.Kind == EventChanged {
			t.Errorf("a failed poll changed the record: %+v", ev.Record)
		}
		return ev.Kind == EventServiceUnreachable
	})
	var apiErr *client.APIError
	if !errors.As(ev.Err, &apiErr) || apiErr.StatusCode != 500 {
		t.Errorf("last error %v, want the HTTP 500", ev.Err)
	}
	if down, last := e.tracker.ServiceUnreachable(); !down || last == nil {
		t.Errorf("ServiceUnreachable = %v, %v", down, last)
	}
	if after, _ := e.store.Get(t.Context(), rec.ID); !after.UpdatedAt.Equal(before.UpdatedAt) {
		t.Error("the failed polls were written to the history")
	}
	e.sim.ClearFaults()
	e.waitFor("the service to answer again", func(ev Event) bool { return ev.Kind == EventServiceReachable })
	if down, _ := e.tracker.ServiceUnreachable(); down {
		t.Error("still unreachable after an answer")
	}
}

func TestTrackerSaysWhenServiceStopped(t *testing.T) {
	t.Parallel()
	e := newEnv(t, apitest.Config{PendingFor: time.Hour})
	e.start(TrackerOptions{})
	rec := e.submit("the service goes away")
	e.sim.Close()
	ev := e.waitFor("the service to be called unreachable", func(ev Event) bool { return ev.Kind == EventServiceUnreachable })
	if !client.IsTransient(ev.Err) {
		t.Errorf("last error %v, want a connection failure", ev.Err)
	}
	if r, _ := e.store.Get(t.Context(), rec.ID); r.State != store.StatePending || !r.Watching {
		t.Errorf("the task must stay followed: %+v", r)
	}
}

func TestStoreCountsTasksAndVideos(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s, err := store.Open(ctx, t.TempDir()+"/history.db")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	add := func(prompt string, st store.State, files int, missing bool) store.Record {
		r, err := s.AddSubmission(ctx, client.CreateRequest{Model: "m", Prompt: prompt}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if r, err = s.Update(ctx, r.ID, store.Change{State: &st}, time.Now()); err != nil {
			t.Fatal(err)
		}
		for i := range files {
			if err := s.PutFile(ctx, r.ID, store.File{Index: i, Path: prompt + string(rune('a'+i)) + ".mp4", Missing: missing && i == 0}); err != nil {
				t.Fatal(err)
			}
		}
		return r
	}
	add("three foxes", store.StateSuccess, 3, false)
	add("one owl", store.StateSuccess, 1, false)
	add("two bats, one gone", store.StateSuccess, 2, true)
	add("never sent", store.StateNotSent, 0, false)
	add("failed", store.StateFailed, 0, false)
	trashed := add("trashed hare", store.StateSuccess, 1, false)
	if _, err := s.Update(ctx, trashed.ID, store.Change{TrashedAt: ptr(time.Now())}, time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		q             store.Query
		tasks, videos int
	}{
		{store.Query{}, 5, 5},
		{store.Query{Text: "three"}, 1, 3},
		{store.Query{View: store.ViewAttention}, 3, 1},
		{store.Query{States: []store.State{store.StateNotSent}}, 1, 0},
		{store.Query{Trash: true}, 1, 1},
	} {
		tasks, err := s.Count(ctx, c.q)
		if err != nil {
			t.Fatal(err)
		}
		videos, err := s.CountVideos(ctx, c.q)
		if err != nil {
			t.Fatal(err)
		}
		if tasks != c.tasks || videos != c.videos {
			t.Errorf("%+v: %d tasks, %d videos; want %d, %d", c.q, tasks, videos, c.tasks, c.videos)
		}
	}
}
