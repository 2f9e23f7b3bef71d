// Package gui holds Reelhouse's windows: compose, history and settings.
// Background work (the tracker, the keychain, the network) never touches a
// widget: bridge.go is the one place that carries its results to the UI
// goroutine.
package gui

import (
	"context"
	"errors"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history"
)

// KeyStore keeps the API key; *keychain.Keychain is one.
type KeyStore interface {
	Load(ctx context.Context) (string, error)
	Save(ctx context.Context, key string) error
	Delete(ctx context.Context) error
}

// Deps is everything the windows need.
type Deps struct {
	Tracker *history.Tracker
	Store   *history.Store
	Client  *client.Client
	// Keys stores the API key; nil when the key must not be stored (demo,
	// or a key given in the environment).
	Keys KeyStore
	// KeyNote, if set, is shown in Settings to say where the key came from.
	KeyNote string
	// ServerURL is the service in use; ServerLocked is set when it came
	// from the command line or demo mode and must not be saved.
	ServerURL    string
	ServerLocked bool
	// LibraryLocked is set when the library folder came from the command
	// line or demo mode and must not be saved.
	LibraryLocked bool
}

// UI owns the windows. Create it with New, then call Start.
type UI struct {
	app  fyne.App
	deps Deps

	// do runs fn on the UI goroutine; it is fyne.Do except in tests, which
	// run queued functions on the test goroutine.
	do func(fn func())

	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	mu      sync.Mutex // guards stopped
	stopped bool

	compose  *composeView
	history  *historyView
	settings *settingsView
}

// New builds the windows without showing them.
func New(a fyne.App, d Deps) *UI {
	ctx, cancel := context.WithCancel(context.Background())
	u := &UI{app: a, deps: d, ctx: ctx, cancel: cancel}
	// Once the UI stops, results that arrive late are dropped instead of
	// touching windows that are going away.
	u.do = func(fn func()) {
		fyne.Do(func() {
			if u.ctx.Err() == nil {
				fn()
			}
		})
	}
	u.compose = newCompose(u)
	u.history = newHistory(u)
	u.settings = newSettings(u)
	return u
}

// Start begins carrying tracker events to the windows and loads the API
// key in the background. Call Stop when the app stops.
func (u *UI) Start() {
	u.startBridge()
	u.background(func(ctx context.Context) { u.settings.loadKey(ctx) })
	u.background(func(ctx context.Context) {
		u.history.reload(ctx)
		// Files deleted, moved or copied in while Reelhouse was closed.
		if rep, err := u.deps.Tracker.Reconcile(ctx); err == nil && (rep.Added > 0 || rep.Missing > 0 || rep.Moved > 0) {
			u.history.reload(ctx)
		}
	})
}

// Stop ends the background work of the windows and waits for it.
func (u *UI) Stop() {
	u.mu.Lock()
	u.stopped = true
	u.mu.Unlock()
	u.cancel()
	u.wg.Wait()
}

// ComposeWindow is the main window.
func (u *UI) ComposeWindow() fyne.Window { return u.compose.win }

// HistoryWindow lists every task.
func (u *UI) HistoryWindow() fyne.Window { return u.history.win }

// SettingsWindow holds the key, server and library settings.
func (u *UI) SettingsWindow() fyne.Window { return u.settings.win }

// background runs fn off the UI goroutine; fn must report back through
// u.do. It ends with the UI.
func (u *UI) background(fn func(ctx context.Context)) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.stopped {
		return
	}
	u.wg.Go(func() { fn(u.ctx) })
}

// showError tells the user about a failure in a dialog on win. It is safe
// to call from any goroutine.
func (u *UI) showError(win fyne.Window, title string, err error) {
	if err == nil || errors.Is(err, context.Canceled) {
		return
	}
	fyne.LogError(title, err)
	u.do(func() {
		d := dialog.NewInformation(title, plainError(err), win)
		d.Show()
	})
}

// plainError is the sentence shown to the user for err (see errText).
func plainError(err error) string { return errText(err) }

// secondaryWindow makes a window that hides instead of closing, so it can
// be shown again with its state intact.
func secondaryWindow(a fyne.App, title string, size fyne.Size) fyne.Window {
	w := a.NewWindow(title)
	w.Resize(size)
	w.SetCloseIntercept(w.Hide)
	return w
}

// ShowStartupError shows why Reelhouse could not start, in a window of its
// own, and returns when the user closes it.
func ShowStartupError(a fyne.App, err error) {
	fyne.LogError("start", err)
	w := a.NewWindow("Reelhouse could not start")
	msg := widget.NewLabel(plainError(err))
	msg.Wrapping = fyne.TextWrapWord
	w.SetContent(container.NewPadded(container.NewBorder(nil, widget.NewButton("Close", a.Quit), nil, nil, msg)))
	w.Resize(fyne.NewSize(480, 200))
	w.ShowAndRun()
}
