package history

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/client/apitest"
	"github.com/reelhouse/reelhouse/history/library"
	"github.com/reelhouse/reelhouse/history/store"
)

// failWrites makes the store refuse, for real, every update that matches
// when (a SQLite expression over OLD and NEW) on the given column, until
// the returned function is called.
func failWrites(t *testing.T, dbPath, name, column, when string) (restore func()) {
	t.Helper()
	if when == "" {
		when = "1"
	}
	q := `CREATE TRIGGER ` + name + ` BEFORE UPDATE OF ` + column + ` ON tasks WHEN ` + when +
		` BEGIN SELECT RAISE(ABORT, 'disk refused the write (injected)'); END`
	db := rawDB(t, dbPath)
	if _, err := db.ExecContext(t.Context(), q); err != nil {
		t.Fatal(err)
	}
	return func() {
		if _, err := db.ExecContext(context.Background(), `DROP TRIGGER IF EXISTS `+name); err != nil {
			t.Fatal(err)
		}
	}
}

// watchedIDs lists the task ids the tracker is following.
func watchedIDs(tr *Tracker) []string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	var ids []string
	for _, w := range tr.watches {
		ids = append(ids, w.taskID)
	}
	return ids
}

func testLogger() (*slog.Logger, *lockedBuffer) {
	var buf lockedBuffer
	return slog.New(slog.NewTextHandler(&buf, nil)), &buf
}

// TestSubmitKeepsTaskIDWhenRecordFails: the service made the task but the
// history refuses to record its id. The user gets an error carrying the
// id, the id is journaled and logged, nothing polls an empty id, and the
// next start records the task and follows it to its video.
func TestSubmitKeepsTaskIDWhenRecordFails(t *testing.T) {
	e := newEnv(t, apitest.Config{})
	restore := failWrites(t, e.db, "fail_task_id", "task_id", "")
	log, logged := testLogger()
	e.start(TrackerOptions{Log: log})

	rec, err := e.tracker.Submit(t.Context(), client.CreateRequest{Model: "m", Prompt: "a lighthouse"})
	var unrec *store.UnrecordedTaskError
	if !errors.As(err, &unrec) {
		t.Fatalf("Submit error = %v, want an *UnrecordedTaskError", err)
	}
	made := e.sim.TaskIDs()
	if len(made) != 1 || unrec.TaskID != made[0] || rec.TaskID != made[0] {
		t.Fatalf("error names task %q, record %q; the service made %v", unrec.TaskID, rec.TaskID, made)
	}
	if ids := watchedIDs(e.tracker); slices.Contains(ids, "") {
		t.Errorf("a task without an id is being polled: %q", ids)
	}
	journal, err := os.ReadFile(e.store.JournalPath())
	if err != nil || !strings.Contains(string(journal), unrec.TaskID) {
		t.Errorf("journal does not hold the task id (%v): %q", err, journal)
	}
	if !strings.Contains(string(logged.Bytes()), unrec.TaskID) {
		t.Errorf("log does not name the task id:\n%s", logged.Bytes())
	}
	if got, _ := e.store.Get(t.Context(), rec.ID); got.TaskID != "" {
		t.Fatalf("the injected failure did not hold: %+v", got)
	}

	// The disk recovers; the next start records the id and follows it.
	e.stop()
	restore()
	e.start(TrackerOptions{Log: log})
	got := e.waitRecord(rec.ID, "the journaled task to be downloaded", downloaded)
	if got.TaskID != unrec.TaskID || got.Request.Prompt != "a lighthouse" {
		t.Errorf("record after restart: task %q prompt %q", got.TaskID, got.Request.Prompt)
	}
	if _, err := os.Stat(e.store.JournalPath()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("journal left behind after it was recorded: %v", err)
	}
	if n, _ := e.store.Count(t.Context(), store.Query{}); n != 1 {
		t.Errorf("%d records, want 1", n)
	}
}

// TestEmptyTaskIDNeverWatched: a record without a task id is never polled.
func TestEmptyTaskIDNeverWatched(t *testing.T) {
	e := newEnv(t, apitest.Config{})
	tr := NewTracker(e.store, library.New(e.store, e.folder), e.api, TrackerOptions{})
	tr.addWatch(store.Record{ID: 7, State: store.StatePending, CreatedAt: time.Now()}, time.Now())
	if ids := watchedIDs(tr); len(ids) != 0 {
		t.Fatalf("watching %q", ids)
	}
}

// TestCheckAgainReportsFailedWrite: when "Check again" cannot be saved,
// the user is told, and nothing is followed that a restart would forget.
func TestCheckAgainReportsFailedWrite(t *testing.T) {
	e := newEnv(t, apitest.Config{PendingFor: time.Hour})
	log, logged := testLogger()
	e.start(TrackerOptions{Log: log})
	rec := e.submit("slow")
	if err := e.tracker.StopWatching(t.Context(), rec.ID); err != nil {
		t.Fatal(err)
	}
	failWrites(t, e.db, "fail_watch", "watching", "NEW.watching = 1")
	err := e.tracker.CheckAgain(t.Context(), rec.ID)
	if err == nil {
		t.Fatal("CheckAgain reported success although nothing was saved")
	}
	if ids := watchedIDs(e.tracker); len(ids) != 0 {
		t.Errorf("followed although the change was not saved: %q", ids)
	}
	if got, _ := e.store.Get(t.Context(), rec.ID); got.Watching {
		t.Errorf("record says watching: %+v", got)
	}
	if !strings.Contains(string(logged.Bytes()), "could not save") {
		t.Errorf("the failed write was not logged:\n%s", logged.Bytes())
	}
}

// TestResumeFailureIsReported: a history that cannot be read at start
// ends Run with ErrResume (for the window to say so) and a log line.
func TestResumeFailureIsReported(t *testing.T) {
	e := newEnv(t, apitest.Config{})
	if _, err := rawDB(t, e.db).ExecContext(t.Context(), `INSERT INTO tasks (task_id, model, prompt, request, state, watching, created_at, updated_at)
		VALUES ('broken', 'm', 'p', 'not json', 'pending', 1, 0, 0)`); err != nil {
		t.Fatal(err)
	}
	log, logged := testLogger()
	tr := NewTracker(e.store, library.New(e.store, e.folder), e.api, TrackerOptions{Log: log})
	err := tr.Run(t.Context())
	if !errors.Is(err, ErrResume) {
		t.Fatalf("Run = %v, want ErrResume", err)
	}
	if !strings.Contains(string(logged.Bytes()), "resume failed") {
		t.Errorf("not logged:\n%s", logged.Bytes())
	}
}

// TestCheckAgainSurvivesRestart: "Check again" restarts the stale clock,
// and a restart does not turn the clock back.
func TestCheckAgainSurvivesRestart(t *testing.T) {
	e := newEnv(t, apitest.Config{PendingFor: time.Hour})
	ctx := t.Context()
	res, err := e.api.Create(ctx, client.CreateRequest{Model: "m", Prompt: "old"})
	if err != nil {
		t.Fatal(err)
	}
	rec, _, err := e.store.AddExisting(ctx, res.TaskID, time.Now().Add(-2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	opts := TrackerOptions{StaleAfter: time.Hour}
	e.start(opts)
	e.waitRecord(rec.ID, "the two-hour-old task to become stale", func(r store.Record) bool { return r.State == store.StateStale })
	if err := e.tracker.CheckAgain(ctx, rec.ID); err != nil {
		t.Fatal(err)
	}
	e.stop()

	before := len(queriesOf(e.sim, res.TaskID))
	e.start(opts)
	var got store.Record
	waitUntil(t, "two polls after the restart, or a stale task", func() bool {
		got, _ = e.store.Get(ctx, rec.ID)
		return got.State == store.StateStale || len(queriesOf(e.sim, res.TaskID)) >= before+2
	})
	if got.State == store.StateStale || !got.Watching {
		t.Fatalf("after a restart the task checked again is %s (watching %v): the stale clock went back", got.State, got.Watching)
	}
}
