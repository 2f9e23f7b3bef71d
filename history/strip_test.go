package history

import (
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"

	"github.com/reelhouse/reelhouse/client/apitest"
	"github.com/reelhouse/reelhouse/history/media"
	"github.com/reelhouse/reelhouse/history/media/mediatest"
)

func TestDownloadedVideoGetsAFilmstrip(t *testing.T) {
	t.Parallel()
	mediatest.Need(t, "ffmpeg")
	e := newEnv(t, apitest.Config{DemoClips: true}) // a sunset: its frames differ
	e.start(TrackerOptions{ThumbnailDir: filepath.Join(t.TempDir(), "thumbs")})
	rec := e.downloadSome("a filmstrip of waves")[0]
	f := rec.Files[0]
	strip := e.library.StripPath(f)
	if filepath.Dir(strip) != filepath.Dir(e.library.ThumbnailPath(f)) || filepath.Ext(strip) != ".jpg" {
		t.Fatalf("strip path %q is not beside the thumbnail %q", strip, e.library.ThumbnailPath(f))
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

func absDiff(a, b uint32) uint64 {
	if a > b {
		return uint64(a - b)
	}
	return uint64(b - a)
}
