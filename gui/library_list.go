package gui

import (
	"context"
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/reelhouse/reelhouse/history"
)

// rowStatus is the status column, with download progress when known.
func (v *historyView) rowStatus(r history.Record) string {
	if v.unreachable && r.Watching && !r.State.Final() {
		return lang.L(unreachableText)
	}
	if p, ok := v.downloading(r); ok {
		return lang.L("Downloading {{.Percent}}%", map[string]any{"Percent": int(p * 100)})
	}
	if beingMade(r) && r.State != history.StateSuccess {
		return lang.L("{{.Status}} {{.Wait}}", map[string]any{"Status": statusText(r), "Wait": v.waitText(r)})
	}
	return statusText(r)
}

// query turns the filter controls into a store query.
func (v *historyView) query() history.Query {
	q := history.Query{Text: v.search.Text, Limit: v.pageSize, OldestFirst: v.sort.Selected == lang.L(oldest)}
	switch v.filter.Selected {
	case lang.L(filterInProgress):
		q.View = history.ViewInProgress
	case lang.L(filterDone):
		q.View = history.ViewDownloaded
	case lang.L(filterAttention):
		q.View = history.ViewAttention
	case lang.L(filterNotDownloaded):
		q.NotDownloaded = true
	case lang.L(filterFavourites):
		q.Favourites = true
	case lang.L(filterTrash):
		q.Trash = true
	}
	if v.model.Selected != lang.L(allModels) {
		q.Model = v.model.Selected
	}
	if v.tag.Selected != lang.L(allTags) {
		q.Tag = v.tag.Selected
	}
	now := time.Now()
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	switch v.when.Selected {
	case lang.L("Today"):
		q.From = day
	case lang.L("Last 7 days"):
		q.From = day.AddDate(0, 0, -6)
	case lang.L("Last 30 days"):
		q.From = day.AddDate(0, 0, -29)
	case lang.L("This year"):
		q.From = time.Date(now.Year(), 1, 1, 0, 0, 0, 0, now.Location())
	}
	return q
}

func (v *historyView) onFilterChanged() {
	v.ui.mainWin.syncViewMenu()
	v.ui.background(v.reload)
}

// onSearchChanged reads the list again once typing pauses, not on every
// keystroke.
func (v *historyView) onSearchChanged(string) {
	if v.stopSearch != nil {
		v.stopSearch()
	}
	v.searchSeq++
	seq := v.searchSeq
	v.stopSearch = v.after(searchDelay, func() {
		v.ui.do(func() {
			if seq == v.searchSeq { // a timer stopped too late must not load twice
				v.stopSearch = nil
				v.onFilterChanged()
			}
		})
	})
}

// reload reads the first page from the store in the background. A newer
// load cancels an older one still under way.
func (v *historyView) reload(ctx context.Context) { v.load(ctx, 0) }

func (v *historyView) onShowMore() {
	offset := len(v.records)
	v.ui.background(func(ctx context.Context) { v.load(ctx, offset) })
}

func (v *historyView) load(ctx context.Context, offset int) {
	var (
		q   history.Query
		seq int
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	v.ui.do(func() {
		v.loadSeq++
		seq = v.loadSeq
		q = v.query()
		if offset > 0 {
			q = v.shown // more of the same list, even if the filters changed since
		}
		if v.cancelLoad != nil {
			v.cancelLoad()
		}
		v.cancelLoad = cancel
		// Changes that arrive while the store is read are applied again
		// to what it returns, which may have been read before them.
		v.missed = []missedChange{}
		close(done)
	})
	select {
	case <-done:
	case <-ctx.Done():
		return
	}
	q.Offset = offset
	store := v.ui.deps.Store
	recs, err := store.List(ctx, q)
	if ctx.Err() != nil {
		return // a newer load took over
	}
	stopTracking := func() {
		v.ui.do(func() {
			if seq == v.loadSeq {
				v.missed = nil
			}
		})
	}
	if err != nil {
		stopTracking()
		v.ui.showError(v.win, lang.L("Could not read the history"), err)
		return
	}
	total, err := store.Count(ctx, q)
	if ctx.Err() != nil {
		return
	}
	if err != nil {
		stopTracking()
		v.ui.showError(v.win, lang.L("Could not read the history"), err)
		return
	}
	models, _ := store.Models(ctx)
	tags, _ := store.AllTags(ctx)
	v.ui.do(func() {
		if seq != v.loadSeq {
			return
		}
		v.setChoices(v.model, lang.L(allModels), models)
		v.setChoices(v.tag, lang.L(allTags), tags)
		if offset == 0 {
			v.records = v.records[:0]
		}
		q.Offset = 0
		v.shown = q
		for _, r := range recs {
			if v.indexOf(r.ID) < 0 {
				v.records = append(v.records, r)
			}
		}
		v.total = total
		missed := v.missed
		v.missed = nil
		for _, m := range missed {
			if m.deleted {
				v.onRecordDeleted(m.rec.ID)
			} else {
				v.onRecordChanged(m.rec)
			}
		}
		if len(missed) > 0 {
			v.recount() // the count read may or may not hold them
		}
		v.list.UnselectAll()
		v.grid.UnselectAll()
		v.prunePicks()
		v.refreshRows()
		v.updateCount()
		if i := v.indexOf(v.selected); i >= 0 {
			v.list.Select(i)
		} else {
			v.selected = 0
			v.showDetail()
		}
	})
}

// setChoices keeps a filter's options current without firing it.
func (v *historyView) setChoices(s *widget.Select, all string, values []string) {
	opts := append([]string{all}, values...)
	if slices.Equal(opts, s.Options) {
		return
	}
	s.Options = opts
	s.Refresh()
}

// updateCount says how many tasks and videos the list shows, and counts
// the videos again in the background.
func (v *historyView) updateCount() {
	v.showCount()
	v.countVideos()
}

// showCount sets the count line: tasks (any state) and the videos they
// have in the library, which differ when tasks failed or made several.
func (v *historyView) showCount() {
	n := len(v.records)
	total := max(v.total, n)
	// Two counts, each with its own plural, side by side as a list.
	tasks := lang.N("{{.Count}} tasks", total, map[string]any{"Count": total})
	if n < total {
		tasks = lang.L("Showing {{.Shown}} of {{.Tasks}}", map[string]any{"Shown": n, "Tasks": tasks})
	}
	if v.videosSeq == v.loadSeq {
		videos := lang.N("{{.Count}} videos", v.videos, map[string]any{"Count": v.videos})
		tasks = lang.L("{{.Tasks}} · {{.Videos}}", map[string]any{"Tasks": tasks, "Videos": videos})
	}
	switch {
	case n == 0 && v.filter.Selected == lang.L(filterTrash):
		v.count.SetText(lang.L("The trash is empty."))
	case n == 0 && v.search.Text == "" && v.filter.Selected == lang.L(filterAll):
		v.count.SetText(lang.L("No videos yet. Write a prompt and press Generate."))
	case n == 0:
		v.count.SetText(lang.L("Nothing matches. Try other words or filters."))
	default:
		v.count.SetText(tasks)
	}
	if n < total {
		v.more.Show()
	} else {
		v.more.Hide()
	}
}

// countVideos counts the videos of the shown query in the background.
// Calls made while a count runs fold into one more count after it.
func (v *historyView) countVideos() {
	if v.ui.ctx.Err() != nil {
		return // the windows are closing
	}
	if v.counting {
		v.countMore = true
		return
	}
	v.counting = true
	q, seq := v.shown, v.loadSeq
	v.ui.background(func(ctx context.Context) {
		n, err := v.ui.deps.Store.CountVideos(ctx, q)
		v.ui.do(func() {
			v.counting = false
			if err == nil && seq == v.loadSeq {
				v.videos, v.videosSeq = n, seq
				v.showCount()
			}
			if v.countMore {
				v.countMore = false
				v.countVideos()
			}
		})
	})
}

// onServiceUnreachable shows that the service has not answered the last
// few checks, on the banner and on the rows of the tasks being watched.
func (v *historyView) onServiceUnreachable() {
	v.setUnreachable(true)
}

// onServiceReachable clears what onServiceUnreachable showed.
func (v *historyView) onServiceReachable() {
	v.setUnreachable(false)
}

func (v *historyView) setUnreachable(down bool) {
	if v.unreachable == down {
		return
	}
	v.unreachable = down
	if down {
		v.banner.Show()
	} else {
		v.banner.Hide()
	}
	v.root.Refresh() // the banner takes room above the list, or gives it back
	v.refreshRows()
	if _, ok := v.current(); ok {
		v.showDetail()
	}
}

// onUnreachableDetails shows the last error behind the banner.
func (v *historyView) onUnreachableDetails() {
	_, last := v.ui.deps.Tracker.ServiceUnreachable()
	msg := lang.L("Reelhouse could not reach the service the last few times it checked on your videos. It keeps trying; the videos carry on being made on the service meanwhile.")
	if last != nil {
		msg = lang.L("Reelhouse could not reach the service the last few times it checked on your videos. It keeps trying; the videos carry on being made on the service meanwhile.\n\nThe last error: {{.Error}}",
			map[string]any{"Error": plainError(last)})
	}
	label := widget.NewLabel(msg)
	label.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustom(lang.L("Can't reach the service"), lang.L("OK"), label, v.win)
	d.Resize(fyne.NewSize(520, 240))
	d.Show()
}

func (v *historyView) indexOf(id int64) int {
	return slices.IndexFunc(v.records, func(r history.Record) bool { return r.ID == id })
}

func (v *historyView) current() (history.Record, bool) {
	if i := v.indexOf(v.selected); i >= 0 {
		return v.records[i], true
	}
	return history.Record{}, false
}

// onRecordChanged updates, adds or removes one row, where the list's
// query and order put it. A task's place in the order never changes (it
// sorts by creation), so a row only ever appears or disappears.
func (v *historyView) onRecordChanged(r history.Record) {
	if v.missed != nil {
		v.missed = append(v.missed, missedChange{rec: r})
	}
	if r.Download != history.DownloadWaiting {
		delete(v.progress, r.ID)
	}
	// A thumbnail made again (a new download, the service's cover) keeps
	// its name: the cache reads it again if its time changed.
	v.thumbs.markStale(v.thumbPath(r))
	v.thumbs.markStale(v.stripPath(r))
	if r.State == history.StateSuccess && r.Download == history.DownloadDone {
		v.forgetUsual(r.Request.Model) // one more success to count
	}
	i := v.indexOf(r.ID)
	matches := v.shown.Matches(r)
	switch {
	case i >= 0 && !matches:
		v.onRecordDeleted(r.ID) // moved into or out of the trash, or no longer matches
		return
	case i >= 0:
		v.records[i] = r
		v.refreshItem(i)
	case matches:
		at, _ := slices.BinarySearchFunc(v.records, r, func(e, r history.Record) int {
			if v.shown.Before(e, r) {
				return -1
			}
			return 1
		})
		if at == len(v.records) && len(v.records) < v.total {
			// It belongs on a page not loaded yet, where it may have been
			// counted already: ask the store.
			v.recount()
			return
		}
		v.records = slices.Insert(v.records, at, r)
		v.total++
		v.refreshRows()
		if i := v.indexOf(v.selected); i >= 0 {
			v.list.Select(i)
		}
		v.updateCount()
	}
	if r.ID == v.selected {
		v.showDetail()
	}
	if v.picked[r.ID] {
		v.updatePickBar() // its words may depend on r
	}
}

// recount reads the number of matching records again in the background.
func (v *historyView) recount() {
	q, seq := v.shown, v.loadSeq
	v.ui.background(func(ctx context.Context) {
		n, err := v.ui.deps.Store.Count(ctx, q)
		if err != nil {
			v.ui.showError(v.win, lang.L("Could not read the history"), err)
			return
		}
		v.ui.do(func() {
			if seq == v.loadSeq {
				v.total = n
				v.updateCount()
			}
		})
	})
}

func (v *historyView) onRecordDeleted(id int64) {
	if v.missed != nil {
		v.missed = append(v.missed, missedChange{rec: history.Record{ID: id}, deleted: true})
	}
	delete(v.progress, id)
	i := v.indexOf(id)
	if i < 0 {
		return
	}
	v.records = slices.Delete(v.records, i, i+1)
	v.total--
	if v.selected == id {
		v.selected = 0
		v.list.UnselectAll()
		v.grid.UnselectAll()
		v.showDetail()
	}
	if v.picked[id] {
		delete(v.picked, id)
		v.updatePickBar()
	}
	v.refreshRows()
	v.updateCount()
}

func (v *historyView) onProgress(id, done, total int64) {
	if total <= 0 {
		return
	}
	v.progress[id] = float64(done) / float64(total)
	if i := v.indexOf(id); i >= 0 {
		v.refreshItem(i)
		if id == v.selected {
			v.fields["Status"].SetText(v.rowStatus(v.records[i]))
		}
	}
}

// libraryList is the library's list, with the keys that act on the
// selected video.
type libraryList struct {
	widget.List
	// onKey handles a key first; it reports whether it did.
	onKey func(e *fyne.KeyEvent) bool
	bound boundItems
}

func newLibraryList(length func() int, createItem func() fyne.CanvasObject, updateItem func(widget.ListItemID, fyne.CanvasObject)) *libraryList {
	l := &libraryList{}
	l.Length, l.CreateItem = length, createItem
	l.UpdateItem = func(i widget.ListItemID, o fyne.CanvasObject) {
		l.bound.bind(i, o)
		updateItem(i, o)
	}
	l.ExtendBaseWidget(l)
	return l
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

// onListKey makes the arrows move the selection, not only the focus ring,
// Enter and Space open the selected video and Delete move it to the trash.
func (v *historyView) onListKey(e *fyne.KeyEvent) bool {
	switch e.Name {
	case fyne.KeyUp:
		v.moveSelection(-1)
		return true
	case fyne.KeyDown:
		v.moveSelection(1)
		return true
	case fyne.KeySpace:
		v.onOpen()
		return true
	case fyne.KeyReturn, fyne.KeyEnter:
		v.onOpen()
		return true
	case fyne.KeyDelete:
		v.onDelete()
		return true
	}
	return false
}

// moveSelection selects the row by rows below (above, if negative) the
// selected one, for the arrow keys when the list does not have the focus.
func (v *historyView) moveSelection(by int) {
	if len(v.records) == 0 {
		return
	}
	i := v.indexOf(v.selected)
	switch {
	case i < 0 && by < 0:
		i = len(v.records) - 1
	case i < 0:
		i = 0
	default:
		i = min(max(i+by, 0), len(v.records)-1)
	}
	v.list.Select(i)
	v.list.ScrollTo(i)
	if v.gridShown {
		v.grid.ScrollTo(i)
	}
}

// refreshRows draws the rows of the list or the tiles of the grid again,
// whichever is on show (the other is drawn when it is shown).
func (v *historyView) refreshRows() {
	if v.gridShown {
		v.grid.Refresh()
	} else {
		v.list.Refresh()
	}
}

// refreshItem draws row i again, in the list or the grid.
func (v *historyView) refreshItem(i int) {
	if v.gridShown {
		v.grid.RefreshItem(i)
	} else {
		v.list.RefreshItem(i)
	}
}

// libraryRow is one video in the list, on two lines beside a small
// thumbnail: the prompt and when it was made, then its state (with the
// wait while it is being made) and how far its download got. Every row
// has the same height and the same columns, whatever its state or
// language, so the prompts line up and stay readable.
type libraryRow struct {
	widget.BaseWidget
	pickable
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

func newLibraryRow(v *historyView) *libraryRow {
	r := &libraryRow{thumb: newThumbSlot(v.thumbs, rowThumbSize)}
	r.onTap = func(mods fyne.KeyModifier) { v.onCellTapped(r.thumb.id, mods) }
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
func (r *libraryRow) bind(v *historyView, rec history.Record) {
	path := v.thumbPath(rec)
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
	r.status.SetText(v.rowStatus(rec))
	r.when.SetText(rec.CreatedAt.Local().Format(lang.L("2 Jan 15:04")))
	if p, ok := v.downloading(rec); ok {
		r.bar.SetValue(p)
		r.bar.Show()
	} else {
		r.bar.Hide()
	}
	if v.isPicked(rec) {
		r.back.Show()
	} else {
		r.back.Hide()
	}
	r.Refresh() // the state takes the room the bar leaves
}

// missedChange is a change of one record that came while the list was
// being read from the store.
type missedChange struct {
	rec     history.Record
	deleted bool
}
