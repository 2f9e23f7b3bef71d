package library

// Benchmarks of the library folder at the scale of a big library: rebuild
// and start-up reconcile over 10,000 videos next to find and cat. Full
// size only with REELHOUSE_BENCH=full.

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/reelhouse/reelhouse/history/store"
)

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// findAndCat reads every sidecar under dir with find and cat.
func findAndCat(tb testing.TB, dir string) time.Duration {
	tb.Helper()
	t := time.Now()
	cmd := exec.Command("sh", "-c", `find "$1" -type f -name '*.json' -exec cat {} + >/dev/null`, "sh", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("find: %v\n%s", err, out)
	}
	return time.Since(t)
}

// findAll walks dir with find, doing nothing with what it finds.
func findAll(tb testing.TB, dir string) time.Duration {
	tb.Helper()
	t := time.Now()
	if out, err := exec.Command("find", dir, "-type", "f").Output(); err != nil || len(out) == 0 {
		tb.Fatalf("find: %v", err)
	}
	return time.Since(t)
}

// BenchmarkRebuildVsFind rebuilds the history from a folder of 10,000
// videos with sidecars (tiny: 100) into an empty store, alternated with
// find + cat of every sidecar.
func BenchmarkRebuildVsFind(b *testing.B) {
	n := pick(10_000, 100)
	lib := libraryFixture(b, n)
	ctx := context.Background()
	var ours, ref []float64
	for b.Loop() {
		for round := range pick(5, 1) {
			s, err := store.Open(ctx, filepath.Join(b.TempDir(), fmt.Sprintf("h%d.db", round)))
			if err != nil {
				b.Fatal(err)
			}
			t := time.Now()
			rep, err := Rebuild(ctx, s, lib)
			d := time.Since(t)
			s.Close()
			if err != nil || rep.Added != n {
				b.Fatalf("rebuild: %+v, %v", rep, err)
			}
			ours = append(ours, ms(d))
			ref = append(ref, ms(findAndCat(b, lib.Dir())))
		}
	}
	b.ReportMetric(median(ours), "rebuild-ms")
	b.ReportMetric(median(ref), "find-cat-ms")
}

// BenchmarkReconcileVsFind is BenchmarkReconcileUnchanged10k's start-up
// (tiny: 100 videos) alternated with find over the same folder.
func BenchmarkReconcileVsFind(b *testing.B) {
	n := pick(10_000, 100)
	lib := libraryFixture(b, n)
	db := filepath.Join(b.TempDir(), "history.db")
	ctx := context.Background()
	if rep, err := startUp(ctx, db, lib); err != nil || rep.Added != n {
		b.Fatalf("first start-up: %+v, %v", rep, err)
	}
	var ours, ref []float64
	for b.Loop() {
		for range pick(5, 1) {
			t := time.Now()
			rep, err := startUp(ctx, db, lib)
			d := time.Since(t)
			if err != nil || rep.Added+rep.Missing+rep.Moved+rep.Returned != 0 {
				b.Fatalf("start-up: %+v, %v", rep, err)
			}
			ours = append(ours, ms(d))
			ref = append(ref, ms(findAll(b, lib.Dir())))
		}
	}
	b.ReportMetric(median(ours), "reconcile-ms")
	b.ReportMetric(median(ref), "find-ms")
}
