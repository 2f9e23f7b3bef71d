package gui

import (
	"context"
	"errors"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/client/keychain"
	"github.com/reelhouse/reelhouse/history"
	"github.com/reelhouse/reelhouse/history/crash"
	"github.com/reelhouse/reelhouse/history/library"
	"github.com/reelhouse/reelhouse/history/store"
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
	// Library works on the videos in the library folder; Tracker
	// downloads into it.
	Library *library.Library
	Store   *store.Store
	Client  *client.Client
	// Keys stores the API key; nil when the key must not be stored (demo,
	// or a key given in the environment).
	Keys KeyStore
	// KeyNote, if set, is shown in Settings to say where the key came from.
	KeyNote string
	// KeySource says where a key that is not stored came from; New words
	// KeyNote from it when KeyNote is empty.
	KeySource KeySource
	// Diagnostics, if set, gathers the text of "Copy diagnostics"
	// (versions, settings without the key, the end of the log).
	Diagnostics func(ctx context.Context) (string, error)
	// ServerURL is the service in use; ServerLocked is set when it came
	// from the command line or demo mode and must not be saved.
	ServerURL    string
	ServerLocked bool
	// LibraryLocked is set when the library folder came from the command
	// line or demo mode and must not be saved.
	LibraryLocked bool
	// Draft, if set, is the compose form carried over from the Reelhouse
	// that started this one (see DraftEnv).
	Draft string
	// Log, if set, keeps what the windows do not show, such as the
	// keychain's own words.
	Log *slog.Logger
	// Language is the language chosen in Settings (a Language constant);
	// the caller has already put it to use with UseLanguage.
	Language string
	// CrashReport, if set, is the record of crashes since the last start
	// that the user was not told about yet (see ShowCrashReport).
	CrashReport string
	// Version is this build's version, e.g. "0.1.0 (build 1)", and
	// DataDir the data folder, for About.
	Version string
	DataDir string
	// Licences is the text of the licences of the modules built into
	// Reelhouse, for the About dialog.
	Licences string
}

// KeySource says where the API key of a run comes from when it is not
// the keychain's.
type KeySource int

// Key sources.
const (
	KeyFromKeychain KeySource = iota // Settings stores it in the keychain
	KeyFromDemo                      // demo mode's throw-away key
	KeyFromEnv                       // the environment, for this run only
)

// keyNote is what Settings says about a key from source.
func keyNote(source KeySource) string {
	switch source {
	case KeyFromDemo:
		return lang.L("Demo mode: Reelhouse is talking to its built-in simulator with a throw-away key. Nothing is billed and nothing is kept.")
	case KeyFromEnv:
		return lang.L("Using the key from the {{.Variable}} environment variable for this run only. It is not saved.",
			map[string]any{"Variable": keychain.EnvVar})
	}
	return ""
}

// UI owns the windows. Create it with New, then call Start.
type UI struct {
	app  fyne.App
	deps Deps

	// do runs fn on the UI goroutine; it is uiDo(fyne.Do) except in
	// tests, which run queued functions on the test goroutine.
	do func(fn func())
	// loopStopped is set once Fyne's event loop has stopped: from then on
	// fyne.Do would run functions on the calling goroutine, so do drops
	// them.
	loopStopped atomic.Bool

	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	mu      sync.Mutex // guards stopped
	stopped bool
	// busy counts the background tasks at work, less those waiting for
	// something to happen (idleWhile): at zero, with nothing queued for
	// the UI goroutine, the windows have settled.
	busy atomic.Int64

	main     fyne.Window
	panes    *panes
	compose  *composeView
	library  *libraryView
	settings *settingsView
	welcome  *welcomeView // the first-run choice while it is shown
	compare  *compareView // the Compare window, once opened
	usage    *usageView   // the Usage window, once opened
	story    *storyView   // the Storyboard window, once opened

	// startDemo starts Reelhouse again in demo mode; nil means startDemo.
	// It is given the compose draft to carry over.
	startDemo func(draft string) error

	// releaseMemory gives the memory the start-up work no longer uses back
	// to the system (debug.FreeOSMemory; tests count the calls), once the
	// start-up check of the library has ended, after each wait of
	// releaseAfter in turn.
	releaseMemory func()
	releaseAfter  []time.Duration

	// mainWin is the main window's menu, tray, quitting and title.
	mainWin *mainWindow
	// keys reads, checks and stores the API key.
	keys *keyFlow
	// continueFlow starts a video from a frame of another.
	continueFlow *continueFlow
}

// New builds the windows without showing them.
func New(a fyne.App, d Deps) *UI {
	ctx, cancel := context.WithCancel(context.Background())
	if d.KeyNote == "" {
		d.KeyNote = keyNote(d.KeySource)
	}
	u := &UI{app: a, deps: d, ctx: ctx, cancel: cancel, releaseMemory: debug.FreeOSMemory, releaseAfter: startupSettles}
	a.Lifecycle().SetOnStopped(func() { u.loopStopped.Store(true) })
	u.do = u.uiDo(fyne.Do)
	useChineseFont(a)
	u.main = a.NewWindow(appName)
	u.mainWin = newMainWindow(u)
	u.keys = &keyFlow{ui: u}
	u.continueFlow = &continueFlow{ui: u}
	u.compose = newCompose(u)
	u.compose.restoreDraft(d.Draft)
	u.library = newLibraryView(u)
	u.settings = newSettings(u)
	u.settings.win.SetContent(withCloseButton(u.settings.win))
	u.mainWin.buildMain()
	return u
}

// Start begins carrying tracker events to the windows and loads the API
// key in the background. Call Stop when the app stops.
func (u *UI) Start() {
	u.startBridge()
	u.mainWin.startMain()
	u.background(u.keys.loadKey) // opens the welcome when there is no key
	u.background(u.compose.loadSettings)
	u.background(func(ctx context.Context) {
		u.library.model.reload(ctx)
		// Files deleted, moved or copied in while Reelhouse was closed.
		rep, err := u.deps.Library.Reconcile(ctx)
		if errors.Is(err, library.ErrUnavailable) {
			u.do(u.library.onLibraryUnavailable) // the tracker says when it is back
		} else if err != nil && ctx.Err() == nil {
			fyne.LogError("checking the library folder at start", err)
		}
		if err == nil && (rep.Added > 0 || rep.Missing > 0 || rep.Moved > 0) {
			u.library.model.reload(ctx)
		}
		// The first frames are drawn meanwhile, and the library's first
		// pages and counts read: their work is garbage by the time it has
		// passed, and an idle Reelhouse would hold that memory until a
		// collection it never triggers.
		for _, wait := range u.releaseAfter {
			u.idleWhile(func() {
				select {
				case <-ctx.Done():
				case <-time.After(wait):
				}
			})
			if ctx.Err() != nil {
				return
			}
			u.releaseMemory()
		}
	})
}

// startupSettles are the waits after the start-up check after which the
// memory of the start-up work is given back, measured under Xvfb with
// 100,000 videos: at the end of the check itself about 20 MiB more stayed
// in use; 5 s later, after the first frames, most was given back; on a
// start whose library check found changes, 20 MiB more came back after
// half a minute.
var startupSettles = []time.Duration{5 * time.Second, 30 * time.Second}

// Stop ends the background work of the windows and waits for it.
func (u *UI) Stop() {
	u.mu.Lock()
	u.stopped = true
	u.mu.Unlock()
	u.cancel()
	u.wg.Wait()
}

// logger is where the windows note what the user is not shown, such as
// the keychain's own words.
func (u *UI) logger() *slog.Logger {
	if u.deps.Log != nil {
		return u.deps.Log
	}
	return slog.New(slog.DiscardHandler)
}

// uiDo wraps post, which runs a function on the UI goroutine, so that
// once the UI or Fyne's loop has stopped, results that arrive late are
// dropped instead of touching windows that are going away (or running on
// a background goroutine, as fyne.Do does after its loop stopped).
func (u *UI) uiDo(post func(func())) func(func()) {
	alive := func() bool { return u.ctx.Err() == nil && !u.loopStopped.Load() }
	return func(fn func()) {
		if !alive() {
			return
		}
		post(func() {
			if alive() {
				fn()
			}
		})
	}
}

// MainWindow holds the compose pane and the library.
func (u *UI) MainWindow() fyne.Window { return u.main }

// SettingsWindow holds the key, server and library settings.
func (u *UI) SettingsWindow() fyne.Window { return u.settings.win }

// background runs fn off the UI goroutine; fn must report back through
// u.do. It ends with the UI, and Stop waits for it. It reports whether fn
// was started: once the UI is stopping, nothing starts.
func (u *UI) background(fn func(ctx context.Context)) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.stopped {
		return false
	}
	u.busy.Add(1)
	u.wg.Go(func() {
		defer u.busy.Add(-1)
		crash.Guard("window task", func() { fn(u.ctx) })
	})
	return true
}

// idleWhile runs wait, which blocks until something happens, without
// counting its background task as busy: a long-lived task waiting for
// events leaves the windows settled.
func (u *UI) idleWhile(wait func()) {
	u.busy.Add(-1)
	defer u.busy.Add(1)
	wait()
}

// settled reports whether no background task is at work; what the tasks
// that ended gave the UI goroutine is queued by then.
func (u *UI) settled() bool { return u.busy.Load() == 0 }

// showError tells the user about a failure in a dialog on win. It is safe
// to call from any goroutine.
func (u *UI) showError(win fyne.Window, title string, err error) {
	if err == nil || errors.Is(err, context.Canceled) {
		return
	}
	fyne.LogError(title, err)
	u.do(func() {
		showErrorDialog(win, title, err)
	})
}

// showErrorDialog shows err in a dialog titled title on win, a width
// that reads well.
func showErrorDialog(win fyne.Window, title string, err error) {
	d := dialog.NewCustom(title, lang.L("OK"), errorContent(err), win)
	showHouse(d, win, houseOpts{size: fyne.NewSize(errorDialogWidth, 0)})
}

// errorContent is what an error dialog shows: the sentence for err, and
// err's own words folded under "Details" when they add anything.
func errorContent(err error) fyne.CanvasObject {
	msg := widget.NewLabel(plainError(err))
	msg.Wrapping = fyne.TextWrapWord
	details := errDetails(err)
	if details == "" || details == msg.Text {
		return msg
	}
	raw := widget.NewLabel(details)
	raw.Wrapping = fyne.TextWrapWord
	raw.Selectable = true
	raw.SizeName = theme.SizeNameCaptionText
	return container.NewVBox(msg, widget.NewAccordion(widget.NewAccordionItem(lang.L("Details"), raw)))
}

// plainError is the sentence shown to the user for err (see errText).
func plainError(err error) string { return errText(err) }

// secondaryWindow makes a window that hides instead of closing, so it can
// be shown again with its state intact. Esc and Ctrl+W close it too.
func secondaryWindow(a fyne.App, title string, size fyne.Size) fyne.Window {
	w := a.NewWindow(title)
	w.Resize(fitSize(size, houseRoom, 0))
	w.CenterOnScreen()
	w.SetCloseIntercept(w.Hide)
	w.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyW, Modifier: fyne.KeyModifierShortcutDefault},
		func(fyne.Shortcut) { w.Hide() })
	houseWindowEsc[w.Canvas()] = w.Hide
	w.Canvas().SetOnTypedKey(func(e *fyne.KeyEvent) { houseKey(w.Canvas(), e) })
	return w
}

// withCloseButton is w's content with a Close button under it.
func withCloseButton(w fyne.Window) fyne.CanvasObject {
	closeBtn := widget.NewButton(lang.L("Close"), w.Hide)
	return container.NewBorder(nil, container.NewPadded(container.NewBorder(nil, nil, nil, closeBtn)), nil, nil, w.Content())
}

// closeTopDialog closes the dialog on top of c, if any, as Esc does.
func closeTopDialog(c fyne.Canvas) bool {
	top := c.Overlays().Top()
	if top == nil {
		return false
	}
	top.Hide()
	c.Overlays().Remove(top)
	return true
}

// TrackerStopped tells the user that the background work following their
// videos ended by itself (err says why), and what to do. It is safe to
// call from any goroutine.
func (u *UI) TrackerStopped(err error) {
	if err == nil {
		return
	}
	fyne.LogError("tracker stopped", err)
	u.do(func() {
		showHouse(dialog.NewInformation(lang.L("Reelhouse stopped following your videos"), trackerStoppedText(err), u.main), u.main, houseOpts{size: fyne.NewSize(errorDialogWidth, 0)})
	})
}

// trackerStoppedText is the sentence for a tracker that ended by itself.
// Its details go through errDetails, as every other dialog's do, so no
// key or signed link's secret part is shown.
func trackerStoppedText(err error) string {
	details := map[string]any{"Details": errDetails(err)}
	if errors.Is(err, history.ErrResume) {
		return lang.L("Reelhouse could not read its history, so it is not checking on your videos or downloading them. "+
			"Quit Reelhouse and start it again. If this happens again, use Library ▸ Copy diagnostics and send the text with a bug report.\n\nDetails: {{.Details}}", details)
	}
	return lang.L("Reelhouse is not checking on your videos or downloading them any more. Quit Reelhouse and start it again.\n\nDetails: {{.Details}}", details)
}
