package gui

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/client/keychain"
	"github.com/reelhouse/reelhouse/history/store"
)

// settingsView holds the API key, the server and the library folder.
type settingsView struct {
	ui  *UI
	win fyne.Window

	key       *houseEntry
	keyNote   *widget.Label
	saveKey   *widget.Button
	removeKey *widget.Button
	retryKey  *widget.Button
	server    *houseEntry
	library   *houseEntry
	interval  *houseSelect
	downloads *houseSelect
	advanced  *widget.Accordion // server, checks and downloads, folded
	apply     *widget.Button
	status    *statusLine

	sessionOnly   bool // the key in use is not in the keychain
	keyRead       bool // the keychain has been asked at start
	notifications *houseCheck
	language      *houseSelect
	languageNote  *widget.Label
}

func newSettings(u *UI) *settingsView {
	v := &settingsView{ui: u, win: secondaryWindow(u.app, lang.L("Reelhouse — Settings"), fyne.NewSize(640, 600))}
	v.key = newHousePasswordEntry()
	v.key.SetPlaceHolder("sk-…")
	v.keyNote = widget.NewLabel(lang.L("Checking the system keychain…"))
	v.keyNote.Wrapping = fyne.TextWrapWord
	v.saveKey = widget.NewButtonWithIcon(lang.L("Save key"), theme.ConfirmIcon(), v.onSaveKey)
	v.saveKey.Importance = widget.HighImportance
	v.removeKey = widget.NewButtonWithIcon(lang.L("Remove key"), theme.DeleteIcon(), v.onRemoveKey)
	v.removeKey.Disable() // until a key is in use
	v.retryKey = widget.NewButtonWithIcon(lang.L("Try again"), theme.ViewRefreshIcon(), v.onRetryKey)
	v.retryKey.Hide()
	if u.deps.Keys == nil {
		v.saveKey.SetText(lang.L("Use key"))
		v.removeKey.Hide() // a demo or environment key is not stored
	}

	v.server = newHouseEntry()
	v.server.SetText(u.deps.ServerURL)
	if u.deps.ServerLocked {
		v.server.Disable()
	}
	v.library = newHouseEntry()
	v.library.SetText(u.deps.Library.Dir())
	browse := widget.NewButtonWithIcon("", theme.FolderOpenIcon(), v.onBrowseLibrary)
	if u.deps.LibraryLocked {
		v.library.Disable()
		browse.Disable()
	}
	v.interval = newHouseSelect(countChoices(intervalChoices, func(n int) string {
		return lang.N("{{.Count}} seconds", n, map[string]any{"Count": n})
	}), nil)
	seconds := min(max(int(u.deps.Tracker.Interval().Round(time.Second).Seconds()), 2), 5)
	v.interval.SetSelectedIndex(slices.Index(intervalChoices, seconds))
	v.interval.OnChanged = v.onIntervalChanged
	v.downloads = newHouseSelect(countChoices(downloadChoices, func(n int) string {
		return lang.N("{{.Count}} at a time", n, map[string]any{"Count": n})
	}), nil)
	v.downloads.SetSelectedIndex(slices.Index(downloadChoices, u.deps.Tracker.MaxDownloads()))
	v.downloads.OnChanged = v.onDownloadsChanged
	v.status = newStatusLine(func() fyne.Window { return v.win })

	v.apply = widget.NewButton(lang.L("Save server and folder"), v.onSaveLocations)
	form := widget.NewForm(
		widget.NewFormItem(lang.L("API key"), container.NewBorder(nil, nil, nil, container.NewHBox(v.saveKey, v.removeKey), v.key)),
		widget.NewFormItem(lang.L("Library folder"), container.NewBorder(nil, nil, nil, browse, v.library)),
	)
	form.AppendItem(newPricesItem(u))
	form.AppendItem(v.notificationsItem())
	form.AppendItem(v.languageItem())
	// What few people change is folded away, so the rest fits a laptop
	// screen.
	v.advanced = widget.NewAccordion(widget.NewAccordionItem(lang.L("Advanced"), widget.NewForm(
		widget.NewFormItem(lang.L("Server"), v.server),
		widget.NewFormItem(lang.L("Check every"), v.interval),
		widget.NewFormItem(lang.L("Download"), v.downloads),
	)))
	v.win.SetContent(container.NewPadded(container.NewBorder(container.NewVBox(v.keyNote, container.NewHBox(v.retryKey)), container.NewVBox(v.apply, v.status.content), nil, nil,
		container.NewVScroll(container.NewVBox(form, v.advanced)))))
	return v
}

func (v *settingsView) show() {
	v.win.Show()
	v.win.RequestFocus()
}

// onKeyNote says where the key comes from, or that there is none.
func (v *settingsView) onKeyNote(note string) {
	v.keyRead = true
	v.keyNote.SetText(note)
	v.retryKey.Hide()
}

// onKeyInUse shows that key is in use; sessionOnly says it is not in the
// keychain, so Remove key only forgets it.
func (v *settingsView) onKeyInUse(key, note string, sessionOnly bool) {
	v.keyRead = true
	v.key.SetText(key)
	v.keyNote.SetText(note)
	v.retryKey.Hide()
	v.sessionOnly = sessionOnly
	if v.ui.deps.Keys != nil {
		v.removeKey.Enable()
	}
}

// onKeyLoadFailed says why the keychain did not give the key; canRetry
// offers "Try again" for a keychain the user can unlock.
func (v *settingsView) onKeyLoadFailed(text string, canRetry bool) {
	v.keyRead = true
	v.keyNote.SetText(text)
	v.retryKey.Hidden = !canRetry
	v.retryKey.Enable()
	v.retryKey.Refresh()
}

// onRetryKey reads the key again once the user has unlocked the keychain.
func (v *settingsView) onRetryKey() {
	v.retryKey.Disable()
	v.status.say("")
	v.keyNote.SetText(lang.L("Reading your key from the system keychain…"))
	v.ui.background(v.ui.keys.loadKey)
}

// onSaveKey checks the key with the service, then saves it in the
// keychain; every outcome replaces the status line, so no earlier "Key
// saved." stays on screen.
func (v *settingsView) onSaveKey() {
	if v.ui.keys.checkAndStoreKey(v.key.Text, false, v.status, v.onKeyStored) {
		v.saveKey.Disable()
	}
}

// onKeyStored shows where the checked key ended up; err is the failure
// behind text, if any.
func (v *settingsView) onKeyStored(key string, outcome keyOutcome, text string, err error) {
	v.saveKey.Enable()
	if err != nil || outcome == keyNotUsed {
		v.status.fail(text, err)
	} else {
		v.status.say(text)
	}
	switch {
	case outcome == keyInKeychain:
		v.onKeyInUse(key, lang.L(textKeyStored), false)
	case outcome == keyForSession && v.ui.deps.Keys == nil:
		// A demo or environment key is never stored.
		v.onKeyInUse(key, v.ui.deps.KeyNote, true)
		v.status.say(lang.L("Key accepted. Using your key until Reelhouse closes. It is not saved."))
	case outcome == keyForSession:
		v.onKeyInUse(key, lang.L(textKeySession), true)
	}
	if v.ui.welcome != nil && outcome != keyNotUsed {
		v.ui.welcome.close()
	}
}

// onRemoveKey asks, then removes the key from the keychain and offers the
// welcome again.
func (v *settingsView) onRemoveKey() {
	d := dialog.NewConfirm(lang.L("Remove the API key?"),
		lang.L("Reelhouse will forget your key and remove it from the system keychain. "+
			"Videos being made go on at the service, and Reelhouse picks them up again once you add a key."),
		func(ok bool) {
			if ok {
				v.removeStoredKey()
			}
		}, v.win)
	d.SetConfirmText(lang.L("Remove key"))
	d.SetDismissText(lang.L("Keep key"))
	showHouse(d, v.win, houseOpts{})
}

func (v *settingsView) removeStoredKey() {
	v.removeKey.Disable()
	v.status.say(lang.L("Removing the key… (your system may ask you to unlock the keychain)"))
	sessionOnly := v.sessionOnly
	v.ui.background(func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, keychainWait)
		defer cancel()
		err := v.ui.deps.Keys.Delete(ctx)
		if err != nil && ctx.Err() == nil {
			v.ui.keys.logKeychain("delete", err)
		}
		// A key kept for this run only is not in a keychain that is not
		// there, so forgetting it is all removing means.
		if err != nil && !(sessionOnly && errors.Is(err, keychain.ErrUnavailable) && !canRetryKeychain(err)) {
			v.ui.do(func() {
				v.removeKey.Enable()
				v.status.fail(lang.L("The key was not removed. {{.Reason}}", map[string]any{"Reason": errText(err)}), err)
			})
			return
		}
		v.ui.deps.Client.SetAPIKey("")
		v.ui.do(func() {
			v.key.SetText("")
			v.sessionOnly = false
			v.keyNote.SetText(lang.L(textKeyNone))
			v.status.say(lang.L("Key removed."))
			v.ui.keys.showWelcome(v.ui.keys.welcomeParent())
		})
	})
}

// The choices of "Check every" (seconds) and "Download" (at a time).
var (
	intervalChoices = []int{2, 3, 4, 5}
	downloadChoices = []int{1, 2, 3}
)

// countChoices words each of counts.
func countChoices(counts []int, words func(n int) string) []string {
	out := make([]string, len(counts))
	for i, n := range counts {
		out[i] = words(n)
	}
	return out
}

func (v *settingsView) onIntervalChanged(string) {
	i := v.interval.SelectedIndex()
	if i < 0 {
		return
	}
	n := intervalChoices[i]
	v.ui.deps.Tracker.SetInterval(time.Duration(n) * time.Second)
	v.ui.background(func(ctx context.Context) {
		v.ui.showError(v.win, lang.L("Could not save the setting"), v.ui.deps.Store.SetSetting(ctx, store.SettingInterval, strconv.Itoa(n)))
	})
}

func (v *settingsView) onDownloadsChanged(string) {
	i := v.downloads.SelectedIndex()
	if i < 0 {
		return
	}
	n := downloadChoices[i]
	v.ui.deps.Tracker.SetMaxDownloads(n)
	v.ui.background(func(ctx context.Context) {
		v.ui.showError(v.win, lang.L("Could not save the setting"), v.ui.deps.Store.SetSetting(ctx, store.SettingMaxDownloads, strconv.Itoa(n)))
	})
}

func (v *settingsView) onBrowseLibrary() {
	showFolderOpen(func(dir fyne.ListableURI, err error) {
		if err != nil {
			v.ui.showError(v.win, lang.L("Could not open the folder"), err)
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
	libraryChanged := !v.ui.deps.LibraryLocked && dir != v.ui.deps.Library.Dir()
	if serverChanged {
		if _, err := client.New(server); err != nil {
			v.status.fail(plainError(err), err)
			return
		}
	}
	v.status.say(lang.L("Saving…"))
	v.apply.Disable() // one move at a time
	v.ui.background(func(ctx context.Context) {
		defer v.ui.do(v.apply.Enable)
		var notes []string
		if serverChanged {
			if err := v.ui.deps.Store.SetSetting(ctx, store.SettingServer, server); err != nil {
				v.ui.do(func() { v.status.fail(plainError(err), err) })
				return
			}
			if err := v.ui.deps.Client.SetBaseURL(server); err != nil {
				v.ui.do(func() { v.status.fail(plainError(err), err) })
				return
			}
			v.ui.deps.Tracker.KeyChanged() // check on every task with the new server
			notes = append(notes, lang.L("Reelhouse now uses {{.Server}}.", map[string]any{"Server": v.ui.deps.Client.BaseURL()}))
		}
		if libraryChanged {
			if err := v.moveLibrary(ctx, dir); err != nil {
				v.ui.do(func() { v.status.fail(plainError(err), err) })
				return
			}
			notes = append(notes, lang.L("Your videos are now in {{.Folder}}.", map[string]any{"Folder": v.ui.deps.Library.Dir()}))
		}
		if len(notes) == 0 {
			notes = append(notes, lang.L("Nothing to change."))
		}
		v.ui.do(func() { v.status.say(strings.Join(notes, " ")) })
	})
}

// moveLibrary moves every video to dir, showing progress; it runs in the
// background.
func (v *settingsView) moveLibrary(ctx context.Context, dir string) error {
	bar := widget.NewProgressBar()
	var d dialog.Dialog
	v.ui.do(func() {
		d = dialog.NewCustomWithoutButtons(lang.L("Moving your videos…"), container.NewVBox(
			widget.NewLabel(lang.L("Each video is copied and checked before the old copy is removed.")), bar), v.win)
		d.Show()
	})
	_, err := v.ui.deps.Library.Move(ctx, dir, func(done, total int) {
		v.ui.do(func() {
			if total > 0 {
				bar.SetValue(float64(done) / float64(total))
			}
		})
	})
	v.ui.do(func() {
		d.Hide()
		v.library.SetText(v.ui.deps.Library.Dir())
	})
	return err
}

// onKeyRefused is called when the tracker stopped because of the key. With
// no key in use nothing was sent, so nothing was refused: the welcome asks
// for one instead, unless the keychain is still being read at start. Any
// earlier "Key saved." goes.
func (v *settingsView) onKeyRefused(msg string) {
	v.status.say("")
	if !v.ui.deps.Client.HasAPIKey() {
		v.keyNote.SetText(lang.L(textNoKeyPaused))
		if v.keyRead && v.ui.welcome == nil && v.ui.deps.Keys != nil {
			v.ui.keys.showWelcome(v.ui.keys.welcomeParent())
		}
		return
	}
	v.keyNote.SetText(msg)
	v.show()
}

func (v *settingsView) onKeyAccepted() {
	v.status.say(lang.L("Checking on your videos again."))
}

// notificationsItem is the check box that turns desktop notifications on
// and off.
func (v *settingsView) notificationsItem() *widget.FormItem {
	v.notifications = newHouseCheck(lang.L("Tell me when a video is ready or failed"), nil)
	v.notifications.SetChecked(true)
	v.notifications.OnChanged = v.onNotificationsChanged
	return widget.NewFormItem(lang.L("Notifications"), v.notifications)
}

// showNotifications sets the check box from the saved setting, without
// saving it again.
func (v *settingsView) showNotifications(on bool) {
	v.notifications.OnChanged = nil
	v.notifications.SetChecked(on)
	v.notifications.OnChanged = v.onNotificationsChanged
}

func (v *settingsView) onNotificationsChanged(on bool) {
	v.ui.mainWin.notifyOff, v.ui.mainWin.notifyTouched = !on, true
	value := "on"
	if !on {
		value = "off"
	}
	v.ui.background(func(ctx context.Context) {
		v.ui.showError(v.win, lang.L("Could not save the setting"), v.ui.deps.Store.SetSetting(ctx, settingNotifications, value))
	})
}

// languageItem is the choice of the language Reelhouse speaks: the
// system's, or one named in its own words.
func (v *settingsView) languageItem() *widget.FormItem {
	options := []string{lang.L("Same as the system")}
	selected := options[0]
	for _, l := range languageNames {
		options = append(options, l.Name)
		if l.Value == v.ui.deps.Language {
			selected = l.Name
		}
	}
	v.language = newHouseSelect(options, nil)
	v.language.SetSelected(selected)
	v.language.OnChanged = func(string) { v.onLanguageChanged() }
	v.languageNote = hintLabel(lang.L("Reelhouse will use this language the next time it starts."))
	v.languageNote.Hide()
	return widget.NewFormItem(lang.L("Language"), container.NewVBox(v.language, v.languageNote))
}

// onLanguageChanged saves the chosen language; the windows already built
// keep theirs until Reelhouse starts again.
func (v *settingsView) onLanguageChanged() {
	value := LanguageSystem
	if i := v.language.SelectedIndex(); i > 0 {
		value = languageNames[i-1].Value
	}
	v.languageNote.Hidden = value == v.ui.deps.Language
	v.languageNote.Refresh()
	v.ui.background(func(ctx context.Context) {
		v.ui.showError(v.win, lang.L("Could not save the setting"), v.ui.deps.Store.SetSetting(ctx, SettingLanguage, value))
	})
}
