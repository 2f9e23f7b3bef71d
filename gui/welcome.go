package gui

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"os/exec"
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
	"github.com/reelhouse/reelhouse/client/keychain"
	"github.com/reelhouse/reelhouse/history"
)

// keychainWait is how long a keychain save or delete may take: long enough
// for the user to type their password into the keychain's unlock prompt.
const keychainWait = 2 * time.Minute

// keyCheckTaskID is a task id no service will ever have. Asking for it
// costs nothing and tells a refused key (401/403) from a working one (404).
const keyCheckTaskID = "reelhouse-key-check-0000"

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

// keyOutcome is where a checked key ended up.
type keyOutcome int

const (
	keyNotUsed    keyOutcome = iota // refused, or not a key: nothing changed
	keyInKeychain                   // saved in the keychain and in use
	keyForSession                   // in use until Reelhouse closes, not saved
)

// keyCheck asks the service, with key, for a task that cannot exist: a
// 404 means the key works, a 401/403 that it was refused. The client's own
// key is left alone whatever the answer, so a wrong key never replaces a
// working one.
func keyCheck(ctx context.Context, c *client.Client, key string) error {
	return c.CheckAPIKey(ctx, key)
}

// keyCheckText is the sentence for a failed keyCheck. Only an answer of
// the service may be called a refusal: a key that was never sent was not
// refused.
func keyCheckText(err error) string {
	var apiErr *client.APIError
	switch {
	case errors.As(err, &apiErr) && client.IsUnauthorized(err):
		return lang.L(textKeyRefused)
	case errors.Is(err, client.ErrNoAPIKey):
		return lang.L(textKeyEmpty)
	}
	var cErr *client.Error
	if errors.As(err, &cErr) && cErr.Code == client.CodeKeyNotSendable {
		return lang.L("This key contains spaces or characters an API key cannot have. Check that you copied only the key.")
	}
	return errText(err)
}

// keychainLoadText is the sentence for a keychain that could not give the
// saved key; it says what the user can do.
func keychainLoadText(err error) string {
	switch {
	case errors.Is(err, keychain.ErrLocked):
		return lang.L("Your system keychain is locked, so Reelhouse cannot read your saved API key. Unlock it, then press Try again.")
	case errors.Is(err, keychain.ErrTimeout):
		return lang.L("Your system keychain did not unlock in time, so Reelhouse cannot read your saved API key. Unlock it, then press Try again.")
	case errors.Is(err, keychain.ErrUnavailable):
		return lang.L("Your system has no keychain Reelhouse can use, so a key you enter is kept only until Reelhouse closes. " +
			"To keep it, install a keyring such as GNOME Keyring or KWallet, make sure it unlocks when you log in, and start Reelhouse again.")
	}
	return errText(err)
}

// keychainSaveText is the sentence for a key that works but could not be
// saved, and is used until Reelhouse closes instead.
func keychainSaveText(err error) string {
	switch {
	case errors.Is(err, keychain.ErrLocked):
		return lang.L("The key works, but your system keychain stayed locked, so it is kept only until Reelhouse closes. Unlock the keychain, then save the key again in Settings to keep it.")
	case errors.Is(err, keychain.ErrTimeout):
		return lang.L("The key works, but your system keychain did not unlock in time, so it is kept only until Reelhouse closes. Unlock the keychain, then save the key again in Settings to keep it.")
	default:
		return lang.L("The key works, but your system has no keychain Reelhouse can use, so it is kept only until Reelhouse closes. " +
			"To keep it, install a keyring such as GNOME Keyring or KWallet, make sure it unlocks when you log in, and save the key again in Settings.")
	}
}

// canRetryKeychain reports whether unlocking the keychain could make a
// second try succeed.
func canRetryKeychain(err error) bool {
	return errors.Is(err, keychain.ErrLocked) || errors.Is(err, keychain.ErrTimeout)
}

// logger is where the windows note what the user is not shown, such as
// the keychain's own words.
func (u *UI) logger() *slog.Logger {
	if u.deps.Log != nil {
		return u.deps.Log
	}
	return slog.New(slog.DiscardHandler)
}

// logKeychain keeps the keychain's underlying cause (for example "failed
// to unlock collection") in the log. Its errors never hold the key.
// A keychain found missing stays missing until Reelhouse starts again.
func (u *UI) logKeychain(op string, err error) {
	u.logger().Warn("keychain", "op", op, "err", client.RedactText(err.Error()))
	if errors.Is(err, keychain.ErrUnavailable) && !canRetryKeychain(err) {
		u.mu.Lock()
		u.noKeychain = err
		u.mu.Unlock()
	}
}

// useKey makes key the one the client sends and lets the tracker carry on
// with it. It may be called from any goroutine.
func (u *UI) useKey(key string) {
	u.deps.Client.SetAPIKey(key)
	u.deps.Tracker.KeyChanged()
}

// loadKey reads the key from the keychain at start and after "Try again":
// a saved key is put to use, no key opens the welcome, and a keychain that
// fails says why, once, in the welcome when there is no key to use. It
// runs in the background.
func (u *UI) loadKey(ctx context.Context) {
	if u.deps.Keys == nil {
		note := u.deps.KeyNote
		u.do(func() { u.settings.onKeyNote(note) })
		return
	}
	key, err := u.deps.Keys.Load(ctx)
	switch {
	case err == nil:
		u.useKey(key)
		u.do(func() {
			u.settings.onKeyInUse(key, lang.L(textKeyStored), false)
			if u.welcome != nil {
				u.welcome.close()
			}
		})
	case ctx.Err() != nil:
	case errors.Is(err, keychain.ErrNotFound):
		u.do(func() {
			u.settings.onKeyNote(lang.L(textKeyNone))
			u.showWelcome(u.welcomeParent())
		})
	default:
		u.logKeychain("load", err)
		text := keychainLoadText(err)
		u.do(func() {
			u.settings.onKeyLoadFailed(text, canRetryKeychain(err))
			if !u.deps.Client.HasAPIKey() {
				u.showWelcomeAfter(u.welcomeParent(), err)
			}
		})
	}
}

// ensureKey loads the key from the keychain if none is in use yet, for a
// keychain unlocked since Reelhouse started; it reports whether a key is
// in use. The compose pane calls it before sending. It runs in the
// background.
func (u *UI) ensureKey(ctx context.Context) bool {
	if u.deps.Client.HasAPIKey() {
		return true
	}
	if u.deps.Keys == nil {
		return false
	}
	key, err := u.deps.Keys.Load(ctx)
	if err != nil {
		if ctx.Err() == nil && !errors.Is(err, keychain.ErrNotFound) {
			u.logKeychain("load", err)
			text := keychainLoadText(err)
			u.do(func() { u.settings.onKeyLoadFailed(text, canRetryKeychain(err)) })
		}
		return false
	}
	u.useKey(key)
	u.do(func() { u.settings.onKeyInUse(key, lang.L(textKeyStored), false) })
	return true
}

// checkAndStoreKey is the one way a key the user typed is put to use, for
// the welcome and Settings alike: the key is registered for redaction
// before anything can fail and show a cause, checked with the service,
// then stored (see storeKey). status says what is happening; done runs on
// the UI goroutine with where the key ended up (keyNotUsed with the
// sentence when the check failed). It runs on the UI goroutine and
// reports whether the check started (not for an empty key).
func (u *UI) checkAndStoreKey(typed string, sessionOnly bool, status *statusLine, done func(key string, outcome keyOutcome, text string, err error)) bool {
	key := strings.TrimSpace(typed)
	if key == "" {
		status.fail(lang.L(textKeyEmpty), nil)
		return false
	}
	// No cause shown under "Details" may spell the key, whatever failed.
	client.RegisterSecret(key)
	status.say(lang.L(textKeyChecking))
	u.background(func(ctx context.Context) {
		if err := keyCheck(ctx, u.deps.Client, key); err != nil {
			text := keyCheckText(err)
			u.do(func() { done(key, keyNotUsed, text, err) })
			return
		}
		if !sessionOnly && u.deps.Keys != nil {
			u.do(func() { status.say(lang.L(textKeySaving)) })
		}
		outcome, text, err := u.storeKey(ctx, key, sessionOnly)
		u.do(func() { done(key, outcome, text, err) })
	})
	return true
}

// storeKey saves a checked key in the keychain and puts it to use. Where
// the keychain cannot keep it, the key is used until Reelhouse closes and
// the sentence says so and how to fix it; the user is never asked again.
// err is the keychain's failure behind the sentence, if any. It runs in
// the background.
func (u *UI) storeKey(ctx context.Context, key string, sessionOnly bool) (outcome keyOutcome, text string, err error) {
	if u.deps.Keys == nil || sessionOnly {
		u.useKey(key)
		return keyForSession, lang.L(textKeySession), nil
	}
	ctx, cancel := context.WithTimeout(ctx, keychainWait)
	defer cancel()
	err = u.deps.Keys.Save(ctx, key)
	switch {
	case err == nil:
		u.useKey(key)
		return keyInKeychain, lang.L(textKeySaved), nil
	case errors.Is(err, context.Canceled):
		return keyNotUsed, "", nil
	case errors.Is(err, keychain.ErrInvalidKey):
		return keyNotUsed, errText(err), err
	}
	u.logKeychain("save", err)
	u.useKey(key)
	return keyForSession, keychainSaveText(err), err
}

// welcomeParent is the window the welcome opens over.
func (u *UI) welcomeParent() fyne.Window { return u.main }

// showWelcome offers the first-run choice over win: the demo, or the
// user's own API key. Where the system has no keychain, it says so. It
// runs on the UI goroutine.
func (u *UI) showWelcome(win fyne.Window) {
	u.mu.Lock()
	err := u.noKeychain
	u.mu.Unlock()
	u.openWelcome(win, err)
}

// showWelcomeAfter is showWelcome when the keychain failed with err; the
// welcome says so once.
func (u *UI) showWelcomeAfter(win fyne.Window, err error) { u.openWelcome(win, err) }

func (u *UI) openWelcome(win fyne.Window, keychainErr error) {
	if u.welcome != nil {
		u.welcome.close()
	}
	v := newWelcome(u)
	if keychainErr != nil {
		v.problem.SetText(keychainLoadText(keychainErr))
		v.problem.Show()
		v.retry.Hidden = !canRetryKeychain(keychainErr)
		// A keychain that is not there will not take the key either.
		v.sessionOnly = !canRetryKeychain(keychainErr)
		if v.sessionOnly {
			v.what.SetText(lang.L(textKeyWhatSession))
		}
	}
	u.welcome = v
	v.dlg = dialog.NewCustomWithoutButtons(lang.L("Welcome to Reelhouse"), v.content, win)
	v.dlg.SetOnClosed(func() {
		if u.welcome == v {
			u.welcome = nil
		}
	})
	v.dlg.Show()
	v.fit()
}

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
	key         *widget.Entry
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
	v.key = widget.NewPasswordEntry()
	v.key.SetPlaceHolder(lang.L("Paste your API key here"))
	v.key.OnSubmitted = func(string) { v.onCheckAndSave() }
	v.check = widget.NewButtonWithIcon(lang.L("Check and save"), theme.ConfirmIcon(), v.onCheckAndSave)
	v.check.Importance = widget.HighImportance
	v.status = newStatusLine(u.welcomeParent)
	v.library = widget.NewLabel(libraryText(u.deps.Library.Dir()))
	v.library.Truncation = fyne.TextTruncateEllipsis
	v.change = widget.NewButton(lang.L("Change…"), v.onChangeLibrary)
	libraryRow := container.NewBorder(nil, nil, nil, v.change, v.library)
	if u.deps.LibraryLocked {
		v.change.Hide()
	}
	v.keyPane = container.NewVBox(
		widget.NewSeparator(),
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
			container.NewBorder(nil, nil, nil, v.retry, v.problem),
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
	if err := start(); err != nil {
		v.ui.logger().Warn("starting the demo", "err", err.Error())
		v.status.fail(lang.L(textDemoManually), err)
		v.keyPane.Show()
		v.fit()
		return
	}
	v.close()
	v.ui.exit()
}

// startDemo starts a new Reelhouse in demo mode, without waiting for it.
func startDemo() error {
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	cmd := exec.Command(exe, "--demo")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
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
	if v.problem.Visible() {
		h += 90
	}
	if v.keyPane.Visible() {
		h += 200
	}
	v.dlg.Resize(fyne.NewSize(640, h))
}

func (v *welcomeView) onHaveKey() {
	v.keyPane.Show()
	v.fit()
	if c := fyne.CurrentApp().Driver().CanvasForObject(v.key); c != nil {
		c.Focus(v.key)
	}
}

// onRetry reads the keychain again, after the user unlocked it.
func (v *welcomeView) onRetry() {
	v.retry.Disable()
	v.problem.SetText(lang.L("Reading your key from the system keychain…"))
	v.ui.background(v.ui.loadKey)
}

// onCheckAndSave checks the key with the service, then saves it.
func (v *welcomeView) onCheckAndSave() {
	if v.ui.checkAndStoreKey(v.key.Text, v.sessionOnly, v.status, v.onKeyStored) {
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
	win := v.ui.welcomeParent()
	dialog.ShowFolderOpen(func(dir fyne.ListableURI, err error) {
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

// demoBanner is the strip the main window shows at its top for the whole
// of a demo; outside demo mode it is an empty, hidden object.
func (u *UI) demoBanner() fyne.CanvasObject {
	if u.deps.KeySource != KeyFromDemo {
		empty := container.NewStack()
		empty.Hide()
		return empty
	}
	text := widget.NewLabelWithStyle(lang.L(textDemoBanner), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	text.Wrapping = fyne.TextWrapWord
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameWarning))
	bg.CornerRadius = theme.InputRadiusSize()
	return container.NewStack(bg, container.NewBorder(nil, nil, widget.NewIcon(theme.InfoIcon()), nil, text))
}

// confirmQuit calls quit, first asking when a demo holds videos, since
// they are deleted when Reelhouse closes. quit runs on the UI goroutine.
func (u *UI) confirmQuit(win fyne.Window, quit func()) {
	if u.deps.KeySource != KeyFromDemo || u.ctx.Err() != nil {
		quit()
		return
	}
	u.background(func(ctx context.Context) {
		n, err := u.deps.Store.Count(ctx, history.Query{})
		if err == nil {
			var trashed int
			trashed, err = u.deps.Store.Count(ctx, history.Query{Trash: true})
			n += trashed
		}
		if ctx.Err() != nil {
			return
		}
		u.do(func() {
			if err == nil && n == 0 {
				quit()
				return
			}
			d := dialog.NewConfirm(lang.L("Quit the demo?"),
				lang.L("The demo's videos are samples and are deleted when Reelhouse closes."),
				func(ok bool) {
					if ok {
						quit()
					}
				}, win)
			d.SetConfirmText(lang.L("Quit and delete"))
			d.SetDismissText(lang.L("Keep the demo open"))
			d.Show()
		})
	})
}
