package gui

import (
	"context"
	_ "embed"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/reelhouse/reelhouse/gui/tray"
	"github.com/reelhouse/reelhouse/history/store"
)

// trayIcon is Icon.png at 64×64 pixels: the tray keeps its icon as raw
// pixels for as long as Reelhouse runs (4 MiB at the full 1024×1024), and
// no tray shows it larger.
//
//go:embed trayicon.png
var trayIconPNG []byte

var trayIcon = fyne.NewStaticResource("trayicon.png", trayIconPNG)

// appName is the main window's title when nothing is being made.
const appName = "Reelhouse"

// settingNotifications turns the desktop notifications off when "off".
const settingNotifications = "notifications"

// The keyboard shortcuts of the main window. Ctrl is Cmd on macOS.
var (
	shortcutGenerate    = &desktop.CustomShortcut{KeyName: fyne.KeyReturn, Modifier: fyne.KeyModifierShortcutDefault}
	shortcutGeneratePad = &desktop.CustomShortcut{KeyName: fyne.KeyEnter, Modifier: fyne.KeyModifierShortcutDefault}
	shortcutFind        = &desktop.CustomShortcut{KeyName: fyne.KeyF, Modifier: fyne.KeyModifierShortcutDefault}
	shortcutNew         = &desktop.CustomShortcut{KeyName: fyne.KeyN, Modifier: fyne.KeyModifierShortcutDefault}
	shortcutSettings    = &desktop.CustomShortcut{KeyName: fyne.KeyComma, Modifier: fyne.KeyModifierShortcutDefault}
	shortcutQuit        = &desktop.CustomShortcut{KeyName: fyne.KeyQ, Modifier: fyne.KeyModifierShortcutDefault}
	shortcutStoryboard  = &desktop.CustomShortcut{KeyName: fyne.KeyB, Modifier: fyne.KeyModifierShortcutDefault}
)

// libraryViews are the views of the View menu, in the filter's words.
var libraryViews = []string{translateLater(filterAll), translateLater(filterInProgress), translateLater(filterDone),
	translateLater(filterAttention), translateLater(filterNotDownloaded), translateLater(filterFavourites), translateLater(filterTrash)}

// mainWindow is the main window's own part: its menu, shortcuts, tray,
// notifications, the count of videos being made in its title, and
// quitting. The views it shows (compose, library) are the UI's. It is
// touched on the UI goroutine only, except makingCount.
type mainWindow struct {
	ui *UI

	// making holds the videos being made, as last heard of; seen marks the
	// records an event told about, which a slower read at start must not
	// overwrite.
	making      map[int64]store.Record
	seen        map[int64]bool
	makingCount atomic.Int32 // len(making), for the clock's goroutine
	// clockWake tells the sleeping clock that videos are being made;
	// newTicker makes its ticks (tests replace it before Start).
	clockWake chan struct{}
	newTicker func(time.Duration) (<-chan time.Time, func())

	viewItems map[string]*fyne.MenuItem
	menu      *fyne.MainMenu

	// notify sends a desktop notification (the app's; tests record them).
	notify        func(*fyne.Notification)
	notifyOff     bool // the user turned notifications off
	notifyTouched bool // the user changed the setting since the start

	// tray is the system tray, where the platform has one; trayShown
	// says whether a tray shows Reelhouse's item now (on Linux, a panel
	// with a StatusNotifier host), and trayHeard whether that was heard
	// of yet. Without one, Reelhouse never hides in the tray.
	tray      desktop.App
	trayShown bool
	trayHeard bool
	trayCount int  // the count the tray menu shows; -1 before it is set
	saidTray  bool // the user was told once that Reelhouse stays in the tray
	// watchTray reports whether a tray shows the item, and registerTray
	// asks for it to be shown (tests replace both).
	watchTray    func(ctx context.Context, idle func(wait func()), shown func(bool))
	registerTray func(context.Context) error
	// quit ends Reelhouse (main sets it; by default the app quits).
	quit func()
}

// newMainWindow sets the main window's state up before the views are
// built; buildMain lays it out once they are.
func newMainWindow(u *UI) *mainWindow {
	mw := &mainWindow{ui: u}
	mw.making = make(map[int64]store.Record)
	mw.seen = make(map[int64]bool)
	mw.clockWake = make(chan struct{}, 1)
	mw.newTicker = newTicker
	mw.notify = mw.ui.app.SendNotification
	mw.quit = mw.ui.app.Quit
	mw.trayCount = -1
	mw.watchTray = tray.WatchHost
	mw.registerTray = tray.RegisterItem
	if t, ok := mw.ui.app.(desktop.App); ok && tray.HaveSessionBus() {
		mw.tray = t
	}
	return mw
}

// SetOnQuit replaces what quitting does: main stops the background work
// before the process ends. fn is called on the UI goroutine.
func (u *UI) SetOnQuit(fn func()) { u.mainWin.quit = fn }

// ShowMain brings the main window back and forward, whether it was hidden
// in the tray or minimised: a second start asks for it. It is safe to
// call from any goroutine.
func (u *UI) ShowMain() { u.do(u.mainWin.onOpenMain) }

// buildMain puts the compose pane and the library side by side in the
// main window, with its menu, shortcuts and close behaviour.
func (mw *mainWindow) buildMain() {
	mw.ui.panes = newPanes(container.NewVScroll(mw.ui.compose.content()), mw.ui.library.content())
	mw.ui.main.SetContent(container.NewBorder(mw.demoBanner(), nil, nil, nil, mw.ui.panes))
	mw.ui.main.SetOnDropped(mw.ui.compose.onDropped)
	mw.ui.main.Resize(fyne.NewSize(1280, 720))
	mw.menu = mw.mainMenu()
	mw.ui.main.SetMainMenu(mw.menu)
	c := mw.ui.main.Canvas()
	for sc, fn := range map[fyne.Shortcut]func(){
		shortcutGenerate:    mw.ui.compose.onGenerate,
		shortcutGeneratePad: mw.ui.compose.onGenerate,
		shortcutFind:        mw.onFind,
		shortcutNew:         mw.onNewPrompt,
		shortcutSettings:    mw.ui.settings.show,
		shortcutQuit:        mw.onQuit,
		shortcutStoryboard:  func() { mw.ui.showStories(0) },
	} {
		c.AddShortcut(sc, func(fyne.Shortcut) { fn() })
	}
	c.SetOnTypedKey(mw.onTypedKey)
	mw.ui.main.SetCloseIntercept(mw.onCloseMain)
}

// startMain reads what is being made, the notification setting, sets the
// tray up and starts the clock of the elapsed times.
func (mw *mainWindow) startMain() {
	if mw.tray != nil { // before the menu, which starts the tray with its icon
		mw.tray.SetSystemTrayIcon(trayIcon)
		mw.ui.background(func(ctx context.Context) {
			mw.watchTray(ctx, mw.ui.idleWhile, func(shown bool) {
				mw.ui.do(func() { mw.onTrayShown(shown) })
			})
		})
	}
	// The tray is set up now even where no tray shows it yet: Fyne starts
	// it only before its event loop runs.
	mw.updateTray()
	mw.ui.background(func(ctx context.Context) {
		off := mw.ui.deps.Store.Setting(ctx, settingNotifications, "on") == "off"
		mw.ui.do(func() {
			if !mw.notifyTouched { // the user's choice meanwhile wins
				mw.notifyOff = off
				mw.ui.settings.showNotifications(!off)
			}
		})
	})
	mw.ui.background(mw.readMaking)
	mw.ui.background(mw.runClock)
}

// runClock moves the elapsed times on once a second while videos are being
// made. With none, it sleeps until makingChanged wakes it, so that an idle
// Reelhouse does not wake up every second for nothing.
func (mw *mainWindow) runClock(ctx context.Context) {
	// Waiting for a wake-up or a tick leaves the windows settled.
	for {
		if mw.makingCount.Load() == 0 {
			var done bool
			mw.ui.idleWhile(func() {
				select {
				case <-ctx.Done():
					done = true
				case <-mw.clockWake:
				}
			})
			if done {
				return
			}
			continue
		}
		ticks, stop := mw.newTicker(time.Second)
		for mw.makingCount.Load() > 0 {
			var done bool
			mw.ui.idleWhile(func() {
				select {
				case <-ctx.Done():
					done = true
				case <-ticks:
				}
			})
			if done {
				stop()
				return
			}
			mw.ui.do(mw.ui.library.wait.onTick)
		}
		stop()
	}
}

// newTicker is time.NewTicker's channel and Stop.
func newTicker(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTicker(d)
	return t.C, t.Stop
}

// readMaking reads the videos being made from the store, at start and
// after the history was read again.
func (mw *mainWindow) readMaking(ctx context.Context) {
	recs, err := mw.ui.deps.Store.Unfinished(ctx)
	if err != nil {
		if ctx.Err() == nil {
			fyne.LogError("reading the videos being made", err)
		}
		return
	}
	mw.ui.do(func() {
		for _, r := range recs {
			if !mw.seen[r.ID] && beingMade(r) {
				mw.making[r.ID] = r
			}
		}
		mw.makingChanged()
	})
}

// follow keeps the count of videos being made current, and tells the user
// when one of them is ready or failed. It runs on the UI goroutine.
func (mw *mainWindow) follow(r store.Record) {
	mw.seen[r.ID] = true
	_, was := mw.making[r.ID]
	if beingMade(r) {
		mw.making[r.ID] = r
		if !was {
			mw.makingChanged()
		}
		return
	}
	if !was {
		return
	}
	delete(mw.making, r.ID)
	mw.makingChanged()
	switch {
	case r.State == store.StateSuccess && r.Download == store.DownloadDone:
		mw.sendNotification(lang.L("Your video is ready"), firstLine(r.Request.Prompt, 80))
	case r.State == store.StateSuccess && r.Download == store.DownloadPaused:
		// The video was made; only its download waits for the library
		// folder, and goes on by itself.
		mw.sendNotification(lang.L("A download is waiting"), lang.L("{{.Status}}: {{.Message}}", map[string]any{"Status": statusText(r), "Message": firstLine(r.Request.Prompt, 80)}))
	case needsAttention(r):
		mw.sendNotification(lang.L("A video could not be made"), lang.L("{{.Status}}: {{.Message}}", map[string]any{"Status": statusText(r), "Message": firstLine(r.Request.Prompt, 80)}))
	}
}

// forget drops a deleted record from the count.
func (mw *mainWindow) forget(id int64) {
	mw.seen[id] = true
	if _, ok := mw.making[id]; ok {
		delete(mw.making, id)
		mw.makingChanged()
	}
}

// onReloaded reads the videos being made afresh after the history was
// read again.
func (mw *mainWindow) onReloaded() {
	mw.making = make(map[int64]store.Record)
	mw.seen = make(map[int64]bool)
	mw.makingChanged()
	mw.ui.background(mw.readMaking)
}

// makingChanged shows the number of videos being made in the title and
// the tray.
func (mw *mainWindow) makingChanged() {
	n := len(mw.making)
	mw.makingCount.Store(int32(n))
	if n > 0 {
		select {
		case mw.clockWake <- struct{}{}:
		default: // already woken
		}
	}
	title := appName
	if n > 0 {
		title = lang.L("{{.App}} — {{.Count}} in progress", map[string]any{"App": appName, "Count": n})
	}
	if mw.ui.main.Title() != title {
		mw.ui.main.SetTitle(title)
	}
	mw.updateTray()
}

// inProgressText is the tray's line about the videos being made.
func inProgressText(n int) string {
	if n == 0 {
		return lang.L("Nothing in progress")
	}
	return lang.L("{{.Count}} in progress", map[string]any{"Count": n})
}

// updateTray sets the tray menu, where there is a tray, when the count
// changed.
func (mw *mainWindow) updateTray() {
	n := len(mw.making)
	if mw.tray == nil || n == mw.trayCount {
		return
	}
	mw.trayCount = n
	status := fyne.NewMenuItem(inProgressText(n), nil)
	status.Disabled = true
	quit := fyne.NewMenuItem(lang.L("Quit"), mw.onQuit)
	quit.IsQuit = true
	mw.tray.SetSystemTrayMenu(fyne.NewMenu(appName,
		status,
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem(lang.L("Open Reelhouse"), mw.onOpenMain),
		quit,
	))
}

// onTrayShown follows whether a tray shows Reelhouse's item. A tray that
// appears after the start (a panel that came up later) is asked to show
// the item.
func (mw *mainWindow) onTrayShown(shown bool) {
	if shown && !mw.trayShown && mw.trayHeard {
		mw.ui.background(func(ctx context.Context) {
			if err := mw.registerTray(ctx); err != nil && ctx.Err() == nil {
				fyne.LogError("showing Reelhouse in the system tray", err)
			}
		})
	}
	mw.trayShown, mw.trayHeard = shown, true
}

// sendNotification tells the user something on the desktop, unless they
// turned notifications off.
func (mw *mainWindow) sendNotification(title, content string) {
	if mw.notifyOff {
		return
	}
	mw.notify(fyne.NewNotification(title, content))
}

// onOpenMain brings the main window back, from the tray or a second
// start: showing it maps a hidden or minimised window again, and asking
// for the focus raises it.
func (mw *mainWindow) onOpenMain() {
	mw.ui.main.Show()
	mw.ui.main.RequestFocus()
}

// onCloseMain keeps Reelhouse in the tray while videos are being made,
// saying so once; otherwise closing the window quits. Where no tray shows
// Reelhouse, the window stays, since nothing would bring it back: the
// user is asked whether to quit, and told that the videos are made
// anyway. (Fyne 2.7.1 has no way to minimise a window.)
func (mw *mainWindow) onCloseMain() {
	if len(mw.making) > 0 && !mw.trayShown {
		mw.askQuit(lang.L("Keep open"))
		return
	}
	if len(mw.making) > 0 {
		mw.ui.library.detail.closePlayer()
		mw.ui.main.Hide()
		if !mw.saidTray {
			mw.saidTray = true
			mw.notify(fyne.NewNotification(lang.L("Reelhouse is still making your videos"),
				lang.L("It keeps running in the system tray and downloads them when they are ready. Choose Quit in its tray menu to close it.")))
		}
		return
	}
	mw.onQuit()
}

// onQuit quits, first saying that videos still being made are picked up
// next time.
func (mw *mainWindow) onQuit() {
	if len(mw.making) == 0 {
		mw.quitNow()
		return
	}
	mw.askQuit("")
}

// askQuit asks whether to quit while videos are being made, saying that
// they are picked up next time; keepText, unless empty, names the answer
// that does not quit.
func (mw *mainWindow) askQuit(keepText string) {
	n := len(mw.making)
	msg := lang.N("{{.Count}} videos are still being made. The service carries on making them, and Reelhouse picks them up and downloads them the next time you start it.",
		n, map[string]any{"Count": n})
	d := dialog.NewConfirm(lang.L("Quit Reelhouse?"), msg, func(ok bool) {
		if ok {
			mw.quitNow()
		}
	}, mw.ui.main)
	d.SetConfirmText(lang.L("Quit"))
	if keepText != "" {
		d.SetDismissText(keepText)
	}
	mw.onOpenMain()
	showHouse(d, mw.ui.main, houseOpts{})
}

func (mw *mainWindow) quitNow() {
	mw.ui.flushEdits() // a title, tags or note still being typed
	mw.confirmQuit(mw.ui.main, mw.exit)
}

// exit is the one way out of Reelhouse once the user's questions are
// answered: the player closes, the window goes, and mw.quit (main's, which
// stops the background work before the process ends) runs.
func (mw *mainWindow) exit() {
	mw.ui.library.detail.closePlayer()
	mw.ui.main.Hide()
	mw.quit()
}

// showCompose brings the compose pane into view (on a narrow window, its
// tab).
func (mw *mainWindow) showCompose() {
	mw.ui.panes.showCreate()
	mw.onOpenMain()
}

// showLibrary brings the library into view.
func (mw *mainWindow) showLibrary() {
	mw.ui.panes.showLibrary()
	mw.onOpenMain()
}

// onFind puts the cursor in the library's search box.
func (mw *mainWindow) onFind() {
	mw.showLibrary()
	mw.ui.main.Canvas().Focus(mw.ui.library.filter.search)
}

// onNewPrompt puts the cursor in the prompt.
func (mw *mainWindow) onNewPrompt() {
	mw.showCompose()
	mw.ui.main.Canvas().Focus(mw.ui.compose.prompt)
}

// onTypedKey handles the keys no focused widget took (a focused text
// field takes Space as a space): Esc closes the dialog on top; the
// arrows, Enter, Space and Delete act on the library as on its focused
// list (see onListKey) while it is in view and no dialog is open.
func (mw *mainWindow) onTypedKey(e *fyne.KeyEvent) {
	c := mw.ui.main.Canvas()
	if houseKey(c, e) {
		return
	}
	if c.Overlays().Top() != nil || (mw.ui.panes.Narrow() && mw.ui.panes.tab != 1) {
		return
	}
	mw.ui.library.onListKey(e)
}

// mainMenu is the menu of the main window: the actions on the whole
// library, Settings, About and Quit.
func (mw *mainWindow) mainMenu() *fyne.MainMenu {
	h := mw.ui.library
	item := func(label string, sc fyne.Shortcut, fn func()) *fyne.MenuItem {
		i := fyne.NewMenuItem(label, fn)
		i.Shortcut = sc
		return i
	}
	quit := item(lang.L("Quit"), shortcutQuit, mw.onQuit)
	quit.IsQuit = true
	file := fyne.NewMenu(lang.L("File"),
		item(lang.L("New prompt"), shortcutNew, mw.onNewPrompt),
		item(lang.L("Generate"), shortcutGenerate, mw.ui.compose.onGenerate),
		item(lang.L("Storyboard…"), shortcutStoryboard, func() { mw.ui.showStories(0) }),
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem(lang.L("Add by task id…"), func() { mw.showLibrary(); h.menu.onAddByID() }),
		fyne.NewMenuItem(lang.L("Export selected video…"), func() { h.menu.onExport(false) }),
		fyne.NewMenuItem(lang.L("Export all shown videos…"), func() { h.menu.onExport(true) }),
		fyne.NewMenuItem(lang.L("Save a copy as…"), h.menu.onSaveCopy),
		fyne.NewMenuItemSeparator(),
		quit,
	)
	edit := fyne.NewMenu(lang.L("Edit"),
		item(lang.L("Find"), shortcutFind, mw.onFind),
		fyne.NewMenuItemSeparator(),
		item(lang.L("Settings…"), shortcutSettings, mw.ui.settings.show),
	)
	mw.viewItems = make(map[string]*fyne.MenuItem)
	view := fyne.NewMenu(lang.L("View"))
	for _, key := range libraryViews {
		name := lang.L(key)
		i := fyne.NewMenuItem(name, func() { mw.onView(name) })
		i.Checked = name == h.filter.view.Selected
		mw.viewItems[name] = i
		view.Items = append(view.Items, i)
	}
	h.gridMenuItem = fyne.NewMenuItem(lang.L("Show as grid"), func() { mw.showLibrary(); h.onToggleView() })
	h.gridMenuItem.Checked = h.gridShown
	view.Items = append(view.Items, fyne.NewMenuItemSeparator(), h.gridMenuItem)
	library := fyne.NewMenu(lang.L("Library"),
		fyne.NewMenuItem(lang.L("Check library folder"), h.menu.onReconcile),
		fyne.NewMenuItem(lang.L("Rebuild history from folder"), h.menu.onRebuild),
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem(lang.L("Empty trash…"), h.menu.onEmptyTrash),
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem(lang.L("Usage…"), mw.ui.showUsage),
		fyne.NewMenuItem(lang.L("Copy diagnostics"), h.menu.onCopyDiagnostics),
	)
	help := fyne.NewMenu(lang.L("Help"),
		fyne.NewMenuItem(lang.L("Getting started"), mw.onGettingStarted),
		fyne.NewMenuItem(lang.L("Keyboard shortcuts"), mw.onKeyboardShortcuts),
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem(lang.L("About Reelhouse"), mw.onAbout))
	return fyne.NewMainMenu(file, edit, view, library, help)
}

// onView shows one of the library's views.
func (mw *mainWindow) onView(name string) {
	mw.showLibrary()
	mw.ui.library.filter.view.SetSelected(name) // reloads and ticks the menu
}

// syncViewMenu ticks the View menu's item of the view on show.
func (mw *mainWindow) syncViewMenu() {
	if mw.menu == nil {
		return
	}
	for name, i := range mw.viewItems {
		i.Checked = name == mw.ui.library.filter.view.Selected
	}
	mw.menu.Refresh()
}

// onAbout says which Reelhouse this is and where it keeps things.
func (mw *mainWindow) onAbout() {
	content, size := mw.aboutContent()
	d := dialog.NewCustom(lang.L("About Reelhouse"), lang.L("OK"), content, mw.ui.main)
	showHouse(d, mw.ui.main, houseOpts{size: size})
}

// demoBanner is the strip the main window shows at its top for the whole
// of a demo; outside demo mode it is an empty, hidden object.
func (mw *mainWindow) demoBanner() fyne.CanvasObject {
	if mw.ui.deps.KeySource != KeyFromDemo {
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
func (mw *mainWindow) confirmQuit(win fyne.Window, quit func()) {
	if mw.ui.deps.KeySource != KeyFromDemo || mw.ui.ctx.Err() != nil {
		quit()
		return
	}
	mw.ui.background(func(ctx context.Context) {
		n, err := mw.ui.deps.Store.Count(ctx, store.Query{})
		if err == nil {
			var trashed int
			trashed, err = mw.ui.deps.Store.Count(ctx, store.Query{Trash: true})
			n += trashed
		}
		if ctx.Err() != nil {
			return
		}
		mw.ui.do(func() {
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
			showHouse(d, win, houseOpts{})
		})
	})
}
