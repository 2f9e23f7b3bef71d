package media

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reelhouse/reelhouse/history/media/mediatest"
)

var update = flag.Bool("update", false, "rewrite the golden placeholder picture in testdata")

func ffmpegBin(t *testing.T) string {
	t.Helper()
	return mediatest.Need(t, "ffmpeg")
}

func contextCancelled(t *testing.T) (context.Context, context.CancelFunc) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	return ctx, cancel
}

var samplePlaceholder = Placeholder{
	Model: "Veo 3",
	Date:  time.Date(2025, 11, 28, 17, 45, 0, 0, time.UTC),
	Title: "A lighthouse keeper feeding gulls at dawn, handheld",
}

func decodePNG(t *testing.T, path string) image.Image {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

// distinctColours counts the colours in img, stopping at limit.
func distinctColours(img image.Image, limit int) int {
	seen := map[color.RGBA64]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[color.RGBA64{uint16(r), uint16(g), uint16(bl), uint16(a)}] = true
			if len(seen) >= limit {
				return len(seen)
			}
		}
	}
	return len(seen)
}

// assertOnly checks that dir holds exactly the named files: nothing
// temporary left behind.
func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if len(got) != len(names) {
		t.Fatalf("%s holds %v, want %v", dir, got, names)
	}
	for i := range names {
		if got[i] != names[i] {
			t.Fatalf("%s holds %v, want %v", dir, got, names)
		}
	}
}

func TestThumbnailFrame(t *testing.T) {
	t.Parallel()
	ffmpeg := ffmpegBin(t)
	for _, tv := range testVideos {
		t.Run(tv.file, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			out := filepath.Join(dir, "thumb.png")
			src, err := thumbnail(t.Context(), ffmpeg, testdataPath(tv.file), out, samplePlaceholder)
			if tv.encrypted {
				if err != nil || src != SourcePlaceholder {
					t.Fatalf("thumbnail = %q, %v; want the placeholder", src, err)
				}
				return
			}
			if err != nil || src != SourceFrame {
				t.Fatalf("thumbnail = %q, %v; want a frame", src, err)
			}
			img := decodePNG(t, out)
			size := img.Bounds().Size()
			// The picture as shown: pixels that are not square are not
			// squeezed.
			wantH := float64(thumbnailWidth) * float64(tv.height) / float64(tv.width)
			if size.X != thumbnailWidth || math.Abs(float64(size.Y)-wantH) > 2 || size.Y%2 != 0 {
				t.Errorf("thumbnail is %v, want %d×%.0f (even height)", size, thumbnailWidth, wantH)
			}
			if n := distinctColours(img, 32); n < 32 {
				t.Errorf("thumbnail has only %d colours: not a frame of the test pattern", n)
			}
			st, err := os.Stat(out)
			if err != nil {
				t.Fatal(err)
			}
			if st.Mode().Perm() != 0o644 {
				t.Errorf("mode = %v, want 0644", st.Mode().Perm())
			}
			assertOnly(t, dir, "thumb.png")
		})
	}
}

func TestThumbnailExportedUsesFFmpeg(t *testing.T) {
	t.Parallel()
	ffmpegBin(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "thumb.png")
	src, err := Thumbnail(t.Context(), testdataPath(testVideos[0].file), out, samplePlaceholder)
	if err != nil || src != SourceFrame {
		t.Fatalf("Thumbnail = %q, %v; want a frame", src, err)
	}
	assertOnly(t, dir, "thumb.png")
}

// TestThumbnailPlaceholder makes ffmpeg unavailable, or broken, in every way
// the fallback has to handle.
func TestThumbnailPlaceholder(t *testing.T) {
	t.Parallel()
	video := testdataPath(testVideos[0].file)
	notVideo := filepath.Join(t.TempDir(), "notes.mp4")
	if err := os.WriteFile(notVideo, []byte("not a video"), 0o644); err != nil {
		t.Fatal(err)
	}
	realFFmpeg, _ := exec.LookPath("ffmpeg")
	echo, _ := exec.LookPath("echo") // prints its arguments: not a PNG

	tests := []struct {
		name   string
		ffmpeg string
		video  string
	}{
		{"no ffmpeg", "", video},
		{"ffmpeg fails", falseBin(t), video},
		{"ffmpeg prints no PNG", echo, video},
		{"ffmpeg missing at its path", filepath.Join(t.TempDir(), "ffmpeg"), video},
		{"video ffmpeg cannot read", realFFmpeg, notVideo},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if tt.ffmpeg == "" && tt.name != "no ffmpeg" {
				mediatest.Failed(t, "ffmpeg is not installed")
			}
			dir := t.TempDir()
			out := filepath.Join(dir, "thumb.png")
			src, err := thumbnail(t.Context(), tt.ffmpeg, tt.video, out, samplePlaceholder)
			if err != nil || src != SourcePlaceholder {
				t.Fatalf("thumbnail = %q, %v; want a placeholder", src, err)
			}
			img := decodePNG(t, out)
			if img.Bounds().Size() != image.Pt(320, 180) {
				t.Errorf("placeholder is %v, want 320×180", img.Bounds().Size())
			}
			assertOnly(t, dir, "thumb.png")
		})
	}
}

// TestThumbnailWithoutFFmpegOnPath runs the exported function on a machine
// without ffmpeg. (t.Setenv: this test cannot run in parallel.)
func TestThumbnailWithoutFFmpegOnPath(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	dir := t.TempDir()
	out := filepath.Join(dir, "thumb.png")
	src, err := Thumbnail(t.Context(), testdataPath(testVideos[0].file), out, samplePlaceholder)
	if err != nil || src != SourcePlaceholder {
		t.Fatalf("Thumbnail = %q, %v; want a placeholder", src, err)
	}
	assertOnly(t, dir, "thumb.png")
}

func TestPlaceholderTellsVideosApart(t *testing.T) {
	t.Parallel()
	render := func(p Placeholder) (image.Image, []byte) {
		var buf bytes.Buffer
		if err := PlaceholderPNG(&buf, p); err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if img.Bounds().Size() != image.Pt(320, 180) {
			t.Fatalf("placeholder is %v, want 320×180", img.Bounds().Size())
		}
		if n := distinctColours(img, 8); n < 8 {
			t.Fatalf("placeholder has only %d colours", n)
		}
		return img, buf.Bytes()
	}
	a, aBytes := render(samplePlaceholder)
	_, again := render(samplePlaceholder)
	if !bytes.Equal(aBytes, again) {
		t.Error("the same details drew two different pictures")
	}

	otherModel := samplePlaceholder
	otherModel.Model = "Sora 2"
	otherDate := samplePlaceholder
	otherDate.Date = samplePlaceholder.Date.Add(24 * time.Hour)
	for name, p := range map[string]Placeholder{"other model": otherModel, "other date": otherDate} {
		b, _ := render(p)
		// The background colour alone must differ, not just the text.
		if a.At(300, 100) == b.At(300, 100) {
			t.Errorf("%s: same background %v", name, a.At(300, 100))
		}
	}

	// Empty details still draw a picture.
	render(Placeholder{})
}

func TestPlaceholderGolden(t *testing.T) {
	t.Parallel()
	golden := testdataPath("placeholder.golden.png")
	var buf bytes.Buffer
	if err := PlaceholderPNG(&buf, samplePlaceholder); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want := decodePNG(t, golden)
	got, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if got.Bounds() != want.Bounds() {
		t.Fatalf("bounds %v, want %v", got.Bounds(), want.Bounds())
	}
	for y := range want.Bounds().Max.Y {
		for x := range want.Bounds().Max.X {
			if got.At(x, y) != want.At(x, y) {
				t.Fatalf("pixel (%d,%d) = %v, want %v; look at the picture and run with -update if the change is meant",
					x, y, got.At(x, y), want.At(x, y))
			}
		}
	}
}

func TestThumbnailCancelled(t *testing.T) {
	t.Parallel()
	realFFmpeg, _ := exec.LookPath("ffmpeg")
	for _, ffmpeg := range []string{"", realFFmpeg} {
		dir := t.TempDir()
		ctx, cancel := contextCancelled(t)
		defer cancel()
		src, err := thumbnail(ctx, ffmpeg, testdataPath(testVideos[0].file), filepath.Join(dir, "thumb.png"), samplePlaceholder)
		if !errors.Is(err, context.Canceled) || src != "" {
			t.Errorf("ffmpeg %q: thumbnail = %q, %v; want context.Canceled", ffmpeg, src, err)
		}
		assertOnly(t, dir)
	}
}

// TestThumbnailKillsFFmpeg proves a hung ffmpeg is killed when the context ends.
func TestThumbnailKillsFFmpeg(t *testing.T) {
	t.Parallel()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no shell")
	}
	tools := t.TempDir()
	hung := filepath.Join(tools, "ffmpeg")
	if err := os.WriteFile(hung, []byte("#!"+sh+"\nexec sleep 60\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = thumbnail(ctx, hung, testdataPath(testVideos[0].file), filepath.Join(dir, "thumb.png"), samplePlaceholder)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("took %v to give up", elapsed)
	}
	assertOnly(t, dir)
}

func TestWriteFileAtomic(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "thumb.png")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}

	// A write that fails halfway leaves the old file and no temporary one.
	errHalfway := errors.New("halfway")
	err := writeFileAtomic(path, func(w io.Writer) error {
		w.Write([]byte("new but not comp"))
		return errHalfway
	})
	if !errors.Is(err, errHalfway) {
		t.Fatalf("err = %v, want %v", err, errHalfway)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("file = %q after a failed write, want the old content", b)
	}
	assertOnly(t, dir, "thumb.png")

	// A thumbnail replaces the old file.
	src, err := thumbnail(t.Context(), "", testdataPath(testVideos[0].file), path, samplePlaceholder)
	if err != nil || src != SourcePlaceholder {
		t.Fatalf("thumbnail = %q, %v", src, err)
	}
	decodePNG(t, path)
	assertOnly(t, dir, "thumb.png")

	// A folder that does not exist is an error, not a panic or a stray file.
	if _, err := thumbnail(t.Context(), "", testdataPath(testVideos[0].file),
		filepath.Join(dir, "missing", "thumb.png"), samplePlaceholder); err == nil {
		t.Error("writing into a missing folder succeeded")
	}
	assertOnly(t, dir, "thumb.png")
}

func TestFitText(t *testing.T) {
	t.Parallel()
	if got := fitText("Sora\n2", 10); got != "Sora 2" {
		t.Errorf("fitText = %q", got)
	}
	if got := fitText(strings.Repeat("x", 30), 10); got != "xxxxxxx..." {
		t.Errorf("fitText = %q", got)
	}
	if got := fitText("Ça, naïve “café” — 東京", 40); got != `Ca, naive "cafe" - ??` {
		t.Errorf("fitText = %q", got)
	}
}
