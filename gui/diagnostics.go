package gui

import (
	"context"
	"errors"

	"fyne.io/fyne/v2/lang"
)

// onCopyDiagnostics puts what a bug report needs (versions, settings
// without the key, the end of the log) on the clipboard.
func (v *libraryMenu) onCopyDiagnostics() {
	gather := v.ui.deps.Diagnostics
	if gather == nil {
		showInfo(lang.L("Copy diagnostics"), lang.L("Diagnostics are not available in this run."), v.win)
		return
	}
	v.ui.background(func(ctx context.Context) {
		text, err := gather(ctx)
		if err != nil {
			v.ui.showError(v.win, lang.L("Could not gather diagnostics"), err)
			return
		}
		v.ui.do(func() { v.onDiagnosticsReady(text) })
	})
}

// onDiagnosticsReady runs on the UI goroutine.
func (v *libraryMenu) onDiagnosticsReady(text string) {
	if text == "" {
		v.ui.showError(v.win, lang.L("Could not gather diagnostics"), errors.New("there is nothing to copy"))
		return
	}
	v.ui.app.Clipboard().SetContent(text)
	showInfo(lang.L("Diagnostics copied"),
		lang.L("Versions, settings (never your API key) and the end of Reelhouse's log are on the clipboard. Paste them into your bug report."), v.win)
}
