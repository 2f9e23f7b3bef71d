package library

import (
	"errors"
	"image/jpeg"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/reelhouse/reelhouse/history/media"
	"github.com/reelhouse/reelhouse/history/media/mediatest"
	"github.com/reelhouse/reelhouse/history/store"
)

func TestStripPathWithoutThumbnail(t *testing.T) {
	tr := New(nil, nil)
	tr.UseThumbnails(t.TempDir())
	if p := tr.StripPath(store.File{}); p != "" {
		t.Errorf("StripPath without a thumbnail = %q, want none", p)
	}
	if p := tr.StripPath(store.File{Thumbnail: "abc-1.png"}); filepath.Base(p) != "abc-1-strip.jpg" {
		t.Errorf("StripPath = %q", p)
	}
}

// TestEnsureStripMakesAMissingFilmstripOnce: a video downloaded before
// filmstrips existed gets one when first asked; callers asking at once
// share one making, and a strip that cannot be made is not tried again.
func TestEnsureStripMakesAMissingFilmstripOnce(t *testing.T) {
	t.Parallel()
	mediatest.Need(t, "ffmpeg")
	l, recs := stripFixture(t, "an old video", "a damaged video")
	f := recs[0]
	strip := l.StripPath(f)

	var wg sync.WaitGroup
	paths := make([]string, 4)
	errs := make([]error, 4)
	for i := range paths {
		wg.Go(func() { paths[i], errs[i] = l.EnsureStrip(t.Context(), f) })
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
	if n := l.stripRuns(); n != 1 {
		t.Errorf("four callers at once made the strip %d times, want once", n)
	}

	// A video ffmpeg cannot read: the failure is returned and remembered.
	bad := recs[1]
	video, err := l.Folder().Abs(bad.Path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(video, []byte("not a video"), 0o644); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if p, err := l.EnsureStrip(t.Context(), bad); err == nil || p != "" {
			t.Fatalf("EnsureStrip of a damaged video = %q, %v; want an error", p, err)
		}
	}
	if n := l.stripRuns(); n != 2 {
		t.Errorf("after three calls for a damaged video, %d makings in all, want 2", n)
	}
	if _, err := l.EnsureStrip(t.Context(), store.File{}); !errors.Is(err, ErrNoThumbnail) {
		t.Errorf("EnsureStrip without a thumbnail: %v, want ErrNoThumbnail", err)
	}
}

func (l *Library) stripRuns() int {
	l.strips.mu.Lock()
	defer l.strips.mu.Unlock()
	return l.strips.runs
}

// stripFixture is a library with one video per name, each with a
// thumbnail name but no filmstrip yet, as a video downloaded before
// filmstrips existed has.
func stripFixture(t *testing.T, names ...string) (*Library, []store.File) {
	t.Helper()
	folder, err := OpenFolder(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	clip, err := os.ReadFile(filepath.Join("..", "media", "testdata", "h264_320x180_24fps_2s_aac_faststart.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	l := New(nil, folder)
	l.UseThumbnails(t.TempDir()) // the tracker made it with the thumbnails
	var files []store.File
	for i, name := range names {
		rel := FileName(time.Now(), name, "task"+string(rune('a'+i)), 0)
		p, err := folder.Abs(rel)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, clip, 0o644); err != nil {
			t.Fatal(err)
		}
		f := store.File{Index: 0, Path: rel, Thumbnail: ThumbnailName("task"+string(rune('a'+i)), 0)}
		f.Media.Duration = 2 * time.Second
		files = append(files, f)
	}
	return l, files
}
