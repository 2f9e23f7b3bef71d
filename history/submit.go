package history

// This file sends new tasks, once, and follows tasks the user brings in
// by id: submissions are recorded before they are sent and never resent.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history/store"
)

// Submit records the request, sends it once and starts following the task.
// The record is returned even when sending failed: it then says what
// happened (not sent, or uncertain) and nothing is ever re-sent by itself.
func (t *Tracker) Submit(ctx context.Context, req client.CreateRequest) (store.Record, error) {
	return t.submit(ctx, req, "")
}

// submit is Submit for a task that continues the video of task id from
// ("" for none).
func (t *Tracker) submit(ctx context.Context, req client.CreateRequest, from string) (store.Record, error) {
	return t.send(ctx, req, func(req client.CreateRequest) (store.Record, error) {
		return t.store.AddContinuing(ctx, req, time.Now(), from)
	})
}

// send keeps req's inline media in the library, records it with add, then
// sends it once and starts following the task.
func (t *Tracker) send(ctx context.Context, req client.CreateRequest, add func(client.CreateRequest) (store.Record, error)) (store.Record, error) {
	// The inline images are kept in the library; one that cannot be kept
	// now stays inline and is moved the next time the library is opened
	// (library.MigrateRefImages).
	req, _ = t.lib.Folder().KeepRefImages(req)
	t.submitGate.RLock()
	rec, err := add(req)
	if err == nil {
		t.mu.Lock()
		if !t.resumed {
			t.submitted[rec.ID] = true
		}
		t.mu.Unlock()
	}
	t.submitGate.RUnlock()
	if err != nil {
		return store.Record{}, err
	}
	t.events.publish(Event{Kind: EventChanged, ID: rec.ID, Record: rec})
	res, err := t.create(ctx, req)
	if err != nil {
		if errors.Is(err, client.ErrSubmissionUncertain) || ctx.Err() != nil {
			rec = t.markUncertain(ctx, rec.ID, err)
		} else {
			st := store.StateNotSent
			msg := store.Problem(store.ProblemNotSent, err)
			if saved, ok := t.update(ctx, rec.ID, store.Change{State: &st, ErrorMessage: &msg}); ok {
				rec = saved
			}
			if client.IsUnauthorized(err) {
				t.keyRefused()
			}
		}
		return rec, err
	}
	st := store.StatePending
	if res.Status != "" {
		st = store.State(res.Status)
	}
	saved, err := t.saveRetrying(ctx, rec.ID, store.Change{TaskID: &res.TaskID, State: &st, Watching: ptr(true)})
	if err != nil {
		return t.unrecorded(rec, res.TaskID, st, err)
	}
	t.addWatch(saved, time.Now().Add(t.Interval()))
	return saved, nil
}

// unrecorded keeps the task id of a created task whose record could not be
// written: in the journal (the next start records it) and in the log. The
// record is returned as it would have been saved, with an error that
// carries the task id for the user.
func (t *Tracker) unrecorded(rec store.Record, taskID string, st store.State, cause error) (store.Record, error) {
	e := store.JournalEntry{Record: rec.ID, TaskID: taskID, State: st, At: time.Now().UnixMilli()}
	if err := t.store.AppendJournal(e); err != nil {
		t.log.Error("task created but neither recorded nor journaled: tell the user its id",
			"record", rec.ID, "task_id", taskID, errAttr(cause), slog.String("journal_err", err.Error()))
	} else {
		t.log.Error("task created but not recorded; its id is kept in the journal until the next start",
			"record", rec.ID, "task_id", taskID, "journal", t.store.JournalPath(), errAttr(cause))
	}
	rec.TaskID, rec.State = taskID, st
	return rec, &store.UnrecordedTaskError{RecordID: rec.ID, TaskID: taskID, Err: cause}
}

func (t *Tracker) markUncertain(ctx context.Context, id int64, cause error) store.Record {
	st := store.StateUncertain
	msg := store.ProblemUncertain
	if cause != nil && !errors.Is(cause, context.Canceled) {
		msg = store.Problem(store.ProblemUncertain, cause)
	}
	rec, _ := t.update(ctx, id, store.Change{State: &st, Watching: ptr(false), ErrorMessage: &msg})
	return rec
}

// Errors of AddByID and AttachTaskID.
var (
	// ErrNoTaskID: the task id given is empty.
	ErrNoTaskID = errors.New("no task id given")
)

// clockSkew is how far the service's clock may run behind this computer's
// when a task is matched to the submission that made it.
const clockSkew = 15 * time.Minute

// AddByID adds a task made elsewhere by its id, and follows or downloads it.
// A task that may be the one uncertain submission of the history (the same
// model, made after it was recorded, and no other candidate) settles that
// entry instead, keeping its prompt and options.
func (t *Tracker) AddByID(ctx context.Context, taskID string) (store.Record, error) {
	taskID = strings.TrimSpace(taskID)
	if taskID == "" {
		return store.Record{}, ErrNoTaskID
	}
	if rec, err := t.store.ByTaskID(ctx, taskID); err == nil {
		return rec, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return store.Record{}, err
	}
	task, err := t.queryTask(ctx, taskID)
	if err != nil {
		return store.Record{}, err
	}
	if rec, ok := t.uncertainFor(ctx, task); ok {
		return t.attach(ctx, rec.ID, taskID, task)
	}
	rec, created, err := t.store.AddExisting(ctx, taskID, time.Now())
	if err != nil {
		return store.Record{}, err
	}
	if !created {
		return rec, nil
	}
	t.events.publish(Event{Kind: EventChanged, ID: rec.ID, Record: rec})
	t.applyTask(ctx, rec.ID, task)
	if !task.Status.Terminal() {
		t.addWatch(rec, time.Now().Add(t.Interval()))
	}
	return t.store.Get(ctx, rec.ID)
}

// AttachTaskID settles an uncertain submission with the task id the user
// found on the service: the entry becomes that task, with the prompt and
// options it was sent with, and is followed and downloaded like any other.
func (t *Tracker) AttachTaskID(ctx context.Context, id int64, taskID string) (store.Record, error) {
	taskID = strings.TrimSpace(taskID)
	if taskID == "" {
		return store.Record{}, ErrNoTaskID
	}
	rec, err := t.store.Get(ctx, id)
	if err != nil {
		return store.Record{}, err
	}
	if rec.State != store.StateUncertain || rec.TaskID != "" {
		return store.Record{}, store.ErrNotUncertain
	}
	if other, err := t.store.ByTaskID(ctx, taskID); err == nil && other.ID != id {
		return store.Record{}, fmt.Errorf("%w (entry %d)", store.ErrTaskIDInHistory, other.ID)
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.Record{}, err
	}
	task, err := t.queryTask(ctx, taskID)
	if err != nil {
		return store.Record{}, err
	}
	return t.attach(ctx, id, taskID, task)
}

// queryTask asks the service about a task for the user, noting whether
// the service could be reached and whether it refused the key.
func (t *Tracker) queryTask(ctx context.Context, taskID string) (*client.Task, error) {
	task, err := t.api.Task(ctx, taskID)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	t.serviceAnswer(err)
	if client.IsUnauthorized(err) {
		t.keyRefused()
	}
	return task, err
}

// uncertainFor returns the uncertain submission that task may be, if
// exactly one fits: the same model (when both are known), and recorded
// before the service made the task.
func (t *Tracker) uncertainFor(ctx context.Context, task *client.Task) (store.Record, bool) {
	recs, err := t.store.List(ctx, store.Query{States: []store.State{store.StateUncertain}, Limit: 1000})
	if err != nil {
		return store.Record{}, false
	}
	var fits []store.Record
	for _, r := range recs {
		if r.TaskID != "" {
			continue
		}
		if task.Model != "" && r.Request.Model != "" && task.Model != r.Request.Model {
			continue
		}
		if made := task.Created.Time(); !made.IsZero() && made.Before(r.CreatedAt.Add(-clockSkew)) {
			continue
		}
		fits = append(fits, r)
	}
	if len(fits) != 1 {
		return store.Record{}, false
	}
	return fits[0], true
}

// attach makes uncertain entry id the task taskID, which the service
// described as task, and follows it.
func (t *Tracker) attach(ctx context.Context, id int64, taskID string, task *client.Task) (store.Record, error) {
	rec, err := t.store.AttachTaskID(ctx, id, taskID, time.Now())
	if err != nil {
		return store.Record{}, err
	}
	t.events.publish(Event{Kind: EventChanged, ID: id, Record: rec})
	t.applyTask(ctx, id, task)
	if rec, err = t.store.Get(ctx, id); err != nil {
		return store.Record{}, err
	}
	if !task.Status.Terminal() {
		t.addWatch(rec, time.Now().Add(t.Interval()))
	}
	return rec, nil
}

// create sends req to the service with its kept images inline again.
func (t *Tracker) create(ctx context.Context, req client.CreateRequest) (client.CreateResult, error) {
	send, err := t.lib.Folder().ExpandRefImages(req)
	if err != nil {
		return client.CreateResult{}, err
	}
	return t.api.Create(ctx, send)
}
