package gui

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"go.uber.org/goleak"

	"github.com/reelhouse/reelhouse/client/apitest"
	"github.com/reelhouse/reelhouse/gui/playback"
	"github.com/reelhouse/reelhouse/history/media"
	"github.com/reelhouse/reelhouse/history/media/mediatest"
)

// countedClip shows its own frame number (see its testdata README).
var countedClip = filepath.Join("..", "history", "media", "testdata", "counted.mp4")

// noSoundDevice is a machine without sound.
type noSoundDevice struct{}

func (noSoundDevice) NewSink() (playback.Sink, error) { return nil, playback.ErrNoSoundDevice }

// newPlayerUI is a UI with no windows of its own, for views tested alone.
func newPlayerUI(t testing.TB) (*UI, *uiLoop, fyne.App) {
	t.Helper()
	a := test.NewTempApp(t)
	a.Settings().SetTheme(theme.DefaultTheme())
	ctx, cancel := context.WithCancel(context.Background())
	loop := &uiLoop{}
	u := &UI{app: a, ctx: ctx, cancel: cancel, do: loop.do}
	t.Cleanup(func() {
		u.cancel()
		u.wg.Wait()
	})
	return u, loop, a
}

// ffmpegChildren lists the ffmpeg processes this test process started
// that still exist (Linux: /proc).
func ffmpegChildren(t testing.TB) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skip("no /proc")
	}
	me := strconv.Itoa(os.Getpid())
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile(filepath.Join("/proc", e.Name(), "status"))
		if err != nil {
			continue
		}
		s := string(data)
		if strings.Contains(s, "Name:\tffmpeg\n") && strings.Contains(s, "\nPPid:\t"+me+"\n") {
			pids = append(pids, pid)
		}
	}
	return pids
}

func TestPlayerPlaysSeeksStepsAndCloses(t *testing.T) {
	mediatest.Need(t, "ffmpeg")
	u, loop, a := newPlayerUI(t)
	info, err := media.Probe(countedClip)
	if err != nil {
		t.Fatal(err)
	}
	w := a.NewWindow("Player")
	leaks := goleak.IgnoreCurrent()

	v := newPlayerViewWith(u, countedClip, info, "", playback.Options{Audio: noSoundDevice{}})
	panel := container.NewVBox(widget.NewLabel("A panel with the player on top"), v.content())
	w.SetContent(panel)
	w.Resize(fyne.NewSize(640, 480))
	loop.until(t, "the first frame", func() bool { return v.frame != nil && v.frame.Index == 0 })
	loop.until(t, "the controls", func() bool { return !v.playBtn.Disabled() })
	loop.until(t, "the note on sound", func() bool { return v.notice.Visible() })
	if v.notice.Text != playerNoSound {
		t.Fatalf("notice %q, want %q", v.notice.Text, playerNoSound)
	}

	// Tapping the picture plays and gives it the focus; Space pauses.
	test.Tap(v.surface)
	loop.until(t, "playing", func() bool { return v.playing })
	loop.until(t, "a later frame", func() bool { return v.frame.Index > 3 })
	if w.Canvas().Focused() != v.surface {
		t.Fatal("the picture did not take the focus")
	}
	w.Canvas().Focused().TypedKey(&fyne.KeyEvent{Name: fyne.KeySpace})
	loop.until(t, "paused", func() bool { return !v.playing })

	// The scrubber seeks; frame step moves on by one.
	v.scrub.SetValue(7)
	loop.until(t, "frame 175", func() bool { return v.frame.Index == 175 })
	if v.clock.Text != "0:07 / 0:10" {
		t.Fatalf("clock %q", v.clock.Text)
	}
	test.Tap(v.stepBtn)
	loop.until(t, "frame 176", func() bool { return v.frame.Index == 176 })

	capture(t, w, "player")

	// The full-window view shows the player alone; Esc brings the window back.
	test.Tap(v.fullBtn)
	if w.Content() != v.box {
		t.Fatal("the player does not fill the window")
	}
	capture(t, w, "player-full-window")
	w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if w.Content() != panel {
		t.Fatal("Esc did not bring the window back")
	}
	capture(t, w, "player-after-full-window")

	test.Tap(v.muteBtn)
	test.Tap(v.loopBtn)
	v.volume.SetValue(0.5)

	if len(ffmpegChildren(t)) == 0 {
		t.Fatal("no ffmpeg process seen while the player is open")
	}
	v.close()
	assertPlayersGone(t, loop, leaks, v)
}

func TestPlayerWithoutFFmpegOffersTheSystemPlayer(t *testing.T) {
	u, loop, a := newPlayerUI(t)
	thumb := filepath.Join(t.TempDir(), "thumb.png")
	writeTestPNG(t, thumb)
	t.Setenv("PATH", t.TempDir())
	w := a.NewWindow("Player")
	v := newPlayerView(u, countedClip, media.Info{Width: 160, Height: 90}, thumb)
	w.SetContent(v.content())
	w.Resize(fyne.NewSize(640, 480))
	defer v.close()
	loop.until(t, "the way to play elsewhere", func() bool { return v.fallback.Visible() })
	loop.until(t, "the thumbnail", func() bool { return v.picture.Image != nil })
	if v.controls.Visible() {
		t.Fatal("the controls are shown without ffmpeg")
	}
	if got := v.fallback.Objects[1].(*widget.Label).Text; got != playerNoFFmpeg {
		t.Fatalf("the fallback says %q", got)
	}
	if b := findButton(v.content(), playerOpenOther); b == nil {
		t.Fatalf("no %q button", playerOpenOther)
	}
	if b := findButton(v.content(), "Install FFmpeg…"); b == nil {
		t.Fatal("no “Install FFmpeg…” button")
	}
	if top := w.Canvas().Overlays().Top(); top != nil {
		t.Fatal("a dialog is shown without ffmpeg")
	}
	capture(t, w, "player-without-ffmpeg")
}

func writeTestPNG(t *testing.T, path string) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 320, 180))
	for y := range 180 {
		for x := range 320 {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 120, 255})
		}
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
}

func TestDetailPlaysTheChosenVideo(t *testing.T) {
	mediatest.Need(t, "ffmpeg")
	h := newHarness(t, nil, true)
	first := h.downloadOne(t, "A fox in the snow")
	second := h.downloadOne(t, "A hen on a fence")
	hv := h.ui.library
	hv.list.Select(hv.model.indexOf(first.ID))
	h.loop.until(t, "the player of the first video", func() bool { return hv.detail.player != nil && hv.detail.player.frame != nil })
	p := hv.detail.player
	if hv.detail.playerBox.Objects[0] != p.content() || hv.detail.thumbBox.Visible() {
		t.Fatal("the player is not at the top of the details")
	}

	// Choosing another video closes the first player.
	hv.list.Select(hv.model.indexOf(second.ID))
	h.loop.until(t, "the player of the second video", func() bool { return hv.detail.player != nil && hv.detail.player != p })
	if !p.isClosed() {
		t.Fatal("the first player is still open")
	}
	p.wait()

	// Stopping the UI (the window closing) stops the player and its ffmpeg.
	h.ui.cancel()
	h.ui.wg.Wait()
	hv.detail.player.wait()
	if pids := ffmpegChildren(t); len(pids) > 0 {
		t.Fatalf("ffmpeg processes left after the UI stopped: %v", pids)
	}
}

// fillsSurface reports whether frames of size f are the picture's size in
// v's surface: within it, and filling it but for rounding one way.
func fillsSurface(v *playerView, f image.Point) bool {
	s := v.surface.Size()
	w, h := int(s.Width), int(s.Height)
	return f.X <= w && f.Y <= h && (f.X >= w-2 || f.Y >= h-2)
}

// TestFullWindowDecodesAtTheLargerSize: a 1080p video, decoded at the
// picture's size in the panel, is decoded at its own size once the player
// fills a large window, and at the picture's size again when the window
// is dragged smaller. Sizes passed through while dragging are never
// decoded, and one ffmpeg runs at a time.
func TestFullWindowDecodesAtTheLargerSize(t *testing.T) {
	clip, info := testClip(t, 1920, 1080, 25, 1)
	u, loop, a := newPlayerUI(t)
	w := a.NewWindow("Player")
	leaks := goleak.IgnoreCurrent()

	v := newPlayerViewWith(u, clip, info, "", playback.Options{Audio: noSoundDevice{}})
	var sizes []image.Point // each new size of the frames shown, in turn
	v.hooks.shown = func(f *playback.Frame) {
		if s := f.Image.Rect.Size(); len(sizes) == 0 || sizes[len(sizes)-1] != s {
			sizes = append(sizes, s)
		}
	}
	panel := container.NewVBox(widget.NewLabel("A panel with the player on top"), v.content())
	w.SetContent(panel)
	w.Resize(fyne.NewSize(2000, 1400))
	loop.until(t, "the first frame", func() bool { return v.frame != nil && v.frame.Index == 0 })
	loop.until(t, "the controls", func() bool { return !v.playBtn.Disabled() })
	shown, fullHD := image.Pt(playerShownW, playerShownH), image.Pt(1920, 1080)
	if got := v.frame.Image.Rect.Size(); got != shown {
		t.Fatalf("in the panel frames are %v, want %v", got, shown)
	}

	test.Tap(v.fullBtn)
	loop.until(t, "frames of the video's own size", func() bool { return v.frame.Image.Rect.Size() == fullHD })
	if v.frame.Index != 0 {
		t.Fatalf("after the resize frame %d is on show, want 0", v.frame.Index)
	}
	if n := len(ffmpegChildren(t)); n != 1 {
		t.Fatalf("%d ffmpeg processes after the resize, want 1", n)
	}

	// Dragging the window's edge: only the size it ends at is decoded.
	for _, wd := range []float32{1800, 1700, 1500, 1400, 1366} {
		w.Resize(fyne.NewSize(wd, 800))
	}
	loop.until(t, "frames of the picture's size again", func() bool {
		return v.frame.Image.Rect.Size() != fullHD && fillsSurface(v, v.frame.Image.Rect.Size())
	})
	dragged := v.frame.Image.Rect.Size()
	if want := []image.Point{shown, fullHD, dragged}; !slices.Equal(sizes, want) {
		t.Fatalf("frame sizes shown in turn: %v, want %v", sizes, want)
	}
	if n := len(ffmpegChildren(t)); n != 1 {
		t.Fatalf("%d ffmpeg processes after the drag, want 1", n)
	}

	// Leaving the full window: the picture's size in the panel again.
	w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
	loop.until(t, "frames of the panel's picture again", func() bool { return v.frame.Image.Rect.Size() == shown })

	v.close()
	assertPlayersGone(t, loop, leaks, v)
}

// TestDetailDecodesAtThePicturesSize: the detail view's player decodes a
// video larger than its picture at the picture's size, which Fyne then
// draws as it is, not at the video's own size, which Fyne would scale
// down on the processor for every frame; in the full window it decodes
// larger again, and back in the panel smaller again.
func TestDetailDecodesAtThePicturesSize(t *testing.T) {
	mediatest.Need(t, "ffmpeg")
	h := newHarnessWith(t, apitest.Config{DemoClips: true})
	rec := h.downloadOne(t, "A fox in the snow")
	own := image.Pt(rec.Files[0].Media.Width, rec.Files[0].Media.Height)
	if own.X <= playerShownW || own.Y <= playerShownH {
		t.Fatalf("the demo clip is %v, want one larger than the picture", own)
	}
	hv := h.ui.library
	hv.list.Select(hv.model.indexOf(rec.ID))
	h.loop.until(t, "the player", func() bool { return hv.detail.player != nil && hv.detail.player.frame != nil })
	v := hv.detail.player
	var win fyne.Window
	for _, w := range h.ui.app.Driver().AllWindows() {
		if w.Canvas() == h.ui.app.Driver().CanvasForObject(v.surface) {
			win = w
		}
	}
	h.loop.until(t, "the controls", func() bool { return !v.playBtn.Disabled() })

	// The picture takes the room the panel gives it (less than its least
	// size once the note on sound shows), and the frames follow.
	h.loop.until(t, "frames of the picture's size", func() bool { return fillsSurface(v, v.frame.Image.Rect.Size()) })
	shown := v.frame.Image.Rect.Size()
	if shown.X > playerShownW || shown.Y > playerShownH {
		t.Fatalf("the detail view's frames are %v, want the picture's size in %v, at most %v×%v (the video is %v)",
			shown, v.surface.Size(), playerShownW, playerShownH, own)
	}
	if got := v.picture.Size(); got != fyne.NewSize(float32(shown.X), float32(shown.Y)) {
		t.Fatalf("the picture is %v, want it the frames' size %v", got, shown)
	}

	win.Resize(fyne.NewSize(1366, 768))
	test.Tap(v.fullBtn)
	h.loop.until(t, "larger frames in the full window", func() bool {
		f := v.frame.Image.Rect.Size()
		return f.X > shown.X && f.Y > shown.Y
	})
	if got := v.frame.Image.Rect.Size(); got != own {
		t.Fatalf("in the full window the frames are %v, want the video's own %v", got, own)
	}
	win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
	h.loop.until(t, "the picture's size again", func() bool {
		f := v.frame.Image.Rect.Size()
		return f.X <= playerShownW && f.Y <= playerShownH && fillsSurface(v, f)
	})
}

// testClip makes a w×h clip of ffmpeg's test picture, rate frames a second
// for seconds, in a temporary folder, and probes it; without ffmpeg the
// test is skipped.
func testClip(tb testing.TB, w, h, rate, seconds int) (string, media.Info) {
	tb.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		tb.Skip("ffmpeg is not installed")
	}
	clip := filepath.Join(tb.TempDir(), fmt.Sprintf("%dx%d.mp4", w, h))
	if out, err := exec.Command("ffmpeg", "-nostdin", "-loglevel", "error", "-y",
		"-f", "lavfi", "-i", fmt.Sprintf("testsrc2=s=%dx%d:r=%d:d=%d", w, h, rate, seconds),
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", clip).CombinedOutput(); err != nil {
		tb.Fatalf("making the %dx%d clip: %v: %s", w, h, err, out)
	}
	info, err := media.Probe(clip)
	if err != nil {
		tb.Fatal(err)
	}
	return clip, info
}

// assertPlayersGone waits for closed players to end and checks that they
// leave no ffmpeg process and no goroutine (besides leaks, those there
// before) behind.
func assertPlayersGone(t *testing.T, loop *uiLoop, leaks goleak.Option, players ...*playerView) {
	t.Helper()
	for _, v := range players {
		v.wait()
	}
	loop.pump()
	if pids := ffmpegChildren(t); len(pids) > 0 {
		t.Fatalf("ffmpeg processes left after close: %v", pids)
	}
	goleak.VerifyNone(t, leaks)
}

// TestStopWaitsForAPlayerClosedJustBefore: a player closed just before
// the UI stops (closing the window, then quitting) is ended by the time
// Stop returns: its ffmpeg processes and goroutines are gone without
// waiting on the player itself.
func TestStopWaitsForAPlayerClosedJustBefore(t *testing.T) {
	mediatest.Need(t, "ffmpeg")
	info, err := media.Probe(countedClip)
	if err != nil {
		t.Fatal(err)
	}
	leaks := goleak.IgnoreCurrent()
	u, loop, a := newPlayerUI(t)
	w := a.NewWindow("Player")
	v := newPlayerViewWith(u, countedClip, info, "", playback.Options{Audio: noSoundDevice{}})
	w.SetContent(v.content())
	w.Resize(fyne.NewSize(640, 480))
	loop.until(t, "the first frame", func() bool { return v.frame != nil })
	v.close()
	loop.stop(u) // as Stop does
	if pids := ffmpegChildren(t); len(pids) > 0 {
		t.Fatalf("ffmpeg processes left once Stop returned: %v", pids)
	}
	select {
	case <-v.ended:
	default:
		t.Fatal("the player's task had not ended when Stop returned")
	}
	goleak.VerifyNone(t, leaks)
}

// typeKey sends a key to the canvas of a window as the desktop driver does: to the
// focused widget, or, when none has the focus, to the window's own key
// handler.
func typeKey(c fyne.Canvas, name fyne.KeyName) {
	e := &fyne.KeyEvent{Name: name}
	if f := c.Focused(); f != nil {
		f.TypedKey(e)
		if name == fyne.KeySpace {
			f.TypedRune(' ')
		}
		return
	}
	if h := c.OnTypedKey(); h != nil {
		h(e)
	}
}

// TestSpacePlaysAndPausesTheDetailsPlayer: Space plays and pauses the
// detail view's player whether the list, the grid, a slider of the player
// or nothing has the focus, Enter on a row plays it, and neither key ever
// hands the video to another program; in a text field Space is a space.
func TestSpacePlaysAndPausesTheDetailsPlayer(t *testing.T) {
	mediatest.Need(t, "ffmpeg")
	h := newHarness(t, nil, true)
	var opened atomic.Int32
	h.ui.library.detail.actions.openFile = func(string) error { opened.Add(1); return nil }
	rec := h.downloadOne(t, "A fox in the snow")
	hv := h.ui.library
	w := h.ui.main
	c := w.Canvas()
	hv.list.Select(hv.model.indexOf(rec.ID))
	h.loop.until(t, "the player", func() bool { return hv.detail.player != nil && hv.detail.player.frame != nil })
	p := hv.detail.player
	h.loop.until(t, "the controls", func() bool { return !p.playBtn.Disabled() })
	p.onLoop() // the clip is short: it plays on until paused

	toggles := func(focus fyne.Focusable, where string) {
		t.Helper()
		if focus != nil {
			c.Focus(focus)
		} else {
			c.Unfocus()
		}
		typeKey(w.Canvas(), fyne.KeySpace)
		h.loop.until(t, "Space to play with "+where, func() bool { return p.playing })
		typeKey(w.Canvas(), fyne.KeySpace)
		h.loop.until(t, "Space to pause with "+where, func() bool { return !p.playing })
	}
	toggles(hv.list, "the list focused")
	toggles(nil, "nothing focused")
	toggles(p.scrub, "the scrubber focused")
	toggles(p.volume, "the volume focused")
	hv.setGridShown(true)
	toggles(hv.grid, "the grid focused")
	hv.setGridShown(false)

	// Enter on a row plays the video in the app, and only there.
	c.Focus(hv.list)
	typeKey(w.Canvas(), fyne.KeyReturn)
	h.loop.until(t, "Enter to play", func() bool { return p.playing })
	typeKey(w.Canvas(), fyne.KeyReturn)
	typeKey(w.Canvas(), fyne.KeySpace)
	h.loop.until(t, "Space to pause after Enter", func() bool { return !p.playing })

	// In a text field Space types a space.
	c.Focus(h.ui.compose.prompt)
	typeKey(w.Canvas(), fyne.KeySpace)
	if got := h.ui.compose.prompt.Text; got != " " {
		t.Fatalf("Space in the prompt typed %q, want a space", got)
	}

	// Whatever the keys asked for in the background has run by now.
	h.ui.cancel()
	h.ui.wg.Wait()
	if n := opened.Load(); n != 0 {
		t.Fatalf("the keys handed the video to another program %d times", n)
	}
}

// TestClockFollowsTheScrubberWhileDragged: while the scrubber is held,
// the time beside it is the scrubber's, whatever frames of earlier seeks
// (or of playing on) come in meanwhile; once let go, it follows the
// frames again.
func TestClockFollowsTheScrubberWhileDragged(t *testing.T) {
	mediatest.Need(t, "ffmpeg")
	u, loop, a := newPlayerUI(t)
	info, err := media.Probe(countedClip)
	if err != nil {
		t.Fatal(err)
	}
	w := a.NewWindow("Player")
	v := newPlayerViewWith(u, countedClip, info, "", playback.Options{Audio: noSoundDevice{}})
	defer v.close()
	w.SetContent(v.content())
	w.Resize(fyne.NewSize(640, 480))
	loop.until(t, "the first frame", func() bool { return v.frame != nil && v.frame.Index == 0 })
	loop.until(t, "the controls", func() bool { return !v.playBtn.Disabled() })

	// Held at about the middle, not let go.
	size := v.scrub.Size()
	v.scrub.Dragged(&fyne.DragEvent{PointEvent: fyne.PointEvent{Position: fyne.NewPos(size.Width/2, size.Height/2)}})
	held := time.Duration(v.scrub.Value * float64(time.Second))
	if held < 3*time.Second || held > 7*time.Second {
		t.Fatalf("the scrubber is held at %v, want about the middle of the 10 s clip", held)
	}
	want := playTimeText(held, info.Duration)
	if v.clock.Text != want {
		t.Fatalf("while dragged the clock says %q, want %q", v.clock.Text, want)
	}
	loop.until(t, "the frame where it is held", func() bool { return v.frame.PTS >= held-time.Second/10 && v.frame.PTS <= held })

	// A frame of an earlier seek comes in while it is still held.
	stale := &playback.Frame{Image: image.NewRGBA(image.Rect(0, 0, 160, 90)), PTS: time.Second}
	v.surface.onFrame(stale)
	loop.until(t, "the late frame", func() bool { return v.frame == stale })
	if v.clock.Text != want {
		t.Fatalf("while dragged, after a late frame, the clock says %q, want %q", v.clock.Text, want)
	}

	// Let go: the frames set the time again.
	v.scrub.DragEnd()
	loop.until(t, "the clock to follow the frames", func() bool {
		return v.frame != stale && v.clock.Text == playTimeText(v.frame.PTS, info.Duration)
	})
}

// TestMuteShowsOnTheVolumeSlider: muted, the volume slider stands at 0
// and the mute button shows a muted speaker; unmuted, the slider is back
// at its level. Moving the slider while muted unmutes.
func TestMuteShowsOnTheVolumeSlider(t *testing.T) {
	mediatest.Need(t, "ffmpeg")
	u, loop, a := newPlayerUI(t)
	info, err := media.Probe(countedClip)
	if err != nil {
		t.Fatal(err)
	}
	w := a.NewWindow("Player")
	v := newPlayerViewWith(u, countedClip, info, "", playback.Options{Audio: noSoundDevice{}})
	defer v.close()
	w.SetContent(v.content())
	w.Resize(fyne.NewSize(640, 480))
	loop.until(t, "the controls", func() bool { return !v.muteBtn.Disabled() })

	v.volume.SetValue(0.6)
	level := v.volume.Value
	test.Tap(v.muteBtn)
	if v.volume.Value != 0 || !v.muted {
		t.Fatalf("muted, the volume slider stands at %v (muted %v), want 0", v.volume.Value, v.muted)
	}
	if v.muteBtn.Icon != theme.VolumeMuteIcon() {
		t.Fatal("muted, the mute button does not show a muted speaker")
	}
	capture(t, w, "player-muted")
	test.Tap(v.muteBtn)
	if v.volume.Value != level || v.muted {
		t.Fatalf("unmuted, the volume slider stands at %v (muted %v), want %v", v.volume.Value, v.muted, level)
	}
	if v.muteBtn.Icon != theme.VolumeUpIcon() {
		t.Fatal("unmuted, the mute button still shows a muted speaker")
	}

	test.Tap(v.muteBtn)
	v.volume.SetValue(0.3)
	if v.muted || v.muteBtn.Icon != theme.VolumeUpIcon() {
		t.Fatal("moving the volume slider while muted left the sound muted")
	}
}
