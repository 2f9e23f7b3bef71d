package gui

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/reelhouse/reelhouse/history/library"
	"github.com/reelhouse/reelhouse/history/store"
)

// damagedStartup is the start-up error of a history overwritten with
// garbage, as Open reports it.
func damagedStartup() error {
	cause := &store.StoreError{Op: store.OpReadStore, Err: errors.Join(store.ErrDamaged, errors.New("file is not a database (26)"))}
	return &StartupError{Problem: StartupHistoryDamaged, Detail: "/home/ann/.config/Reelhouse", Library: "/home/ann/Videos/Reelhouse", Err: cause}
}

// TestStartupTextOfADamagedHistory: a damaged history is said to be
// damaged, the videos safe in the library folder named, and the way out
// is a rebuild; no program is to be closed. A history that is only busy
// keeps its sentence.
func TestStartupTextOfADamagedHistory(t *testing.T) {
	got := startupText(damagedStartup())
	for _, want := range []string{"damaged", "safe", "/home/ann/Videos/Reelhouse", "/home/ann/.config/Reelhouse", "rebuild", "not deleted", "--library", "file is not a database"} {
		if !strings.Contains(got, want) {
			t.Errorf("the sentence lacks %q: %q", want, got)
		}
	}
	if strings.Contains(got, "another program") {
		t.Errorf("a damaged history is blamed on another program: %q", got)
	}
	busy := startupText(&StartupError{Problem: StartupHistory, Detail: "/data", Err: errors.New("database is locked (5)")})
	if !strings.Contains(busy, "another program") || strings.Contains(busy, "damaged") {
		t.Errorf("a busy history: %q", busy)
	}
}

// buttonsOf lists the texts of the window's buttons, in order.
func buttonsOf(v *startupWindow) []string {
	var out []string
	for _, o := range v.buttons.Objects {
		if b, ok := o.(*widget.Button); ok {
			out = append(out, b.Text)
		}
	}
	return out
}

func buttonNamed(t *testing.T, v *startupWindow, text string) *widget.Button {
	t.Helper()
	for _, o := range v.buttons.Objects {
		if b, ok := o.(*widget.Button); ok && b.Text == text {
			return b
		}
	}
	t.Fatalf("no button %q among %q", text, buttonsOf(v))
	return nil
}

func isOpen(a fyne.App, w fyne.Window) bool {
	return slices.Contains(a.Driver().AllWindows(), w)
}

// TestStartupWindowRebuildsADamagedHistory: the window of a damaged
// history offers the rebuild and Quit; pressing the button runs the
// rebuild, starts Reelhouse on its result and closes the window.
func TestStartupWindowRebuildsADamagedHistory(t *testing.T) {
	a := test.NewTempApp(t)
	calls := make(chan struct{}, 1)
	var started fyne.Window
	rebuild := func() (func(), error) {
		calls <- struct{}{}
		return func() { started = a.NewWindow("Reelhouse"); started.Show() }, nil
	}
	v := newStartupWindow(a, damagedStartup(), rebuild)
	back := make(chan func(), 1)
	v.do = func(f func()) { back <- f }
	v.win.Show()

	if got := buttonsOf(v); !slices.Equal(got, []string{"Quit", "Rebuild history from the library folder"}) {
		t.Fatalf("buttons %q", got)
	}
	test.Tap(buttonNamed(t, v, "Rebuild history from the library folder"))
	<-calls
	if v.buttons.Visible() || !v.working.Visible() || !strings.Contains(v.msg.Text, "Rebuilding") {
		t.Errorf("while rebuilding: buttons shown %v, progress shown %v, text %q", v.buttons.Visible(), v.working.Visible(), v.msg.Text)
	}
	v.onClose() // a close while it works is refused
	if !isOpen(a, v.win) {
		t.Fatal("the window closed while the rebuild ran")
	}
	(<-back)()
	if started == nil || !isOpen(a, started) {
		t.Fatal("Reelhouse was not started after the rebuild")
	}
	if isOpen(a, v.win) {
		t.Error("the start-up window is still open after the rebuild")
	}
}

// TestStartupWindowWhenTheRebuildFails: a rebuild that fails says why,
// and offers Close; other problems offer Close only too.
func TestStartupWindowWhenTheRebuildFails(t *testing.T) {
	a := test.NewTempApp(t)
	failure := &StartupError{Problem: StartupLibrary, Detail: "/media/gone", Err: errors.New("no such file or directory")}
	v := newStartupWindow(a, damagedStartup(), func() (func(), error) { return nil, failure })
	back := make(chan func(), 1)
	v.do = func(f func()) { back <- f }
	v.win.Show()
	v.onRebuild()
	(<-back)()
	if !strings.Contains(v.msg.Text, "/media/gone") || !v.buttons.Visible() || v.working.Visible() {
		t.Errorf("after a failed rebuild: %q, buttons shown %v, progress shown %v", v.msg.Text, v.buttons.Visible(), v.working.Visible())
	}
	if got := buttonsOf(v); !slices.Equal(got, []string{"Close"}) {
		t.Errorf("buttons after a failed rebuild %q", got)
	}
	if !isOpen(a, v.win) {
		t.Error("the window closed after a failed rebuild")
	}

	other := newStartupWindow(a, &StartupError{Problem: StartupHistory, Detail: "/data", Err: errors.New("database is locked (5)")}, func() (func(), error) {
		t.Error("a busy history was rebuilt")
		return nil, nil
	})
	if got := buttonsOf(other); !slices.Equal(got, []string{"Close"}) {
		t.Errorf("buttons of a busy history %q", got)
	}
}

// TestHistoryRebuiltSaysWhereTheDamagedFileIs: the dialog after the
// rebuild names the kept file and what was found.
func TestHistoryRebuiltSaysWhereTheDamagedFileIs(t *testing.T) {
	got := historyRebuiltText(&HistoryRebuilt{Kept: "/data/history-damaged-20261204-213005.db", Report: library.Report{Added: 3}})
	if !strings.Contains(got, "/data/history-damaged-20261204-213005.db") || !strings.Contains(got, "3 videos") {
		t.Errorf("after a rebuild: %q", got)
	}
	if none := historyRebuiltText(&HistoryRebuilt{Kept: "/k.db"}); !strings.Contains(none, "No video") {
		t.Errorf("after a rebuild that found nothing: %q", none)
	}
}

// TestStartupWindowOfADamagedHistoryIsLarger: its longer words get room.
func TestStartupWindowOfADamagedHistoryIsLarger(t *testing.T) {
	a := test.NewTempApp(t)
	v := newStartupWindow(a, damagedStartup(), func() (func(), error) { return func() {}, nil })
	if got := v.win.Canvas().Size(); got.Width < 560 {
		t.Errorf("window of a damaged history is %v wide, want at least 560", got.Width)
	}
}

// TestStartupWindowAnswersTheKeyboard: Enter does what the button that
// stands out does (the rebuild, or Close), and Esc quits.
func TestStartupWindowAnswersTheKeyboard(t *testing.T) {
	a := test.NewTempApp(t)
	calls := make(chan struct{}, 1)
	v := newStartupWindow(a, damagedStartup(), func() (func(), error) { calls <- struct{}{}; return func() {}, nil })
	v.do = func(func()) {}
	v.win.Show()
	v.win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyReturn})
	select {
	case <-calls:
	case <-time.After(10 * time.Second): // a hang guard, not a wait
		t.Fatal("Enter did not rebuild the history")
	}

	other := newStartupWindow(a, &StartupError{Problem: StartupHistory, Detail: "/data", Err: errors.New("database is locked (5)")}, nil)
	quits := 0
	other.quit = func() { quits++ }
	other.win.Show()
	other.win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if quits != 1 {
		t.Error("Esc did not close Reelhouse")
	}
	other.win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if quits != 2 {
		t.Error("Enter did not press Close")
	}
}
