package gui

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/client/keychain"
	"github.com/reelhouse/reelhouse/history"
)

// settingsView holds the API key, the server and the library folder.
type settingsView struct {
	ui  *UI
	win fyne.Window

	key       *widget.Entry
	keyNote   *widget.Label
	saveKey   *widget.Button
	server    *widget.Entry
	library   *widget.Entry
	interval  *widget.Select
	downloads *widget.Select
	apply     *widget.Button
	status    *widget.Label

	notifications *widget.Check
}

func newSettings(u *UI) *settingsView {
	v := &settingsView{ui: u, win: secondaryWindow(u.app, "Reelhouse — Settings", fyne.NewSize(640, 460))}
	v.key = widget.NewPasswordEntry()
	v.key.SetPlaceHolder("sk-…")
	v.keyNote = widget.NewLabel("Checking the system keychain…")
	v.keyNote.Wrapping = fyne.TextWrapWord
	v.saveKey = widget.NewButtonWithIcon("Save key", theme.ConfirmIcon(), v.onSaveKey)
	v.saveKey.Importance = widget.HighImportance
	if u.deps.Keys == nil {
		v.saveKey.SetText("Use key")
	}

	v.server = widget.NewEntry()
	v.server.SetText(u.deps.ServerURL)
	if u.deps.ServerLocked {
		v.server.Disable()
	}
	v.library = widget.NewEntry()
	v.library.SetText(u.deps.Tracker.Library().Dir())
	browse := widget.NewButtonWithIcon("", theme.FolderOpenIcon(), v.onBrowseLibrary)
	if u.deps.LibraryLocked {
		v.library.Disable()
		browse.Disable()
	}
	v.interval = widget.NewSelect([]string{"2 seconds", "3 seconds", "4 seconds", "5 seconds"}, nil)
	seconds := min(max(int(u.deps.Tracker.Interval().Round(time.Second).Seconds()), 2), 5)
	v.interval.SetSelected(fmt.Sprintf("%d seconds", seconds))
	v.interval.OnChanged = v.onIntervalChanged
	v.downloads = widget.NewSelect([]string{"1 at a time", "2 at a time", "3 at a time"}, nil)
	v.downloads.SetSelected(fmt.Sprintf("%d at a time", u.deps.Tracker.MaxDownloads()))
	v.downloads.OnChanged = v.onDownloadsChanged
	v.status = widget.NewLabel("")
	v.status.Wrapping = fyne.TextWrapWord

	v.apply = widget.NewButton("Save server and folder", v.onSaveLocations)
	form := widget.NewForm(
		widget.NewFormItem("API key", container.NewBorder(nil, nil, nil, v.saveKey, v.key)),
		widget.NewFormItem("Server", v.server),
		widget.NewFormItem("Library folder", container.NewBorder(nil, nil, nil, browse, v.library)),
		widget.NewFormItem("Check every", v.interval),
		widget.NewFormItem("Download", v.downloads),
	)
	form.AppendItem(v.notificationsItem())
	v.win.SetContent(container.NewPadded(container.NewBorder(v.keyNote, container.NewVBox(v.apply, v.status), nil, nil, form)))
	return v
}

func (v *settingsView) show() {
	v.win.Show()
	v.win.RequestFocus()
}

// loadKey reads the key from the keychain in the background, at start.
func (v *settingsView) loadKey(ctx context.Context) {
	if v.ui.deps.Keys == nil {
		note := v.ui.deps.KeyNote
		v.ui.do(func() { v.keyNote.SetText(note) })
		return
	}
	key, err := v.ui.deps.Keys.Load(ctx)
	switch {
	case err == nil:
		v.ui.deps.Client.SetAPIKey(key)
		v.ui.deps.Tracker.KeyChanged()
		v.ui.do(func() {
			v.key.SetText(key)
			v.keyNote.SetText("Your key is stored in the system keychain.")
		})
	case errors.Is(err, keychain.ErrNotFound):
		v.ui.do(func() {
			v.keyNote.SetText("Welcome! Paste your API key from the service (it starts with sk-) and press Save key. It is kept in the system keychain.")
			v.show()
		})
	case ctx.Err() != nil:
	default:
		v.ui.do(func() {
			v.keyNote.SetText(plainError(err))
			v.offerSessionKey(err)
		})
	}
}

// offerSessionKey explains a keychain failure and lets the user type a key
// that is used until Reelhouse closes and never saved.
func (v *settingsView) offerSessionKey(cause error) {
	fyne.LogError("keychain", cause)
	entry := widget.NewPasswordEntry()
	entry.SetPlaceHolder("sk-…")
	msg := widget.NewLabel(plainError(cause) + "\n\nYou can paste your key below to use it until you close Reelhouse. It will not be saved anywhere.")
	msg.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustomConfirm("Keychain not available", "Use for this session", "Not now",
		container.NewVBox(msg, entry), func(ok bool) {
			if ok {
				v.useSessionKey(entry.Text)
			}
		}, v.win)
	d.Resize(fyne.NewSize(480, 260))
	v.win.Show()
	d.Show()
}

func (v *settingsView) useSessionKey(key string) {
	key = strings.TrimSpace(key)
	if key == "" {
		v.status.SetText("No key was entered, so Reelhouse cannot reach the service yet.")
		return
	}
	v.ui.deps.Client.SetAPIKey(key)
	v.ui.deps.Tracker.KeyChanged()
	v.key.SetText(key)
	v.keyNote.SetText("Using your key for this session only. It is not saved; you will be asked again next time.")
}

func (v *settingsView) onSaveKey() {
	key := strings.TrimSpace(v.key.Text)
	if key == "" {
		v.status.SetText("Paste your API key first.")
		return
	}
	if v.ui.deps.Keys == nil {
		v.useSessionKey(key)
		return
	}
	v.saveKey.Disable()
	v.status.SetText("Saving the key in the system keychain… (your system may ask you to unlock it)")
	v.ui.background(func(ctx context.Context) {
		// The user may be typing a password into an unlock prompt, so this
		// deadline, not the keychain's short default, governs. If it passes,
		// the keychain undoes a save that lands afterwards, so "not saved"
		// below stays true.
		ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		err := v.ui.deps.Keys.Save(ctx, key)
		if err == nil {
			v.ui.deps.Client.SetAPIKey(key)
			v.ui.deps.Tracker.KeyChanged()
		}
		v.ui.do(func() {
			v.saveKey.Enable()
			if err != nil {
				v.status.SetText("")
				v.offerSessionKey(err)
				return
			}
			v.keyNote.SetText("Your key is stored in the system keychain.")
			v.status.SetText("Key saved.")
		})
	})
}

func (v *settingsView) onIntervalChanged(s string) {
	n, err := strconv.Atoi(strings.Fields(s)[0])
	if err != nil {
		return
	}
	v.ui.deps.Tracker.SetInterval(time.Duration(n) * time.Second)
	v.ui.background(func(ctx context.Context) {
		v.ui.showError(v.win, "Could not save the setting", v.ui.deps.Store.SetSetting(ctx, history.SettingInterval, strconv.Itoa(n)))
	})
}

func (v *settingsView) onDownloadsChanged(s string) {
	n, err := strconv.Atoi(strings.Fields(s)[0])
	if err != nil {
		return
	}
	v.ui.deps.Tracker.SetMaxDownloads(n)
	v.ui.background(func(ctx context.Context) {
		v.ui.showError(v.win, "Could not save the setting", v.ui.deps.Store.SetSetting(ctx, history.SettingMaxDownloads, strconv.Itoa(n)))
	})
}

func (v *settingsView) onBrowseLibrary() {
	dialog.ShowFolderOpen(func(dir fyne.ListableURI, err error) {
		if err != nil {
			v.ui.showError(v.win, "Could not open the folder", err)
			return
		}
		if dir != nil {
			v.library.SetText(dir.Path())
		}
	}, v.win)
}

// onSaveLocations checks and saves the server and library folder.
func (v *settingsView) onSaveLocations() {
	server := strings.TrimSpace(v.server.Text)
	dir := strings.TrimSpace(v.library.Text)
	serverChanged := !v.ui.deps.ServerLocked && server != v.ui.deps.Client.BaseURL()
	libraryChanged := !v.ui.deps.LibraryLocked && dir != v.ui.deps.Tracker.Library().Dir()
	if serverChanged {
		if _, err := client.New(server); err != nil {
			v.status.SetText(plainError(err))
			return
		}
	}
	v.status.SetText("Saving…")
	v.apply.Disable() // one move at a time
	v.ui.background(func(ctx context.Context) {
		defer v.ui.do(v.apply.Enable)
		var notes []string
		if serverChanged {
			if err := v.ui.deps.Store.SetSetting(ctx, history.SettingServer, server); err != nil {
				v.ui.showError(v.win, "Could not save the server", err)
				return
			}
			if err := v.ui.deps.Client.SetBaseURL(server); err != nil {
				v.ui.do(func() { v.status.SetText(plainError(err)) })
				return
			}
			v.ui.deps.Tracker.KeyChanged() // check on every task with the new server
			notes = append(notes, "Reelhouse now uses "+v.ui.deps.Client.BaseURL()+".")
		}
		if libraryChanged {
			if err := v.moveLibrary(ctx, dir); err != nil {
				v.ui.do(func() { v.status.SetText(plainError(err)) })
				return
			}
			notes = append(notes, "Your videos are now in "+v.ui.deps.Tracker.Library().Dir()+".")
		}
		if len(notes) == 0 {
			notes = append(notes, "Nothing to change.")
		}
		v.ui.do(func() { v.status.SetText(strings.Join(notes, " ")) })
	})
}

// moveLibrary moves every video to dir, showing progress; it runs in the
// background.
func (v *settingsView) moveLibrary(ctx context.Context, dir string) error {
	bar := widget.NewProgressBar()
	var d dialog.Dialog
	v.ui.do(func() {
		d = dialog.NewCustomWithoutButtons("Moving your videos…", container.NewVBox(
			widget.NewLabel("Each video is copied and checked before the old copy is removed."), bar), v.win)
		d.Show()
	})
	_, err := v.ui.deps.Tracker.MoveLibrary(ctx, dir, func(done, total int) {
		v.ui.do(func() {
			if total > 0 {
				bar.SetValue(float64(done) / float64(total))
			}
		})
	})
	v.ui.do(func() {
		d.Hide()
		v.library.SetText(v.ui.deps.Tracker.Library().Dir())
	})
	return err
}

// onKeyRefused is called when the service refused the key while polling.
func (v *settingsView) onKeyRefused(msg string) {
	v.keyNote.SetText(msg)
	v.show()
}

func (v *settingsView) onKeyAccepted() {
	v.status.SetText("Checking on your videos again.")
}

// notificationsItem is the check box that turns desktop notifications on
// and off.
func (v *settingsView) notificationsItem() *widget.FormItem {
	v.notifications = widget.NewCheck("Tell me when a video is ready or failed", nil)
	v.notifications.SetChecked(true)
	v.notifications.OnChanged = v.onNotificationsChanged
	return widget.NewFormItem("Notifications", v.notifications)
}

// showNotifications sets the check box from the saved setting, without
// saving it again.
func (v *settingsView) showNotifications(on bool) {
	v.notifications.OnChanged = nil
	v.notifications.SetChecked(on)
	v.notifications.OnChanged = v.onNotificationsChanged
}

func (v *settingsView) onNotificationsChanged(on bool) {
	v.ui.notifyOff, v.ui.notifyTouched = !on, true
	value := "on"
	if !on {
		value = "off"
	}
	v.ui.background(func(ctx context.Context) {
		v.ui.showError(v.win, "Could not save the setting", v.ui.deps.Store.SetSetting(ctx, settingNotifications, value))
	})
}
