package history

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history/store"
)

// ErrorCodeCancelled is the ErrorCode of a record whose task was cancelled
// from Reelhouse (Tracker.Cancel), as opposed to one the service reports
// as cancelled with a code of its own.
const ErrorCodeCancelled = "cancelled_by_user"

// ErrNoTaskToCancel: the entry has no task id, so there is nothing on the
// service to cancel (it was never sent, or its answer never came).
var ErrNoTaskToCancel = errors.New("the entry has no task on the service")

// Cancel asks the service to cancel the task of record id. When it agrees,
// the record becomes cancelled (ErrorCode ErrorCodeCancelled) and is no
// longer watched. When it cannot cancel the task (an error matching
// client.ErrCannotCancel: the task has started or ended, or the service
// offers no cancel), the task is only no longer watched, and that error is
// returned so the user can be told. Any other failure changes nothing.
func (t *Tracker) Cancel(ctx context.Context, id int64) error {
	rec, err := t.store.Get(ctx, id)
	if err != nil {
		return err
	}
	if rec.TaskID == "" {
		return ErrNoTaskToCancel
	}
	switch rec.State {
	case store.StateSuccess, store.StateFailed, store.StateCancelled:
		// Over on the service too: asking would only be refused.
		return fmt.Errorf("%w: the task is %s", client.ErrCannotCancel, rec.State)
	}
	err = t.api.Cancel(ctx, rec.TaskID)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	t.serviceAnswer(err)
	switch {
	case errors.Is(err, client.ErrCannotCancel):
		if stopErr := t.StopWatching(ctx, id); stopErr != nil {
			return errors.Join(err, stopErr)
		}
		return err
	case err != nil:
		if client.IsUnauthorized(err) {
			t.keyRefused()
		}
		return err
	}
	// A query sent before the cancel may still record what it heard
	// (pending, running): it goes first, so that cancelled is the last word.
	t.stopWatch(ctx, id)
	st := store.StateCancelled
	if _, err := t.saveRetrying(ctx, id, store.Change{State: &st, Watching: ptr(false),
		ErrorCode: ptr(ErrorCodeCancelled), ErrorMessage: ptr("")}); err != nil {
		// Watched again, the task's next answer (cancelled) is recorded
		// when the disk takes writes again.
		t.addWatch(rec, time.Now())
		return err
	}
	return nil
}

// stopWatch ends the polling of record id and waits for a query under way
// to be recorded (or for ctx to end).
func (t *Tracker) stopWatch(ctx context.Context, id int64) {
	t.mu.Lock()
	w, ok := t.watches[id]
	if ok {
		if w.inFlight {
			w.stopped = true // the query ends, and nothing follows it
		} else {
			delete(t.watches, id)
		}
	}
	t.mu.Unlock()
	if !ok {
		return
	}
	// poll records its answer, then removes the stopped watch; there is
	// nothing to wait on but that, and a query is short (its time limit).
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		t.mu.Lock()
		busy := t.watches[id] == w && w.inFlight
		t.mu.Unlock()
		if !busy {
			return
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return
		}
	}
}
