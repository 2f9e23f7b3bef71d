// Command idleref is the idle-cost benchmark's reference: a bare Fyne
// window with one label, of the main window's size, what any Fyne app
// costs while it waits.
package main

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/widget"
)

func main() {
	a := app.NewWithID("io.github.reelhouse.idleref")
	w := a.NewWindow("idleref")
	w.SetContent(widget.NewLabel("idle"))
	w.Resize(fyne.NewSize(1280, 720))
	w.ShowAndRun()
}
