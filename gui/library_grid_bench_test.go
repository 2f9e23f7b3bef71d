package gui

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history"
	"github.com/reelhouse/reelhouse/history/library"
	"github.com/reelhouse/reelhouse/history/store"
)

// BenchmarkLibraryGrid scrolls the grid through 10,000 downloaded videos,
// each with a 320×180 PNG thumbnail of its own, a screen at a time for 200
// screens. A frame is the UI goroutine's work for one change on screen:
// the scroll (layout, the tiles bound to their new videos, pictures from
// the cache) and, once the loaders have read the pictures that were not
// cached, handing those to their tiles (a frame of its own, far shorter:
// handoff-max-ms is the longest). Painting is left out: the test
// driver paints on the processor, the real app on the graphics card.
// Metrics: frame-p50-ms and frame-p95-ms of the scrolls; step-ms, the mean time for a
// screen until its pictures are in; heap-before-MiB with every record
// loaded and the grid shown, heap-MiB after the scroll, growth-MiB, their
// difference, and cache-MiB, the decoded pictures the cache keeps (at
// most thumbCacheBytes), which bounds the growth.
func BenchmarkLibraryGrid(b *testing.B) {
	const (
		tasks  = 10_000
		thumbs = 10_000
		steps  = 200
	)
	dir := b.TempDir()
	thumbDir := filepath.Join(dir, "thumbnails")
	if err := os.MkdirAll(thumbDir, 0o755); err != nil {
		b.Fatal(err)
	}
	for i := range thumbs {
		img := image.NewNRGBA(image.Rect(0, 0, 320, 180))
		c := color.NRGBA{R: uint8(i), G: uint8(i >> 8 * 40), B: 0x80, A: 0xff}
		for p := 0; p < len(img.Pix); p += 4 {
			img.Pix[p], img.Pix[p+1], img.Pix[p+2], img.Pix[p+3] = c.R, c.G, c.B, c.A
		}
		f, err := os.Create(filepath.Join(thumbDir, fmt.Sprintf("t%d.png", i)))
		if err != nil {
			b.Fatal(err)
		}
		if err := png.Encode(f, img); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
	hist := benchStore(b, 0)
	folder, err := library.OpenFolder(filepath.Join(dir, "Library"))
	if err != nil {
		b.Fatal(err)
	}
	lib := library.New(hist, folder)
	recs := make([]store.Record, tasks)
	now := time.Now()
	for i := range recs {
		recs[i] = store.Record{
			ID: int64(i + 1), TaskID: fmt.Sprintf("task_%06d", i), State: store.StateSuccess, Download: store.DownloadDone,
			CreatedAt: now.Add(-time.Duration(i) * time.Minute),
			Request:   client.CreateRequest{Model: "m", Prompt: fmt.Sprintf("video number %d of a long library", i)},
			Files:     []store.File{{Path: fmt.Sprintf("v%d.mp4", i), Thumbnail: fmt.Sprintf("t%d.png", i%thumbs)}},
		}
	}

	var stepMs, startMiB, heapMiB, cacheMiB float64
	var frames []float64
	var handoff float64
	for b.Loop() {
		a := test.NewTempApp(b)
		a.Settings().SetTheme(theme.DefaultTheme())
		c, _ := client.New("http://127.0.0.1:1")
		tracker := history.NewTracker(hist, lib, nil, history.TrackerOptions{ThumbnailDir: thumbDir})
		ui := New(a, Deps{Tracker: tracker, Library: lib, Store: hist, Client: c, ServerURL: "http://127.0.0.1:1"})
		loop := &uiLoop{}
		ui.do = loop.do
		v := ui.library
		ui.main.Resize(fyne.NewSize(1366, 768))
		ui.mainWin.showLibrary()
		v.setGridShown(true)
		v.model.records = recs
		v.model.total = tasks
		v.grid.Refresh()

		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		startMiB = float64(ms.HeapAlloc) / (1 << 20)

		frames, handoff = frames[:0], 0
		frame := func(work func()) float64 {
			t := time.Now()
			work()
			return float64(time.Since(t)) / float64(time.Millisecond)
		}
		start := time.Now()
		screen := v.grid.Size().Height
		for s := range steps {
			frames = append(frames, frame(func() {
				v.grid.ScrollToOffset(float32(s) * screen)
				loop.pump()
			}))
			for {
				v.thumbs.mu.Lock()
				idle := len(v.thumbs.waiting) == 0 && v.thumbs.loaders == 0
				v.thumbs.mu.Unlock()
				if idle {
					break
				}
				time.Sleep(100 * time.Microsecond)
			}
			handoff = max(handoff, frame(loop.pump))
		}
		stepMs = float64(time.Since(start)) / float64(time.Millisecond) / steps
		runtime.GC()
		runtime.ReadMemStats(&ms)
		heapMiB = float64(ms.HeapAlloc) / (1 << 20)
		_, bytes := v.thumbs.size()
		cacheMiB = float64(bytes) / (1 << 20)
		if n, _ := v.thumbs.size(); n == 0 {
			b.Fatal("no thumbnail was loaded")
		}
		ui.cancel()
		ui.wg.Wait()
		ui.main.Close()
	}
	slices.Sort(frames)
	b.ReportMetric(frames[len(frames)/2], "frame-p50-ms")
	b.ReportMetric(frames[len(frames)*95/100], "frame-p95-ms")
	b.ReportMetric(handoff, "handoff-max-ms")
	b.ReportMetric(heapMiB-startMiB, "growth-MiB")
	b.ReportMetric(stepMs, "step-ms")
	b.ReportMetric(startMiB, "heap-before-MiB")
	b.ReportMetric(heapMiB, "heap-MiB")
	b.ReportMetric(cacheMiB, "cache-MiB")
}
