package library

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history/store"
)

// libraryFixture writes n downloaded videos, each with its sidecar, into
// a new library folder, the way Reelhouse leaves them.
func libraryFixture(tb testing.TB, n int) *Folder {
	tb.Helper()
	return libraryFixtureOf(tb, n, 1)
}

// libraryFixtureOf is a library folder of n tasks with perTask videos
// each, every one with its sidecar, as downloads leave them.
func libraryFixtureOf(tb testing.TB, n, perTask int) *Folder {
	tb.Helper()
	lib, err := OpenFolder(filepath.Join(tb.TempDir(), "Library"))
	if err != nil {
		tb.Fatal(err)
	}
	start := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)
	for i := range n {
		created := start.Add(time.Duration(i) * time.Minute)
		rec := store.Record{
			TaskID:    fmt.Sprintf("task%06d", i),
			Request:   client.CreateRequest{Model: "wan2.1-t2v-turbo", Prompt: fmt.Sprintf("a lighthouse at dusk, take %d", i)},
			State:     store.StateSuccess,
			CreatedAt: created, UpdatedAt: created,
			Tags: []string{"sea"},
		}
		for idx := range perTask {
			f := store.File{Index: idx, Path: FileName(created, rec.Request.Prompt, rec.TaskID, idx), Size: 8, SHA256: "00"}
			p, err := lib.Abs(f.Path)
			if err != nil {
				tb.Fatal(err)
			}
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				tb.Fatal(err)
			}
			if err := os.WriteFile(p, []byte("notavideo"[:8]), 0o644); err != nil {
				tb.Fatal(err)
			}
			data, err := encodeSidecar(NewSidecar(rec, f))
			if err != nil {
				tb.Fatal(err)
			}
			if err := os.WriteFile(SidecarPath(p), data, 0o644); err != nil {
				tb.Fatal(err)
			}
		}
	}
	return lib
}

// startUp is what Reelhouse does with its history at start-up: open the
// database and reconcile it with the library folder.
func startUp(ctx context.Context, db string, lib *Folder) (Report, error) {
	store, err := store.Open(ctx, db)
	if err != nil {
		return Report{}, err
	}
	defer store.Close()
	return New(store, lib).Reconcile(ctx)
}

// BenchmarkReconcileUnchanged10k measures a start-up (Open and the first
// reconcile) with 10,000 downloaded tasks, none changed since the last run.
func BenchmarkReconcileUnchanged10k(b *testing.B) {
	lib := libraryFixture(b, 10_000)
	db := filepath.Join(b.TempDir(), "history.db")
	ctx := context.Background()
	rep, err := startUp(ctx, db, lib) // the history is rebuilt from the folder
	if err != nil || rep.Added != 10_000 {
		b.Fatalf("first start-up: %+v, %v", rep, err)
	}
	for b.Loop() {
		rep, err := startUp(ctx, db, lib)
		if err != nil || rep.Added+rep.Missing+rep.Moved+rep.Returned != 0 || len(rep.Problems) != 0 {
			b.Fatalf("start-up: %+v, %v", rep, err)
		}
	}
}
