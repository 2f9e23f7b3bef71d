package gui

import (
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"
)

// The rules of the house for dialogs and windows: each fits a 1366x768
// laptop screen with a panel, opens centred on its parent, puts the cursor
// in its field, does its default action on Enter and closes on Esc with
// nothing done, wherever the focus is inside it.

// houseRoom is the most a window may take: a 1366x768 screen less a panel
// and the window's title bar.
var houseRoom = fyne.NewSize(1366, 660)

// houseMargin is the least room left between a dialog and the edges of
// its window.
const houseMargin = 32

// errorDialogWidth is the width of a dialog telling of a failure: wide
// enough to read its sentence in a few lines.
const errorDialogWidth = 480

// fitSize is want made no larger than room less margin on every side.
func fitSize(want, room fyne.Size, margin float32) fyne.Size {
	return fyne.NewSize(min(want.Width, room.Width-2*margin), min(want.Height, room.Height-2*margin))
}

// houseOpts says how a dialog is shown (see showHouse). Every field may be
// left zero.
type houseOpts struct {
	size  fyne.Size      // the size it wants; at least its least size
	focus fyne.Focusable // the field that gets the cursor
	enter func()         // what Enter does; by default its highlighted button
}

// houseDialog is a dialog shown by showHouse that is still open.
type houseDialog struct {
	d       dialog.Dialog
	canvas  fyne.Canvas
	overlay fyne.CanvasObject // the dialog on its canvas
	enter   func()
}

var (
	// houseOpen are the dialogs open, the last on top (UI goroutine only).
	houseOpen []*houseDialog
	// houseWindowEsc is what Esc does in a window when no dialog is on
	// top of it (UI goroutine only).
	houseWindowEsc = map[fyne.Canvas]func(){}
)

// showHouse shows d on parent the house way: its size is what it wants
// clamped to the window (Fyne centres it there), the cursor is in its
// field, Enter does the default action and Esc closes it (Hide, which
// answers "no" to a question).
func showHouse(d dialog.Dialog, parent fyne.Window, o houseOpts) {
	c := parent.Canvas()
	want := o.size.Max(d.MinSize())
	d.Resize(fitSize(want, c.Size(), houseMargin))
	enter := o.enter
	if enter == nil {
		switch x := d.(type) {
		case *dialog.ConfirmDialog:
			enter = x.Confirm
		case *dialog.FormDialog:
			enter = x.Submit
		default:
			enter = d.Hide
		}
	}
	h := &houseDialog{d: d, canvas: c, enter: enter}
	d.SetOnClosed(func() { h.forget() })
	d.Show()
	h.overlay = c.Overlays().Top()
	houseOpen = append(houseOpen, h)
	if o.focus != nil {
		c.Focus(o.focus)
		if e, ok := o.focus.(*widget.Entry); ok && e.OnSubmitted == nil {
			e.OnSubmitted = func(string) { h.enter() }
		}
		if e, ok := o.focus.(*houseEntry); ok && e.OnSubmitted == nil {
			e.OnSubmitted = func(string) { h.enter() }
		}
	}
}

// forget takes h off the list of open dialogs.
func (h *houseDialog) forget() {
	houseOpen = slices.DeleteFunc(houseOpen, func(o *houseDialog) bool { return o == h })
}

// showing reports whether h is still on its canvas.
func (h *houseDialog) showing() bool {
	return h.overlay != nil && slices.Contains(h.canvas.Overlays().List(), h.overlay)
}

// topHouse is the house dialog on top of c, or nil.
func topHouse(c fyne.Canvas) *houseDialog {
	top := c.Overlays().Top()
	for i := len(houseOpen) - 1; i >= 0; i-- {
		h := houseOpen[i]
		if !h.showing() {
			houseOpen = slices.Delete(houseOpen, i, i+1) // closed around us
			continue
		}
		if h.canvas == c && h.overlay == top {
			return h
		}
	}
	return nil
}

// houseKey does what e means on c: to the dialog on top, Enter is its
// default action and Esc closes it; with no dialog, Esc closes a
// secondary window. It reports whether e was taken.
func houseKey(c fyne.Canvas, e *fyne.KeyEvent) bool {
	if h := topHouse(c); h != nil {
		switch e.Name {
		case fyne.KeyReturn, fyne.KeyEnter:
			h.enter()
			return true
		case fyne.KeyEscape:
			h.d.Hide()
			return true
		}
		return false
	}
	if e.Name != fyne.KeyEscape {
		return false
	}
	if closeTopDialog(c) {
		return true
	}
	if esc := houseWindowEsc[c]; esc != nil {
		esc()
		return true
	}
	return false
}

// houseFocusedKey is houseKey for a key typed in the focused widget obj
// (Fyne gives keys to the focused widget, not to the canvas).
func houseFocusedKey(obj fyne.Focusable, e *fyne.KeyEvent) bool {
	var cs []fyne.Canvas
	for _, h := range houseOpen {
		cs = append(cs, h.canvas)
	}
	for c := range houseWindowEsc {
		cs = append(cs, c)
	}
	for _, c := range cs {
		if c.Focused() == obj {
			return houseKey(c, e)
		}
	}
	return false
}

// houseEntry is an entry in which Esc closes its dialog or window.
type houseEntry struct{ widget.Entry }

// newHousePasswordEntry is a houseEntry whose text is hidden, with Fyne's
// button that shows it (made for an Entry whose Password is set).
func newHousePasswordEntry() *houseEntry {
	e := newHouseEntry()
	e.Password = true
	e.Wrapping = fyne.TextWrap(fyne.TextTruncateClip)
	return e
}

// newHouseEntry is an empty one-line houseEntry.
func newHouseEntry() *houseEntry {
	e := &houseEntry{}
	e.Wrapping = fyne.TextWrapOff
	e.ExtendBaseWidget(e)
	return e
}

// TypedKey closes the dialog or window on Esc.
func (e *houseEntry) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && houseFocusedKey(e, k) {
		return
	}
	e.Entry.TypedKey(k)
}

// houseSelect is a dropdown in which Esc closes its dialog or window.
type houseSelect struct{ widget.Select }

func newHouseSelect(options []string, changed func(string)) *houseSelect {
	s := &houseSelect{}
	s.Options = options
	s.OnChanged = changed
	s.ExtendBaseWidget(s)
	return s
}

// TypedKey closes the dialog or window on Esc.
func (s *houseSelect) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && houseFocusedKey(s, k) {
		return
	}
	s.Select.TypedKey(k)
}

// houseCheck is a check box in which Esc closes its dialog or window.
type houseCheck struct{ widget.Check }

func newHouseCheck(label string, changed func(bool)) *houseCheck {
	c := &houseCheck{}
	c.Text = label
	c.OnChanged = changed
	c.ExtendBaseWidget(c)
	return c
}

// TypedKey closes the dialog or window on Esc.
func (c *houseCheck) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && houseFocusedKey(c, k) {
		return
	}
	c.Check.TypedKey(k)
}

// showInfo is dialog.ShowInformation the house way.
func showInfo(title, message string, parent fyne.Window) {
	showHouse(dialog.NewInformation(title, message, parent), parent, houseOpts{size: fyne.NewSize(errorDialogWidth, 0)})
}

// showConfirm is dialog.ShowConfirm the house way.
func showConfirm(title, message string, callback func(bool), parent fyne.Window) {
	showHouse(dialog.NewConfirm(title, message, callback, parent), parent, houseOpts{size: fyne.NewSize(errorDialogWidth, 0)})
}

// showUndo tells on win, in msg, of something done that can be undone.
// The button that stands out, and Enter, leave things as the user did;
// "Put it back" runs undo.
func showUndo(win fyne.Window, title string, msg fyne.CanvasObject, undo func()) {
	d := dialog.NewCustomWithoutButtons(title, msg, win)
	back := widget.NewButton(lang.L("Put it back"), func() {
		d.Hide()
		undo()
	})
	ok := widget.NewButton(lang.L("OK"), d.Hide)
	ok.Importance = widget.HighImportance
	d.SetButtons([]fyne.CanvasObject{back, ok})
	showHouse(d, win, houseOpts{size: fyne.NewSize(460, 180)})
}

// askCancel asks on win whether to stop making a video, and runs cancel
// if so. The button that stands out, and Enter, keep making it.
func askCancel(win fyne.Window, cancel func()) {
	askSafe(win, lang.L("Stop making this video?"),
		lang.L("The service stops making this video. This cannot be undone: to have the video, you would have to make it again."),
		lang.L("Stop making it"), lang.L("Keep making it"), cancel)
}

// askSafe asks on win, in text, before something that cannot be undone:
// the button labelled act runs do; the one labelled keep, which stands out
// and is what Enter and Esc do, leaves things as they are.
func askSafe(win fyne.Window, title, text, act, keep string, do func()) {
	msg := widget.NewLabel(text)
	msg.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustomWithoutButtons(title, msg, win)
	actBtn := widget.NewButton(act, func() {
		d.Hide()
		do()
	})
	keepBtn := widget.NewButton(keep, d.Hide)
	keepBtn.Importance = widget.HighImportance
	d.SetButtons([]fyne.CanvasObject{actBtn, keepBtn})
	showHouse(d, win, houseOpts{size: fyne.NewSize(errorDialogWidth, 0)})
}

// fileDialogSize is the size a file or folder chooser wants.
var fileDialogSize = fyne.NewSize(800, 560)

// showFile shows a file or folder chooser on parent, no larger than its
// window, with the places on its left in the user's language.
func showFile(d *dialog.FileDialog, parent fyne.Window) {
	d.Resize(fitSize(fileDialogSize, parent.Canvas().Size(), houseMargin))
	d.Show()
	translatePlaces(parent.Canvas().Overlays().Top())
}

// showFolderOpen is dialog.ShowFolderOpen no larger than parent.
func showFolderOpen(callback func(fyne.ListableURI, error), parent fyne.Window) {
	showFile(dialog.NewFolderOpen(callback, parent), parent)
}

// muted runs set with the change callback at cb off, so that what the
// program shows is not taken for the user's change.
func muted[T any](cb *func(T), set func()) {
	saved := *cb
	*cb = nil
	defer func() { *cb = saved }()
	set()
}
