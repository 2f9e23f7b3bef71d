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
// longer watched. When it refuses (an error matching client.ErrCannotCancel:
// the task has started or ended, or the service offers no cancel), the
// task goes on, and so does the watching: it is downloaded when it is
// ready. That error is returned so the user can be told; a service that
// cancels nothing (client.ErrCancelUnsupported) is remembered, and
// CancelOffered says so from then on. Any other failure changes nothing.
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
		if keepErr := t.cancelRefused(ctx, rec, err); keepErr != nil {
			return errors.Join(err, keepErr)
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

// cancelRefused keeps following rec after the service refused to cancel
// it (refusal): the video is being made, and billed, all the same. A
// service that cancels nothing is remembered for its address.
func (t *Tracker) cancelRefused(ctx context.Context, rec store.Record, refusal error) error {
	t.log.Info("the service refused to cancel; the video is still followed", "record", rec.ID, errAttr(refusal))
	var err error
	if errors.Is(refusal, client.ErrCancelUnsupported) {
		address := t.serverAddress()
		t.mu.Lock()
		t.noCancel[address] = true
		t.mu.Unlock()
		if err = t.store.SetNoCancel(context.WithoutCancel(ctx), address); err != nil {
			t.log.Error("could not remember that the service cancels nothing", errAttr(err))
		}
	}
	if !rec.Watching {
		err = errors.Join(err, t.CheckAgain(ctx, rec.ID))
	} else {
		t.addWatch(rec, time.Now()) // a watch dropped meanwhile comes back
	}
	return err
}

// CancelOffered reports whether the current server may be asked to cancel
// a task: false once it refused a cancel as unsupported (405, 501), also
// after a restart. It reads no disk.
func (t *Tracker) CancelOffered() bool {
	address := t.serverAddress()
	t.mu.Lock()
	defer t.mu.Unlock()
	return !t.noCancel[address]
}

// loadCancelSupport reads the servers known to cancel nothing.
func (t *Tracker) loadCancelSupport() {
	t.noCancel = make(map[string]bool)
	if t.store == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	addresses, err := t.store.NoCancelServers(ctx)
	if err != nil {
		t.log.Warn("could not read which services cancel nothing; Cancel stays offered", errAttr(err))
	}
	for _, a := range addresses {
		t.noCancel[a] = true
	}
}

// serverAddress is the address of the service the tracker talks to, or ""
// when its API does not say.
func (t *Tracker) serverAddress() string {
	if a, ok := t.api.(interface{ BaseURL() string }); ok {
		return a.BaseURL()
	}
	return ""
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
