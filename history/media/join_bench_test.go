package media

// BenchmarkJoin720p joins three shots of 10 s at 720p, as a story's film
// is joined: alike shots copied, unlike ones converted, and with a
// crossfade; beside ffmpeg alone copying the same alike shots. It runs at
// that size when REELHOUSE_BENCH=full (make bench), and on 1 s shots at
// 160×90 otherwise, so that `go test -bench` runs it quickly.

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/reelhouse/reelhouse/history/media/mediatest"
)

func BenchmarkJoin720p(b *testing.B) {
	ffmpeg := mediatest.Need(b, "ffmpeg")
	w, h, secs := 1280, 720, 10.0
	if os.Getenv("REELHOUSE_BENCH") != "full" {
		w, h, secs = 160, 90, 1
	}
	dir := b.TempDir()
	var alike, unlike []string
	for i := range 3 {
		p := filepath.Join(dir, string(rune('a'+i))+".mp4")
		makeBenchShot(b, ffmpeg, p, w, h, 30, secs)
		alike = append(alike, p)
	}
	// The same three, the second at another frame rate: all are converted.
	odd := filepath.Join(dir, "b24.mp4")
	makeBenchShot(b, ffmpeg, odd, w, h, 24, secs)
	unlike = []string{alike[0], odd, alike[2]}
	out := filepath.Join(dir, "film.mp4")

	measure := func(name string, fn func() error) {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if err := fn(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), name+"-ms")
			b.ReportMetric(3*secs*1000, "film-ms")
		})
	}
	join := func(inputs []string, opts JoinOptions, reencoded bool) func() error {
		return func() error {
			res, err := Join(b.Context(), inputs, out, opts)
			if err == nil && res.Reencoded != reencoded {
				b.Fatalf("reencoded %v, want %v", res.Reencoded, reencoded)
			}
			return err
		}
	}
	measure("copied", join(alike, JoinOptions{}, false))
	measure("ffmpeg-copy", func() error {
		list, err := writeConcatList(dir, alike)
		if err != nil {
			return err
		}
		defer os.Remove(list)
		return exec.Command(ffmpeg, "-nostdin", "-y", "-loglevel", "error", "-f", "concat", "-safe", "0",
			"-i", "file:"+list, "-c", "copy", "-movflags", "+faststart", out).Run()
	})
	measure("converted", join(unlike, JoinOptions{}, true))
	measure("crossfade", join(alike, JoinOptions{Crossfade: 500 * time.Millisecond}, true))
}

// makeBenchShot writes a shot with picture and sound, as a service's are.
func makeBenchShot(b *testing.B, ffmpeg, path string, w, h int, fps, secs float64) {
	b.Helper()
	out, err := exec.Command(ffmpeg, "-nostdin", "-loglevel", "error",
		"-f", "lavfi", "-i", fmt.Sprintf("testsrc2=s=%dx%d:r=%g:d=%g", w, h, fps, secs),
		"-f", "lavfi", "-i", fmt.Sprintf("sine=f=440:d=%g", secs),
		"-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", path).CombinedOutput()
	if err != nil {
		b.Fatalf("making a shot: %v: %s", err, out)
	}
}
