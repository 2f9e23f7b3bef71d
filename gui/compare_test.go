package gui

import (
	"bytes"
	"encoding/csv"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history/library"
	"github.com/reelhouse/reelhouse/history/media/mediatest"
	"github.com/reelhouse/reelhouse/history/store"
)

func TestVariationsOfOnePress(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	req := client.CreateRequest{Model: "m", Prompt: "a fox", UpstreamOptions: map[string]any{"seed": 1.0}}
	other := req
	other.Prompt = "a hare"
	rec := func(id int64, at time.Duration, r client.CreateRequest, st store.State) store.Record {
		return store.Record{ID: id, Request: r, State: st, CreatedAt: t0.Add(at), Files: []store.File{{Path: "x.mp4"}}}
	}
	recs := []store.Record{
		rec(1, 0, req, store.StateSuccess),
		rec(2, 3*time.Second, req, store.StateSuccess),
		rec(3, 5*time.Second, other, store.StateSuccess), // another prompt in between
		rec(4, 9*time.Second, req, store.StateFailed),    // nothing to watch
		rec(5, 12*time.Second, req, store.StateSuccess),
		rec(6, time.Hour, req, store.StateSuccess), // the same prompt, much later
		rec(7, time.Hour+time.Second, req, store.StateSuccess),
	}
	if got := variationsOf(recs, recs[1]); !reflect.DeepEqual(got, []int64{1, 2, 5}) {
		t.Errorf("variations of record 2 = %v, want [1 2 5]", got)
	}
	if got := variationsOf(recs, recs[6]); !reflect.DeepEqual(got, []int64{6, 7}) {
		t.Errorf("variations of record 7 = %v, want [6 7]", got)
	}
	if got := variationsOf(recs, recs[2]); got != nil {
		t.Errorf("a video alone has variations %v", got)
	}
	if got := variationsOf(recs, recs[3]); got != nil {
		t.Errorf("a failed video is offered to compare: %v", got)
	}
}

func TestDifferencesShowOnlyWhatDiffers(t *testing.T) {
	r := func(prompt string, seed any, ratio string) store.Record {
		req := client.CreateRequest{Model: "wan2.1-t2v-turbo", Prompt: prompt, Ratio: ratio, Duration: 5}
		if seed != nil {
			req.UpstreamOptions = map[string]any{"seed": seed, "style": "film"}
		}
		return store.Record{Request: req}
	}
	got := differences([]store.Record{
		r("A red fox in snow.", 1.0, "16:9"),
		r("A red fox in rain", 2.0, "16:9"),
		r("a red fox in Snow", nil, "9:16"),
	})
	want := []compareRow{
		{"Prompt words", []string{"snow.", "rain", "Snow"}},
		{"Shape", []string{"Landscape 16:9", "Landscape 16:9", "Portrait 9:16"}},
		{"seed", []string{"1", "2", "—"}},
		{"style", []string{"film", "film", "—"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("differences:\n got %+v\nwant %+v", got, want)
	}
	if got := differences([]store.Record{r("same", 1.0, "1:1"), r("same", 1.0, "1:1")}); len(got) != 0 {
		t.Errorf("identical settings differ: %+v", got)
	}

	// Models, shapes and qualities are named as the compose pane names
	// them; what it does not know is shown as the service names it.
	a, b, c := r("same", nil, "5:4"), r("same", nil, ""), r("same", nil, "1:1")
	b.Request.Model, b.Request.Resolution = "my-own-model", "1080p"
	got = differences([]store.Record{a, b, c})
	want = []compareRow{
		{"Model", []string{"Wan 2.1 Turbo", "my-own-model", "Wan 2.1 Turbo"}},
		{"Shape", []string{"5:4", "Model’s default", "Square 1:1"}},
		{"Quality", []string{"Model’s default", "Full HD (1080p)", "Model’s default"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("differences:\n got %+v\nwant %+v", got, want)
	}
}

// makeVideos generates one downloaded video per request through the
// windows' tracker.
func makeVideos(t *testing.T, h *harness, reqs ...client.CreateRequest) []store.Record {
	t.Helper()
	var out []store.Record
	for _, req := range reqs {
		rec, err := h.deps.Tracker.Submit(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		h.loop.until(t, "a video downloaded", func() bool {
			r, err := h.deps.Store.Get(t.Context(), rec.ID)
			if err == nil && r.State == store.StateSuccess && r.Download == store.DownloadDone &&
				len(r.Files) > 0 && r.Files[0].Thumbnail != "" {
				rec = r
				return true
			}
			return false
		})
		out = append(out, rec)
	}
	return out
}

func TestCompareThreeVideosKeepAndTrashWithUndo(t *testing.T) {
	h := newHarness(t, nil, true)
	ctx := t.Context()
	var reqs []client.CreateRequest
	for i, seed := range []float64{7, 8, 9} {
		req := client.CreateRequest{Model: defaultModel, Prompt: "A lighthouse at dusk, waves crashing", Ratio: "16:9", Duration: 5,
			UpstreamOptions: map[string]any{"seed": seed}}
		if i == 2 {
			req.Prompt = "A lighthouse at dawn, waves crashing"
		}
		reqs = append(reqs, req)
	}
	recs := makeVideos(t, h, reqs...)
	ids := []int64{recs[0].ID, recs[1].ID, recs[2].ID}

	h.ui.showCompare(ids)
	c := h.ui.compare
	h.loop.until(t, "the compared videos", func() bool { return len(c.recs) == 3 })
	for i, img := range c.thumbs {
		if img.Resource == nil {
			t.Errorf("video %d has no picture", i+1)
		}
	}
	rows := differences(c.recs)
	var names []string
	for _, r := range rows {
		names = append(names, r.Name)
	}
	if !reflect.DeepEqual(names, []string{"Prompt words", "seed"}) {
		t.Errorf("differing settings = %v, want the prompt's words and the seed", names)
	}
	if rows[0].Values[0] != "dusk," || rows[0].Values[2] != "dawn," {
		t.Errorf("prompt words = %v", rows[0].Values)
	}

	c.win.Resize(fyne.NewSize(1366, 768))
	if _, err := exec.LookPath("ffmpeg"); err == nil {
		// The three play side by side.
		h.loop.until(t, "every video's first frame", func() bool {
			for _, v := range c.players {
				if v.frame == nil {
					return false
				}
			}
			return true
		})
		test.Tap(c.playBtn)
		h.loop.until(t, "the videos playing", func() bool {
			for _, v := range c.players {
				if v.frame.Index < 20 {
					return false
				}
			}
			return c.playing
		})
	}
	img := c.win.Canvas().Capture()
	if n := distinctColours(img); n < 20 {
		t.Errorf("Compare looks blank (%d colours)", n)
	}
	out := os.Getenv("REELHOUSE_COMPARE_PNG")
	if out == "" {
		out = filepath.Join(t.TempDir(), "compare.png")
	}
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	f.Close()

	// The button says what it does: it makes the video a favourite, and
	// then says it is one, dimmed.
	if got := c.keep[1].Text; got != "Favourite this one" || c.keep[1].Disabled() {
		t.Fatalf("the favourite button reads %q (disabled %v), want Favourite this one", got, c.keep[1].Disabled())
	}
	test.Tap(c.keep[1])
	h.loop.until(t, "the favourite video", func() bool { return c.keep[1].Text == "In favourites" })
	if !c.keep[1].Disabled() {
		t.Error("once the video is a favourite its button can still be pressed")
	}
	capture(t, c.win, "compare-favourite")
	if r, _ := h.deps.Store.Get(ctx, ids[1]); !r.Favourite {
		t.Error("Favourite this one did not make the video a favourite")
	}
	if c.keep[0].Text != "Favourite this one" || c.keep[0].Disabled() {
		t.Error("making one video a favourite changed another's button")
	}

	// Trash the others of video 2, then undo.
	test.Tap(c.others[1])
	h.loop.until(t, "the others in the trash", func() bool { return c.trashed[ids[0]] && c.trashed[ids[2]] })
	for i, id := range ids {
		r, _ := h.deps.Store.Get(ctx, id)
		if r.Trashed() != (i != 1) {
			t.Errorf("video %d trashed = %v", i+1, r.Trashed())
		}
	}
	undo := findButton(c.win.Canvas().Overlays().Top(), "Put it back")
	if undo == nil {
		t.Fatal("no Undo after Trash the others")
	}
	test.Tap(undo)
	h.loop.until(t, "the undo", func() bool { return !c.trashed[ids[0]] && !c.trashed[ids[2]] })
	for i, id := range ids {
		if r, _ := h.deps.Store.Get(ctx, id); r.Trashed() {
			t.Errorf("video %d still in the trash after Undo", i+1)
		}
	}
}

func TestDroppedVideoRestoresItsSettings(t *testing.T) {
	h := newHarness(t, nil, true)
	v := h.ui.compose
	dir := t.TempDir()
	video := filepath.Join(dir, "fox.mp4")
	if err := os.WriteFile(video, []byte("not really a video"), 0o644); err != nil {
		t.Fatal(err)
	}
	req := client.CreateRequest{Model: "kling-v2", Prompt: "A fox in the snow", Ratio: "9:16", Resolution: "1080p", Duration: 10,
		UpstreamOptions: map[string]any{"seed": 42.0},
		Image:           []client.Media{{Role: "first_frame", File: "refs/elsewhere.png", SHA256: "ab"}}}
	sc := library.NewSidecar(store.Record{TaskID: "t-1", State: store.StateSuccess, Request: req}, store.File{Path: "fox.mp4"})
	if err := library.WriteSidecar(video, sc); err != nil {
		t.Fatal(err)
	}
	v.onDropped(fyne.Position{}, []fyne.URI{storage.NewFileURI(video)})
	h.loop.until(t, "the restored prompt", func() bool { return v.prompt.Text == req.Prompt })
	got, err := v.request()
	if err != nil {
		t.Fatal(err)
	}
	want := req
	want.Image = nil // kept in another library folder, not this one
	if !reflect.DeepEqual(got, want) {
		t.Errorf("restored request %+v, want %+v", got, want)
	}
	if v.imageError.Visible() {
		t.Errorf("error shown: %q", v.imageError.Text)
	}

	bare := filepath.Join(dir, "bare.mp4")
	if err := os.WriteFile(bare, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Without a sidecar the dropped file is taken as the reference video,
	// and this one is not a video.
	v.onDropped(fyne.Position{}, []fyne.URI{storage.NewFileURI(bare)})
	h.loop.until(t, "the error", func() bool { return v.refVideo.problem.Visible() })
	if !strings.Contains(v.refVideo.problem.Text, "bare.mp4: That file is not a video Reelhouse can send") || v.refVideo.url != "" {
		t.Errorf("error = %q", v.refVideo.problem.Text)
	}
	if v.prompt.Text != req.Prompt {
		t.Error("a video without a sidecar changed the form")
	}
	// A kind of video the reference cannot be still says what a drop does.
	mov := filepath.Join(dir, "bare.mov")
	if err := os.WriteFile(mov, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	v.onDropped(fyne.Position{}, []fyne.URI{storage.NewFileURI(mov)})
	h.loop.until(t, "the error", func() bool { return v.imageError.Visible() })
	if !strings.Contains(v.imageError.Text, "bare.mov is not a picture") || !strings.Contains(v.imageError.Text, ".json") {
		t.Errorf("error = %q", v.imageError.Text)
	}
}

func TestContinueFromTheLastFrame(t *testing.T) {
	mediatest.Need(t, "ffmpeg")
	h := newHarness(t, nil, true)
	first := makeVideos(t, h, client.CreateRequest{Model: defaultModel, Prompt: "A boat leaves the harbour", Ratio: "16:9",
		UpstreamOptions: map[string]any{"seed": 3.0}})[0]
	hv := h.ui.library
	h.loop.until(t, "the video in the list", func() bool { return hv.model.indexOf(first.ID) >= 0 })
	hv.selectRecord(first)
	h.loop.until(t, "Continue this video", func() bool { return hv.detail.links.continueBtn.Visible() && !hv.detail.links.continueBtn.Disabled() })

	test.Tap(hv.detail.links.continueBtn)
	c := h.ui.compose
	h.loop.until(t, "the last frame as the picture", func() bool { return c.continuing() == first.ID })
	if c.prompt.Text != first.Request.Prompt || valueOf(roleChoices(), c.imageRole.Selected) != "first_frame" ||
		!strings.Contains(c.extra.Text, `"seed":3`) {
		t.Errorf("form: prompt %q role %q extra %q", c.prompt.Text, c.imageRole.Selected, c.extra.Text)
	}
	test.Type(c.prompt, " and sails out to sea")
	test.Tap(c.generate)
	var next store.Record
	h.loop.until(t, "the continuation downloaded", func() bool {
		recs, _ := h.deps.Store.Continuations(t.Context(), first.ID)
		if len(recs) == 1 && recs[0].Download == store.DownloadDone {
			next = recs[0]
			return true
		}
		return false
	})
	if next.ContinuedFrom != first.TaskID || len(next.Request.Image) != 1 || next.Request.Image[0].Role != "first_frame" {
		t.Errorf("continuation: from %q, images %+v", next.ContinuedFrom, next.Request.Image)
	}

	h.loop.until(t, "the continuation in the list", func() bool { return hv.model.indexOf(next.ID) >= 0 })
	hv.selectRecord(next)
	h.loop.until(t, "Continued from", func() bool { return hv.detail.links.fromBtn.Visible() })
	test.Tap(hv.detail.links.fromBtn)
	h.loop.until(t, "Continued in", func() bool { return hv.model.selected == first.ID && len(hv.detail.links.later.Objects) == 1 })

	// Another picture: no longer a continuation.
	c.onImageCleared()
	if c.continuing() != 0 {
		t.Error("still continuing once the last frame is removed")
	}
}

func TestContinueWithoutFFmpegSaysSo(t *testing.T) {
	l := newRecordLinks(newHarness(t, nil, true).ui)
	l.record = store.Record{ID: 1, TaskID: "t", State: store.StateSuccess, Files: []store.File{{Path: "a.mp4"}}}
	l.continueBtn.Show()
	l.showLinks(false, store.Record{}, false, nil)
	if !l.continueBtn.Disabled() || !l.ffmpegHint.Visible() || !strings.Contains(l.ffmpegHint.Text, "FFmpeg") {
		t.Errorf("without ffmpeg: button disabled %v, hint %q shown %v", l.continueBtn.Disabled(), l.ffmpegHint.Text, l.ffmpegHint.Visible())
	}
}

func TestUsageCSVAndView(t *testing.T) {
	month := time.Date(2026, 3, 1, 0, 0, 0, 0, time.Local)
	usage := []store.Usage{
		{Month: month, Model: "kling-v2", Made: 3, Failed: 1, Seconds: 25.5},
		{Month: month, Model: "wan", Made: 2, Seconds: 10},
		{Month: month.AddDate(0, -1, 0), Model: "", Made: 1, Seconds: 5},
	}
	lines := usageLines(usage, priceBook{"kling-v2": {Amount: 0.5}, "wan": {Amount: 0.1, PerSecond: true}})
	var b bytes.Buffer
	if err := writeUsageCSV(&b, lines); err != nil {
		t.Fatal(err)
	}
	got, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		usageHeader(),
		{"2026-03", "kling-v2", "3", "1", "25.5", "1.50"},
		{"2026-03", "wan", "2", "0", "10.0", "1.00"},
		{"2026-02", "", "1", "0", "5.0", ""},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("CSV:\n got %q\nwant %q", got, want)
	}

	h := newHarness(t, nil, true)
	makeVideos(t, h, client.CreateRequest{Model: defaultModel, Prompt: "counted", Duration: 5})
	h.ui.compose.prices = priceBook{defaultModel: {Amount: 2}}
	h.ui.showUsage()
	v := h.ui.usage
	h.loop.until(t, "the usage", func() bool { return len(v.lines) == 1 })
	if l := v.lines[0]; l.Model != defaultModel || l.Made != 1 || l.Seconds <= 0 || !l.HasPrice || l.Spend != 2 {
		t.Errorf("usage line %+v", l)
	}
	if v.save.Disabled() {
		t.Error("Export is off with a line to export")
	}
	v.win.Resize(fyne.NewSize(820, 520))
	capture(t, v.win, "usage")
}

// Any 2 to 4 picked videos can be compared from the bar that picking
// shows, and the bar never makes the main window too narrow for its two
// panes.
func TestComparePickedVideos(t *testing.T) {
	h := newHarness(t, nil, true)
	w := h.ui.MainWindow()
	w.Resize(fyne.NewSize(1280, 720))
	var reqs []client.CreateRequest
	for _, p := range []string{"a red kite", "a blue kite", "a green kite", "a grey kite", "a gold kite"} {
		reqs = append(reqs, client.CreateRequest{Model: defaultModel, Prompt: p, Ratio: "16:9", Duration: 5})
	}
	recs := makeVideos(t, h, reqs...)
	hv := h.ui.library
	h.loop.until(t, "the videos listed", func() bool {
		for _, r := range recs {
			if i := hv.model.indexOf(r.ID); i < 0 || !comparable(hv.model.records[i]) {
				return false
			}
		}
		return true
	})
	hv.onCellTapped(recs[0].ID, 0)
	before := h.ui.panes.split.MinSize().Width
	hv.onCellTapped(recs[2].ID, fyne.KeyModifierControl)
	b := hv.picks
	if !b.box.Visible() || b.compare.Disabled() {
		t.Fatalf("two picked: bar shown %v, Compare off %v", b.box.Visible(), b.compare.Disabled())
	}
	// The real window measured a little wider than the test driver's, so
	// the panes must leave a margin in the 1280-wide window.
	if m := h.ui.panes.split.MinSize().Width; m > 0.95*1280 || h.ui.panes.Narrow() {
		t.Errorf("with the bar of picked videos the panes need %v wide (%v without): a 1280-wide window may turn into tabs", m, before)
	}
	test.Tap(b.compare)
	c := h.ui.compare
	if c == nil {
		t.Fatal("Compare did not open")
	}
	h.loop.until(t, "the compared videos", func() bool { return len(c.recs) == 2 })
	got := []int64{c.recs[0].ID, c.recs[1].ID}
	slices.Sort(got)
	if want := []int64{recs[0].ID, recs[2].ID}; !slices.Equal(got, want) {
		t.Errorf("compared %v, want %v", got, want)
	}
	c.win.Close()
	// Five are more than Compare shows side by side.
	for _, r := range []store.Record{recs[1], recs[3], recs[4]} {
		hv.onCellTapped(r.ID, fyne.KeyModifierControl)
	}
	if len(hv.model.picked) != 5 || !b.compare.Disabled() {
		t.Errorf("%d picked, Compare off %v: want 5 and off", len(hv.model.picked), b.compare.Disabled())
	}
}
