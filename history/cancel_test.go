package history

import (
	"errors"
	"testing"
	"time"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/client/apitest"
	"github.com/reelhouse/reelhouse/history/store"
)

// following reports whether the tracker still polls record id.
func (t *Tracker) following(id int64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	w, ok := t.watches[id]
	return ok && !w.stopped
}

// submitPending starts a tracker on a service whose tasks stay pending and
// submits one.
func submitPending(t *testing.T, cfg apitest.Config) (*env, store.Record) {
	t.Helper()
	cfg.PendingFor, cfg.RunningFor = time.Hour, time.Hour
	e := newEnv(t, cfg)
	e.start(TrackerOptions{})
	rec, err := e.tracker.Submit(t.Context(), client.CreateRequest{Model: "m", Prompt: "a kite over the dunes"})
	if err != nil {
		t.Fatal(err)
	}
	if !e.tracker.following(rec.ID) {
		t.Fatalf("a submitted task is not followed: %+v", rec)
	}
	return e, rec
}

func TestTrackerCancelPendingTask(t *testing.T) {
	t.Parallel()
	e, rec := submitPending(t, apitest.Config{})
	if err := e.tracker.Cancel(t.Context(), rec.ID); err != nil {
		t.Fatalf("Cancel: %v", err)
	}
	got, err := e.store.Get(t.Context(), rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != store.StateCancelled || got.Watching || got.ErrorCode != ErrorCodeCancelled {
		t.Errorf("after Cancel the record is %+v, want cancelled, not watched, code %q", got, ErrorCodeCancelled)
	}
	if e.tracker.following(rec.ID) {
		t.Error("the tracker still polls a cancelled task")
	}
	if task, err := e.api.Task(t.Context(), rec.TaskID); err != nil || task.Status != client.StatusCancelled {
		t.Errorf("on the service the task is %+v, %v; want cancelled", task, err)
	}
	e.waitRecord(rec.ID, "the cancelled record published", func(r store.Record) bool { return r.State == store.StateCancelled })

	// Nothing is resumed at the next start.
	unfinished, err := e.store.Unfinished(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range unfinished {
		if r.ID == rec.ID {
			t.Errorf("a cancelled task is still unfinished: %+v", r)
		}
	}
}

// TestReliabilityTrackerCancelRefusedKeepsTheVideo: a cancel the service refuses,
// too late (409) or not at all (405), leaves the task watched, and the
// video is downloaded when it is ready; a service that cancels nothing is
// not offered Cancel again, also after a restart.
func TestReliabilityTrackerCancelRefusedKeepsTheVideo(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		cfg    apitest.Config
		set    client.Status // forced on the task before the cancel
		refuse error         // the refusal Cancel returns
	}{
		{"too late", apitest.Config{}, client.StatusRunning, client.ErrCancelTooLate},
		{"no cancel on the service", apitest.Config{NoCancel: true}, "", client.ErrCancelUnsupported},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, rec := submitPending(t, tc.cfg)
			if tc.set != "" {
				e.sim.SetOutcome(rec.TaskID, tc.set)
			}
			err := e.tracker.Cancel(t.Context(), rec.ID)
			if !errors.Is(err, tc.refuse) || !errors.Is(err, client.ErrCannotCancel) {
				t.Fatalf("Cancel = %v, want %v", err, tc.refuse)
			}
			got, gerr := e.store.Get(t.Context(), rec.ID)
			if gerr != nil {
				t.Fatal(gerr)
			}
			if !got.Watching || got.State == store.StateCancelled || got.ErrorCode == ErrorCodeCancelled {
				t.Errorf("after a refused cancel the record is %+v, want it still watched", got)
			}
			if !e.tracker.following(rec.ID) {
				t.Error("the tracker stopped polling a task it could not cancel")
			}
			unsupported := tc.refuse == client.ErrCancelUnsupported
			if e.tracker.CancelOffered() == unsupported {
				t.Errorf("CancelOffered = %v after %v", !unsupported, err)
			}

			// The service goes on and finishes: the video is downloaded.
			e.sim.SetOutcome(rec.TaskID, client.StatusSuccess)
			done := e.waitRecord(rec.ID, "the video downloaded", downloaded)
			e.checkFiles(done, 1)

			// After a restart, the same server is still known to cancel
			// nothing (or still offered Cancel).
			e.stop()
			e.store.Close()
			e.openStore()
			e.start(TrackerOptions{})
			if e.tracker.CancelOffered() == unsupported {
				t.Errorf("after a restart CancelOffered = %v", !unsupported)
			}
			other, cerr := client.New("http://127.0.0.2:1", client.WithAPIKey("sk-x"))
			if cerr != nil {
				t.Fatal(cerr)
			}
			if !NewTracker(e.store, nil, other, TrackerOptions{}).CancelOffered() {
				t.Error("Cancel is not offered for another server")
			}
		})
	}
}

func TestTrackerCancelFailureChangesNothing(t *testing.T) {
	t.Parallel()
	e, rec := submitPending(t, apitest.Config{})
	e.sim.Inject(apitest.Fault{Kind: apitest.FaultStatus500, Target: apitest.TargetCancel})
	err := e.tracker.Cancel(t.Context(), rec.ID)
	if !client.IsTransient(err) || errors.Is(err, client.ErrCannotCancel) {
		t.Fatalf("Cancel answered 500 = %v, want a transient error", err)
	}
	got, _ := e.store.Get(t.Context(), rec.ID)
	if got.State == store.StateCancelled || !got.Watching || !e.tracker.following(rec.ID) {
		t.Errorf("after a failed cancel the record is %+v (followed %v), want it unchanged", got, e.tracker.following(rec.ID))
	}
	if err := e.tracker.Cancel(t.Context(), rec.ID); err != nil {
		t.Fatalf("Cancel again: %v", err)
	}
	if got, _ := e.store.Get(t.Context(), rec.ID); got.State != store.StateCancelled {
		t.Errorf("after the second cancel the record is %+v", got)
	}
}

func TestTrackerCancelRefusedKey(t *testing.T) {
	t.Parallel()
	e, rec := submitPending(t, apitest.Config{})
	e.sim.Inject(apitest.Fault{Kind: apitest.FaultStatus401, Target: apitest.TargetCancel})
	if err := e.tracker.Cancel(t.Context(), rec.ID); !client.IsUnauthorized(err) {
		t.Fatalf("Cancel answered 401 = %v, want unauthorized", err)
	}
	if !e.tracker.KeyRefused() {
		t.Error("a refused key did not pause the tracker")
	}
	if got, _ := e.store.Get(t.Context(), rec.ID); got.State == store.StateCancelled || !got.Watching {
		t.Errorf("after a refused key the record is %+v, want it unchanged", got)
	}
}

func TestTrackerCancelWithoutTask(t *testing.T) {
	t.Parallel()
	e := newEnv(t, apitest.Config{PendingFor: time.Hour})
	e.start(TrackerOptions{})

	rec, _ := e.uncertain(client.CreateRequest{Model: "m", Prompt: "lost in the post"})
	if err := e.tracker.Cancel(t.Context(), rec.ID); !errors.Is(err, ErrNoTaskToCancel) {
		t.Errorf("Cancel of an uncertain entry = %v, want ErrNoTaskToCancel", err)
	}

	done := e.awaitingDownload("a1b2c3", nil)
	before := e.sim.Counts().Cancel
	if err := e.tracker.Cancel(t.Context(), done.ID); !errors.Is(err, client.ErrCannotCancel) {
		t.Errorf("Cancel of a finished task = %v, want ErrCannotCancel", err)
	}
	if e.sim.Counts().Cancel != before {
		t.Error("Cancel of a finished task asked the service")
	}
	if err := e.tracker.Cancel(t.Context(), 987654); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Cancel of no entry = %v, want ErrNotFound", err)
	}
}
