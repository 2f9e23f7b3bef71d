package media

import (
	"context"
	"errors"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/reelhouse/reelhouse/history/media/mediatest"
)

// needFFmpeg returns the ffmpeg binary, or skips the test without one.
func needFFmpeg(t *testing.T) string {
	t.Helper()
	return mediatest.Need(t, "ffmpeg")
}

// TestLastFrameIsTheLastPicture makes a video that is red, then blue, and
// checks that its last frame is blue and the size of the video.
func TestLastFrameIsTheLastPicture(t *testing.T) {
	ffmpeg := needFFmpeg(t)
	dir := t.TempDir()
	video := filepath.Join(dir, "red then blue.mp4")
	out, err := exec.Command(ffmpeg, "-nostdin", "-loglevel", "error",
		"-f", "lavfi", "-i", "color=red:s=64x48:r=25:d=1.5",
		"-f", "lavfi", "-i", "color=blue:s=64x48:r=25:d=0.2",
		"-filter_complex", "[0:v][1:v]concat=n=2:v=1,format=yuv420p", "-c:v", "libx264", video).CombinedOutput()
	if err != nil {
		mediatest.Failed(t, fmt.Sprintf("ffmpeg could not make the test video: %v: %s", err, out))
	}
	frame := filepath.Join(dir, "last.png")
	if err := LastFrame(t.Context(), video, frame); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(frame)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 64 || b.Dy() != 48 {
		t.Fatalf("frame is %v, want 64×48", b)
	}
	r, g, b, _ := img.At(32, 24).RGBA()
	if b>>8 < 200 || r>>8 > 60 || g>>8 > 60 {
		t.Errorf("last frame's middle is rgb(%d,%d,%d), want blue", r>>8, g>>8, b>>8)
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".lastframe-*"))
	if len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

// TestLastFrameOfAShortVideo takes the last frame of a video shorter than
// the span decoded before its end.
func TestLastFrameOfAShortVideo(t *testing.T) {
	needFFmpeg(t)
	frame := filepath.Join(t.TempDir(), "last.png")
	if err := LastFrame(t.Context(), filepath.Join("testdata", "h264_160x120_25fps_0.4s_short.mp4"), frame); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(frame); err != nil {
		t.Fatal(err)
	}
}

// TestLastFrameFailures: no ffmpeg, a file that is no video, a cancelled
// context — each is an error and leaves no file.
func TestLastFrameFailures(t *testing.T) {
	ffmpeg, lookErr := exec.LookPath("ffmpeg")
	dir := t.TempDir()
	frame := filepath.Join(dir, "last.png")
	t.Setenv("PATH", dir)
	if err := LastFrame(t.Context(), "whatever.mp4", frame); !errors.Is(err, ErrNoFFmpeg) {
		t.Errorf("without ffmpeg: %v, want ErrNoFFmpeg", err)
	}
	if lookErr != nil {
		mediatest.Failed(t, "ffmpeg is not installed")
	}
	notVideo := filepath.Join(dir, "note.mp4")
	if err := os.WriteFile(notVideo, []byte("not a video"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := lastFrame(t.Context(), ffmpeg, notVideo, frame); err == nil {
		t.Error("a file that is no video gave a frame")
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := lastFrame(ctx, ffmpeg, filepath.Join("testdata", "h264_160x120_25fps_0.4s_short.mp4"), frame); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v, want context.Canceled", err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != "note.mp4" {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

// TestFrameAtTakesTheFrameOfThatTime reads the frame number the counted
// clip shows (eight stripes, one per bit) in frames taken at several times.
func TestFrameAtTakesTheFrameOfThatTime(t *testing.T) {
	needFFmpeg(t)
	clip := filepath.Join("testdata", "counted.mp4") // 25 frames a second, 250 frames
	dir := t.TempDir()
	for _, c := range []struct {
		at   time.Duration
		want int
	}{
		{0, 0},
		{3 * time.Second, 75},
		{182 * 40 * time.Millisecond, 182},
		{182*40*time.Millisecond - 300*time.Microsecond, 182}, // a frame's time rounded down
		{182*40*time.Millisecond + 10*time.Millisecond, 183},
		{249 * 40 * time.Millisecond, 249},
	} {
		out := filepath.Join(dir, "frame.png")
		if err := FrameAt(t.Context(), clip, c.at, out); err != nil {
			t.Fatalf("at %v: %v", c.at, err)
		}
		f, err := os.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if b := img.Bounds(); b.Dx() != 160 || b.Dy() != 90 {
			t.Fatalf("frame is %v, want 160×90", b)
		}
		n := 0
		for bit := range 8 {
			if r, _, _, _ := img.At(bit*20+10, 45).RGBA(); r>>8 > 128 {
				n |= 1 << bit
			}
		}
		if n != c.want {
			t.Errorf("frame at %v shows %d, want %d", c.at, n, c.want)
		}
	}
	if err := FrameAt(t.Context(), clip, time.Minute, filepath.Join(dir, "late.png")); err == nil {
		t.Error("a frame after the end was found")
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".lastframe-*"))
	if _, err := os.Stat(filepath.Join(dir, "late.png")); err == nil || len(left) != 0 {
		t.Errorf("files left behind: %v", left)
	}
	t.Setenv("PATH", dir)
	if err := FrameAt(t.Context(), clip, 0, filepath.Join(dir, "x.png")); !errors.Is(err, ErrNoFFmpeg) {
		t.Errorf("without ffmpeg: %v, want ErrNoFFmpeg", err)
	}
}
