package media

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestFilmstripWithoutFFmpegWritesNothing(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // no ffmpeg there
	out := filepath.Join(t.TempDir(), "x-strip.jpg")
	err := Filmstrip(t.Context(), filepath.Join("testdata", "h264_160x120_25fps_1s_sar64x45.mp4"), out, time.Second)
	if !errors.Is(err, ErrNoFFmpeg) {
		t.Errorf("err = %v, want ErrNoFFmpeg", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a strip was written without ffmpeg (%v)", err)
	}
}

func TestFilmstripOfAShortVideo(t *testing.T) {
	bin := ffmpegBin(t)
	out := filepath.Join(t.TempDir(), "x-strip.jpg")
	// A video shorter than a second still fills the strip's width.
	if err := filmstrip(t.Context(), bin, filepath.Join("testdata", "h264_160x120_25fps_0.4s_short.mp4"), out, 400*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(out); err != nil || st.Size() == 0 {
		t.Errorf("no strip: %v", err)
	}
}
