package history

// This file keeps a bug in the tracker from stopping it: a panic while a
// task is polled or downloaded is recorded as a crash report (package
// crash) and the task is tried again after the longest backoff.

import (
	"context"
	"time"

	"github.com/reelhouse/reelhouse/history/crash"
)

// guardedPoll polls w like poll does; after a panic in poll the task is
// asked about again later, and its answer is applied anew.
func (t *Tracker) guardedPoll(ctx context.Context, w *watch) {
	if !crash.Guard("poll", func() { t.poll(ctx, w) }) {
		return
	}
	t.log.Error("a query of a task panicked; it is tried again later", "record", w.id, "task_id", w.taskID)
	t.mu.Lock()
	w.inFlight = false
	w.last = "" // the answer may not have been recorded
	w.next = time.Now().Add(t.opts.MaxBackoff)
	t.mu.Unlock()
}

// guardJob runs one download job of f; after a panic in it the task is
// polled again later, like after an outage, and its answer queues the
// download anew. The job then ends as if there was nothing to do, so the
// record stays "waiting" rather than failed.
func (t *Tracker) guardJob(f *fetch, job func() error) error {
	err := crash.Do("download", job)
	if !crash.IsPanic(err) {
		return err
	}
	t.log.Error("a download panicked; it is tried again later", "record", f.id)
	if rec, gErr := t.store.Get(context.WithoutCancel(f.ctx), f.id); gErr == nil {
		t.addWatch(rec, time.Now().Add(t.opts.MaxBackoff))
	}
	return errNothingToDo
}
