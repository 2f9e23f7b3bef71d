package gui

import (
	"runtime"
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
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

// guideRow is one line of the keyboard guide: the keys, as written on the
// keyboard, and what they do (a translation key).
type guideRow struct {
	keys string
	what string
}

// guideShortcuts are the main window's shortcuts, in the order the guide
// lists them; every shortcut of mainwindow.go belongs here.
var guideShortcuts = []struct {
	shortcut *desktop.CustomShortcut
	what     string
}{
	{shortcutGenerate, translateLater("Make a video from the prompt (Generate)")},
	{shortcutGeneratePad, translateLater("Make a video from the prompt (Generate)")},
	{shortcutNew, translateLater("Write a new prompt")},
	{shortcutFind, translateLater("Search the library")},
	{shortcutSettings, translateLater("Open Settings")},
	{shortcutStoryboard, translateLater("Open the Storyboard")},
	{shortcutQuit, translateLater("Quit Reelhouse")},
}

// keyboardGuide is every key Reelhouse answers, with what it does.
func keyboardGuide() []guideRow {
	var rows []guideRow
	seen := map[string]bool{}
	for _, s := range guideShortcuts {
		keys := shortcutText(s.shortcut.Modifier, s.shortcut.KeyName)
		if !seen[keys] { // Enter and the keypad's Enter are one key to a person
			seen[keys] = true
			rows = append(rows, guideRow{keys, s.what})
		}
	}
	return append(rows,
		guideRow{shortcutText(fyne.KeyModifierShortcutDefault, fyne.KeyA), translateLater("Pick every video in the library")},
		guideRow{shortcutText(fyne.KeyModifierShortcutDefault, fyne.KeyW), translateLater("Close the window (Usage, Compare and the other windows besides the main one)")},
		guideRow{keyText(fyne.KeyReturn), translateLater("Do what the highlighted button of a window or question does")},
		guideRow{keyText(fyne.KeyEscape), translateLater("Cancel, or close the question or window on top")},
		guideRow{keyText(fyne.KeySpace), translateLater("Play or pause the video on screen (while you are not typing)")},
		guideRow{"↑ ↓", translateLater("Move through the videos in the library (← → too in the grid)")},
		guideRow{keyText(fyne.KeyDelete), translateLater("Move the selected video to the trash")},
		guideRow{lang.L("{{.Key}}-click", map[string]any{"Key": modifierText(fyne.KeyModifierShortcutDefault)}), translateLater("Pick one more video, or leave it out")},
		guideRow{lang.L("{{.Key}}-click", map[string]any{"Key": modifierText(fyne.KeyModifierShift)}), translateLater("Pick every video from the selected one to this one")},
	)
}

// modifierText names a modifier key as it is written on the keyboard.
func modifierText(m fyne.KeyModifier) string {
	var names []string
	if m&fyne.KeyModifierShortcutDefault != 0 {
		if runtime.GOOS == "darwin" {
			names = append(names, "Cmd")
		} else {
			names = append(names, "Ctrl")
		}
	}
	if m&fyne.KeyModifierAlt != 0 {
		names = append(names, "Alt")
	}
	if m&fyne.KeyModifierShift != 0 {
		names = append(names, "Shift")
	}
	return strings.Join(names, "+")
}

// shortcutText is a shortcut as written on the keyboard: Ctrl+Q.
func shortcutText(m fyne.KeyModifier, key fyne.KeyName) string {
	if m == 0 {
		return keyText(key)
	}
	return modifierText(m) + "+" + keyText(key)
}

// keyText is a key's name as written on the keyboard.
func keyText(key fyne.KeyName) string {
	switch key {
	case fyne.KeyReturn, fyne.KeyEnter:
		return "Enter"
	case fyne.KeyEscape:
		return "Esc"
	case fyne.KeySpace:
		return lang.L("Space")
	}
	return string(key)
}

// guideSteps are the steps of "Getting started": a heading and its
// sentence, both translation keys.
var guideSteps = [][2]string{
	{translateLater("1. Add your API key, or try the demo"),
		translateLater("Reelhouse makes videos with an online video service. The first time it starts, it asks for the API key your service gave you; you can change it later in Settings. The demo shows how everything works with sample videos, and needs no account.")},
	{translateLater("2. Write a prompt"),
		translateLater("In the Prompt box on the left, describe the video in a few sentences: what happens, where, the light, the camera. You can also add a picture for the video to start from.")},
	{translateLater("3. Press Generate"),
		translateLater("The service takes a few minutes to make a video. You can carry on writing meanwhile; the library on the right shows how far each video is.")},
	{translateLater("4. Find your videos"),
		translateLater("Each finished video is downloaded into your library folder and listed in the library on the right.")},
	{translateLater("5. Play"),
		translateLater("Select a video in the library to watch it in Reelhouse; Space plays and pauses. “Open in your video player” opens it in another program.")},
}

// gettingStarted is the guide's first page: the steps from the key to a
// video playing, and where the videos go.
func (mw *mainWindow) gettingStarted() fyne.CanvasObject {
	box := container.NewVBox()
	for _, step := range guideSteps {
		text := widget.NewLabel(lang.L(step[1]))
		text.Wrapping = fyne.TextWrapWord
		box.Add(widget.NewLabelWithStyle(lang.L(step[0]), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
		box.Add(text)
	}
	folder := widget.NewLabel(libraryText(userText(mw.ui.deps.Library.Dir())))
	folder.Wrapping = fyne.TextWrapWord
	box.Add(folder)
	return box
}

// keyboardShortcuts is the guide's page of keys.
func keyboardShortcuts() fyne.CanvasObject {
	grid := container.New(layout.NewFormLayout())
	for _, row := range keyboardGuide() {
		what := widget.NewLabel(lang.L(row.what))
		what.Wrapping = fyne.TextWrapWord
		grid.Add(widget.NewLabelWithStyle(row.keys, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
		grid.Add(what)
	}
	note := widget.NewLabel(lang.L("The menus show the same shortcuts beside their items."))
	note.Wrapping = fyne.TextWrapWord
	return container.NewVBox(grid, note)
}

// onGuide shows one page of the guide in a dialog that scrolls, to fit a
// laptop's screen.
func (mw *mainWindow) onGuide(title string, content fyne.CanvasObject) {
	d := dialog.NewCustom(title, lang.L("Close"), container.NewVScroll(content), mw.ui.main)
	showHouse(d, mw.ui.main, houseOpts{size: fyne.NewSize(620, 560)})
}

func (mw *mainWindow) onGettingStarted() {
	mw.onGuide(lang.L("Getting started"), mw.gettingStarted())
}

func (mw *mainWindow) onKeyboardShortcuts() {
	mw.onGuide(lang.L("Keyboard shortcuts"), keyboardShortcuts())
}
