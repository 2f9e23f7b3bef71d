package gui

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history"
	"github.com/reelhouse/reelhouse/history/library"
	"github.com/reelhouse/reelhouse/history/store"
)

// stored reads a record as the history now holds it.
func (h *harness) stored(t *testing.T, id int64) store.Record {
	t.Helper()
	r, err := h.deps.Store.Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// startUI starts another UI on the harness's history and library, as a
// restart of Reelhouse does.
func startUI(t *testing.T, h *harness) *UI {
	t.Helper()
	return startUIWith(t, h, func(*UI) {})
}

// TestNoteSavedForItsRecordOnSelectionChange: a note typed for one video
// and not yet saved when another is selected is saved for the first one.
func TestNoteSavedForItsRecordOnSelectionChange(t *testing.T) {
	h := newHarness(t, nil, true)
	hv := h.ui.library
	timers := &fakeTimers{}
	hv.model.after = timers.after // the pause before saving never ends on its own
	first := h.downloadOne(t, "the first video")
	second := h.downloadOne(t, "the second video")

	hv.list.Select(hv.model.indexOf(first.ID))
	test.Type(hv.detail.editor.note, "for the first")
	hv.list.Select(hv.model.indexOf(second.ID))
	if hv.detail.editor.note.Text != "" {
		t.Errorf("the second video shows the note %q", hv.detail.editor.note.Text)
	}
	h.loop.until(t, "the note saved", func() bool { return h.stored(t, first.ID).Note == "for the first" })
	if n := h.stored(t, second.ID).Note; n != "" {
		t.Errorf("the second video got the note %q", n)
	}
	hv.list.Select(hv.model.indexOf(first.ID))
	if hv.detail.editor.note.Text != "for the first" {
		t.Errorf("back on the first video, the note reads %q", hv.detail.editor.note.Text)
	}
}

// TestTitleSavesItselfAfterAPause: a title is saved once typing pauses,
// says so quietly, reaches the sidecar, and names the video in the list.
func TestTitleSavesItselfAfterAPause(t *testing.T) {
	h := newHarness(t, nil, true)
	hv := h.ui.library
	timers := &fakeTimers{}
	hv.model.after = timers.after
	rec := h.downloadOne(t, "a harbour at dawn, boats leaving, gulls")
	hv.list.Select(hv.model.indexOf(rec.ID))
	test.Type(hv.detail.editor.title, "Harbour")
	h.loop.pump()
	if got := h.stored(t, rec.ID).Title; got != "" {
		t.Fatalf("saved %q while typing", got)
	}
	timers.fireAll()
	h.loop.until(t, "the title saved", func() bool {
		return h.stored(t, rec.ID).Title == "Harbour" && hv.detail.editor.saved.Text == "Saved"
	})
	p, _ := h.deps.Library.Folder().Abs(rec.Files[0].Path)
	sc, err := library.ReadSidecar(library.SidecarPath(p))
	if err != nil || sc.Title != "Harbour" {
		t.Errorf("sidecar title %q (%v)", sc.Title, err)
	}
	if filepath.Base(p) != filepath.Base(rec.Files[0].Path) || !strings.Contains(filepath.Base(p), "harbour") {
		t.Errorf("the file was renamed: %s", p)
	}
	h.loop.until(t, "the list row named by the title", func() bool {
		i := hv.model.indexOf(rec.ID)
		return i >= 0 && hv.model.records[i].Title == "Harbour"
	})
	if row := test.RenderObjectToMarkup(hv.list); !strings.Contains(row, "Harbour") {
		t.Errorf("the list does not show the title: %s", row)
	}
	test.Type(hv.detail.editor.title, "s")
	if hv.detail.editor.saved.Text != "" {
		t.Errorf("still says %q while typing again", hv.detail.editor.saved.Text)
	}
}

// TestTagChipsAddAndRemove: tags typed are shown as chips, a chip's button
// removes its tag, and both are saved.
func TestTagChipsAddAndRemove(t *testing.T) {
	h := newHarness(t, nil, true)
	hv := h.ui.library
	timers := &fakeTimers{}
	hv.model.after = timers.after
	rec := h.downloadOne(t, "tagged")
	hv.list.Select(hv.model.indexOf(rec.ID))
	test.Type(hv.detail.editor.tags, "Sea, holiday")
	hv.detail.editor.tags.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	if len(hv.detail.editor.chips.Objects) != 2 || hv.detail.editor.tags.Text != "" {
		t.Fatalf("%d chips, entry %q", len(hv.detail.editor.chips.Objects), hv.detail.editor.tags.Text)
	}
	test.Tap(hv.detail.editor.chips.Objects[0].(*widget.Button)) // "holiday": tags are kept in order
	test.Type(hv.detail.editor.tags, "boats")                    // typed, Enter not pressed
	hv.detail.editor.flushEdits()                                // as when the entry loses the focus
	h.loop.until(t, "the tags saved", func() bool {
		return slices.Equal(h.stored(t, rec.ID).Tags, []string{"boats", "sea"})
	})
	var chips []string
	for _, o := range hv.detail.editor.chips.Objects {
		chips = append(chips, o.(*widget.Button).Text)
	}
	if !slices.Equal(chips, []string{"boats", "sea"}) {
		t.Errorf("chips %v", chips)
	}
}

// TestDraftSavedOnQuitAndShownAfterRestart: what was typed but not yet
// saved when Reelhouse quits is there after a restart.
func TestDraftSavedOnQuitAndShownAfterRestart(t *testing.T) {
	h := newHarness(t, nil, true)
	hv := h.ui.library
	timers := &fakeTimers{}
	hv.model.after = timers.after
	rec := h.downloadOne(t, "kept across a restart")
	hv.list.Select(hv.model.indexOf(rec.ID))
	test.Type(hv.detail.editor.title, "Keeper")
	test.Type(hv.detail.editor.note, "an unsaved thought")
	test.Type(hv.detail.editor.tags, "draft")
	h.ui.mainWin.quitNow()
	h.ui.Stop()
	got := h.stored(t, rec.ID)
	if got.Title != "Keeper" || got.Note != "an unsaved thought" || !slices.Equal(got.Tags, []string{"draft"}) {
		t.Fatalf("after quitting: title %q, note %q, tags %v", got.Title, got.Note, got.Tags)
	}

	again := startUI(t, h).library
	h.loop.until(t, "the video listed again", func() bool { return again.model.indexOf(rec.ID) >= 0 })
	again.list.Select(again.model.indexOf(rec.ID))
	if again.detail.editor.title.Text != "Keeper" || again.detail.editor.note.Text != "an unsaved thought" || len(again.detail.editor.chips.Objects) != 1 {
		t.Errorf("after a restart: title %q, note %q, %d chips", again.detail.editor.title.Text, again.detail.editor.note.Text, len(again.detail.editor.chips.Objects))
	}
}

// TestTypingSurvivesLiveUpdates: a live update of the record shown leaves
// a tag being typed alone, and a saved title as it is being typed.
func TestTypingSurvivesLiveUpdates(t *testing.T) {
	h := newHarness(t, nil, true)
	hv := h.ui.library
	timers := &fakeTimers{}
	hv.model.after = timers.after
	rec, err := h.deps.Tracker.Submit(t.Context(), client.CreateRequest{Model: "m", Prompt: "still being made"})
	if err != nil {
		t.Fatal(err)
	}
	h.loop.until(t, "the row", func() bool { return hv.model.indexOf(rec.ID) >= 0 })
	hv.list.Select(hv.model.indexOf(rec.ID))
	test.Type(hv.detail.editor.tags, "half a ta") // a tag alone: nothing to save yet
	h.loop.until(t, "the download", func() bool {
		i := hv.model.indexOf(rec.ID)
		return i >= 0 && hv.model.records[i].Download == store.DownloadDone
	})
	if hv.detail.editor.tags.Text != "half a ta" {
		t.Errorf("the tag being typed was replaced by %q", hv.detail.editor.tags.Text)
	}
	// A title paused on a space keeps it when the saved record comes back.
	test.Type(hv.detail.editor.title, "Harbour ")
	timers.fireAll()
	h.loop.until(t, "the title saved", func() bool { return hv.detail.editor.saved.Text == "Saved" })
	test.Type(hv.detail.editor.title, "at dawn")
	if hv.detail.editor.title.Text != "Harbour at dawn" {
		t.Errorf("the title reads %q", hv.detail.editor.title.Text)
	}
}

// TestFailedVideoSaysWhatToDo: a failed video's problem is a plain
// sentence saying what to do; the service's code and message are behind
// "Details…".
func TestFailedVideoSaysWhatToDo(t *testing.T) {
	h := newHarness(t, nil, true)
	hv := h.ui.library
	rec, err := h.deps.Tracker.Submit(t.Context(), client.CreateRequest{Model: "m", Prompt: "a storm [fail]"})
	if err != nil {
		t.Fatal(err)
	}
	h.loop.until(t, "the failure", func() bool {
		i := hv.model.indexOf(rec.ID)
		return i >= 0 && hv.model.records[i].State == store.StateFailed
	})
	hv.list.Select(hv.model.indexOf(rec.ID))
	problem := hv.detail.fields["Problem"].Text
	if !strings.Contains(problem, "Generate again") || strings.Contains(problem, "upstream") || strings.Count(problem, ". ") > 1 {
		t.Errorf("problem %q: want one plain sentence that says what to do", problem)
	}
	if !hv.detail.serviceBtn.Visible() {
		t.Fatal("no Details… button for the service's own words")
	}
	// The service's answer is final: asking it again cannot help.
	if hv.detail.actions.checkBtn.Visible() {
		t.Error("a video the service could not make offers “Check again”")
	}
	if !hv.detail.actions.againBtn.Visible() {
		t.Error("a video the service could not make does not offer “Generate again”")
	}
	test.Tap(hv.detail.serviceBtn)
	text := overlayText(hv.win)
	for _, want := range []string{"What the service said", "upstream_task_failed", "upstream video generation task failed"} {
		if !strings.Contains(text, want) {
			t.Errorf("the details dialog lacks %q: %s", want, text)
		}
	}
}

// fakeOpener puts a stand-in for xdg-open first on PATH: it notes what it
// was asked to open, and fails for videos as xdg-open does where no
// player is installed.
func fakeOpener(t *testing.T) (asked func() string) {
	t.Helper()
	dir := t.TempDir()
	log := filepath.Join(dir, "asked")
	script := "#!/bin/sh\necho \"$1\" >> '" + log + "'\ncase \"$1\" in *.mp4) echo 'xdg-open: no method available for opening it' >&2; exit 3;; esac\nexit 0\n"
	if err := os.WriteFile(filepath.Join(dir, "xdg-open"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return func() string { b, _ := os.ReadFile(log); return string(b) }
}

// TestOpenWithoutPlayerOffersTheFolder: where no app plays videos, Open
// says so in a dialog named after it and offers the folder instead.
func TestOpenWithoutPlayerOffersTheFolder(t *testing.T) {
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("needs a shell for the stand-in xdg-open")
	}
	h := newHarness(t, nil, true)
	hv := h.ui.library
	rec := h.downloadOne(t, "nothing plays me")
	video, _ := h.deps.Library.Folder().Abs(rec.Files[0].Path)
	asked := fakeOpener(t)
	hv.detail.actions.openFile = systemOpen(h.ui.app)
	hv.list.Select(hv.model.indexOf(rec.ID))
	test.Tap(hv.detail.actions.openBtn)
	h.loop.until(t, "the dialog", func() bool { return len(hv.win.Canvas().Overlays().List()) > 0 })
	text := overlayText(hv.win)
	if !strings.Contains(text, "Could not open the video") || !strings.Contains(text, "No video player") || strings.Contains(text, "exit status") {
		t.Errorf("dialog: %s", text)
	}
	if !strings.Contains(asked(), video) {
		t.Errorf("xdg-open was asked for %q", asked())
	}
	show := findButton(hv.win.Canvas().Overlays().Top(), "Show in folder")
	if show == nil {
		t.Fatal("the dialog offers no “Show in folder”")
	}
	test.Tap(show)
	h.loop.until(t, "the folder opened", func() bool { return strings.Contains(asked(), filepath.Dir(video)+"\n") })
	if n := len(hv.win.Canvas().Overlays().List()); n != 0 {
		t.Errorf("%d dialogs after the folder opened: %s", n, overlayText(hv.win))
	}
}

// TestOpenWithoutOpenerSaysSo: with no xdg-open at all, Open says so
// rather than failing quietly.
func TestOpenWithoutOpenerSaysSo(t *testing.T) {
	h := newHarness(t, nil, true)
	hv := h.ui.library
	rec := h.downloadOne(t, "no desktop here")
	t.Setenv("PATH", t.TempDir())
	hv.detail.actions.openFile = systemOpen(h.ui.app)
	hv.list.Select(hv.model.indexOf(rec.ID))
	test.Tap(hv.detail.actions.openBtn)
	h.loop.until(t, "the dialog", func() bool { return strings.Contains(overlayText(hv.win), "No video player") })
}

// TestShowInFolderFailureNamesTheFolder: when no file manager opens the
// folder, the dialog is named after the action and gives the folder.
func TestShowInFolderFailureNamesTheFolder(t *testing.T) {
	h := newHarness(t, nil, true)
	hv := h.ui.library
	rec := h.downloadOne(t, "where am I")
	video, _ := h.deps.Library.Folder().Abs(rec.Files[0].Path)
	t.Setenv("PATH", t.TempDir())
	hv.detail.actions.openFile = systemOpen(h.ui.app)
	hv.list.Select(hv.model.indexOf(rec.ID))
	test.Tap(hv.detail.actions.folderBtn)
	h.loop.until(t, "the dialog", func() bool { return len(hv.win.Canvas().Overlays().List()) > 0 })
	text := overlayText(hv.win)
	if !strings.Contains(text, "Could not show the folder") || !strings.Contains(text, filepath.Dir(video)) {
		t.Errorf("dialog: %s", text)
	}
}

func TestDisplayName(t *testing.T) {
	long := strings.Repeat("waves crash ", 20)
	for _, c := range []struct {
		title, prompt, want string
	}{
		{"", "a fox", "a fox"},
		{"  My   fox ", "a fox", "My fox"},
		{"", "", "(no prompt)"},
		{"\u202Eevil", "x", "evil"},
	} {
		if got := displayName(store.Record{Title: c.title, Request: client.CreateRequest{Prompt: c.prompt}}); got != c.want {
			t.Errorf("displayName(%q, %q) = %q, want %q", c.title, c.prompt, got, c.want)
		}
	}
	got := displayName(store.Record{Request: client.CreateRequest{Prompt: long}})
	if !strings.HasSuffix(got, "crash…") && !strings.HasSuffix(got, "waves…") || len([]rune(got)) > 81 {
		t.Errorf("a long prompt is named %q", got)
	}
}

// TestDetailPicture keeps a picture of the detail panel at 1366×768 with a
// downloaded video selected, and checks that its actions are in view.
func TestDetailPicture(t *testing.T) {
	h := newHarness(t, nil, true)
	hv := h.ui.library
	timers := &fakeTimers{}
	hv.model.after = timers.after
	w := h.ui.main
	w.Resize(fyne.NewSize(1366, 768))
	rec := h.downloadOne(t, "A lighthouse at dusk, waves crashing on the rocks, slow aerial shot")
	hv.list.Select(hv.model.indexOf(rec.ID))
	test.Type(hv.detail.editor.title, "Lighthouse, take 2")
	test.Type(hv.detail.editor.tags, "coast, dusk")
	hv.detail.editor.tags.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	test.Type(hv.detail.editor.note, "Use for the opening.")
	hv.detail.editor.flushEdits()
	h.loop.until(t, "the thumbnail and the save", func() bool {
		return (hv.detail.thumbBox.Visible() || hv.detail.player != nil) && hv.detail.thumb.Resource != nil && hv.detail.editor.saved.Text == "Saved"
	})
	if n := distinctColours(capture(t, w, "detail9")); n < 5 {
		t.Errorf("the window looks blank (%d colours)", n)
	}
	// The technical facts, unfolded, at the end of the panel.
	hv.detail.facts.Open(0)
	for _, o := range hv.detail.box.Objects {
		if sc, ok := o.(*container.Scroll); ok {
			sc.ScrollToBottom()
		}
	}
	capture(t, w, "detail9-details")
	hv.detail.facts.Close(0)
	for _, b := range []*widget.Button{hv.detail.actions.openBtn, hv.detail.actions.folderBtn, hv.detail.actions.againBtn, hv.detail.actions.deleteBtn} {
		pos, found := positionIn(w.Canvas().Content(), b, fyne.Position{})
		if !found || !b.Visible() {
			t.Errorf("%q is not shown", b.Text)
			continue
		}
		if end := pos.Add(fyne.NewPos(b.Size().Width, b.Size().Height)); pos.X < 0 || end.X > 1366 || end.Y > 768 || b.Size().Width < b.MinSize().Width {
			t.Errorf("%q is cut off: at %v, size %v", b.Text, pos, b.Size())
		}
	}
}

// positionIn finds target in the tree of objects under o, placed at at,
// and returns its position in the window.
func positionIn(o, target fyne.CanvasObject, at fyne.Position) (fyne.Position, bool) {
	if !o.Visible() {
		return at, false
	}
	if o == target {
		return at, true
	}
	var children []fyne.CanvasObject
	switch x := o.(type) {
	case *fyne.Container:
		children = x.Objects
	case fyne.Widget:
		children = test.WidgetRenderer(x).Objects()
	}
	for _, c := range children {
		if p, ok := positionIn(c, target, at.Add(c.Position())); ok {
			return p, true
		}
	}
	return at, false
}

// TestPlayerOpenElsewhereWithoutOpenerSaysSo: without ffmpeg the player
// offers "Open in your video player"; with no program to open it either,
// that says so and offers the folder, as Open does.
func TestPlayerOpenElsewhereWithoutOpenerSaysSo(t *testing.T) {
	h := newHarness(t, nil, true)
	hv := h.ui.library
	rec := h.downloadOne(t, "no player, no ffmpeg")
	t.Setenv("PATH", t.TempDir())
	hv.detail.actions.openFile = systemOpen(h.ui.app)
	hv.list.Select(hv.model.indexOf(rec.ID))
	h.loop.until(t, "the player's way out", func() bool {
		return hv.detail.player != nil && hv.detail.player.fallback.Visible()
	})
	b := findButton(hv.detail.player.content(), playerOpenOther)
	if b == nil {
		t.Fatalf("no %q button", playerOpenOther)
	}
	test.Tap(b)
	h.loop.until(t, "the dialog", func() bool { return strings.Contains(overlayText(hv.win), "No video player") })
	if findButton(hv.win.Canvas().Overlays().Top(), "Show in folder") == nil {
		t.Error("the dialog offers no “Show in folder”")
	}
}

// TestProblemLineHoldsNoSystemWords: in Chinese, a download the disk
// refused reads as a translated sentence on the Problem line, with none of
// the system's English words in it; those words are behind "Details…",
// and a signed link's secret part is in neither.
func TestProblemLineHoldsNoSystemWords(t *testing.T) {
	useChinese(t)
	h := newHarness(t, nil, true)
	hv := h.ui.library
	rec := h.downloadOne(t, "a harbour at dawn")
	hv.list.Select(hv.model.indexOf(rec.ID))
	if hv.detail.serviceBtn.Visible() {
		t.Error("Details… shows for a video with nothing wrong")
	}

	for _, tt := range []struct{ stored, fact, secret string }{
		// What the tracker keeps when the disk is full.
		{store.ProblemLocalWrite + ": no space left on device", "no space left on device", ""},
		{store.ProblemDownloadFailed + `: Get "https://cdn.example.com/v.mp4?X-Amz-Signature=s3cr3t": dial tcp: lookup cdn.example.com: no such host`,
			"no such host", "s3cr3t"},
	} {
		paused := store.DownloadPaused
		stored := tt.stored
		r, err := h.deps.Store.Update(t.Context(), rec.ID, store.Change{Download: &paused, DownloadError: &stored}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		h.ui.apply(history.Event{Kind: history.EventChanged, ID: r.ID, Record: r})
		hv.list.Select(hv.model.indexOf(rec.ID))

		problem := hv.detail.fields["Problem"].Text
		if problem == "" || englishWord.MatchString(strings.ReplaceAll(problem, "Reelhouse", "")) {
			t.Errorf("%s: the Problem line shows English: %q", tt.fact, problem)
		}
		if !hv.detail.serviceBtn.Visible() {
			t.Fatalf("%s: no Details… beside the Problem line", tt.fact)
		}
		test.Tap(hv.detail.serviceBtn)
		shown, _ := dialogWords(hv.win)
		text := strings.Join(shown, "\n")
		if !strings.Contains(text, tt.fact) || !strings.Contains(text, lang.L("What went wrong")) {
			t.Errorf("%s: the Details dialog says %q", tt.fact, text)
		}
		if tt.secret != "" && strings.Contains(text, tt.secret) {
			t.Errorf("the Details dialog shows a signed link's secret: %q", text)
		}
		closeTopDialog(hv.win.Canvas())
	}
}

// TestReliabilityNoPictureOfAHiddenVideo: a video selected, then hidden by a search,
// leaves no picture or player behind for a video that has none — one
// still being made, one that failed, one that was cancelled.
func TestReliabilityNoPictureOfAHiddenVideo(t *testing.T) {
	for _, c := range []struct {
		name  string
		state store.State
	}{
		{"pending", store.StatePending},
		{"failed", store.StateFailed},
		{"cancelled", store.StateCancelled},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, nil, true)
			hv := h.ui.library
			timers := &fakeTimers{}
			hv.model.after = timers.after
			shown := h.downloadOne(t, "a lighthouse at dusk")
			other, err := h.deps.Store.AddSubmission(t.Context(), client.CreateRequest{Model: "m", Prompt: "a storm at sea"}, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if c.state != store.StatePending {
				if other, err = h.deps.Store.Update(t.Context(), other.ID, store.Change{State: ptrTo(c.state)}, time.Now()); err != nil {
					t.Fatal(err)
				}
			}
			h.ui.background(hv.model.reload)
			h.loop.until(t, "both videos listed", func() bool { return hv.model.indexOf(other.ID) >= 0 && hv.model.indexOf(shown.ID) >= 0 })

			hv.list.Select(hv.model.indexOf(shown.ID))
			h.loop.until(t, "the thumbnail", func() bool { return hv.detail.thumb.Resource != nil })
			test.Type(hv.filter.search, "storm")
			timers.fireAll()
			h.loop.until(t, "the search applied", func() bool {
				return hv.model.shown.Text == "storm" && hv.model.indexOf(shown.ID) < 0 && hv.model.indexOf(other.ID) >= 0
			})
			hv.list.Select(hv.model.indexOf(other.ID))
			h.loop.pump()

			if got := hv.detail.fields["Status"].Text; got == statusText(shown) {
				t.Fatalf("the detail pane still shows the first video: %q", got)
			}
			if res := hv.detail.thumb.Resource; res != nil || hv.detail.thumbBox.Visible() {
				t.Errorf("the pane of the %s video shows a thumbnail (%v, visible %v)", c.name, res != nil, hv.detail.thumbBox.Visible())
			}
			if hv.detail.player != nil || len(hv.detail.playerBox.Objects) > 0 {
				t.Errorf("the pane of the %s video shows the player of %s", c.name, hv.detail.playerPath)
			}
		})
	}
}

// TestThumbnailGoesWithItsVideo: when another video is selected, the
// thumbnail of the one before goes at once, not when the new one has
// loaded — it would stay for good if the new one could not be read.
func TestThumbnailGoesWithItsVideo(t *testing.T) {
	h := newHarness(t, nil, true)
	hv := h.ui.library
	first := h.downloadOne(t, "a lighthouse at dusk")
	second := h.downloadOne(t, "a storm at sea")
	thumbOf := func(r store.Record) string { return filepath.Base(h.deps.Library.ThumbnailPath(r.Files[0])) }
	if thumbOf(first) == thumbOf(second) {
		t.Fatalf("both videos have the thumbnail %s", thumbOf(first))
	}

	hv.list.Select(hv.model.indexOf(first.ID))
	h.loop.until(t, "the first thumbnail", func() bool {
		return hv.detail.thumb.Resource != nil && hv.detail.thumb.Resource.Name() == thumbOf(first)
	})
	hv.list.Select(hv.model.indexOf(second.ID))
	if res := hv.detail.thumb.Resource; res != nil {
		t.Errorf("the second video shows the thumbnail %s while its own loads", res.Name())
	}
	h.loop.until(t, "the second thumbnail", func() bool {
		return hv.detail.thumb.Resource != nil && hv.detail.thumb.Resource.Name() == thumbOf(second)
	})
}
