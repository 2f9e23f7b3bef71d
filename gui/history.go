package gui

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
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

var timeRanges = []string{anyTime, "Today", "Last 7 days", "Last 30 days", "This year"}

// pageSize is how many records the list loads at a time.
const pageSize = 200

// searchDelay is how long typing in the search box must pause before the
// list is read again.
const searchDelay = 150 * time.Millisecond

// historyView lists every task, newest first, with the selected task's
// details and actions.
type historyView struct {
	ui  *UI
	win fyne.Window

	search  *widget.Entry
	filter  *widget.Select
	model   *widget.Select
	tag     *widget.Select
	when    *widget.Select
	sort    *widget.Select
	list    *widget.List
	count   *widget.Label
	more    *widget.Button
	library *widget.Button

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
	prompt     *widget.Label
	fields     map[string]*widget.Label
	favourite  *widget.Check
	tags       *widget.Entry
	note       *widget.Entry
	saveNotes  *widget.Button
	openBtn    *widget.Button
	folderBtn  *widget.Button
	retryBtn   *widget.Button
	againBtn   *widget.Button
	checkBtn   *widget.Button
	unwatchBtn *widget.Button
	deleteBtn  *widget.Button
	copyBtn    *widget.Button
	attachBtn  *widget.Button

	// The service could not be reached by the last few checks.
	unreachable   bool
	banner        *fyne.Container
	bannerText    *widget.Label
	bannerDetails *widget.Button

	videos    int  // videos of the shown query, when videosSeq == loadSeq
	videosSeq int  // the load the video count belongs to
	counting  bool // a video count is under way
	countMore bool // count again when it ends
}

// detailFields are the metadata rows of the detail panel, in order.
var detailFields = []string{"Status", "Model", "Options", "Task id", "Created", "Completed", "Video", "File", "Folder", "Size", "Service fields", "Problem"}

func newHistory(u *UI) *historyView {
	v := &historyView{
		ui:       u,
		win:      secondaryWindow(u.app, "Reelhouse — History", fyne.NewSize(1100, 700)),
		progress: make(map[int64]float64),
		fields:   make(map[string]*widget.Label),
		pageSize: pageSize,
		after:    func(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop },
	}
	v.search = widget.NewEntry()
	v.search.SetPlaceHolder("Search prompts, or paste a task id")
	v.filter = widget.NewSelect([]string{filterAll, filterInProgress, filterDone, filterAttention, filterNotDownloaded, filterFavourites, filterTrash}, nil)
	v.filter.SetSelected(filterAll)
	v.model = widget.NewSelect([]string{allModels}, nil)
	v.model.SetSelected(allModels)
	v.tag = widget.NewSelect([]string{allTags}, nil)
	v.tag.SetSelected(allTags)
	v.when = widget.NewSelect(timeRanges, nil)
	v.when.SetSelected(anyTime)
	v.sort = widget.NewSelect([]string{newest, oldest}, nil)
	v.sort.SetSelected(newest)
	// Callbacks are set after the initial selections, so that building the
	// window starts no background work.
	changed := func(string) { v.onFilterChanged() }
	v.search.OnChanged = v.onSearchChanged
	v.filter.OnChanged, v.model.OnChanged, v.tag.OnChanged, v.when.OnChanged, v.sort.OnChanged = changed, changed, changed, changed, changed

	addBtn := widget.NewButtonWithIcon("Add by task id…", theme.ContentAddIcon(), v.onAddByID)
	v.library = widget.NewButtonWithIcon("Library", theme.MenuIcon(), v.onLibraryMenu)
	v.count = widget.NewLabel("")
	v.more = widget.NewButton("Show more", v.onShowMore)
	v.more.Hide()

	v.list = widget.NewList(
		func() int { return len(v.records) },
		func() fyne.CanvasObject {
			status := widget.NewLabel("Downloading 100%")
			status.TextStyle.Bold = true
			prompt := widget.NewLabel("")
			prompt.Truncation = fyne.TextTruncateEllipsis
			when := widget.NewLabel("30 Dec 23:59")
			return container.NewBorder(nil, nil, status, when, prompt)
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i >= len(v.records) {
				return
			}
			r := v.records[i]
			row := o.(*fyne.Container)
			prompt := firstLine(r.Request.Prompt, 200) // free of bidi controls, so ★ stays in front
			if r.Favourite {
				prompt = "★ " + prompt
			}
			row.Objects[0].(*widget.Label).SetText(prompt)
			row.Objects[1].(*widget.Label).SetText(v.rowStatus(r))
			row.Objects[2].(*widget.Label).SetText(r.CreatedAt.Local().Format("2 Jan 15:04"))
			row.Refresh() // a longer status takes the room it needs
		},
	)
	v.list.OnSelected = func(i widget.ListItemID) {
		if i < len(v.records) {
			v.selected = v.records[i].ID
			v.showDetail()
		}
	}

	v.empty = widget.NewLabel("Select a video to see its details.")
	v.thumb = canvas.NewImageFromResource(nil)
	v.thumb.FillMode = canvas.ImageFillContain
	v.thumb.SetMinSize(fyne.NewSize(320, 180))
	v.thumbBox = container.NewCenter(v.thumb)
	v.thumbBox.Hide()
	v.videoPick = widget.NewSelect(nil, v.onVideoPicked)
	v.videoPick.Hide()
	v.prompt = widget.NewLabel("")
	v.prompt.Wrapping = fyne.TextWrapWord
	v.prompt.Selectable = true
	form := widget.NewForm()
	for _, name := range detailFields {
		l := widget.NewLabel("")
		l.Selectable = true
		switch name {
		case "File", "Folder":
			l.Truncation = fyne.TextTruncateEllipsis
		default:
			l.Wrapping = fyne.TextWrapWord
		}
		v.fields[name] = l
		form.Append(name, l)
	}
	v.favourite = widget.NewCheck("Favourite", nil)
	v.tags = widget.NewEntry()
	v.tags.SetPlaceHolder("Tags, separated by commas")
	v.note = widget.NewMultiLineEntry()
	v.note.SetPlaceHolder("A note about this video")
	v.note.SetMinRowsVisible(2)
	v.note.Wrapping = fyne.TextWrapWord
	v.saveNotes = widget.NewButtonWithIcon("Save tags and note", theme.DocumentSaveIcon(), v.onSaveNotes)
	organize := widget.NewForm(
		widget.NewFormItem("", v.favourite),
		widget.NewFormItem("Tags", v.tags),
		widget.NewFormItem("Note", v.note),
		widget.NewFormItem("", container.NewHBox(v.saveNotes)),
	)

	v.openBtn = widget.NewButtonWithIcon("Open video", theme.MediaPlayIcon(), v.onOpen)
	v.openBtn.Importance = widget.HighImportance
	v.folderBtn = widget.NewButtonWithIcon("Show in folder", theme.FolderOpenIcon(), v.onShowFolder)
	v.retryBtn = widget.NewButtonWithIcon("Retry download", theme.DownloadIcon(), v.onRetry)
	v.againBtn = widget.NewButtonWithIcon("Generate again", theme.ViewRefreshIcon(), v.onGenerateAgain)
	v.checkBtn = widget.NewButtonWithIcon("Check again", theme.SearchIcon(), v.onCheckAgain)
	v.unwatchBtn = widget.NewButtonWithIcon("Stop watching", theme.VisibilityOffIcon(), v.onStopWatching)
	v.copyBtn = widget.NewButtonWithIcon("Copy task id", theme.ContentCopyIcon(), v.onCopyID)
	v.deleteBtn = widget.NewButtonWithIcon("Move to trash", theme.DeleteIcon(), v.onDelete)
	v.deleteBtn.Importance = widget.DangerImportance
	v.attachBtn = widget.NewButtonWithIcon("I have its task id…", theme.ContentPasteIcon(), v.onAttachID)
	v.attachBtn.Hide()
	actions := container.NewGridWithColumns(2,
		v.attachBtn, v.openBtn, v.folderBtn, v.retryBtn, v.againBtn, v.checkBtn, v.unwatchBtn, v.copyBtn, v.deleteBtn)
	heading := widget.NewLabelWithStyle("Prompt", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	v.detail = container.NewBorder(nil, actions, nil, nil,
		container.NewVScroll(container.NewVBox(v.thumbBox, container.NewCenter(v.videoPick), heading, v.prompt, form, widget.NewSeparator(), organize)))
	v.detail.Hide()

	v.bannerText = widget.NewLabel(unreachableText + ".")
	v.bannerText.Wrapping = fyne.TextWrapWord
	v.bannerDetails = widget.NewButton("Details", v.onUnreachableDetails)
	v.banner = container.NewBorder(nil, nil, widget.NewIcon(theme.WarningIcon()), v.bannerDetails, v.bannerText)
	v.banner.Hide()
	top := container.NewVBox(
		v.banner,
		container.NewBorder(nil, nil, nil, container.NewHBox(addBtn, v.library), v.search),
		container.NewHBox(v.filter, v.model, v.tag, v.when, v.sort),
	)
	left := container.NewBorder(nil, container.NewBorder(nil, nil, nil, v.more, v.count), nil, nil, v.list)
	right := container.NewPadded(container.NewStack(v.empty, v.detail))
	split := container.NewHSplit(left, right)
	split.Offset = 0.45
	v.win.SetContent(container.NewPadded(container.NewBorder(top, nil, nil, nil, split)))
	return v
}

func (v *historyView) show() {
	v.win.Show()
	v.win.RequestFocus()
}

// rowStatus is the status column, with download progress when known.
func (v *historyView) rowStatus(r history.Record) string {
	if v.unreachable && r.Watching && !r.State.Final() {
		return unreachableText
	}
	if p, ok := v.progress[r.ID]; ok && r.State == history.StateSuccess && r.Download == history.DownloadWaiting {
		return fmt.Sprintf("Downloading %d%%", int(p*100))
	}
	return statusText(r)
}

// query turns the filter controls into a store query.
func (v *historyView) query() history.Query {
	q := history.Query{Text: v.search.Text, Limit: v.pageSize, OldestFirst: v.sort.Selected == oldest}
	switch v.filter.Selected {
	case filterInProgress:
		q.View = history.ViewInProgress
	case filterDone:
		q.View = history.ViewDownloaded
	case filterAttention:
		q.View = history.ViewAttention
	case filterNotDownloaded:
		q.NotDownloaded = true
	case filterFavourites:
		q.Favourites = true
	case filterTrash:
		q.Trash = true
	}
	if v.model.Selected != allModels {
		q.Model = v.model.Selected
	}
	if v.tag.Selected != allTags {
		q.Tag = v.tag.Selected
	}
	now := time.Now()
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	switch v.when.Selected {
	case "Today":
		q.From = day
	case "Last 7 days":
		q.From = day.AddDate(0, 0, -6)
	case "Last 30 days":
		q.From = day.AddDate(0, 0, -29)
	case "This year":
		q.From = time.Date(now.Year(), 1, 1, 0, 0, 0, 0, now.Location())
	}
	return q
}

func (v *historyView) onFilterChanged() {
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
	if err != nil {
		v.ui.showError(v.win, "Could not read the history", err)
		return
	}
	total, err := store.Count(ctx, q)
	if ctx.Err() != nil {
		return
	}
	if err != nil {
		v.ui.showError(v.win, "Could not read the history", err)
		return
	}
	models, _ := store.Models(ctx)
	tags, _ := store.AllTags(ctx)
	v.ui.do(func() {
		if seq != v.loadSeq {
			return
		}
		v.setChoices(v.model, allModels, models)
		v.setChoices(v.tag, allTags, tags)
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
		v.list.UnselectAll()
		v.list.Refresh()
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
	tasks := counted(total, "task", "tasks")
	if n < total {
		tasks = fmt.Sprintf("Showing %d of %s", n, tasks)
	}
	if v.videosSeq == v.loadSeq {
		tasks += " · " + counted(v.videos, "video", "videos")
	}
	switch {
	case n == 0 && v.filter.Selected == filterTrash:
		v.count.SetText("The trash is empty.")
	case n == 0 && v.search.Text == "" && v.filter.Selected == filterAll:
		v.count.SetText("No videos yet. Write a prompt in the main window and press Generate.")
	case n == 0:
		v.count.SetText("Nothing matches. Try other words or filters.")
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
	v.win.Content().Refresh() // the banner takes room above the list, or gives it back
	v.list.Refresh()
	if _, ok := v.current(); ok {
		v.showDetail()
	}
}

// onUnreachableDetails shows the last error behind the banner.
func (v *historyView) onUnreachableDetails() {
	_, last := v.ui.deps.Tracker.ServiceUnreachable()
	msg := "Reelhouse could not reach the service the last few times it checked on your videos. It keeps trying; the videos carry on being made on the service meanwhile."
	if last != nil {
		msg += "\n\nThe last error: " + plainError(last)
	}
	label := widget.NewLabel(msg)
	label.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustom("Can't reach the service", "OK", label, v.win)
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
	if r.Download != history.DownloadWaiting {
		delete(v.progress, r.ID)
	}
	i := v.indexOf(r.ID)
	matches := v.shown.Matches(r)
	switch {
	case i >= 0 && !matches:
		v.onRecordDeleted(r.ID) // moved into or out of the trash, or no longer matches
		return
	case i >= 0:
		v.records[i] = r
		v.list.RefreshItem(i)
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
		v.list.Refresh()
		if i := v.indexOf(v.selected); i >= 0 {
			v.list.Select(i)
		}
		v.updateCount()
	}
	if r.ID == v.selected {
		v.showDetail()
	}
}

// recount reads the number of matching records again in the background.
func (v *historyView) recount() {
	q, seq := v.shown, v.loadSeq
	v.ui.background(func(ctx context.Context) {
		n, err := v.ui.deps.Store.Count(ctx, q)
		if err != nil {
			v.ui.showError(v.win, "Could not read the history", err)
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
		v.showDetail()
	}
	v.list.Refresh()
	v.updateCount()
}

func (v *historyView) onProgress(id, done, total int64) {
	if total <= 0 {
		return
	}
	v.progress[id] = float64(done) / float64(total)
	if i := v.indexOf(id); i >= 0 {
		v.list.RefreshItem(i)
		if id == v.selected {
			v.fields["Status"].SetText(v.rowStatus(v.records[i]))
		}
	}
}

// showDetail fills the detail panel from the selected record.
func (v *historyView) showDetail() {
	r, ok := v.current()
	if !ok {
		v.shownID, v.shownThumb = 0, ""
		v.detail.Hide()
		v.empty.Show()
		return
	}
	v.empty.Hide()
	v.detail.Show()
	v.prompt.SetText(r.Request.Prompt)
	set := func(name, value string) {
		if value == "" {
			value = "—"
		}
		v.fields[name].SetText(value)
	}
	set("Status", v.rowStatus(r))
	set("Model", r.Request.Model)
	set("Options", optionsText(r))
	set("Task id", r.TaskID)
	set("Created", humanTime(r.CreatedAt))
	set("Completed", humanTime(r.ServerCompleted.Time()))
	var names, folders, sizes, videos []string
	for _, f := range r.Files {
		p := filepath.Join(v.ui.deps.Library.Dir(), filepath.FromSlash(f.Path))
		name := filepath.Base(p)
		if f.Missing {
			name += " (missing)"
		}
		names = append(names, name)
		if dir := filepath.Dir(p); !slices.Contains(folders, dir) {
			folders = append(folders, dir)
		}
		sizes = append(sizes, humanSize(f.Size))
		videos = append(videos, mediaText(f))
	}
	set("Video", strings.Join(videos, "\n"))
	set("File", strings.Join(names, ", "))
	set("Folder", strings.Join(folders, ", "))
	set("Size", strings.Join(sizes, ", "))
	set("Service fields", serviceFields(r.Raw))
	problem := messageText(r)
	if p := downloadProblem(r); p != "" {
		problem = strings.TrimSpace(problem + "\n" + p)
	}
	if missing(r) {
		problem = strings.TrimSpace(problem + "\nThe video is no longer in the library folder. Use “Retry download” to fetch it again while the service still has it.")
	}
	set("Problem", problem)

	v.favourite.OnChanged = nil
	v.favourite.SetChecked(r.Favourite)
	v.favourite.OnChanged = v.onFavouriteChanged
	if r.ID != v.shownID {
		// Only for a newly selected record: a status change must not wipe
		// tags or a note being typed.
		v.shownID, v.fileIdx = r.ID, 0
		v.tags.SetText(strings.Join(r.Tags, ", "))
		v.note.SetText(r.Note)
	}
	v.fileIdx = min(v.fileIdx, max(len(r.Files)-1, 0))
	if len(r.Files) > 1 {
		opts := make([]string, len(r.Files))
		for i := range r.Files {
			opts[i] = fmt.Sprintf("Video %d of %d", i+1, len(r.Files))
		}
		v.videoPick.OnChanged = nil
		v.videoPick.SetOptions(opts)
		v.videoPick.SetSelectedIndex(v.fileIdx)
		v.videoPick.OnChanged = v.onVideoPicked
		v.videoPick.Show()
	} else {
		v.videoPick.Hide()
	}
	v.showThumbnail(r)

	hasFile := len(r.Files) > 0 && !r.Files[v.fileIdx].Missing
	trashed := r.Trashed()
	enable(v.openBtn, hasFile && !trashed)
	enable(v.folderBtn, hasFile && !trashed)
	enable(v.retryBtn, !trashed && canRetryDownload(r))
	if canAttachTaskID(r) {
		v.attachBtn.Show()
	} else {
		v.attachBtn.Hide()
	}
	enable(v.againBtn, r.Request.Prompt != "")
	enable(v.checkBtn, !trashed && r.TaskID != "" && !(r.Watching && !r.State.Final()))
	enable(v.unwatchBtn, r.Watching && !r.State.Final())
	enable(v.copyBtn, r.TaskID != "")
	if trashed {
		v.deleteBtn.SetText("Restore from trash")
		v.deleteBtn.SetIcon(theme.ContentUndoIcon())
		v.deleteBtn.Importance = widget.MediumImportance
	} else {
		v.deleteBtn.SetText("Move to trash")
		v.deleteBtn.SetIcon(theme.DeleteIcon())
		v.deleteBtn.Importance = widget.DangerImportance
	}
	v.deleteBtn.Refresh()
}

func missing(r history.Record) bool {
	return slices.ContainsFunc(r.Files, func(f history.File) bool { return f.Missing })
}

// showThumbnail loads the selected record's thumbnail in the background.
func (v *historyView) showThumbnail(r history.Record) {
	var path string
	if v.fileIdx < len(r.Files) {
		path = v.ui.deps.Tracker.ThumbnailPath(r.Files[v.fileIdx])
	}
	if path == v.shownThumb {
		return
	}
	v.shownThumb = path
	v.thumbSeq++
	seq := v.thumbSeq
	if path == "" {
		v.thumb.Resource = nil
		v.thumbBox.Hide()
		return
	}
	v.ui.background(func(ctx context.Context) {
		data, err := os.ReadFile(path)
		v.ui.do(func() {
			if seq != v.thumbSeq {
				return
			}
			if err != nil {
				v.thumbBox.Hide()
				return
			}
			v.thumb.Resource = fyne.NewStaticResource(filepath.Base(path), data)
			v.thumbBox.Show()
			v.detail.Refresh()
		})
	})
}

// mediaText describes a file's facts in one line.
func mediaText(f history.File) string {
	switch f.MediaState {
	case history.MediaUnknown:
		return "Reading the video…"
	case history.MediaUnreadable:
		return "Unreadable video: the file is not a video Reelhouse can read."
	}
	m := f.Media
	parts := []string{fmt.Sprintf("%.1f s", m.Duration.Seconds()), fmt.Sprintf("%d×%d", m.Width, m.Height)}
	if m.PixelAspect != "" {
		parts = append(parts, "pixels "+m.PixelAspect+" (not square)")
	}
	if m.FrameRate > 0 {
		parts = append(parts, fmt.Sprintf("%.3g fps", m.FrameRate))
	}
	if m.VideoCodec != "" {
		parts = append(parts, m.VideoCodec)
	}
	if m.HasAudio {
		parts = append(parts, "with sound")
	} else {
		parts = append(parts, "no sound")
	}
	if m.Truncated {
		parts = append(parts, "the file looks cut short at its end")
	}
	return strings.Join(parts, " · ")
}

// serviceFields lists the driver-specific fields the service sent with the
// videos, other than their URLs.
func serviceFields(raw json.RawMessage) string {
	var resp struct {
		Data []map[string]json.RawMessage `json:"data"`
	}
	if json.Unmarshal(raw, &resp) != nil {
		return ""
	}
	var lines []string
	for i, item := range resp.Data {
		keys := make([]string, 0, len(item))
		for k := range item {
			if k != "url" {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			val := strings.Trim(string(item[k]), `"`)
			if len(resp.Data) > 1 {
				k = fmt.Sprintf("%d. %s", i+1, k)
			}
			lines = append(lines, k+": "+firstLine(val, 80))
		}
	}
	return strings.Join(lines, "\n")
}

func enable(b *widget.Button, on bool) {
	if on {
		b.Enable()
	} else {
		b.Disable()
	}
}

// optionsText lists the request's options in words.
func optionsText(r history.Record) string {
	var parts []string
	q := r.Request
	if q.Ratio != "" {
		parts = append(parts, "ratio "+q.Ratio)
	}
	if q.Resolution != "" {
		parts = append(parts, q.Resolution)
	}
	if q.Duration > 0 {
		parts = append(parts, fmt.Sprintf("%d s", q.Duration))
	}
	if len(q.Image) > 0 {
		parts = append(parts, "with a reference image")
	}
	if len(q.UpstreamOptions) > 0 {
		keys := make([]string, 0, len(q.UpstreamOptions))
		for k := range q.UpstreamOptions {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		parts = append(parts, "extra: "+strings.Join(keys, ", "))
	}
	if len(parts) == 0 {
		return "defaults"
	}
	return strings.Join(parts, ", ")
}

// filePath is the absolute path of the chosen video of the selected task.
func (v *historyView) filePath() (string, bool) {
	r, ok := v.current()
	if !ok || v.fileIdx >= len(r.Files) {
		return "", false
	}
	p, err := v.ui.deps.Library.Folder().Abs(r.Files[v.fileIdx].Path)
	return p, err == nil
}

// onVideoPicked chooses which video of a task the actions and the
// thumbnail are about.
func (v *historyView) onVideoPicked(string) {
	if i := v.videoPick.SelectedIndex(); i >= 0 {
		v.fileIdx = i
		v.showDetail()
	}
}

func (v *historyView) onOpen() {
	if p, ok := v.filePath(); ok {
		v.openPath(p, p)
	}
}

func (v *historyView) onShowFolder() {
	if p, ok := v.filePath(); ok {
		v.openPath(p, filepath.Dir(p))
	}
}

// openPath checks in the background that the video exists, then asks the
// system to open target.
func (v *historyView) openPath(video, target string) {
	v.ui.background(func(ctx context.Context) {
		if _, err := os.Stat(video); err != nil {
			v.ui.showError(v.win, "Video not found", fmt.Errorf("The video is no longer at %s. It may have been moved or deleted outside Reelhouse; use “Retry download” to fetch it again while the service still has it.", userText(video)))
			return
		}
		u := &url.URL{Scheme: "file", Path: filepath.ToSlash(target)}
		v.ui.do(func() {
			if err := v.ui.app.OpenURL(u); err != nil {
				v.ui.showError(v.win, "Could not open the video", fmt.Errorf("Your system could not open %s: %v", userText(target), err))
			}
		})
	})
}

// act runs a tracker action on the selected record in the background.
func (v *historyView) act(title string, fn func(ctx context.Context, id int64) error) {
	r, ok := v.current()
	if !ok {
		return
	}
	v.ui.background(func(ctx context.Context) {
		v.ui.showError(v.win, title, fn(ctx, r.ID))
	})
}

func (v *historyView) onRetry() {
	v.act("Could not retry the download", v.ui.deps.Tracker.RetryDownload)
}

func (v *historyView) onCheckAgain() {
	v.act("Could not check the task", v.ui.deps.Tracker.CheckAgain)
}

func (v *historyView) onStopWatching() {
	v.act("Could not stop watching", v.ui.deps.Tracker.StopWatching)
}

func (v *historyView) onGenerateAgain() {
	if r, ok := v.current(); ok {
		v.ui.compose.fill(r.Request)
	}
}

func (v *historyView) onCopyID() {
	if r, ok := v.current(); ok && r.TaskID != "" {
		v.ui.app.Clipboard().SetContent(r.TaskID)
	}
}

func (v *historyView) onFavouriteChanged(on bool) {
	v.act("Could not save the favourite", func(ctx context.Context, id int64) error {
		return v.ui.deps.Library.SetFavourite(ctx, id, on)
	})
}

func (v *historyView) onSaveNotes() {
	tags := strings.Split(v.tags.Text, ",")
	note := v.note.Text
	v.act("Could not save the tags and note", func(ctx context.Context, id int64) error {
		if err := v.ui.deps.Library.SetTags(ctx, id, tags); err != nil {
			return err
		}
		if err := v.ui.deps.Library.SetNote(ctx, id, note); err != nil {
			return err
		}
		v.reload(ctx) // the tag filter may have a new choice
		return nil
	})
}

// onDelete moves the selected video to the trash, with a way to undo; in
// the trash view it restores it instead.
func (v *historyView) onDelete() {
	r, ok := v.current()
	if !ok {
		return
	}
	library := v.ui.deps.Library
	if r.Trashed() {
		v.act("Could not restore the video", library.Untrash)
		return
	}
	v.ui.background(func(ctx context.Context) {
		if err := library.Trash(ctx, r.ID); err != nil {
			v.ui.showError(v.win, "Could not move the video to the trash", err)
			return
		}
		v.ui.do(func() {
			msg := widget.NewLabel("“" + firstLine(r.Request.Prompt, 60) + "” is in the trash. It is deleted for good only when you empty the trash (Library ▸ Empty trash).")
			msg.Wrapping = fyne.TextWrapWord
			d := dialog.NewCustomConfirm("Moved to trash", "Undo", "OK", msg, func(undo bool) {
				if undo {
					v.ui.background(func(ctx context.Context) {
						v.ui.showError(v.win, "Could not undo", library.Untrash(ctx, r.ID))
					})
				}
			}, v.win)
			d.Resize(fyne.NewSize(460, 180))
			d.Show()
		})
	})
}

// onLibraryMenu offers the actions on the whole library.
func (v *historyView) onLibraryMenu() {
	menu := fyne.NewMenu("",
		fyne.NewMenuItem("Export selected video…", func() { v.onExport(false) }),
		fyne.NewMenuItem("Export all shown videos…", func() { v.onExport(true) }),
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem("Check library folder", v.onReconcile),
		fyne.NewMenuItem("Rebuild history from folder", v.onRebuild),
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem("Empty trash…", v.onEmptyTrash),
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem("Copy diagnostics", v.onCopyDiagnostics),
	)
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(v.library)
	widget.ShowPopUpMenuAtPosition(menu, v.win.Canvas(), pos.Add(fyne.NewPos(0, v.library.Size().Height)))
}

func (v *historyView) onExport(all bool) {
	var ids []int64
	if all {
		for _, r := range v.records {
			ids = append(ids, r.ID)
		}
	} else if r, ok := v.current(); ok {
		ids = append(ids, r.ID)
	}
	if len(ids) == 0 {
		v.ui.showError(v.win, "Nothing to export", fmt.Errorf("Select a video first."))
		return
	}
	asZip := widget.NewCheck("As one ZIP file", nil)
	msg := widget.NewLabel(fmt.Sprintf("Copy %d video(s), each with its description file, to a folder you choose.", len(ids)))
	msg.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustomConfirm("Export videos", "Choose folder…", "Cancel", container.NewVBox(msg, asZip),
		func(ok bool) {
			if !ok {
				return
			}
			zip := asZip.Checked
			dialog.ShowFolderOpen(func(dir fyne.ListableURI, err error) {
				if err != nil || dir == nil {
					v.ui.showError(v.win, "Could not open the folder", err)
					return
				}
				v.runExport(ids, dir.Path(), zip)
			}, v.win)
		}, v.win)
	d.Resize(fyne.NewSize(460, 200))
	d.Show()
}

func (v *historyView) runExport(ids []int64, dir string, zip bool) {
	progress := dialog.NewCustomWithoutButtons("Exporting…", widget.NewProgressBarInfinite(), v.win)
	progress.Show()
	v.ui.background(func(ctx context.Context) {
		where, err := v.ui.deps.Library.Export(ctx, ids, dir, zip)
		v.ui.do(func() {
			progress.Hide()
			if err != nil {
				v.ui.showError(v.win, "Could not export", err)
				return
			}
			dialog.ShowInformation("Export finished", "The videos were copied to "+userText(where)+".", v.win)
		})
	})
}

func (v *historyView) onReconcile() {
	v.ui.background(func(ctx context.Context) {
		rep, err := v.ui.deps.Library.Reconcile(ctx)
		if err != nil {
			v.ui.showError(v.win, "Could not check the library folder", err)
			return
		}
		v.reload(ctx)
		v.ui.do(func() { dialog.ShowInformation("Library folder checked", reportText(rep), v.win) })
	})
}

func (v *historyView) onRebuild() {
	dialog.ShowConfirm("Rebuild history from folder",
		"Reelhouse will read the description file next to every video in the library folder and add any video the history is missing. Nothing is deleted.",
		func(ok bool) {
			if ok {
				v.onReconcile()
			}
		}, v.win)
}

func (v *historyView) onEmptyTrash() {
	dialog.ShowConfirm("Empty trash", "Delete every video in the trash for good? This cannot be undone.", func(ok bool) {
		if !ok {
			return
		}
		v.ui.background(func(ctx context.Context) {
			n, err := v.ui.deps.Library.EmptyTrash(ctx)
			if err != nil {
				v.ui.showError(v.win, "Could not empty the trash", err)
				return
			}
			v.ui.do(func() {
				dialog.ShowInformation("Trash emptied", fmt.Sprintf("%d video(s) deleted for good.", n), v.win)
			})
		})
	}, v.win)
}

// reportText sums up a library check in plain words.
func reportText(rep history.LibraryReport) string {
	var parts []string
	if rep.Added > 0 {
		parts = append(parts, fmt.Sprintf("%d video(s) found in the folder were added to the history.", rep.Added))
	}
	if rep.Moved > 0 {
		parts = append(parts, fmt.Sprintf("%d video(s) were found in a new place.", rep.Moved))
	}
	if rep.Returned > 0 {
		parts = append(parts, fmt.Sprintf("%d missing video(s) are back.", rep.Returned))
	}
	if rep.Missing > 0 {
		parts = append(parts, fmt.Sprintf("%d video(s) are missing from the folder; use “Retry download” on them while the service still has them.", rep.Missing))
	}
	for i, p := range rep.Problems {
		if i == 5 {
			parts = append(parts, fmt.Sprintf("…and %d more problems.", len(rep.Problems)-5))
			break
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return "Everything in the history is in the library folder."
	}
	return strings.Join(parts, "\n")
}

func (v *historyView) onAddByID() {
	entry := widget.NewEntry()
	entry.SetPlaceHolder("e.g. a1b2c3d4-e5f6-…")
	d := dialog.NewForm("Add a task by its id", "Add", "Cancel",
		[]*widget.FormItem{widget.NewFormItem("Task id", entry)}, func(ok bool) {
			if ok {
				v.addByID(entry.Text)
			}
		}, v.win)
	d.Resize(fyne.NewSize(460, 160))
	d.Show()
}

// addByID asks the service about a task id and adds it to the history.
func (v *historyView) addByID(id string) {
	v.ui.background(func(ctx context.Context) {
		rec, err := v.ui.deps.Tracker.AddByID(ctx, id)
		if err != nil {
			v.ui.showError(v.win, "Could not add the task", taskIDError(err))
			return
		}
		v.ui.do(func() {
			v.selected = rec.ID
			v.onRecordChanged(rec)
			if i := v.indexOf(rec.ID); i >= 0 {
				v.list.Select(i)
			}
		})
	})
}

// onAttachID asks for the task id of an uncertain submission, found on the
// service's website, so that the entry becomes that task.
func (v *historyView) onAttachID() {
	r, ok := v.current()
	if !ok || !canAttachTaskID(r) {
		return
	}
	entry := widget.NewEntry()
	entry.SetPlaceHolder("e.g. a1b2c3d4-e5f6-…")
	msg := widget.NewLabel("If the service's website lists this video, paste its task id here. Reelhouse then follows it and downloads it with this prompt and these options.")
	msg.Wrapping = fyne.TextWrapWord
	d := dialog.NewForm("I have its task id", "Attach", "Cancel",
		[]*widget.FormItem{widget.NewFormItem("", msg), widget.NewFormItem("Task id", entry)}, func(ok bool) {
			if ok {
				v.attachID(r.ID, entry.Text)
			}
		}, v.win)
	d.Resize(fyne.NewSize(520, 220))
	d.Show()
}

// attachID settles an uncertain entry with a task id, in the background.
func (v *historyView) attachID(id int64, taskID string) {
	v.ui.background(func(ctx context.Context) {
		_, err := v.ui.deps.Tracker.AttachTaskID(ctx, id, taskID)
		v.ui.showError(v.win, "Could not attach the task id", taskIDError(err))
	})
}
