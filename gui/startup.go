package gui

import (
	"errors"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/reelhouse/reelhouse/history/library"
	"github.com/reelhouse/reelhouse/history/store"
)

// StartupProblem names what stopped Reelhouse from starting.
type StartupProblem int

// Start-up problems.
const (
	StartupDemoFolder     StartupProblem = iota + 1 // no temporary folder for demo mode
	StartupSettingsFolder                           // the user's settings folder is unknown
	StartupDataFolder                               // the data folder cannot be used (Detail: the folder)
	StartupHistory                                  // the history database cannot be opened (Detail: the folder)
	StartupLibrary                                  // the library folder cannot be used (Detail: the folder)
	StartupServer                                   // the server address is unusable (Detail: the address)
	// StartupHistoryDamaged: the history database is damaged, and can be
	// rebuilt from the library folder (Detail: the data folder; Library:
	// the library folder).
	StartupHistoryDamaged
)

// StartupError is a failure at start-up: the problem, the fact it is
// about, and the cause. ShowStartupError turns it into a sentence.
type StartupError struct {
	Problem StartupProblem
	Detail  string
	Library string // StartupHistoryDamaged: the folder the history can be rebuilt from
	Err     error
}

func (e *StartupError) Error() string {
	return fmt.Sprintf("start-up problem %d (%s): %v", e.Problem, e.Detail, e.Err)
}

func (e *StartupError) Unwrap() error { return e.Err }

// canRebuild reports whether err is a damaged history that a rebuild from
// the library folder can replace.
func canRebuild(err error) bool {
	var se *StartupError
	return errors.As(err, &se) && se.Problem == StartupHistoryDamaged
}

// startupText is the sentence for a failure at start-up.
func startupText(err error) string {
	var se *StartupError
	if !errors.As(err, &se) {
		return plainError(err)
	}
	if errors.Is(err, store.ErrAlreadyRunning) {
		return lang.L("Reelhouse is already running. Switch to the open window, or close it before starting Reelhouse again.")
	}
	data := map[string]any{"Folder": se.Detail, "Address": se.Detail, "Library": se.Library, "Details": errDetails(se.Err)}
	switch se.Problem {
	case StartupDemoFolder:
		return lang.L("Reelhouse could not make a temporary folder for the demo. Check that your disk has free space.\n\nDetails: {{.Details}}", data)
	case StartupSettingsFolder:
		return lang.L("Reelhouse could not find your settings folder. Start it with --data and a folder it may keep its history in.\n\nDetails: {{.Details}}", data)
	case StartupDataFolder:
		return lang.L("Reelhouse could not use its data folder {{.Folder}}. Check that it exists and that you may write in it, or start Reelhouse with --data and another folder.\n\nDetails: {{.Details}}", data)
	case StartupHistory:
		return lang.L("Reelhouse could not open its history in {{.Folder}}. If another program is using it, close that program and try again.\n\nDetails: {{.Details}}", data)
	case StartupLibrary:
		return lang.L("Reelhouse cannot use the library folder {{.Folder}}. Check that you may write in it, or start Reelhouse with --library and another folder.\n\nDetails: {{.Details}}", data)
	case StartupServer:
		return lang.L("The server address “{{.Address}}” cannot be used. Start Reelhouse with --server and a full address such as https://example.com.\n\nDetails: {{.Details}}", data)
	case StartupHistoryDamaged:
		return lang.L("The history file in {{.Folder}} is damaged, so Reelhouse cannot read the list of your videos. "+
			"The videos themselves are safe in the library folder {{.Library}}.\n\n"+
			"Reelhouse can rebuild the history from the description file saved next to each video. "+
			"The damaged file is kept in {{.Folder}} under another name, not deleted. "+
			"Videos that were not downloaded yet are not in the folder, so the new history will not list them. "+
			"If your videos are in another folder, choose Quit and start Reelhouse with --library and that folder.\n\nDetails: {{.Details}}", data)
	}
	return plainError(err)
}

// ShowStartupError shows why Reelhouse could not start, in a window of its
// own; the caller runs the app, which ends when the window is closed.
//
// For a damaged history, and when rebuild is not nil, the window offers to
// rebuild the history from the library folder. rebuild runs off the UI
// goroutine and returns how to start Reelhouse on the rebuilt history;
// that start is called on the UI goroutine, and this window then closes.
func ShowStartupError(a fyne.App, err error, rebuild func() (start func(), err error)) {
	fyne.LogError("start", err)
	newStartupWindow(a, err, rebuild).win.Show()
}

// startupWindow is the window that says why Reelhouse could not start.
type startupWindow struct {
	quit    func() // ends Reelhouse: the app's Quit; tests replace it
	win     fyne.Window
	msg     *widget.Label
	working *widget.ProgressBarInfinite
	buttons *fyne.Container
	// enter is what Enter does: the button that stands out.
	enter   func()
	rebuild func() (start func(), err error)
	busy    bool         // a rebuild is running; the window stays open until it ends
	do      func(func()) // runs a function on the UI goroutine: fyne.Do
}

func newStartupWindow(a fyne.App, err error, rebuild func() (func(), error)) *startupWindow {
	v := &startupWindow{quit: a.Quit, win: a.NewWindow(lang.L("Reelhouse could not start")), rebuild: rebuild, do: fyne.Do}
	v.msg = widget.NewLabel("")
	v.msg.Wrapping = fyne.TextWrapWord
	v.working = widget.NewProgressBarInfinite()
	v.working.Hide()
	v.buttons = container.NewHBox()
	v.win.SetCloseIntercept(v.onClose)
	v.win.Canvas().SetOnTypedKey(v.onKey)
	// The words scroll: a wrapped label measured before it has a width
	// asks for thousands of pixels, which pushed the buttons off the screen.
	v.win.SetContent(container.NewPadded(container.NewBorder(nil,
		container.NewVBox(v.working, container.NewCenter(v.buttons)), nil, nil, container.NewVScroll(v.msg))))
	v.win.Resize(fyne.NewSize(480, 200))
	v.show(err) // a damaged history's longer words get a larger window
	return v
}

// show says what err is and offers what can be done about it.
func (v *startupWindow) show(err error) {
	v.msg.SetText(startupText(err))
	if !canRebuild(err) || v.rebuild == nil {
		v.enter = func() { v.quit() }
		v.buttons.Objects = []fyne.CanvasObject{widget.NewButton(lang.L("Close"), v.enter)}
		v.buttons.Refresh()
		return
	}
	v.enter = v.onRebuild
	rebuild := widget.NewButton(lang.L("Rebuild history from the library folder"), v.enter)
	rebuild.Importance = widget.HighImportance
	v.buttons.Objects = []fyne.CanvasObject{widget.NewButton(lang.L("Quit"), func() { v.quit() }), rebuild}
	v.buttons.Refresh()
	v.win.Resize(fyne.NewSize(560, 320))
}

// onKey: Enter does what the button that stands out does, Esc closes.
func (v *startupWindow) onKey(e *fyne.KeyEvent) {
	switch {
	case e.Name == fyne.KeyEscape:
		v.onClose()
	case (e.Name == fyne.KeyReturn || e.Name == fyne.KeyEnter) && v.buttons.Visible() && v.enter != nil:
		v.enter()
	}
}

// onRebuild rebuilds the history and starts Reelhouse on it. No UI runs
// yet whose bridge could carry the result, so it comes back through fyne.Do.
func (v *startupWindow) onRebuild() {
	v.busy = true
	v.buttons.Hide()
	v.working.Show()
	v.msg.SetText(lang.L("Rebuilding the history from the videos in the library folder…"))
	rebuild, do := v.rebuild, v.do
	go func() {
		start, err := rebuild()
		do(func() { v.rebuilt(start, err) })
	}()
}

// rebuilt runs on the UI goroutine when the rebuild has ended.
func (v *startupWindow) rebuilt(start func(), err error) {
	v.busy = false
	v.working.Hide()
	if err != nil {
		fyne.LogError("rebuild history", err)
		v.show(err)
		v.buttons.Show()
		return
	}
	// The main window is shown before this one closes: closing the last
	// window would end the app.
	start()
	v.win.Close()
}

// onClose quits, except while a rebuild runs: a rebuild cut short would
// leave the damaged history to be found again at the next start.
func (v *startupWindow) onClose() {
	if v.busy {
		return
	}
	v.quit()
}

// HistoryRebuilt is what a rebuild of a damaged history did, for the
// window that starts after it.
type HistoryRebuilt struct {
	Kept   string         // where the damaged history file is kept
	Report library.Report // what the rebuild found in the library folder
}

// ShowHistoryRebuilt tells, in w, that the history was rebuilt, what was
// found, and where the damaged file is kept. It does nothing for nil.
func ShowHistoryRebuilt(w fyne.Window, r *HistoryRebuilt) {
	if r == nil {
		return
	}
	d := dialog.NewInformation(lang.L("History rebuilt"), historyRebuiltText(r), w)
	showHouse(d, w, houseOpts{size: fyne.NewSize(480, 260)})
}

func historyRebuiltText(r *HistoryRebuilt) string {
	found := reportText(r.Report)
	if r.Report.Added == 0 && len(r.Report.Problems) == 0 {
		found = lang.L("No video with its description file was found in the library folder.")
	}
	return lang.L("Reelhouse rebuilt its history from the library folder. The damaged history file is kept as {{.Path}}; you may delete it once the videos you expect are back.",
		map[string]any{"Path": r.Kept}) + "\n\n" + found
}
