package gui

import (
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// licencesWidth is the width of the licences' list in the About dialog.
const licencesWidth = 600

// licencesView shows the licences' text as a list of lines, of which only
// those on screen are made: the text is 190 KB, and one label holding it
// took seconds to lay out, with the menu still open meanwhile.
func licencesView(text string) fyne.CanvasObject {
	style := fyne.TextStyle{Monospace: true}
	size := theme.CaptionTextSize()
	char := fyne.MeasureText("M", size, style).Width
	columns := max(40, int((licencesWidth-4*theme.Padding())/char))
	lines := wrapLines(text, columns)
	list := widget.NewList(
		func() int { return len(lines) },
		func() fyne.CanvasObject {
			t := canvas.NewText("", theme.Color(theme.ColorNameForeground))
			t.TextStyle, t.TextSize = style, size
			return t
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			t := o.(*canvas.Text)
			t.Text = lines[id]
			t.Color = theme.Color(theme.ColorNameForeground)
			t.Refresh()
		},
	)
	list.HideSeparators = true
	list.OnSelected = func(widget.ListItemID) { list.UnselectAll() } // text to read, not items to pick
	return list
}

// wrapLines cuts text into lines of at most columns characters, breaking
// long lines at a space where there is one.
func wrapLines(text string, columns int) []string {
	text = strings.ReplaceAll(text, "\t", "    ")
	var out []string
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		line = strings.TrimRight(line, " \r")
		for utf8.RuneCountInString(line) > columns {
			cut := byteIndex(line, columns)
			indent := len(line) - len(strings.TrimLeft(line, " "))
			if sp := strings.LastIndexByte(line[:cut+1], ' '); sp > indent {
				cut = sp
			}
			out = append(out, strings.TrimRight(line[:cut], " "))
			line = strings.TrimLeft(line[cut:], " ")
		}
		out = append(out, line)
	}
	return out
}

// byteIndex is the index in s of its rune number n.
func byteIndex(s string, n int) int {
	for i := range s {
		if n == 0 {
			return i
		}
		n--
	}
	return len(s)
}

// aboutContent is the About dialog's content and size: which Reelhouse
// this is, where it keeps things, and the licences of what it is built
// from, shown at once.
func (mw *mainWindow) aboutContent() (fyne.CanvasObject, fyne.Size) {
	version := mw.ui.deps.Version
	if version == "" {
		version = lang.L("(development build)")
	}
	data := mw.ui.deps.DataDir
	if data == "" {
		data = "—"
	}
	msg := widget.NewLabel(lang.L("Reelhouse {{.Version}}\n\nLibrary folder: {{.Library}}\nData folder: {{.Data}}",
		map[string]any{"Version": version, "Library": userText(mw.ui.deps.Library.Dir()), "Data": userText(data)}))
	msg.Wrapping = fyne.TextWrapWord
	if mw.ui.deps.Licences == "" {
		return msg, fyne.NewSize(520, 220)
	}
	heading := widget.NewLabelWithStyle(lang.L("Licences of the parts Reelhouse is built from"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	top := container.NewVBox(msg, heading)
	return container.NewBorder(top, nil, nil, nil, licencesView(mw.ui.deps.Licences)), fyne.NewSize(licencesWidth+40, 560)
}
