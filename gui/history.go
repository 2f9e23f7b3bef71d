package gui

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/reelhouse/reelhouse/history"
)

// Views offered above the history list.
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

// pageSize is how many records the list loads at a time.
const pageSize = 200

// searchDelay is how long typing in the search box must pause before the
// list is read again.
const searchDelay = 150 * time.Millisecond

// historyView lists every task, newest first, with the selected task's
// details and actions.
type historyView struct {
	ui   *UI
	win  fyne.Window       // the main window, which dialogs belong to
	root fyne.CanvasObject // the library pane, as the main window holds it

	search *widget.Entry
	filter *widget.Select
	model  *widget.Select
	tag    *widget.Select
	when   *widget.Select
	sort   *widget.Select
	list   *libraryList
	grid   *libraryGrid // the same records as thumbnails; one of list and grid shows
	count  *widget.Label

	gridShown    bool
	viewToggle   *widget.Button
	gridMenuItem *fyne.MenuItem // View ▸ Show as grid, once the menu is built
	thumbs       *thumbCache
	// picked holds the videos chosen with Ctrl/Shift-click or Ctrl+A;
	// more than one shows pickBar.
	picked  map[int64]bool
	pickBar *pickBar
	more    *widget.Button

	// records backs the list; it changes only on the UI goroutine.
	records    []history.Record
	total      int
	shown      history.Query // the query records and total answer
	pageSize   int
	cancelLoad context.CancelFunc // stops the load under way, if any
	// after runs f once d has passed (time.AfterFunc; tests replace it);
	// searchSeq tells the last keystroke's timer from stale ones.
	after      func(d time.Duration, f func()) (stop func() bool)
	stopSearch func() bool
	searchSeq  int
	progress   map[int64]float64
	// missed holds the changes that came while a load was reading the
	// store; nil when no load is under way.
	missed     []missedChange
	selected   int64
	loadSeq    int
	thumbSeq   int
	shownID    int64  // the record whose tags and note the entries hold
	shownThumb string // the thumbnail on show
	videoPick  *widget.Select
	fileIdx    int // which video of the record Open, Show in folder and the thumbnail use

	detail     *fyne.Container
	empty      *widget.Label
	thumb      *canvas.Image
	thumbBox   *fyne.Container
	player     *playerView     // plays the chosen video; nil when none
	playerPath string          // the video the player is for
	playerBox  *fyne.Container // holds the player at the top of the details
	prompt     *widget.Label
	fields     map[string]*widget.Label
	favourite  *widget.Check
	tags       *draftEntry // the entry that adds tags
	note       *draftEntry
	openBtn    *widget.Button
	folderBtn  *widget.Button
	retryBtn   *widget.Button
	againBtn   *widget.Button
	checkBtn   *widget.Button
	unwatchBtn *widget.Button
	deleteBtn  *widget.Button
	copyBtn    *widget.Button
	attachBtn  *widget.Button
	cancelBtn  *widget.Button
	links      *recordLinks // compare, continue, and the videos linked to this one

	// canceller asks the service to stop making a video; nil when the
	// tracker cannot.
	canceller canceller
	// usual holds the usual time of each model asked about (0: not known
	// yet); usualAsked says which are asked or being asked.
	usual      map[string]time.Duration
	usualAsked map[string]bool
	now        func() time.Time // the clock of the elapsed times; tests replace it

	// The service could not be reached by the last few checks.
	unreachable   bool
	banner        *fyne.Container
	bannerText    *widget.Label
	bannerDetails *widget.Button

	videos    int  // videos of the shown query, when videosSeq == loadSeq
	videosSeq int  // the load the video count belongs to
	counting  bool // a video count is under way
	countMore bool // count again when it ends

	detailPanel
}

func newHistory(u *UI) *historyView {
	v := &historyView{
		ui:         u,
		win:        u.main,
		progress:   make(map[int64]float64),
		fields:     make(map[string]*widget.Label),
		pageSize:   pageSize,
		after:      func(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop },
		usual:      make(map[string]time.Duration),
		usualAsked: make(map[string]bool),
		now:        time.Now,
	}
	if u.deps.Tracker != nil {
		v.canceller = u.deps.Tracker
	}
	v.search = widget.NewEntry()
	v.search.SetPlaceHolder(lang.L("Search prompts, or paste a task id"))
	v.filter = widget.NewSelect([]string{lang.L(filterAll), lang.L(filterInProgress), lang.L(filterDone), lang.L(filterAttention), lang.L(filterNotDownloaded), lang.L(filterFavourites), lang.L(filterTrash)}, nil)
	v.filter.SetSelected(lang.L(filterAll))
	v.model = widget.NewSelect([]string{lang.L(allModels)}, nil)
	v.model.SetSelected(lang.L(allModels))
	v.tag = widget.NewSelect([]string{lang.L(allTags)}, nil)
	v.tag.SetSelected(lang.L(allTags))
	v.when = widget.NewSelect(translated(timeRanges), nil)
	v.when.SetSelected(lang.L(anyTime))
	v.sort = widget.NewSelect([]string{lang.L(newest), lang.L(oldest)}, nil)
	v.sort.SetSelected(lang.L(newest))
	// Callbacks are set after the initial selections, so that building the
	// window starts no background work.
	changed := func(string) { v.onFilterChanged() }
	v.search.OnChanged = v.onSearchChanged
	v.filter.OnChanged, v.model.OnChanged, v.tag.OnChanged, v.when.OnChanged, v.sort.OnChanged = changed, changed, changed, changed, changed

	v.count = widget.NewLabel("")
	v.count.Wrapping = fyne.TextWrapWord
	v.more = widget.NewButton(lang.L("Show more"), v.onShowMore)
	v.more.Hide()

	v.thumbs = newThumbCache(thumbCacheBytes,
		func(f func()) { u.background(func(context.Context) { f() }) },
		func(f func()) { v.ui.do(f) }) // tests replace u.do after New
	v.list = newLibraryList(
		func() int { return len(v.records) },
		func() fyne.CanvasObject { return newLibraryRow(v) },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(v.records) {
				o.(*libraryRow).bind(v, v.records[i])
			}
		},
	)
	v.list.onKey = v.onListKey
	v.list.OnSelected = func(i widget.ListItemID) {
		if i < len(v.records) {
			v.selected = v.records[i].ID
			v.grid.Select(i)
			v.showDetail()
		}
	}
	v.grid = v.newLibraryGrid()
	v.grid.Hide()
	v.pickBar = v.newPickBar()
	v.viewToggle = widget.NewButtonWithIcon(lang.L("Grid"), theme.GridIcon(), v.onToggleView)
	u.main.Canvas().AddShortcut(&fyne.ShortcutSelectAll{}, func(fyne.Shortcut) { v.onSelectAll() })

	v.buildDetail()

	v.bannerText = widget.NewLabel(lang.L("{{.Problem}}.", map[string]any{"Problem": lang.L(unreachableText)}))
	v.bannerText.Wrapping = fyne.TextWrapWord
	v.bannerDetails = widget.NewButton(lang.L("Details"), v.onUnreachableDetails)
	v.banner = container.NewBorder(nil, nil, widget.NewIcon(theme.WarningIcon()), v.bannerDetails, v.bannerText)
	v.banner.Hide()
	top := container.NewVBox(
		v.banner,
		v.search,
		container.NewBorder(nil, nil, nil, v.viewToggle, container.NewHBox(v.filter, v.model, v.tag, v.when, v.sort)),
	)
	left := container.NewBorder(v.pickBar.box, container.NewBorder(nil, nil, nil, v.more, v.count), nil, nil, container.NewStack(v.list, v.grid))
	right := container.NewPadded(container.NewStack(v.empty, v.detail))
	split := container.NewHSplit(left, right)
	split.Offset = 0.45
	v.root = container.NewPadded(container.NewBorder(top, nil, nil, nil, split))
	if u.app.Preferences().Bool(settingGridView) {
		v.setGridShown(true)
	}
	return v
}

// content is the library pane, for the main window to hold.
func (v *historyView) content() fyne.CanvasObject { return v.root }

// show brings the library into view.
func (v *historyView) show() {
	v.ui.mainWin.showLibrary()
}
