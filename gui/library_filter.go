package gui

import (
	"slices"
	"time"

	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/reelhouse/reelhouse/history/store"
)

// Views offered above the library list.
const (
	filterAll           = "All videos"
	filterInProgress    = "In progress"
	filterDone          = "Downloaded"
	filterAttention     = "Needs attention"
	filterNotDownloaded = "Not downloaded"
	filterFavourites    = "Favourites"
	filterTrash         = "Trash"

	allModels = "All models"
	allTags   = "All tags"
	anyTime   = "Any time"
	newest    = "Newest first"
	oldest    = "Oldest first"
)

// timeRanges are the choices of the time filter, translated where shown.
var timeRanges = []string{translateLater(anyTime), translateLater("Today"), translateLater("Last 7 days"), translateLater("Last 30 days"), translateLater("This year")}

// searchDelay is how long typing in the search box must pause before the
// list is read again.
const searchDelay = 150 * time.Millisecond

// libraryFilter is the bar above the library's list: the search box and
// the choices of view, model, tag, time and order. It makes the query the
// model loads.
type libraryFilter struct {
	m  *libraryModel
	ui *UI

	search *widget.Entry
	clear  *widget.Button // in the search box: empties it, showing every video again
	view   *widget.Select // all videos, in progress, downloaded, …, trash
	models *widget.Select
	tag    *widget.Select
	when   *widget.Select
	sort   *widget.Select

	// stopSearch stops the timer of the last keystroke; searchSeq tells
	// its timer from stale ones.
	stopSearch func() bool
	searchSeq  int
}

func newLibraryFilter(m *libraryModel) *libraryFilter {
	v := &libraryFilter{m: m, ui: m.ui}
	v.search = widget.NewEntry()
	v.search.SetPlaceHolder(lang.L("Search prompts, or paste a task id"))
	v.clear = widget.NewButtonWithIcon("", theme.ContentClearIcon(), func() { v.search.SetText("") })
	v.clear.Hide() // shown while there is something to clear
	v.search.ActionItem = v.clear
	v.view = widget.NewSelect([]string{lang.L(filterAll), lang.L(filterInProgress), lang.L(filterDone), lang.L(filterAttention), lang.L(filterNotDownloaded), lang.L(filterFavourites), lang.L(filterTrash)}, nil)
	v.view.SetSelected(lang.L(filterAll))
	v.models = widget.NewSelect([]string{lang.L(allModels)}, nil)
	v.models.SetSelected(lang.L(allModels))
	v.tag = widget.NewSelect([]string{lang.L(allTags)}, nil)
	v.tag.SetSelected(lang.L(allTags))
	v.when = widget.NewSelect(translated(timeRanges), nil)
	v.when.SetSelected(lang.L(anyTime))
	v.sort = widget.NewSelect([]string{lang.L(newest), lang.L(oldest)}, nil)
	v.sort.SetSelected(lang.L(newest))
	// Callbacks are set after the initial selections, so that building the
	// window starts no background work.
	changed := func(string) { v.onFilterChanged() }
	v.search.OnChanged = func(text string) {
		v.clear.Hidden = text == ""
		v.clear.Refresh()
		v.onSearchChanged(text)
	}
	v.view.OnChanged, v.models.OnChanged, v.tag.OnChanged, v.when.OnChanged, v.sort.OnChanged = changed, changed, changed, changed, changed
	m.query = v.query
	m.watch(libraryWatcher{loaded: func(models, tags []string) {
		v.setChoices(v.models, lang.L(allModels), models)
		v.setChoices(v.tag, lang.L(allTags), tags)
	}})
	return v
}

// showAll clears every filter, showing the trash when r is in it, and
// reads the list again.
func (v *libraryFilter) showAll(r store.Record) {
	v.search.SetText("")
	view := lang.L(filterAll)
	if r.Trashed() {
		view = lang.L(filterTrash)
	}
	v.models.SetSelected(lang.L(allModels))
	v.tag.SetSelected(lang.L(allTags))
	v.when.SetSelected(lang.L(anyTime))
	v.view.SetSelected(view)
}

// query turns the filter controls into a store query.
func (v *libraryFilter) query() store.Query {
	q := store.Query{Text: v.search.Text, Limit: v.m.pageSize, OldestFirst: v.sort.Selected == lang.L(oldest)}
	switch v.view.Selected {
	case lang.L(filterInProgress):
		q.View = store.ViewInProgress
	case lang.L(filterDone):
		q.View = store.ViewDownloaded
	case lang.L(filterAttention):
		q.View = store.ViewAttention
	case lang.L(filterNotDownloaded):
		q.NotDownloaded = true
	case lang.L(filterFavourites):
		q.Favourites = true
	case lang.L(filterTrash):
		q.Trash = true
	}
	if v.models.Selected != lang.L(allModels) {
		q.Model = v.models.Selected
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

func (v *libraryFilter) onFilterChanged() {
	v.ui.mainWin.syncViewMenu()
	v.ui.background(v.m.reload)
}

// onSearchChanged reads the list again once typing pauses, not on every
// keystroke.
func (v *libraryFilter) onSearchChanged(string) {
	if v.stopSearch != nil {
		v.stopSearch()
	}
	v.searchSeq++
	seq := v.searchSeq
	v.stopSearch = v.m.after(searchDelay, func() {
		v.ui.do(func() {
			if seq == v.searchSeq { // a timer stopped too late must not load twice
				v.stopSearch = nil
				v.onFilterChanged()
			}
		})
	})
}

// setChoices keeps a filter's options current without firing it.
func (v *libraryFilter) setChoices(s *widget.Select, all string, values []string) {
	opts := append([]string{all}, values...)
	if slices.Equal(opts, s.Options) {
		return
	}
	s.Options = opts
	s.Refresh()
}
