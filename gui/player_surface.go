package gui

import (
	"image"
	"math"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/reelhouse/reelhouse/gui/playback"
)

// playerSurface shows the picture. It takes the keyboard focus when tapped
// (which also plays or pauses), so that Space plays and pauses and Esc
// leaves the full-window view.
type playerSurface struct {
	widget.BaseWidget
	v *playerView

	// The frames' size, on the UI goroutine only: decoded is what the
	// player was asked for (zero until it is open), want what the
	// surface's size asks for; settle fires once that size stayed put.
	// Where the caller chose the size (Options.Width and Height,
	// sizeFixed), the frames keep it.
	decoded, want image.Point
	settle        *time.Timer
}

func newPlayerSurface(v *playerView) *playerSurface {
	s := &playerSurface{v: v}
	s.ExtendBaseWidget(s)
	return s
}

// onViewResized follows the picture's size: when the frames would be best
// decoded at another size (the window or the panel grew or shrank, the
// full window came or went), decoding starts again at that size once the
// view's size has stayed put for playerResizeSettle. Fyne draws a frame
// of the picture's size as it is, but scales one of any other size, on
// the processor, for each frame: even a few pixels off costs that.
func (s *playerSurface) onViewResized() {
	if s.decoded == (image.Point{}) || s.v.sizeFixed() {
		return // not open yet (noteOpened calls again), or not to follow
	}
	size := s.Size()
	if size.Width < 1 || size.Height < 1 {
		return // not laid out, or hidden: nothing to fit
	}
	want := s.decodeSize(size)
	if sameFrameSize(want, s.decoded) {
		s.want = s.decoded
		if s.settle != nil {
			s.settle.Stop()
		}
		return
	}
	s.want = want
	if s.settle == nil {
		s.settle = time.AfterFunc(playerResizeSettle, func() { s.v.ui.do(s.onResizeSettled) })
	} else {
		s.settle.Reset(playerResizeSettle)
	}
}

// onResizeSettled has the player decode at the size the view asks for.
func (s *playerSurface) onResizeSettled() {
	if s.v.isClosed() || s.want == s.decoded || s.want == (image.Point{}) {
		return
	}
	s.decoded = s.want
	want := s.want
	s.v.withPlayer(func(p *playback.Player) { p.Resize(want.X, want.Y) })
}

// decodeSize is the size frames are best decoded at for a picture of the
// given size: the video fitted into its pixels (at most
// playerFullW×playerFullH), but no larger than the video. A video of
// unknown size is decoded at the box, where ffmpeg fits it.
func (s *playerSurface) decodeSize(size fyne.Size) image.Point {
	scale := s.pixelScale()
	boxW := max(2, min(math.Round(float64(size.Width*scale)), playerFullW))
	boxH := max(2, min(math.Round(float64(size.Height*scale)), playerFullH))
	nat := image.Pt(s.v.info.Width, s.v.info.Height)
	if nat.X <= 0 || nat.Y <= 0 {
		return image.Pt(int(boxW), int(boxH))
	}
	k := min(1, boxW/float64(nat.X), boxH/float64(nat.Y))
	return image.Pt(max(2, int(math.Round(float64(nat.X)*k))), max(2, int(math.Round(float64(nat.Y)*k))))
}

// pixelScale is the number of screen pixels to a unit of the picture's
// size: the canvas's scale, times the screen's own (a Retina screen's 2).
// Before the picture is in a window it is that of one of the app's
// windows, where it will be shown.
func (s *playerSurface) pixelScale() float32 {
	d := s.v.ui.app.Driver()
	c := d.CanvasForObject(s)
	if c == nil {
		if wins := d.AllWindows(); len(wins) > 0 {
			c = wins[0].Canvas()
		}
	}
	if c == nil {
		return 1
	}
	const unit = 1000
	px, _ := c.PixelCoordinateForPosition(fyne.NewPos(unit, unit))
	if px <= 0 {
		return 1
	}
	return float32(px) / unit
}

// onFrame runs on the player's goroutine. Only the newest frame waits for
// the UI: one that arrives before the last was shown replaces it.
func (s *playerSurface) onFrame(f *playback.Frame) {
	s.v.mu.Lock()
	if s.v.closed { // a frame decoded while the player closes
		s.v.mu.Unlock()
		f.Release()
		return
	}
	s.v.next.Release()
	s.v.next = f
	schedule := !s.v.scheduled
	s.v.scheduled = true
	s.v.mu.Unlock()
	if schedule {
		s.v.ui.do(s.showNext)
	}
}

func (s *playerSurface) showNext() {
	s.v.mu.Lock()
	f := s.v.next
	s.v.next, s.v.scheduled = nil, false
	closed := s.v.closed
	s.v.mu.Unlock()
	if f == nil {
		return
	}
	if closed {
		f.Release()
		return
	}
	old := s.v.frame
	s.v.frame = f
	s.setPicture(f.Image)
	old.Release()
	// While the scrubber is held, it and the clock show where it is held:
	// frames of earlier seeks, or of playing on, come in meanwhile.
	if !s.v.dragging {
		s.v.scrub.Value = min(f.PTS.Seconds(), s.v.scrub.Max)
		s.v.scrub.Refresh()
		s.v.clock.SetText(playTimeText(f.PTS, s.v.info.Duration))
	}
	if s.v.hooks.shown != nil {
		s.v.hooks.shown(f)
	}
}

// setPicture puts img on show, laying the picture out again when its size
// changed.
func (s *playerSurface) setPicture(img image.Image) {
	var was image.Point
	if s.v.picture.Image != nil {
		was = s.v.picture.Image.Bounds().Size()
	}
	s.v.picture.Image = img
	if img.Bounds().Size() != was {
		s.Refresh()
		return
	}
	s.v.picture.Refresh()
}

// Resize is part of fyne.CanvasObject: the frames follow the picture's size.
func (s *playerSurface) Resize(size fyne.Size) {
	if size == s.Size() {
		return
	}
	s.BaseWidget.Resize(size)
	s.onViewResized()
}

func (s *playerSurface) CreateRenderer() fyne.WidgetRenderer {
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameShadow))
	return &playerSurfaceRenderer{s: s, bg: bg, objects: []fyne.CanvasObject{bg, s.v.picture}}
}

// playerSurfaceRenderer lays the picture out over a dark background.
type playerSurfaceRenderer struct {
	s       *playerSurface
	bg      *canvas.Rectangle
	objects []fyne.CanvasObject
}

func (r *playerSurfaceRenderer) Layout(size fyne.Size) {
	r.bg.Move(fyne.NewPos(0, 0))
	r.bg.Resize(size)
	pos, sz := r.s.pictureRect(size)
	r.s.v.picture.Move(pos)
	r.s.v.picture.Resize(sz)
}

func (r *playerSurfaceRenderer) MinSize() fyne.Size { return r.s.v.picture.MinSize() }

func (r *playerSurfaceRenderer) Refresh() {
	r.bg.FillColor = theme.Color(theme.ColorNameShadow)
	r.bg.Refresh()
	r.Layout(r.s.Size())
	r.s.v.picture.Refresh()
}

func (r *playerSurfaceRenderer) Objects() []fyne.CanvasObject { return r.objects }
func (r *playerSurfaceRenderer) Destroy()                     {}

// pictureRect is where the picture goes in a surface of the given size:
// the image on show, as large as the surface allows keeping its shape,
// centred on a whole pixel. An image within a pixel or two of that is
// shown at its own size: Fyne then draws it as it is, where any other
// size has the processor scale each frame.
func (s *playerSurface) pictureRect(size fyne.Size) (fyne.Position, fyne.Size) {
	img := s.v.picture.Image
	if img == nil || img.Bounds().Empty() || size.Width <= 0 || size.Height <= 0 {
		return fyne.NewPos(0, 0), size
	}
	px := img.Bounds().Size()
	k := min(size.Width/float32(px.X), size.Height/float32(px.Y))
	fit := fyne.NewSize(float32(px.X)*k, float32(px.Y)*k)
	scale := s.pixelScale()
	own := fyne.NewSize(float32(px.X)/scale, float32(px.Y)/scale)
	if own.Width <= size.Width && own.Height <= size.Height &&
		(fit.Width-own.Width)*scale <= playerSizeSlack && (fit.Height-own.Height)*scale <= playerSizeSlack {
		fit = own
	}
	snap := func(x float32) float32 { return float32(math.Floor(float64(x*scale))) / scale }
	return fyne.NewPos(snap((size.Width-fit.Width)/2), snap((size.Height-fit.Height)/2)), fit
}

func (s *playerSurface) Tapped(*fyne.PointEvent) {
	// A bare player leaves the keys to its window, which drives it.
	if c := fyne.CurrentApp().Driver().CanvasForObject(s); c != nil && !s.v.bare {
		c.Focus(s)
	}
	s.onTapped()
}

// onTapped plays or pauses, or, in a bare player, tells its view.
func (s *playerSurface) onTapped() {
	if !s.v.bare {
		s.v.onPlayPause()
	} else if s.v.hooks.tapped != nil {
		s.v.hooks.tapped()
	}
}

// FocusGained, FocusLost and TypedRune make the surface focusable.
func (s *playerSurface) FocusGained()   {}
func (s *playerSurface) FocusLost()     {}
func (s *playerSurface) TypedRune(rune) {}

func (s *playerSurface) TypedKey(e *fyne.KeyEvent) {
	switch e.Name {
	case fyne.KeySpace:
		s.onTapped()
	case fyne.KeyEscape:
		s.v.leaveFullWindow()
	case fyne.KeyRight:
		if !s.v.bare {
			s.v.onStep()
		}
	}
}
