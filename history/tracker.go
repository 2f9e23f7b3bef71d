// Package history keeps every task the user ever made current: its
// background tracker polls the service, downloads finished videos into the
// library folder and publishes the events of both. The records themselves
// are in package store, the library folder in package library. It never
// imports Fyne.
package history

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history/crash"
	"github.com/reelhouse/reelhouse/history/library"
	"github.com/reelhouse/reelhouse/history/store"
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
	// LibraryCheck is how often the library folder is looked for while
	// downloads wait for it to come back (default 5 s).
	LibraryCheck time.Duration
	// Log receives what went wrong in the background (failed store
	// writes, downloads, resume); nil: nothing is logged.
	Log *slog.Logger
	// ResumeEvery is how long after a download paused because the library
	// folder could not be written the tracker first checks whether it can
	// be again; the wait doubles up to 20 times that while it cannot
	// (default 15 s).
	ResumeEvery time.Duration
}

// Tracker follows every unfinished task in the background: it polls the
// service, records each change in the store, downloads finished videos into
// the library and publishes events. Create one with NewTracker and start it
// with Run.
type Tracker struct {
	store  *store.Store
	api    API
	opts   TrackerOptions
	log    *slog.Logger
	lib    *library.Library
	events *broker // the tracker's and its library's changes
	// stories makes the shots of stories and joins them (see Stories).
	stories *Stories

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
	// pollIdle is set while the schedule loop waits with nothing due and
	// no query under way; only a poke (a new task, a new key) or an
	// answer changes that.
	pollIdle bool
	reach    reachability // whether the service answers at all
	libGone  bool         // the library folder was not there: no download starts

	// submitGate keeps resume from reading a submission that Submit has
	// recorded but not yet registered in submitted.
	submitGate sync.RWMutex

	wake   chan struct{}
	dlWake chan struct{}
	// settledCh is signalled each time the tracker may have settled (see
	// settled), so that a test waits for that instead of for a while.
	settledCh chan struct{}

	// noCancel holds the addresses of the servers that cancel no task;
	// guarded by mu.
	noCancel map[string]bool

	// resumeWake wakes the loop that continues paused downloads (see
	// resumePaused); writeHint, guarded by mu, says the wake-up is a sign
	// that writing may work again. pauses counts the downloads paused so
	// far (1 at start, for those paused before), pausesSeen how many of
	// them a look at the history found none left of.
	resumeWake         chan struct{}
	writeHint          bool
	pauses, pausesSeen int
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
	unusable int  // unusable answers in a row
	problem  bool // the record says its answers cannot be used
	last     client.Status
	updated  client.Millis

	// Only the schedule loop reads and writes these.
	due  time.Time // w.next when it entered the loop's heap
	slot int       // its place in that heap plus one; 0: not in it
}

// NewTracker makes a tracker that downloads into lib's folder; lib stops
// and pauses its downloads through it. It does nothing until Run.
func NewTracker(st *store.Store, lib *library.Library, api API, opts TrackerOptions) *Tracker {
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
	if opts.ResumeEvery <= 0 {
		opts.ResumeEvery = 15 * time.Second
	}
	t := &Tracker{
		store:      st,
		lib:        lib,
		api:        api,
		opts:       opts,
		log:        logger(opts.Log),
		watches:    make(map[int64]*watch),
		urls:       make(map[int64][]string),
		covers:     make(map[int64][]string),
		fetches:    make(map[int64]*fetch),
		dlLimit:    opts.MaxDownloads,
		afterKey:   make(map[int64]bool),
		submitted:  make(map[int64]bool),
		wake:       make(chan struct{}, 1),
		dlWake:     make(chan struct{}, 1),
		settledCh:  make(chan struct{}, 1),
		resumeWake: make(chan struct{}, 1),
		pauses:     1,
		events:     new(broker),
	}
	if lib != nil {
		lib.UseDownloads(t)
		lib.UseThumbnails(opts.ThumbnailDir)
		lib.Notify(t.publishLibrary)
	}
	t.stories = newStories(t)
	t.SetInterval(opts.Interval)
	t.loadCancelSupport()
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
	// Under t.mu, so that the schedule loop sees either the flag cleared
	// and the wake-up pending, or neither.
	t.mu.Lock()
	defer t.mu.Unlock()
	t.pollIdle = false
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

// settled reports whether the tracker has nothing to do until something
// new comes: it has read the history, no query is due or under way, and
// no download is queued or under way. A task waiting for a new key, or
// for its next poll, is not settled work: only the former settles.
func (t *Tracker) settled() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.resumed && t.pollIdle && len(t.fetches) == 0
}

// signalSettled tells a waiter for settled to look again.
func (t *Tracker) signalSettled() {
	select {
	case t.settledCh <- struct{}{}:
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

	t.checkLibrary()
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
	wg.Go(func() { crash.Guard("library watch", func() { t.watchLibrary(ctx) }) })
	wg.Go(func() { crash.Guard("paused downloads", func() { t.resumePaused(ctx) }) })
	wg.Go(func() { crash.Guard("stories", func() { t.stories.run(ctx) }) })
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
	n, jErr := t.store.ReplayJournal(ctx)
	recs, err := t.store.Unfinished(ctx)
	t.submitGate.Unlock()
	if n > 0 {
		t.log.Info("recorded task ids kept in the journal", "count", n)
	}
	if jErr != nil {
		// The entries stay in the journal for the next start.
		t.log.Error("could not record task ids kept in the journal", "journal", t.store.JournalPath(), errAttr(jErr))
	}
	if err != nil {
		return fmt.Errorf("%w: %w", ErrResume, err)
	}
	for _, r := range recs {
		t.mu.Lock()
		mine := t.submitted[r.ID]
		t.mu.Unlock()
		switch {
		case r.State == store.StateSubmitting && mine:
			// Submit is sending it right now and follows it itself.
		case r.State == store.StateSubmitting:
			t.markUncertain(ctx, r.ID, store.ErrClosedWhileSending)
		case r.State == store.StateSuccess && r.Download == store.DownloadWaiting:
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

func (t *Tracker) addWatch(r store.Record, due time.Time) {
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
	if r.Download == store.DownloadWaiting {
		last = "" // the answer is needed for its links, even if nothing changed
	}
	t.mu.Lock()
	if _, ok := t.watches[r.ID]; !ok {
		// What the history holds already: an answer that repeats it is
		// not written again.
		t.watches[r.ID] = &watch{id: r.ID, taskID: r.TaskID, created: since, next: due, last: last, updated: r.ServerUpdated,
			problem: hasUnusableAnswers(r)}
	}
	t.mu.Unlock()
	t.poke()
}

// update writes a change and publishes the new record. Writes are never
// abandoned half-way because the app is stopping.
func (t *Tracker) update(ctx context.Context, id int64, c store.Change) (store.Record, bool) {
	rec, err := t.save(ctx, id, c)
	return rec, err == nil
}

// save is update that says why it failed; every failure is logged.
func (t *Tracker) save(ctx context.Context, id int64, c store.Change) (store.Record, error) {
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
func (t *Tracker) saveRetrying(ctx context.Context, id int64, c store.Change) (store.Record, error) {
	rec, err := t.save(ctx, id, c)
	for _, wait := range saveRetries {
		if err == nil || errors.Is(err, store.ErrNotFound) {
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
	_, ok := t.update(ctx, id, store.Change{Watching: ptr(false)})
	if !ok {
		return store.ErrNotFound
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
		return fmt.Errorf("check record %d again: %w", id, store.ErrNoTaskIDYet)
	}
	now := time.Now()
	c := store.Change{Watching: ptr(true), WatchSince: &now}
	if rec.State == store.StateLost || rec.State == store.StateStale {
		st := store.StatePending
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
	if rec.State != store.StateSuccess {
		return fmt.Errorf("retry download of record %d (state %s): %w", id, rec.State, store.ErrNotFinished)
	}
	if _, ok := t.update(ctx, id, store.Change{Download: ptr(store.DownloadWaiting), DownloadError: ptr("")}); !ok {
		return store.ErrNotFound
	}
	t.queueDownload(id)
	return nil
}
