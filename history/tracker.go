package history

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history/crash"
)

// API is what the tracker needs from the service; *client.Client has it.
type API interface {
	Create(ctx context.Context, req client.CreateRequest) (client.CreateResult, error)
	Task(ctx context.Context, id string) (*client.Task, error)
	Download(ctx context.Context, rawURL, partPath string, opts client.DownloadOptions) (client.DownloadResult, error)
	Cancel(ctx context.Context, id string) error
}

// Interval limits, from the service's recommendation.
const (
	MinInterval     = 2 * time.Second
	MaxInterval     = 5 * time.Second
	DefaultInterval = 2 * time.Second
)

// Download limits: how many videos are fetched at once.
const (
	DefaultMaxDownloads = 2
	MaxMaxDownloads     = 3
)

// TrackerOptions tune a Tracker; zero fields take the defaults.
type TrackerOptions struct {
	Interval     time.Duration // between polls of one task (2–5 s, default 2 s)
	MaxInFlight  int           // task queries at once, over all tasks (default 4)
	MaxDownloads int           // videos downloaded at once (1–3, default 2)
	StaleAfter   time.Duration // unfinished this long → stale (default 6 h)
	LostAfter    int           // consecutive "no such task" answers → lost (default 5)
	MaxBackoff   time.Duration // longest wait after errors (default 60 s)
	// ThumbnailDir is where thumbnails are cached; empty: no thumbnails.
	ThumbnailDir string
	// MinInterval is the shortest polling interval accepted (default 2 s,
	// the service's recommendation); tests lower it to run quickly.
	MinInterval time.Duration
	// Log receives what went wrong in the background (failed store
	// writes, downloads, resume); nil: nothing is logged.
	Log *slog.Logger
}

// Tracker follows every unfinished task in the background: it polls the
// service, records each change in the store, downloads finished videos into
// the library and publishes events. Create one with NewTracker and start it
// with Run.
type Tracker struct {
	store  *Store
	api    API
	opts   TrackerOptions
	log    *slog.Logger
	lib    *Library
	events *broker // the library's: one stream of events

	interval atomic.Int64 // time.Duration

	mu        sync.Mutex
	watches   map[int64]*watch
	notBefore time.Time          // no query before this (the service asked us to wait)
	urls      map[int64][]string // signed URLs: in memory only, never stored
	covers    map[int64][]string // cover image URLs by video, likewise
	fetches   map[int64]*fetch   // downloads queued or under way, by record
	dlQueue   []dlJob
	dlActive  int            // jobs running
	dlLimit   int            // jobs allowed to run at once
	dlHeld    int            // PauseDownloads calls not yet resumed: no job starts
	afterKey  map[int64]bool // downloads waiting for a key the service accepts
	keyPaused bool
	running   bool
	submitted map[int64]bool // submissions made while resume runs: not cut short by a crash
	resumed   bool           // resume has read the history

	// submitGate keeps resume from reading a submission that Submit has
	// recorded but not yet registered in submitted.
	submitGate sync.RWMutex

	wake   chan struct{}
	dlWake chan struct{}

	reach reachability // whether the service answers at all

	strips strips // filmstrips made when the library first needs them
}

// watch is the polling schedule of one task.
type watch struct {
	id       int64
	taskID   string
	created  time.Time // the stale clock starts here
	next     time.Time
	inFlight bool
	stopped  bool // StopWatching came while a query was under way
	failures int
	notFound int
	last     client.Status
	updated  client.Millis

	// Only the schedule loop reads and writes these.
	due  time.Time // w.next when it entered the loop's heap
	slot int       // its place in that heap plus one; 0: not in it
}

// NewTracker makes a tracker that downloads into lib's folder; lib stops
// and pauses its downloads through it. It does nothing until Run.
func NewTracker(store *Store, lib *Library, api API, opts TrackerOptions) *Tracker {
	if opts.MaxInFlight <= 0 {
		opts.MaxInFlight = 4
	}
	if opts.MaxDownloads <= 0 {
		opts.MaxDownloads = DefaultMaxDownloads
	}
	opts.MaxDownloads = min(opts.MaxDownloads, MaxMaxDownloads)
	if opts.StaleAfter <= 0 {
		opts.StaleAfter = 6 * time.Hour
	}
	if opts.LostAfter <= 0 {
		opts.LostAfter = 5
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 60 * time.Second
	}
	if opts.MinInterval <= 0 {
		opts.MinInterval = MinInterval
	}
	t := &Tracker{
		store:     store,
		lib:       lib,
		api:       api,
		opts:      opts,
		log:       logger(opts.Log),
		watches:   make(map[int64]*watch),
		urls:      make(map[int64][]string),
		covers:    make(map[int64][]string),
		fetches:   make(map[int64]*fetch),
		dlLimit:   opts.MaxDownloads,
		afterKey:  make(map[int64]bool),
		submitted: make(map[int64]bool),
		wake:      make(chan struct{}, 1),
		dlWake:    make(chan struct{}, 1),
	}
	if lib != nil {
		t.events = &lib.events
		lib.useDownloads(t)
	} else {
		t.events = new(broker)
	}
	t.SetInterval(opts.Interval)
	return t
}

// SetInterval changes how often each task is polled, clamped to 2–5 s.
func (t *Tracker) SetInterval(d time.Duration) {
	if d == 0 {
		d = DefaultInterval
	}
	d = min(max(d, t.opts.MinInterval), MaxInterval)
	t.interval.Store(int64(d))
	t.poke()
}

// Interval is the current polling interval.
func (t *Tracker) Interval() time.Duration { return time.Duration(t.interval.Load()) }

// SetMaxDownloads changes how many videos are downloaded at once, clamped
// to 1–3 (0 means the default, 2). Downloads under way are not interrupted.
func (t *Tracker) SetMaxDownloads(n int) {
	if n <= 0 {
		n = DefaultMaxDownloads
	}
	t.mu.Lock()
	t.dlLimit = min(n, MaxMaxDownloads)
	t.mu.Unlock()
	t.pokeDownloads()
}

// MaxDownloads is how many videos are downloaded at once.
func (t *Tracker) MaxDownloads() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.dlLimit
}

// Subscribe returns a channel of the events of the tracker and its
// library, and a function that ends the subscription. The channel closes
// after the function is called.
func (t *Tracker) Subscribe() (<-chan Event, func()) { return t.events.subscribe() }

// KeyChanged tells the tracker that the user gave a new API key, so polling
// paused by a refused key resumes.
func (t *Tracker) KeyChanged() {
	t.mu.Lock()
	was := t.keyPaused
	t.keyPaused = false
	now := time.Now()
	t.notBefore = time.Time{} // a new key may have its own rate limit
	for _, w := range t.watches {
		w.next = now
	}
	waiting := make([]int64, 0, len(t.afterKey))
	for id := range t.afterKey {
		waiting = append(waiting, id)
	}
	clear(t.afterKey)
	t.mu.Unlock()
	if was {
		t.events.publish(Event{Kind: EventKeyAccepted})
	}
	for _, id := range waiting {
		t.queueDownload(id)
	}
	t.poke()
	t.pokeDownloads()
}

// KeyRefused reports whether polling is paused because the key was refused.
func (t *Tracker) KeyRefused() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.keyPaused
}

// keyRefused pauses polling and tells the user, once.
func (t *Tracker) keyRefused() {
	t.mu.Lock()
	already := t.keyPaused
	t.keyPaused = true
	t.mu.Unlock()
	if !already {
		t.events.publish(Event{Kind: EventKeyRefused})
	}
}

func (t *Tracker) poke() {
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

func (t *Tracker) pokeDownloads() {
	select {
	case t.dlWake <- struct{}{}:
	default:
	}
}

// Run resumes every unfinished task from the store and follows them until
// ctx is cancelled. It returns after every goroutine it started has ended.
func (t *Tracker) Run(ctx context.Context) error {
	t.mu.Lock()
	if t.running {
		t.mu.Unlock()
		return errors.New("the tracker is already running")
	}
	t.running = true
	t.mu.Unlock()

	t.sweepIncoming() // before any download writes there
	if err := t.resume(ctx); err != nil {
		t.log.Error("resume failed: no task is followed", errAttr(err))
		return err
	}
	var wg sync.WaitGroup
	// As many workers as the highest limit; the current limit decides how
	// many of them work at once.
	for range MaxMaxDownloads {
		wg.Go(func() { crash.Guard("download worker", func() { t.downloadWorker(ctx) }) })
	}
	t.schedule(ctx, &wg)
	wg.Wait()
	return ctx.Err()
}

// ErrResume is the error Run returns when it cannot read the unfinished
// tasks at its start: nothing is followed or downloaded then.
var ErrResume = errors.New("cannot read unfinished tasks")

// resume loads every unfinished record: task ids kept in the journal go
// into the store first, submissions cut short by a crash become uncertain,
// tasks under way are polled, downloads are queued.
func (t *Tracker) resume(ctx context.Context) error {
	t.submitGate.Lock()
	n, jErr := t.store.replayJournal(ctx)
	recs, err := t.store.Unfinished(ctx)
	t.submitGate.Unlock()
	if n > 0 {
		t.log.Info("recorded task ids kept in the journal", "count", n)
	}
	if jErr != nil {
		// The entries stay in the journal for the next start.
		t.log.Error("could not record task ids kept in the journal", "journal", t.store.journalPath(), errAttr(jErr))
	}
	if err != nil {
		return fmt.Errorf("%w: %w", ErrResume, err)
	}
	for _, r := range recs {
		t.mu.Lock()
		mine := t.submitted[r.ID]
		t.mu.Unlock()
		switch {
		case r.State == StateSubmitting && mine:
			// Submit is sending it right now and follows it itself.
		case r.State == StateSubmitting:
			t.markUncertain(ctx, r.ID, ErrClosedWhileSending)
		case r.State == StateSuccess && r.Download == DownloadWaiting:
			t.queueDownload(r.ID)
		default:
			t.addWatch(r, time.Now())
		}
	}
	t.mu.Lock()
	t.resumed = true
	clear(t.submitted)
	t.mu.Unlock()
	return nil
}

func (t *Tracker) addWatch(r Record, due time.Time) {
	if r.TaskID == "" {
		// Nothing to ask the service about: polling "" would fail forever.
		t.log.Warn("not following a record without a task id", "record", r.ID, "state", string(r.State))
		return
	}
	since := r.CreatedAt
	if !r.WatchSince.IsZero() {
		since = r.WatchSince
	}
	last := client.Status(r.State)
	if r.Download == DownloadWaiting {
		last = "" // the answer is needed for its links, even if nothing changed
	}
	t.mu.Lock()
	if _, ok := t.watches[r.ID]; !ok {
		// What the history holds already: an answer that repeats it is
		// not written again.
		t.watches[r.ID] = &watch{id: r.ID, taskID: r.TaskID, created: since, next: due, last: last, updated: r.ServerUpdated}
	}
	t.mu.Unlock()
	t.poke()
}

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
				st := StateLost
				msg := ProblemLost
				t.update(ctx, w.id, Change{State: &st, Watching: ptr(false), ErrorMessage: &msg})
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
			w.failures++
			finish(time.Now().Add(t.backoff(interval, w.failures, err)), false)
		}
		return
	}
	w.failures, w.notFound = 0, 0
	if task.Status != w.last || task.Updated != w.updated {
		w.last, w.updated = task.Status, task.Updated
		t.applyTask(ctx, w.id, task)
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
		st := StateStale
		msg := ProblemStale
		t.update(ctx, w.id, Change{State: &st, Watching: ptr(false), ErrorMessage: &msg})
		finish(time.Now(), true)
		return
	}
	finish(time.Now().Add(t.backoff(interval, 0, nil)), false)
}

// applyTask records the service's answer about a task and, on success,
// queues its download.
func (t *Tracker) applyTask(ctx context.Context, id int64, task *client.Task) {
	st := State(task.Status)
	if st == "" {
		st = StatePending
	}
	c := Change{State: &st, Task: task}
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
		if cur, err := t.store.Get(ctx, id); err == nil && cur.Download == DownloadDone {
			break // already in the library (a task checked again)
		}
		if len(urls) == 0 {
			c.Download = ptr(DownloadFailed)
			c.DownloadError = ptr(ProblemNoFile)
		} else {
			c.Download = ptr(DownloadWaiting)
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
	if ok && rec.State == StateSuccess && rec.Download == DownloadWaiting {
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

// update writes a change and publishes the new record. Writes are never
// abandoned half-way because the app is stopping.
func (t *Tracker) update(ctx context.Context, id int64, c Change) (Record, bool) {
	rec, err := t.save(ctx, id, c)
	return rec, err == nil
}

// save is update that says why it failed; every failure is logged.
func (t *Tracker) save(ctx context.Context, id int64, c Change) (Record, error) {
	rec, err := t.store.Update(context.WithoutCancel(ctx), id, c, time.Now())
	if err != nil {
		t.log.Error("could not save a change to the history", "record", id, errAttr(err))
		return rec, err
	}
	t.events.publish(Event{Kind: EventChanged, ID: id, Record: rec})
	return rec, nil
}

// saveRetries are the waits between tries of a write that must not be
// lost: a busy or briefly failing disk gets a few chances.
var saveRetries = []time.Duration{50 * time.Millisecond, 250 * time.Millisecond, time.Second}

// saveRetrying is save, tried again after each wait of saveRetries while
// it fails (but not for a record that no longer exists).
func (t *Tracker) saveRetrying(ctx context.Context, id int64, c Change) (Record, error) {
	rec, err := t.save(ctx, id, c)
	for _, wait := range saveRetries {
		if err == nil || errors.Is(err, ErrNotFound) {
			break
		}
		timer := time.NewTimer(wait)
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return rec, err
		}
		rec, err = t.save(ctx, id, c)
	}
	return rec, err
}

func ptr[T any](v T) *T { return &v }

// Submit records the request, sends it once and starts following the task.
// The record is returned even when sending failed: it then says what
// happened (not sent, or uncertain) and nothing is ever re-sent by itself.
func (t *Tracker) Submit(ctx context.Context, req client.CreateRequest) (Record, error) {
	return t.submit(ctx, req, "")
}

// submit is Submit for a task that continues the video of task id from
// ("" for none).
func (t *Tracker) submit(ctx context.Context, req client.CreateRequest, from string) (Record, error) {
	req = t.keepRefImages(req)
	t.submitGate.RLock()
	rec, err := t.store.addSubmission(ctx, req, time.Now(), from)
	if err == nil {
		t.mu.Lock()
		if !t.resumed {
			t.submitted[rec.ID] = true
		}
		t.mu.Unlock()
	}
	t.submitGate.RUnlock()
	if err != nil {
		return Record{}, err
	}
	t.events.publish(Event{Kind: EventChanged, ID: rec.ID, Record: rec})
	res, err := t.create(ctx, req)
	if err != nil {
		if errors.Is(err, client.ErrSubmissionUncertain) || ctx.Err() != nil {
			rec = t.markUncertain(ctx, rec.ID, err)
		} else {
			st := StateNotSent
			msg := problem(ProblemNotSent, err)
			if saved, ok := t.update(ctx, rec.ID, Change{State: &st, ErrorMessage: &msg}); ok {
				rec = saved
			}
			if client.IsUnauthorized(err) {
				t.keyRefused()
			}
		}
		return rec, err
	}
	st := StatePending
	if res.Status != "" {
		st = State(res.Status)
	}
	saved, err := t.saveRetrying(ctx, rec.ID, Change{TaskID: &res.TaskID, State: &st, Watching: ptr(true)})
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
func (t *Tracker) unrecorded(rec Record, taskID string, st State, cause error) (Record, error) {
	e := journalEntry{Record: rec.ID, TaskID: taskID, State: st, At: time.Now().UnixMilli()}
	if err := t.store.appendJournal(e); err != nil {
		t.log.Error("task created but neither recorded nor journaled: tell the user its id",
			"record", rec.ID, "task_id", taskID, errAttr(cause), slog.String("journal_err", err.Error()))
	} else {
		t.log.Error("task created but not recorded; its id is kept in the journal until the next start",
			"record", rec.ID, "task_id", taskID, "journal", t.store.journalPath(), errAttr(cause))
	}
	rec.TaskID, rec.State = taskID, st
	return rec, &UnrecordedTaskError{RecordID: rec.ID, TaskID: taskID, Err: cause}
}

func (t *Tracker) markUncertain(ctx context.Context, id int64, cause error) Record {
	st := StateUncertain
	msg := ProblemUncertain
	if cause != nil && !errors.Is(cause, context.Canceled) {
		msg = problem(ProblemUncertain, cause)
	}
	rec, _ := t.update(ctx, id, Change{State: &st, Watching: ptr(false), ErrorMessage: &msg})
	return rec
}

// Errors of AddByID and AttachTaskID.
var (
	// ErrNoTaskID: the task id given is empty.
	ErrNoTaskID = errors.New("no task id given")
	// ErrNotUncertain: the entry is not a submission waiting for its task
	// id (it has one, or it was never sent).
	ErrNotUncertain = errors.New("the entry is not an uncertain submission")
	// ErrTaskIDInHistory: another entry of the history has that task id.
	ErrTaskIDInHistory = errors.New("the task id belongs to another entry of the history")
)

// clockSkew is how far the service's clock may run behind this computer's
// when a task is matched to the submission that made it.
const clockSkew = 15 * time.Minute

// AddByID adds a task made elsewhere by its id, and follows or downloads it.
// A task that may be the one uncertain submission of the history (the same
// model, made after it was recorded, and no other candidate) settles that
// entry instead, keeping its prompt and options.
func (t *Tracker) AddByID(ctx context.Context, taskID string) (Record, error) {
	taskID = strings.TrimSpace(taskID)
	if taskID == "" {
		return Record{}, ErrNoTaskID
	}
	if rec, err := t.store.ByTaskID(ctx, taskID); err == nil {
		return rec, nil
	} else if !errors.Is(err, ErrNotFound) {
		return Record{}, err
	}
	task, err := t.queryTask(ctx, taskID)
	if err != nil {
		return Record{}, err
	}
	if rec, ok := t.uncertainFor(ctx, task); ok {
		return t.attach(ctx, rec.ID, taskID, task)
	}
	rec, created, err := t.store.AddExisting(ctx, taskID, time.Now())
	if err != nil {
		return Record{}, err
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
func (t *Tracker) AttachTaskID(ctx context.Context, id int64, taskID string) (Record, error) {
	taskID = strings.TrimSpace(taskID)
	if taskID == "" {
		return Record{}, ErrNoTaskID
	}
	rec, err := t.store.Get(ctx, id)
	if err != nil {
		return Record{}, err
	}
	if rec.State != StateUncertain || rec.TaskID != "" {
		return Record{}, ErrNotUncertain
	}
	if other, err := t.store.ByTaskID(ctx, taskID); err == nil && other.ID != id {
		return Record{}, fmt.Errorf("%w (entry %d)", ErrTaskIDInHistory, other.ID)
	} else if err != nil && !errors.Is(err, ErrNotFound) {
		return Record{}, err
	}
	task, err := t.queryTask(ctx, taskID)
	if err != nil {
		return Record{}, err
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
func (t *Tracker) uncertainFor(ctx context.Context, task *client.Task) (Record, bool) {
	recs, err := t.store.List(ctx, Query{States: []State{StateUncertain}, Limit: 1000})
	if err != nil {
		return Record{}, false
	}
	var fits []Record
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
		return Record{}, false
	}
	return fits[0], true
}

// attach makes uncertain entry id the task taskID, which the service
// described as task, and follows it.
func (t *Tracker) attach(ctx context.Context, id int64, taskID string, task *client.Task) (Record, error) {
	rec, err := t.store.AttachTaskID(ctx, id, taskID, time.Now())
	if err != nil {
		return Record{}, err
	}
	t.events.publish(Event{Kind: EventChanged, ID: id, Record: rec})
	t.applyTask(ctx, id, task)
	if rec, err = t.store.Get(ctx, id); err != nil {
		return Record{}, err
	}
	if !task.Status.Terminal() {
		t.addWatch(rec, time.Now().Add(t.Interval()))
	}
	return rec, nil
}

// StopWatching stops polling a task. The task goes on on the service; the
// user can watch it again at any time.
func (t *Tracker) StopWatching(ctx context.Context, id int64) error {
	t.mu.Lock()
	if w, ok := t.watches[id]; ok {
		if w.inFlight {
			w.stopped = true // the query under way ends, and nothing follows it
		} else {
			delete(t.watches, id)
		}
	}
	t.mu.Unlock()
	_, ok := t.update(ctx, id, Change{Watching: ptr(false)})
	if !ok {
		return ErrNotFound
	}
	return nil
}

// CheckAgain polls a task now, whatever its state: a stale, lost or
// unwatched task is followed again.
func (t *Tracker) CheckAgain(ctx context.Context, id int64) error {
	rec, err := t.store.Get(ctx, id)
	if err != nil {
		return err
	}
	if rec.TaskID == "" {
		return fmt.Errorf("check record %d again: %w", id, ErrNoTaskIDYet)
	}
	now := time.Now()
	c := Change{Watching: ptr(true), WatchSince: &now}
	if rec.State == StateLost || rec.State == StateStale {
		st := StatePending
		c.State, c.ErrorMessage = &st, ptr("")
	}
	if rec, err = t.saveRetrying(ctx, id, c); err != nil {
		// Nothing changed: following it now would be forgotten at the
		// next start, and its stale clock with it.
		return err
	}
	t.mu.Lock()
	w, ok := t.watches[id]
	if !ok {
		w = &watch{id: id, taskID: rec.TaskID, last: client.Status(rec.State)}
		t.watches[id] = w
	}
	// A poll already under way keeps its place: never two at once.
	w.stopped = false
	w.next = now
	w.created = now // the stale clock starts again
	t.mu.Unlock()
	t.poke()
	return nil
}

// RetryDownload queues the download of a successful task again.
func (t *Tracker) RetryDownload(ctx context.Context, id int64) error {
	rec, err := t.store.Get(ctx, id)
	if err != nil {
		return err
	}
	if rec.State != StateSuccess {
		return fmt.Errorf("retry download of record %d (state %s): %w", id, rec.State, ErrNotFinished)
	}
	if _, ok := t.update(ctx, id, Change{Download: ptr(DownloadWaiting), DownloadError: ptr("")}); !ok {
		return ErrNotFound
	}
	t.queueDownload(id)
	return nil
}
