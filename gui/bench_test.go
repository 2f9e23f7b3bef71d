package gui

// The library view at scale, with Fyne's test driver: building the history
// window's list over 100,000 tasks, and what one task's status change
// redraws. The full-size store comes from REELHOUSE_BENCH_STORE (the
// whole-app benchmarks write it); without it a small store is made here.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history"
	"github.com/reelhouse/reelhouse/history/library"
	"github.com/reelhouse/reelhouse/history/store"
)

// benchStore opens the prepared store, or fills a new one with n tasks.
func benchStore(b *testing.B, n int) *store.Store {
	b.Helper()
	ctx := context.Background()
	path := os.Getenv("REELHOUSE_BENCH_STORE")
	fill := path == ""
	if fill {
		path = filepath.Join(b.TempDir(), "history.db")
	}
	hist, err := store.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { hist.Close() })
	st := store.StateSuccess
	for i := range n * btoi(fill) {
		r, _, err := hist.AddExisting(ctx, fmt.Sprintf("task_%06d", i), time.Now())
		if err != nil {
			b.Fatal(err)
		}
		if _, err := hist.Update(ctx, r.ID, store.Change{State: &st}, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
	return hist
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// benchUI is the one place the benchmark makes the windows.
func benchUI(a fyne.App, hist *store.Store, lib *library.Library) (*UI, *uiLoop) {
	c, _ := client.New("http://127.0.0.1:1")
	tracker := history.NewTracker(hist, lib, nil, history.TrackerOptions{})
	ui := New(a, Deps{Tracker: tracker, Library: lib, Store: hist, Client: c, ServerURL: "http://127.0.0.1:1"})
	loop := &uiLoop{}
	ui.do = loop.do
	return ui, loop
}

// BenchmarkLibraryView builds the history window's list and shows it, then
// changes one shown task's status and counts the list rows redrawn.
// Metrics: build-ms (median), rows-redrawn.
func BenchmarkLibraryView(b *testing.B) {
	hist := benchStore(b, 300)
	folder, err := library.OpenFolder(filepath.Join(b.TempDir(), "Library"))
	if err != nil {
		b.Fatal(err)
	}
	lib := library.New(hist, folder)
	var builds []float64
	redrawn := 0
	for b.Loop() {
		a := test.NewTempApp(b)
		a.Settings().SetTheme(theme.DefaultTheme())
		ui, loop := benchUI(a, hist, lib)
		v := ui.library
		start := time.Now()
		done := make(chan struct{})
		go func() {
			defer close(done)
			v.model.reload(context.Background())
		}()
		for loaded := false; !loaded; {
			loop.pump()
			select {
			case <-done:
				loop.pump()
				loaded = true
			case <-time.After(time.Millisecond):
			}
		}
		v.show()
		v.win.Canvas().Capture() // lays out and draws the visible rows
		builds = append(builds, float64(time.Since(start))/float64(time.Millisecond))
		if len(v.model.records) == 0 {
			b.Fatal("the list is empty")
		}

		updates := 0
		update := v.list.UpdateItem
		v.list.UpdateItem = func(id widget.ListItemID, o fyne.CanvasObject) {
			updates++
			update(id, o)
		}
		r := v.model.records[0]
		r.State = store.StateFailed
		if r.State == v.model.records[0].State {
			r.State = store.StateSuccess
		}
		v.model.onRecordChanged(r)
		redrawn = updates
		ui.cancel()
		ui.wg.Wait()
		v.win.Close()
	}
	b.ReportMetric(median(builds), "build-ms")
	b.ReportMetric(float64(redrawn), "rows-redrawn")
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := append([]float64(nil), xs...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s[len(s)/2]
}
