package gui

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"fyne.io/fyne/v2"

	"github.com/reelhouse/reelhouse/gui/playback"
	"github.com/reelhouse/reelhouse/history/media"
)

// BenchmarkPlayer720pShownSmall plays a 720p clip in a picture of
// playerShownW×playerShownH, as the detail view shows it, painting each
// frame shown as Fyne's painter does (Fyne scales a frame that is not the
// picture's size on the processor, before the graphics card gets it). It
// does so twice in the same run: decoding at 1280×720, as the player did
// before it followed the view's size, and at the picture's size, as it
// does now. Metrics: processor seconds per second of playing, this
// process and its ffmpeg together, of each, and new-to-old, their ratio;
// the frames painted of the clip's 180 (a machine that cannot keep up
// drops frames, which flatters the old way's processor time), and the
// processor time per frame painted.
func BenchmarkPlayer720pShownSmall(b *testing.B) {
	clip, info := testClip(b, 1280, 720, 30, 6)
	for b.Loop() {
		old := playShownSmall(b, clip, info, playback.Options{Width: 1280, Height: 720})
		now := playShownSmall(b, clip, info, playback.Options{})
		b.ReportMetric(old.cpuPerSecond, "old-cpu-s/s")
		b.ReportMetric(now.cpuPerSecond, "new-cpu-s/s")
		b.ReportMetric(now.cpuPerSecond/old.cpuPerSecond, "new-to-old")
		b.ReportMetric(float64(old.painted), "old-frames")
		b.ReportMetric(float64(now.painted), "new-frames")
		b.ReportMetric(old.cpuPerFrame.Seconds()*1000, "old-cpu-ms/frame")
		b.ReportMetric(now.cpuPerFrame.Seconds()*1000, "new-cpu-ms/frame")
	}
}

type shownRun struct {
	cpuPerSecond float64
	cpuPerFrame  time.Duration
	painted      int
}

// playShownSmall plays clip to its end in a bare player filling a window
// of playerShownW×playerShownH, painting every frame shown.
func playShownSmall(b *testing.B, clip string, info media.Info, opts playback.Options) shownRun {
	u, loop, a := newPlayerUI(b)
	w := a.NewWindow("Player")
	w.SetPadded(false)
	opts.Audio = noSoundDevice{}
	var r shownRun
	var opened, ended bool
	v := newBarePlayerView(u, clip, info, "", opts, playerHooks{
		opened: func(err error) {
			if err != nil {
				b.Fatal(err)
			}
			opened = true
		},
		shown: func(*playback.Frame) {
			w.Canvas().Capture() // as the painter does for each frame
			r.painted++
		},
		status: func(s playback.Status) { ended = ended || s.Ended },
	})
	w.SetContent(v.content())
	w.Resize(fyne.NewSize(playerShownW, playerShownH))
	pumpUntil(loop, func() bool { return opened && v.frame != nil })
	if want := playerShownW; opts.Width == 0 && v.frame.Image.Rect.Dx() != want {
		b.Fatalf("frames of %v, want %d wide", v.frame.Image.Rect.Size(), want)
	}
	r.painted = 0
	cpu0, wall0 := playback.CPUTime(ffmpegChildren(b)), time.Now()
	v.withPlayer((*playback.Player).Play)
	pumpUntil(loop, func() bool { return ended })
	wall := time.Since(wall0)
	v.close()
	v.wait() // the ffmpeg processes have ended and been waited for
	cpu := playback.CPUTime(ffmpegChildren(b)) - cpu0
	r.cpuPerSecond = cpu.Seconds() / wall.Seconds()
	r.cpuPerFrame = cpu / time.Duration(max(r.painted, 1))
	return r
}

// pumpUntil runs the UI goroutine's work until cond holds.
func pumpUntil(loop *uiLoop, cond func() bool) {
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
		loop.pump()
		if cond() {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// clip1080p makes a 60-second 1920×1080 clip at 30 frames per second, H.264
// with AAC sound, with a key frame at most every gop frames (0: as x264
// makes it by default, at most every 250, more at scene changes). Unless
// REELHOUSE_BENCH=full it makes a 5-second 320×180 one instead.
func clip1080p(b *testing.B, gop int) (string, media.Info) {
	b.Helper()
	size, secs := "1920x1080", "60"
	if !benchFull() {
		size, secs = "320x180", "5"
	}
	keys := []string{}
	if gop > 0 {
		keys = []string{"-g", strconv.Itoa(gop)}
	}
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		b.Skip("ffmpeg is not installed")
	}
	clip := filepath.Join(b.TempDir(), "1080p.mp4")
	if out, err := exec.Command("ffmpeg", slices.Concat([]string{"-nostdin", "-loglevel", "error", "-y",
		"-f", "lavfi", "-i", "testsrc2=s=" + size + ":r=30:d=" + secs,
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=" + secs}, []string{"-c:v", "libx264", "-preset", "veryfast"}, keys, []string{"-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", clip})...).CombinedOutput(); err != nil {
		b.Fatalf("making the 1080p clip: %v: %s", err, out)
	}
	info, err := media.Probe(clip)
	if err != nil {
		b.Fatal(err)
	}
	return clip, info
}

// BenchmarkPlayerSeek1080p opens the 60-second 1080p clip in the player
// filling a 1366×768 window, paused, and seeks 20 times to a random time,
// as a release of the scrubber does, each time until the frame of that
// time is on show (handed to the picture; the test driver does not paint).
// Beside each, the reference: ffmpeg alone decoding the same frame at the
// same size to nothing (its start, the seek to the key frame before, and
// the frames from there), which is most of a seek's time. It does so for
// the clip as x264 makes it by default and for one with a key frame every
// second (metrics with "key1s-" in front); unless REELHOUSE_BENCH=full, 3
// seeks in a small clip. Metrics: seek-p50-ms,
// seek-p95-ms and seek-max-ms, and ffmpeg-p50-ms and ffmpeg-p95-ms of the
// reference.
func BenchmarkPlayerSeek1080p(b *testing.B) {
	type clipRun struct {
		prefix, clip string
		info         media.Info
		seeks, alone []float64
	}
	runs := []*clipRun{{prefix: ""}, {prefix: "key1s-"}}
	runs[0].clip, runs[0].info = clip1080p(b, 0)
	runs[1].clip, runs[1].info = clip1080p(b, 30)
	for b.Loop() {
		for _, r := range runs {
			s, a := seekRun(b, r.clip, r.info)
			r.seeks, r.alone = append(r.seeks, s...), append(r.alone, a...)
		}
	}
	for _, r := range runs {
		b.ReportMetric(percentile(r.seeks, 50), r.prefix+"seek-p50-ms")
		b.ReportMetric(percentile(r.seeks, 95), r.prefix+"seek-p95-ms")
		b.ReportMetric(percentile(r.seeks, 100), r.prefix+"seek-max-ms")
		b.ReportMetric(percentile(r.alone, 50), r.prefix+"ffmpeg-p50-ms")
		b.ReportMetric(percentile(r.alone, 95), r.prefix+"ffmpeg-p95-ms")
	}
}

// percentile is the p-th percentile of xs (100: the largest).
func percentile(xs []float64, p int) float64 {
	s := slices.Sorted(slices.Values(xs))
	return s[min(len(s)*p/100, len(s)-1)]
}

// seekRun is one round of BenchmarkPlayerSeek1080p: the times of the
// player's seeks and of ffmpeg's alone, in ms.
func seekRun(b *testing.B, clip string, info media.Info) (seeks, alone []float64) {
	rng := rand.New(rand.NewPCG(1, 2))
	u, loop, a := newPlayerUI(b)
	w := a.NewWindow("Player")
	w.SetPadded(false)
	v := newPlayerViewWith(u, clip, info, "", playback.Options{Audio: noSoundDevice{}})
	var onShow *playback.Frame
	v.hooks.shown = func(f *playback.Frame) { onShow = f }
	w.SetContent(v.content())
	w.Resize(fyne.NewSize(1366, 768))
	pumpUntil(loop, func() bool { return onShow != nil && !v.playBtn.Disabled() })
	frame := time.Duration(float64(time.Second) / info.FrameRate)
	n := 20
	if !benchFull() {
		n = 3
	}
	for range n {
		at := time.Duration(rng.Int64N(int64(info.Duration - frame)))
		onShow = nil
		start := time.Now()
		v.onScrubEnded(at.Seconds())
		pumpUntil(loop, func() bool {
			return onShow != nil && onShow.PTS > at-frame && onShow.PTS <= at+frame
		})
		if onShow == nil || onShow.PTS <= at-frame || onShow.PTS > at+frame {
			var got any = "none"
			if onShow != nil {
				got = onShow.PTS
			}
			b.Fatalf("no frame at %v: on show %v", at, got)
		}
		seeks = append(seeks, float64(time.Since(start))/float64(time.Millisecond))
		size := onShow.Image.Rect.Size()
		start = time.Now()
		if out, err := exec.Command("ffmpeg", "-nostdin", "-loglevel", "error", "-ss", strconv.FormatFloat(at.Seconds(), 'f', 6, 64),
			"-i", clip, "-map", "0:v:0", "-an", "-frames:v", "1", "-vf", fmt.Sprintf("scale=%d:%d", size.X, size.Y),
			"-f", "rawvideo", "-pix_fmt", "rgba", "-y", os.DevNull).CombinedOutput(); err != nil {
			b.Fatalf("ffmpeg alone: %v: %s", err, out)
		}
		alone = append(alone, float64(time.Since(start))/float64(time.Millisecond))
	}
	v.close()
	v.wait()
	w.Close()
	return seeks, alone
}
