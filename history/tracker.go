package history

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/reelhouse/reelhouse/client"
)

// API is what the tracker needs from the service; *client.Client has it.
type API interface {
	Create(ctx context.Context, req client.CreateRequest) (client.CreateResult, error)
	Task(ctx context.Context, id string) (*client.Task, error)
	Download(ctx context.Context, rawURL, partPath string, opts client.DownloadOptions) (client.DownloadResult, error)
}

// Interval limits, from the service's recommendation.
const (
	MinInterval     = 2 * time.Second
	MaxInterval     = 5 * time.Second
	DefaultInterval = 2 * time.Second
)

// TrackerOptions tune a Tracker; zero fields take the defaults.
type TrackerOptions struct {
	Interval     time.Duration // between polls of one task (2–5 s, default 2 s)
	MaxInFlight  int           // task queries at once, over all tasks (default 4)
	MaxDownloads int           // downloads at once (default 2)
	StaleAfter   time.Duration // unfinished this long → stale (default 6 h)
	LostAfter    int           // consecutive "no such task" answers → lost (default 5)
	MaxBackoff   time.Duration // longest wait after errors (default 60 s)
	// ThumbnailDir is where thumbnails are cached; empty: no thumbnails.
	ThumbnailDir string
	// MinInterval is the shortest polling interval accepted (default 2 s,
	// the service's recommendation); tests lower it to run quickly.
	MinInterval time.Duration
}

// Tracker follows every unfinished task in the background: it polls the
// service, records each change in the store, downloads finished videos into
// the library and publishes events. Create one with NewTracker and start it
// with Run.
type Tracker struct {
	store   *Store
	api     API
	opts    TrackerOptions
	library atomic.Pointer[Library]
	events  broker

	interval atomic.Int64 // time.Duration

	mu        sync.Mutex
	watches   map[int64]*watch
	urls      map[int64][]string // signed URLs: in memory only, never stored
	downloads map[int64]bool     // queued or running
	dlQueue   []int64
	keyPaused bool
	running   bool

	wake   chan struct{}
	dlWake chan struct{}
	ctx    context.Context // set by Run; nil before
}

// watch is the polling schedule of one task.
type watch struct {
	id       int64
	taskID   string
	created  time.Time
	next     time.Time
	inFlight bool
	failures int
	notFound int
	last     client.Status
	updated  client.Millis
}

// NewTracker makes a tracker; it does nothing until Run.
func NewTracker(store *Store, lib *Library, api API, opts TrackerOptions) *Tracker {
	if opts.MaxInFlight <= 0 {
		opts.MaxInFlight = 4
	}
	if opts.MaxDownloads <= 0 {
		opts.MaxDownloads = 2
	}
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
		api:       api,
		opts:      opts,
		watches:   make(map[int64]*watch),
		urls:      make(map[int64][]string),
		downloads: make(map[int64]bool),
		wake:      make(chan struct{}, 1),
		dlWake:    make(chan struct{}, 1),
	}
	t.library.Store(lib)
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

// SetLibrary switches the folder new downloads go to.
func (t *Tracker) SetLibrary(lib *Library) { t.library.Store(lib) }

// Library is the current library folder.
func (t *Tracker) Library() *Library { return t.library.Load() }

// Subscribe returns a channel of events and a function that ends the
// subscription. The channel closes after the function is called.
func (t *Tracker) Subscribe() (<-chan Event, func()) { return t.events.subscribe() }

// KeyChanged tells the tracker that the user gave a new API key, so polling
// paused by a refused key resumes.
func (t *Tracker) KeyChanged() {
	t.mu.Lock()
	was := t.keyPaused
	t.keyPaused = false
	now := time.Now()
	for _, w := range t.watches {
		w.next = now
	}
	t.mu.Unlock()
	if was {
		t.events.publish(Event{Kind: EventKeyAccepted})
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
	t.ctx = ctx
	t.mu.Unlock()

	if err := t.resume(ctx); err != nil {
		return err
	}
	var wg sync.WaitGroup
	for range t.opts.MaxDownloads {
		wg.Go(func() { t.downloadWorker(ctx) })
	}
	t.schedule(ctx, &wg)
	wg.Wait()
	return ctx.Err()
}

// resume loads every unfinished record: submissions cut short by a crash
// become uncertain, tasks under way are polled, downloads are queued.
func (t *Tracker) resume(ctx context.Context) error {
	recs, err := t.store.Unfinished(ctx)
	if err != nil {
		return fmt.Errorf("Reelhouse could not read its history: %w", err)
	}
	for _, r := range recs {
		switch {
		case r.State == StateSubmitting:
			t.markUncertain(ctx, r.ID, errors.New("Reelhouse was closed while it was sending this request"))
		case r.State == StateSuccess && r.Download == DownloadWaiting:
			t.queueDownload(r.ID)
		default:
			t.addWatch(r, time.Now())
		}
	}
	return nil
}

func (t *Tracker) addWatch(r Record, due time.Time) {
	t.mu.Lock()
	if _, ok := t.watches[r.ID]; !ok {
		t.watches[r.ID] = &watch{id: r.ID, taskID: r.TaskID, created: r.CreatedAt, next: due, last: client.Status(r.State)}
	}
	t.mu.Unlock()
	t.poke()
}

// schedule is the one loop that decides which task to poll next.
func (t *Tracker) schedule(ctx context.Context, wg *sync.WaitGroup) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	inFlight := 0
	done := make(chan *watch)
	for {
		now := time.Now()
		var due []*watch
		nextWake := now.Add(time.Hour)
		t.mu.Lock()
		if !t.keyPaused {
			for _, w := range t.watches {
				if w.inFlight {
					continue
				}
				if !w.next.After(now) && inFlight+len(due) < t.opts.MaxInFlight {
					w.inFlight = true
					due = append(due, w)
					continue
				}
				if w.next.Before(nextWake) {
					nextWake = w.next
				}
			}
		}
		t.mu.Unlock()
		for _, w := range due {
			inFlight++
			wg.Go(func() {
				t.poll(ctx, w)
				select {
				case done <- w:
				case <-ctx.Done():
				}
			})
		}
		timer.Reset(max(time.Until(nextWake), time.Millisecond))
		select {
		case <-ctx.Done():
			return
		case <-t.wake:
		case <-timer.C:
		case <-done:
			inFlight--
		}
	}
}

// poll asks the service about one task and records what changed.
func (t *Tracker) poll(ctx context.Context, w *watch) {
	now := time.Now()
	finish := func(next time.Time, drop bool) {
		t.mu.Lock()
		w.inFlight = false
		w.next = next
		if drop {
			delete(t.watches, w.id)
		}
		t.mu.Unlock()
	}
	t.mu.Lock()
	created := w.created
	t.mu.Unlock()
	if now.Sub(created) > t.opts.StaleAfter {
		st := StateStale
		msg := "This task has not finished after a very long time. Use “Check again” to ask the service once more."
		t.update(ctx, w.id, Change{State: &st, Watching: ptr(false), ErrorMessage: &msg})
		finish(now, true)
		return
	}
	task, err := t.api.Task(ctx, w.taskID)
	if ctx.Err() != nil {
		finish(now, false)
		return
	}
	interval := t.Interval()
	if err != nil {
		switch {
		case client.IsUnauthorized(err):
			t.mu.Lock()
			already := t.keyPaused
			t.keyPaused = true
			t.mu.Unlock()
			if !already {
				t.events.publish(Event{Kind: EventKeyRefused, Message: "The service refused the API key, so Reelhouse stopped checking on your videos. Enter a valid key in Settings and it will carry on."})
			}
			finish(time.Now(), false)
		case client.IsNotFound(err):
			w.notFound++
			if w.notFound >= t.opts.LostAfter {
				st := StateLost
				msg := "The service no longer knows this task. It may have been removed, or it belongs to another API key."
				t.update(ctx, w.id, Change{State: &st, Watching: ptr(false), ErrorMessage: &msg})
				finish(now, true)
				return
			}
			finish(time.Now().Add(t.backoff(interval, w.notFound, err)), false)
		default:
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
		finish(now, true)
		return
	}
	finish(time.Now().Add(jitter(interval)), false)
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
		code, msg := task.Error.Code, failureMessage(task)
		c.ErrorCode, c.ErrorMessage = &code, &msg
	} else {
		c.ErrorCode, c.ErrorMessage = ptr(""), ptr("")
	}
	switch {
	case task.Status == client.StatusSuccess:
		c.Watching = ptr(false)
		urls := task.URLs()
		if len(urls) == 0 {
			c.Download = ptr(DownloadFailed)
			c.DownloadError = ptr("The service says the video is ready but sent no file to download. Try “Retry download” later, or contact the service.")
		} else {
			c.Download = ptr(DownloadWaiting)
			c.DownloadError = ptr("")
			t.mu.Lock()
			t.urls[id] = urls
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

// failureMessage explains a failed or cancelled task in plain words.
func failureMessage(task *client.Task) string {
	what := "The service could not make this video."
	if task.Status == client.StatusCancelled {
		what = "The task was cancelled on the service."
	}
	if task.Error != nil && strings.TrimSpace(task.Error.Message) != "" {
		what += " It said: “" + strings.TrimSpace(task.Error.Message) + "”."
	}
	return what + " You can change the prompt and generate again."
}

// backoff is the wait after the n-th consecutive error: doubling from the
// polling interval, capped, never shorter than the service's Retry-After.
func (t *Tracker) backoff(interval time.Duration, n int, err error) time.Duration {
	d := interval
	for i := 1; i < n && d < t.opts.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, t.opts.MaxBackoff)
	if ra, ok := client.RetryAfter(err); ok && ra > d {
		d = min(ra, t.opts.MaxBackoff)
	}
	return jitter(d)
}

// jitter spreads polls by up to a tenth so that many tasks do not query in
// lock-step.
func jitter(d time.Duration) time.Duration {
	return d + time.Duration(rand.Int64N(int64(d)/10+1))
}

// update writes a change and publishes the new record. Writes are never
// abandoned half-way because the app is stopping.
func (t *Tracker) update(ctx context.Context, id int64, c Change) (Record, bool) {
	rec, err := t.store.Update(context.WithoutCancel(ctx), id, c, time.Now())
	if err != nil {
		return rec, false
	}
	t.events.publish(Event{Kind: EventChanged, ID: id, Record: rec})
	return rec, true
}

func ptr[T any](v T) *T { return &v }

// Submit records the request, sends it once and starts following the task.
// The record is returned even when sending failed: it then says what
// happened (not sent, or uncertain) and nothing is ever re-sent by itself.
func (t *Tracker) Submit(ctx context.Context, req client.CreateRequest) (Record, error) {
	rec, err := t.store.AddSubmission(ctx, req, time.Now())
	if err != nil {
		return Record{}, err
	}
	t.events.publish(Event{Kind: EventChanged, ID: rec.ID, Record: rec})
	res, err := t.api.Create(ctx, req)
	if err != nil {
		if errors.Is(err, client.ErrSubmissionUncertain) || ctx.Err() != nil {
			rec = t.markUncertain(ctx, rec.ID, err)
		} else {
			st := StateNotSent
			msg := "The video was not started: " + err.Error()
			rec, _ = t.update(ctx, rec.ID, Change{State: &st, ErrorMessage: &msg})
			if client.IsUnauthorized(err) {
				t.mu.Lock()
				t.keyPaused = true
				t.mu.Unlock()
			}
		}
		return rec, err
	}
	st := StatePending
	if res.Status != "" {
		st = State(res.Status)
	}
	rec, _ = t.update(ctx, rec.ID, Change{TaskID: &res.TaskID, State: &st, Watching: ptr(true)})
	t.addWatch(rec, time.Now().Add(t.Interval()))
	return rec, nil
}

func (t *Tracker) markUncertain(ctx context.Context, id int64, cause error) Record {
	st := StateUncertain
	msg := "Reelhouse sent this request but never heard back, so it cannot tell whether the video was started (and billed). " +
		"Look for it on the service's website and add it here by its task id, or generate again on purpose."
	if cause != nil && !errors.Is(cause, client.ErrSubmissionUncertain) && !errors.Is(cause, context.Canceled) {
		msg = cause.Error() + ". " + msg
	}
	rec, _ := t.update(ctx, id, Change{State: &st, Watching: ptr(false), ErrorMessage: &msg})
	return rec
}

// AddByID adds a task made elsewhere by its id, and follows or downloads it.
func (t *Tracker) AddByID(ctx context.Context, taskID string) (Record, error) {
	taskID = strings.TrimSpace(taskID)
	if taskID == "" {
		return Record{}, errors.New("Paste a task id first.")
	}
	task, err := t.api.Task(ctx, taskID)
	if err != nil {
		if client.IsNotFound(err) {
			return Record{}, errors.New("The service has no task with that id for this API key. Check the id, or the key in Settings.")
		}
		return Record{}, err
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

// StopWatching stops polling a task. The task goes on on the service; the
// user can watch it again at any time.
func (t *Tracker) StopWatching(ctx context.Context, id int64) error {
	t.mu.Lock()
	delete(t.watches, id)
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
		return errors.New("This request has no task id, so there is nothing to check. Add the task by its id if you found it on the service.")
	}
	c := Change{Watching: ptr(true)}
	if rec.State == StateLost || rec.State == StateStale {
		st := StatePending
		c.State, c.ErrorMessage = &st, ptr("")
	}
	rec, _ = t.update(ctx, id, c)
	now := time.Now()
	t.mu.Lock()
	w, ok := t.watches[id]
	if !ok {
		w = &watch{id: id, taskID: rec.TaskID, last: client.Status(rec.State)}
		t.watches[id] = w
	}
	// A poll already under way keeps its place: never two at once.
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
		return errors.New("This task has no finished video to download yet.")
	}
	if _, ok := t.update(ctx, id, Change{Download: ptr(DownloadWaiting), DownloadError: ptr("")}); !ok {
		return ErrNotFound
	}
	t.queueDownload(id)
	return nil
}

// Delete removes a task from the history and, if removeFiles, its videos
// and any unfinished download from the library.
func (t *Tracker) Delete(ctx context.Context, id int64, removeFiles bool) error {
	rec, err := t.store.Get(ctx, id)
	if err != nil {
		return err
	}
	t.mu.Lock()
	delete(t.watches, id)
	delete(t.urls, id)
	t.mu.Unlock()
	if removeFiles {
		lib := t.Library()
		for _, f := range rec.Files {
			if err := lib.removeWithSidecar(f.Path); err != nil {
				return err
			}
		}
	}
	if err := t.store.Delete(ctx, id); err != nil {
		return err
	}
	t.events.publish(Event{Kind: EventDeleted, ID: id})
	return nil
}

func (t *Tracker) queueDownload(id int64) {
	t.mu.Lock()
	if !t.downloads[id] {
		t.downloads[id] = true
		t.dlQueue = append(t.dlQueue, id)
	}
	t.mu.Unlock()
	t.pokeDownloads()
}

func (t *Tracker) nextDownload() (int64, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.dlQueue) == 0 || t.keyPaused {
		return 0, false
	}
	id := t.dlQueue[0]
	t.dlQueue = t.dlQueue[1:]
	return id, true
}

func (t *Tracker) downloadWorker(ctx context.Context) {
	for {
		id, ok := t.nextDownload()
		if !ok {
			select {
			case <-ctx.Done():
				return
			case <-t.dlWake:
				continue
			}
		}
		// Another worker may be waiting too: pass the wake-up on.
		t.pokeDownloads()
		t.download(ctx, id)
		t.mu.Lock()
		delete(t.downloads, id)
		t.mu.Unlock()
		if ctx.Err() != nil {
			return
		}
	}
}

// freshURLs asks the service for the task again, for signed URLs that have
// not expired.
func (t *Tracker) freshURLs(ctx context.Context, rec Record) ([]string, error) {
	task, err := t.api.Task(ctx, rec.TaskID)
	if err != nil {
		return nil, err
	}
	urls := task.URLs()
	if len(urls) == 0 {
		return nil, errors.New("the service sent no file to download")
	}
	t.mu.Lock()
	t.urls[rec.ID] = urls
	t.mu.Unlock()
	return urls, nil
}

// download fetches every video of a task into the library.
func (t *Tracker) download(ctx context.Context, id int64) {
	rec, err := t.store.Get(ctx, id)
	if err != nil || rec.State != StateSuccess || rec.Download != DownloadWaiting {
		return
	}
	t.mu.Lock()
	urls := t.urls[id]
	t.mu.Unlock()
	refreshed := false
	if len(urls) == 0 {
		if urls, err = t.freshURLs(ctx, rec); err != nil {
			t.downloadFailed(ctx, rec, err)
			return
		}
		refreshed = true
	}
	have := make(map[int]bool)
	lib := t.Library()
	for _, f := range rec.Files {
		if p, err := lib.Abs(f.Path); err == nil {
			if _, err := os.Stat(p); err == nil {
				have[f.Index] = true
			}
		}
	}
	for i := 0; i < len(urls); i++ {
		if have[i] {
			continue
		}
		part := lib.PartPath(rec.TaskID, i)
		opts := client.DownloadOptions{Progress: func(done, total int64) {
			t.events.publish(Event{Kind: EventProgress, ID: id, Done: done, Total: total})
		}}
		res, err := t.fetchWithRetry(ctx, urls[i], part, opts)
		if client.IsURLExpired(err) && !refreshed {
			// The signed URL expired: ask the service once for a new one.
			refreshed = true
			fresh, ferr := t.freshURLs(ctx, rec)
			if ferr == nil && i < len(fresh) {
				urls = fresh
				res, err = t.fetchWithRetry(ctx, urls[i], part, opts)
			} else if ferr != nil {
				err = ferr
			}
		}
		if ctx.Err() != nil {
			return // stays "waiting": resumes on the next start
		}
		if err != nil {
			t.downloadFailed(ctx, rec, err)
			return
		}
		rel, err := lib.Place(part, FileName(rec.CreatedAt, rec.Request.Prompt, rec.TaskID, i))
		if err != nil {
			t.downloadFailed(ctx, rec, err)
			return
		}
		f := File{Index: i, Path: rel, Size: res.Size, SHA256: res.SHA256}
		if err := t.store.PutFile(context.WithoutCancel(ctx), id, f); err != nil {
			t.downloadFailed(ctx, rec, err)
			return
		}
	}
	rec, ok := t.update(ctx, id, Change{Download: ptr(DownloadDone), DownloadError: ptr("")})
	if ok {
		t.describeFiles(ctx, rec)
	}
}

// fetchWithRetry downloads with a few retries for passing network trouble;
// it resumes where the last attempt stopped.
func (t *Tracker) fetchWithRetry(ctx context.Context, url, part string, opts client.DownloadOptions) (client.DownloadResult, error) {
	var (
		res client.DownloadResult
		err error
	)
	for attempt := 1; attempt <= 4; attempt++ {
		res, err = t.api.Download(ctx, url, part, opts)
		if err == nil || !client.IsTransient(err) || ctx.Err() != nil {
			return res, err
		}
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-time.After(t.backoff(time.Second, attempt, err)):
		}
	}
	return res, err
}

func (t *Tracker) downloadFailed(ctx context.Context, rec Record, err error) {
	state := DownloadFailed
	msg := "The video could not be downloaded: " + err.Error() + " Use “Retry download” to try again."
	if errors.Is(err, client.ErrLocalWrite) {
		state = DownloadPaused
		msg = err.Error()
	}
	t.update(ctx, rec.ID, Change{Download: &state, DownloadError: &msg})
}
