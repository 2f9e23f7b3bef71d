package media

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/reelhouse/reelhouse/history/media/mediatest"
)

// makeShot writes a test video of the given size, frame rate and length,
// with a tone when sound is set.
func makeShot(t *testing.T, ffmpeg, path string, w, h int, fps, secs float64, sound bool) {
	t.Helper()
	args := []string{"-nostdin", "-loglevel", "error", "-f", "lavfi",
		"-i", fmt.Sprintf("testsrc=s=%dx%d:r=%g:d=%g", w, h, fps, secs)}
	if sound {
		args = append(args, "-f", "lavfi", "-i", fmt.Sprintf("sine=f=440:d=%g", secs), "-c:a", "aac", "-shortest")
	}
	args = append(args, "-c:v", "libx264", "-pix_fmt", "yuv420p", "-preset", "ultrafast", path)
	if out, err := exec.Command(ffmpeg, args...).CombinedOutput(); err != nil {
		mediatest.Failed(t, fmt.Sprintf("ffmpeg could not make a test video: %v: %s", err, out))
	}
}

// countFrames returns the number of video frames of path and its size, as
// ffprobe counts them by decoding.
func countFrames(t *testing.T, path string) (frames int, size string) {
	t.Helper()
	ffprobe := mediatest.Need(t, "ffprobe")
	out, err := exec.Command(ffprobe, "-v", "error", "-count_frames", "-select_streams", "v:0",
		"-show_entries", "stream=nb_read_frames,width,height", "-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	f := strings.Split(strings.TrimSpace(string(out)), ",")
	if len(f) != 3 {
		t.Fatalf("ffprobe said %q", out)
	}
	n, err := strconv.Atoi(f[2])
	if err != nil {
		t.Fatalf("ffprobe said %q", out)
	}
	return n, f[0] + "x" + f[1]
}

func TestJoin(t *testing.T) {
	ffmpeg := needFFmpeg(t)
	dir := t.TempDir()
	shot := func(name string, w, h int, fps, secs float64, sound bool) string {
		p := filepath.Join(dir, name)
		makeShot(t, ffmpeg, p, w, h, fps, secs, sound)
		return p
	}
	// Alike: joined as they are. A quote in a name is read back.
	a := shot("a.mp4", 320, 180, 25, 2, true)
	b := shot("it's b.mp4", 320, 180, 25, 1, true)
	c := shot("c.mp4", 320, 180, 25, 2, true)
	// Unlike: another size and frame rate, and no sound.
	d := shot("d.mp4", 256, 144, 30, 1, false)

	cases := []struct {
		name      string
		inputs    []string
		opts      JoinOptions
		reencoded bool
		length    time.Duration
		frames    int
	}{
		{"alike", []string{a, b, c}, JoinOptions{}, false, 5 * time.Second, 125},
		{"unlike", []string{a, d, c}, JoinOptions{}, true, 5 * time.Second, 125},
		{"crossfade", []string{a, b, c}, JoinOptions{Crossfade: 500 * time.Millisecond}, true, 4 * time.Second, 100},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, tc.name+" film.mp4")
			var last, total time.Duration
			calls := 0
			tc.opts.Progress = func(done, all time.Duration) { last, total = done, all; calls++ }
			res, err := Join(t.Context(), tc.inputs, out, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if res.Reencoded != tc.reencoded || res.Length != tc.length {
				t.Errorf("Join = %+v, want reencoded %v, length %v", res, tc.reencoded, tc.length)
			}
			if calls == 0 || last != total || total != tc.length {
				t.Errorf("progress: %d calls, last %v of %v", calls, last, total)
			}
			info, err := Describe(t.Context(), out)
			if err != nil {
				t.Fatal(err)
			}
			if d := info.Duration - tc.length; d < -100*time.Millisecond || d > 100*time.Millisecond {
				t.Errorf("the film is %v long, want %v", info.Duration, tc.length)
			}
			if !info.HasAudio {
				t.Errorf("the film has no sound")
			}
			frames, size := countFrames(t, out)
			if frames != tc.frames || size != "320x180" {
				t.Errorf("the film has %d frames of %s, want %d of 320x180", frames, size, tc.frames)
			}
			left, _ := filepath.Glob(filepath.Join(dir, ".join-*"))
			if len(left) != 0 {
				t.Errorf("temporary files left behind: %v", left)
			}
		})
	}
}

func TestJoinFailures(t *testing.T) {
	needFFmpeg(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "film.mp4")
	if _, err := Join(t.Context(), nil, out, JoinOptions{}); err != ErrNothingToJoin {
		t.Errorf("nothing: %v", err)
	}
	bad := filepath.Join(dir, "bad.mp4")
	if err := os.WriteFile(bad, []byte("not a video"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Join(t.Context(), []string{bad}, out, JoinOptions{}); err == nil {
		t.Errorf("a file that is not a video was joined")
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a failed join left %s: %v", out, err)
	}
	t.Setenv("PATH", "")
	if _, err := Join(t.Context(), []string{bad}, out, JoinOptions{}); err != ErrNoFFmpeg {
		t.Errorf("without ffmpeg: %v", err)
	}
}
