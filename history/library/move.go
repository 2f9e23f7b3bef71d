package library

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/reelhouse/reelhouse/history/atomicfile"
	"github.com/reelhouse/reelhouse/history/store"
)

// Move moves every video and sidecar to a new library folder:
// each file is copied and verified first, then the new folder is saved as
// the library, and only then are the old files removed. A crash at any
// point leaves a complete library in the folder the settings name. When
// the old folder is not available (see Folder.Available), the new one is
// only put in use.
func (l *Library) Move(ctx context.Context, dir string, progress func(done, total int)) (*Folder, error) {
	// Nothing may land in the old folder once its files are copied: the
	// download queue and sidecar writes wait for the whole move, and then
	// go on in the folder in use (the new one, unless the move failed).
	l.holdSidecars()
	resume, err := l.pauseDownloads(ctx)
	if err != nil {
		l.mu.Lock()
		l.releaseSidecars(ctx)
		l.mu.Unlock()
		return nil, err
	}
	defer resume()
	l.mu.Lock()
	defer l.mu.Unlock()
	defer l.releaseSidecars(ctx)
	old := l.Folder()
	next, err := OpenFolder(dir)
	if err != nil {
		return nil, err
	}
	if !old.Available() {
		// The old folder is on a drive that is not there: nothing can be
		// copied, and the chosen folder is used as it is. Checking it
		// finds the videos that are in it (the same drive mounted
		// elsewhere, say).
		if err := l.store.SetSetting(ctx, store.SettingLibrary, next.dir); err != nil {
			return nil, err
		}
		l.folder.Store(next)
		l.announce(Notice{Kind: Reloaded})
		return next, nil
	}
	oldInfo, err1 := os.Stat(old.dir)
	nextInfo, err2 := os.Stat(next.dir)
	if next.dir == old.dir || (err1 == nil && err2 == nil && os.SameFile(oldInfo, nextInfo)) {
		return old, nil
	}
	oldReal, err1 := filepath.EvalSymlinks(old.dir)
	nextReal, err2 := filepath.EvalSymlinks(next.dir)
	if err1 != nil || err2 != nil {
		return nil, &store.FolderError{Op: store.OpReadLibraries, Path: next.dir, Err: errors.Join(err1, err2)}
	}
	if within(nextReal, oldReal) || within(oldReal, nextReal) {
		return nil, store.ErrNestedLibrary
	}
	files, err := l.store.LibraryFiles(ctx)
	if err != nil {
		return nil, err
	}
	var todo []store.File
	for _, lf := range files {
		if !lf.File.Missing {
			todo = append(todo, lf.File)
		}
	}
	for i, f := range todo {
		if progress != nil {
			progress(i, len(todo))
		}
		src, err := old.Abs(f.Path)
		if err != nil {
			return nil, err
		}
		dst, err := next.Abs(f.Path)
		if err != nil {
			return nil, err
		}
		if _, err := os.Lstat(dst); err == nil {
			if sum, err := FileSHA256(dst); err != nil || sum != f.SHA256 {
				return nil, &store.FolderError{Op: store.OpMoveLibrary, Path: dst, Err: fs.ErrExist}
			}
		}
		if err := copyVerified(ctx, src, dst, f.SHA256); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue // reconcile will show it as missing
			}
			return nil, &store.FolderError{Op: store.OpMoveLibrary, Path: src, Err: err}
		}
		if err := copyVerified(ctx, SidecarPath(src), SidecarPath(dst), ""); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, &store.FolderError{Op: store.OpMoveLibrary, Path: SidecarPath(src), Err: err}
		}
	}
	refs, err := copyRefs(ctx, old, next)
	if err != nil {
		return nil, &store.FolderError{Op: store.OpMoveLibrary, Path: filepath.Join(old.dir, refsDir), Err: err}
	}
	if err := l.store.SetSetting(ctx, store.SettingLibrary, next.dir); err != nil {
		return nil, err
	}
	l.folder.Store(next)
	// The new library is complete and in use; the old copies can go.
	for _, f := range todo {
		if src, err := old.Abs(f.Path); err == nil {
			os.Remove(src)
			os.Remove(SidecarPath(src))
		}
	}
	removeRefs(old, refs)
	if progress != nil {
		progress(len(todo), len(todo))
	}
	l.announce(Notice{Kind: Reloaded})
	return next, nil
}

// within reports whether dir is inside parent.
func within(dir, parent string) bool {
	rel, err := filepath.Rel(parent, dir)
	return err == nil && rel != "." && !strings.HasPrefix(rel, "..")
}

// copyVerified copies src to dst through a temp file, checking the copy's
// sha256 against want (when given) before renaming it into place.
func copyVerified(ctx context.Context, src, dst, want string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return atomicfile.Write(dst, 0o644, func(tmp *os.File) error {
		if _, err := io.Copy(tmp, &ctxReader{ctx: ctx, r: in}); err != nil {
			return err
		}
		if want != "" {
			// Read back what was written, not what was meant to be.
			if err := tmp.Sync(); err != nil {
				return err
			}
			sum, err := FileSHA256(tmp.Name())
			if err != nil {
				return err
			}
			if sum != want {
				return errors.New("the copy does not match the original")
			}
		}
		// The copy keeps the original's time, so a sidecar copied unchanged
		// still matches the stamp the history has of it.
		if info, err := in.Stat(); err == nil {
			_ = os.Chtimes(tmp.Name(), time.Time{}, info.ModTime())
		}
		return nil
	})
}
