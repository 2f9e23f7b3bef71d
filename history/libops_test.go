package history

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/reelhouse/reelhouse/client/apitest"
	"github.com/reelhouse/reelhouse/history/library"
	"github.com/reelhouse/reelhouse/history/store"
)

// heldInQueue reports whether the download of record id is queued but
// held, not started, because the download queue is paused.
func heldInQueue(tr *Tracker, id int64) bool {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	f := tr.fetches[id]
	return f != nil && f.ctx == nil && tr.dlHeld > 0
}

// waitUntil checks ok until it holds, failing after a generous deadline
// (a hang, not a speed measurement).
func (e *env) waitUntil(what string, ok func() bool) {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			e.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// filesUnder lists the regular files below dir.
func filesUnder(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// waitsForLock reports whether a goroutine is in fn, waiting for a mutex
// that fn itself locks.
func waitsForLock(fn string) bool {
	buf := make([]byte, 1<<20)
	lines := strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n")
	for i := 0; i+2 < len(lines); i++ {
		if strings.HasPrefix(lines[i], "sync.(*Mutex).Lock(") && strings.Contains(lines[i+2], fn+"(") {
			return true
		}
	}
	return false
}

// A task deleted while the library moves is gone from the new folder
// too: Delete waits for the move, so the move never carries over a video
// the history no longer has.
func TestDeleteDuringMoveLibrary(t *testing.T) {
	t.Parallel()
	e := newEnv(t, apitest.Config{})
	e.start(TrackerOptions{})
	recs := e.downloadSome("kept", "deleted during the move")
	ctx := t.Context()
	newDir := filepath.Join(t.TempDir(), "New Library")
	deleted := make(chan error, 1)
	var gone, kept store.Record
	lib, err := e.library.Move(ctx, newDir, func(done, total int) {
		if done != 1 {
			return
		}
		// Delete the task whose video is copied already.
		gone, kept = recs[1], recs[0]
		if _, err := os.Stat(filepath.Join(newDir, filepath.FromSlash(recs[0].Files[0].Path))); err == nil {
			gone, kept = recs[0], recs[1]
		}
		go func() { deleted <- e.library.Delete(ctx, gone.ID, true) }()
		e.waitUntil("the delete to wait for the move, or be done", func() bool {
			return len(deleted) > 0 || waitsForLock("library.(*Library).Delete")
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-deleted; err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := e.store.Get(ctx, gone.ID); err != store.ErrNotFound {
		t.Errorf("deleted task still in the history: %v", err)
	}
	want := map[string]bool{}
	for _, rel := range []string{kept.Files[0].Path, library.SidecarPath(kept.Files[0].Path)} {
		p, _ := lib.Abs(rel)
		want[p] = true
	}
	for _, p := range filesUnder(t, newDir) {
		if !want[p] && !strings.Contains(p, string(filepath.Separator)+".") {
			t.Errorf("%s is in the new library, though its task was deleted", p)
		}
	}
	e.folder = lib
	e.checkFiles(kept, 1)
	if rep, err := e.library.Reconcile(ctx); err != nil || rep.Added != 0 {
		t.Errorf("Reconcile after the move = %+v, %v; want nothing added", rep, err)
	}
}

// Tasks that finish while the library moves, and changes the user makes
// meanwhile, all end up in the new folder, and nothing stays in the old one.
func TestMoveLibraryWhileVideosArrive(t *testing.T) {
	t.Parallel()
	e := newEnv(t, apitest.Config{})
	e.start(TrackerOptions{})
	before := e.downloadSome("before one", "before two", "before three")
	ctx := t.Context()
	oldDir := e.folder.Dir()
	const note = "written while the library moved"
	var arrived []store.Record
	lib, err := e.library.Move(ctx, filepath.Join(t.TempDir(), "New Library"), func(done, total int) {
		if done == total {
			return
		}
		if done == 1 {
			// The first video and its sidecar are copied already.
			if err := e.library.SetNote(ctx, before[0].ID, note); err != nil {
				t.Errorf("SetNote during the move: %v", err)
			}
		}
		// A task finishes on the service while the move goes on: its
		// download is either held or (the fault) already done.
		rec := e.submit(fmt.Sprintf("arrives during the move %d", done))
		arrived = append(arrived, rec)
		e.waitRecord(rec.ID, "success", func(r store.Record) bool { return r.State == store.StateSuccess })
		e.waitUntil("the download to be held or done", func() bool {
			r, err := e.store.Get(ctx, rec.ID)
			return heldInQueue(e.tracker, rec.ID) || (err == nil && downloaded(r))
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(arrived) != 3 {
		t.Fatalf("%d tasks arrived during the move, want 3", len(arrived))
	}
	e.folder = lib
	for _, r := range arrived {
		e.waitRecord(r.ID, "described video", func(r store.Record) bool {
			return downloaded(r) && len(r.Files) == 1 && r.Files[0].MediaState != store.MediaUnknown
		})
	}
	all, err := e.store.List(ctx, store.Query{})
	if err != nil || len(all) != 6 {
		t.Fatalf("List = %d records, %v; want 6", len(all), err)
	}
	for _, r := range all {
		e.checkFiles(r, 1)
		p, _ := lib.Abs(r.Files[0].Path)
		sc, err := library.ReadSidecar(library.SidecarPath(p))
		if err != nil {
			t.Errorf("%s: no sidecar in the new library: %v", r.Files[0].Path, err)
			continue
		}
		if r.ID == before[0].ID && sc.Note != note {
			t.Errorf("the sidecar in the new library has note %q, want %q", sc.Note, note)
		}
	}
	if left := filesUnder(t, oldDir); len(left) != 0 {
		t.Errorf("files left in the old library: %v", left)
	}
}

// A file that is gone from the library is not "moved" to the trash: the
// history never points into the trash at a file that is not there.
func TestTrashMissingFileIsNotMoved(t *testing.T) {
	t.Parallel()
	e := newEnv(t, apitest.Config{})
	e.start(TrackerOptions{})
	rec := e.downloadSome("deleted by hand")[0]
	ctx := t.Context()
	p, _ := e.folder.Abs(rec.Files[0].Path)
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	if err := e.library.Trash(ctx, rec.ID); err != nil {
		t.Fatal(err)
	}
	got, err := e.store.Get(ctx, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Trashed() {
		t.Error("the task is not in the trash")
	}
	if f := got.Files[0]; f.Path != rec.Files[0].Path || !f.Missing {
		t.Errorf("file recorded at %s (missing %v); want %s, missing", f.Path, f.Missing, rec.Files[0].Path)
	}
	if err := e.library.Untrash(ctx, rec.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.store.Get(ctx, rec.ID); got.Trashed() || got.Files[0].Path != rec.Files[0].Path {
		t.Errorf("after Untrash: trashed %v, file at %s", got.Trashed(), got.Files[0].Path)
	}
}

// A trash that fails part-way puts back the files it had moved: the task
// stays in the library, whole.
func TestTrashFailingPartWayMovesBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t, apitest.Config{VideosPerTask: 2})
	e.start(TrackerOptions{})
	rec := e.downloadSome("a pair")[0]
	ctx := t.Context()
	if len(rec.Files) != 2 {
		t.Fatalf("%d files, want 2", len(rec.Files))
	}
	// Something already sits where the second sidecar would go in the
	// trash, so moving the second video fails after the first has moved.
	blocker, _ := e.folder.Abs(".trash/" + strings.TrimSuffix(rec.Files[1].Path, ".mp4") + ".json")
	if err := os.MkdirAll(blocker, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(blocker, "keep"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := e.library.Trash(ctx, rec.ID); err == nil {
		t.Fatal("Trash succeeded although a video could not be moved")
	}
	got, err := e.store.Get(ctx, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Trashed() {
		t.Error("the task is in the trash although its videos are not")
	}
	for i, f := range got.Files {
		if f.Path != rec.Files[i].Path || f.Missing {
			t.Errorf("file %d recorded at %s (missing %v), want %s", i, f.Path, f.Missing, rec.Files[i].Path)
		}
		p, _ := e.folder.Abs(rec.Files[i].Path)
		if !fileExists(p) || !fileExists(library.SidecarPath(p)) {
			t.Errorf("file %d or its sidecar is not back at %s", i, rec.Files[i].Path)
		}
	}
	trash, _ := e.folder.Abs(".trash")
	for _, p := range filesUnder(t, trash) {
		if filepath.Base(p) != "keep" {
			t.Errorf("left in the trash: %s", p)
		}
	}
}

// A reconcile reads only the sidecars that changed since Reelhouse wrote
// or read them: one with the size and time it had is not read again.
func TestReconcileSkipsUnchangedSidecars(t *testing.T) {
	t.Parallel()
	e := newEnv(t, apitest.Config{})
	e.start(TrackerOptions{})
	recs := e.downloadSome("left alone", "edited by hand")
	ctx := t.Context()
	if rep, err := e.library.Reconcile(ctx); err != nil || len(rep.Problems) != 0 || rep.Added+rep.Moved+rep.Missing+rep.Returned != 0 {
		t.Fatalf("first Reconcile = %+v, %v", rep, err)
	}
	sidecar := func(r store.Record) string {
		p, _ := e.folder.Abs(r.Files[0].Path)
		return library.SidecarPath(p)
	}
	// Same size, same time: taken as unchanged, so not read (were it read,
	// it would be reported as unreadable).
	same := sidecar(recs[0])
	info, err := os.Stat(same)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(same, []byte(strings.Repeat(" ", int(info.Size()))), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(same, time.Time{}, info.ModTime()); err != nil {
		t.Fatal(err)
	}
	// Changed: read again, and found unreadable.
	if err := os.WriteFile(sidecar(recs[1]), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := e.library.Reconcile(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0], filepath.Base(sidecar(recs[1]))) {
		t.Errorf("problems = %q, want only the changed sidecar", rep.Problems)
	}
}
