package gui

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/client/keychain"
)

// keychainWait is how long a keychain save or delete may take: long enough
// for the user to type their password into the keychain's unlock prompt.
const keychainWait = 2 * time.Minute

// keyCheckTaskID is a task id no service will ever have. Asking for it
// costs nothing and tells a refused key (401/403) from a working one (404).
const keyCheckTaskID = "reelhouse-key-check-0000"

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

// keyFlow is the API key's one way in and out: read from the keychain at
// start (and when the compose pane needs it), checked and stored when the
// user gives it in the welcome or Settings, and the welcome offered when
// there is none. The keychain and the network are only ever asked in the
// background.
type keyFlow struct {
	ui *UI

	mu sync.Mutex // guards noKeychain
	// noKeychain is the failure that showed the system has no keychain
	// Reelhouse can use, or nil: the welcome says so whenever it opens.
	noKeychain error
}

// logKeychain keeps the keychain's underlying cause (for example "failed
// to unlock collection") in the log. Its errors never hold the key.
// A keychain found missing stays missing until Reelhouse starts again.
func (k *keyFlow) logKeychain(op string, err error) {
	k.ui.logger().Warn("keychain", "op", op, "err", client.RedactText(err.Error()))
	if errors.Is(err, keychain.ErrUnavailable) && !canRetryKeychain(err) {
		k.mu.Lock()
		k.noKeychain = err
		k.mu.Unlock()
	}
}

// useKey makes key the one the client sends and lets the tracker carry on
// with it. It may be called from any goroutine.
func (k *keyFlow) useKey(key string) {
	k.ui.deps.Client.SetAPIKey(key)
	k.ui.deps.Tracker.KeyChanged()
}

// loadKey reads the key from the keychain at start and after "Try again":
// a saved key is put to use, no key opens the welcome, and a keychain that
// fails says why, once, in the welcome when there is no key to use. It
// runs in the background.
func (k *keyFlow) loadKey(ctx context.Context) {
	if k.ui.deps.Keys == nil {
		note := k.ui.deps.KeyNote
		k.ui.do(func() { k.ui.settings.onKeyNote(note) })
		return
	}
	key, err := k.ui.deps.Keys.Load(ctx)
	switch {
	case err == nil:
		k.useKey(key)
		k.ui.do(func() {
			k.ui.settings.onKeyInUse(key, lang.L(textKeyStored), false)
			if k.ui.welcome != nil {
				k.ui.welcome.close()
			}
		})
	case ctx.Err() != nil:
	case errors.Is(err, keychain.ErrNotFound):
		k.ui.do(func() {
			k.ui.settings.onKeyNote(lang.L(textKeyNone))
			k.showWelcome(k.welcomeParent())
		})
	default:
		k.logKeychain("load", err)
		text := keychainLoadText(err)
		k.ui.do(func() {
			k.ui.settings.onKeyLoadFailed(text, canRetryKeychain(err))
			if !k.ui.deps.Client.HasAPIKey() {
				k.showWelcomeAfter(k.welcomeParent(), err)
			}
		})
	}
}

// ensureKey loads the key from the keychain if none is in use yet, for a
// keychain unlocked since Reelhouse started; it reports whether a key is
// in use. The compose pane calls it before sending. It runs in the
// background.
func (k *keyFlow) ensureKey(ctx context.Context) bool {
	if k.ui.deps.Client.HasAPIKey() {
		return true
	}
	if k.ui.deps.Keys == nil {
		return false
	}
	key, err := k.ui.deps.Keys.Load(ctx)
	if err != nil {
		if ctx.Err() == nil && !errors.Is(err, keychain.ErrNotFound) {
			k.logKeychain("load", err)
			text := keychainLoadText(err)
			k.ui.do(func() { k.ui.settings.onKeyLoadFailed(text, canRetryKeychain(err)) })
		}
		return false
	}
	k.useKey(key)
	k.ui.do(func() { k.ui.settings.onKeyInUse(key, lang.L(textKeyStored), false) })
	return true
}

// checkAndStoreKey is the one way a key the user typed is put to use, for
// the welcome and Settings alike: the key is registered for redaction
// before anything can fail and show a cause, checked with the service,
// then stored (see storeKey). status says what is happening; done runs on
// the UI goroutine with where the key ended up (keyNotUsed with the
// sentence when the check failed). It runs on the UI goroutine and
// reports whether the check started (not for an empty key).
func (k *keyFlow) checkAndStoreKey(typed string, sessionOnly bool, status *statusLine, done func(key string, outcome keyOutcome, text string, err error)) bool {
	key := strings.TrimSpace(typed)
	if key == "" {
		status.fail(lang.L(textKeyEmpty), nil)
		return false
	}
	// No cause shown under "Details" may spell the key, whatever failed.
	client.RegisterSecret(key)
	status.say(lang.L(textKeyChecking))
	k.ui.background(func(ctx context.Context) {
		if err := keyCheck(ctx, k.ui.deps.Client, key); err != nil {
			text := keyCheckText(err)
			k.ui.do(func() { done(key, keyNotUsed, text, err) })
			return
		}
		if !sessionOnly && k.ui.deps.Keys != nil {
			k.ui.do(func() { status.say(lang.L(textKeySaving)) })
		}
		outcome, text, err := k.storeKey(ctx, key, sessionOnly)
		k.ui.do(func() { done(key, outcome, text, err) })
	})
	return true
}

// storeKey saves a checked key in the keychain and puts it to use. Where
// the keychain cannot keep it, the key is used until Reelhouse closes and
// the sentence says so and how to fix it; the user is never asked again.
// err is the keychain's failure behind the sentence, if any. It runs in
// the background.
func (k *keyFlow) storeKey(ctx context.Context, key string, sessionOnly bool) (outcome keyOutcome, text string, err error) {
	if k.ui.deps.Keys == nil || sessionOnly {
		k.useKey(key)
		return keyForSession, lang.L(textKeySession), nil
	}
	ctx, cancel := context.WithTimeout(ctx, keychainWait)
	defer cancel()
	err = k.ui.deps.Keys.Save(ctx, key)
	switch {
	case err == nil:
		k.useKey(key)
		return keyInKeychain, lang.L(textKeySaved), nil
	case errors.Is(err, context.Canceled):
		return keyNotUsed, "", nil
	case errors.Is(err, keychain.ErrInvalidKey):
		return keyNotUsed, errText(err), err
	}
	k.logKeychain("save", err)
	k.useKey(key)
	return keyForSession, keychainSaveText(err), err
}

// welcomeParent is the window the welcome opens over.
func (k *keyFlow) welcomeParent() fyne.Window { return k.ui.main }

// showWelcome offers the first-run choice over win: the demo, or the
// user's own API key. Where the system has no keychain, it says so. It
// runs on the UI goroutine.
func (k *keyFlow) showWelcome(win fyne.Window) {
	k.mu.Lock()
	err := k.noKeychain
	k.mu.Unlock()
	k.openWelcome(win, err)
}

// showWelcomeAfter is showWelcome when the keychain failed with err; the
// welcome says so once.
func (k *keyFlow) showWelcomeAfter(win fyne.Window, err error) { k.openWelcome(win, err) }

func (k *keyFlow) openWelcome(win fyne.Window, keychainErr error) {
	if k.ui.welcome != nil {
		k.ui.welcome.close()
	}
	v := newWelcome(k.ui)
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
	k.ui.welcome = v
	v.parent = win
	v.dlg = dialog.NewCustomWithoutButtons(lang.L("Welcome to Reelhouse"), v.content, win)
	v.dlg.SetOnClosed(func() {
		if k.ui.welcome == v {
			k.ui.welcome = nil
		}
	})
	// Enter does what the focused button or the key's field says; the
	// first choice has no default. Esc is "Not now".
	showHouse(v.dlg, win, houseOpts{size: fyne.NewSize(640, 200), enter: func() {}})
	v.fit()
}
