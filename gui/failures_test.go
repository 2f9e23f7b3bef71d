package gui

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history"
	"github.com/reelhouse/reelhouse/history/store"

	_ "modernc.org/sqlite" // to make the history's writes fail for real
)

// TestGenerateTellsUnrecordedTaskID: the service made the task but the
// history refused to record it; the status line gives the user its id.
func TestGenerateTellsUnrecordedTaskID(t *testing.T) {
	h := newHarness(t, nil, true)
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: h.db}).EscapedPath()+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(t.Context(), `CREATE TRIGGER fail_task_id BEFORE UPDATE OF task_id ON tasks
		BEGIN SELECT RAISE(ABORT, 'disk refused the write (injected)'); END`); err != nil {
		t.Fatal(err)
	}
	c := h.ui.compose
	test.Type(c.prompt, "A lighthouse at dusk")
	test.Tap(c.generate)
	h.loop.until(t, "the answer to Generate", func() bool { return !c.inFlight })
	ids := h.sim.TaskIDs()
	if len(ids) != 1 {
		t.Fatalf("the service made %d tasks", len(ids))
	}
	if !strings.Contains(c.status.Text, ids[0]) || strings.HasPrefix(c.status.Text, "Started") || strings.HasPrefix(c.status.Text, "Not sent") {
		t.Errorf("status line %q does not give the task id %s", c.status.Text, ids[0])
	}
}

// TestTrackerStoppedIsShown: a tracker that ends by itself is shown in the
// main window with what to do.
func TestTrackerStoppedIsShown(t *testing.T) {
	h := newHarness(t, nil, true)
	h.ui.TrackerStopped(fmt.Errorf("%w: task 3 has an unreadable request", history.ErrResume))
	w := h.ui.compose.win
	h.loop.until(t, "a dialog", func() bool { return len(w.Canvas().Overlays().List()) > 0 })
	text := overlayText(w)
	for _, want := range []string{"could not read its history", "start it again", "Copy diagnostics"} {
		if !strings.Contains(text, want) {
			t.Errorf("dialog lacks %q: %s", want, text)
		}
	}
}

// TestTrackerStoppedRedactsDetails: the details of a tracker that ended
// by itself go through the same redaction as every other dialog's: no
// registered key and no signed link's secret part.
func TestTrackerStoppedRedactsDetails(t *testing.T) {
	h := newHarness(t, nil, true)
	const key = "sk-tracker-stopped-5e1f"
	client.RegisterSecret(key)
	cause := fmt.Errorf("%w: key %s, get https://cdn.example.com/v.mp4?X-Amz-Signature=s3cr3t failed", history.ErrResume, key)
	for _, text := range []string{trackerStoppedText(cause), trackerStoppedText(errors.New("stopped with key " + key + " at https://cdn.example.com/v.mp4?X-Amz-Signature=s3cr3t"))} {
		if strings.Contains(text, key) || strings.Contains(text, "s3cr3t") {
			t.Errorf("the sentence shows a secret: %q", text)
		}
		if !strings.Contains(text, "cdn.example.com/v.mp4") {
			t.Errorf("the sentence lost the details: %q", text)
		}
	}
	h.ui.TrackerStopped(cause)
	w := h.ui.main
	h.loop.until(t, "a dialog", func() bool { return len(w.Canvas().Overlays().List()) > 0 })
	if text := overlayText(w); strings.Contains(text, key) || strings.Contains(text, "s3cr3t") {
		t.Errorf("the dialog shows a secret: %s", text)
	}
}

// TestDoDropsWorkAfterTheLoopStopped: once Fyne's event loop has stopped
// (fyne.Do would then run work on the calling goroutine), u.do runs
// nothing more, even work queued before.
func TestDoDropsWorkAfterTheLoopStopped(t *testing.T) {
	h := newHarness(t, nil, true)
	do := h.ui.uiDo(h.loop.do) // the wrapping New gives fyne.Do
	ran := 0
	do(func() { ran++ })
	h.loop.pump()
	if ran != 1 {
		t.Fatalf("ran %d times while the loop runs, want 1", ran)
	}
	do(func() { ran++ }) // queued, not yet run when the loop stops
	lc, ok := h.ui.app.Lifecycle().(interface{ OnStopped() func() })
	if !ok || lc.OnStopped() == nil {
		t.Fatal("the UI does not follow the app's lifecycle")
	}
	lc.OnStopped()() // as the driver does when its loop ends
	do(func() { ran++ })
	h.loop.pump()
	if ran != 1 {
		t.Errorf("work ran %d more times after the loop stopped", ran-1)
	}
}

// TestStartupErrorSentences: each start-up problem has its own sentence,
// naming the folder or address it is about.
func TestStartupErrorSentences(t *testing.T) {
	cause := fmt.Errorf("permission denied")
	for p := StartupDemoFolder; p <= StartupServer; p++ {
		got := startupText(&StartupError{Problem: p, Detail: "/some/where", Err: cause})
		if strings.Contains(got, "start-up problem") || !strings.Contains(got, "permission denied") {
			t.Errorf("problem %d: %q", p, got)
		}
		if p >= StartupDataFolder && !strings.Contains(got, "/some/where") {
			t.Errorf("problem %d does not name what it is about: %q", p, got)
		}
	}
	got := startupText(&StartupError{Problem: StartupDataFolder, Err: store.ErrAlreadyRunning})
	if !strings.Contains(got, "already running") {
		t.Errorf("already running: %q", got)
	}
}

// TestCopyDiagnostics puts the gathered text on the clipboard.
func TestCopyDiagnostics(t *testing.T) {
	h := newHarness(t, nil, true)
	h.ui.deps.Diagnostics = func(context.Context) (string, error) { return "Reelhouse test\nGo x", nil }
	hv := h.ui.library
	hv.menu.onCopyDiagnostics()
	h.loop.until(t, "the confirmation", func() bool { return len(hv.win.Canvas().Overlays().List()) > 0 })
	if got := h.ui.app.Clipboard().Content(); got != "Reelhouse test\nGo x" {
		t.Errorf("clipboard holds %q", got)
	}
}
