package gui

import (
	"context"
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/reelhouse/reelhouse/history/store"
)

// detailWidth is the least width of the details, the player's controls
// in a row.
const detailWidth = 500

// pageSize is how many records the list loads at a time.
const pageSize = 200

// libraryView is the library pane: every task, newest first, as a list or
// a grid, with the selected task's details and actions. It holds the
// parts, each a view of its own over one libraryModel, and lays them out.
type libraryView struct {
	ui   *UI
	win  fyne.Window       // the main window, which dialogs belong to
	root fyne.CanvasObject // the library pane, as the main window holds it

	model  *libraryModel
	wait   *libraryWait
	filter *libraryFilter
	list   *libraryList
	grid   *libraryGrid // the same records as thumbnails; one of list and grid shows
	detail *libraryDetail
	picks  *pickBar
	menu   *libraryMenu
	thumbs *thumbCache

	count        *widget.Label
	more         *widget.Button
	gridShown    bool
	viewToggle   *widget.Button
	gridMenuItem *fyne.MenuItem // View ▸ Show as grid, once the menu is built

	banner        *fyne.Container // says the service cannot be reached
	bannerText    *widget.Label
	bannerDetails *widget.Button
	// folderBanner says the library folder is not there.
	folderBanner *fyne.Container
	folderText   *widget.Label
	folderChoose *widget.Button
}

func newLibraryView(u *UI) *libraryView {
	m := newLibraryModel(u)
	v := &libraryView{ui: u, win: u.main, model: m}
	v.wait = newLibraryWait(m)
	v.filter = newLibraryFilter(m)
	v.menu = newLibraryMenu(m)

	v.count = widget.NewLabel("")
	v.count.Wrapping = fyne.TextWrapWord
	v.more = widget.NewButton(lang.L("Show more"), m.loadMore)
	v.more.Hide()

	v.thumbs = newThumbCache(thumbCacheBytes,
		func(f func()) { u.background(func(context.Context) { f() }) },
		func(f func()) { v.ui.do(f) }) // tests replace u.do after New
	cells := &libraryCells{m: m, wait: v.wait, thumbs: v.thumbs, onTap: v.onCellTapped}
	v.list = newLibraryList(cells)
	v.list.onKey = v.onListKey
	v.grid = newLibraryGrid(cells, v.moveSelection, v.onListKey)
	v.grid.Hide()
	v.picks = newPickBar(m, func() { v.menu.onExport(false) }, v.menu.onSaveCopy, func() { v.root.Refresh() })
	v.viewToggle = widget.NewButtonWithIcon(lang.L("Grid"), theme.GridIcon(), v.onToggleView)
	u.main.Canvas().AddShortcut(&fyne.ShortcutSelectAll{}, func(fyne.Shortcut) { v.onSelectAll() })

	v.detail = newLibraryDetail(m, v.wait)

	v.bannerText = widget.NewLabel(lang.L("{{.Problem}}.", map[string]any{"Problem": lang.L(unreachableText)}))
	v.bannerText.Wrapping = fyne.TextWrapWord
	v.bannerDetails = widget.NewButton(lang.L("Details"), v.onUnreachableDetails)
	v.banner = container.NewBorder(nil, nil, widget.NewIcon(theme.WarningIcon()), v.bannerDetails, v.bannerText)
	v.banner.Hide()
	v.folderText = widget.NewLabel("")
	v.folderText.Wrapping = fyne.TextWrapWord
	v.folderChoose = widget.NewButton(lang.L("Choose another folder…"), v.onChooseFolder)
	v.folderBanner = container.NewBorder(nil, nil, widget.NewIcon(theme.WarningIcon()), v.folderChoose, v.folderText)
	v.folderBanner.Hide()
	f := v.filter
	top := container.NewVBox(
		f.search,
		container.NewBorder(nil, nil, nil, v.viewToggle, container.NewHBox(f.view, f.models, f.tag, f.when, f.sort)),
	)
	// The bar of picked videos and the banners come and go below the rows,
	// never above them: the row under the pointer stays where it is.
	left := container.NewBorder(nil, container.NewVBox(v.picks.box, container.NewBorder(nil, nil, nil, v.more, v.count)), nil, nil, container.NewStack(v.list, v.grid))
	// The details ask from the start for the room the player's controls
	// need: the divider stays where it is when a video is first selected.
	room := canvas.NewRectangle(color.Transparent)
	room.SetMinSize(fyne.NewSize(detailWidth, 0))
	right := container.NewPadded(container.NewStack(room, v.detail.empty, v.detail.box))
	split := container.NewHSplit(left, right)
	split.Offset = 0.45
	v.root = container.NewPadded(container.NewBorder(top, container.NewVBox(v.banner, v.folderBanner), nil, nil, split))
	m.watch(libraryWatcher{
		changed: func(r store.Record) {
			// A thumbnail made again (a new download, the service's
			// cover) keeps its name: the cache reads it again if its time
			// changed.
			v.thumbs.markStale(cells.thumbPath(r))
			v.thumbs.markStale(cells.stripPath(r))
		},
		count:     v.showCount,
		reachable: v.showReachable,
		folder:    v.showFolder,
	})
	if u.app.Preferences().Bool(settingGridView) {
		v.setGridShown(true)
	}
	return v
}

// content is the library pane, for the main window to hold.
func (v *libraryView) content() fyne.CanvasObject { return v.root }

// show brings the library into view.
func (v *libraryView) show() {
	v.ui.mainWin.showLibrary()
}

// showCount sets the count line: tasks (any state) and the videos they
// have in the library, which differ when tasks failed or made several.
func (v *libraryView) showCount() {
	m := v.model
	n := len(m.records)
	total := max(m.total, n)
	// Counted in videos, as people think of them, not in tasks (the
	// service's word): the videos the shown rows have once they are
	// counted (one request may make several), the rows until then.
	count := total
	if m.videosSeq == m.loadSeq {
		count = m.videos
	}
	tasks := lang.N("{{.Count}} videos", count, map[string]any{"Count": count})
	if n < total {
		tasks = lang.L("Showing {{.Shown}} of {{.Tasks}}", map[string]any{"Shown": n, "Tasks": lang.N("{{.Count}} videos", total, map[string]any{"Count": total})})
	}
	switch {
	case n == 0 && v.filter.view.Selected == lang.L(filterTrash):
		v.count.SetText(lang.L("The trash is empty."))
	case n == 0 && v.filter.search.Text == "" && v.filter.view.Selected == lang.L(filterAll):
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

// onServiceUnreachable shows that the service has not answered the last
// few checks, on the banner and on the rows of the tasks being watched.
func (v *libraryView) onServiceUnreachable() {
	v.model.setUnreachable(true)
}

// onServiceReachable clears what onServiceUnreachable showed.
func (v *libraryView) onServiceReachable() {
	v.model.setUnreachable(false)
}

// showReachable shows the banner while the service cannot be reached.
func (v *libraryView) showReachable() {
	if v.model.unreachable {
		v.banner.Show()
	} else {
		v.banner.Hide()
	}
	v.root.Refresh() // the banner takes room below the list, or gives it back
}

// onLibraryUnavailable shows that the library folder is not there: its
// videos are not missing and its downloads wait.
func (v *libraryView) onLibraryUnavailable() {
	v.model.setLibraryGone(true)
}

// onLibraryAvailable clears what onLibraryUnavailable showed.
func (v *libraryView) onLibraryAvailable() {
	v.model.setLibraryGone(false)
}

// showFolder shows the folder banner while the library folder is not there.
func (v *libraryView) showFolder() {
	if v.model.libraryGone {
		v.folderText.SetText(lang.L(libraryGoneText, map[string]any{"Folder": v.ui.deps.Library.Dir()}))
		v.folderBanner.Show()
	} else {
		v.folderBanner.Hide()
	}
	v.root.Refresh()
}

// onChooseFolder offers the folder choice of Settings, where the library
// can be pointed at another folder.
func (v *libraryView) onChooseFolder() {
	v.ui.settings.show()
	v.ui.settings.onBrowseLibrary()
}

// onUnreachableDetails shows the last error behind the banner.
func (v *libraryView) onUnreachableDetails() {
	_, last := v.ui.deps.Tracker.ServiceUnreachable()
	msg := lang.L("Reelhouse could not reach the service the last few times it checked on your videos. It keeps trying; the videos carry on being made on the service meanwhile.")
	if last != nil {
		msg = lang.L("Reelhouse could not reach the service the last few times it checked on your videos. It keeps trying; the videos carry on being made on the service meanwhile.\n\nThe last error: {{.Error}}",
			map[string]any{"Error": plainError(last)})
	}
	label := widget.NewLabel(msg)
	label.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustom(lang.L("Can't reach the service"), lang.L("OK"), label, v.win)
	showHouse(d, v.win, houseOpts{size: fyne.NewSize(520, 240)})
}

// onListKey makes the arrows move the selection, not only the focus ring,
// Space play and pause the selected video in the detail view, Enter play
// it there, and Delete move it to the trash. No key starts another
// program: "Open in your video player" is a button, which says what it
// does.
func (v *libraryView) onListKey(e *fyne.KeyEvent) bool {
	switch e.Name {
	case fyne.KeyUp:
		v.moveSelection(-1)
		return true
	case fyne.KeyDown:
		v.moveSelection(1)
		return true
	case fyne.KeySpace:
		if p := v.detail.player; p != nil {
			p.onPlayPause()
		}
		return true
	case fyne.KeyReturn, fyne.KeyEnter:
		if p := v.detail.player; p != nil {
			p.play()
		}
		return true
	case fyne.KeyDelete:
		v.detail.actions.onDelete()
		return true
	}
	return false
}

// moveSelection selects the row by rows below (above, if negative) the
// selected one, for the arrow keys when the list does not have the focus.
func (v *libraryView) moveSelection(by int) {
	m := v.model
	if len(m.records) == 0 {
		return
	}
	i := m.indexOf(m.selected)
	switch {
	case i < 0 && by < 0:
		i = len(m.records) - 1
	case i < 0:
		i = 0
	default:
		i = min(max(i+by, 0), len(m.records)-1)
	}
	v.list.Select(i)
	v.list.ScrollTo(i)
	if v.gridShown {
		v.grid.ScrollTo(i)
	}
}

// onCellTapped selects the video with the id tapped in the list or the
// grid; with Ctrl (Cmd) it adds or removes it from the picked ones, with
// Shift it picks the run from the selected video to it.
func (v *libraryView) onCellTapped(id int64, mods fyne.KeyModifier) {
	m := v.model
	i := m.indexOf(id)
	if i < 0 {
		return
	}
	switch {
	case mods&fyne.KeyModifierShift != 0 && m.selected != 0 && m.indexOf(m.selected) >= 0:
		from := m.indexOf(m.selected)
		lo, hi := min(from, i), max(from, i)
		m.picked = make(map[int64]bool, hi-lo+1)
		for _, r := range m.records[lo : hi+1] {
			m.picked[r.ID] = true
		}
	case mods&(fyne.KeyModifierControl|fyne.KeyModifierSuper) != 0:
		if len(m.picked) == 0 && m.selected != 0 {
			m.picked = map[int64]bool{m.selected: true}
		}
		if m.picked == nil {
			m.picked = make(map[int64]bool)
		}
		if m.picked[id] {
			delete(m.picked, id)
		} else {
			m.picked[id] = true
		}
		if m.selected == 0 {
			m.selectRow(i)
		}
	default:
		m.picked = nil
		m.selectRow(i)
		if v.gridShown {
			v.win.Canvas().Focus(v.grid)
		} else {
			v.win.Canvas().Focus(v.list)
		}
	}
	m.setPicked(m.picked)
}

// onSelectAll picks every loaded video.
func (v *libraryView) onSelectAll() {
	m := v.model
	if len(m.records) == 0 || (v.ui.panes != nil && v.ui.panes.Narrow() && v.ui.panes.tab != 1) {
		return
	}
	picked := make(map[int64]bool, len(m.records))
	for _, r := range m.records {
		picked[r.ID] = true
	}
	m.setPicked(picked)
}

// onToggleView switches between the list and the grid.
func (v *libraryView) onToggleView() {
	v.setGridShown(!v.gridShown)
	v.ui.app.Preferences().SetBool(settingGridView, v.gridShown)
}

func (v *libraryView) setGridShown(on bool) {
	v.gridShown = on
	if on {
		v.list.Hide()
		v.grid.Show()
		v.grid.Refresh()
		v.viewToggle.SetText(lang.L("List"))
		v.viewToggle.SetIcon(theme.ListIcon())
		if i := v.model.indexOf(v.model.selected); i >= 0 {
			v.grid.ScrollTo(i)
		}
	} else {
		v.grid.Hide()
		v.list.Show()
		v.list.Refresh()
		v.viewToggle.SetText(lang.L("Grid"))
		v.viewToggle.SetIcon(theme.GridIcon())
		if i := v.model.indexOf(v.model.selected); i >= 0 {
			v.list.ScrollTo(i)
		}
	}
	if v.gridMenuItem != nil {
		v.gridMenuItem.Checked = on
		if v.ui.mainWin.menu != nil {
			v.ui.mainWin.menu.Refresh()
		}
	}
}

// reveal scrolls the list and the grid to the row of id, or, while it is
// not loaded yet, to the top, where a new video appears (newest first).
func (v *libraryView) reveal(id int64) {
	if i := v.model.indexOf(id); i >= 0 {
		v.list.ScrollTo(i)
		v.grid.ScrollTo(i)
		return
	}
	if v.filter.sort.Selected != lang.L(oldest) {
		v.list.ScrollToTop()
		v.grid.ScrollToTop()
	}
}

// selectRecord shows r in the library, with every filter cleared when
// they hide it.
func (v *libraryView) selectRecord(r store.Record) {
	v.ui.mainWin.showLibrary()
	m := v.model
	m.selected = r.ID
	m.onRecordChanged(r)
	if i := m.indexOf(r.ID); i >= 0 {
		m.selectRow(i)
		return
	}
	// The filters hide it: show everything (or the trash); the reload keeps
	// the selection.
	v.filter.showAll(r)
	m.selected = r.ID
	v.filter.onFilterChanged()
}

// flushEdits saves what is being typed in the library, for the quit path.
func (u *UI) flushEdits() {
	if u.library != nil {
		u.library.detail.editor.flushEdits()
	}
}
