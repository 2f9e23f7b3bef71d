package gui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// TestCrashReportCopiesDetails: the start after a crash says so once, and
// "Copy details" puts the crash record on the clipboard.
func TestCrashReportCopiesDetails(t *testing.T) {
	a := test.NewTempApp(t)
	w := a.NewWindow("Reelhouse")
	w.Resize(fyne.NewSize(800, 600))
	w.Show()
	const report = "crash-20250101-120000.000.txt\nReelhouse 0.1.0\nWhere: poll\nPanic: boom\n"
	ShowCrashReport(w, report)
	text := overlayText(w)
	for _, want := range []string{"Reelhouse met a problem", "ran into a problem", "Copy details", "Close"} {
		if !strings.Contains(text, want) {
			t.Errorf("dialog lacks %q: %s", want, text)
		}
	}
	capture(t, w, "crash-report")
	overlays := w.Canvas().Overlays().List()
	if len(overlays) != 1 {
		t.Fatalf("%d overlays, want the one dialog", len(overlays))
	}
	b := findButton(overlays[0], "Copy details")
	if b == nil {
		t.Fatal("no Copy details button")
	}
	test.Tap(b)
	if got := a.Clipboard().Content(); got != report {
		t.Errorf("clipboard holds %q, want the report", got)
	}
	if !strings.Contains(overlayText(w), "Details copied") {
		t.Errorf("no confirmation after copying: %s", overlayText(w))
	}
}

// TestNoCrashReportNoDialog: a start without crashes shows nothing.
func TestNoCrashReportNoDialog(t *testing.T) {
	a := test.NewTempApp(t)
	w := a.NewWindow("Reelhouse")
	ShowCrashReport(w, "")
	if n := len(w.Canvas().Overlays().List()); n != 0 {
		t.Errorf("%d overlays without a report", n)
	}
}
