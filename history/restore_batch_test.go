package history

import (
	"os"
	"testing"

	"github.com/reelhouse/reelhouse/client/apitest"
)

// TestRebuildStampsEverySidecar: after a rebuild in batches, with two
// videos per task, every file is recorded with its sidecar's stamp, so the
// next reconcile reads none of them again.
func TestRebuildStampsEverySidecar(t *testing.T) {
	t.Parallel()
	e := newEnv(t, apitest.Config{VideosPerTask: 2})
	e.start(TrackerOptions{})
	e.downloadSome("one", "two", "three")
	e.stop()
	ctx := t.Context()
	e.store.Close()
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(e.db + suffix)
	}
	e.openStore()
	rep, err := Rebuild(ctx, e.store, e.folder)
	if err != nil || rep.Added != 3 || len(rep.Problems) != 0 {
		t.Fatalf("rebuild: %+v, %v", rep, err)
	}
	files, known, err := e.store.LibraryFacts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 6 || len(known) != 6 {
		t.Fatalf("%d files, %d with a sidecar stamp; want 6 and 6", len(files), len(known))
	}
	sc, err := e.folder.scan(ctx, known)
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.sidecars) != 0 {
		t.Errorf("the next walk reads %d tasks' sidecars again, want none", len(sc.sidecars))
	}
}
