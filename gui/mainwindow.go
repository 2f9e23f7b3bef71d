package gui

import (
	"context"
	_ "embed"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/reelhouse/reelhouse/history"
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
)

// libraryViews are the views of the View menu, in the filter's words.
var libraryViews = []string{translateLater(filterAll), translateLater(filterInProgress), translateLater(filterDone),
	translateLater(filterAttention), translateLater(filterNotDownloaded), translateLater(filterFavourites), translateLater(filterTrash)}

// mainState is what the main window keeps beside its views; it is touched
// on the UI goroutine only, except makingCount.
type mainState struct {
	// making holds the videos being made, as last heard of; seen marks the
	// records an event told about, which a slower read at start must not
	// overwrite.
	making      map[int64]history.Record
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

	// tray is the system tray, where the platform has one.
	tray      desktop.App
	trayCount int  // the count the tray menu shows; -1 before it is set
	saidTray  bool // the user was told once that Reelhouse stays in the tray
	// quit ends Reelhouse (main sets it; by default the app quits).
	quit func()
}

// initMain sets the main window's state up before the views are built.
func (u *UI) initMain() {
	u.making = make(map[int64]history.Record)
	u.seen = make(map[int64]bool)
	u.clockWake = make(chan struct{}, 1)
	u.newTicker = newTicker
	u.notify = u.app.SendNotification
	u.quit = u.app.Quit
	u.trayCount = -1
	if t, ok := u.app.(desktop.App); ok {
		u.tray = t
	}
}

// SetOnQuit replaces what quitting does: main stops the background work
// before the process ends. fn is called on the UI goroutine.
func (u *UI) SetOnQuit(fn func()) { u.quit = fn }

// buildMain puts the compose pane and the library side by side in the
// main window, with its menu, shortcuts and close behaviour.
func (u *UI) buildMain() {
	u.panes = newPanes(container.NewVScroll(u.compose.content()), u.history.content())
	u.main.SetContent(container.NewBorder(u.demoBanner(), nil, nil, nil, u.panes))
	u.main.SetOnDropped(u.compose.onDropped)
	u.main.Resize(fyne.NewSize(1280, 720))
	u.menu = u.mainMenu()
	u.main.SetMainMenu(u.menu)
	c := u.main.Canvas()
	for sc, fn := range map[fyne.Shortcut]func(){
		shortcutGenerate:    u.compose.onGenerate,
		shortcutGeneratePad: u.compose.onGenerate,
		shortcutFind:        u.onFind,
		shortcutNew:         u.onNewPrompt,
		shortcutSettings:    u.settings.show,
		shortcutQuit:        u.onQuit,
	} {
		c.AddShortcut(sc, func(fyne.Shortcut) { fn() })
	}
	c.SetOnTypedKey(u.onTypedKey)
	u.main.SetCloseIntercept(u.onCloseMain)
}

// startMain reads what is being made, the notification setting, sets the
// tray up and starts the clock of the elapsed times.
func (u *UI) startMain() {
	if u.tray != nil { // before the menu, which starts the tray with its icon
		u.tray.SetSystemTrayIcon(trayIcon)
	}
	u.updateTray()
	u.background(func(ctx context.Context) {
		off := u.deps.Store.Setting(ctx, settingNotifications, "on") == "off"
		u.do(func() {
			if !u.notifyTouched { // the user's choice meanwhile wins
				u.notifyOff = off
				u.settings.showNotifications(!off)
			}
		})
	})
	u.background(u.readMaking)
	u.background(u.runClock)
}

// runClock moves the elapsed times on once a second while videos are being
// made. With none, it sleeps until makingChanged wakes it, so that an idle
// Reelhouse does not wake up every second for nothing.
func (u *UI) runClock(ctx context.Context) {
	// Waiting for a wake-up or a tick leaves the windows settled.
	for {
		if u.makingCount.Load() == 0 {
			var done bool
			u.idleWhile(func() {
				select {
				case <-ctx.Done():
					done = true
				case <-u.clockWake:
				}
			})
			if done {
				return
			}
			continue
		}
		ticks, stop := u.newTicker(time.Second)
		for u.makingCount.Load() > 0 {
			var done bool
			u.idleWhile(func() {
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
			u.do(u.history.onTick)
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
func (u *UI) readMaking(ctx context.Context) {
	recs, err := u.deps.Store.Unfinished(ctx)
	if err != nil {
		if ctx.Err() == nil {
			fyne.LogError("reading the videos being made", err)
		}
		return
	}
	u.do(func() {
		for _, r := range recs {
			if !u.seen[r.ID] && beingMade(r) {
				u.making[r.ID] = r
			}
		}
		u.makingChanged()
	})
}

// follow keeps the count of videos being made current, and tells the user
// when one of them is ready or failed. It runs on the UI goroutine.
func (u *UI) follow(r history.Record) {
	u.seen[r.ID] = true
	_, was := u.making[r.ID]
	if beingMade(r) {
		u.making[r.ID] = r
		if !was {
			u.makingChanged()
		}
		return
	}
	if !was {
		return
	}
	delete(u.making, r.ID)
	u.makingChanged()
	switch {
	case r.State == history.StateSuccess && r.Download == history.DownloadDone:
		u.sendNotification(lang.L("Your video is ready"), firstLine(r.Request.Prompt, 80))
	case needsAttention(r):
		u.sendNotification(lang.L("A video could not be made"), lang.L("{{.Status}}: {{.Message}}", map[string]any{"Status": statusText(r), "Message": firstLine(r.Request.Prompt, 80)}))
	}
}

// forget drops a deleted record from the count.
func (u *UI) forget(id int64) {
	u.seen[id] = true
	if _, ok := u.making[id]; ok {
		delete(u.making, id)
		u.makingChanged()
	}
}

// onReloaded reads the videos being made afresh after the history was
// read again.
func (u *UI) onReloaded() {
	u.making = make(map[int64]history.Record)
	u.seen = make(map[int64]bool)
	u.makingChanged()
	u.background(u.readMaking)
}

// makingChanged shows the number of videos being made in the title and
// the tray.
func (u *UI) makingChanged() {
	n := len(u.making)
	u.makingCount.Store(int32(n))
	if n > 0 {
		select {
		case u.clockWake <- struct{}{}:
		default: // already woken
		}
	}
	title := appName
	if n > 0 {
		title = lang.L("{{.App}} — {{.Count}} in progress", map[string]any{"App": appName, "Count": n})
	}
	if u.main.Title() != title {
		u.main.SetTitle(title)
	}
	u.updateTray()
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
func (u *UI) updateTray() {
	n := len(u.making)
	if u.tray == nil || n == u.trayCount {
		return
	}
	u.trayCount = n
	status := fyne.NewMenuItem(inProgressText(n), nil)
	status.Disabled = true
	quit := fyne.NewMenuItem(lang.L("Quit"), u.onQuit)
	quit.IsQuit = true
	u.tray.SetSystemTrayMenu(fyne.NewMenu(appName,
		status,
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem(lang.L("Open Reelhouse"), u.onOpenMain),
		quit,
	))
}

// sendNotification tells the user something on the desktop, unless they
// turned notifications off.
func (u *UI) sendNotification(title, content string) {
	if u.notifyOff {
		return
	}
	u.notify(fyne.NewNotification(title, content))
}

// onOpenMain brings the main window back, from the tray.
func (u *UI) onOpenMain() {
	u.main.Show()
	u.main.RequestFocus()
}

// onCloseMain keeps Reelhouse in the tray while videos are being made,
// saying so once; otherwise closing the window quits.
func (u *UI) onCloseMain() {
	if len(u.making) > 0 && u.tray != nil {
		u.history.closePlayer()
		u.main.Hide()
		if !u.saidTray {
			u.saidTray = true
			u.notify(fyne.NewNotification(lang.L("Reelhouse is still making your videos"),
				lang.L("It keeps running in the system tray and downloads them when they are ready. Choose Quit in its tray menu to close it.")))
		}
		return
	}
	u.onQuit()
}

// onQuit quits, first saying that videos still being made are picked up
// next time.
func (u *UI) onQuit() {
	n := len(u.making)
	if n == 0 {
		u.quitNow()
		return
	}
	msg := lang.N("{{.Count}} videos are still being made. The service carries on making them, and Reelhouse picks them up and downloads them the next time you start it.",
		n, map[string]any{"Count": n})
	d := dialog.NewConfirm(lang.L("Quit Reelhouse?"), msg, func(ok bool) {
		if ok {
			u.quitNow()
		}
	}, u.main)
	d.SetConfirmText(lang.L("Quit"))
	u.onOpenMain()
	d.Show()
}

func (u *UI) quitNow() {
	u.flushEdits() // a title, tags or note still being typed
	u.confirmQuit(u.main, u.exit)
}

// exit is the one way out of Reelhouse once the user's questions are
// answered: the player closes, the window goes, and u.quit (main's, which
// stops the background work before the process ends) runs.
func (u *UI) exit() {
	u.history.closePlayer()
	u.main.Hide()
	u.quit()
}

// showCompose brings the compose pane into view (on a narrow window, its
// tab).
func (u *UI) showCompose() {
	u.panes.showCreate()
	u.onOpenMain()
}

// showLibrary brings the library into view.
func (u *UI) showLibrary() {
	u.panes.showLibrary()
	u.onOpenMain()
}

// onFind puts the cursor in the library's search box.
func (u *UI) onFind() {
	u.showLibrary()
	u.main.Canvas().Focus(u.history.search)
}

// onNewPrompt puts the cursor in the prompt.
func (u *UI) onNewPrompt() {
	u.showCompose()
	u.main.Canvas().Focus(u.compose.prompt)
}

// onTypedKey handles the keys no focused widget took: Esc closes the
// dialog on top; the arrows, Enter, Space and Delete act on the library
// while it is in view and no dialog is open.
func (u *UI) onTypedKey(e *fyne.KeyEvent) {
	c := u.main.Canvas()
	if e.Name == fyne.KeyEscape {
		closeTopDialog(c)
		return
	}
	if c.Overlays().Top() != nil || (u.panes.Narrow() && u.panes.tab != 1) {
		return
	}
	switch e.Name {
	case fyne.KeyUp:
		u.history.moveSelection(-1)
	case fyne.KeyDown:
		u.history.moveSelection(1)
	case fyne.KeyReturn, fyne.KeyEnter, fyne.KeySpace:
		u.history.onOpen()
	case fyne.KeyDelete:
		u.history.onDelete()
	}
}

// mainMenu is the menu of the main window: the actions on the whole
// library, Settings, About and Quit.
func (u *UI) mainMenu() *fyne.MainMenu {
	h := u.history
	item := func(label string, sc fyne.Shortcut, fn func()) *fyne.MenuItem {
		i := fyne.NewMenuItem(label, fn)
		i.Shortcut = sc
		return i
	}
	quit := item(lang.L("Quit"), shortcutQuit, u.onQuit)
	quit.IsQuit = true
	file := fyne.NewMenu(lang.L("File"),
		item(lang.L("New prompt"), shortcutNew, u.onNewPrompt),
		item(lang.L("Generate"), shortcutGenerate, u.compose.onGenerate),
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem(lang.L("Add by task id…"), func() { u.showLibrary(); h.onAddByID() }),
		fyne.NewMenuItem(lang.L("Export selected video…"), func() { h.onExport(false) }),
		fyne.NewMenuItem(lang.L("Export all shown videos…"), func() { h.onExport(true) }),
		fyne.NewMenuItem(lang.L("Save a copy as…"), h.onSaveCopy),
		fyne.NewMenuItemSeparator(),
		quit,
	)
	edit := fyne.NewMenu(lang.L("Edit"),
		item(lang.L("Find"), shortcutFind, u.onFind),
		fyne.NewMenuItemSeparator(),
		item(lang.L("Settings…"), shortcutSettings, u.settings.show),
	)
	u.viewItems = make(map[string]*fyne.MenuItem)
	view := fyne.NewMenu(lang.L("View"))
	for _, key := range libraryViews {
		name := lang.L(key)
		i := fyne.NewMenuItem(name, func() { u.onView(name) })
		i.Checked = name == h.filter.Selected
		u.viewItems[name] = i
		view.Items = append(view.Items, i)
	}
	h.gridMenuItem = fyne.NewMenuItem(lang.L("Show as grid"), func() { u.showLibrary(); h.onToggleView() })
	h.gridMenuItem.Checked = h.gridShown
	view.Items = append(view.Items, fyne.NewMenuItemSeparator(), h.gridMenuItem)
	library := fyne.NewMenu(lang.L("Library"),
		fyne.NewMenuItem(lang.L("Check library folder"), h.onReconcile),
		fyne.NewMenuItem(lang.L("Rebuild history from folder"), h.onRebuild),
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem(lang.L("Empty trash…"), h.onEmptyTrash),
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem(lang.L("Usage…"), u.showUsage),
		fyne.NewMenuItem(lang.L("Copy diagnostics"), h.onCopyDiagnostics),
	)
	help := fyne.NewMenu(lang.L("Help"), fyne.NewMenuItem(lang.L("About Reelhouse"), u.onAbout))
	return fyne.NewMainMenu(file, edit, view, library, help)
}

// onView shows one of the library's views.
func (u *UI) onView(name string) {
	u.showLibrary()
	u.history.filter.SetSelected(name) // reloads and ticks the menu
}

// syncViewMenu ticks the View menu's item of the view on show.
func (u *UI) syncViewMenu() {
	if u.menu == nil {
		return
	}
	for name, i := range u.viewItems {
		i.Checked = name == u.history.filter.Selected
	}
	u.menu.Refresh()
}

// onAbout says which Reelhouse this is and where it keeps things.
func (u *UI) onAbout() {
	version := u.deps.Version
	if version == "" {
		version = lang.L("(development build)")
	}
	data := u.deps.DataDir
	if data == "" {
		data = "—"
	}
	msg := widget.NewLabel(lang.L("Reelhouse {{.Version}}\n\nLibrary folder: {{.Library}}\nData folder: {{.Data}}",
		map[string]any{"Version": version, "Library": userText(u.deps.Library.Dir()), "Data": userText(data)}))
	msg.Wrapping = fyne.TextWrapWord
	content := fyne.CanvasObject(msg)
	size := fyne.NewSize(520, 220)
	if u.deps.Licences != "" {
		// The licences of what Reelhouse is built from, folded away.
		text := widget.NewLabel(u.deps.Licences)
		text.TextStyle.Monospace = true
		scroll := container.NewVScroll(text)
		scroll.SetMinSize(fyne.NewSize(480, 300))
		content = container.NewVBox(msg, widget.NewAccordion(widget.NewAccordionItem(lang.L("Licences of the parts Reelhouse is built from"), scroll)))
		size = fyne.NewSize(640, 520)
	}
	d := dialog.NewCustom(lang.L("About Reelhouse"), lang.L("OK"), content, u.main)
	d.Resize(size)
	d.Show()
}
