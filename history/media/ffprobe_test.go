package media

import (
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/reelhouse/reelhouse/history/media/mediatest"
)

func TestDescribe(t *testing.T) {
	t.Parallel()
	ffprobe := ffprobeBin()
	if ffprobe == "" {
		mediatest.Failed(t, "ffprobe is not installed")
	}
	frag := testdataPath("h264_160x90_30fps_2s_fragmented.mp4")

	got, err := describe(t.Context(), ffprobe, frag)
	if err != nil {
		t.Fatal(err)
	}
	assertInfo(t, "Describe of a fragmented file", got, Info{Duration: 2 * time.Second, Width: 160,
		Height: 90, FrameRate: 30, VideoCodec: "h264", Brand: "isom"})

	// The exported function finds ffprobe itself.
	if exported, err := Describe(t.Context(), frag); err != nil || exported != got {
		t.Errorf("Describe = %+v, %v; want %+v", exported, err, got)
	}

	// Without ffprobe, or with one that fails, the Go reader's facts stand.
	goOnly, err := Probe(frag)
	if err != nil {
		t.Fatal(err)
	}
	for _, bin := range []string{"", falseBin(t)} {
		got, err := describe(t.Context(), bin, frag)
		if err != nil || got != goOnly {
			t.Errorf("describe with ffprobe %q = %+v, %v; want %+v", bin, got, err, goOnly)
		}
	}

	// The Go reader decides what is unreadable.
	text := filepath.Join(t.TempDir(), "a.txt")
	if err := os.WriteFile(text, []byte("not a video"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := describe(t.Context(), ffprobe, text); !errors.Is(err, ErrUnreadable) {
		t.Errorf("describe of a text file: %v, want ErrUnreadable", err)
	}
}

func TestDescribeCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := contextCancelled(t)
	defer cancel()
	_, err := describe(ctx, ffprobeBin(), testdataPath(testVideos[0].file))
	if !errors.Is(err, ctx.Err()) {
		t.Fatalf("err = %v, want %v", err, ctx.Err())
	}
}

func TestProbeFFprobeErrors(t *testing.T) {
	ffprobe := ffprobeBin()
	if ffprobe == "" {
		mediatest.Failed(t, "ffprobe is not installed")
	}
	dir := t.TempDir()
	text := filepath.Join(dir, "-i am text.mp4")
	if err := os.WriteFile(text, []byte("not a video at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := probeFFprobe(t.Context(), ffprobe, text); !errors.Is(err, ErrUnreadable) {
		t.Errorf("ffprobe of a text file: %v, want ErrUnreadable", err)
	}

	ctx, cancel := contextCancelled(t)
	defer cancel()
	if _, err := probeFFprobe(ctx, ffprobe, testdataPath(testVideos[0].file)); !errors.Is(err, ctx.Err()) {
		t.Errorf("cancelled: %v, want %v", err, ctx.Err())
	}

	// Without ffprobe on the PATH. (t.Setenv: this test cannot run in parallel.)
	t.Setenv("PATH", dir)
	if _, err := ProbeFFprobe(t.Context(), testdataPath(testVideos[0].file)); !errors.Is(err, ErrNoFFprobe) {
		t.Errorf("without ffprobe: %v, want ErrNoFFprobe", err)
	}
	info, err := Describe(t.Context(), testdataPath(testVideos[0].file))
	if err != nil || info.Width != testVideos[0].width {
		t.Errorf("Describe without ffprobe = %+v, %v", info, err)
	}
}

func TestParseRate(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]float64{
		"30/1": 30, "30000/1001": 29.97002997002997, "0/0": 0, "": 0, "x/1": 0, "1/0": 0, "5000/1": 0, "-1/1": 0,
	} {
		if got := parseRate(in); math.Abs(got-want) > 1e-9 {
			t.Errorf("parseRate(%q) = %v, want %v", in, got, want)
		}
	}
}

func falseBin(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("false")
	if err != nil {
		t.Skip("no false command")
	}
	return bin
}
