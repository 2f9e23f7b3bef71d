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

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/reelhouse/reelhouse/history"
)

// detailFields are the metadata rows of the detail panel, in order.
var detailFields = []string{"Status", "Model", "Options", "Task id", "Created", "Completed", "Video", "File", "Folder", "Size", "Service fields", "Problem"}

// showDetail fills the detail panel from the selected record.
func (v *historyView) showDetail() {
	r, ok := v.current()
	if !ok {
		v.shownID, v.shownThumb = 0, ""
		v.closePlayer()
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
	v.links.show(r, v.fileIdx)

	hasFile := len(r.Files) > 0 && !r.Files[v.fileIdx].Missing
	trashed := r.Trashed()
	v.showPlayer(r, hasFile && !trashed)
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
	if v.canceller != nil && canCancel(r) {
		v.cancelBtn.Enable()
		v.cancelBtn.Show()
	} else {
		v.cancelBtn.Hide()
	}
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
			if v.player == nil { // the player shows the thumbnail itself
				v.thumbBox.Show()
			}
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
