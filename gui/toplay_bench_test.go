package gui

import (
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"fyne.io/fyne/v2"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/client/apitest"
	"github.com/reelhouse/reelhouse/history"
)

// BenchmarkTimeToPlay makes 20 videos of 20 MiB, one after another, each
// selected in the library while the service makes it; the file host sends
// at 50 MiB/s and the tracker polls every 2 s, as by default. For each it
// measures the time from the service saying success to the first frame on
// show in the player of the detail view (handed to the picture; the test
// driver does not paint). Metrics: play-p50-ms, play-p95-ms, and ref-ms,
// the reference: the poll interval plus the transfer time at that rate.
// Unless REELHOUSE_BENCH=full it makes 2 videos of 1 MiB at 10 MiB/s with
// the tracker polling every 200 ms, so that `make test` runs it quickly.
func BenchmarkTimeToPlay(b *testing.B) {
	videos, size, rate, interval := 20, 20<<20, 50<<20, 2*time.Second
	if !benchFull() {
		videos, size, rate, interval = 2, 1<<20, 10<<20, 200*time.Millisecond
	}
	var times []float64
	for b.Loop() {
		h := newHarnessTracking(b, nil, true,
			apitest.Config{PendingFor: 50 * time.Millisecond, RunningFor: 24 * time.Hour, Padding: size, Rate: int64(rate)},
			history.TrackerOptions{Interval: interval, MinInterval: interval})
		h.ui.main.Resize(fyne.NewSize(1366, 768))
		h.ui.mainWin.showLibrary()
		detail := h.ui.library.detail
		for i := range videos {
			rec, err := h.deps.Tracker.Submit(b.Context(), client.CreateRequest{Model: "m", Prompt: fmt.Sprintf("video %d of the time to play", i)})
			if err != nil {
				b.Fatal(err)
			}
			h.loop.pump()
			h.ui.library.selectRecord(rec)
			pumpUntil(h.loop, func() bool { return detail.shownID == rec.ID && detail.player == nil })
			start := time.Now()
			h.sim.SetOutcome(rec.TaskID, client.StatusSuccess)
			pumpUntil(h.loop, func() bool {
				return detail.shownID == rec.ID && detail.player != nil && detail.player.frame != nil
			})
			if detail.player == nil || detail.player.frame == nil {
				b.Fatalf("video %d never played", i)
			}
			times = append(times, float64(time.Since(start))/float64(time.Millisecond))
		}
		h.loop.stop(h.ui)
	}
	slices.Sort(times)
	b.ReportMetric(times[len(times)/2], "play-p50-ms")
	b.ReportMetric(times[len(times)*95/100], "play-p95-ms")
	b.ReportMetric(float64(interval.Milliseconds())+float64(size)/float64(rate)*1000, "ref-ms")
}

// benchFull reports whether the benchmarks run at full size (make bench);
// otherwise they run small, so that `make test` keeps them working.
func benchFull() bool { return os.Getenv("REELHOUSE_BENCH") == "full" }
