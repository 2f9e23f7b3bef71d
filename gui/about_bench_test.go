package gui

// How long About takes to show its licences, with Fyne's test driver:
// from the Help menu's item to a drawn dialog whose licence text can be
// read.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/reelhouse/reelhouse/history/library"
)

// readLicences is the text the app embeds from docs/licenses.txt.
func readLicences(tb testing.TB) string {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("..", "docs", "licenses.txt"))
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// mainMenuItem is the item of the main menu labelled label.
func mainMenuItem(tb testing.TB, m *fyne.MainMenu, label string) *fyne.MenuItem {
	tb.Helper()
	for _, menu := range m.Items {
		for _, i := range menu.Items {
			if i.Label == label {
				return i
			}
		}
	}
	tb.Fatalf("no menu item %q", label)
	return nil
}

// drawnLines are the lines of text drawn in o: the visible canvas.Text
// objects of its widgets. With unfold, each folded accordion in o is
// opened first, as a person would, by tapping its header.
func drawnLines(o fyne.CanvasObject, unfold bool) []string {
	var out []string
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		switch o := o.(type) {
		case *canvas.Text:
			out = append(out, o.Text)
		case *fyne.Container:
			for _, c := range o.Objects {
				walk(c)
			}
		case fyne.Widget:
			if a, ok := o.(*widget.Accordion); ok && unfold {
				a.OpenAll()
			}
			for _, c := range test.WidgetRenderer(o).Objects() {
				walk(c)
			}
		}
	}
	walk(o)
	return out
}

// BenchmarkAboutOpen times Help ▸ About until the licences can be read:
// the dialog laid out and drawn with a line of the licences (past their
// header) among its shown texts. Metric: open-ms (median).
func BenchmarkAboutOpen(b *testing.B) {
	licences := readLicences(b)
	want := "fyne.io/fyne/v2 v2.7.1"
	hist := benchStore(b, 0)
	folder, err := library.OpenFolder(filepath.Join(b.TempDir(), "Library"))
	if err != nil {
		b.Fatal(err)
	}
	lib := library.New(hist, folder)
	var opens []float64
	for b.Loop() {
		a := test.NewTempApp(b)
		a.Settings().SetTheme(theme.DefaultTheme())
		ui, _ := benchUI(a, hist, lib)
		ui.deps.Licences = licences
		ui.main.Resize(fyne.NewSize(1280, 720))
		about := mainMenuItem(b, ui.mainWin.mainMenu(), "About Reelhouse")
		start := time.Now()
		about.Action()
		top := ui.main.Canvas().Overlays().Top()
		if top == nil {
			b.Fatal("About did not open")
		}
		readable := false
		for !readable {
			for _, s := range drawnLines(top, true) {
				if strings.Contains(s, want) {
					readable = true
				}
			}
			ui.main.Canvas().Capture()
			if !readable && time.Since(start) > time.Minute {
				b.Fatal("the licences never showed")
			}
		}
		opens = append(opens, float64(time.Since(start))/float64(time.Millisecond))
		ui.cancel()
		ui.wg.Wait()
		ui.main.Close()
	}
	b.ReportMetric(median(opens), "open-ms")
}
