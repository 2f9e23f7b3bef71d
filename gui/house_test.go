package gui

import (
	"errors"
	"math"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/reelhouse/reelhouse/history/store"
)

// laptop is the room a window has on a 1366x768 screen with a panel.
var laptop = fyne.NewSize(1366, 700)

// houseWindow is a window the size of a laptop's room whose keys go as
// the main window's do.
func houseWindow(t *testing.T) fyne.Window {
	t.Helper()
	a := test.NewTempApp(t)
	a.Settings().SetTheme(theme.DefaultTheme())
	w := a.NewWindow("house")
	w.SetContent(widget.NewLabel("behind"))
	w.Resize(laptop)
	w.Canvas().SetOnTypedKey(func(e *fyne.KeyEvent) { houseKey(w.Canvas(), e) })
	t.Cleanup(w.Close)
	return w
}

// dialogBox is the box the dialog on top of c is drawn in.
func dialogBox(t *testing.T, c fyne.Canvas) (fyne.Position, fyne.Size) {
	t.Helper()
	p, ok := c.Overlays().Top().(*widget.PopUp)
	if !ok {
		t.Fatalf("no dialog on top, but %T", c.Overlays().Top())
	}
	return p.Content.Position(), p.Content.Size()
}

// checkFitsCentred fails t unless the dialog on top of c is inside c and
// centred on it.
func checkFitsCentred(t *testing.T, name string, c fyne.Canvas) {
	t.Helper()
	pos, size := dialogBox(t, c)
	room := c.Size()
	if pos.X < houseMargin-1 || pos.Y < houseMargin-1 || pos.X+size.Width > room.Width-houseMargin+1 || pos.Y+size.Height > room.Height-houseMargin+1 {
		t.Errorf("%s: dialog at %v size %v is not inside %v with a margin", name, pos, size, room)
	}
	if left, right := pos.X, room.Width-pos.X-size.Width; math.Abs(float64(left-right)) > 2 {
		t.Errorf("%s: not centred across (%v left, %v right)", name, left, right)
	}
	if top, bottom := pos.Y, room.Height-pos.Y-size.Height; math.Abs(float64(top-bottom)) > 2 {
		t.Errorf("%s: not centred down (%v above, %v below)", name, top, bottom)
	}
}

// houseCase is a dialog of the app: open shows it on w and returns
// whether its default action ran and whether anything at all ran.
type houseCase struct {
	name  string
	field bool // it has a field that should have the cursor
	open  func(w fyne.Window) (defaultRan, anyRan *bool)
}

func houseCases() []houseCase {
	return []houseCase{
		{name: "error", open: func(w fyne.Window) (*bool, *bool) {
			showErrorDialog(w, "Could not save", errors.New("disk full"))
			closed := true
			return &closed, new(bool)
		}},
		{name: "information", open: func(w fyne.Window) (*bool, *bool) {
			showInfo("Trash emptied", "3 videos deleted for good.", w)
			closed := true
			return &closed, new(bool)
		}},
		{name: "confirmation", open: func(w fyne.Window) (*bool, *bool) {
			yes, any := new(bool), new(bool)
			showConfirm("Empty trash", "Delete every video?", func(ok bool) { *yes = ok; *any = ok }, w)
			return yes, any
		}},
		{name: "form with a field", field: true, open: func(w fyne.Window) (*bool, *bool) {
			added, any := new(bool), new(bool)
			entry := newHouseEntry()
			d := dialog.NewForm("Add a tag", "Add", "Cancel", []*widget.FormItem{widget.NewFormItem("Tag", entry)}, func(ok bool) { *added = ok; *any = ok }, w)
			showHouse(d, w, houseOpts{size: fyne.NewSize(400, 160), focus: entry})
			return added, any
		}},
		{name: "undo", open: func(w fyne.Window) (*bool, *bool) {
			undone := new(bool)
			showTrashed(w, 2, func() { *undone = true })
			kept := true
			return &kept, undone
		}},
		{name: "cancel question", open: func(w fyne.Window) (*bool, *bool) {
			stopped := new(bool)
			askCancel(w, func() { *stopped = true })
			kept := true
			return &kept, stopped
		}},
	}
}

// TestHouseDialogs: every kind of dialog fits a laptop's window and opens
// centred on it, has the cursor in its field, does its default action on
// Enter and closes on Esc with nothing done.
func TestHouseDialogs(t *testing.T) {
	for _, hc := range houseCases() {
		t.Run(hc.name, func(t *testing.T) {
			w := houseWindow(t)
			c := w.Canvas()
			ran, _ := hc.open(w)
			checkFitsCentred(t, hc.name, c)
			if hc.field {
				if _, ok := c.Focused().(*houseEntry); !ok {
					t.Errorf("the cursor is in %T, not the field", c.Focused())
				}
			}
			typeKey(c, fyne.KeyReturn)
			if c.Overlays().Top() != nil {
				t.Fatal("Enter left the dialog open")
			}
			if !*ran {
				t.Error("Enter did not do the default action")
			}

			_, any := hc.open(w)
			typeKey(c, fyne.KeyEscape)
			if c.Overlays().Top() != nil {
				t.Fatal("Esc left the dialog open")
			}
			if *any {
				t.Error("Esc did something")
			}
		})
	}
}

// TestHouseEscAfterADropdown: Esc closes a dialog also when the dropdown
// in it has the focus (Fyne gives the key to the dropdown).
func TestHouseEscAfterADropdown(t *testing.T) {
	w := houseWindow(t)
	c := w.Canvas()
	chose := false
	sel := newHouseSelect([]string{"a", "b"}, nil)
	d := dialog.NewCustomConfirm("Pick", "OK", "Cancel", sel, func(ok bool) { chose = ok }, w)
	showHouse(d, w, houseOpts{})
	sel.SetSelected("b")
	c.Focus(sel)
	typeKey(c, fyne.KeyEscape)
	if c.Overlays().Top() != nil {
		t.Fatal("Esc in the dropdown left the dialog open")
	}
	if chose {
		t.Error("Esc confirmed the dialog")
	}
}

// TestHouseErrorDialogReads: an error dialog is wide enough to read.
func TestHouseErrorDialogReads(t *testing.T) {
	w := houseWindow(t)
	showFailure(w, errors.New("the service said no"))
	if _, size := dialogBox(t, w.Canvas()); size.Width < 420 || size.Width > 520 {
		t.Errorf("the error dialog is %v wide, want 420–520", size.Width)
	}
}

// TestHouseUndoStandsOnOK: the button that stands out in "Moved to trash"
// leaves the videos in the trash; "Put it back" undoes.
func TestHouseUndoStandsOnOK(t *testing.T) {
	w := houseWindow(t)
	undone := false
	showTrashed(w, 1, func() { undone = true })
	top := w.Canvas().Overlays().Top()
	ok, back := findButton(top, "OK"), findButton(top, "Put it back")
	if ok == nil || back == nil {
		t.Fatal("no OK and Put it back")
	}
	if ok.Importance != widget.HighImportance || back.Importance == widget.HighImportance {
		t.Error("Put it back stands out, not OK")
	}
	test.Tap(back)
	if !undone {
		t.Error("Put it back did not undo")
	}
}

// TestSettingsFitsALaptop: Settings opens no taller than a laptop's room,
// with Notifications and Language on screen, and Esc closes it also after
// its language dropdown was used.
func TestSettingsFitsALaptop(t *testing.T) {
	h := newHarness(t, nil, true)
	s := h.ui.settings
	s.show()
	size := s.win.Canvas().Size()
	if size.Width > houseRoom.Width || size.Height > houseRoom.Height {
		t.Errorf("Settings is %v, more than %v", size, houseRoom)
	}
	for name, o := range map[string]fyne.CanvasObject{"Notifications": s.notifications, "Language": s.language} {
		pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
		if pos.Y+o.Size().Height > size.Height || !o.Visible() {
			t.Errorf("%s is at %v, below the window's %v", name, pos, size.Height)
		}
	}
	if s.advanced.Items[0].Open {
		t.Error("Advanced is open")
	}
	// The test driver's windows do not tell whether they are hidden, so
	// the window's Esc is watched.
	c := s.win.Canvas()
	hide := houseWindowEsc[c]
	closed := false
	houseWindowEsc[c] = func() { closed = true; hide() }
	t.Cleanup(func() { houseWindowEsc[c] = hide })
	s.language.SetSelected(s.language.Options[0])
	c.Focus(s.language)
	typeKey(c, fyne.KeyEscape)
	if !closed {
		t.Error("Esc in the language dropdown left Settings open")
	}
}

// TestHouseWalk walks the dialogs of the app as a user meets them, on a
// main window the size of a laptop's room: each fits and opens centred,
// has the cursor in its field, and Esc closes it with nothing done; Enter
// does the default action.
func TestHouseWalk(t *testing.T) {
	h := newHarness(t, nil, true)
	w := h.ui.MainWindow()
	w.Resize(laptop)
	c := w.Canvas()
	mw := h.ui.mainWin
	quits := 0
	h.ui.SetOnQuit(func() { quits++ })
	mw.follow(store.Record{ID: 7, State: store.StateRunning, Watching: true, TaskID: "t"})
	test.Type(h.ui.compose.prompt, "a lighthouse in a storm")
	savedPrompts := func() string { return h.deps.Store.Setting(t.Context(), settingSavedPrompts, "") }

	walk := []struct {
		name  string
		open  func()
		field bool
		enter func() bool // Enter's default action is done, if it shows
	}{
		{"About", mw.onAbout, false, nil},
		{"Quit Reelhouse?", func() { mw.askQuit("") }, false, func() bool { return quits == 1 }},
		{"Save this prompt", h.ui.compose.prompts.onSavePrompt, true, func() bool { return strings.Contains(savedPrompts(), "a lighthouse") }},
		{"Add a task by its id", h.ui.library.menu.onAddByID, true, func() bool {
			// Enter with no id says what is missing, in a dialog that fits too.
			if !strings.Contains(overlayText(w), "Paste a task id first.") {
				return false
			}
			typeKey(c, fyne.KeyReturn)
			return c.Overlays().Top() == nil
		}},
		{"Add a tag", h.ui.library.picks.onTagPicked, true, nil},
		{"Moved to trash", func() { showTrashed(w, 1, func() { t.Error("Esc or Enter undid") }) }, false, nil},
		{"Stop making this video?", func() { askCancel(w, func() { t.Error("Esc or Enter cancelled") }) }, false, nil},
		{"What went wrong", func() { showFailure(w, errors.New("no")) }, false, nil},
		{"Getting started", mw.onGettingStarted, false, nil},
		{"Keyboard shortcuts", mw.onKeyboardShortcuts, false, nil},
		{"Install FFmpeg", func() { h.ui.showFFmpegInstall(w) }, false, nil},
		{"Make several videos", h.ui.compose.prompts.onBatch, true, func() bool {
			// Enter starts a new prompt line in its box; Esc still closes it.
			return true
		}},
		{"Rebuild history from folder", h.ui.library.menu.onRebuild, false, func() bool {
			// Enter rebuilds, which ends in a report of its own.
			if !strings.Contains(overlayText(w), "Library folder checked") {
				return false
			}
			typeKey(c, fyne.KeyReturn)
			return c.Overlays().Top() == nil
		}},
		{"Empty trash", h.ui.library.menu.onEmptyTrash, false, nil},
		{"Nothing to export", func() { h.ui.library.menu.onExport(true); h.loop.pump() }, false, nil},
	}
	for _, d := range walk {
		for _, key := range []fyne.KeyName{fyne.KeyEscape, fyne.KeyReturn} {
			quitsBefore, savedBefore := quits, savedPrompts()
			d.open()
			if c.Overlays().Top() == nil {
				t.Fatalf("%s did not open", d.name)
			}
			checkFitsCentred(t, d.name, c)
			if _, ok := c.Focused().(*houseEntry); ok != d.field {
				t.Errorf("%s: the cursor is in %T", d.name, c.Focused())
			}
			typeKey(c, key)
			if e, ok := c.Focused().(*houseEntry); ok && e.MultiLine && key == fyne.KeyReturn {
				if c.Overlays().Top() == nil || !strings.Contains(e.Text, "\n") {
					t.Fatalf("%s: Enter in a box of lines did not start a new line", d.name)
				}
				typeKey(c, fyne.KeyEscape)
			}
			if c.Overlays().Top() != nil {
				t.Fatalf("%s: %s left it open (focus %T, %d overlays: %q)", d.name, key, c.Focused(), len(c.Overlays().List()), overlayText(w))
			}
			if key == fyne.KeyEscape && (quits != quitsBefore || savedPrompts() != savedBefore) {
				t.Fatalf("%s: Esc did something", d.name)
			}
			if key == fyne.KeyReturn && d.enter != nil {
				h.loop.until(t, d.name+": Enter's default action", d.enter)
			}
		}
	}
}

// TestHouseWindowsFit: Settings, Usage and Compare open no larger than a
// laptop's room.
func TestHouseWindowsFit(t *testing.T) {
	h := newHarness(t, nil, true)
	h.ui.showUsage()
	for name, w := range map[string]fyne.Window{"Settings": h.ui.settings.win, "Usage": h.ui.usage.win} {
		size, least := w.Canvas().Size(), w.Content().MinSize()
		if size.Width > houseRoom.Width || size.Height > houseRoom.Height || least.Height > houseRoom.Height {
			t.Errorf("%s is %v (at least %v), more than %v", name, size, least, houseRoom)
		}
	}
}

// TestEmptyTrashEnterKeepsTheVideos: the question before deleting for good
// answers Enter with its safe button, and the delete button says what it
// does.
func TestEmptyTrashEnterKeepsTheVideos(t *testing.T) {
	h := newHarness(t, nil, true)
	w := h.ui.MainWindow()
	w.Resize(fyne.NewSize(1366, 700))
	h.ui.library.menu.onEmptyTrash()
	top := w.Canvas().Overlays().Top()
	if top == nil || findButton(top, "Delete for good") == nil || findButton(top, "Keep them") == nil {
		t.Fatalf("the question reads %q", overlayText(w))
	}
	typeKey(w.Canvas(), fyne.KeyReturn)
	h.loop.until(t, "the question answered", func() bool { return h.ui.settled() })
	if text := overlayText(w); strings.Contains(text, "Trash emptied") || w.Canvas().Overlays().Top() != nil {
		t.Fatalf("Enter emptied the trash or left the question open: %q", text)
	}
	h.ui.library.menu.onEmptyTrash()
	test.Tap(findButton(w.Canvas().Overlays().Top(), "Delete for good"))
	h.loop.until(t, "the trash emptied", func() bool { return strings.Contains(overlayText(w), "Trash emptied") })
}

// TestHouseWelcome: the welcome fits and opens centred; on the way to a
// key the cursor is in the key's field, and Esc there, as on the first
// choice, closes the welcome ("Not now") so that it can be opened again.
func TestHouseWelcome(t *testing.T) {
	h := newHarness(t, &fakeKeys{}, false)
	welcomeShown(t, h)
	win := h.ui.keys.welcomeParent()
	win.Resize(laptop)
	c := win.Canvas()
	checkFitsCentred(t, "Welcome", c)
	typeKey(c, fyne.KeyReturn)
	if c.Overlays().Top() == nil {
		t.Fatal("Enter on the first choice, which has no default, closed the welcome")
	}
	typeKey(c, fyne.KeyEscape)
	if c.Overlays().Top() != nil || h.ui.welcome != nil {
		t.Fatal("Esc did not close the welcome, or it is still taken for open")
	}
	h.ui.keys.showWelcome(win)
	v := welcomeShown(t, h)
	test.Tap(v.haveKey)
	checkFitsCentred(t, "Welcome, the key", c)
	if c.Focused() != v.key {
		t.Fatalf("the cursor is in %T, not the key's field", c.Focused())
	}
	typeKey(c, fyne.KeyEscape)
	if c.Overlays().Top() != nil || h.ui.welcome != nil {
		t.Fatal("Esc in the key's field did not close the welcome")
	}
}
