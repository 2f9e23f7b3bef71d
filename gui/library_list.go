package gui

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/reelhouse/reelhouse/history/store"
)

// libraryList is the library's list, with the keys that act on the
// selected video.
type libraryList struct {
	widget.List
	// onKey handles a key first; it reports whether it did.
	onKey func(e *fyne.KeyEvent) bool
	bound boundItems
}

// newLibraryList is the list of the model's records, drawn by cells.
func newLibraryList(cells *libraryCells) *libraryList {
	m := cells.m
	l := &libraryList{}
	l.Length = func() int { return len(m.records) }
	l.CreateItem = func() fyne.CanvasObject { return newLibraryRow(cells) }
	l.UpdateItem = func(i widget.ListItemID, o fyne.CanvasObject) {
		l.bound.bind(i, o)
		if i < len(m.records) {
			o.(*libraryRow).bind(m.records[i])
		}
	}
	l.ExtendBaseWidget(l)
	l.OnSelected = m.onRowSelected
	m.watch(libraryWatcher{
		rows: func() {
			if l.Visible() { // the grid draws itself when it is on show
				l.Refresh()
			}
		},
		row: func(i int) {
			if l.Visible() {
				l.RefreshItem(i)
			}
		},
		unselect:  l.UnselectAll,
		selectRow: l.Select,
	})
	return l
}

// libraryCells is what a row of the list or a tile of the grid needs: the
// model it shows, the words for a video on its way, the thumbnails, and
// what a click on it does.
type libraryCells struct {
	m      *libraryModel
	wait   *libraryWait
	thumbs *thumbCache
	onTap  func(id int64, mods fyne.KeyModifier)
}

// thumbPath is the thumbnail of a record's first video, or "".
func (c *libraryCells) thumbPath(r store.Record) string {
	lib := c.m.ui.deps.Library
	if len(r.Files) == 0 || lib == nil {
		return ""
	}
	return lib.ThumbnailPath(r.Files[0])
}

// stripPath is the filmstrip of a record's first video, or "".
func (c *libraryCells) stripPath(r store.Record) string {
	lib := c.m.ui.deps.Library
	if len(r.Files) == 0 || lib == nil {
		return ""
	}
	return lib.StripPath(r.Files[0])
}

// RefreshItem draws row i again, and only it: Fyne's List.RefreshItem
// refreshes the whole list, which updates every visible row.
func (l *libraryList) RefreshItem(i widget.ListItemID) {
	if o := l.bound.object(i); o != nil {
		l.UpdateItem(i, o)
	}
}

// boundItems remembers which object of a list or grid last showed each
// item, so that one item can be drawn again on its own. An object no
// longer on screen may still be remembered; drawing it again is harmless.
// Only the UI goroutine uses it.
type boundItems struct {
	objects map[int]fyne.CanvasObject
	items   map[fyne.CanvasObject]int
}

func (b *boundItems) bind(i int, o fyne.CanvasObject) {
	if b.objects == nil {
		b.objects, b.items = map[int]fyne.CanvasObject{}, map[fyne.CanvasObject]int{}
	}
	if old, ok := b.items[o]; ok && b.objects[old] == o {
		delete(b.objects, old)
	}
	b.objects[i], b.items[o] = o, i
}

// object is the object that last showed item i, or nil.
func (b *boundItems) object(i int) fyne.CanvasObject { return b.objects[i] }

// TypedKey is part of fyne.Focusable.
func (l *libraryList) TypedKey(e *fyne.KeyEvent) {
	if l.onKey != nil && l.onKey(e) {
		return
	}
	l.List.TypedKey(e)
}

// libraryRow is one video in the list, on two lines beside a small
// thumbnail: the prompt and when it was made, then its state (with the
// wait while it is being made) and how far its download got. Every row
// has the same height and the same columns, whatever its state or
// language, so the prompts line up and stay readable.
type libraryRow struct {
	widget.BaseWidget
	pickable
	cells  *libraryCells
	thumb  *thumbSlot
	holder *fyne.Container   // stands where the thumbnail will be
	box    *canvas.Rectangle // the holder's background
	back   *canvas.Rectangle // shows the row is picked
	status *widget.Label
	prompt *widget.Label
	when   *widget.Label
	bar    *widget.ProgressBar
	// widestDate is the widest date the when column shows, which sets the
	// column's width.
	widestDate string
}

// rowThumbSize is the thumbnail of a row, 16:9.
var rowThumbSize = fyne.NewSize(64, 36)

func newLibraryRow(c *libraryCells) *libraryRow {
	r := &libraryRow{cells: c, thumb: newThumbSlot(c.thumbs, rowThumbSize)}
	r.onTap = func(mods fyne.KeyModifier) { c.onTap(r.thumb.id, mods) }
	r.back = canvas.NewRectangle(theme.Color(theme.ColorNameSelection))
	r.back.CornerRadius = theme.SelectionRadiusSize()
	r.back.Hide()
	r.box = canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground))
	r.box.CornerRadius = 4
	icon := widget.NewIcon(theme.MediaVideoIcon())
	r.holder = container.NewStack(r.box, container.NewCenter(icon))
	r.holder.Hide()
	r.prompt = widget.NewLabel("")
	r.prompt.Truncation = fyne.TextTruncateEllipsis
	r.status = widget.NewLabel("")
	r.status.SizeName = theme.SizeNameCaptionText
	r.status.TextStyle.Bold = true
	r.status.Truncation = fyne.TextTruncateEllipsis
	r.widestDate = time.Date(2025, 12, 30, 23, 59, 0, 0, time.Local).Format(lang.L("2 Jan 15:04"))
	r.when = widget.NewLabel(r.widestDate)
	r.bar = widget.NewProgressBar()
	r.bar.TextFormatter = func() string { return "" } // the state says the percentage
	r.bar.Hide()
	r.ExtendBaseWidget(r)
	return r
}

// CreateRenderer is part of fyne.Widget.
func (r *libraryRow) CreateRenderer() fyne.WidgetRenderer {
	return &libraryRowRenderer{r: r, objects: []fyne.CanvasObject{r.back, r.holder, r.thumb.pic, r.prompt, r.when, r.status, r.bar}}
}

// libraryRowRenderer lays a row's two lines over each other: a label's
// own padding above and below its text would make two stacked labels as
// tall as three lines.
type libraryRowRenderer struct {
	r       *libraryRow
	objects []fyne.CanvasObject
}

// lines are the heights of the row's two lines of text: a line's height
// comes from the font, whatever its letters.
func (l *libraryRowRenderer) lines() (first, second float32) {
	th := l.r.Theme()
	first = fyne.MeasureText("x", th.Size(theme.SizeNameText), fyne.TextStyle{}).Height
	second = fyne.MeasureText("x", th.Size(theme.SizeNameCaptionText), fyne.TextStyle{Bold: true}).Height
	return first, second
}

// dateWidth is the width of the when column, the same in every row.
func (l *libraryRowRenderer) dateWidth() float32 {
	th := l.r.Theme()
	return fyne.MeasureText(l.r.widestDate, th.Size(theme.SizeNameText), fyne.TextStyle{}).Width + 2*th.Size(theme.SizeNameInnerPadding)
}

func (l *libraryRowRenderer) Layout(size fyne.Size) {
	r := l.r
	th := r.Theme()
	pad, inner := th.Size(theme.SizeNamePadding), th.Size(theme.SizeNameInnerPadding)
	first, second := l.lines()
	r.back.Resize(size)
	r.back.Move(fyne.Position{})
	thumbAt := fyne.NewPos(pad, (size.Height-rowThumbSize.Height)/2)
	for _, o := range []fyne.CanvasObject{r.holder, r.thumb.pic} {
		o.Resize(rowThumbSize)
		o.Move(thumbAt)
	}
	textX := pad + rowThumbSize.Width + 2*pad - inner // a label's text starts inner in
	dateW := l.dateWidth()
	top := (size.Height - first - second) / 2
	firstY, secondY := top-inner, top+first-inner
	r.prompt.Move(fyne.NewPos(textX, firstY))
	r.prompt.Resize(fyne.NewSize(max(size.Width-dateW-textX, 0), first+2*inner))
	r.when.Move(fyne.NewPos(size.Width-dateW, firstY))
	r.when.Resize(fyne.NewSize(dateW, first+2*inner))
	statusW := size.Width - textX
	if r.bar.Visible() {
		statusW -= dateW
	}
	r.status.Move(fyne.NewPos(textX, secondY))
	r.status.Resize(fyne.NewSize(max(statusW, 0), second+2*inner))
	barH := max(second/2, 4)
	r.bar.Move(fyne.NewPos(size.Width-dateW+inner, top+first+(second-barH)/2))
	r.bar.Resize(fyne.NewSize(dateW-2*inner, barH))
}

func (l *libraryRowRenderer) MinSize() fyne.Size {
	th := l.r.Theme()
	pad := th.Size(theme.SizeNamePadding)
	first, second := l.lines()
	w := pad + rowThumbSize.Width + 2*pad + l.r.prompt.MinSize().Width + l.dateWidth()
	return fyne.NewSize(w, max(rowThumbSize.Height, first+second)+2*pad)
}

func (l *libraryRowRenderer) Refresh() {
	th := l.r.Theme()
	v := fyne.CurrentApp().Settings().ThemeVariant()
	l.r.back.FillColor = th.Color(theme.ColorNameSelection, v)
	l.r.box.FillColor = th.Color(theme.ColorNameInputBackground, v)
	l.Layout(l.r.Size()) // the state is wider with the bar hidden
	l.r.back.Refresh()
	l.r.box.Refresh()
}

func (l *libraryRowRenderer) Objects() []fyne.CanvasObject { return l.objects }
func (l *libraryRowRenderer) Destroy()                     {}

// bind shows rec on the row.
func (r *libraryRow) bind(rec store.Record) {
	c := r.cells
	path := c.thumbPath(rec)
	r.thumb.bind(rec.ID, path)
	if path == "" {
		r.holder.Show()
	} else {
		r.holder.Hide()
	}
	prompt := displayName(rec) // free of bidi controls, so ★ stays in front
	if rec.Favourite {
		prompt = "★ " + prompt
	}
	r.prompt.SetText(prompt)
	r.status.SetText(c.wait.rowStatus(rec))
	r.when.SetText(rec.CreatedAt.Local().Format(lang.L("2 Jan 15:04")))
	if p, ok := c.wait.downloading(rec); ok {
		r.bar.SetValue(p)
		r.bar.Show()
	} else {
		r.bar.Hide()
	}
	if c.m.isPicked(rec) {
		r.back.Show()
	} else {
		r.back.Hide()
	}
	r.Refresh() // the state takes the room the bar leaves
}
