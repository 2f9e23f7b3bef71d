package history

// This file is the downloading half of the tracker: a queue of videos to
// fetch into the library, at most MaxDownloads at once, with one shared
// fresh-link query per task when signed URLs expire.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history/library"
	"github.com/reelhouse/reelhouse/history/store"
)

// A dlJob is one video of a task to download, or (idx < 0) the look-up of
// a task's videos, which queues one job per video not yet in the library.
type dlJob struct {
	id  int64
	idx int
}

// fetch is the download of one task's videos, from the moment it is
// queued until its last job ends. Its fields are guarded by Tracker.mu.
type fetch struct {
	id     int64
	rec    store.Record // set by the look-up job, read by the video jobs after it
	ctx    context.Context
	cancel context.CancelFunc
	jobs   int  // queued or running
	ending bool // the last job ended; the outcome is being recorded
	again  bool // queued again while ending
	ended  chan struct{}
	err    error // the first failure
	stop   bool  // a local write failed: the other videos are not tried

	urls       []string
	gen        int           // how many fresh sets of URLs were fetched
	refresh    chan struct{} // closed when the fresh-URL query under way ends
	refreshErr error         // the last fresh-URL query failed

	done, total map[int]int64 // progress of each video
}

// errNothingToDo ends a look-up that found no download to do.
var errNothingToDo = errors.New("nothing to download")

// errVideoNotListed: the service's fresh answer lists fewer videos than
// the task had.
var errVideoNotListed = errors.New("video no longer listed by the service")

// errNoFile: the service says the task succeeded but lists no file.
var errNoFile = errors.New("service sent no video url")

// errKeyRefused ends a download that needs a fresh link while the service
// refuses the key; it continues when a new key is given.
var errKeyRefused = errors.New("the API key was refused")

// refreshError is a failure to get fresh video URLs from the service.
type refreshError struct{ err error }

func (e *refreshError) Error() string { return e.err.Error() }
func (e *refreshError) Unwrap() error { return e.err }

// placeError is a failure to move a finished video into the library.
type placeError struct{ err error }

func (e *placeError) Error() string { return e.err.Error() }
func (e *placeError) Unwrap() error { return e.err }

func (t *Tracker) queueDownload(id int64) {
	t.mu.Lock()
	if f, ok := t.fetches[id]; ok {
		if f.ending {
			f.again = true
		}
		t.mu.Unlock()
		return
	}
	t.fetches[id] = &fetch{id: id, jobs: 1, ended: make(chan struct{})}
	t.dlQueue = append(t.dlQueue, dlJob{id: id, idx: -1})
	t.mu.Unlock()
	t.pokeDownloads()
}

// nextJob takes the next job if the download limit allows one more and
// the library folder is there.
func (t *Tracker) nextJob(ctx context.Context) (dlJob, *fetch, bool) {
	if !t.checkLibrary() {
		return dlJob{}, nil, false // held until watchLibrary sees it back
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for len(t.dlQueue) > 0 && t.dlActive < t.dlLimit && t.dlHeld == 0 {
		job := t.dlQueue[0]
		t.dlQueue = t.dlQueue[1:]
		f := t.fetches[job.id]
		if f == nil {
			continue
		}
		if f.ctx == nil {
			f.ctx, f.cancel = context.WithCancel(ctx)
		}
		t.dlActive++
		return job, f, true
	}
	return dlJob{}, nil, false
}

func (t *Tracker) downloadWorker(ctx context.Context) {
	for {
		job, f, ok := t.nextJob(ctx)
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
		var err error
		if job.idx < 0 {
			err = t.guardJob(f, func() error { return t.lookUpDownload(f) })
		} else {
			err = t.guardJob(f, func() error { return t.downloadVideo(f, job.idx) })
		}
		t.mu.Lock()
		t.dlActive--
		if err != nil && f.err == nil {
			f.err = err
		}
		f.jobs--
		last := f.jobs == 0
		if last {
			f.ending = true
		}
		t.mu.Unlock()
		t.pokeDownloads()
		if last {
			t.finishDownload(f)
			t.endFetch(f)
		}
		if ctx.Err() != nil {
			return
		}
	}
}

// lookUpDownload finds which videos of a task are still to download and
// queues a job for each.
func (t *Tracker) lookUpDownload(f *fetch) error {
	rec, err := t.store.Get(f.ctx, f.id)
	if err != nil || rec.State != store.StateSuccess || rec.Download != store.DownloadWaiting {
		return errNothingToDo
	}
	t.mu.Lock()
	f.rec = rec
	f.urls = t.urls[f.id]
	urls := f.urls
	t.mu.Unlock()
	if len(urls) == 0 {
		if urls, _, err = t.freshURLs(f, 0); err != nil {
			return err
		}
	}
	have := t.lib.Folder().Present(rec)
	t.mu.Lock()
	for i := range urls {
		if !have[i] {
			f.jobs++
			t.dlQueue = append(t.dlQueue, dlJob{id: f.id, idx: i})
		}
	}
	t.mu.Unlock()
	t.pokeDownloads()
	return nil
}

// downloadVideo fetches video idx of a task into the library and records it.
func (t *Tracker) downloadVideo(f *fetch, idx int) error {
	t.mu.Lock()
	skip := f.stop || f.ctx.Err() != nil
	rec, urls, gen := f.rec, f.urls, f.gen
	t.mu.Unlock()
	if skip {
		return nil
	}
	if idx >= len(urls) {
		return fmt.Errorf("%w: video %d of %d", errVideoNotListed, idx+1, len(urls))
	}
	lib := t.lib.Folder() // the part file and the video stay on one file system
	part := lib.PartPath(rec.TaskID, idx)
	opts := client.DownloadOptions{Progress: func(done, total int64) { t.progress(f, idx, done, total) }}
	res, err := t.fetchWithRetry(f.ctx, urls[idx], part, opts)
	if client.IsURLExpired(err) && f.ctx.Err() == nil {
		// The signed link expired: ask the service for a new one, once
		// for all the videos of the task that need it now.
		fresh, _, ferr := t.freshURLs(f, gen)
		switch {
		case ferr != nil:
			err = ferr
		case idx >= len(fresh):
			err = fmt.Errorf("%w: video %d of %d", errVideoNotListed, idx+1, len(fresh))
		default:
			res, err = t.fetchWithRetry(f.ctx, fresh[idx], part, opts)
		}
	}
	if f.ctx.Err() != nil {
		return nil // stays "waiting": it resumes on the next start
	}
	if err != nil {
		if errors.Is(err, client.ErrLocalWrite) {
			t.mu.Lock()
			f.stop = true
			t.mu.Unlock()
		}
		return err
	}
	rel, err := lib.PlaceVideo(part, library.FileName(rec.CreatedAt, rec.Request.Prompt, rec.TaskID, idx), res.Size, res.SHA256)
	if err != nil {
		return &placeError{err}
	}
	file := store.File{Index: idx, Path: rel, Size: res.Size, SHA256: res.SHA256}
	return t.store.PutFile(context.WithoutCancel(f.ctx), f.id, file)
}

// progress publishes the bytes downloaded so far of all the task's videos.
func (t *Tracker) progress(f *fetch, idx int, done, total int64) {
	t.mu.Lock()
	if f.done == nil {
		f.done, f.total = make(map[int]int64), make(map[int]int64)
	}
	f.done[idx], f.total[idx] = done, total
	var sumDone, sumTotal int64
	known := true
	for i, d := range f.done {
		sumDone += d
		sumTotal += f.total[i]
		known = known && f.total[i] > 0
	}
	t.mu.Unlock()
	if !known {
		sumTotal = 0
	}
	t.events.publish(Event{Kind: EventProgress, ID: f.id, Done: sumDone, Total: sumTotal})
}

// freshURLs returns signed URLs newer than generation seen, asking the
// service for them unless another video of the same task has just done
// so or is doing so: one query, however many downloads need it at once.
func (t *Tracker) freshURLs(f *fetch, seen int) ([]string, int, error) {
	t.mu.Lock()
	for f.gen == seen && f.refresh != nil {
		ch := f.refresh
		t.mu.Unlock()
		select {
		case <-ch:
		case <-f.ctx.Done():
			return nil, 0, f.ctx.Err()
		}
		t.mu.Lock()
	}
	switch {
	case f.gen > seen:
		urls, gen := f.urls, f.gen
		t.mu.Unlock()
		return urls, gen, nil
	case f.refreshErr != nil:
		// The service was asked for this very link and failed: once is enough.
		err := f.refreshErr
		t.mu.Unlock()
		return nil, 0, err
	}
	ch := make(chan struct{})
	f.refresh = ch
	taskID := f.rec.TaskID
	t.mu.Unlock()

	urls, err := t.queryURLs(f.ctx, taskID)
	if err != nil {
		err = &refreshError{err}
	}

	t.mu.Lock()
	defer t.mu.Unlock()
	f.refresh = nil
	if err != nil {
		f.refreshErr = err
	} else {
		f.urls, f.refreshErr = urls, nil
		f.gen++
		t.urls[f.id] = urls
	}
	close(ch)
	return urls, f.gen, err
}

// queryURLs asks the service for a task's video URLs, trying again a few
// times after passing trouble.
func (t *Tracker) queryURLs(ctx context.Context, taskID string) ([]string, error) {
	if t.KeyRefused() {
		return nil, errKeyRefused // no use asking with a key already refused
	}
	var (
		task *client.Task
		err  error
	)
	for attempt := 1; ; attempt++ {
		task, err = t.api.Task(ctx, taskID)
		if err == nil || !client.IsTransient(err) || attempt == 4 || ctx.Err() != nil {
			break
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(t.backoff(t.Interval(), attempt, err)):
		}
	}
	switch {
	case client.IsUnauthorized(err):
		t.keyRefused()
		return nil, errKeyRefused
	case err != nil:
		return nil, err
	}
	urls := task.URLs()
	if len(urls) == 0 {
		return nil, errNoFile
	}
	return urls, nil
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

// finishDownload records how the download of a task ended.
func (t *Tracker) finishDownload(f *fetch) {
	t.mu.Lock()
	err, rec, n := f.err, f.rec, len(f.urls)
	t.mu.Unlock()
	switch {
	case f.ctx == nil || f.ctx.Err() != nil || errors.Is(err, errNothingToDo):
		// Stopped, deleted or nothing to do: the record says what is left.
	case errors.Is(err, errKeyRefused):
		t.mu.Lock()
		if t.keyPaused {
			t.afterKey[f.id] = true
		} else {
			f.again = true // a new key came meanwhile
		}
		t.mu.Unlock()
	case errors.As(err, new(*refreshError)) && client.IsTransient(err):
		// The service could not be asked for the links just now (after a
		// restart while offline, say): the task is polled again like any
		// other, with backoff, and its answer queues the download anew.
		t.addWatch(rec, time.Now().Add(t.backoff(t.Interval(), 3, err)))
	case err != nil:
		t.downloadFailed(f.ctx, rec, err)
	default:
		rec, err := t.store.Get(context.WithoutCancel(f.ctx), f.id)
		if err != nil {
			return
		}
		have := t.lib.Folder().Present(rec)
		for i := range n {
			if !have[i] {
				t.downloadFailed(f.ctx, rec, fmt.Errorf("video %d missing from the library after its download", i+1))
				return
			}
		}
		// Facts, thumbnails and sidecars first: a crash before the end
		// leaves the download "waiting", and the next start does it again.
		t.lib.Describe(f.ctx, rec, func(ctx context.Context, idx int) []byte { return t.cover(ctx, rec.ID, idx) })
		if f.ctx.Err() != nil {
			return
		}
		t.update(f.ctx, f.id, store.Change{Download: ptr(store.DownloadDone), DownloadError: ptr("")})
		t.mu.Lock()
		delete(t.urls, f.id)
		t.mu.Unlock()
		t.mayWriteAgain() // a video was written: paused downloads may go on too
	}
}

// endFetch forgets a finished download, starting it again if it was
// queued again meanwhile.
func (t *Tracker) endFetch(f *fetch) {
	t.mu.Lock()
	again := f.again && f.ctx.Err() == nil
	if t.fetches[f.id] == f {
		delete(t.fetches, f.id)
	}
	close(f.ended)
	t.mu.Unlock()
	if f.cancel != nil {
		f.cancel()
	}
	t.signalSettled()
	if again {
		t.queueDownload(f.id)
	}
}

// PauseDownloads stops every download under way and holds the queue until
// resume is called: downloads queued meanwhile wait, and then start, with
// the stopped ones, in the library folder of that moment. resume may be
// called more than once.
func (t *Tracker) PauseDownloads(ctx context.Context) (resume func(), err error) {
	t.mu.Lock()
	t.dlHeld++
	ids := make([]int64, 0, len(t.fetches))
	for id := range t.fetches {
		ids = append(ids, id)
	}
	t.mu.Unlock()
	var (
		stopped []int64
		once    sync.Once
	)
	resume = func() {
		once.Do(func() {
			for _, id := range stopped {
				t.queueDownload(id)
			}
			t.mu.Lock()
			t.dlHeld--
			t.mu.Unlock()
			t.pokeDownloads()
		})
	}
	for _, id := range ids {
		if err := t.stopDownload(ctx, id); err != nil {
			resume()
			return nil, err
		}
		stopped = append(stopped, id)
	}
	return resume, nil
}

// StopDownload stops following and downloading a record (its file is to
// be trashed or deleted) and waits until its download no longer touches
// the library.
func (t *Tracker) StopDownload(ctx context.Context, id int64) error {
	t.mu.Lock()
	delete(t.watches, id)
	delete(t.urls, id)
	delete(t.afterKey, id)
	t.mu.Unlock()
	return t.stopDownload(ctx, id)
}

// stopDownload ends the download of a record, if any, and waits until it
// no longer touches its files.
func (t *Tracker) stopDownload(ctx context.Context, id int64) error {
	t.mu.Lock()
	f, ok := t.fetches[id]
	if !ok {
		t.mu.Unlock()
		return nil
	}
	f.again = false
	if f.cancel != nil {
		f.cancel()
	}
	queue := t.dlQueue[:0]
	for _, job := range t.dlQueue {
		if job.id == id {
			f.jobs--
			continue
		}
		queue = append(queue, job)
	}
	t.dlQueue = queue
	if f.jobs == 0 && !f.ending {
		// Nothing was running: nobody else ends it.
		delete(t.fetches, id)
		close(f.ended)
		t.mu.Unlock()
		return nil
	}
	t.mu.Unlock()
	select {
	case <-f.ended:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (t *Tracker) downloadFailed(ctx context.Context, rec store.Record, err error) {
	state := store.DownloadFailed
	msg := store.Problem(store.ProblemDownloadFailed, err)
	var cErr *client.Error
	switch {
	case errors.As(err, new(*refreshError)) && client.IsNotFound(err):
		msg = store.DownloadErrorTaskGone
	case errors.Is(err, errNoFile):
		msg = store.ProblemNoFile
	case errors.Is(err, client.ErrLocalWrite) && errors.As(err, &cErr) && cErr.Detail != "":
		// The system's own words ("no space left on device") are the facts.
		state = store.DownloadPaused
		msg = localWriteProblem(err) + ": " + cErr.Detail
	case errors.Is(err, client.ErrLocalWrite), errors.As(err, new(*placeError)):
		state = store.DownloadPaused
		msg = store.Problem(localWriteProblem(err), err)
	}
	t.log.Warn("download failed", "record", rec.ID, "task_id", rec.TaskID, "state", string(state), errAttr(err))
	if msg == store.DownloadErrorTaskGone {
		// No download of this task can ever continue what was received.
		if err := t.lib.Folder().RemoveParts(rec.TaskID); err != nil {
			t.log.Warn("cannot remove unfinished downloads", "record", rec.ID, errAttr(err))
		}
	}
	t.update(ctx, rec.ID, store.Change{Download: &state, DownloadError: &msg})
	if state == store.DownloadPaused {
		t.downloadPaused() // it goes on by itself once writing works again
	}
}

// localWriteProblem tells a full library folder from one that cannot be
// written at all, for the user to know what to do about it.
func localWriteProblem(err error) string {
	switch {
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT):
		return store.ProblemLibraryFull
	case errors.Is(err, syscall.EROFS), errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		return store.ProblemLibraryReadOnly
	}
	return store.ProblemLocalWrite
}

// sweepIncoming removes, before any download starts, the unfinished
// downloads that no download can continue from (an empty part file left
// by a crash, say), so that they do not pile up in the library folder.
func (t *Tracker) sweepIncoming() {
	if t.lib == nil {
		return
	}
	folder := t.lib.Folder()
	if folder == nil {
		return
	}
	n, err := folder.SweepIncoming()
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.log.Warn("cannot sweep unfinished downloads", errAttr(err))
	}
	if n > 0 {
		t.log.Info("removed unfinished downloads nothing can continue from", "count", n)
	}
}
