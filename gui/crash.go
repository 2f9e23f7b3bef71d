package gui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"
)

// crashText is what the user reads at the start after Reelhouse met a bug
// of its own.
const crashText = "Reelhouse ran into a problem of its own the last time it was used, and kept a record of it. " +
	"Nothing you made is lost: unfinished videos carry on as usual.\n\n" +
	"To help fix it, copy the details (they hold no API key and no private link) and paste them into a bug report."

// ShowCrashReport tells the user, once, that Reelhouse met a bug since the
// last start (report is Deps.CrashReport), with "Copy details" for a bug
// report. It does nothing for an empty report. Call it on the UI goroutine.
func ShowCrashReport(w fyne.Window, report string) {
	if report == "" {
		return
	}
	msg := widget.NewLabel(lang.L(crashText))
	msg.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustomConfirm(lang.L("Reelhouse met a problem"), lang.L("Copy details"), lang.L("Close"), msg, func(copyDetails bool) {
		if !copyDetails {
			return
		}
		fyne.CurrentApp().Clipboard().SetContent(report)
		showInfo(lang.L("Details copied"), lang.L("The details are on the clipboard. Paste them into your bug report."), w)
	}, w)
	showHouse(d, w, houseOpts{size: fyne.NewSize(480, 260)})
}
