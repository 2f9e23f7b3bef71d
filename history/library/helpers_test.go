package library

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/reelhouse/reelhouse/history/store"
)

// openTestStore opens a new store in a temporary folder.
func openTestStore(t *testing.T) (*store.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "history.db")
	s, err := store.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

// benchFull reports whether the benchmarks run at full size.
func benchFull() bool { return os.Getenv("REELHOUSE_BENCH") == "full" }

// pick returns full at full size, else tiny.
func pick[T any](full, tiny T) T {
	if benchFull() {
		return full
	}
	return tiny
}

// median is the middle of xs (nearest rank).
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[(len(s)+1)/2-1]
}
