package gui

import (
	"bytes"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history/library"
	"github.com/reelhouse/reelhouse/history/media/mediatest"
	"github.com/reelhouse/reelhouse/history/store"
)

// newStoryInBoard opens the Storyboard and starts a story with the
// compose pane's settings and the given shots.
func newStoryInBoard(t *testing.T, h *harness, prompts ...string) *storyView {
	t.Helper()
	h.ui.showStories(0)
	v := h.ui.story
	h.loop.until(t, "the Storyboard", func() bool { return v.none.Visible() || v.body.Visible() })
	test.Tap(v.newBtn)
	h.loop.until(t, "a new story", func() bool { return v.story.ID != 0 && len(v.shots) == 1 })
	if f := v.win.Canvas().Focused(); f != v.shots[0].prompt {
		t.Errorf("the cursor is in %T, want the first shot's prompt", f)
	}
	if v.shots[0].prompt.AcceptsTab() {
		t.Errorf("Tab types a tab in a shot's prompt instead of moving on")
	}
	for i, p := range prompts {
		if i > 0 {
			test.Tap(v.addBtn)
			if f := v.win.Canvas().Focused(); len(v.shots) != i+1 || f != v.shots[i].prompt {
				t.Fatalf("after Add a shot: %d cards, the cursor in %T", len(v.shots), f)
			}
		}
		test.Type(v.shots[i].prompt, p)
	}
	return v
}

// storyPrompts are the prompts of the story shown, as saved.
func storyPrompts(t *testing.T, h *harness, id int64) []string {
	t.Helper()
	st, err := h.deps.Store.Stories().Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, sh := range st.Shots {
		out = append(out, sh.Prompt)
	}
	return out
}

// TestStoryboard makes a story of three shots, the first from the compose
// pane's picture, with the Storyboard alone: edits, reordering, the
// estimate before anything is sent, each shot once, one shot made again
// with the one after it, and the film, whose detail view links its shots.
func TestStoryboard(t *testing.T) {
	mediatest.Need(t, "ffmpeg")
	h := newHarness(t, nil, true)
	c := h.ui.compose
	pic := writePNG(t, filepath.Join(t.TempDir(), "fox.png"))
	c.useImage(storage.NewFileURI("fox.png"), io.NopCloser(bytes.NewReader(pic)))
	h.loop.until(t, "the picture", func() bool { return c.image != "" })
	c.prices = priceBook{modelID(c.model.Text): {Amount: 0.4}}

	v := newStoryInBoard(t, h, "a fox wakes up", "the fox sleeps", "the fox runs to the river")
	test.Type(v.name, "A fox's day")
	// The third shot goes before the second.
	test.Tap(v.shots[2].up)
	if got := v.story.Shots[1].Prompt + "|" + v.story.Shots[2].Prompt; got != "the fox runs to the river|the fox sleeps" {
		t.Fatalf("after moving up: %q", got)
	}
	h.loop.until(t, "the edits saved", func() bool {
		p := storyPrompts(t, h, v.story.ID)
		return len(p) == 3 && p[1] == "the fox runs to the river" && p[2] == "the fox sleeps"
	})
	if !strings.Contains(v.summary.Text, "3 shots · makes 3 videos · ≈ 1.20") {
		t.Errorf("summary %q", v.summary.Text)
	}
	if !strings.Contains(v.settings.Text, "shot 1 starts from a picture") {
		t.Errorf("settings %q", v.settings.Text)
	}

	test.Tap(v.makeBtn)
	h.loop.until(t, "the story made", func() bool {
		made, _, _ := v.count()
		return made == 3 && !v.story.Making
	})
	sent := h.sim.Requests()
	if len(sent) != 3 {
		t.Fatalf("%d videos sent, want 3", len(sent))
	}
	if len(sent[0].Image) != 1 || !strings.HasPrefix(sent[0].Image[0].URL, "data:image/png") || sent[0].Prompt != "a fox wakes up" {
		t.Errorf("the first shot was sent as %q with %d pictures", sent[0].Prompt, len(sent[0].Image))
	}
	for i := 1; i < 3; i++ {
		if len(sent[i].Image) != 1 || sent[i].Image[0].Role != "first_frame" || sent[i].Image[0].URL == sent[0].Image[0].URL {
			t.Errorf("shot %d did not start from the last frame of the one before", i+1)
		}
	}
	if v.shots[1].prompt.Disabled() == false || !v.shots[1].again.Visible() || v.shots[1].up.Visible() {
		t.Errorf("a made shot can still be edited or moved")
	}
	h.loop.until(t, "the first and last frames", func() bool {
		return v.shots[0].first.File != "" && v.shots[0].last.File != "" && v.shots[2].last.File != ""
	})
	if !strings.HasPrefix(v.shots[1].state.Text, "Made") {
		t.Errorf("shot 2 says %q", v.shots[1].state.Text)
	}

	// Shot 2 again, with shot 3: the dialog offers it, standing out.
	before := v.story.Shots
	v.onMakeAgain(1)
	d := v.win.Canvas().Overlays().Top()
	both := findButton(d, "Make it and the 1 later shot again")
	if both == nil {
		t.Fatalf("the question offers: %s", overlayText(v.win))
	}
	if both.Importance != widget.HighImportance {
		t.Errorf("making the later shots again too does not stand out")
	}
	// Enter does what stands out.
	houseKey(v.win.Canvas(), &fyne.KeyEvent{Name: fyne.KeyReturn})
	h.loop.until(t, "shots 2 and 3 made again", func() bool {
		made, _, _ := v.count()
		return made == 3 && !v.story.Making && v.story.Shots[2].Record != before[2].Record
	})
	if v.story.Shots[0].Record != before[0].Record || v.story.Shots[1].Record == before[1].Record {
		t.Errorf("shots before %v, after %v", before, v.story.Shots)
	}
	if n := len(h.sim.Requests()); n != 5 {
		t.Errorf("%d videos sent in all, want 5", n)
	}

	test.Tap(v.joinBtn)
	h.loop.until(t, "the film", func() bool { return v.filmBtn.Visible() && !v.joining })
	film := v.recs[v.story.Film]
	if !film.IsFilm() || len(film.Film) != 3 || film.Title != "A fox's day" {
		t.Fatalf("film %+v", film)
	}
	test.Tap(v.filmBtn)
	lib := h.ui.library
	links := lib.detail.links
	h.loop.until(t, "the film's shots in its detail view", func() bool {
		return links.shots.Visible() && len(links.shots.Objects) == 4
	})
	shot2 := findButton(links.shots, "Shot 2: “the fox runs to the river”")
	if shot2 == nil {
		t.Fatalf("no link to shot 2 in %d objects", len(links.shots.Objects))
	}
	test.Tap(shot2)
	h.loop.until(t, "shot 2 selected", func() bool {
		r, ok := lib.model.current()
		return ok && r.ID == v.story.Shots[1].Record
	})
}

// TestStoryboardKeepsStories: stories are listed by name and reopened,
// and deleting one keeps its videos.
func TestStoryboardKeepsStories(t *testing.T) {
	h := newHarness(t, nil, true)
	v := newStoryInBoard(t, h, "one")
	test.Type(v.name, "First")
	first := v.story.ID
	h.loop.until(t, "the name saved", func() bool {
		st, err := h.deps.Store.Stories().Get(t.Context(), first)
		return err == nil && st.Name == "First"
	})
	test.Tap(v.newBtn)
	h.loop.until(t, "a second story", func() bool {
		return v.story.ID != first && v.story.ID != 0 && len(v.shots) == 1 && v.picker.SelectedIndex() == 0
	})
	if len(v.picker.Options) != 2 || !strings.HasPrefix(v.picker.Selected, "Story ") {
		t.Errorf("picker %q, selected %q", v.picker.Options, v.picker.Selected)
	}
	v.picker.SetSelected(v.picker.Options[1])
	h.loop.until(t, "the first story again", func() bool { return v.story.ID == first && len(v.shots) == 1 })
	if v.shots[0].prompt.Text != "one" || v.name.Text != "First" {
		t.Errorf("reopened with %q named %q", v.shots[0].prompt.Text, v.name.Text)
	}
	test.Tap(v.deleteBtn)
	keep := findButton(v.win.Canvas().Overlays().Top(), "Keep it")
	del := findButton(v.win.Canvas().Overlays().Top(), "Delete the story")
	if keep == nil || del == nil || keep.Importance <= del.Importance {
		t.Fatalf("the delete question: %s", overlayText(v.win))
	}
	test.Tap(del)
	h.loop.until(t, "one story left", func() bool { return len(v.list) == 1 && v.story.ID != first })
}

// TestStoryboardWithoutFFmpeg: the story still makes its shots, and one
// sentence says what joining needs.
func TestStoryboardWithoutFFmpeg(t *testing.T) {
	old := haveFFmpeg
	haveFFmpeg = func() bool { return false }
	t.Cleanup(func() { haveFFmpeg = old })
	t.Setenv("PATH", t.TempDir())
	h := newHarness(t, nil, true)
	v := newStoryInBoard(t, h, "one", "two")
	test.Tap(v.makeBtn)
	h.loop.until(t, "the story made", func() bool {
		made, _, _ := v.count()
		return made == 2 && !v.story.Making
	})
	if v.joinBtn.Disabled() == false || v.status.Text != textJoinNeedsFFmpeg {
		t.Errorf("Join on: %v; status %q", !v.joinBtn.Disabled(), v.status.Text)
	}
}

// A film's sidecar restores it, and its shots, from the folder alone.
func TestFilmSidecarRoundTrip(t *testing.T) {
	r := store.Record{TaskID: store.NewFilmID(), State: store.StateSuccess, Title: "t",
		Request: client.CreateRequest{Model: "m", Prompt: "a\nb"},
		Film:    []store.FilmShot{{TaskID: "t1", SHA256: "aa"}, {TaskID: "t2", SHA256: "bb"}},
		Files:   []store.File{{Path: "f.mp4"}}}
	sc := library.NewSidecar(r, r.Files[0])
	back := sc.Record("f.mp4")
	if !back.IsFilm() || back.Film[1] != r.Film[1] || !strings.HasPrefix(back.TaskID, "film-") {
		t.Errorf("back %+v", back)
	}
}

// TestStoryboardAsksBeforeGoingOverTheLimit: a story that would bring the
// month past the monthly limit asks first, on the Storyboard, and its
// safe answer sends nothing.
func TestStoryboardAsksBeforeGoingOverTheLimit(t *testing.T) {
	h := newHarness(t, nil, true)
	c := h.ui.compose
	h.ui.settings.show() // builds the Prices section
	test.Type(c.priceView.amounts[modelID(c.model.Text)], "1.00")
	test.Type(c.priceView.limit, "2")
	h.loop.until(t, "the month's spend", func() bool { return c.spend.known && c.spend.hasLimit })
	v := newStoryInBoard(t, h, "one", "two", "three")
	if !strings.Contains(v.summary.Text, "makes 3 videos · ≈ 3.00") {
		t.Errorf("summary %q", v.summary.Text)
	}
	test.Tap(v.makeBtn)
	top := v.win.Canvas().Overlays().Top()
	if top == nil || findButton(top, "Generate 3 videos anyway") == nil {
		t.Fatalf("three videos past the limit were not asked about on the Storyboard")
	}
	test.Tap(findButton(top, "Don't generate"))
	h.loop.pump()
	if n := h.sim.Counts().Create; n != 0 || v.story.Making {
		t.Errorf("after Don't generate: %d creates, making %v", n, v.story.Making)
	}
}

// Ctrl+B opens the Storyboard from the main window, as File ▸ Storyboard…
// does: the prompt takes Tab, so the keyboard needs a way there.
func TestStoryboardShortcut(t *testing.T) {
	h := newHarness(t, nil, true)
	press(h.ui.main, shortcutStoryboard)
	h.loop.pump()
	if h.ui.story == nil {
		t.Fatal("Ctrl+B did not open the Storyboard")
	}
}
