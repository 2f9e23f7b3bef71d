package gui

import (
	"bytes"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history/store"
)

// fakeClock stands in for time.NewTicker: it counts the tickers started
// and stopped, and ticks only when the test says so.
type fakeClock struct {
	mu               sync.Mutex
	started, stopped int
	ticks            chan time.Time
}

func (c *fakeClock) newTicker(time.Duration) (<-chan time.Time, func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.started++
	return c.ticks, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		c.stopped++
	}
}

// running is the number of tickers started and not stopped.
func (c *fakeClock) running() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.started - c.stopped
}

// tick ticks once if a ticker is waiting for it.
func (c *fakeClock) tick() {
	select {
	case c.ticks <- time.Now():
	default:
	}
}

// startUIWith starts another UI on the harness's history and library, as
// startUI does, with set applied between New and Start.
func startUIWith(t *testing.T, h *harness, set func(*UI)) *UI {
	t.Helper()
	ui := New(h.ui.app, h.deps)
	ui.do = h.loop.do
	ui.library.detail.actions.openFile = func(string) error { return nil }
	ui.releaseAfter = []time.Duration{0}
	set(ui)
	ui.Start()
	t.Cleanup(func() { h.loop.stop(ui) })
	return ui
}

// TestStartGivesBackTheMemoryOfItsWork: the start-up check of the
// library folder reads every recorded file, and an idle Reelhouse would
// hold that memory until a collection it never triggers; it is given
// back after the check, once after each of the waits, and no more.
func TestStartGivesBackTheMemoryOfItsWork(t *testing.T) {
	h := newHarness(t, nil, true)
	rec := h.downloadOne(t, "a video deleted while Reelhouse was closed")
	path := filepath.Join(h.deps.Library.Dir(), rec.Files[0].Path)
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	var (
		mu            sync.Mutex
		releases      int
		checkedBefore bool
	)
	startUIWith(t, h, func(u *UI) {
		u.releaseAfter = []time.Duration{0, 30 * time.Millisecond}
		u.releaseMemory = func() {
			r, err := h.deps.Store.Get(t.Context(), rec.ID)
			mu.Lock()
			defer mu.Unlock()
			releases++
			checkedBefore = err == nil && r.Files[0].Missing
		}
	})
	h.loop.until(t, "the memory given back twice", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return releases >= 2
	})
	time.Sleep(100 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if releases != 2 {
		t.Errorf("memory given back %d times, want twice", releases)
	}
	if !checkedBefore {
		t.Error("memory given back before the library check had marked the deleted video missing")
	}
}

// TestClockSleepsWhileNothingIsMade: the clock of the elapsed times ticks
// only while a video is being made; an idle Reelhouse does not wake up
// every second.
func TestClockSleepsWhileNothingIsMade(t *testing.T) {
	h := newHarness(t, nil, true)
	clock := &fakeClock{ticks: make(chan time.Time)}
	var (
		mu      sync.Mutex
		started bool // the start-up work has ended
	)
	u := startUIWith(t, h, func(u *UI) {
		u.mainWin.newTicker = clock.newTicker
		u.releaseMemory = func() { mu.Lock(); started = true; mu.Unlock() }
	})
	h.loop.until(t, "the start-up work done", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return started
	})
	if n := clock.running(); n != 0 {
		t.Fatalf("%d tickers running with nothing being made", n)
	}

	rec, err := h.deps.Tracker.Submit(t.Context(), client.CreateRequest{Model: "m", Prompt: "a slow sunrise"})
	if err != nil {
		t.Fatal(err)
	}
	h.loop.until(t, "the clock started for the video being made", func() bool { return clock.running() == 1 })
	h.loop.until(t, "the video downloaded", func() bool {
		clock.tick()
		r, err := h.deps.Store.Get(t.Context(), rec.ID)
		return err == nil && r.Download == store.DownloadDone && u.mainWin.makingCount.Load() == 0
	})
	h.loop.until(t, "the clock stopped", func() bool {
		clock.tick()
		return clock.running() == 0
	})
	clock.mu.Lock()
	defer clock.mu.Unlock()
	if clock.started != 1 {
		t.Errorf("%d tickers started for one video, want 1", clock.started)
	}
}

// TestTrayIconIsTheAppIconSmall: the tray, which keeps its icon as raw
// pixels while Reelhouse runs, is given Icon.png at 64×64, and it is the
// same picture: each pixel is within a few steps of the average of the
// 16×16 pixels of Icon.png it stands for.
func TestTrayIconIsTheAppIconSmall(t *testing.T) {
	small, err := png.Decode(bytes.NewReader(trayIcon.Content()))
	if err != nil {
		t.Fatal(err)
	}
	if b := small.Bounds(); b.Dx() != 64 || b.Dy() != 64 {
		t.Fatalf("the tray icon is %v, want 64×64", b.Size())
	}
	f, err := os.Open(filepath.Join("..", "Icon.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	big, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	k := big.Bounds().Dx() / 64
	var diff, n float64
	for y := range 64 {
		for x := range 64 {
			var sum [4]float64
			for yy := range k {
				for xx := range k {
					r, g, b, a := big.At(big.Bounds().Min.X+x*k+xx, big.Bounds().Min.Y+y*k+yy).RGBA()
					sum[0], sum[1], sum[2], sum[3] = sum[0]+float64(r), sum[1]+float64(g), sum[2]+float64(b), sum[3]+float64(a)
				}
			}
			r, g, b, a := small.At(x, y).RGBA()
			for c, v := range []uint32{r, g, b, a} {
				d := float64(v) - sum[c]/float64(k*k)
				diff += d * d
				n++
			}
		}
	}
	if rms := math.Sqrt(diff/n) / 257; rms > 8 {
		t.Errorf("the tray icon differs from Icon.png by %.1f steps of 255 (root mean square)", rms)
	}
}
