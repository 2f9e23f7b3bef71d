package history

import (
	"errors"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/reelhouse/reelhouse/client/apitest"
	"github.com/reelhouse/reelhouse/history/media"
	"github.com/reelhouse/reelhouse/history/store"
)

func TestDownloadedVideoGetsAFilmstrip(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg not installed")
	}
	e := newEnv(t, apitest.Config{DemoClips: true}) // a sunset: its frames differ
	e.start(TrackerOptions{ThumbnailDir: filepath.Join(t.TempDir(), "thumbs")})
	rec := e.downloadSome("a filmstrip of waves")[0]
	f := rec.Files[0]
	strip := e.tracker.StripPath(f)
	if filepath.Dir(strip) != filepath.Dir(e.tracker.ThumbnailPath(f)) || filepath.Ext(strip) != ".jpg" {
		t.Fatalf("strip path %q is not beside the thumbnail %q", strip, e.tracker.ThumbnailPath(f))
	}
	file, err := os.Open(strip)
	if err != nil {
		t.Fatalf("no filmstrip: %v", err)
	}
	defer file.Close()
	img, err := jpeg.Decode(file)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	if b.Dx() != media.StripFrames*media.StripFrameWidth || b.Dy() <= 0 || b.Dy() > media.StripFrameWidth {
		t.Errorf("filmstrip is %v, want %d frames of %d px side by side", b, media.StripFrames, media.StripFrameWidth)
	}
	// The frames differ: the strip runs through the video, not one frame
	// repeated.
	var diff uint64
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < media.StripFrameWidth; x++ {
			r1, g1, b1, _ := img.At(x, y).RGBA()
			r2, g2, b2, _ := img.At(x+(media.StripFrames-1)*media.StripFrameWidth, y).RGBA()
			diff += absDiff(r1, r2) + absDiff(g1, g2) + absDiff(b1, b2)
		}
	}
	if perPixel := diff / uint64(b.Dy()*media.StripFrameWidth); perPixel < 256 {
		t.Errorf("the first and last frames look the same (mean difference %d of 65535 per pixel)", perPixel)
	}
}

func TestStripPathWithoutThumbnail(t *testing.T) {
	tr := &Tracker{opts: TrackerOptions{ThumbnailDir: t.TempDir()}}
	if p := tr.StripPath(store.File{}); p != "" {
		t.Errorf("StripPath without a thumbnail = %q, want none", p)
	}
	if p := tr.StripPath(store.File{Thumbnail: "abc-1.png"}); filepath.Base(p) != "abc-1-strip.jpg" {
		t.Errorf("StripPath = %q", p)
	}
}

func absDiff(a, b uint32) uint64 {
	if a > b {
		return uint64(a - b)
	}
	return uint64(b - a)
}

// TestEnsureStripMakesAMissingFilmstripOnce: a video downloaded before
// filmstrips existed gets one when first asked; callers asking at once
// share one making, and a strip that cannot be made is not tried again.
func TestEnsureStripMakesAMissingFilmstripOnce(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg not installed")
	}
	e := newEnv(t, apitest.Config{DemoClips: true})
	e.start(TrackerOptions{ThumbnailDir: filepath.Join(t.TempDir(), "thumbs")})
	recs := e.downloadSome("an old video", "a damaged video")
	f := recs[0].Files[0]
	strip := e.tracker.StripPath(f)
	if err := os.Remove(strip); err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	paths := make([]string, 4)
	errs := make([]error, 4)
	for i := range paths {
		wg.Go(func() { paths[i], errs[i] = e.tracker.EnsureStrip(t.Context(), f) })
	}
	wg.Wait()
	for i := range paths {
		if errs[i] != nil || paths[i] != strip {
			t.Fatalf("EnsureStrip = %q, %v; want %q", paths[i], errs[i], strip)
		}
	}
	file, err := os.Open(strip)
	if err != nil {
		t.Fatalf("no filmstrip after EnsureStrip: %v", err)
	}
	defer file.Close()
	img, err := jpeg.Decode(file)
	if err != nil {
		t.Fatal(err)
	}
	if img.Bounds().Dx() != media.StripFrames*media.StripFrameWidth {
		t.Errorf("filmstrip is %v wide", img.Bounds())
	}
	if n := e.tracker.stripRuns(); n != 1 {
		t.Errorf("four callers at once made the strip %d times, want once", n)
	}

	// A video ffmpeg cannot read: the failure is returned and remembered.
	bad := recs[1].Files[0]
	if err := os.Remove(e.tracker.StripPath(bad)); err != nil {
		t.Fatal(err)
	}
	video, err := e.folder.Abs(bad.Path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(video, []byte("not a video"), 0o644); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if p, err := e.tracker.EnsureStrip(t.Context(), bad); err == nil || p != "" {
			t.Fatalf("EnsureStrip of a damaged video = %q, %v; want an error", p, err)
		}
	}
	if n := e.tracker.stripRuns(); n != 2 {
		t.Errorf("after three calls for a damaged video, %d makings in all, want 2", n)
	}
	if _, err := e.tracker.EnsureStrip(t.Context(), store.File{}); !errors.Is(err, ErrNoThumbnail) {
		t.Errorf("EnsureStrip without a thumbnail: %v, want ErrNoThumbnail", err)
	}
}

func (t *Tracker) stripRuns() int {
	t.strips.mu.Lock()
	defer t.strips.mu.Unlock()
	return t.strips.runs
}
