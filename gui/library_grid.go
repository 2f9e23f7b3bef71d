package gui

// This file shows the library as a grid of thumbnails, the other way to
// see the library model's records beside the list. Tiles are recycled as the grid
// scrolls: each loads its picture through the thumbnail cache and drops
// it if the tile shows another video by the time it arrives.

import (
	"context"
	"image"
	"image/color"
	"image/draw"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/reelhouse/reelhouse/history/media"
	"github.com/reelhouse/reelhouse/history/store"
)

// settingGridView keeps whether the library shows the grid.
const settingGridView = "libraryGrid"

// tilePictureSize is the picture of a grid tile, 16:9.
var tilePictureSize = fyne.NewSize(192, 108)

// thumbSlot is the picture of a row or tile: the thumbnail of the record
// it is bound to, or nothing (the placeholder behind it shows) while that
// loads.
type thumbSlot struct {
	cache *thumbCache
	pic   *canvas.Image
	id    int64        // the record bound, on the UI goroutine
	gen   atomic.Int64 // changes with each new record, for loads to check from their goroutine
	path  string
	img   image.Image // the thumbnail of id, once loaded
	// covered is set while the picture shows something else (a frame of
	// the filmstrip); a thumbnail arriving then waits in img.
	covered bool
}

func newThumbSlot(cache *thumbCache, size fyne.Size) *thumbSlot {
	pic := canvas.NewImageFromImage(nil)
	pic.FillMode = canvas.ImageFillContain
	pic.ScaleMode = canvas.ImageScaleFastest
	pic.SetMinSize(size)
	return &thumbSlot{cache: cache, pic: pic}
}

// bind shows the thumbnail at path of record id, loading it when the
// cache does not have it.
func (s *thumbSlot) bind(id int64, path string) {
	if id != s.id || path != s.path {
		s.id, s.path = id, path
		s.gen.Add(1)
		s.set(nil)
	}
	if path == "" {
		return
	}
	img, fresh := s.cache.get(path)
	if img != nil {
		s.set(img)
	}
	if fresh {
		return
	}
	gen := s.gen.Load()
	s.cache.load(path, thumbRequest{
		live: func() bool { return s.gen.Load() == gen },
		then: func(img image.Image) {
			if s.id == id && s.path == path { // the slot was not recycled meanwhile
				s.set(img)
			}
		},
	})
}

func (s *thumbSlot) set(img image.Image) {
	if img == s.img && (s.covered || s.pic.Image == img) {
		return
	}
	s.img = img
	if !s.covered {
		s.pic.Image = img
		s.pic.Refresh()
	}
}

// libraryTile is one video in the grid: its picture, which scrubs through
// the filmstrip under the mouse, the prompt's first words, its length, a
// heart for favourites and its state while it is being made.
type libraryTile struct {
	widget.BaseWidget
	pickable
	cells *libraryCells
	thumb *thumbSlot

	stripPath string
	strip     image.Image // the filmstrip of the bound record, once loaded
	// frames are the strip's frames, each a picture of its own, made
	// when first shown (see frameImage).
	frames  [media.StripFrames]image.Image
	file    store.File // the bound record's first video, when hasFile
	hasFile bool
	// stripAsked is the thumbnail slot's gen when the strip was last asked
	// to be made: once per binding.
	stripAsked int64
	frame      int // the strip frame on show; -1: the thumbnail
	hovered    bool
	mouseX     float32

	back   *canvas.Rectangle // shows the tile is picked
	prompt *widget.Label
	length *canvas.Text
	heart  *canvas.Text
	badge  *canvas.Text
	// the chips behind the texts above
	lengthBox, heartBox, badgeBox *fyne.Container
	bar                           *widget.ProgressBar
	content                       fyne.CanvasObject
}

var (
	_ desktop.Hoverable   = (*libraryTile)(nil)
	_ desktop.Mouseable   = (*libraryTile)(nil)
	_ fyne.Tappable       = (*libraryTile)(nil)
	_ fyne.CanvasObject   = (*libraryTile)(nil)
	_ fyne.WidgetRenderer = (*libraryTileRenderer)(nil)
)

// chipText is light text on a dark chip, readable on any picture.
func chipText(size float32) (*canvas.Text, *fyne.Container) {
	t := canvas.NewText("", color.White)
	t.TextSize = size
	t.TextStyle.Bold = true
	bg := canvas.NewRectangle(color.NRGBA{A: 0xa0})
	bg.CornerRadius = 4
	return t, container.NewStack(bg, container.New(layout.NewCustomPaddedLayout(1, 1, 4, 4), t))
}

func newLibraryTile(c *libraryCells) *libraryTile {
	t := &libraryTile{cells: c, thumb: newThumbSlot(c.thumbs, tilePictureSize), frame: -1}
	t.onTap = func(mods fyne.KeyModifier) { c.onTap(t.thumb.id, mods) }
	t.back = canvas.NewRectangle(theme.Color(theme.ColorNameSelection))
	t.back.CornerRadius = theme.SelectionRadiusSize()
	t.back.Hide()
	holder := canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground))
	holder.CornerRadius = 4
	t.prompt = widget.NewLabel("")
	t.prompt.Truncation = fyne.TextTruncateEllipsis
	t.length, t.lengthBox = chipText(theme.CaptionTextSize())
	t.heart, t.heartBox = chipText(theme.TextSize())
	t.heart.Color = color.NRGBA{R: 0xff, G: 0x5a, B: 0x6e, A: 0xff}
	t.badge, t.badgeBox = chipText(theme.CaptionTextSize())
	t.bar = widget.NewProgressBar()
	t.bar.Hide()
	t.lengthBox.Hide()
	t.heartBox.Hide()
	t.badgeBox.Hide()
	corners := container.NewBorder(
		container.NewHBox(t.badgeBox, layout.NewSpacer(), t.heartBox),
		container.NewVBox(container.NewHBox(layout.NewSpacer(), t.lengthBox), t.bar),
		nil, nil)
	picture := container.NewStack(holder, t.thumb.pic, container.NewPadded(corners))
	t.content = container.NewStack(t.back, container.NewPadded(container.NewBorder(nil, t.prompt, nil, nil, picture)))
	t.ExtendBaseWidget(t)
	return t
}

// CreateRenderer is part of fyne.Widget.
func (t *libraryTile) CreateRenderer() fyne.WidgetRenderer {
	return &libraryTileRenderer{t: t}
}

type libraryTileRenderer struct{ t *libraryTile }

func (r *libraryTileRenderer) Layout(s fyne.Size)           { r.t.content.Resize(s) }
func (r *libraryTileRenderer) MinSize() fyne.Size           { return r.t.content.MinSize() }
func (r *libraryTileRenderer) Refresh()                     { r.t.content.Refresh() }
func (r *libraryTileRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.t.content} }
func (r *libraryTileRenderer) Destroy()                     {}

// bind shows record r on the tile.
func (t *libraryTile) bind(r store.Record) {
	v := t.cells
	if r.ID != t.thumb.id {
		t.setStrip(nil)
		t.stripPath = ""
		t.showFrame(-1)
	}
	t.stripPath = v.stripPath(r)
	t.hasFile = len(r.Files) > 0
	if t.hasFile {
		t.file = r.Files[0]
	}
	t.thumb.bind(r.ID, v.thumbPath(r))

	t.prompt.SetText(displayName(r))
	setOverlay(t.length, t.lengthBox, lengthText(r))
	heart := ""
	if r.Favourite {
		heart = "★" // as in the list
	}
	setOverlay(t.heart, t.heartBox, heart)
	badge := v.wait.rowStatus(r)
	if r.State == store.StateSuccess && r.Download == store.DownloadDone && !missing(r) {
		badge = "" // the usual case needs no word
	}
	setOverlay(t.badge, t.badgeBox, badge)
	if p, ok := v.wait.downloading(r); ok {
		t.bar.SetValue(p)
		t.bar.Show()
	} else {
		t.bar.Hide()
	}
	if v.m.isPicked(r) {
		t.back.Show()
	} else {
		t.back.Hide()
	}
	t.content.Refresh()
}

// setOverlay sets the text of an overlay chip, hiding the chip when empty.
func setOverlay(t *canvas.Text, chip *fyne.Container, s string) {
	t.Text = s
	if s == "" {
		chip.Hide()
		return
	}
	chip.Show()
	t.Refresh()
}

// lengthText is how long r's first video runs: "0:08".
func lengthText(r store.Record) string {
	switch {
	case len(r.Files) > 0 && r.Files[0].Media.Duration > 0:
		return clockText(r.Files[0].Media.Duration)
	case r.Request.Duration > 0 && r.State == store.StateSuccess:
		return clockText(time.Duration(r.Request.Duration) * time.Second)
	}
	return ""
}

// setStrip makes img the tile's filmstrip, its frames to be made anew.
func (t *libraryTile) setStrip(img image.Image) {
	t.strip, t.frames = img, [media.StripFrames]image.Image{}
}

// MouseIn is part of desktop.Hoverable: the filmstrip is read, if not yet,
// to scrub through.
func (t *libraryTile) MouseIn(e *desktop.MouseEvent) {
	t.hovered = true
	t.mouseX = e.Position.X
	if t.strip != nil || t.stripPath == "" {
		t.scrub()
		return
	}
	t.loadStrip()
}

// loadStrip reads the filmstrip of the bound video through the cache, or
// has it made when the file is missing.
func (t *libraryTile) loadStrip() {
	id, path := t.thumb.id, t.stripPath
	img, fresh := t.cells.thumbs.get(path)
	if img != nil {
		t.setStrip(img)
		t.scrub()
	}
	if fresh {
		if img == nil {
			t.makeStrip() // known to be missing
		}
		return
	}
	gen := t.thumb.gen.Load()
	t.cells.thumbs.load(path, thumbRequest{
		live: func() bool { return t.thumb.gen.Load() == gen },
		then: func(img image.Image) {
			if t.thumb.id != id || t.stripPath != path {
				return
			}
			if img == nil {
				t.makeStrip()
				return
			}
			t.setStrip(img)
			if t.hovered {
				t.scrub()
			}
		},
	})
}

// makeStrip has the filmstrip of the bound video made in the background,
// once for each time the tile is bound to it: a video downloaded before
// filmstrips existed has none. The library makes one strip at a time and
// remembers those it could not make (no ffmpeg), so asking costs nothing
// then.
func (t *libraryTile) makeStrip() {
	lib := t.cells.m.ui.deps.Library
	gen := t.thumb.gen.Load()
	if lib == nil || !t.hasFile || t.stripAsked == gen {
		return
	}
	t.stripAsked = gen
	f, path := t.file, t.stripPath
	t.cells.m.ui.background(func(ctx context.Context) {
		if _, err := lib.EnsureStrip(ctx, f); err != nil {
			return // the thumbnail stands alone
		}
		t.cells.m.ui.do(func() {
			t.cells.thumbs.markStale(path)
			if t.thumb.gen.Load() == gen && t.stripPath == path {
				t.loadStrip()
			}
		})
	})
}

// MouseMoved is part of desktop.Hoverable: the frame under the mouse
// follows its position across the tile.
func (t *libraryTile) MouseMoved(e *desktop.MouseEvent) {
	t.mouseX = e.Position.X
	if t.hovered {
		t.scrub()
	} else {
		t.MouseIn(e)
	}
}

// MouseOut is part of desktop.Hoverable: the thumbnail comes back.
func (t *libraryTile) MouseOut() {
	t.hovered = false
	t.showFrame(-1)
}

// scrub shows the frame of the filmstrip under the mouse.
func (t *libraryTile) scrub() {
	w := t.Size().Width
	if t.strip == nil || w <= 0 {
		return
	}
	k := int(t.mouseX / w * media.StripFrames)
	t.showFrame(min(max(k, 0), media.StripFrames-1))
}

// showFrame shows frame k of the filmstrip, or the thumbnail when k < 0.
func (t *libraryTile) showFrame(k int) {
	if k == t.frame {
		return
	}
	t.frame = k
	s := t.thumb
	sub, ok := t.strip.(interface {
		SubImage(image.Rectangle) image.Image
	})
	if k < 0 || !ok {
		t.frame = -1
		s.covered = false
		s.pic.Image = s.img
		s.pic.Refresh()
		return
	}
	if t.frames[k] == nil {
		b := t.strip.Bounds()
		fw := b.Dx() / media.StripFrames
		t.frames[k] = frameImage(sub.SubImage(image.Rect(b.Min.X+k*fw, b.Min.Y, b.Min.X+(k+1)*fw, b.Max.Y)))
	}
	s.covered = true
	s.pic.Image = t.frames[k]
	s.pic.Refresh()
}

// libraryGrid is the library's grid, with the keys that move the
// selection.
type libraryGrid struct {
	widget.GridWrap
	m     *libraryModel
	bound boundItems
	// move moves the selection by rows; onKey handles the keys the grid
	// shares with the list and reports whether it did.
	move  func(by int)
	onKey func(e *fyne.KeyEvent) bool
}

// RefreshItem draws tile i again, and only it: Fyne's GridWrap.RefreshItem
// refreshes the whole grid.
func (g *libraryGrid) RefreshItem(i widget.GridWrapItemID) {
	if o := g.bound.object(i); o != nil {
		g.UpdateItem(i, o)
	}
}

// newLibraryGrid is the grid of tiles over the model's records, drawn by
// cells; move and onKey are the keys it shares with the list.
func newLibraryGrid(cells *libraryCells, move func(by int), onKey func(e *fyne.KeyEvent) bool) *libraryGrid {
	v := cells.m
	g := &libraryGrid{m: v, move: move, onKey: onKey}
	g.Length = func() int { return len(v.records) }
	g.CreateItem = func() fyne.CanvasObject { return newLibraryTile(cells) }
	g.UpdateItem = func(i widget.GridWrapItemID, o fyne.CanvasObject) {
		g.bound.bind(i, o)
		if i < len(v.records) {
			o.(*libraryTile).bind(v.records[i])
		}
	}
	g.ExtendBaseWidget(g)
	g.OnSelected = func(i widget.GridWrapItemID) {
		if i < len(v.records) && v.records[i].ID != v.selected {
			v.selectRow(i)
		}
	}
	v.watch(libraryWatcher{
		rows: func() {
			if g.Visible() { // the list draws itself when it is on show
				g.Refresh()
			}
		},
		row: func(i int) {
			if g.Visible() {
				g.RefreshItem(i)
			}
		},
		unselect:    g.UnselectAll,
		rowSelected: g.Select,
	})
	return g
}

// TypedKey is part of fyne.Focusable: the arrows move the selection (not
// only the focus ring); Enter, Space and Delete do what they do in the
// list (see libraryView.onListKey).
func (g *libraryGrid) TypedKey(e *fyne.KeyEvent) {
	switch e.Name {
	case fyne.KeyLeft:
		g.move(-1)
	case fyne.KeyRight:
		g.move(1)
	case fyne.KeyUp:
		g.move(-max(g.ColumnCount(), 1))
	case fyne.KeyDown:
		g.move(max(g.ColumnCount(), 1))
	default:
		if !g.onKey(e) {
			g.GridWrap.TypedKey(e)
		}
	}
}

// frameImage is a frame of a filmstrip as a picture of its own, starting
// at (0, 0): Fyne's OpenGL painter drew a part of a larger picture as a
// blank grey box.
func frameImage(frame image.Image) image.Image {
	b := frame.Bounds()
	out := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(out, out.Bounds(), frame, b.Min, draw.Src)
	return out
}
