package history

// This file is the poller: the one loop that decides which task to ask
// the service about next, the asking, and what the answer changes.

import (
	"container/heap"
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history/store"
)

// schedule is the one loop that decides which task to poll next.
//
// The watches waiting for their turn are kept in a heap by due time, so
// that a wake-up (a timer, an answer) costs O(log n) for each task it
// starts, not a look at every watch: with a thousand tasks, the scans were
// most of the loop's CPU. The heap is rebuilt from the watches only when
// the loop is poked (a task added or checked again, a new key, a new
// interval), which is rare. Watches due within a small slack of now are
// started together, oldest first, as slots free up.
func (t *Tracker) schedule(ctx context.Context, wg *sync.WaitGroup) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	armed := time.Now().Add(time.Hour) // when timer fires; zero: stopped
	inFlight := 0
	done := make(chan *watch)
	// A fixed set of workers makes the queries: a goroutine per query
	// grew a new stack through the HTTP and SQLite calls every time.
	work := make(chan *watch)
	for range t.opts.MaxInFlight {
		wg.Go(func() {
			for {
				select {
				case w := <-work:
					t.guardedPoll(ctx, w)
					select {
					case done <- w:
					case <-ctx.Done():
						return
					}
				case <-ctx.Done():
					return
				}
			}
		})
	}
	var (
		waiting dueHeap // watches not under way, by due time
		rebuild = true
	)
	for {
		if rebuild {
			rebuild = false
			waiting.clear()
			t.mu.Lock()
			for _, w := range t.watches {
				if !w.inFlight && !w.stopped {
					w.due = w.next
					waiting = append(waiting, w)
					w.slot = len(waiting)
				}
			}
			t.mu.Unlock()
			heap.Init(&waiting)
		}
		now := time.Now()
		soon := now.Add(min(t.Interval()/64, 50*time.Millisecond))
		var wakeAt time.Time // zero: only a poke or an answer wakes the loop
		for len(waiting) > 0 {
			w := waiting[0]
			if w.due.After(soon) {
				wakeAt = w.due
				break
			}
			if inFlight >= t.opts.MaxInFlight {
				break // an answer frees a slot
			}
			heap.Pop(&waiting)
			t.mu.Lock()
			notBefore, keyPaused := t.notBefore, t.keyPaused
			paused := keyPaused || notBefore.After(now)
			live := t.watches[w.id] == w && !w.inFlight && !w.stopped
			next := w.next
			ok := !paused && live && !next.After(soon)
			if ok {
				w.inFlight = true
			}
			t.mu.Unlock()
			if paused {
				// A refused key (KeyChanged pokes) or a rate limit.
				heap.Push(&waiting, w)
				if !keyPaused {
					wakeAt = notBefore
				}
				break
			}
			if !live {
				continue // removed, replaced or under way: nothing to start
			}
			if !ok {
				w.due = next // put off since it was queued
				heap.Push(&waiting, w)
				continue
			}
			inFlight++
			select {
			case work <- w: // a worker is free: fewer than MaxInFlight are busy
			case <-ctx.Done():
				return
			}
		}
		if wakeAt.IsZero() && inFlight == 0 {
			t.mu.Lock()
			t.pollIdle = len(t.wake) == 0 // else a poke came meanwhile
			t.mu.Unlock()
			t.signalSettled()
		}
		if !wakeAt.Equal(armed) {
			if wakeAt.IsZero() {
				timer.Stop()
			} else {
				timer.Reset(max(time.Until(wakeAt), time.Millisecond))
			}
			armed = wakeAt
		}
		select {
		case <-ctx.Done():
			return
		case <-t.wake:
			rebuild = true
		case <-timer.C:
			armed = time.Time{}
		case w := <-done:
			inFlight--
			t.mu.Lock()
			next, polling := w.next, t.watches[w.id] == w && !w.stopped && !w.inFlight
			t.mu.Unlock()
			if polling {
				waiting.put(w, next)
			}
		}
	}
}

// dueHeap is a min-heap (container/heap) of watches by their due time.
type dueHeap []*watch

func (h dueHeap) Len() int           { return len(h) }
func (h dueHeap) Less(i, j int) bool { return h[i].due.Before(h[j].due) }
func (h dueHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].slot, h[j].slot = i+1, j+1
}

func (h *dueHeap) Push(x any) {
	w := x.(*watch)
	*h = append(*h, w)
	w.slot = len(*h)
}

func (h *dueHeap) Pop() any {
	old := *h
	w := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	w.slot = 0
	return w
}

// put adds w due at due, or moves it there if it is in the heap already.
func (h *dueHeap) put(w *watch, due time.Time) {
	w.due = due
	if w.slot > 0 {
		heap.Fix(h, w.slot-1)
		return
	}
	heap.Push(h, w)
}

// clear empties the heap.
func (h *dueHeap) clear() {
	for i, w := range *h {
		w.slot = 0
		(*h)[i] = nil
	}
	*h = (*h)[:0]
}

// poll asks the service about one task and records what changed.
func (t *Tracker) poll(ctx context.Context, w *watch) {
	finish := func(next time.Time, drop bool) {
		t.mu.Lock()
		w.inFlight = false
		w.next = next
		if (drop || w.stopped) && t.watches[w.id] == w {
			delete(t.watches, w.id)
		}
		t.mu.Unlock()
	}
	task, err := t.api.Task(ctx, w.taskID)
	if ctx.Err() != nil {
		finish(time.Now(), false)
		return
	}
	t.serviceAnswer(err)
	interval := t.Interval()
	if err != nil {
		switch {
		case client.IsUnauthorized(err):
			t.keyRefused()
			finish(time.Now(), false)
		case client.IsNotFound(err):
			w.notFound++
			if w.notFound >= t.opts.LostAfter {
				st := store.StateLost
				msg := store.ProblemLost
				t.update(ctx, w.id, store.Change{State: &st, Watching: ptr(false), ErrorMessage: &msg})
				finish(time.Now(), true)
				return
			}
			finish(time.Now().Add(t.backoff(interval, w.notFound, err)), false)
		default:
			if ra, ok := client.RetryAfter(err); ok && client.IsRateLimited(err) {
				// A rate limit is the key's, not the task's: every query waits.
				t.mu.Lock()
				if until := time.Now().Add(ra); until.After(t.notBefore) {
					t.notBefore = until
				}
				t.mu.Unlock()
			}
			if errors.Is(err, client.ErrMalformedResponse) {
				t.unusableAnswer(ctx, w, err)
			}
			w.failures++
			finish(time.Now().Add(t.backoff(interval, w.failures, err)), false)
		}
		return
	}
	w.failures, w.notFound, w.unusable = 0, 0, 0
	changed := task.Status != w.last || task.Updated != w.updated
	if changed {
		w.last, w.updated = task.Status, task.Updated
		t.applyTask(ctx, w.id, task) // its error message replaces the problem
	}
	if w.problem {
		if changed {
			w.problem = false
		} else if _, ok := t.update(ctx, w.id, store.Change{ErrorMessage: ptr("")}); ok {
			w.problem = false
		}
	}
	if task.Status.Terminal() {
		finish(time.Now(), true)
		return
	}
	// Stale only after the service said it is still unfinished: a task
	// that finished while Reelhouse was closed is downloaded, not stale.
	t.mu.Lock()
	created := w.created
	t.mu.Unlock()
	if time.Since(created) > t.opts.StaleAfter {
		st := store.StateStale
		msg := store.ProblemStale
		t.update(ctx, w.id, store.Change{State: &st, Watching: ptr(false), ErrorMessage: &msg})
		finish(time.Now(), true)
		return
	}
	finish(time.Now().Add(t.backoff(interval, 0, nil)), false)
}

// unusableAfter is how many unusable answers in a row about a task put a
// problem on its record: one may be a hiccup, a few are not.
const unusableAfter = 3

// unusableAnswer counts an answer about w's task that could not be used
// (err matches client.ErrMalformedResponse). After unusableAfter in a row
// the record says so, and the log, once; polling goes on with backoff.
func (t *Tracker) unusableAnswer(ctx context.Context, w *watch, err error) {
	w.unusable++
	if w.unusable < unusableAfter || w.problem {
		return
	}
	if w.unusable == unusableAfter {
		t.log.Warn("the service's answers about a task cannot be used; still asking", "record", w.id, "answers", w.unusable, errAttr(err))
	}
	msg := store.Problem(store.ProblemUnusableAnswer, err)
	if _, ok := t.update(ctx, w.id, store.Change{ErrorMessage: &msg}); ok {
		w.problem = true
	}
}

// hasUnusableAnswers reports whether r says the service's answers about
// its task could not be used.
func hasUnusableAnswers(r store.Record) bool {
	code, _, _ := store.ParseProblem(r.ErrorMessage)
	return code == store.ProblemUnusableAnswer
}

// applyTask records the service's answer about a task and, on success,
// queues its download.
func (t *Tracker) applyTask(ctx context.Context, id int64, task *client.Task) {
	st := store.State(task.Status)
	if st == "" {
		st = store.StatePending
	}
	c := store.Change{State: &st, Task: task}
	if task.Error != nil {
		code, msg := task.Error.Code, strings.TrimSpace(task.Error.Message)
		c.ErrorCode, c.ErrorMessage = &code, &msg
	} else {
		c.ErrorCode, c.ErrorMessage = ptr(""), ptr("")
	}
	switch {
	case task.Status == client.StatusSuccess:
		c.Watching = ptr(false)
		urls := task.URLs()
		if cur, err := t.store.Get(ctx, id); err == nil && cur.Download == store.DownloadDone {
			break // already in the library (a task checked again)
		}
		if len(urls) == 0 {
			c.Download = ptr(store.DownloadFailed)
			c.DownloadError = ptr(store.ProblemNoFile)
		} else {
			c.Download = ptr(store.DownloadWaiting)
			c.DownloadError = ptr("")
			t.mu.Lock()
			t.urls[id] = urls
			t.covers[id] = coverURLs(task)
			t.mu.Unlock()
		}
	case task.Status.Terminal():
		c.Watching = ptr(false)
	}
	rec, ok := t.update(ctx, id, c)
	if ok && rec.State == store.StateSuccess && rec.Download == store.DownloadWaiting {
		t.queueDownload(id)
	}
}

// backoff is the wait after the n-th consecutive error, from base: the
// client's policy, capped at MaxBackoff and never shorter than the
// service's Retry-After. With n = 0 it is base, spread a little so that
// many tasks do not query in lock-step.
func (t *Tracker) backoff(base time.Duration, n int, err error) time.Duration {
	return client.Backoff{Base: base, Max: t.opts.MaxBackoff}.Delay(n, err)
}
