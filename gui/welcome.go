package gui

import (
	"context"
	"os"
	"os/exec"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Sentences about the key, shared by the welcome and Settings.
const (
	textKeyWhat = "The API key is the password-like code your video service gives you; Reelhouse keeps it in your system's keychain."
	// textKeyWhatSession is textKeyWhat where there is no keychain; the
	// welcome has said above that the key is kept until Reelhouse closes.
	textKeyWhatSession = "The API key is the password-like code your video service gives you."
	textKeyRefused     = "The service refused this key. Check that you copied all of it."
	textKeyEmpty       = "Paste your API key first."
	textKeyChecking    = "Checking the key with the service…"
	textKeySaving      = "Saving the key in the system keychain… (your system may ask you to unlock it)"
	textKeySaved       = "Key saved."
	textKeyStored      = "Your key is stored in the system keychain."
	textKeySession     = "Using your key until Reelhouse closes. It is not saved."
	textKeyNone        = "No API key is set. Add your key to make videos."
	textNoKeyPaused    = "Reelhouse has no API key yet, so it is not checking on your videos. Add your key and it will carry on."
	textDemoBanner     = "Demo — videos are samples and are deleted when you quit."
	textDemoManually   = "Reelhouse could not start its demo by itself. Close Reelhouse and start it again with: reelhouse --demo"
)

// welcomeView is the first-run choice: try the demo, or give an API key.
type welcomeView struct {
	ui  *UI
	dlg *dialog.CustomDialog

	content     fyne.CanvasObject
	problem     *widget.Label  // what went wrong with the keychain, said once
	retry       *widget.Button // reads the keychain again once it is unlocked
	demo        *widget.Button
	haveKey     *widget.Button
	keyPane     *fyne.Container // shown after "I have an API key"
	key         *houseEntry
	parent      fyne.Window // the window the welcome is shown on
	check       *widget.Button
	what        *widget.Label // what the key is and where it is kept
	status      *statusLine
	library     *widget.Label
	change      *widget.Button
	later       *widget.Button
	sessionOnly bool // the keychain is known to be missing: do not try it
}

func newWelcome(u *UI) *welcomeView {
	v := &welcomeView{ui: u}
	intro := widget.NewLabel(lang.L("Reelhouse turns a few written words into a video. How would you like to start?"))
	v.problem = widget.NewLabel("")
	v.problem.Wrapping = fyne.TextWrapWord
	v.problem.Importance = widget.WarningImportance
	v.problem.Hide()
	v.retry = widget.NewButtonWithIcon(lang.L("Try again"), theme.ViewRefreshIcon(), v.onRetry)
	v.retry.Hide()

	v.demo = widget.NewButtonWithIcon(lang.L("Try the demo (no account, nothing is kept)"), theme.MediaPlayIcon(), v.onDemo)
	v.haveKey = widget.NewButtonWithIcon(lang.L("I have an API key"), theme.LoginIcon(), v.onHaveKey)

	v.what = widget.NewLabel(lang.L(textKeyWhat))
	v.what.Wrapping = fyne.TextWrapWord
	v.key = newHousePasswordEntry()
	v.key.SetPlaceHolder(lang.L("Paste your API key here"))
	v.key.OnSubmitted = func(string) { v.onCheckAndSave() }
	v.check = widget.NewButtonWithIcon(lang.L("Check and save"), theme.ConfirmIcon(), v.onCheckAndSave)
	v.check.Importance = widget.HighImportance
	v.status = newStatusLine(u.keys.welcomeParent)
	v.library = widget.NewLabel(libraryText(u.deps.Library.Dir()))
	v.library.Truncation = fyne.TextTruncateEllipsis
	v.change = widget.NewButton(lang.L("Change…"), v.onChangeLibrary)
	libraryRow := container.NewBorder(nil, nil, nil, v.change, v.library)
	if u.deps.LibraryLocked {
		v.change.Hide()
	}
	// What went wrong with the keychain matters only to a key: the demo
	// and the first choice say nothing of it.
	v.keyPane = container.NewVBox(
		widget.NewSeparator(),
		container.NewBorder(nil, nil, nil, v.retry, v.problem),
		v.what,
		container.NewBorder(nil, nil, nil, v.check, v.key),
		v.status.content,
		libraryRow,
	)
	v.keyPane.Hide()

	v.later = widget.NewButton(lang.L("Not now"), v.onLater)
	v.content = container.NewBorder(nil, container.NewHBox(layout.NewSpacer(), v.later), nil, nil,
		container.NewVBox(
			intro,
			container.NewGridWithColumns(2, v.demo, v.haveKey),
			v.keyPane,
		))
	return v
}

// libraryText says where the videos go.
func libraryText(dir string) string {
	return lang.L("Your videos will be kept in {{.Folder}}", map[string]any{"Folder": dir})
}

// close hides the welcome; it runs on the UI goroutine.
func (v *welcomeView) close() {
	if v.dlg != nil {
		v.dlg.Hide()
	}
}

func (v *welcomeView) onLater() { v.close() }

// onDemo starts Reelhouse again in demo mode and quits this one.
func (v *welcomeView) onDemo() {
	start := v.ui.startDemo
	if start == nil {
		start = startDemo
	}
	if err := start(v.ui.compose.draft()); err != nil {
		v.ui.logger().Warn("starting the demo", "err", err.Error())
		v.status.fail(lang.L(textDemoManually), err)
		v.keyPane.Show()
		v.fit()
		return
	}
	v.close()
	v.ui.mainWin.exit()
}

// startDemo starts a new Reelhouse in demo mode, without waiting for it,
// handing it the compose draft in its environment (DraftEnv).
func startDemo(draft string) error {
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	cmd := exec.Command(exe, "--demo")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.Env = os.Environ()
	if draft != "" {
		cmd.Env = append(cmd.Env, DraftEnv+"="+draft)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	return cmd.Process.Release()
}

// fit sizes the welcome to what it shows now. Wrapped sentences have no
// height of their own until they have a width, so the sizes are set here.
func (v *welcomeView) fit() {
	if v.dlg == nil {
		return
	}
	h := float32(200)
	if v.keyPane.Visible() {
		h += 200
		if v.problem.Visible() {
			h += 90
		}
	}
	v.dlg.Resize(fyne.NewSize(640, h))
}

func (v *welcomeView) onHaveKey() {
	v.keyPane.Show()
	v.fit()
	if v.parent != nil {
		v.parent.Canvas().Focus(v.key)
	}
}

// onRetry reads the keychain again, after the user unlocked it.
func (v *welcomeView) onRetry() {
	v.retry.Disable()
	v.problem.SetText(lang.L("Reading your key from the system keychain…"))
	v.ui.background(v.ui.keys.loadKey)
}

// onCheckAndSave checks the key with the service, then saves it.
func (v *welcomeView) onCheckAndSave() {
	if v.ui.keys.checkAndStoreKey(v.key.Text, v.sessionOnly, v.status, v.onKeyStored) {
		v.check.Disable()
	}
}

// onKeyStored shows where the checked key ended up; err is the
// keychain's failure behind text, if any.
func (v *welcomeView) onKeyStored(key string, outcome keyOutcome, text string, err error) {
	v.check.Enable()
	switch outcome {
	case keyNotUsed:
		v.status.fail(text, err)
		return
	case keyInKeychain:
		v.ui.settings.onKeyInUse(key, lang.L(textKeyStored), false)
		v.close()
		return
	}
	v.ui.settings.onKeyInUse(key, lang.L(textKeySession), true)
	if text == lang.L(textKeySession) || v.sessionOnly {
		// The welcome has already said why the key is not kept.
		v.close()
		return
	}
	// Say once why the key is not kept; the user closes the welcome.
	v.problem.Hide()
	v.retry.Hide()
	v.status.fail(text, err)
	v.check.Disable()
	v.key.Disable()
	v.later.SetText(lang.L("Start"))
	v.later.Importance = widget.HighImportance
	v.later.Refresh()
}

// onChangeLibrary lets the user pick another library folder.
func (v *welcomeView) onChangeLibrary() {
	win := v.ui.keys.welcomeParent()
	showFolderOpen(func(dir fyne.ListableURI, err error) {
		if err != nil {
			v.ui.showError(win, lang.L("Could not open the folder"), err)
			return
		}
		if dir == nil {
			return
		}
		v.change.Disable()
		path := dir.Path()
		v.ui.background(func(ctx context.Context) {
			_, err := v.ui.deps.Library.Move(ctx, path, nil)
			now := v.ui.deps.Library.Dir()
			v.ui.do(func() {
				v.change.Enable()
				v.library.SetText(libraryText(now))
				v.ui.settings.library.SetText(now)
				if err != nil {
					v.status.fail(plainError(err), err)
				} else {
					v.status.say("")
				}
			})
		})
	}, win)
}
