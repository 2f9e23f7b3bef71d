package gui

import (
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/client/apitest"
	"github.com/reelhouse/reelhouse/history/store"
)

// TestLibraryFolderNotThere: the library's drive is unplugged. Checking
// the folder shows a banner with its path, a question and a way out, and
// the video's detail says the folder is not there instead of sending the
// user to download it again; nothing is made in the folder's place, and
// the banner goes when the drive is back.
func TestLibraryFolderNotThere(t *testing.T) {
	h := newHarnessWith(t, apitest.Config{})
	hv := h.ui.library
	hv.win.Resize(fyne.NewSize(1100, 700))
	rec, err := h.deps.Tracker.Submit(t.Context(), client.CreateRequest{Model: "m", Prompt: "a harbour at dawn"})
	if err != nil {
		t.Fatal(err)
	}
	h.loop.until(t, "the video downloaded", func() bool {
		r, err := h.deps.Store.Get(t.Context(), rec.ID)
		return err == nil && r.Download == store.DownloadDone
	})
	dir := h.deps.Library.Dir()
	away := dir + "-unplugged"
	if err := os.Rename(dir, away); err != nil {
		t.Fatal(err)
	}

	hv.menu.onReconcile()
	h.loop.until(t, "the folder banner", hv.folderBanner.Visible)
	if text := hv.folderText.Text; !strings.Contains(text, dir) || !strings.Contains(text, "Is the drive connected?") {
		t.Errorf("the banner says %q", text)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s was made again (%v)", dir, err)
	}
	r, err := h.deps.Store.Get(t.Context(), rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if missing(r) {
		t.Error("the video on the unplugged drive was marked missing")
	}
	hv.selectRecord(r)
	h.loop.pump()
	problem := hv.detail.fields["Problem"]
	if !problem.Visible() || !strings.Contains(problem.Text, "The library folder is not available") || strings.Contains(problem.Text, "Retry download") {
		t.Errorf("the detail says %q (shown: %v)", problem.Text, problem.Visible())
	}
	if i := hv.model.indexOf(rec.ID); i < 0 || hv.wait.rowStatus(hv.model.records[i]) == "File missing" {
		t.Error("the row says the file is missing")
	}
	if hv.detail.player != nil || !hv.detail.actions.openBtn.Disabled() {
		t.Error("the detail offers to play or open a video whose folder is not there")
	}
	capture(t, hv.win, "library-folder-not-there")

	test.Tap(hv.folderChoose)
	if top := h.ui.settings.win.Canvas().Overlays().Top(); top == nil {
		t.Error("“Choose another folder…” opened no folder choice")
	}

	if err := os.Rename(away, dir); err != nil {
		t.Fatal(err)
	}
	h.loop.until(t, "the banner gone", func() bool { return !hv.folderBanner.Visible() })
	if hv.detail.actions.openBtn.Disabled() {
		t.Error("the video cannot be opened once its folder is back")
	}
	if strings.Contains(hv.detail.fields["Problem"].Text, "library folder") {
		t.Errorf("the detail still says %q", hv.detail.fields["Problem"].Text)
	}
}
