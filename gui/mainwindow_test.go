package gui

import (
	"context"
	"errors"
	"fmt"
	"image/png"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history/store"
)

// press sends a shortcut to a window as the keyboard would when no entry
// takes it.
func press(w fyne.Window, sc fyne.Shortcut) {
	w.Canvas().(fyne.Shortcutable).TypedShortcut(sc)
}

// visibleIn reports whether o is drawn inside the window: visible, with a
// visible parent chain, and inside the canvas.
func visibleIn(t *testing.T, w fyne.Window, o fyne.CanvasObject) (fyne.Position, fyne.Size, bool) {
	t.Helper()
	if !o.Visible() {
		return fyne.Position{}, fyne.Size{}, false
	}
	pos, found := absPos(w.Content(), o, fyne.NewPos(0, 0))
	if !found {
		return pos, o.Size(), false
	}
	size := o.Size()
	c := w.Canvas().Size()
	in := size.Width > 0 && size.Height > 0 && pos.X >= 0 && pos.Y >= 0 &&
		pos.X+size.Width <= c.Width+1 && pos.Y+size.Height <= c.Height+1
	return pos, size, in
}

// absPos finds o under root, drawn, and its position in the window. (The
// test driver's own lookup searches the last window made.)
func absPos(root, o fyne.CanvasObject, at fyne.Position) (fyne.Position, bool) {
	if !root.Visible() {
		return fyne.Position{}, false
	}
	at = at.Add(root.Position())
	if root == o {
		return at, true
	}
	var children []fyne.CanvasObject
	switch r := root.(type) {
	case *fyne.Container:
		children = r.Objects
	case fyne.Widget:
		children = test.WidgetRenderer(r).Objects()
	}
	for _, c := range children {
		if p, ok := absPos(c, o, at); ok {
			return p, true
		}
	}
	return fyne.Position{}, false
}

// TestMainWindowPanesSideBySideAndTabs: at 1366×768 the compose pane and
// the library are both in view without overlapping; at 800×600 they are
// two tabs.
func TestMainWindowPanesSideBySideAndTabs(t *testing.T) {
	h := newHarness(t, nil, true)
	w := h.ui.MainWindow()
	w.Resize(fyne.NewSize(1366, 768))
	h.loop.pump()
	if h.ui.panes.Narrow() {
		t.Fatal("the panes are tabs at 1366×768")
	}
	cPos, cSize, cIn := visibleIn(t, w, h.ui.compose.generate)
	sPos, sSize, sIn := visibleIn(t, w, h.ui.library.filter.search)
	_, _, lIn := visibleIn(t, w, h.ui.library.list)
	if !cIn || !sIn || !lIn {
		t.Fatalf("not all in view: Generate %v %v, search %v %v, list %v", cPos, cSize, sPos, sSize, lIn)
	}
	if cPos.X+cSize.Width > sPos.X {
		t.Errorf("the compose pane (to %v) overlaps the library (from %v)", cPos.X+cSize.Width, sPos.X)
	}
	if prompt := h.ui.compose.prompt.Size().Width; prompt < 200 {
		t.Errorf("the prompt is only %v wide", prompt)
	}
	img := capture(t, w, "main-1366x768")
	if f, err := os.Create("/tmp/main8.png"); err == nil {
		png.Encode(f, img)
		f.Close()
	}

	w.Resize(fyne.NewSize(800, 600))
	h.loop.pump()
	if !h.ui.panes.Narrow() {
		t.Fatal("the panes are side by side at 800×600")
	}
	tabs := h.ui.panes.tabs
	if len(tabs.Items) != 2 || tabs.Items[0].Text != "Create" || tabs.Items[1].Text != "Library" {
		t.Fatalf("tabs: %+v", tabs.Items)
	}
	if _, _, in := visibleIn(t, w, h.ui.compose.generate); !in {
		t.Error("Generate is not in view on the Create tab")
	}
	press(w, shortcutFind)
	if tabs.SelectedIndex() != 1 {
		t.Error("Ctrl+F did not bring the Library tab up")
	}
	if _, _, in := visibleIn(t, w, h.ui.library.filter.search); !in {
		t.Error("the search box is not in view on the Library tab")
	}
	capture(t, w, "main-800x600")

	w.Resize(fyne.NewSize(1366, 768))
	h.loop.pump()
	if h.ui.panes.Narrow() || !h.ui.compose.generate.Visible() || !h.ui.library.filter.search.Visible() {
		t.Error("widening the window again does not show both panes")
	}
}

// TestMainWindowShortcuts: each shortcut does its thing.
func TestMainWindowShortcuts(t *testing.T) {
	h := newHarness(t, nil, true)
	w := h.ui.MainWindow()
	w.Resize(fyne.NewSize(1366, 768))
	c := w.Canvas()

	press(w, shortcutFind)
	if c.Focused() != h.ui.library.filter.search {
		t.Errorf("Ctrl+F focused %T, want the search box", c.Focused())
	}
	press(w, shortcutNew)
	if c.Focused() != h.ui.compose.prompt {
		t.Errorf("Ctrl+N focused %T, want the prompt", c.Focused())
	}
	opened := false
	for _, m := range h.ui.mainWin.menu.Items {
		for _, i := range m.Items {
			if i.Shortcut != nil && i.Shortcut.ShortcutName() == shortcutSettings.ShortcutName() {
				opened = true
			}
		}
	}
	if !opened {
		t.Error("the Edit menu does not show Ctrl+, for Settings")
	}
	press(w, shortcutSettings) // shows Settings; the test driver cannot tell a shown window from a hidden one
	// Settings closes with Ctrl+W and with Esc.
	sw := h.ui.settings.win
	press(sw, &desktop.CustomShortcut{KeyName: fyne.KeyW, Modifier: fyne.KeyModifierShortcutDefault})
	dialogOn := func(win fyne.Window) bool { return win.Canvas().Overlays().Top() != nil }
	sw.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if dialogOn(sw) {
		t.Error("Esc left a dialog on Settings")
	}
	if findButton(sw.Content(), "Close") == nil {
		t.Error("Settings has no Close button")
	}

	// A load still under way when the video is made would hide it (see
	// the list's load), so the first one ends first.
	h.loop.until(t, "the first load", func() bool { return h.ui.library.count.Text != "" })
	test.Type(h.ui.compose.prompt, "A kite over the dunes")
	press(w, shortcutGenerate)
	h.loop.until(t, "Ctrl+Enter to send the prompt", func() bool {
		return len(h.ui.library.model.records) == 1 && h.ui.library.model.records[0].TaskID != ""
	})
	h.loop.until(t, "the video", func() bool { return statusText(h.ui.library.model.records[0]) == "Downloaded" })
	h.ui.library.list.Select(0)
	h.loop.until(t, "the thumbnail or the player", func() bool {
		hv := h.ui.library
		return hv.detail.thumbBox.Visible() || (hv.detail.player != nil && (hv.detail.player.frame != nil || hv.detail.player.fallback.Visible()))
	})
	img := capture(t, w, "main-with-video")
	if f, err := os.Create("/tmp/main8-video.png"); err == nil {
		png.Encode(f, img)
		f.Close()
	}

	// The arrows select in the library when nothing has the focus.
	c.Unfocus()
	c.OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyDown})
	if h.ui.library.model.selected != h.ui.library.model.records[0].ID {
		t.Fatal("Down did not select the first video")
	}
	// Delete moves it to the trash, with Undo; Esc closes that dialog.
	c.OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyDelete})
	h.loop.until(t, "the trash's undo", func() bool { return strings.Contains(overlayText(w), "is in the trash") })
	c.OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if dialogOn(w) {
		t.Error("Esc did not close the dialog")
	}
	h.loop.until(t, "the row to leave the list", func() bool { return len(h.ui.library.model.records) == 0 })

	// The same keys work on the focused list.
	h.ui.library.filter.view.SetSelected(filterTrash)
	h.loop.until(t, "the trash", func() bool { return len(h.ui.library.model.records) == 1 })
	c.Focus(h.ui.library.list)
	h.ui.library.list.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDown})
	if h.ui.library.model.selected == 0 {
		t.Error("Down on the focused list selected nothing")
	}
	h.ui.library.list.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDelete}) // in the trash: restores
	h.loop.until(t, "the video to leave the trash", func() bool { return len(h.ui.library.model.records) == 0 })

	// View menu: picking a view shows it and ticks it.
	h.ui.mainWin.onView(filterAll)
	h.loop.until(t, "all videos", func() bool { return len(h.ui.library.model.records) == 1 })
	if !h.ui.mainWin.viewItems[filterAll].Checked || h.ui.mainWin.viewItems[filterTrash].Checked {
		t.Error("the View menu does not tick the view on show")
	}
}

// TestTitleCountsVideosInProgress: the title says how many videos are
// being made, and so does the tray.
func TestTitleCountsVideosInProgress(t *testing.T) {
	h := newHarness(t, nil, true)
	tray := &fakeTray{}
	showTray(h, tray)
	w := h.ui.MainWindow()
	if w.Title() != "Reelhouse" {
		t.Errorf("title %q with nothing in progress", w.Title())
	}
	r1 := store.Record{ID: 101, State: store.StateRunning, Watching: true, TaskID: "a"}
	r2 := store.Record{ID: 102, State: store.StatePending, Watching: true, TaskID: "b"}
	h.ui.mainWin.follow(r1)
	h.ui.mainWin.follow(r2)
	if w.Title() != "Reelhouse — 2 in progress" {
		t.Errorf("title %q, want 2 in progress", w.Title())
	}
	if got := tray.menu.Items[0].Label; got != "2 in progress" || !tray.menu.Items[0].Disabled {
		t.Errorf("tray says %q", got)
	}
	r1.State = store.StateSuccess
	r1.Download = store.DownloadWaiting
	h.ui.mainWin.follow(r1) // downloading is still in progress
	if w.Title() != "Reelhouse — 2 in progress" {
		t.Errorf("title %q while one downloads", w.Title())
	}
	r2.Watching = false
	h.ui.mainWin.follow(r2)
	r1.Download = store.DownloadDone
	h.ui.mainWin.follow(r1)
	if w.Title() != "Reelhouse" {
		t.Errorf("title %q after both ended", w.Title())
	}
}

// TestNotificationsOnReadyAndFailed: a notification when a video is
// ready and when one fails, unless turned off in Settings.
func TestNotificationsOnReadyAndFailed(t *testing.T) {
	h := newHarness(t, nil, true)
	var sent []*fyne.Notification
	h.ui.mainWin.notify = func(n *fyne.Notification) { sent = append(sent, n) }
	h.ui.mainWin.notifyOff = false
	run := func(id int64, end store.Record) {
		h.ui.mainWin.follow(store.Record{ID: id, State: store.StateRunning, Watching: true, TaskID: "t"})
		end.ID, end.TaskID = id, "t"
		end.Request.Prompt = fmt.Sprintf("video %d", id)
		h.ui.mainWin.follow(end)
	}
	run(1, store.Record{State: store.StateSuccess, Download: store.DownloadDone})
	run(2, store.Record{State: store.StateFailed, ErrorMessage: "content policy"})
	run(3, store.Record{State: store.StateCancelled})
	if len(sent) != 2 || sent[0].Title != "Your video is ready" || !strings.Contains(sent[0].Content, "video 1") ||
		sent[1].Title != "A video could not be made" || !strings.Contains(sent[1].Content, "video 2") {
		t.Fatalf("notifications: %+v", sent)
	}

	test.Tap(h.ui.settings.notifications) // off
	h.loop.until(t, "the setting to be saved", func() bool {
		return h.deps.Store.Setting(context.Background(), settingNotifications, "") == "off"
	})
	run(4, store.Record{State: store.StateSuccess, Download: store.DownloadDone})
	if len(sent) != 2 {
		t.Errorf("a notification was sent although they are off: %+v", sent[2:])
	}
}

// TestNotificationForAPausedDownload: a video made whose download waits
// for the library folder is not told as a video that could not be made.
func TestNotificationForAPausedDownload(t *testing.T) {
	h := newHarness(t, nil, true)
	var sent []*fyne.Notification
	h.ui.mainWin.notify = func(n *fyne.Notification) { sent = append(sent, n) }
	h.ui.mainWin.notifyOff = false
	h.ui.mainWin.follow(store.Record{ID: 1, State: store.StateRunning, Watching: true, TaskID: "t"})
	paused := store.Record{ID: 1, TaskID: "t", State: store.StateSuccess, Download: store.DownloadPaused,
		DownloadError: store.ProblemLibraryFull + ": no space left on device"}
	paused.Request.Prompt = "a lighthouse at dusk"
	h.ui.mainWin.follow(paused)
	if len(sent) != 1 || sent[0].Title != "A download is waiting" ||
		!strings.Contains(sent[0].Content, "Download paused") || !strings.Contains(sent[0].Content, "a lighthouse at dusk") {
		t.Fatalf("notifications: %+v", sent)
	}
}

// TestNotificationForAGeneratedVideo: the real path, from Generate to the
// notification, through the test app.
func TestNotificationForAGeneratedVideo(t *testing.T) {
	h := newHarness(t, nil, true)
	var mu sync.Mutex
	var sent []string
	h.ui.mainWin.notify = func(n *fyne.Notification) { mu.Lock(); sent = append(sent, n.Title); mu.Unlock() }
	test.Type(h.ui.compose.prompt, "Rain on a tin roof")
	test.Tap(h.ui.compose.generate)
	h.loop.until(t, "the ready notification", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(sent) == 1 && sent[0] == "Your video is ready"
	})
	if h.ui.MainWindow().Title() != "Reelhouse" {
		t.Errorf("title %q once the video is ready", h.ui.MainWindow().Title())
	}
}

// fakeCanceller records cancel requests and answers with err; like the
// tracker, it offers no cancel once the service said it has none.
type fakeCanceller struct {
	mu       sync.Mutex
	ids      []int64
	err      error
	noCancel bool
}

func (f *fakeCanceller) Cancel(_ context.Context, id int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ids = append(f.ids, id)
	if errors.Is(f.err, client.ErrCancelUnsupported) {
		f.noCancel = true
	}
	return f.err
}

func (f *fakeCanceller) CancelOffered() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return !f.noCancel
}

// TestCancelAsksTheServiceAndExplainsARefusal: Cancel calls the tracker,
// and a service that cannot cancel any more is said plainly.
func TestCancelAsksTheServiceAndExplainsARefusal(t *testing.T) {
	h := newHarness(t, nil, true)
	hv := h.ui.library
	w := h.ui.MainWindow()
	w.Resize(fyne.NewSize(1366, 768))
	fc := &fakeCanceller{err: fmt.Errorf("cancel task t-42: %w", client.ErrCannotCancel)}
	hv.detail.actions.canceller = fc
	h.loop.until(t, "the first load", func() bool { return hv.count.Text != "" })
	// A video the service is making, as the list holds it.
	rec := store.Record{ID: 42, TaskID: "t-42", State: store.StateRunning, Watching: true, CreatedAt: time.Now()}
	rec.Request.Prompt = "A slow sunrise"
	hv.model.records = append(hv.model.records, rec)
	hv.list.Refresh()
	hv.list.Select(0)
	if !hv.detail.actions.cancelBtn.Visible() || hv.detail.actions.cancelBtn.Disabled() {
		t.Fatal("no Cancel for a video being made")
	}
	// Cancel asks first; "Stop making it" goes on.
	cancelVideo := func() {
		t.Helper()
		test.Tap(hv.detail.actions.cancelBtn)
		stop := findButton(w.Canvas().Overlays().Top(), "Stop making it")
		if stop == nil {
			t.Fatal("Cancel did not ask first")
		}
		test.Tap(stop)
	}
	cancelVideo()
	h.loop.until(t, "the refusal", func() bool { return strings.Contains(overlayText(w), cannotCancelText) })
	fc.mu.Lock()
	if len(fc.ids) != 1 || fc.ids[0] != hv.model.records[0].ID {
		t.Errorf("cancel asked for %v", fc.ids)
	}
	fc.mu.Unlock()
	closeTopDialog(w.Canvas())

	// Any other failure is the usual sentence for it, not the refusal.
	fc.err = errors.New("connection reset")
	cancelVideo()
	h.loop.until(t, "the failure", func() bool { return strings.Contains(overlayText(w), "Could not cancel") })
	if strings.Contains(overlayText(w), cannotCancelText) {
		t.Error("a failure to ask was reported as a refusal")
	}

	closeTopDialog(w.Canvas())

	// Too late: said so, and Cancel stays offered for other videos.
	fc.err = fmt.Errorf("cancel task t-42: %w", client.ErrCancelTooLate)
	cancelVideo()
	h.loop.until(t, "the too-late refusal", func() bool { return strings.Contains(overlayText(w), tooLateText) })
	closeTopDialog(w.Canvas())
	h.loop.until(t, "Cancel offered again", func() bool {
		return hv.detail.actions.cancelBtn.Visible() && !hv.detail.actions.cancelBtn.Disabled()
	})

	// A service that cancels nothing: said so, and Cancel is gone.
	fc.err = fmt.Errorf("cancel task t-42: %w", client.ErrCancelUnsupported)
	cancelVideo()
	h.loop.until(t, "the no-cancel refusal", func() bool { return strings.Contains(overlayText(w), noCancelText) })
	closeTopDialog(w.Canvas())
	h.loop.until(t, "Cancel no longer offered", func() bool { return !hv.detail.actions.cancelBtn.Visible() })
	fc.mu.Lock()
	if len(fc.ids) != 4 {
		t.Errorf("%d cancel requests, want 4", len(fc.ids))
	}
	fc.mu.Unlock()

	// The row shows the time so far.
	hv.wait.now = func() time.Time { return hv.model.records[0].CreatedAt.Add(2*time.Minute + 13*time.Second) }
	if got := hv.wait.rowStatus(hv.model.records[0]); !strings.Contains(got, "2:13") {
		t.Errorf("row status %q has no elapsed time", got)
	}
}

// TestWaitTextShowsUsualTime: once a model has successes, the wait says
// how long it usually takes.
func TestWaitTextShowsUsualTime(t *testing.T) {
	h := newHarness(t, nil, true)
	hv := h.ui.library
	hv.wait.usual["m"] = 3*time.Minute + 40*time.Second
	hv.wait.usualAsked["m"] = true
	r := store.Record{State: store.StateRunning, Watching: true, TaskID: "x", CreatedAt: time.Unix(1000, 0)}
	r.Request.Model = "m"
	hv.wait.now = func() time.Time { return time.Unix(1000+133, 0) }
	if got, want := hv.wait.rowStatus(r), "Generating… 2:13 · usually 3:40"; got != want {
		t.Errorf("row status %q, want %q", got, want)
	}
	for d, want := range map[time.Duration]string{7 * time.Second: "0:07", time.Hour + 2*time.Minute + 13*time.Second: "1:02:13", -time.Second: "0:00"} {
		if got := clockText(d); got != want {
			t.Errorf("clockText(%v) = %q, want %q", d, got, want)
		}
	}
}

// fakeTray records the tray menu.
type fakeTray struct {
	menu *fyne.Menu
	icon fyne.Resource
}

func (f *fakeTray) SetSystemTrayMenu(m *fyne.Menu)    { f.menu = m }
func (f *fakeTray) SetSystemTrayIcon(r fyne.Resource) { f.icon = r }
func (f *fakeTray) SetSystemTrayWindow(fyne.Window)   {}

// showTray gives the main window tray as its system tray, which a tray
// on the desktop shows.
func showTray(h *harness, tray *fakeTray) {
	h.ui.mainWin.tray, h.ui.mainWin.trayCount = tray, -1
	h.ui.mainWin.onTrayShown(true)
}

// hideRecorder is a window that counts the calls to Hide, Show and
// RequestFocus.
type hideRecorder struct {
	fyne.Window
	hides, shows, focuses int
}

func (w *hideRecorder) Hide()         { w.hides++; w.Window.Hide() }
func (w *hideRecorder) Show()         { w.shows++; w.Window.Show() }
func (w *hideRecorder) RequestFocus() { w.focuses++; w.Window.RequestFocus() }

// TestCloseKeepsReelhouseInTheTray: closing the main window while videos
// are being made keeps Reelhouse running, saying so once; with none it
// quits; quitting with videos in progress asks first.
func TestCloseKeepsReelhouseInTheTray(t *testing.T) {
	h := newHarness(t, nil, true)
	tray := &fakeTray{}
	showTray(h, tray)
	quits := 0
	h.ui.SetOnQuit(func() { quits++ })
	var sent []*fyne.Notification
	h.ui.mainWin.notify = func(n *fyne.Notification) { sent = append(sent, n) }
	w := &hideRecorder{Window: h.ui.MainWindow()}
	h.ui.main = w

	h.ui.mainWin.onCloseMain()
	if quits != 1 {
		t.Fatalf("closing with nothing in progress: %d quits", quits)
	}
	press(w, shortcutQuit)
	if quits != 2 {
		t.Fatalf("Ctrl+Q with nothing in progress: %d quits, want 2", quits-1)
	}
	quits, w.hides = 1, 0

	h.ui.mainWin.follow(store.Record{ID: 7, State: store.StateRunning, Watching: true, TaskID: "t"})
	h.ui.mainWin.onCloseMain()
	h.ui.mainWin.onCloseMain()
	if quits != 1 {
		t.Error("closing with a video in progress quit")
	}
	if len(sent) != 1 || !strings.Contains(sent[0].Title, "still making") {
		t.Errorf("want one notice about the tray, got %+v", sent)
	}
	if w.hides != 2 {
		t.Errorf("closing twice with a tray hid the window %d times", w.hides)
	}
	quit := tray.menu.Items[len(tray.menu.Items)-1]
	if !quit.IsQuit || tray.menu.Items[2].Label != "Open Reelhouse" {
		t.Fatalf("tray menu: %+v", tray.menu.Items)
	}
	quit.Action()
	if quits != 1 || !strings.Contains(overlayText(w), "picks it up") {
		t.Fatalf("quitting with a video in progress did not ask: %q", overlayText(w))
	}
	confirm, ok := inOverlays(w, func(b *widget.Button) bool { return b.Text == "Quit" })
	if !ok {
		t.Fatal("no Quit button in the question")
	}
	test.Tap(confirm)
	if quits != 2 {
		t.Error("confirming did not quit")
	}
}

// TestReliabilityCloseWithoutTrayKeepsTheWindow: where the platform has a tray but
// nothing on the desktop shows it, closing the main window while a video
// is being made does not hide it and says nothing about a tray: it asks
// whether to quit, and keeping it open keeps it.
func TestReliabilityCloseWithoutTrayKeepsTheWindow(t *testing.T) {
	h := newHarness(t, nil, true)
	tray := &fakeTray{}
	h.ui.mainWin.tray, h.ui.mainWin.trayCount = tray, -1
	h.ui.mainWin.onTrayShown(false)
	quits := 0
	h.ui.SetOnQuit(func() { quits++ })
	var sent []*fyne.Notification
	h.ui.mainWin.notify = func(n *fyne.Notification) { sent = append(sent, n) }
	w := &hideRecorder{Window: h.ui.MainWindow()}
	h.ui.main = w

	h.ui.mainWin.follow(store.Record{ID: 7, State: store.StateRunning, Watching: true, TaskID: "t"})
	h.ui.mainWin.onCloseMain()
	if w.hides != 0 || quits != 0 {
		t.Fatalf("closing without a tray: %d hides, %d quits", w.hides, quits)
	}
	if len(sent) != 0 {
		t.Errorf("closing without a tray sent %+v", sent)
	}
	text := overlayText(w)
	if strings.Contains(strings.ToLower(text), "tray") || !strings.Contains(text, "picks it up") {
		t.Errorf("closing without a tray says: %q", text)
	}
	keep, ok := inOverlays(w, func(b *widget.Button) bool { return b.Text == "Keep open" })
	if !ok {
		t.Fatalf("no Keep open button: %q", text)
	}
	test.Tap(keep)
	if w.hides != 0 || quits != 0 || w.Canvas().Overlays().Top() != nil {
		t.Fatalf("Keep open: %d hides, %d quits, dialog still open %v", w.hides, quits, w.Canvas().Overlays().Top() != nil)
	}

	h.ui.mainWin.onCloseMain()
	confirm, ok := inOverlays(w, func(b *widget.Button) bool { return b.Text == "Quit" })
	if !ok {
		t.Fatal("no Quit button in the question")
	}
	test.Tap(confirm)
	if quits != 1 {
		t.Errorf("Quit after closing without a tray: %d quits", quits)
	}
}

// TestTrayThatAppearsLaterIsAskedToShowTheItem: a tray that shows up
// after the start (a panel that came up later) gets Reelhouse's item, and
// from then on closing the window hides it there.
func TestTrayThatAppearsLaterIsAskedToShowTheItem(t *testing.T) {
	h := newHarness(t, nil, true)
	registered := make(chan struct{}, 1)
	h.ui.mainWin.registerTray = func(context.Context) error {
		registered <- struct{}{}
		return nil
	}
	h.ui.mainWin.tray, h.ui.mainWin.trayCount = &fakeTray{}, -1
	h.ui.mainWin.onTrayShown(false)
	h.ui.mainWin.onTrayShown(true)
	select {
	case <-registered:
	case <-time.After(10 * time.Second):
		t.Fatal("the item was not registered with the tray that appeared")
	}
	h.ui.mainWin.notify = func(*fyne.Notification) {}
	w := &hideRecorder{Window: h.ui.MainWindow()}
	h.ui.main = w
	h.ui.mainWin.follow(store.Record{ID: 7, State: store.StateRunning, Watching: true, TaskID: "t"})
	h.ui.mainWin.onCloseMain()
	if w.hides != 1 {
		t.Errorf("closing with the tray that appeared: %d hides", w.hides)
	}
}

// TestSecondStartBringsTheWindowBack: what a second start asks for shows
// the main window hidden in the tray and gives it the focus.
func TestSecondStartBringsTheWindowBack(t *testing.T) {
	h := newHarness(t, nil, true)
	showTray(h, &fakeTray{})
	h.ui.mainWin.notify = func(*fyne.Notification) {}
	w := &hideRecorder{Window: h.ui.MainWindow()}
	h.ui.main = w
	h.ui.mainWin.follow(store.Record{ID: 7, State: store.StateRunning, Watching: true, TaskID: "t"})
	h.ui.mainWin.onCloseMain()
	if w.hides != 1 {
		t.Fatalf("closing with a tray: %d hides", w.hides)
	}
	h.ui.ShowMain()
	h.loop.until(t, "the window to come back", func() bool { return w.shows == 1 && w.focuses == 1 })
}

// TestAboutSaysVersionAndFolders: Help ▸ About names the version and the
// folders.
func TestAboutSaysVersionAndFolders(t *testing.T) {
	h := newHarness(t, nil, true)
	h.ui.deps.Version, h.ui.deps.DataDir = "1.2.3", "/data/here"
	menu := h.ui.MainWindow().MainMenu()
	var about *fyne.MenuItem
	for _, m := range menu.Items {
		for _, i := range m.Items {
			if i.Label == "About Reelhouse" {
				about = i
			}
		}
	}
	if about == nil || len(menu.Items) != 5 {
		t.Fatalf("menu: %d menus, about %v", len(menu.Items), about)
	}
	about.Action()
	text := overlayText(h.ui.MainWindow())
	for _, want := range []string{"1.2.3", "/data/here", h.deps.Library.Dir()} {
		if !strings.Contains(text, want) {
			t.Errorf("About lacks %q: %s", want, text)
		}
	}
}
