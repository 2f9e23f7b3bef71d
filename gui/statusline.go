package gui

import (
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// statusLine says how the last action in a window went. A failure is
// said as one, in the danger colour, with "Details" when the failure's own
// words add facts (errDetails). A line may offer one of its actions (such
// as "Show in folder") until the next line takes it away.
type statusLine struct {
	*widget.Label
	details *widget.Button
	actions []*widget.Button   // offered by offer, the line's own
	row     *fyne.Container    // the buttons, when they go under the line
	failure error              // what details shows
	win     func() fyne.Window // the window Details opens on
	content fyne.CanvasObject  // the line and its buttons
}

// newStatusLine makes a line with "Details" beside it. Where the line has
// actions, all its buttons go in a row under it instead, which suits a
// narrow pane.
func newStatusLine(win func() fyne.Window, actions ...*widget.Button) *statusLine {
	s := &statusLine{Label: widget.NewLabel(""), win: win, actions: actions}
	s.Wrapping = fyne.TextWrapWord
	s.details = widget.NewButtonWithIcon(lang.L("Details"), theme.InfoIcon(), func() { showFailure(s.win(), s.failure) })
	s.details.Hide()
	if len(actions) == 0 {
		s.content = container.NewBorder(nil, nil, nil, s.details, s.Label)
		return s
	}
	s.details.Importance = widget.LowImportance
	s.row = container.NewHBox()
	for _, b := range actions {
		b.Hide()
		s.row.Add(b)
	}
	s.row.Add(s.details)
	s.row.Hide()
	s.content = container.NewVBox(s.Label, s.row)
	return s
}

// say puts text, which tells of no failure, in the line.
func (s *statusLine) say(text string) {
	s.set(text, widget.MediumImportance, nil)
}

// fail puts text, a sentence about err, in the line as a failure; err may
// be nil when the sentence says all there is.
func (s *statusLine) fail(text string, err error) {
	if errDetails(err) == "" {
		err = nil
	} else {
		err = &explained{text: text, cause: err}
	}
	s.set(text, widget.DangerImportance, err)
}

// offer shows action, one of the line's own, until the next line.
func (s *statusLine) offer(action *widget.Button) {
	if slices.Contains(s.actions, action) {
		action.Show()
		s.row.Show()
	}
}

func (s *statusLine) set(text string, importance widget.Importance, failure error) {
	s.failure = failure
	s.Importance = importance
	s.SetText(text) // refreshes the colour too
	for _, b := range s.actions {
		b.Hide()
	}
	if failure != nil {
		s.details.Show()
	} else {
		s.details.Hide()
	}
	if s.row != nil {
		if failure != nil {
			s.row.Show()
		} else {
			s.row.Hide()
		}
	}
}

// showFailure shows a failure a status line tells of, with its cause,
// secrets removed (errDetails).
func showFailure(win fyne.Window, err error) {
	if err != nil {
		showErrorDialog(win, lang.L("What went wrong"), err)
	}
}
