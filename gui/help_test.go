package gui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
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
