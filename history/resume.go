package history

// This file continues, on their own, the downloads paused because the
// library folder could not be written (full, read-only, not ours to write
// in): now and then, and at once when something suggests that writing
// works again, it tries a small write there and, if that works, queues
// them again. They continue from the bytes their part files kept.

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"time"

	"github.com/reelhouse/reelhouse/history/library"
	"github.com/reelhouse/reelhouse/history/store"
)

// maxPartsProbed bounds the part files of one task that the write probe
// looks at; tasks have a handful of videos.
const maxPartsProbed = 16

// resumePaused runs until ctx ends. While downloads are paused, it checks
// whether the library folder can be written, waiting longer each time it
// cannot (up to 20 times ResumeEvery), and continues them when it can.
func (t *Tracker) resumePaused(ctx context.Context) {
	first := t.opts.ResumeEvery
	wait := first
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case <-t.resumeWake:
			t.mu.Lock()
			hint := t.writeHint
			t.writeHint = false
			t.mu.Unlock()
			if !hint {
				continue // a new pause: the timer is running
			}
			wait = first
		}
		if t.resumeWritable(ctx) == 0 {
			wait = first
		} else {
			wait = min(2*wait, 20*first)
		}
		timer.Reset(wait)
	}
}

// downloadPaused notes that a download paused, for resumePaused.
func (t *Tracker) downloadPaused() {
	t.mu.Lock()
	t.pauses++
	t.mu.Unlock()
	t.pokeResume(false)
}

// mayWriteAgain tells resumePaused that writing may work again (a video
// was just written to the library, say): it checks at once.
func (t *Tracker) mayWriteAgain() { t.pokeResume(true) }

func (t *Tracker) pokeResume(hint bool) {
	t.mu.Lock()
	t.writeHint = t.writeHint || hint
	t.mu.Unlock()
	select {
	case t.resumeWake <- struct{}{}:
	default:
	}
}

// resumeWritable queues again the paused downloads whose files can be
// written now. It returns how many stay paused.
func (t *Tracker) resumeWritable(ctx context.Context) int {
	t.mu.Lock()
	pauses, none := t.pauses, t.pauses == t.pausesSeen
	t.mu.Unlock()
	if none || t.lib == nil {
		return 0
	}
	folder := t.lib.Folder()
	if folder == nil {
		return 0
	}
	recs, err := t.store.List(ctx, store.Query{NotDownloaded: true, Limit: 10000})
	if err != nil {
		if ctx.Err() == nil {
			t.log.Warn("cannot list the paused downloads", errAttr(err))
		}
		return 1 // look again later
	}
	var paused []store.Record
	for _, r := range recs {
		if r.State == store.StateSuccess && r.Download == store.DownloadPaused && !r.Trashed() {
			paused = append(paused, r)
		}
	}
	if len(paused) == 0 {
		t.mu.Lock()
		t.pausesSeen = pauses
		t.mu.Unlock()
		return 0
	}
	// Where the part files grow, and where the finished videos go.
	for _, dir := range []string{filepath.Dir(folder.PartPath("probe", 0)), folder.Dir()} {
		if err := probeWrite(dir); err != nil {
			return len(paused)
		}
	}
	left := 0
	for _, r := range paused {
		t.mu.Lock()
		_, busy := t.fetches[r.ID] // retried meanwhile: its files are in use
		t.mu.Unlock()
		if busy {
			continue
		}
		if err := probeParts(folder, r.TaskID); err != nil {
			left++
			continue
		}
		t.log.Info("the library folder can be written again: the paused download goes on", "record", r.ID)
		if err := t.RetryDownload(ctx, r.ID); err != nil && ctx.Err() == nil {
			t.log.Warn("cannot continue a paused download", "record", r.ID, errAttr(err))
			left++
		}
	}
	return left
}

// probeWrite writes, syncs and removes a small file in dir: on a full file
// system or a read-only one, it fails as a download would.
func probeWrite(dir string) error {
	f, err := os.CreateTemp(dir, ".write-probe-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	_, err = f.Write(make([]byte, 4096))
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}

// probeParts checks that the part files a task's download kept can grow:
// it adds a byte to each and takes it away again.
func probeParts(folder *library.Folder, taskID string) error {
	for idx := range maxPartsProbed {
		p := folder.PartPath(taskID, idx)
		info, err := os.Lstat(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if !info.Mode().IsRegular() {
			return &os.PathError{Op: "probe", Path: p, Err: errors.ErrUnsupported}
		}
		f, err := os.OpenFile(p, os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		_, err = f.WriteAt([]byte{0}, info.Size())
		err = errors.Join(err, f.Truncate(info.Size()), f.Close())
		if err != nil {
			return err
		}
	}
	return nil
}
