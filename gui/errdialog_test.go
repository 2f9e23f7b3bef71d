package gui

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history/media/mediatest"
	"github.com/reelhouse/reelhouse/history/store"
)

// dialogWords are the texts of the dialog on top of w: those a person
// reads at once, and those folded under "Details".
func dialogWords(w fyne.Window) (shown, details []string) {
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		switch o := o.(type) {
		case *widget.Accordion:
			for _, item := range o.Items {
				if l, ok := item.Detail.(*widget.Label); ok {
					details = append(details, item.Title+": "+l.Text)
				}
			}
			return
		case *widget.Label:
			shown = append(shown, o.Text)
			return
		case *fyne.Container:
			for _, c := range o.Objects {
				walk(c)
			}
			return
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(o).Objects() {
				walk(c)
			}
		}
	}
	if top := w.Canvas().Overlays().Top(); top != nil {
		walk(top)
	}
	return shown, details
}

var englishWord = regexp.MustCompile(`[A-Za-z]{4,}`)

// assertNoEnglishFacts fails when the dialog on w shows, outside
// "Details", a word of err's own English text, or does not hold that
// text under "Details".
func assertNoEnglishFacts(t *testing.T, w fyne.Window, err error) {
	t.Helper()
	shown, details := dialogWords(w)
	text := strings.Join(shown, "\n")
	if text == "" {
		t.Fatalf("no dialog shows %q", err)
	}
	for _, word := range englishWord.FindAllString(err.Error(), -1) {
		if word != "Reelhouse" && word != "HTTP" && strings.Contains(text, word) {
			t.Errorf("the dialog for %q shows the English %q:\n%s", err, word, text)
		}
	}
	want := lang.L("Details") + ": " + client.RedactText(err.Error())
	if len(details) != 1 || details[0] != want {
		t.Errorf("the dialog for %q has under Details %q, want %q", err, details, want)
	}
}

// TestErrorDialogsShowNoEnglishFacts: in Chinese, an error dialog says a
// translated sentence chosen by the error's code; the error's own English
// facts are only under "Details".
func TestErrorDialogsShowNoEnglishFacts(t *testing.T) {
	useChinese(t)
	h := newHarness(t, nil, true)
	w := h.ui.main

	// A real failure to reach a server: nobody listens on the port.
	addr := closedAddr(t)
	closed, err := client.New("http://"+addr, client.WithAPIKey("sk-test"))
	if err != nil {
		t.Fatal(err)
	}
	_, unreachable := closed.Task(t.Context(), "x")
	if unreachable == nil {
		t.Fatal("a closed port answered")
	}

	for name, err := range map[string]error{
		"wrapped unreachable": fmt.Errorf("checking task 7: %w", unreachable),
		"store":               &store.StoreError{Op: store.OpRecordRequest, Err: errors.New("database is locked")},
		"folder":              &store.FolderError{Op: store.OpWriteLibrary, Path: "/v", Err: &fs.PathError{Op: "write", Path: "/v/a.mp4", Err: syscall.EIO}},
		"service message":     &client.APIError{Op: client.OpCreate, StatusCode: 400, Message: "prompt is required"},
		"stalled":             &client.Error{Op: client.OpDownload, Code: client.CodeStalled, Detail: "no data for 30 s"},
		"nobody words it":     errors.New("unexpected trailing bytes in thumbnail"),
	} {
		t.Run(name, func(t *testing.T) {
			h.ui.showError(w, lang.L("Could not check the task"), err)
			h.loop.pump()
			assertNoEnglishFacts(t, w, err)
			closeTopDialog(w.Canvas())
		})
	}
}

// TestContinueFailureIsTranslated: when the last frame of a video cannot
// be taken, the dialog says so in the person's language; what ffmpeg said
// is under "Details".
func TestContinueFailureIsTranslated(t *testing.T) {
	mediatest.Need(t, "ffmpeg")
	useChinese(t)
	h := newHarness(t, nil, true)
	r := h.downloadOne(t, "a lighthouse at dusk")
	p, err := h.deps.Library.Folder().Abs(r.Files[0].Path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("not a video at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	h.ui.continueFlow.continueVideo(r, 0)
	w := h.ui.main
	h.loop.until(t, "a dialog", func() bool { return w.Canvas().Overlays().Top() != nil })
	shown, details := dialogWords(w)
	text := strings.Join(shown, "\n")
	if !strings.Contains(text, lang.L("Could not take the last frame")) {
		t.Errorf("the dialog says %q", text)
	}
	if englishWord.MatchString(strings.ReplaceAll(text, "Reelhouse", "")) {
		t.Errorf("the dialog shows English: %q", text)
	}
	if len(details) != 1 || !strings.Contains(details[0], filepath.Base(p)) && !strings.Contains(details[0], "ffmpeg") {
		t.Errorf("Details hold %q, want what ffmpeg said", details)
	}
}
