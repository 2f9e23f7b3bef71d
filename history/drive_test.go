package history

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/reelhouse/reelhouse/client/apitest"
	"github.com/reelhouse/reelhouse/history/library"
	"github.com/reelhouse/reelhouse/history/store"
)

// drive says how a test takes the library's drive away and brings it
// back, and what must be true of its place while it is away.
type drive struct {
	unplug, plug func()
	// untouched fails the test if anything was written where the library was.
	untouched func(t *testing.T)
}

// driveAway downloads a video into the library at dir, takes the drive
// away and starts again: the library is not available, nothing is made
// in its place, no video is marked missing and a video finished meanwhile
// waits; once the drive is back it is downloaded into the library on its
// own.
func driveAway(t *testing.T, e *env, dir string, d drive) {
	t.Helper()
	folder, err := library.OpenFolder(dir)
	if err != nil {
		t.Fatal(err)
	}
	e.folder = folder
	e.start(TrackerOptions{})
	first := e.downloadSome("a harbour at dawn")[0]
	e.stop()

	d.unplug()
	used, err := e.store.HasFiles(t.Context())
	if err != nil || !used {
		t.Fatalf("HasFiles = %v, %v; a video was downloaded", used, err)
	}
	if e.folder, err = library.ReopenFolder(dir, used); err != nil {
		t.Fatal(err)
	}
	if e.folder.Available() {
		t.Fatal("the library of a drive that is not there says it is available")
	}
	d.untouched(t)

	e.start(TrackerOptions{LibraryCheck: 20 * time.Millisecond})
	e.waitFor("the library said unavailable", func(ev Event) bool {
		return ev.Kind == EventLibraryUnavailable && ev.Message == dir
	})
	if !e.tracker.LibraryUnavailable() {
		t.Error("LibraryUnavailable = false while the drive is away")
	}
	if _, err := e.library.Reconcile(t.Context()); !errors.Is(err, library.ErrUnavailable) {
		t.Errorf("Reconcile error = %v, want ErrUnavailable", err)
	}
	if r, err := e.store.Get(t.Context(), first.ID); err != nil || !downloaded(r) || r.Files[0].Missing {
		t.Errorf("the video on the drive became %+v (%v); want downloaded, not missing", r.Files, err)
	}
	rec := e.submit("a lighthouse in fog")
	done := e.waitRecord(rec.ID, "the task finished", func(r store.Record) bool { return r.State == store.StateSuccess })
	e.waitUntil("the download held", func() bool {
		e.tracker.mu.Lock()
		defer e.tracker.mu.Unlock()
		return e.tracker.fetches[rec.ID] != nil && len(e.tracker.dlQueue) > 0 && e.tracker.dlActive == 0
	})
	if got := filesOf(e.sim, done.TaskID); len(got) != 0 {
		t.Errorf("the video was fetched while the library was away: %v", got)
	}
	if r, _ := e.store.Get(t.Context(), rec.ID); r.Download != store.DownloadWaiting {
		t.Errorf("download state while the library is away = %q, want waiting", r.Download)
	}
	d.untouched(t)

	d.plug()
	e.waitFor("the library said available", func(ev Event) bool { return ev.Kind == EventLibraryAvailable })
	got := e.waitRecord(rec.ID, "downloaded once the drive is back", downloaded)
	p, err := e.folder.Abs(got.Files[0].Path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil || filepath.Dir(filepath.Dir(filepath.Dir(p))) != dir {
		t.Errorf("the video is at %s (%v), want it in %s", p, err, dir)
	}
}

// emptyDir fails the test unless dir holds nothing.
func emptyDir(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 0 {
		t.Fatalf("%s holds %v (%v); want it empty", dir, entries, err)
	}
}

// TestReliabilityMissingLibraryWaitsForItsDrive: the library folder is gone (the
// drive is not connected) at start.
func TestReliabilityMissingLibraryWaitsForItsDrive(t *testing.T) {
	t.Parallel()
	e := newEnv(t, apitest.Config{})
	root := t.TempDir()
	dir, away := filepath.Join(root, "Drive", "Reelhouse"), filepath.Join(root, "away")
	driveAway(t, e, dir, drive{
		unplug: func() { must(t, os.Rename(dir, away)) },
		plug:   func() { must(t, os.Rename(away, dir)) },
		untouched: func(t *testing.T) {
			if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("%s was made again (%v)", dir, err)
			}
		},
	})
}

// TestReliabilityEmptyMountPointIsNoLibrary: the library folder is there but empty,
// as a mount point with nothing mounted is, while the history says
// videos were downloaded into it.
func TestReliabilityEmptyMountPointIsNoLibrary(t *testing.T) {
	t.Parallel()
	e := newEnv(t, apitest.Config{})
	root := t.TempDir()
	dir, away := filepath.Join(root, "media", "usb"), filepath.Join(root, "away")
	driveAway(t, e, dir, drive{
		unplug: func() {
			must(t, os.Rename(dir, away))
			must(t, os.Mkdir(dir, 0o755))
		},
		plug: func() {
			must(t, os.Remove(dir))
			must(t, os.Rename(away, dir))
		},
		untouched: func(t *testing.T) { emptyDir(t, dir) },
	})
}

// TestReliabilityUnmountedLibraryWaitsForItsDrive: the library is in a folder of a
// real file system, unmounted and mounted again.
func TestReliabilityUnmountedLibraryWaitsForItsDrive(t *testing.T) {
	mnt := t.TempDir()
	if err := mountTmpfs(mnt, "16m", false); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v); the missing and empty folders cover the rule", err)
	}
	t.Cleanup(func() { unmountTmpfs(mnt) })
	e := newEnv(t, apitest.Config{})
	dir, saved := filepath.Join(mnt, "Reelhouse"), filepath.Join(t.TempDir(), "saved")
	driveAway(t, e, dir, drive{
		unplug: func() {
			// What was on the drive, to put back when it is mounted again.
			must(t, os.CopyFS(saved, os.DirFS(dir)))
			must(t, unmount(mnt))
		},
		plug: func() {
			must(t, mountTmpfs(mnt, "16m", false))
			must(t, os.CopyFS(dir, os.DirFS(saved)))
		},
		untouched: func(t *testing.T) { emptyDir(t, mnt) },
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestChooseAnotherFolderWhileTheDriveIsAway: with the library's drive
// away, the user points the library at another folder (here the same
// drive, mounted at another place): it is put in use as it is, its videos
// are found there and the download that waited goes into it.
func TestChooseAnotherFolderWhileTheDriveIsAway(t *testing.T) {
	t.Parallel()
	e := newEnv(t, apitest.Config{})
	e.start(TrackerOptions{})
	first := e.downloadSome("a harbour at dawn")[0]
	e.stop()
	dir, elsewhere := e.folder.Dir(), filepath.Join(t.TempDir(), "mounted elsewhere")
	must(t, os.Rename(dir, elsewhere))
	var err error
	if e.folder, err = library.ReopenFolder(dir, true); err != nil {
		t.Fatal(err)
	}
	e.start(TrackerOptions{LibraryCheck: 20 * time.Millisecond})
	rec := e.submit("a lighthouse in fog")
	e.waitRecord(rec.ID, "the task finished", func(r store.Record) bool { return r.State == store.StateSuccess })

	next, err := e.library.Move(t.Context(), elsewhere, nil)
	if err != nil {
		t.Fatalf("Move with the old folder away: %v", err)
	}
	if next.Dir() != elsewhere || e.library.Dir() != elsewhere || e.store.Setting(t.Context(), store.SettingLibrary, "") != elsewhere {
		t.Errorf("the library is %s (setting %q), want %s", e.library.Dir(), e.store.Setting(t.Context(), store.SettingLibrary, ""), elsewhere)
	}
	if rep, err := e.library.Reconcile(t.Context()); err != nil || rep.Missing != 0 {
		t.Errorf("Reconcile of the chosen folder: %+v, %v; want nothing missing", rep, err)
	}
	e.folder = next
	got := e.waitRecord(rec.ID, "downloaded into the chosen folder", downloaded)
	e.checkFiles(got, 1)
	if r, _ := e.store.Get(t.Context(), first.ID); !downloaded(r) || r.Files[0].Missing {
		t.Errorf("the first video became %+v", r.Files)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s was made again (%v)", dir, err)
	}
}
