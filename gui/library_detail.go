package gui

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
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

// saveDelay is how long typing in the title, tags or note must pause
// before it is saved.
const saveDelay = 600 * time.Millisecond

// detailPanel is the part of the library view that shows one video: what a
// person cares about first, the technical facts folded away, and the
// actions.
type detailPanel struct {
	// playerSlot is the top of the panel. It shows the thumbnail; the
	// in-app player takes its place there.
	playerSlot *fyne.Container
	title      *draftEntry
	chips      *fyne.Container // one removable button per tag
	chipTags   []string        // the tags the chips show: the draft of shownID
	saved      *widget.Label   // the quiet line that says the edits are saved
	serviceBtn *widget.Button  // "Details…": the service's own code and message, and the problem's facts
	facts      *widget.Accordion
	fixRow     *fyne.Container // the actions that fix a problem, when one applies

	// The title, tags and note in the entries are a draft of shownID's
	// until saved. editDirty says the draft differs from what was last
	// saved; editSeq tells the last keystroke's timer from stale ones.
	editDirty bool
	editSeq   int
	stopEdit  func() bool
	filling   bool // the entries are being filled from a record, not typed in
	// saving counts each record's saves under way, so that a live update
	// read before a save landed does not put old text back.
	saving map[int64]int
	saver  labelSaver

	// openFile asks the system to open a file or folder and reports
	// whether that failed; it runs off the UI goroutine. Tests replace it.
	openFile func(path string) error
}

// buildDetail makes the detail panel's widgets.
func (v *historyView) buildDetail() {
	v.saving = make(map[int64]int)
	v.saver.pending = make(map[int64]videoLabels)
	v.openFile = systemOpen(v.ui.app)

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

	v.title = newDraftEntry(false, v.flushEdits)
	v.title.SetPlaceHolder(lang.L("Give this video a title"))
	v.title.TextStyle.Bold = true
	v.title.OnChanged = func(string) { v.onDraftChanged() }
	v.title.OnSubmitted = func(string) { v.flushEdits() }

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
	v.favourite = widget.NewCheck(lang.L("Favourite"), nil)
	v.chips = container.New(layout.NewRowWrapLayout())
	v.tags = newDraftEntry(false, v.flushEdits)
	v.tags.SetPlaceHolder(lang.L("Add a tag, then press Enter"))
	v.tags.OnSubmitted = func(text string) { v.onAddTags(text) }
	v.note = newDraftEntry(true, v.flushEdits)
	v.note.SetPlaceHolder(lang.L("A note about this video"))
	v.note.SetMinRowsVisible(3)
	v.note.Wrapping = fyne.TextWrapWord
	v.note.OnChanged = func(string) { v.onDraftChanged() }
	v.saved = widget.NewLabel("")
	v.saved.Importance = widget.LowImportance
	v.saved.Wrapping = fyne.TextWrapWord

	v.openBtn = widget.NewButtonWithIcon(lang.L("Open video"), theme.MediaPlayIcon(), v.onOpen)
	v.openBtn.Importance = widget.HighImportance
	v.folderBtn = widget.NewButtonWithIcon(lang.L("Show in folder"), theme.FolderOpenIcon(), v.onShowFolder)
	v.retryBtn = widget.NewButtonWithIcon(lang.L("Retry download"), theme.DownloadIcon(), v.onRetry)
	v.againBtn = widget.NewButtonWithIcon(lang.L("Generate again"), theme.ViewRefreshIcon(), v.onGenerateAgain)
	v.checkBtn = widget.NewButtonWithIcon(lang.L("Check again"), theme.SearchIcon(), v.onCheckAgain)
	v.unwatchBtn = widget.NewButtonWithIcon(lang.L("Stop watching"), theme.VisibilityOffIcon(), v.onStopWatching)
	v.copyBtn = widget.NewButtonWithIcon(lang.L("Copy"), theme.ContentCopyIcon(), v.onCopyID)
	v.copyBtn.Importance = widget.LowImportance
	v.deleteBtn = widget.NewButtonWithIcon(lang.L("Move to trash"), theme.DeleteIcon(), v.onDelete)
	v.deleteBtn.Importance = widget.DangerImportance
	v.cancelBtn = widget.NewButtonWithIcon(lang.L("Cancel video"), theme.CancelIcon(), v.onCancel)
	v.cancelBtn.Hide()
	v.attachBtn = widget.NewButtonWithIcon(lang.L("I have its task id…"), theme.ContentPasteIcon(), v.onAttachID)
	v.attachBtn.Hide()

	facts := widget.NewForm()
	for _, name := range technicalFields {
		var value fyne.CanvasObject = v.fields[name]
		if name == "Task id" {
			value = container.NewBorder(nil, nil, nil, v.copyBtn, v.fields[name])
		}
		facts.Append(lang.L(name), value)
	}
	v.facts = widget.NewAccordion(widget.NewAccordionItem(lang.L("Details"), facts))

	bold := func(s string) *widget.Label {
		return widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	v.fixRow = container.NewGridWithColumns(2, v.retryBtn, v.checkBtn, v.unwatchBtn, v.cancelBtn, v.attachBtn)
	problem := container.NewBorder(nil, nil, nil, container.NewVBox(v.serviceBtn), v.fields["Problem"])
	body := container.NewVBox(
		v.playerSlot,
		container.NewCenter(v.videoPick),
		v.title,
		v.fields["Status"],
		problem,
		v.fixRow,
		bold(lang.L("Prompt")),
		v.prompt,
		v.links.content(),
		v.favourite,
		bold(lang.L("Tags")),
		v.chips,
		v.tags,
		bold(lang.L("Note")),
		v.note,
		v.saved,
		v.facts,
	)
	actions := container.NewGridWithColumns(2, v.openBtn, v.folderBtn, v.againBtn, v.deleteBtn)
	// The inset keeps the entries' right edges clear of the scroll bar.
	inset := container.New(layout.NewCustomPaddedLayout(0, 0, 0, 3*theme.Padding()), body)
	v.detail = container.NewBorder(nil, container.NewVBox(widget.NewSeparator(), actions), nil, nil, container.NewVScroll(inset))
	v.detail.Hide()
}

// showDetail fills the detail panel from the selected record.
func (v *historyView) showDetail() {
	r, ok := v.current()
	if !ok || r.ID != v.shownID {
		// The draft belongs to the record shown until now: save it first.
		v.flushEdits()
	}
	if !ok {
		v.shownID, v.shownThumb = 0, ""
		v.closePlayer()
		v.detail.Hide()
		v.empty.Show()
		return
	}
	v.empty.Hide()
	v.detail.Show()
	v.prompt.SetText(userText(r.Request.Prompt))
	set := func(name, value string) {
		if value == "" {
			value = "—"
		}
		v.fields[name].SetText(value)
	}
	v.fields["Status"].SetText(v.rowStatus(r))
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
	if p := recordProblems(r); p != "" {
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

	v.favourite.OnChanged = nil
	v.favourite.SetChecked(r.Favourite)
	v.favourite.OnChanged = v.onFavouriteChanged
	switch {
	case r.ID != v.shownID:
		v.shownID, v.fileIdx = r.ID, 0
		v.fillDraft(r)
		if v.tags.Text != "" {
			v.filling = true
			v.tags.SetText("")
			v.filling = false
		}
		v.saved.SetText("")
	case !v.editDirty && v.saving[r.ID] == 0:
		// Changed elsewhere (several videos tagged at once, say) while
		// nothing is being typed here: show it as it now is. Text being
		// typed, or being saved, is never replaced by an older record.
		v.fillDraft(r)
	}
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
	v.showThumbnail(r)
	v.links.show(r, v.fileIdx)

	hasFile := len(r.Files) > 0 && !r.Files[v.fileIdx].Missing
	trashed := r.Trashed()
	v.showPlayer(r, hasFile && !trashed)
	enable(v.openBtn, hasFile && !trashed)
	enable(v.folderBtn, hasFile && !trashed)
	offer(v.retryBtn, !trashed && canRetryDownload(r))
	offer(v.attachBtn, canAttachTaskID(r))
	enable(v.againBtn, r.Request.Prompt != "")
	// A video the service could not make, or cancelled, is its final
	// answer: asking again cannot help ("Generate again" can).
	serviceEnded := r.State == store.StateFailed || r.State == store.StateCancelled
	offer(v.checkBtn, !trashed && r.TaskID != "" && !serviceEnded && !(r.Watching && !r.State.Final()) && !(r.State == store.StateSuccess && r.Download == store.DownloadDone))
	offer(v.unwatchBtn, r.Watching && !r.State.Final())
	offer(v.cancelBtn, v.canceller != nil && canCancel(r))
	if v.retryBtn.Visible() || v.attachBtn.Visible() || v.checkBtn.Visible() || v.unwatchBtn.Visible() || v.cancelBtn.Visible() {
		v.fixRow.Show()
	} else {
		v.fixRow.Hide()
	}
	enable(v.copyBtn, r.TaskID != "")
	if trashed {
		v.deleteBtn.SetText(lang.L("Restore from trash"))
		v.deleteBtn.SetIcon(theme.ContentUndoIcon())
		v.deleteBtn.Importance = widget.MediumImportance
	} else {
		v.deleteBtn.SetText(lang.L("Move to trash"))
		v.deleteBtn.SetIcon(theme.DeleteIcon())
		v.deleteBtn.Importance = widget.DangerImportance
	}
	v.deleteBtn.Refresh()
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
// system's are behind "Details…" (serviceError, problemFacts).
func recordProblems(r store.Record) string {
	var lines []string
	switch {
	case r.State == store.StateFailed:
		lines = append(lines, lang.L("The service could not make this video. Change the prompt or the settings, then use “Generate again”."))
	case r.State == store.StateCancelled && r.ErrorCode != history.ErrorCodeCancelled:
		lines = append(lines, lang.L("The service cancelled this video. Use “Generate again” to make it once more."))
	case r.ErrorMessage != "":
		lines = append(lines, messageText(r))
	}
	if p := downloadProblem(r); p != "" {
		lines = append(lines, p)
	}
	if missing(r) {
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
func (v *historyView) onServiceDetails() {
	r, ok := v.current()
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
	d.Resize(fyne.NewSize(480, 220))
	d.Show()
}

func missing(r store.Record) bool {
	return slices.ContainsFunc(r.Files, func(f store.File) bool { return f.Missing })
}

// showThumbnail loads the selected record's thumbnail in the background.
func (v *historyView) showThumbnail(r store.Record) {
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
			if v.player == nil { // the player shows the thumbnail itself
				v.thumbBox.Show()
			}
			v.detail.Refresh()
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
		v.openPath(p, false)
	}
}

func (v *historyView) onShowFolder() {
	if p, ok := v.filePath(); ok {
		v.openPath(p, true)
	}
}

// openPath checks in the background that the video exists, then asks the
// system to open it, or the folder it is in. When no app opens the video,
// it says so and offers the folder instead.
func (v *historyView) openPath(video string, folder bool) {
	title, target := lang.L("Could not open the video"), video
	if folder {
		title, target = lang.L("Could not show the folder"), filepath.Dir(video)
	}
	open := v.openFile
	v.ui.background(func(ctx context.Context) {
		if _, err := os.Stat(video); err != nil {
			fyne.LogError(title, err)
			v.ui.showError(v.win, title, sentence(lang.L("The video is no longer in the library folder; it may have been moved or deleted outside Reelhouse. Use “Retry download” to fetch it again while the service still has it.")))
			return
		}
		err := open(target)
		if err == nil {
			return
		}
		fyne.LogError(title, err)
		v.ui.do(func() {
			if folder {
				msg := widget.NewLabel(lang.L("Your system has no file manager that Reelhouse could ask. Open this folder yourself: {{.Folder}}", map[string]any{"Folder": userText(target)}))
				msg.Wrapping = fyne.TextWrapWord
				msg.Selectable = true
				d := dialog.NewCustom(title, lang.L("Close"), msg, v.win)
				d.Resize(fyne.NewSize(480, 200))
				d.Show()
				return
			}
			msg := widget.NewLabel(lang.L("No video player on this computer opened the video. Install one (VLC, for example), or use “Show in folder” to open it another way."))
			msg.Wrapping = fyne.TextWrapWord
			d := dialog.NewCustomConfirm(title, lang.L("Show in folder"), lang.L("Close"), msg, func(show bool) {
				if show {
					v.openPath(video, true)
				}
			}, v.win)
			d.Resize(fyne.NewSize(480, 200))
			d.Show()
		})
	})
}

// errNoOpener is the failure to find the desktop's program that opens
// files with the app chosen for them.
var errNoOpener = errors.New("xdg-open is not installed")

// systemOpen returns the function that asks the system to open a file or
// folder with the app the user chose for it, and reports a failure. On
// Linux and the BSDs it runs xdg-open and waits for its answer, which
// Fyne's OpenURL does not (it cannot tell that no player is installed);
// elsewhere it is a's OpenURL.
func systemOpen(a fyne.App) func(path string) error {
	switch runtime.GOOS {
	case "linux", "freebsd", "openbsd", "netbsd", "dragonfly":
	default:
		return func(path string) error {
			return a.OpenURL(&url.URL{Scheme: "file", Path: filepath.ToSlash(path)})
		}
	}
	return func(path string) error {
		xdg, err := exec.LookPath("xdg-open")
		if err != nil {
			return fmt.Errorf("%w: %v", errNoOpener, err)
		}
		var out limitedBuffer
		cmd := exec.Command(xdg, path)
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("xdg-open: %w: %s", err, strings.TrimSpace(out.String()))
		}
		return nil
	}
}

// limitedBuffer keeps the first few hundred bytes written to it, for the
// log.
type limitedBuffer struct{ bytes.Buffer }

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := 512 - b.Len(); room > 0 {
		b.Buffer.Write(p[:min(len(p), room)])
	}
	return len(p), nil
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
	v.act(lang.L("Could not retry the download"), v.ui.deps.Tracker.RetryDownload)
}

func (v *historyView) onCheckAgain() {
	v.act(lang.L("Could not check the task"), v.ui.deps.Tracker.CheckAgain)
}

func (v *historyView) onStopWatching() {
	v.act(lang.L("Could not stop watching"), v.ui.deps.Tracker.StopWatching)
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
	v.act(lang.L("Could not save the favourite"), func(ctx context.Context, id int64) error {
		return v.ui.deps.Library.SetFavourite(ctx, id, on)
	})
}

// videoLabels are the words a person gives a video: its title, tags and note.
type videoLabels struct {
	title, note string
	tags        []string
}

// labelSaver writes labels in the background, each record's newest draft
// last: a save takes the record's newest draft while holding mu, so a
// slower save of an older draft can never land after it.
type labelSaver struct {
	mu      sync.Mutex // held while a save writes
	pendMu  sync.Mutex // guards pending
	pending map[int64]videoLabels
}

// put makes l the draft of record id that the next save writes.
func (s *labelSaver) put(id int64, l videoLabels) {
	s.pendMu.Lock()
	s.pending[id] = l
	s.pendMu.Unlock()
}

// save writes the newest draft of record id, if any, changing only what
// differs from the history.
func (s *labelSaver) save(ctx context.Context, lib *history.Library, hist *store.Store, id int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pendMu.Lock()
	l, ok := s.pending[id]
	delete(s.pending, id)
	s.pendMu.Unlock()
	if !ok {
		return nil
	}
	// Saving finishes even when Reelhouse is quitting.
	ctx = context.WithoutCancel(ctx)
	r, err := hist.Get(ctx, id)
	if err != nil {
		return err
	}
	if l.title != r.Title {
		if err := lib.SetTitle(ctx, id, l.title); err != nil {
			return err
		}
	}
	if !slices.Equal(store.NormalizeTags(l.tags), r.Tags) {
		if err := lib.SetTags(ctx, id, l.tags); err != nil {
			return err
		}
	}
	if l.note != r.Note {
		return lib.SetNote(ctx, id, l.note)
	}
	return nil
}

// fillDraft puts r's title, tags and note in the entries; a tag being
// typed stays.
func (v *historyView) fillDraft(r store.Record) {
	v.filling = true
	defer func() { v.filling = false }()
	if v.stopEdit != nil {
		v.stopEdit()
	}
	v.editDirty = false
	if v.title.Text != r.Title {
		v.title.SetText(r.Title)
	}
	if v.note.Text != r.Note {
		v.note.SetText(r.Note)
	}
	v.setChips(r.Tags)
}

// onDraftChanged starts, or starts again, the wait before the draft is
// saved.
func (v *historyView) onDraftChanged() {
	if v.filling || v.shownID == 0 {
		return
	}
	v.editDirty = true
	v.saved.SetText("")
	v.editSeq++
	seq := v.editSeq
	if v.stopEdit != nil {
		v.stopEdit()
	}
	v.stopEdit = v.after(saveDelay, func() {
		v.ui.do(func() {
			if seq == v.editSeq {
				v.saveDraft()
			}
		})
	})
}

// flushEdits saves the draft now, a tag still being typed included: when
// an entry loses the focus, another video is selected, or Reelhouse quits.
func (v *historyView) flushEdits() {
	if v.shownID == 0 || v.filling {
		return
	}
	if strings.TrimSpace(v.tags.Text) != "" {
		v.onAddTags(v.tags.Text)
	}
	v.saveDraft()
}

// flushEdits saves what is being typed in the library, for the quit path.
func (u *UI) flushEdits() {
	if u.history != nil {
		u.history.flushEdits()
	}
}

// saveDraft saves the draft of the record shown, if it changed, in the
// background.
func (v *historyView) saveDraft() {
	if !v.editDirty || v.shownID == 0 {
		return
	}
	if v.stopEdit != nil {
		v.stopEdit()
	}
	v.editDirty = false
	id := v.shownID
	// As typed: a space at the end is where the next word goes, and a
	// record read back must not take it away.
	v.saver.put(id, videoLabels{title: v.title.Text, note: v.note.Text, tags: slices.Clone(v.chipTags)})
	cur, _ := v.current()
	tagsChanged := cur.ID != id || !slices.Equal(store.NormalizeTags(v.chipTags), cur.Tags)
	v.saving[id]++
	lib, hist := v.ui.deps.Library, v.ui.deps.Store
	v.ui.background(func(ctx context.Context) {
		err := v.saver.save(ctx, lib, hist, id)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			fyne.LogError("saving the title, tags and note", err)
		}
		v.ui.do(func() {
			if v.saving[id]--; v.saving[id] <= 0 {
				delete(v.saving, id)
			}
			if id != v.shownID {
				return
			}
			switch {
			case err == nil:
				if !v.editDirty {
					v.saved.Importance = widget.LowImportance
					v.saved.SetText(lang.L("Saved"))
				}
			case errors.Is(err, store.ErrNotFound):
			default:
				v.editDirty = true // saved again with the next change
				v.saved.Importance = widget.DangerImportance
				v.saved.SetText(lang.L("Not saved: Reelhouse could not write to its history. Your text stays here and is saved with your next change; if this goes on, check that the disk has free space."))
			}
			if tagsChanged && err == nil {
				// The tag filter may have a new choice.
				v.ui.background(v.reload)
			}
		})
	})
}

// onAddTags turns what was typed in the tag entry into tags.
func (v *historyView) onAddTags(text string) {
	added := store.NormalizeTags(append(slices.Clone(v.chipTags), strings.Split(text, ",")...))
	slices.Sort(added) // in the order the history keeps them
	v.filling = true
	v.tags.SetText("")
	v.filling = false
	if !slices.Equal(added, v.chipTags) {
		v.setChips(added)
		v.onDraftChanged()
	}
}

// onRemoveTag removes a tag from the video shown.
func (v *historyView) onRemoveTag(tag string) {
	v.setChips(slices.DeleteFunc(slices.Clone(v.chipTags), func(t string) bool { return t == tag }))
	v.onDraftChanged()
}

// setChips shows tags as small buttons that remove them.
func (v *historyView) setChips(tags []string) {
	if slices.Equal(tags, v.chipTags) && len(v.chips.Objects) == len(tags) {
		return
	}
	v.chipTags = slices.Clone(tags)
	objs := make([]fyne.CanvasObject, len(tags))
	for i, tag := range tags {
		b := widget.NewButtonWithIcon(userText(tag), theme.CancelIcon(), func() { v.onRemoveTag(tag) })
		b.IconPlacement = widget.ButtonIconTrailingText
		objs[i] = b
	}
	v.chips.Objects = objs
	v.chips.Refresh()
}

// draftEntry is an entry that saves what was typed when it loses the
// focus.
type draftEntry struct {
	widget.Entry
	onLeave func()
}

func newDraftEntry(multiLine bool, onLeave func()) *draftEntry {
	e := &draftEntry{onLeave: onLeave}
	e.MultiLine = multiLine
	e.Wrapping = fyne.TextWrapOff
	e.ExtendBaseWidget(e)
	return e
}

// FocusLost is part of fyne.Focusable.
func (e *draftEntry) FocusLost() {
	e.Entry.FocusLost()
	if e.onLeave != nil {
		e.onLeave()
	}
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
		v.act(lang.L("Could not restore the video"), library.Untrash)
		return
	}
	v.ui.background(func(ctx context.Context) {
		if err := library.Trash(ctx, r.ID); err != nil {
			v.ui.showError(v.win, lang.L("Could not move the video to the trash"), err)
			return
		}
		v.ui.do(func() {
			msg := widget.NewLabel(lang.L("“{{.Name}}” is in the trash. It is deleted for good only when you empty the trash (Library ▸ Empty trash).", map[string]any{"Name": displayName(r)}))
			msg.Wrapping = fyne.TextWrapWord
			d := dialog.NewCustomConfirm(lang.L("Moved to trash"), lang.L("Undo"), lang.L("OK"), msg, func(undo bool) {
				if undo {
					v.ui.background(func(ctx context.Context) {
						v.ui.showError(v.win, lang.L("Could not undo"), library.Untrash(ctx, r.ID))
					})
				}
			}, v.win)
			d.Resize(fyne.NewSize(460, 180))
			d.Show()
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
	entry.SetPlaceHolder(lang.L("e.g. a1b2c3d4-e5f6-…"))
	msg := widget.NewLabel(lang.L("If the service's website lists this video, paste its task id here. Reelhouse then follows it and downloads it with this prompt and these options."))
	msg.Wrapping = fyne.TextWrapWord
	d := dialog.NewForm(lang.L("I have its task id"), lang.L("Attach"), lang.L("Cancel"),
		[]*widget.FormItem{widget.NewFormItem("", msg), widget.NewFormItem(lang.L("Task id"), entry)}, func(ok bool) {
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
		v.ui.showError(v.win, lang.L("Could not attach the task id"), taskIDError(err))
	})
}
