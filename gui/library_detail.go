package gui

import (
	"context"
	"encoding/json"
	"fmt"
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
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history"
	"github.com/reelhouse/reelhouse/history/store"
)

// detailFields are the labels of the detail panel: the status and the
// problem at the top, the technical facts folded under "Details".
var detailFields = []string{translateLater("Status"), translateLater("Problem"), translateLater("Model"), translateLater("Options"), translateLater("Task id"), translateLater("Created"), translateLater("Completed"), translateLater("Video"), translateLater("File"), translateLater("Folder"), translateLater("Size"), translateLater("Service fields")}

// technicalFields are the facts under "Details", in order.
var technicalFields = detailFields[2:]

// libraryDetail is the detail pane of the library: the selected video,
// what a person cares about first, the technical facts folded away, its
// title, tags and note (editor) and its actions.
type libraryDetail struct {
	m    *libraryModel
	ui   *UI
	win  fyne.Window
	wait *libraryWait

	box   *fyne.Container // the pane, shown while a video is selected
	empty *widget.Label   // stands in for the pane while none is

	// playerSlot is the top of the panel. It shows the thumbnail; the
	// in-app player takes its place there.
	playerSlot *fyne.Container
	thumb      *canvas.Image
	thumbBox   *fyne.Container
	player     *playerView     // plays the chosen video; nil when none
	playerPath string          // the video the player is for
	playerBox  *fyne.Container // holds the player at the top of the details
	videoPick  *widget.Select
	prompt     *widget.Label
	promptHead *widget.Label // "Prompt", over it; a film lists its shots instead
	fields     map[string]*widget.Label
	serviceBtn *widget.Button // "Details…": the service's own code and message, and the problem's facts
	facts      *widget.Accordion
	links      *recordLinks // compare, continue, and the videos linked to this one
	editor     *libraryEditor
	actions    *libraryActions

	shownID    int64             // the record shown
	scroll     *container.Scroll // the details; each newly shown video starts at its top
	shownThumb string            // the thumbnail on show
	thumbSeq   int
	fileIdx    int // which video of the record Open, Show in folder and the thumbnail use
}

// newLibraryDetail makes the detail pane's widgets.
func newLibraryDetail(m *libraryModel, wait *libraryWait) *libraryDetail {
	v := &libraryDetail{m: m, ui: m.ui, win: m.win, wait: wait, fields: make(map[string]*widget.Label)}
	v.editor = newLibraryEditor(m)
	v.actions = newLibraryActions(m, v.filePath)

	v.empty = widget.NewLabel(lang.L("Select a video to see it here."))
	v.thumb = canvas.NewImageFromResource(nil)
	v.thumb.FillMode = canvas.ImageFillContain
	v.thumb.SetMinSize(fyne.NewSize(320, 180))
	v.thumbBox = container.NewCenter(v.thumb)
	v.thumbBox.Hide()
	v.playerBox = container.NewStack()
	v.playerSlot = container.NewStack(v.playerBox, v.thumbBox)
	v.links = newRecordLinks(v.ui)
	v.videoPick = widget.NewSelect(nil, v.onVideoPicked)
	v.videoPick.Hide()

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
	}
	v.fields["Status"].TextStyle.Bold = true
	v.fields["Status"].Selectable = false
	v.serviceBtn = widget.NewButton(lang.L("Details…"), v.onServiceDetails)
	v.serviceBtn.Importance = widget.LowImportance
	v.serviceBtn.Hide()

	v.prompt = widget.NewLabel("")
	v.prompt.Wrapping = fyne.TextWrapWord
	v.prompt.Selectable = true

	a, e := v.actions, v.editor
	facts := widget.NewForm()
	for _, name := range technicalFields {
		var value fyne.CanvasObject = v.fields[name]
		if name == "Task id" {
			value = container.NewBorder(nil, nil, nil, a.copyBtn, v.fields[name])
		}
		facts.Append(lang.L(name), value)
	}
	v.facts = widget.NewAccordion(widget.NewAccordionItem(lang.L("Details"), facts))

	bold := func(s string) *widget.Label {
		return widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	problem := container.NewBorder(nil, nil, nil, container.NewVBox(v.serviceBtn), v.fields["Problem"])
	v.promptHead = bold(lang.L("Prompt"))
	body := container.NewVBox(
		v.playerSlot,
		container.NewCenter(v.videoPick),
		e.title,
		v.fields["Status"],
		problem,
		a.fixRow,
		v.promptHead,
		v.prompt,
		v.links.content(),
		a.favourite,
		bold(lang.L("Tags")),
		e.chips,
		e.tags,
		bold(lang.L("Note")),
		e.note,
		e.saved,
		v.facts,
	)
	actions := container.NewGridWithColumns(2, a.openBtn, a.folderBtn, a.againBtn, a.deleteBtn)
	// The inset keeps the entries' right edges clear of the scroll bar.
	inset := container.New(layout.NewCustomPaddedLayout(0, 0, 0, 3*theme.Padding()), body)
	v.scroll = container.NewVScroll(inset)
	v.box = container.NewBorder(nil, container.NewVBox(widget.NewSeparator(), actions), nil, nil, v.scroll)
	v.box.Hide()
	m.watch(libraryWatcher{
		current: v.show,
		status:  func(r store.Record) { v.fields["Status"].SetText(wait.rowStatus(r)) },
	})
	return v
}

// show fills the detail panel from the selected record.
func (v *libraryDetail) show() {
	r, ok := v.m.current()
	if !ok || r.ID != v.shownID {
		// The draft belongs to the record shown until now: save it first.
		v.editor.flushEdits()
	}
	if !ok {
		v.shownID = 0
		v.editor.shownID = 0
		// The picture and the player belong to the record shown until
		// now: none of it may wait here for the next one.
		v.closePlayer()
		v.showThumbnail("")
		v.box.Hide()
		v.empty.Show()
		return
	}
	v.empty.Hide()
	v.box.Show()
	v.prompt.SetText(userText(r.Request.Prompt))
	// A film's prompts are its shots', which its links list.
	for _, o := range []fyne.CanvasObject{v.promptHead, v.prompt} {
		if r.IsFilm() {
			o.Hide()
		} else {
			o.Show()
		}
	}
	set := func(name, value string) {
		if value == "" {
			value = "—"
		}
		v.fields[name].SetText(value)
	}
	v.fields["Status"].SetText(v.wait.rowStatus(r))
	set("Model", r.Request.Model)
	set("Options", optionsText(r))
	if r.IsFilm() {
		set("Task id", "") // its own, not the service's
	} else {
		set("Task id", r.TaskID)
	}
	set("Created", humanTime(r.CreatedAt))
	set("Completed", humanTime(r.ServerCompleted.Time()))
	var names, folders, sizes, videos []string
	for _, f := range r.Files {
		p := filepath.Join(v.ui.deps.Library.Dir(), filepath.FromSlash(f.Path))
		name := filepath.Base(p)
		if f.Missing {
			name = lang.L("{{.Name}} (missing)", map[string]any{"Name": name})
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
	if p := recordProblems(r, v.m.libraryGone); p != "" {
		v.fields["Problem"].SetText(p)
		v.fields["Problem"].Show()
	} else {
		v.fields["Problem"].SetText("")
		v.fields["Problem"].Hide()
	}
	if code, msg := serviceError(r); code != "" || msg != "" || len(problemFacts(r)) > 0 {
		v.serviceBtn.Show()
	} else {
		v.serviceBtn.Hide()
	}

	v.actions.showFavourite(r)
	if r.ID != v.shownID {
		v.shownID, v.fileIdx = r.ID, 0
		v.scroll.ScrollToTop() // the player first, not where the last video was left
	}
	v.editor.show(r)
	v.fileIdx = min(v.fileIdx, max(len(r.Files)-1, 0))
	if len(r.Files) > 1 {
		opts := make([]string, len(r.Files))
		for i := range r.Files {
			opts[i] = lang.L("Video {{.Number}} of {{.Total}}", map[string]any{"Number": i + 1, "Total": len(r.Files)})
		}
		v.videoPick.OnChanged = nil
		v.videoPick.SetOptions(opts)
		v.videoPick.SetSelectedIndex(v.fileIdx)
		v.videoPick.OnChanged = v.onVideoPicked
		v.videoPick.Show()
	} else {
		v.videoPick.Hide()
	}
	var thumb string
	if v.fileIdx < len(r.Files) {
		thumb = v.ui.deps.Library.ThumbnailPath(r.Files[v.fileIdx])
	}
	v.showThumbnail(thumb)
	v.links.show(r, v.fileIdx)

	// A video whose folder is not there (an unplugged drive) is neither
	// played nor opened until the folder is back.
	hasFile := len(r.Files) > 0 && !r.Files[v.fileIdx].Missing && !v.m.libraryGone
	v.showPlayer(r, hasFile && !r.Trashed())
	v.actions.show(r, hasFile)
}

// offer shows and enables b when it applies, and hides it otherwise.
func offer(b *widget.Button, on bool) {
	enable(b, on)
	if on {
		b.Show()
	} else {
		b.Hide()
	}
}

// recordProblems is what went wrong with r, in plain sentences that say
// what to do next, or "" when nothing did. The service's own words and the
// system's are behind "Details…" (serviceError, problemFacts). While the
// library folder is gone (a drive not connected) its videos are not
// missing: nothing is to be fetched again.
func recordProblems(r store.Record, libraryGone bool) string {
	var lines []string
	switch {
	case r.State == store.StateFailed:
		lines = append(lines, lang.L("The service could not make this video. Change the prompt or the settings, then use “Generate again”."))
	case r.State == store.StateCancelled && r.ErrorCode != history.ErrorCodeCancelled:
		lines = append(lines, lang.L("The service cancelled this video. Use “Generate again” to make it once more."))
	case r.State == store.StateCancelled:
		lines = append(lines, lang.L("You cancelled this video, so the service stopped making it. Use “Generate again” to make it after all."))
	case r.ErrorMessage != "":
		lines = append(lines, messageText(r))
	}
	if p := downloadProblem(r); p != "" {
		lines = append(lines, p)
	}
	if libraryGone && r.State == store.StateSuccess {
		lines = append(lines, lang.L(libraryGoneDetail))
	} else if missing(r) {
		lines = append(lines, lang.L("The video is no longer in the library folder. Use “Retry download” to fetch it again while the service still has it."))
	}
	return strings.Join(lines, "\n")
}

// serviceError is the code and message the service gave for r's failure,
// as it sent them.
func serviceError(r store.Record) (code, message string) {
	var resp struct {
		Error *client.TaskError `json:"error"`
	}
	if json.Unmarshal(r.Raw, &resp) == nil && resp.Error != nil {
		code, message = resp.Error.Code, resp.Error.Message
	}
	if code == "" && r.ErrorCode != history.ErrorCodeCancelled {
		code = r.ErrorCode
	}
	return code, message
}

// problemFacts are the facts r keeps about what went wrong, as they were
// recorded and with secrets removed (errDetails): what the sentences of
// the Problem line leave out, one line each.
func problemFacts(r store.Record) []string {
	var lines []string
	if d := errDetails(messageFailure(r)); d != "" {
		lines = append(lines, lang.L("Request: {{.Facts}}", map[string]any{"Facts": userText(d)}))
	}
	if d := errDetails(downloadFailure(r)); d != "" {
		lines = append(lines, lang.L("Download: {{.Facts}}", map[string]any{"Facts": userText(d)}))
	}
	for _, f := range r.Files {
		if f.Missing {
			lines = append(lines, lang.L("Missing file: {{.File}}", map[string]any{"File": userText(f.Path)}))
		}
	}
	return lines
}

// onServiceDetails shows what the service said about the selected video's
// failure, in its own words, and the facts of its problem in the system's.
func (v *libraryDetail) onServiceDetails() {
	r, ok := v.m.current()
	if !ok {
		return
	}
	code, msg := serviceError(r)
	var lines []string
	if code != "" {
		lines = append(lines, lang.L("Code: {{.Code}}", map[string]any{"Code": userText(code)}))
	}
	if msg != "" {
		lines = append(lines, lang.L("Message: {{.Message}}", map[string]any{"Message": userText(msg)}))
	}
	facts := problemFacts(r)
	lines = append(lines, facts...)
	if r.TaskID != "" {
		lines = append(lines, lang.L("Task id: {{.TaskID}}", map[string]any{"TaskID": r.TaskID}))
	}
	title := lang.L("What the service said")
	if len(facts) > 0 {
		title = lang.L("What went wrong")
	}
	text := widget.NewLabel(strings.Join(lines, "\n"))
	text.Wrapping = fyne.TextWrapWord
	text.Selectable = true
	d := dialog.NewCustom(title, lang.L("Close"), text, v.win)
	showHouse(d, v.win, houseOpts{size: fyne.NewSize(480, 220)})
}

func missing(r store.Record) bool {
	return slices.ContainsFunc(r.Files, func(f store.File) bool { return f.Missing })
}

// showThumbnail shows the thumbnail at path, loaded in the background, or
// none when path is "". It is the only place the thumbnail changes, so
// that shownThumb always names the picture on show: a picture left behind
// while shownThumb says "" would stay for the next record without one.
func (v *libraryDetail) showThumbnail(path string) {
	if path == v.shownThumb {
		return
	}
	v.shownThumb = path
	v.thumbSeq++
	seq := v.thumbSeq
	// The picture on show is the one of the path before: it goes now, not
	// when the new one has loaded (or failed to).
	v.thumb.Resource = nil
	v.thumbBox.Hide()
	if path == "" {
		return
	}
	v.ui.background(func(ctx context.Context) {
		data, err := os.ReadFile(path)
		v.ui.do(func() {
			if seq != v.thumbSeq || err != nil {
				return
			}
			v.thumb.Resource = fyne.NewStaticResource(filepath.Base(path), data)
			if v.player == nil { // the player shows the thumbnail itself
				v.thumbBox.Show()
			}
			v.box.Refresh()
		})
	})
}

// mediaText describes a file's facts in one line.
func mediaText(f store.File) string {
	switch f.MediaState {
	case store.MediaUnknown:
		return lang.L("Reading the video…")
	case store.MediaUnreadable:
		return lang.L("Unreadable video: the file is not a video Reelhouse can read.")
	}
	m := f.Media
	parts := []string{lang.L("{{.Seconds}} s", map[string]any{"Seconds": fmt.Sprintf("%.1f", m.Duration.Seconds())}), fmt.Sprintf("%d×%d", m.Width, m.Height)}
	if m.PixelAspect != "" {
		parts = append(parts, lang.L("pixels {{.Aspect}} (not square)", map[string]any{"Aspect": m.PixelAspect}))
	}
	if m.FrameRate > 0 {
		parts = append(parts, fmt.Sprintf("%.3g fps", m.FrameRate))
	}
	if m.VideoCodec != "" {
		parts = append(parts, m.VideoCodec)
	}
	if m.HasAudio {
		parts = append(parts, lang.L("with sound"))
	} else {
		parts = append(parts, lang.L("no sound"))
	}
	if m.Truncated {
		parts = append(parts, lang.L("the file looks cut short at its end"))
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
func optionsText(r store.Record) string {
	var parts []string
	q := r.Request
	if q.Ratio != "" {
		parts = append(parts, lang.L("ratio {{.Ratio}}", map[string]any{"Ratio": q.Ratio}))
	}
	if q.Resolution != "" {
		parts = append(parts, q.Resolution)
	}
	if q.Duration > 0 {
		parts = append(parts, lang.L("{{.Seconds}} s", map[string]any{"Seconds": q.Duration}))
	}
	if len(q.Image) > 0 {
		parts = append(parts, lang.L("with a reference image"))
	}
	if len(q.UpstreamOptions) > 0 {
		keys := make([]string, 0, len(q.UpstreamOptions))
		for k := range q.UpstreamOptions {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		parts = append(parts, lang.L("extra: {{.Keys}}", map[string]any{"Keys": strings.Join(keys, ", ")}))
	}
	if len(parts) == 0 {
		return lang.L("the model's defaults")
	}
	return strings.Join(parts, ", ")
}

// filePath is the absolute path of the chosen video of the selected task.
func (v *libraryDetail) filePath() (string, bool) {
	r, ok := v.m.current()
	if !ok || v.fileIdx >= len(r.Files) {
		return "", false
	}
	p, err := v.ui.deps.Library.Folder().Abs(r.Files[v.fileIdx].Path)
	return p, err == nil
}

// onVideoPicked chooses which video of a task the actions and the
// thumbnail are about.
func (v *libraryDetail) onVideoPicked(string) {
	if i := v.videoPick.SelectedIndex(); i >= 0 {
		v.fileIdx = i
		v.show()
	}
}

// showPlayer puts a player for the chosen video at the top of the detail
// panel when it can be played (on), closing the one shown before.
func (v *libraryDetail) showPlayer(r store.Record, on bool) {
	path, ok := v.filePath()
	if !on || !ok {
		path = ""
	}
	if path == v.playerPath {
		return
	}
	v.closePlayer()
	if path == "" {
		return
	}
	f := r.Files[v.fileIdx]
	v.player = newPlayerView(v.ui, path, f.Media, v.ui.deps.Library.ThumbnailPath(f))
	if canContinue(r) {
		idx := v.fileIdx
		v.player.setUseFrame(func(at time.Duration) { v.ui.continueFlow.useFrame(r, idx, at) })
	}
	v.playerPath = path
	v.playerBox.Objects = []fyne.CanvasObject{v.player.content()}
	v.playerBox.Refresh()
	v.thumbBox.Hide()
}

// closePlayer ends the player of the detail panel, if any.
func (v *libraryDetail) closePlayer() {
	if v.player == nil {
		return
	}
	v.player.close()
	v.player, v.playerPath = nil, ""
	v.playerBox.Objects = nil
	v.playerBox.Refresh()
	if v.thumb.Resource != nil {
		v.thumbBox.Show()
	}
}
