package gui

import (
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
