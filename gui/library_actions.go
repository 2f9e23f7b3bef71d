package gui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/reelhouse/reelhouse/history/store"
)

// libraryActions are the buttons of the detail pane that act on the video
// shown: open it, show its folder, fix its problems, make it again, move
// it to the trash, and the favourite box.
type libraryActions struct {
	m   *libraryModel
	ui  *UI
	win fyne.Window

	// filePath is the chosen video of the selected record, when there is
	// one.
	filePath func() (string, bool)
	// openFile asks the system to open a file or folder and reports
	// whether that failed; it runs off the UI goroutine. Tests replace it.
	openFile func(path string) error
	// canceller asks the service to stop making a video; nil when the
	// tracker cannot.
	canceller canceller

	favourite  *widget.Check
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
	fixRow     *fyne.Container // the actions that fix a problem, when one applies
}

func newLibraryActions(m *libraryModel, filePath func() (string, bool)) *libraryActions {
	v := &libraryActions{m: m, ui: m.ui, win: m.win, filePath: filePath, openFile: systemOpen(m.ui.app)}
	if m.ui.deps.Tracker != nil {
		v.canceller = m.ui.deps.Tracker
	}
	v.favourite = widget.NewCheck(lang.L("Favourite"), nil)
	v.openBtn = widget.NewButtonWithIcon(lang.L("Open in video player"), theme.MediaVideoIcon(), v.onOpen)
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
	v.fixRow = container.NewGridWithColumns(2, v.retryBtn, v.checkBtn, v.unwatchBtn, v.cancelBtn, v.attachBtn)
	return v
}

// showFavourite ticks the favourite box as r has it, without saving.
func (v *libraryActions) showFavourite(r store.Record) {
	v.favourite.OnChanged = nil
	v.favourite.SetChecked(r.Favourite)
	v.favourite.OnChanged = v.onFavouriteChanged
}

// show offers the actions that apply to r; hasFile says its chosen video
// is in the library folder.
func (v *libraryActions) show(r store.Record, hasFile bool) {
	trashed := r.Trashed()
	enable(v.openBtn, hasFile && !trashed)
	enable(v.folderBtn, hasFile && !trashed)
	offer(v.retryBtn, !trashed && canRetryDownload(r))
	offer(v.attachBtn, canAttachTaskID(r))
	enable(v.againBtn, r.Request.Prompt != "" && !r.IsFilm()) // a film is made from its story
	// A video the service could not make, or cancelled, is its final
	// answer: asking again cannot help ("Generate again" can).
	serviceEnded := r.State == store.StateFailed || r.State == store.StateCancelled
	offer(v.checkBtn, !trashed && r.TaskID != "" && !serviceEnded && !(r.Watching && !r.State.Final()) && !(r.State == store.StateSuccess && r.Download == store.DownloadDone))
	offer(v.unwatchBtn, r.Watching && !r.State.Final())
	offer(v.cancelBtn, v.canceller != nil && v.canceller.CancelOffered() && canCancel(r))
	if v.retryBtn.Visible() || v.attachBtn.Visible() || v.checkBtn.Visible() || v.unwatchBtn.Visible() || v.cancelBtn.Visible() {
		v.fixRow.Show()
	} else {
		v.fixRow.Hide()
	}
	enable(v.copyBtn, r.TaskID != "" && !r.IsFilm()) // a film's id is not the service's
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

func (v *libraryActions) onOpen() {
	if p, ok := v.filePath(); ok {
		v.openPath(p, false)
	}
}

func (v *libraryActions) onShowFolder() {
	if p, ok := v.filePath(); ok {
		v.openPath(p, true)
	}
}

// openPath checks in the background that the video exists, then asks the
// system to open it, or the folder it is in. When no app opens the video,
// it says so and offers the folder instead.
func (v *libraryActions) openPath(video string, folder bool) {
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
				showHouse(d, v.win, houseOpts{size: fyne.NewSize(480, 200)})
				return
			}
			msg := widget.NewLabel(lang.L("No video player on this computer opened the video. Install one (VLC, for example), or use “Show in folder” to open it another way."))
			msg.Wrapping = fyne.TextWrapWord
			d := dialog.NewCustomConfirm(title, lang.L("Show in folder"), lang.L("Close"), msg, func(show bool) {
				if show {
					v.openPath(video, true)
				}
			}, v.win)
			showHouse(d, v.win, houseOpts{size: fyne.NewSize(480, 200)})
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
func (v *libraryActions) act(title string, fn func(ctx context.Context, id int64) error) {
	r, ok := v.m.current()
	if !ok {
		return
	}
	v.ui.background(func(ctx context.Context) {
		v.ui.showError(v.win, title, fn(ctx, r.ID))
	})
}

func (v *libraryActions) onRetry() {
	v.act(lang.L("Could not retry the download"), v.ui.deps.Tracker.RetryDownload)
}

func (v *libraryActions) onCheckAgain() {
	v.act(lang.L("Could not check the task"), v.ui.deps.Tracker.CheckAgain)
}

func (v *libraryActions) onStopWatching() {
	v.act(lang.L("Could not stop watching"), v.ui.deps.Tracker.StopWatching)
}

func (v *libraryActions) onGenerateAgain() {
	if r, ok := v.m.current(); ok {
		v.ui.compose.fill(r.Request)
	}
}

func (v *libraryActions) onCopyID() {
	if r, ok := v.m.current(); ok && r.TaskID != "" {
		v.ui.app.Clipboard().SetContent(r.TaskID)
	}
}

func (v *libraryActions) onFavouriteChanged(on bool) {
	v.act(lang.L("Could not save the favourite"), func(ctx context.Context, id int64) error {
		return v.ui.deps.Library.SetFavourite(ctx, id, on)
	})
}

// onDelete moves the selected video to the trash, with a way to undo; in
// the trash view it restores it instead.
func (v *libraryActions) onDelete() {
	r, ok := v.m.current()
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
			showUndo(v.win, lang.L("Moved to trash"), msg, func() {
				v.ui.background(func(ctx context.Context) {
					v.ui.showError(v.win, lang.L("Could not undo"), library.Untrash(ctx, r.ID))
				})
			})
		})
	})
}

// onAttachID asks for the task id of an uncertain submission, found on the
// service's website, so that the entry becomes that task.
func (v *libraryActions) onAttachID() {
	r, ok := v.m.current()
	if !ok || !canAttachTaskID(r) {
		return
	}
	entry := newHouseEntry()
	entry.SetPlaceHolder(lang.L("e.g. a1b2c3d4-e5f6-…"))
	msg := widget.NewLabel(lang.L("If the service's website lists this video, paste its task id here. Reelhouse then follows it and downloads it with this prompt and these options."))
	msg.Wrapping = fyne.TextWrapWord
	d := dialog.NewForm(lang.L("I have its task id"), lang.L("Attach"), lang.L("Cancel"),
		[]*widget.FormItem{widget.NewFormItem("", msg), widget.NewFormItem(lang.L("Task id"), entry)}, func(ok bool) {
			if ok {
				v.attachID(r.ID, entry.Text)
			}
		}, v.win)
	showHouse(d, v.win, houseOpts{size: fyne.NewSize(520, 220), focus: entry})
}

// attachID settles an uncertain entry with a task id, in the background.
func (v *libraryActions) attachID(id int64, taskID string) {
	v.ui.background(func(ctx context.Context) {
		_, err := v.ui.deps.Tracker.AttachTaskID(ctx, id, taskID)
		v.ui.showError(v.win, lang.L("Could not attach the task id"), taskIDError(err))
	})
}

// onCancel asks the user first, then the service to stop making the
// selected video.
func (v *libraryActions) onCancel() {
	r, ok := v.m.current()
	if !ok || v.canceller == nil || !v.canceller.CancelOffered() || !canCancel(r) {
		return
	}
	askCancel(v.win, func() { v.cancel(r) })
}

// cancel asks the service to stop making r.
func (v *libraryActions) cancel(r store.Record) {
	v.cancelBtn.Disable()
	v.ui.background(func(ctx context.Context) {
		err := v.canceller.Cancel(ctx, r.ID)
		if cannotCancel(err) {
			fyne.LogError("the service refused to cancel", err)
			err = sentence(refusalText(err))
		}
		v.ui.showError(v.win, lang.L("Could not cancel the video"), err)
		v.ui.do(func() {
			if cur, ok := v.m.current(); ok && cur.ID == r.ID {
				v.m.showCurrent()
			}
		})
	})
}
