package gui

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/reelhouse/reelhouse/history"
)

// Filters offered above the history list.
const (
	filterAll        = "All videos"
	filterInProgress = "In progress"
	filterDone       = "Downloaded"
	filterAttention  = "Needs attention"
)

// historyView lists every task, newest first, with the selected task's
// details and actions.
type historyView struct {
	ui  *UI
	win fyne.Window

	search *widget.Entry
	filter *widget.Select
	list   *widget.List
	count  *widget.Label

	// records backs the list; it changes only on the UI goroutine.
	records  []history.Record
	progress map[int64]float64
	selected int64
	loadSeq  int

	detail     *fyne.Container
	empty      *widget.Label
	prompt     *widget.Label
	fields     map[string]*widget.Label
	openBtn    *widget.Button
	folderBtn  *widget.Button
	retryBtn   *widget.Button
	againBtn   *widget.Button
	checkBtn   *widget.Button
	unwatchBtn *widget.Button
	deleteBtn  *widget.Button
	copyBtn    *widget.Button
}

// detailFields are the metadata rows of the detail panel, in order.
var detailFields = []string{"Status", "Model", "Options", "Task id", "Created", "Completed", "File", "Folder", "Size", "Problem"}

func newHistory(u *UI) *historyView {
	v := &historyView{
		ui:       u,
		win:      secondaryWindow(u.app, "Reelhouse — History", fyne.NewSize(980, 620)),
		progress: make(map[int64]float64),
		fields:   make(map[string]*widget.Label),
	}
	v.search = widget.NewEntry()
	v.search.SetPlaceHolder("Search prompts, models or a task id")
	v.search.OnChanged = func(string) { v.onFilterChanged() }
	v.filter = widget.NewSelect([]string{filterAll, filterInProgress, filterDone, filterAttention}, nil)
	v.filter.SetSelected(filterAll)
	v.filter.OnChanged = func(string) { v.onFilterChanged() }
	addBtn := widget.NewButtonWithIcon("Add by task id…", theme.ContentAddIcon(), v.onAddByID)
	v.count = widget.NewLabel("")

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
			row.Objects[0].(*widget.Label).SetText(firstLine(r.Request.Prompt, 200))
			row.Objects[1].(*widget.Label).SetText(v.rowStatus(r))
			row.Objects[2].(*widget.Label).SetText(r.CreatedAt.Local().Format("2 Jan 15:04"))
		},
	)
	v.list.OnSelected = func(i widget.ListItemID) {
		if i < len(v.records) {
			v.selected = v.records[i].ID
			v.showDetail()
		}
	}

	v.empty = widget.NewLabel("Select a video to see its details.")
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
	v.openBtn = widget.NewButtonWithIcon("Open video", theme.MediaPlayIcon(), v.onOpen)
	v.openBtn.Importance = widget.HighImportance
	v.folderBtn = widget.NewButtonWithIcon("Show in folder", theme.FolderOpenIcon(), v.onShowFolder)
	v.retryBtn = widget.NewButtonWithIcon("Retry download", theme.DownloadIcon(), v.onRetry)
	v.againBtn = widget.NewButtonWithIcon("Generate again", theme.ViewRefreshIcon(), v.onGenerateAgain)
	v.checkBtn = widget.NewButtonWithIcon("Check again", theme.SearchIcon(), v.onCheckAgain)
	v.unwatchBtn = widget.NewButtonWithIcon("Stop watching", theme.VisibilityOffIcon(), v.onStopWatching)
	v.copyBtn = widget.NewButtonWithIcon("Copy task id", theme.ContentCopyIcon(), v.onCopyID)
	v.deleteBtn = widget.NewButtonWithIcon("Delete…", theme.DeleteIcon(), v.onDelete)
	v.deleteBtn.Importance = widget.DangerImportance
	actions := container.NewGridWithColumns(2,
		v.openBtn, v.folderBtn, v.retryBtn, v.againBtn, v.checkBtn, v.unwatchBtn, v.copyBtn, v.deleteBtn)
	heading := widget.NewLabelWithStyle("Prompt", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	v.detail = container.NewBorder(nil, actions, nil, nil, container.NewVScroll(container.NewVBox(heading, v.prompt, form)))
	v.detail.Hide()

	top := container.NewBorder(nil, nil, nil, container.NewHBox(v.filter, addBtn), v.search)
	left := container.NewBorder(nil, v.count, nil, nil, v.list)
	right := container.NewPadded(container.NewStack(v.empty, v.detail))
	split := container.NewHSplit(left, right)
	split.Offset = 0.5
	v.win.SetContent(container.NewPadded(container.NewBorder(top, nil, nil, nil, split)))
	return v
}

func (v *historyView) show() {
	v.win.Show()
	v.win.RequestFocus()
}

// rowStatus is the status column, with download progress when known.
func (v *historyView) rowStatus(r history.Record) string {
	if p, ok := v.progress[r.ID]; ok && r.State == history.StateSuccess && r.Download == history.DownloadWaiting {
		return fmt.Sprintf("Downloading %d%%", int(p*100))
	}
	return statusText(r)
}

func (v *historyView) query() history.Query {
	q := history.Query{Text: v.search.Text, Limit: 1000}
	return q
}

// matches applies the filter that the store does not.
func (v *historyView) matches(r history.Record) bool {
	switch v.filter.Selected {
	case filterInProgress:
		if !inProgress(r) {
			return false
		}
	case filterDone:
		if r.Download != history.DownloadDone {
			return false
		}
	case filterAttention:
		if !needsAttention(r) {
			return false
		}
	}
	for _, word := range strings.Fields(strings.ToLower(v.search.Text)) {
		if !strings.Contains(strings.ToLower(r.Request.Prompt), word) &&
			!strings.Contains(strings.ToLower(r.Request.Model), word) && r.TaskID != word {
			return false
		}
	}
	return true
}

func (v *historyView) onFilterChanged() {
	v.ui.background(v.reload)
}

// reload reads the list from the store in the background. A newer reload
// wins over an older one that finishes later.
func (v *historyView) reload(ctx context.Context) {
	var q history.Query
	var seq int
	done := make(chan struct{})
	v.ui.do(func() {
		v.loadSeq++
		seq = v.loadSeq
		q = v.query()
		close(done)
	})
	select {
	case <-done:
	case <-ctx.Done():
		return
	}
	recs, err := v.ui.deps.Store.List(ctx, q)
	if err != nil {
		v.ui.showError(v.win, "Could not read the history", err)
		return
	}
	v.ui.do(func() {
		if seq != v.loadSeq {
			return
		}
		v.records = v.records[:0]
		for _, r := range recs {
			if v.matches(r) {
				v.records = append(v.records, r)
			}
		}
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

func (v *historyView) updateCount() {
	switch n := len(v.records); n {
	case 0:
		v.count.SetText("No videos yet. Write a prompt in the main window and press Generate.")
	case 1:
		v.count.SetText("1 video")
	default:
		v.count.SetText(fmt.Sprintf("%d videos", n))
	}
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

// onRecordChanged updates one row, or adds the record at the top.
func (v *historyView) onRecordChanged(r history.Record) {
	if r.Download != history.DownloadWaiting {
		delete(v.progress, r.ID)
	}
	if i := v.indexOf(r.ID); i >= 0 {
		v.records[i] = r
		v.list.RefreshItem(i)
	} else if v.matches(r) {
		v.records = append([]history.Record{r}, v.records...)
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

func (v *historyView) onRecordDeleted(id int64) {
	delete(v.progress, id)
	i := v.indexOf(id)
	if i < 0 {
		return
	}
	v.records = slices.Delete(v.records, i, i+1)
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
	var names, folders, sizes []string
	for _, f := range r.Files {
		p := filepath.Join(v.ui.deps.Tracker.Library().Dir(), filepath.FromSlash(f.Path))
		names = append(names, filepath.Base(p))
		if dir := filepath.Dir(p); !slices.Contains(folders, dir) {
			folders = append(folders, dir)
		}
		sizes = append(sizes, humanSize(f.Size))
	}
	set("File", strings.Join(names, ", "))
	set("Folder", strings.Join(folders, ", "))
	set("Size", strings.Join(sizes, ", "))
	problem := r.ErrorMessage
	if r.DownloadError != "" {
		problem = strings.TrimSpace(problem + "\n" + r.DownloadError)
	}
	set("Problem", problem)

	hasFile := len(r.Files) > 0
	enable(v.openBtn, hasFile)
	enable(v.folderBtn, hasFile)
	enable(v.retryBtn, r.State == history.StateSuccess && (r.Download == history.DownloadFailed || r.Download == history.DownloadPaused))
	enable(v.againBtn, r.Request.Prompt != "")
	enable(v.checkBtn, r.TaskID != "" && !(r.Watching && !r.State.Final()))
	enable(v.unwatchBtn, r.Watching && !r.State.Final())
	enable(v.copyBtn, r.TaskID != "")
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

// filePath is the absolute path of the selected task's first video.
func (v *historyView) filePath() (string, bool) {
	r, ok := v.current()
	if !ok || len(r.Files) == 0 {
		return "", false
	}
	p, err := v.ui.deps.Tracker.Library().Abs(r.Files[0].Path)
	return p, err == nil
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
			v.ui.showError(v.win, "Video not found", fmt.Errorf("The video is no longer at %s. It may have been moved or deleted outside Reelhouse; use “Retry download” to fetch it again while the service still has it.", video))
			return
		}
		u := &url.URL{Scheme: "file", Path: filepath.ToSlash(target)}
		v.ui.do(func() {
			if err := v.ui.app.OpenURL(u); err != nil {
				v.ui.showError(v.win, "Could not open the video", fmt.Errorf("Your system could not open %s: %v", target, err))
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

func (v *historyView) onDelete() {
	r, ok := v.current()
	if !ok {
		return
	}
	alsoFiles := widget.NewCheck("Also delete the video files from the library", nil)
	alsoFiles.SetChecked(len(r.Files) > 0)
	if len(r.Files) == 0 {
		alsoFiles.Disable()
	}
	msg := widget.NewLabel("Remove “" + firstLine(r.Request.Prompt, 60) + "” from the history?")
	msg.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustomConfirm("Delete video", "Delete", "Keep", container.NewVBox(msg, alsoFiles), func(ok bool) {
		if !ok {
			return
		}
		remove := alsoFiles.Checked
		v.ui.background(func(ctx context.Context) {
			v.ui.showError(v.win, "Could not delete", v.ui.deps.Tracker.Delete(ctx, r.ID, remove))
		})
	}, v.win)
	d.Resize(fyne.NewSize(420, 200))
	d.Show()
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
			v.ui.showError(v.win, "Could not add the task", err)
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
