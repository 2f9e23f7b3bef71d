package gui

import (
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/png" // thumbnails
	"os"
	"path/filepath"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/reelhouse/reelhouse/gui/playback"
	"github.com/reelhouse/reelhouse/history/media"
)

// Sentences of the player.
const (
	playerNoFFmpeg  = "Install FFmpeg to watch videos inside Reelhouse."
	playerNoSound   = "No sound device found — playing without sound."
	playerCannot    = "Reelhouse could not play this video."
	playerOpenOther = "Open in your video player"
)

const (
	// playerShown is the box the picture fills in the detail view.
	playerShownW, playerShownH = 480, 270
	// playerFullW/H caps the size frames are decoded at, however large the
	// view (the full window); below it frames are decoded at the size the
	// picture is shown at, and a video is never decoded larger than its
	// own size.
	playerFullW, playerFullH = 1920, 1080
	// playerResizeSettle is how long the view's size must stay put before
	// decoding starts again at a new size: dragging a window's edge does
	// not start ffmpeg over and over.
	playerResizeSettle = 300 * time.Millisecond
	// playerSizeSlack is how many pixels frames may be off the picture's
	// size, which the rounding to even sizes makes, and still be shown
	// at their own size.
	playerSizeSlack = 2
	// barePlayerMin is the least room a bare player's picture takes; it
	// grows with the room it is given.
	barePlayerMinW, barePlayerMinH = 240, 135
)

// playerView plays one video inside a window: the picture, play and
// pause, a scrubber, frame step, loop, mute and volume, and a full-window
// view. Without ffmpeg it shows the thumbnail and offers the system's
// player. Call close when it is no longer shown.
type playerView struct {
	ui    *UI
	path  string
	thumb string
	info  media.Info
	opts  playback.Options // ffmpeg and the sound device; tests replace them

	// bare shows the picture alone, for a view that drives the player with
	// controls of its own (Compare); hooks tell it what happens.
	bare  bool
	hooks playerHooks
	// useFrame, when set, is what "Use this frame" does with the time of
	// the frame on show.
	useFrame func(at time.Duration)

	// mu guards the fields below it, shared with the player's goroutine.
	mu        sync.Mutex
	player    *playback.Player
	closed    bool
	done      chan struct{}   // closed on close
	next      *playback.Frame // the newest frame not yet on show
	scheduled bool            // a call to showNext is on its way
	// work is the reading of the thumbnail and the opening of the player;
	// none starts once the view is closed (see goWork).
	work sync.WaitGroup
	// ended is closed once the player's task (run) is over: its work has
	// ended and the player is closed.
	ended chan struct{}

	// The rest is touched on the UI goroutine only.
	frame    *playback.Frame // the frame on show
	playing  bool
	dragging bool
	loop     bool
	muted    bool
	level    float64 // the volume to come back to when unmuted
	full     *fullWindow

	surface  *playerSurface
	picture  *canvas.Image
	playBtn  *widget.Button
	stepBtn  *widget.Button
	loopBtn  *widget.Button
	muteBtn  *widget.Button
	fullBtn  *widget.Button
	useBtn   *widget.Button
	volume   *playerSlider
	scrub    *playerSlider
	clock    *widget.Label
	notice   *widget.Label
	controls *fyne.Container
	fallback *fyne.Container
	box      *fyne.Container
}

// playerHooks tell a view that drives a bare player what it does. Each
// runs on the UI goroutine; any may be nil.
type playerHooks struct {
	opened func(err error)         // the player opened, or could not
	shown  func(f *playback.Frame) // a frame went on show
	status func(s playback.Status) // the player's state changed
	tapped func()                  // the picture was tapped, or Space typed on it
	// room is the size the picture will be shown at, for a view its
	// caller puts in its place only later (at its first frame).
	room func() fyne.Size
}

// fullWindow is what the window showed before the player filled it, and
// where the player was in it.
type fullWindow struct {
	win    fyne.Window
	old    fyne.CanvasObject
	oldKey func(*fyne.KeyEvent)
	pos    fyne.Position
	size   fyne.Size
}

// newPlayerView builds a player for the video at path; thumb is its
// thumbnail, shown until the first frame (and instead of the video when
// ffmpeg is missing). Decoding starts in the background.
func newPlayerView(u *UI, path string, info media.Info, thumb string) *playerView {
	return newPlayerViewWith(u, path, info, thumb, playback.Options{})
}

func newPlayerViewWith(u *UI, path string, info media.Info, thumb string, opts playback.Options) *playerView {
	v := buildPlayerView(u, path, info, thumb, opts)
	v.start()
	return v
}

// newBarePlayerView is a player showing the picture alone (and the
// thumbnail without ffmpeg), for a view that has controls of its own.
func newBarePlayerView(u *UI, path string, info media.Info, thumb string, opts playback.Options, hooks playerHooks) *playerView {
	v := buildPlayerView(u, path, info, thumb, opts)
	v.bare, v.hooks = true, hooks
	v.picture.SetMinSize(fyne.NewSize(barePlayerMinW, barePlayerMinH))
	v.box = container.NewStack(v.surface)
	v.start()
	return v
}

func buildPlayerView(u *UI, path string, info media.Info, thumb string, opts playback.Options) *playerView {
	v := &playerView{ui: u, path: path, thumb: thumb, info: info, opts: opts, done: make(chan struct{}), ended: make(chan struct{})}
	v.picture = canvas.NewImageFromImage(nil)
	v.picture.FillMode = canvas.ImageFillContain
	v.picture.SetMinSize(shownSize(info))
	v.surface = newPlayerSurface(v)

	v.playBtn = widget.NewButtonWithIcon("", theme.MediaPlayIcon(), v.onPlayPause)
	v.stepBtn = widget.NewButtonWithIcon("", theme.MediaSkipNextIcon(), v.onStep)
	v.loopBtn = widget.NewButtonWithIcon("", theme.MediaReplayIcon(), v.onLoop)
	v.loopBtn.Importance = widget.LowImportance
	v.muteBtn = widget.NewButtonWithIcon("", theme.VolumeUpIcon(), v.onMute)
	v.fullBtn = widget.NewButtonWithIcon("", theme.ViewFullScreenIcon(), v.onFullWindow)
	v.volume = newPlayerSlider(0, 1, v.onPlayPause)
	v.volume.Step = 0.05
	v.volume.Value = 1
	v.volume.OnChanged = v.onVolume
	v.scrub = newPlayerSlider(0, max(info.Duration.Seconds(), 0.01), v.onPlayPause)
	v.scrub.Step = 0.01
	v.scrub.OnChanged = v.onScrub
	v.scrub.OnChangeEnded = v.onScrubEnded
	v.clock = widget.NewLabel(playTimeText(0, info.Duration))
	v.useBtn = widget.NewButtonWithIcon(lang.L("Use this frame"), theme.MediaPhotoIcon(), v.onUseFrame)
	v.useBtn.Hide()
	v.notice = widget.NewLabel("")
	v.notice.Wrapping = fyne.TextWrapWord
	v.notice.Hide()

	volumeBox := container.NewGridWrap(fyne.NewSize(90, v.volume.MinSize().Height), v.volume)
	buttons := container.NewHBox(v.playBtn, v.stepBtn, v.loopBtn, v.muteBtn, volumeBox, v.fullBtn)
	// The scrubber has a row of its own, so it stays long in a narrow panel.
	// "Use this frame" has a row of its own too: the buttons fill a narrow
	// panel's row.
	v.controls = container.NewVBox(v.scrub, container.NewBorder(nil, nil, v.clock, buttons), container.NewHBox(v.useBtn))
	v.setControlsEnabled(false)

	openBtn := widget.NewButtonWithIcon(lang.L(playerOpenOther), theme.MediaPlayIcon(), v.onOpenElsewhere)
	why := widget.NewLabel(lang.L(playerNoFFmpeg))
	why.Wrapping = fyne.TextWrapWord
	install := widget.NewButton(lang.L("Install FFmpeg…"), func() { v.ui.showFFmpegInstall(v.ui.main) })
	v.fallback = container.NewVBox(container.NewCenter(openBtn), why, container.NewCenter(install))
	v.fallback.Hide()

	v.box = container.NewBorder(nil, container.NewVBox(v.controls, v.notice, v.fallback), nil, nil, v.surface)
	return v
}

// playerSlider is a slider of the player (the scrubber, the volume): it
// takes the focus when tapped, like any slider, and Space on it still
// plays and pauses, as everywhere outside a text field.
type playerSlider struct {
	widget.Slider
	space func()
}

func newPlayerSlider(lo, hi float64, space func()) *playerSlider {
	s := &playerSlider{space: space}
	s.Min, s.Max, s.Step = lo, hi, 1
	s.ExtendBaseWidget(s)
	return s
}

// TypedKey is part of fyne.Focusable.
func (s *playerSlider) TypedKey(e *fyne.KeyEvent) {
	if e.Name == fyne.KeySpace {
		s.space()
		return
	}
	s.Slider.TypedKey(e)
}

// shownSize is the size the picture takes in the detail view: the video's
// shape inside playerShownW×playerShownH.
func shownSize(info media.Info) fyne.Size {
	if info.Width <= 0 || info.Height <= 0 {
		return fyne.NewSize(playerShownW, playerShownH)
	}
	k := min(float32(playerShownW)/float32(info.Width), float32(playerShownH)/float32(info.Height))
	return fyne.NewSize(float32(info.Width)*k, float32(info.Height)*k)
}

// content is the player's widget tree.
func (v *playerView) content() fyne.CanvasObject { return v.box }

// start loads the thumbnail and opens the player, in the background.
// All of the player's work happens inside one task of the UI's (run), so
// Stop waits for it however the player ends, closed just before quitting
// too.
func (v *playerView) start() {
	if !v.ui.background(v.run) {
		v.shutdown() // the UI has stopped: nothing opens
		close(v.ended)
		return
	}
	if v.thumb != "" {
		v.goWork(func() {
			if img, err := readPicture(v.thumb); err == nil {
				v.ui.do(func() {
					if v.frame == nil && !v.isClosed() {
						v.surface.setPicture(img)
					}
				})
			}
		})
	}
	// The caller puts the view in its place once it is built; one turn
	// of the UI goroutine later it has the size the picture is shown at.
	v.ui.do(v.open)
}

// open opens the player, decoding at the size the picture is shown at:
// the view's, or, when it has none yet, the room its caller keeps for it,
// or the picture's least size.
func (v *playerView) open() {
	if v.isClosed() {
		return
	}
	opts := v.opts
	if !v.sizeFixed() {
		size := v.surface.Size()
		if (size.Width < 1 || size.Height < 1) && v.hooks.room != nil {
			size = v.hooks.room()
		}
		if size.Width < 1 || size.Height < 1 {
			size = v.picture.MinSize()
		}
		box := v.surface.decodeSize(size)
		opts.Width, opts.Height = box.X, box.Y
	}
	opts.OnFrame = v.surface.onFrame
	opts.OnStatus = func(s playback.Status) { v.ui.do(func() { v.onStatus(s) }) }
	v.goWork(func() {
		p, err := playback.Open(v.path, v.info, opts)
		v.mu.Lock()
		if v.closed && p != nil {
			v.mu.Unlock()
			p.Close()
			return
		}
		v.player = p
		v.mu.Unlock()
		v.ui.do(func() {
			v.onOpened(err)
			if err == nil && !v.isClosed() {
				v.noteOpened()
			}
		})
	})
}

// run is the player's task: once the view closes or the UI stops, it
// waits for the work in flight and closes the player, so its ffmpeg
// processes end and its goroutines return before Stop does.
func (v *playerView) run(ctx context.Context) {
	defer close(v.ended)
	v.ui.idleWhile(func() {
		select {
		case <-ctx.Done():
			v.shutdown()
		case <-v.done:
		}
	})
	v.work.Wait() // no work starts once the view is closed
	v.mu.Lock()
	p := v.player
	v.player = nil
	v.mu.Unlock()
	if p != nil {
		p.Close()
	}
}

// goWork runs fn in the background as part of the player's task; it does
// nothing once the view is closed, when run may be waiting for the work
// already started.
func (v *playerView) goWork(fn func()) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.closed {
		v.work.Go(fn)
	}
}

// readPicture reads a PNG or JPEG file.
func readPicture(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	return img, err
}

// onOpened shows the controls, or the way to play the video elsewhere.
func (v *playerView) onOpened(err error) {
	if v.isClosed() {
		return
	}
	if err != nil && !errors.Is(err, playback.ErrNoFFmpeg) {
		fyne.LogError("opening the player", err)
	}
	if v.bare {
		if v.hooks.opened != nil {
			v.hooks.opened(err)
		}
		return
	}
	if err != nil {
		v.showFallback(lang.L(playerNoFFmpeg))
	} else {
		v.setControlsEnabled(true)
	}
	if v.hooks.opened != nil {
		v.hooks.opened(err)
	}
}

// noteOpened keeps the size the player decodes at and catches up with the
// view's size, which may have changed while it opened.
func (v *playerView) noteOpened() {
	v.withPlayer(func(p *playback.Player) {
		w, h := p.Size()
		v.surface.decoded = image.Pt(w, h)
	})
	v.surface.onViewResized()
}

// sameFrameSize reports whether two sizes of frames differ only by the
// rounding to even sizes that the player's scaling does.
func sameFrameSize(a, b image.Point) bool {
	d := a.Sub(b)
	return max(d.X, -d.X) <= playerSizeSlack && max(d.Y, -d.Y) <= playerSizeSlack
}

// sizeFixed reports whether the caller chose the size frames are decoded
// at.
func (v *playerView) sizeFixed() bool { return v.opts.Width > 0 && v.opts.Height > 0 }

func (v *playerView) showFallback(sentence string) {
	v.controls.Hide()
	v.fallback.Objects[1].(*widget.Label).SetText(sentence)
	v.fallback.Show()
	v.box.Refresh()
}

func (v *playerView) setControlsEnabled(on bool) {
	for _, b := range []*widget.Button{v.playBtn, v.stepBtn, v.loopBtn, v.muteBtn, v.fullBtn, v.useBtn} {
		if on {
			b.Enable()
		} else {
			b.Disable()
		}
	}
	if on {
		v.scrub.Enable()
		v.volume.Enable()
	} else {
		v.scrub.Disable()
		v.volume.Disable()
	}
}

func (v *playerView) onStatus(s playback.Status) {
	if v.isClosed() {
		return
	}
	v.playing = s.Playing
	if v.hooks.status != nil {
		v.hooks.status(s)
	}
	if v.bare {
		if s.Err != nil {
			fyne.LogError("playing "+filepath.Base(v.path), s.Err)
		}
		return
	}
	if s.Playing {
		v.playBtn.SetIcon(theme.MediaPauseIcon())
	} else {
		v.playBtn.SetIcon(theme.MediaPlayIcon())
	}
	switch {
	case s.Err != nil:
		fyne.LogError("playing "+filepath.Base(v.path), s.Err)
		v.showFallback(lang.L(playerCannot))
	case s.NoSoundDevice:
		v.notice.SetText(lang.L(playerNoSound))
		v.notice.Show()
		v.box.Refresh()
	}
}

func (v *playerView) isClosed() bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.closed
}

// withPlayer calls fn with the player once it is open.
func (v *playerView) withPlayer(fn func(p *playback.Player)) {
	v.mu.Lock()
	p := v.player
	closed := v.closed
	v.mu.Unlock()
	if p != nil && !closed {
		fn(p)
	}
}

func (v *playerView) onPlayPause() {
	playing := v.playing
	v.withPlayer(func(p *playback.Player) {
		if playing {
			p.Pause()
		} else {
			p.Play()
		}
	})
}

// play plays from the frame on show; it does nothing while playing.
func (v *playerView) play() {
	if v.playing {
		return
	}
	v.withPlayer((*playback.Player).Play)
}

func (v *playerView) onStep() { v.withPlayer((*playback.Player).Step) }

func (v *playerView) onLoop() {
	v.loop = !v.loop
	setToggled(v.loopBtn, v.loop)
	on := v.loop
	v.withPlayer(func(p *playback.Player) { p.SetLoop(on) })
}

// setToggled shows whether a toggle button (loop, the compared video
// heard) is on.
func setToggled(b *widget.Button, on bool) {
	if on {
		b.Importance = widget.HighImportance
	} else {
		b.Importance = widget.LowImportance
	}
	b.Refresh()
}

// onMute mutes, or brings the sound back at the level it had. Muted, the
// volume slider shows nothing heard: it stands at 0.
func (v *playerView) onMute() {
	if v.muted {
		v.volume.Value = v.level
	} else {
		v.level = v.volume.Value
		v.volume.Value = 0
	}
	v.volume.Refresh() // not SetValue: the level itself does not change
	v.setMuted(!v.muted)
}

func (v *playerView) setMuted(on bool) {
	v.muted = on
	if on {
		v.muteBtn.SetIcon(theme.VolumeMuteIcon())
	} else {
		v.muteBtn.SetIcon(theme.VolumeUpIcon())
	}
	v.withPlayer(func(p *playback.Player) { p.SetMuted(on) })
}

// onVolume sets the level; moving the slider while muted unmutes, as the
// slider then shows a level heard.
func (v *playerView) onVolume(x float64) {
	if v.muted {
		v.setMuted(false)
	}
	v.withPlayer(func(p *playback.Player) { p.SetVolume(x) })
}

// onScrub seeks while the scrubber is dragged; the player keeps only the
// latest seek it has not started, so dragging cannot pile work up.
func (v *playerView) onScrub(x float64) {
	v.dragging = true
	at := time.Duration(x * float64(time.Second))
	v.clock.SetText(playTimeText(at, v.info.Duration))
	v.withPlayer(func(p *playback.Player) { p.Seek(at) })
}

func (v *playerView) onScrubEnded(x float64) {
	v.dragging = false
	at := time.Duration(x * float64(time.Second))
	v.withPlayer(func(p *playback.Player) { p.Seek(at) })
}

// setUseFrame shows "Use this frame", which calls use with the time of
// the frame on show; nil hides it.
func (v *playerView) setUseFrame(use func(at time.Duration)) {
	v.useFrame = use
	if use != nil {
		v.useBtn.Show()
	} else {
		v.useBtn.Hide()
	}
}

// onUseFrame starts a new prompt from the frame on show.
func (v *playerView) onUseFrame() {
	if v.frame == nil || v.useFrame == nil {
		return
	}
	v.useFrame(v.frame.PTS)
}

// onFullWindow shows the player alone, filling its window; Esc or the
// same button brings the window back.
func (v *playerView) onFullWindow() {
	if v.full != nil {
		v.leaveFullWindow()
		return
	}
	c := v.ui.app.Driver().CanvasForObject(v.box)
	var win fyne.Window
	for _, w := range v.ui.app.Driver().AllWindows() {
		if w.Canvas() == c {
			win = w
		}
	}
	if win == nil {
		return
	}
	v.full = &fullWindow{win: win, old: win.Content(), oldKey: c.OnTypedKey(), pos: v.box.Position(), size: v.box.Size()}
	win.SetContent(v.box)
	c.SetOnTypedKey(func(e *fyne.KeyEvent) {
		switch e.Name {
		case fyne.KeyEscape:
			v.leaveFullWindow()
		case fyne.KeySpace:
			v.onPlayPause()
		}
	})
	c.Focus(v.surface)
	v.picture.SetMinSize(fyne.NewSize(1, 1)) // let the picture take the window
	v.fullBtn.SetIcon(theme.ViewRestoreIcon())
}

func (v *playerView) leaveFullWindow() {
	f := v.full
	if f == nil {
		return
	}
	v.full = nil
	f.win.Canvas().SetOnTypedKey(f.oldKey)
	v.picture.SetMinSize(shownSize(v.info))
	f.win.SetContent(f.old)
	// The panel's layout is as it was, so it need not lay the player out
	// again: put it back where it was (and the frames follow its size).
	v.box.Move(f.pos)
	v.box.Resize(f.size)
	f.old.Refresh()
	v.fullBtn.SetIcon(theme.ViewFullScreenIcon())
}

// onOpenElsewhere hands the video to the system's player, saying so in a
// dialog, with "Show in folder", where there is none.
func (v *playerView) onOpenElsewhere() {
	if v.ui.library != nil {
		v.ui.library.detail.actions.openPath(v.path, false)
	}
}

// close stops the player: its ffmpeg processes end and its goroutines
// return, in the background (run); wait reports when they have.
func (v *playerView) close() {
	v.leaveFullWindow()
	if v.surface.settle != nil {
		v.surface.settle.Stop()
	}
	v.shutdown()
}

// shutdown marks the view closed, which ends its task (run). It may be
// called from any goroutine.
func (v *playerView) shutdown() {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed {
		return
	}
	v.closed = true
	close(v.done)
	v.next.Release()
	v.next = nil
}

// wait returns once the player's background work has ended and the
// player is closed.
func (v *playerView) wait() { <-v.ended }

// playTimeText is "0:03 / 0:10".
func playTimeText(at, total time.Duration) string {
	return minSec(at) + " / " + minSec(total)
}

func minSec(d time.Duration) string {
	s := int(max(d, 0) / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}
