package gui

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/reelhouse/reelhouse/history/store"
)

// About shows the licences at once, without a click, and makes only the
// lines on screen: one label of the whole 190 KB text took seconds to
// lay out, with the menu still open, and was sometimes drawn empty.
func TestAboutShowsLicencesAtOnce(t *testing.T) {
	h := newHarness(t, nil, true)
	h.ui.deps.Licences = readLicences(t)
	h.ui.main.Resize(fyne.NewSize(1280, 720))
	start := time.Now()
	mainMenuItem(t, h.ui.mainWin.mainMenu(), "About Reelhouse").Action()
	top := h.ui.main.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("About did not open")
	}
	capture(t, h.ui.main, "about")
	took := time.Since(start)
	lines := drawnLines(top, false)
	shown := strings.Join(lines, "\n")
	for _, want := range []string{"fyne.io/fyne/v2 v2.7.1", "Licences of the parts Reelhouse is built from"} {
		if !strings.Contains(shown, want) {
			t.Errorf("About does not show %q at once; it shows:\n%s", want, shown)
		}
	}
	if len(lines) > 200 {
		t.Errorf("About made %d lines of text; only those on screen should be made", len(lines))
	}
	if took > 2*time.Second {
		t.Errorf("About took %v to show its licences", took)
	}
}

// The licences' long lines are cut at spaces to fit the dialog, and no
// text is lost.
func TestWrapLines(t *testing.T) {
	got := wrapLines("short\n\tind\n  indented far\none two three four five six\n"+strings.Repeat("x", 12)+"\n", 10)
	want := []string{"short", "    ind", "  indented", "far", "one two", "three four", "five six", "xxxxxxxxxx", "xx"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("wrapLines = %q, want %q", got, want)
	}
}

// mainShortcutVars are the names of mainwindow.go's package-level
// variables holding a keyboard shortcut.
func mainShortcutVars(t *testing.T) []string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "mainwindow.go", nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.VAR {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			for i, v := range vs.Values {
				if u, ok := v.(*ast.UnaryExpr); ok {
					if lit, ok := u.X.(*ast.CompositeLit); ok {
						if sel, ok := lit.Type.(*ast.SelectorExpr); ok && sel.Sel.Name == "CustomShortcut" {
							names = append(names, vs.Names[i].Name)
						}
					}
				}
			}
		}
	}
	return names
}

// The keyboard guide lists every shortcut the main window defines, and
// the keys of the house: Enter, Esc, Space, the arrows, Delete.
func TestHelpGuideListsEveryShortcut(t *testing.T) {
	vars := mainShortcutVars(t)
	if len(vars) < 6 {
		t.Fatalf("found only %v in mainwindow.go; is the scan broken?", vars)
	}
	// Each variable is in the guide's list, by name.
	f, err := parser.ParseFile(token.NewFileSet(), "help.go", nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if vs, ok := n.(*ast.ValueSpec); ok && len(vs.Names) == 1 && vs.Names[0].Name == "guideShortcuts" {
			ast.Inspect(vs, func(n ast.Node) bool {
				if id, ok := n.(*ast.Ident); ok {
					listed[id.Name] = true
				}
				return true
			})
		}
		return true
	})
	for _, v := range vars {
		if !listed[v] {
			t.Errorf("the keyboard guide does not list %s", v)
		}
	}

	h := newHarness(t, nil, true)
	h.ui.main.Resize(fyne.NewSize(1366, 700))
	mainMenuItem(t, h.ui.mainWin.mainMenu(), "Keyboard shortcuts").Action()
	top := h.ui.main.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("Keyboard shortcuts did not open")
	}
	capture(t, h.ui.main, "keyboard-shortcuts")
	shown := "\n" + strings.Join(shownTexts(top), "\n") + "\n"
	want := []string{"Ctrl+Enter", "Ctrl+N", "Ctrl+F", "Ctrl+,", "Ctrl+B", "Ctrl+Q", "Ctrl+A", "Ctrl+W", "Enter", "Esc", "Space", "↑ ↓", "Delete",
		"Make a video from the prompt (Generate)", "Play or pause the video on screen (while you are not typing)"}
	if runtime.GOOS == "darwin" {
		want = nil
	}
	for _, s := range guideShortcuts {
		want = append(want, shortcutText(s.shortcut.Modifier, s.shortcut.KeyName), s.what)
	}
	for _, w := range want {
		if !strings.Contains(shown, "\n"+w+"\n") {
			t.Errorf("the keyboard guide does not show %q; it shows:%s", w, shown)
		}
	}
}

// Getting started says how to get from the key to a video playing, and
// where the videos go.
func TestHelpGettingStarted(t *testing.T) {
	h := newHarness(t, nil, true)
	h.ui.main.Resize(fyne.NewSize(1366, 700))
	mainMenuItem(t, h.ui.mainWin.mainMenu(), "Getting started").Action()
	top := h.ui.main.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("Getting started did not open")
	}
	capture(t, h.ui.main, "getting-started")
	shown := strings.Join(shownTexts(top), "\n")
	for _, w := range []string{"API key", "demo", "Write a prompt", "Generate", h.deps.Library.Dir(), "Space plays and pauses"} {
		if !strings.Contains(shown, w) {
			t.Errorf("Getting started does not say %q; it says:\n%s", w, shown)
		}
	}
}

// In Chinese, the Usage window's column headers and the Details facts
// are Chinese: the headers were translated once, when the program
// started, before the language was chosen.
func TestUsageHeadersAndDetailsInChinese(t *testing.T) {
	useChinese(t)
	h := newHarness(t, nil, true)
	h.ui.showUsage()
	v := h.ui.usage
	for col, want := range []string{"月份", "模型", "已生成视频", "失败", "视频秒数", "预估花费"} {
		l := v.table.CreateHeader()
		v.table.UpdateHeader(widget.TableCellID{Row: -1, Col: col}, l)
		if got := l.(*widget.Label).Text; got != want {
			t.Errorf("column %d is headed %q, want %q", col, got, want)
		}
	}
	if got := (usageLine{}).cells()[1]; got != "（未知）" {
		t.Errorf("a model not known reads %q", got)
	}
	if got := optionsText(store.Record{}); got != "模型默认设置" {
		t.Errorf("a video made with the model's defaults has the options %q", got)
	}
}

// In Chinese, the places on the left of the file dialog are Chinese, and
// so are the dialog's own words.
func TestFileDialogPlacesInChinese(t *testing.T) {
	useChinese(t)
	home := t.TempDir()
	for _, d := range []string{"Desktop", "Documents", "Downloads", "Music", "Pictures", "Videos"} {
		if err := os.Mkdir(filepath.Join(home, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("HOME", home)
	a := test.NewTempApp(t)
	w := a.NewWindow("")
	w.Resize(fyne.NewSize(1366, 700))
	showFolderOpen(func(fyne.ListableURI, error) {}, w)
	top := w.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no file dialog")
	}
	capture(t, w, "file-dialog-zh")
	shown := "\n" + strings.Join(shownTexts(top), "\n") + "\n"
	for _, want := range []string{"主文件夹", "计算机", "桌面", "文档", "下载", "音乐", "图片", "视频", "打开", "取消"} {
		if !strings.Contains(shown, "\n"+want+"\n") {
			t.Errorf("the file dialog does not show %q; it shows:%s", want, shown)
		}
	}
	// (The folders themselves keep their names on disk: Documents.)
	for _, english := range []string{"Home", "Computer", "Cancel", "Open"} {
		if strings.Contains(shown, "\n"+english+"\n") {
			t.Errorf("the file dialog shows %q in English", english)
		}
	}
}
