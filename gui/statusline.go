package gui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// statusLine says how the last action in a window went. A failure is
// said as one, in the danger colour, with "Details" beside it when the
// failure's own words add facts (errDetails); the next line takes both
// away.
type statusLine struct {
	*widget.Label
	details *widget.Button
	failure error
	win     func() fyne.Window // the window Details opens on
	content fyne.CanvasObject  // the line with Details beside it
}

func newStatusLine(win func() fyne.Window) *statusLine {
	s := &statusLine{Label: widget.NewLabel(""), win: win}
	s.Wrapping = fyne.TextWrapWord
	s.details = widget.NewButtonWithIcon(lang.L("Details"), theme.InfoIcon(), func() { showFailure(s.win(), s.failure) })
	s.details.Hide()
	s.content = container.NewBorder(nil, nil, nil, s.details, s.Label)
	return s
}

// say puts text, which tells of no failure, in the line.
func (s *statusLine) say(text string) {
	s.failure = nil
	s.details.Hide()
	s.Importance = widget.MediumImportance
	s.SetText(text)
}

// fail puts text, a sentence about err, in the line as a failure.
func (s *statusLine) fail(text string, err error) {
	s.say(text)
	s.Importance = widget.DangerImportance
	s.Refresh()
	if errDetails(err) == "" {
		return
	}
	s.failure = &explained{text: text, cause: err}
	s.details.Show()
}

// showFailure shows a failure a status line tells of, with its cause,
// secrets removed (errDetails).
func showFailure(win fyne.Window, err error) {
	if err != nil {
		dialog.NewCustom(lang.L("What went wrong"), lang.L("OK"), errorContent(err), win).Show()
	}
}
