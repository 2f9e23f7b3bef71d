package library

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history/store"
)

// trashDir holds deleted videos until the trash is emptied.
const trashDir = ".trash"

// Trash moves a task's videos and sidecars into the library's trash folder
// and hides the task from the library; Untrash undoes it. Either happens
// for every file of the task or for none.
func (l *Library) Trash(ctx context.Context, id int64) error {
	if _, err := l.store.Get(ctx, id); err != nil {
		return err
	}
	if err := l.stopDownload(ctx, id); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	// Read under the lock: a reconcile or a move may have changed it.
	rec, err := l.store.Get(ctx, id)
	if err != nil {
		return err
	}
	if rec.Trashed() {
		return nil
	}
	now := time.Now()
	err = l.relocateAll(ctx, rec, store.Change{TrashedAt: &now, Watching: new(false)}, func(p string) (string, bool) {
		if strings.HasPrefix(p, trashDir+"/") {
			return "", false
		}
		return trashDir + "/" + p, true
	})
	if err != nil && !errors.Is(err, store.ErrSidecarsBehind) {
		return &store.FolderError{Op: store.OpTrash, Path: l.Folder().Dir(), Err: err}
	}
	return err
}

// Untrash puts a trashed task and its videos back in the library.
func (l *Library) Untrash(ctx context.Context, id int64) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	rec, err := l.store.Get(ctx, id)
	if err != nil {
		return err
	}
	zero := time.Time{}
	err = l.relocateAll(ctx, rec, store.Change{TrashedAt: &zero}, func(p string) (string, bool) {
		return strings.CutPrefix(p, trashDir+"/")
	})
	if err != nil && !errors.Is(err, store.ErrSidecarsBehind) {
		return &store.FolderError{Op: store.OpUntrash, Path: l.Folder().Dir(), Err: err}
	}
	return err
}

// relocateAll moves the files of rec to the places dest names (files it
// gives no place stay), records them there, and applies c. A file that is
// not where the history says is not moved but marked missing. If any step
// fails, the files already moved go back, so the history and the folder
// always agree. The caller holds libMu.
func (l *Library) relocateAll(ctx context.Context, rec store.Record, c store.Change, dest func(string) (string, bool)) error {
	lib := l.Folder()
	ctx = context.WithoutCancel(ctx) // never stop half-way
	var moved []store.File           // as they were, in the order moved
	undo := func() {
		for i := len(moved) - 1; i >= 0; i-- {
			l.unrelocate(ctx, lib, rec.ID, moved[i])
		}
	}
	for _, f := range rec.Files {
		want, ok := dest(f.Path)
		if !ok {
			continue
		}
		p, err := lib.Abs(f.Path)
		if err != nil {
			undo()
			return err
		}
		if _, err := os.Lstat(p); errors.Is(err, fs.ErrNotExist) {
			if !f.Missing {
				f.Missing = true
				if err := l.store.PutFile(ctx, rec.ID, f); err != nil {
					undo()
					return err
				}
			}
			continue
		}
		if err := l.relocate(ctx, lib, rec.ID, f, want); err != nil {
			undo()
			return err
		}
		moved = append(moved, f)
	}
	got, err := l.store.Update(ctx, rec.ID, c, time.Now())
	if err != nil {
		undo()
		return err
	}
	l.announce(Notice{Kind: Changed, ID: rec.ID, Record: got})
	if err := l.writeSidecarsLocked(got); err != nil {
		return fmt.Errorf("%w: %v", store.ErrSidecarsBehind, err)
	}
	return nil
}

// relocate moves one file of a record (and its sidecar) to a free name
// near want, and records the new place. If the record cannot be updated,
// the file is moved back, so the history never points at the wrong place.
func (l *Library) relocate(ctx context.Context, lib *Folder, id int64, f store.File, want string) error {
	dest, err := lib.freeName(want)
	if err != nil {
		return err
	}
	if err := lib.moveWithSidecar(f.Path, dest); err != nil {
		return err
	}
	from := f.Path
	f.Path = dest
	if err := l.store.PutFile(ctx, id, f); err != nil {
		_ = lib.moveWithSidecar(dest, from)
		return err
	}
	return nil
}

// unrelocate puts back a file that relocate moved from where was says.
func (l *Library) unrelocate(ctx context.Context, lib *Folder, id int64, was store.File) {
	rec, err := l.store.Get(ctx, id)
	if err != nil {
		return
	}
	for _, now := range rec.Files {
		if now.Index == was.Index && now.Path != was.Path {
			if lib.moveWithSidecar(now.Path, was.Path) == nil {
				_ = l.store.PutFile(ctx, id, was)
			}
		}
	}
}

// EmptyTrash deletes every trashed task and its files for good. Only files
// inside the trash folder are removed.
func (l *Library) EmptyTrash(ctx context.Context) (int, error) {
	n := 0
	for {
		recs, err := l.store.List(ctx, store.Query{Trash: true, Limit: 200})
		if err != nil || len(recs) == 0 {
			return n, err
		}
		// A download ends outside the lock: it writes sidecars under it.
		for _, r := range recs {
			if err := l.stopDownload(ctx, r.ID); err != nil {
				return n, err
			}
		}
		done, err := l.emptyTrashed(ctx, recs)
		n += done
		if err != nil {
			return n, err
		}
	}
}

// emptyTrashed deletes the given trashed records and their trashed files.
func (l *Library) emptyTrashed(ctx context.Context, recs []store.Record) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	lib := l.Folder()
	n := 0
	for _, r := range recs {
		r, err := l.store.Get(ctx, r.ID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && !r.Trashed()) {
			continue // deleted or taken out of the trash meanwhile
		}
		if err != nil {
			return n, err
		}
		for _, f := range r.Files {
			if strings.HasPrefix(f.Path, trashDir+"/") {
				if err := lib.removeWithSidecar(f.Path); err != nil {
					return n, err
				}
			}
		}
		if err := l.deleteLocked(ctx, r.ID, false); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// Delete removes a task from the history and, if removeFiles, its videos
// from the library. A download under way is stopped and its unfinished
// files are removed either way: nobody can resume it any more.
func (l *Library) Delete(ctx context.Context, id int64, removeFiles bool) error {
	if _, err := l.store.Get(ctx, id); err != nil {
		return err
	}
	// The download ends outside the lock: it writes sidecars under it.
	if err := l.stopDownload(ctx, id); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.deleteLocked(ctx, id, removeFiles)
}

// deleteLocked is Delete for a caller holding mu, once the record's
// download has stopped.
func (l *Library) deleteLocked(ctx context.Context, id int64, removeFiles bool) error {
	// Read only now: a video may have been placed while the download
	// stopped, or a move may have changed where it is.
	rec, err := l.store.Get(ctx, id)
	if err != nil {
		return err
	}
	lib := l.Folder()
	if err := removePartFiles(lib, rec.TaskID); err != nil {
		return err
	}
	if removeFiles {
		for _, f := range rec.Files {
			if err := lib.removeWithSidecar(f.Path); err != nil {
				return err
			}
		}
	}
	if err := l.store.Delete(ctx, id); err != nil {
		return err
	}
	l.announce(Notice{Kind: Deleted, ID: id})
	return nil
}

// RemoveParts removes the unfinished downloads of taskID (the .part files
// and the .meta files beside them), for a task no download can continue.
func (l *Folder) RemoveParts(taskID string) error { return removePartFiles(l, taskID) }

// SweepIncoming removes the unfinished downloads that no download can
// continue from (an empty part file left by a crash, say) and returns how
// many it removed. Call it before any download starts.
func (l *Folder) SweepIncoming() (int, error) {
	return client.RemoveUnusableParts(filepath.Join(l.dir, incomingDir))
}

// removePartFiles removes the unfinished downloads of a task (the .part
// files and the .meta files beside them).
func removePartFiles(lib *Folder, taskID string) error {
	if taskID == "" {
		return nil
	}
	// PartPath names them <id>-<n>.mp4.part; the id has no dash, so the
	// prefix never matches another task's files.
	first := lib.PartPath(taskID, 0)
	dir, prefix := filepath.Dir(first), strings.TrimSuffix(filepath.Base(first), "0.mp4.part")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil // no folder, no unfinished downloads
	}
	var firstErr error
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok {
			continue
		}
		n, ok := strings.CutSuffix(rest, ".mp4.part")
		if !ok {
			n, ok = strings.CutSuffix(rest, ".mp4.part.meta")
		}
		if !ok || n == "" || strings.Trim(n, "0123456789") != "" {
			continue
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) && firstErr == nil {
			firstErr = &store.FolderError{Op: store.OpWriteLibrary, Path: filepath.Join(dir, e.Name()), Err: err}
		}
	}
	return firstErr
}
