package gui

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/client/apitest"
	"github.com/reelhouse/reelhouse/history/store"
)

// sentRequests are the requests the simulator received, oldest first.
func sentRequests(t *testing.T, sim *apitest.Sim) []client.CreateRequest {
	t.Helper()
	var out []client.CreateRequest
	for _, id := range sim.TaskIDs() {
		req, ok := sim.Task(id)
		if !ok {
			t.Fatalf("the simulator does not know task %s", id)
		}
		out = append(out, req)
	}
	return out
}

// A model chosen by its name is sent by its id; an id typed by hand is sent
// as typed.
func TestComposeModelNamesMapToIDs(t *testing.T) {
	h := newHarness(t, nil, true)
	v := h.ui.compose
	if !slices.Contains(modelChoices(), "Wan 2.1 Turbo — wan2.1-t2v-turbo") || v.model.Text != "Wan 2.1 Turbo — wan2.1-t2v-turbo" {
		t.Errorf("model choices %q, chosen %q", modelChoices(), v.model.Text)
	}
	v.model.SetText("Seedance 2 Mini — doubao-seedance-2-mini")
	if v.modelHint.Visible() {
		t.Errorf("a line under a model of the list: %q", v.modelHint.Text)
	}
	if !strings.Contains(v.modelNote.Text, "doubao-seedance-2-mini") {
		t.Errorf("the id under Advanced: %q", v.modelNote.Text)
	}
	test.Type(v.prompt, "a paper boat on a river")
	test.Tap(v.generate)
	h.loop.until(t, "the first request", func() bool { return !v.inFlight && h.sim.Counts().Create == 1 })

	v.model.SetText("")
	test.Type(v.model, "my-own-model-7")
	if !strings.Contains(v.modelHint.Text, "exactly as typed") || !v.modelHint.Visible() {
		t.Errorf("hint under a typed model: %q", v.modelHint.Text)
	}
	test.Type(v.prompt, ", at dawn")
	test.Tap(v.generate)
	h.loop.until(t, "the second request", func() bool { return !v.inFlight && h.sim.Counts().Create == 2 })
	got := sentRequests(t, h.sim)
	if got[0].Model != "doubao-seedance-2-mini" || got[1].Model != "my-own-model-7" {
		t.Errorf("models sent: %q and %q", got[0].Model, got[1].Model)
	}
	// The pane says the video is in the library by its file name, not its
	// whole path, and "Show in folder" leads to the file.
	opened := make(chan string, 1)
	h.ui.library.detail.actions.openFile = func(p string) error { opened <- p; return nil }
	h.loop.until(t, "the video saved", func() bool { return v.folderBtn.Visible() })
	saved := v.ready[v.lastID]
	if want := "Your video “" + filepath.Base(saved) + "” is ready in your library."; v.status.Text != want {
		t.Errorf("status %q, want %q", v.status.Text, want)
	}
	if strings.Contains(v.status.Text, h.deps.Library.Dir()) {
		t.Errorf("status %q names the library folder", v.status.Text)
	}
	h.ui.main.Content().Refresh()
	capture(t, h.ui.main, "compose-ready")
	test.Tap(v.folderBtn)
	if got := <-opened; got != filepath.Dir(saved) || !strings.HasPrefix(saved, h.deps.Library.Dir()) {
		t.Errorf("Show in folder opened %q, want the folder of %q", got, saved)
	}
	if v.prompt.Text != "a paper boat on a river, at dawn" {
		t.Errorf("the prompt was not kept after sending: %q", v.prompt.Text)
	}
}

// Shapes, sizes and lengths are offered in words and sent as the API's
// values.
func TestComposeChoicesSendAPIValues(t *testing.T) {
	h := newHarness(t, nil, true)
	v := h.ui.compose
	test.Type(v.prompt, "waves")
	for _, c := range ratioChoices {
		v.ratio.SetSelected(c.Label)
		if req, err := v.request(); err != nil || req.Ratio != c.Value {
			t.Errorf("%q sends ratio %q (%v), want %q", c.Label, req.Ratio, err, c.Value)
		}
	}
	for _, want := range []string{"Landscape 16:9", "Portrait 9:16", "Square 1:1"} {
		if !slices.Contains(v.ratio.Options, want) {
			t.Errorf("no %q among %q", want, v.ratio.Options)
		}
	}
	v.ratio.SetSelected("Portrait 9:16")
	v.resolution.SetSelected("HD (720p)")
	v.duration.SetSelected("8 seconds")
	test.Tap(v.generate)
	h.loop.until(t, "the request", func() bool { return !v.inFlight && h.sim.Counts().Create == 1 })
	got := sentRequests(t, h.sim)[0]
	if got.Ratio != "9:16" || got.Resolution != "720p" || got.Duration != 8 {
		t.Errorf("sent ratio %q, resolution %q, duration %d", got.Ratio, got.Resolution, got.Duration)
	}
	// The default sends none of them.
	v.ratio.SetSelected(automatic)
	v.resolution.SetSelected(automatic)
	v.duration.SetSelected(automatic)
	if req, _ := v.request(); req.Ratio != "" || req.Resolution != "" || req.Duration != 0 {
		t.Errorf("the model's defaults send %+v", req)
	}
}

// writePNG writes a small real picture.
func writePNG(t *testing.T, path string) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for x := range 40 {
		for y := range 30 {
			img.Set(x, y, color.RGBA{uint8(6 * x), 90, uint8(8 * y), 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// A dropped picture is shown and sent; a dropped text file or one too
// large is refused with an error before anything is sent.
func TestComposeDroppedPicture(t *testing.T) {
	h := newHarness(t, nil, true)
	v := h.ui.compose
	dir := t.TempDir()

	notes := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notes, []byte("not a picture"), 0o644); err != nil {
		t.Fatal(err)
	}
	v.onDropped(fyne.NewPos(10, 10), []fyne.URI{storage.NewFileURI(notes)})
	h.loop.pump()
	if !v.imageError.Visible() || !strings.Contains(v.imageError.Text, "notes.txt is not a picture") ||
		v.imageError.Importance != widget.DangerImportance || v.preview.Visible() || v.image != "" {
		t.Errorf("a dropped text file: error %q shown %v, preview %v", v.imageError.Text, v.imageError.Visible(), v.preview.Visible())
	}

	big := filepath.Join(dir, "huge.png")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(writePNG(t, filepath.Join(dir, "small.png")))
	if err := f.Truncate(client.MaxInlineImageSize + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	v.onDropped(fyne.NewPos(10, 10), []fyne.URI{storage.NewFileURI(big)})
	h.loop.until(t, "the size refused", func() bool { return strings.Contains(v.imageError.Text, "larger than 10 MB") })
	if !v.imageError.Visible() || v.preview.Visible() || v.image != "" {
		t.Errorf("a dropped huge file: error shown %v, preview %v", v.imageError.Visible(), v.preview.Visible())
	}
	if n := h.sim.Counts().Create; n != 0 {
		t.Fatalf("%d create calls after refused drops", n)
	}

	pic := filepath.Join(dir, "garden.png")
	data := writePNG(t, pic)
	v.onDropped(fyne.NewPos(10, 10), []fyne.URI{storage.NewFileURI(pic)})
	h.loop.until(t, "the preview", func() bool { return v.preview.Visible() })
	if v.imageError.Visible() || v.imageLabel.Text != "garden.png" || v.preview.Resource == nil ||
		!bytes.Equal(v.preview.Resource.Content(), data) {
		t.Errorf("after a good drop: error %q, label %q", v.imageError.Text, v.imageLabel.Text)
	}
	want, _ := client.ImageDataURL(data)
	v.imageRole.SetSelected("Last frame")
	if v.roleHint.Text != "Last frame: the video ends on this picture." {
		t.Errorf("role hint %q", v.roleHint.Text)
	}
	test.Type(v.prompt, "the garden at night")
	test.Tap(v.generate)
	h.loop.until(t, "the request", func() bool { return !v.inFlight && h.sim.Counts().Create == 1 })
	got := sentRequests(t, h.sim)[0]
	if len(got.Image) != 1 || got.Image[0].URL != want || got.Image[0].Role != "last_frame" {
		t.Errorf("the dropped picture was not sent as the last frame")
	}
}

// Options that are not valid JSON are shown as an error and keep Generate
// off until they are fixed.
func TestComposeInvalidOptionsDisableGenerate(t *testing.T) {
	h := newHarness(t, nil, true)
	v := h.ui.compose
	test.Type(v.prompt, "a clock melting")
	if v.advanced.Items[0].Open {
		t.Error("Advanced must start closed")
	}
	test.Type(v.extra, `{"seed": `)
	if !v.generate.Disabled() || !v.batchBtn.Disabled() {
		t.Error("Generate stays enabled with invalid options")
	}
	if !v.extraError.Visible() || v.extraError.Importance != widget.DangerImportance || !strings.Contains(v.extraError.Text, "not valid JSON") {
		t.Errorf("error %q shown %v importance %v", v.extraError.Text, v.extraError.Visible(), v.extraError.Importance)
	}
	if !v.advanced.Items[0].Open {
		t.Error("the error is hidden in a closed Advanced section")
	}
	v.advanced.Close(0) // the user folds Advanced away: the reason stays beside Generate
	if !v.why.Visible() || !strings.Contains(v.why.Text, "Advanced") {
		t.Errorf("beside the disabled Generate: %q shown %v", v.why.Text, v.why.Visible())
	}
	test.Tap(v.generate)
	h.loop.pump()
	test.Type(v.extra, `42}`)
	if v.generate.Disabled() || v.extraError.Visible() || v.why.Visible() {
		t.Errorf("valid options: Generate disabled %v, error %q, beside it %q", v.generate.Disabled(), v.extraError.Text, v.why.Text)
	}
	v.extra.SetText(`[1, 2]`)
	if !v.generate.Disabled() || !strings.Contains(v.extraError.Text, "between { and }") {
		t.Errorf("a list: error %q", v.extraError.Text)
	}
	v.extra.SetText(`{"seed": 42}`)
	test.Tap(v.generate)
	h.loop.until(t, "the request", func() bool { return !v.inFlight && h.sim.Counts().Create == 1 })
	if got := sentRequests(t, h.sim)[0]; got.UpstreamOptions["seed"] != 42.0 {
		t.Errorf("sent options %v", got.UpstreamOptions)
	}
}

// Three variations make three tasks from one press.
func TestComposeVariationsMakeThree(t *testing.T) {
	h := newHarness(t, nil, true)
	v := h.ui.compose
	test.Type(v.prompt, "a kite over the dunes")
	v.variations.SetSelected("3 videos")
	if v.generate.Text != "Generate 3 videos" {
		t.Errorf("Generate says %q", v.generate.Text)
	}
	test.Tap(v.generate)
	if !v.generate.Disabled() {
		t.Error("Generate must be off while the requests are sent")
	}
	h.loop.until(t, "three requests", func() bool { return !v.inFlight })
	got := sentRequests(t, h.sim)
	if len(got) != 3 || h.sim.Counts().Create != 3 {
		t.Fatalf("%d tasks from 3 variations", len(got))
	}
	for _, r := range got {
		if r.Prompt != "a kite over the dunes" {
			t.Errorf("sent %q", r.Prompt)
		}
	}
	h.loop.until(t, "all three ready", func() bool { return strings.HasPrefix(v.status.Text, "All 3 videos are ready in your library.") })
	// Each was recorded.
	recs, err := h.deps.Store.Unfinished(t.Context())
	if err != nil || len(recs) != 0 {
		t.Errorf("unfinished %d (%v)", len(recs), err)
	}
	if len(v.prompts.recent) != 1 || v.prompts.recent[0].Prompt != "a kite over the dunes" {
		t.Errorf("recent prompts %+v", v.prompts.recent)
	}
	// A later change to one of them (a favourite) is no news: the line
	// keeps naming the last one that became ready.
	said := v.status.Text
	var first store.Record
	for _, id := range v.watch {
		if path := v.ready[id]; !strings.Contains(said, filepath.Base(path)) {
			first, err = h.deps.Store.Get(t.Context(), id)
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	if first.ID == 0 {
		t.Fatalf("no video other than the one named in %q", said)
	}
	if err := h.deps.Library.SetFavourite(t.Context(), first.ID, true); err != nil {
		t.Fatal(err)
	}
	h.loop.until(t, "the favourite shown", func() bool {
		i := h.ui.library.model.indexOf(first.ID)
		return i >= 0 && h.ui.library.model.records[i].Favourite
	})
	if v.status.Text != said {
		t.Errorf("after a favourite the line says %q, want it unchanged: %q", v.status.Text, said)
	}
}

// A batch of three lines asks "Make 3 videos?" and makes three.
func TestComposeBatchOfThree(t *testing.T) {
	h := newHarness(t, nil, true)
	v := h.ui.compose
	v.win.Resize(fyne.NewSize(720, 640))
	v.ratio.SetSelected("Square 1:1")
	test.Tap(v.batchBtn)
	if v.prompts.batchEntry == nil {
		t.Fatal("no batch dialog")
	}
	v.prompts.batchEntry.SetText("a red fox\n\n  a blue whale  \na green hill\n")
	next := findButton(v.win.Canvas().Overlays().Top(), "Next")
	if next == nil {
		t.Fatal("no Next button")
	}
	test.Tap(next)
	top := v.win.Canvas().Overlays().Top()
	if text := overlayText(v.win); !strings.Contains(text, "Make 3 videos?") {
		t.Fatalf("the question: %q", text)
	}
	if n := h.sim.Counts().Create; n != 0 {
		t.Fatalf("%d sent before the user agreed", n)
	}
	yes := findButton(top, "Make 3 videos")
	if yes == nil {
		t.Fatal("no Make 3 videos button")
	}
	test.Tap(yes)
	h.loop.until(t, "the batch", func() bool { return !v.inFlight })
	var prompts []string
	for _, r := range sentRequests(t, h.sim) {
		prompts = append(prompts, r.Prompt)
		if r.Ratio != "1:1" {
			t.Errorf("%q sent with ratio %q", r.Prompt, r.Ratio)
		}
	}
	if !slices.Equal(prompts, []string{"a red fox", "a blue whale", "a green hill"}) {
		t.Errorf("sent %q", prompts)
	}
	if len(v.prompts.recent) != 3 || v.prompts.recent[0].Prompt != "a green hill" {
		t.Errorf("recent prompts %+v", v.prompts.recent)
	}
}

// A failure stops a batch with a sentence; nothing is sent again.
func TestComposeBatchStopsAtFailure(t *testing.T) {
	h := newHarness(t, nil, true)
	v := h.ui.compose
	h.sim.Inject(apitest.Fault{Kind: apitest.FaultStatus500, Target: apitest.TargetCreate})
	v.prompts.confirmBatch([]string{"one", "two", "three"})
	test.Tap(findButton(v.win.Canvas().Overlays().Top(), "Make 3 videos"))
	h.loop.until(t, "the batch to stop", func() bool { return !v.inFlight })
	if n := h.sim.Counts().Create; n != 1 {
		t.Errorf("%d create calls, want the failed one only", n)
	}
	if !strings.HasPrefix(v.status.Text, "Video 1 of 3: Not sent") || !strings.HasSuffix(v.status.Text, "The other 2 were not sent.") ||
		v.status.Importance != widget.DangerImportance {
		t.Errorf("status %q", v.status.Text)
	}
	// The service's own answer is one click away.
	if !v.status.row.Visible() || !v.status.details.Visible() || v.folderBtn.Visible() {
		t.Fatalf("details %v, show in folder %v: want Details only", v.status.details.Visible(), v.folderBtn.Visible())
	}
	test.Tap(v.status.details)
	top := v.win.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("Details shows nothing")
	}
	var said []string
	for _, o := range test.LaidOutObjects(top) {
		if l, ok := o.(*widget.Label); ok {
			said = append(said, l.Text)
		}
	}
	if all := strings.Join(said, "\n"); !strings.Contains(all, "500") {
		t.Errorf("Details says %q, want the service's answer (500)", all)
	}
	// A later line that is no failure drops the button.
	v.status.say("something else")
	if v.status.row.Visible() {
		t.Error("Details stays beside a line that is no failure")
	}
}

func TestPromptsFromFiles(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       []string
	}{
		{"list.txt", "first\r\n\n second \nthird", []string{"first", "second", "third"}},
		{"plain.csv", "a fox,16:9\n\"a whale, blue\",9:16\n", []string{"a fox", "a whale, blue"}},
		{"named.CSV", "\ufeffid,Prompt\n1,a fox\n2,\"two\nlines\"\n3,\n", []string{"a fox", "two lines"}},
	} {
		got, err := promptsFromFile(tc.name, []byte(tc.text))
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%s: %q (%v), want %q", tc.name, got, err, tc.want)
		}
	}
	if got, err := promptsFromFile("loose.csv", []byte("say \"hi\" loudly,x\n")); err != nil || !slices.Equal(got, []string{`say "hi" loudly`}) {
		t.Errorf("a stray quote: %q (%v)", got, err)
	}
}

// menuItem finds an enabled item of m by its label.
func menuItem(m *fyne.Menu, label string) *fyne.MenuItem {
	for _, it := range m.Items {
		if it.Label == label && !it.Disabled {
			return it
		}
	}
	return nil
}

// A prompt saved under a name comes back, with its options, from the
// store; sent prompts are listed as recent.
func TestComposeSavedPromptRoundTrip(t *testing.T) {
	h := newHarness(t, nil, true)
	v := h.ui.compose
	test.Type(v.prompt, "a lighthouse in a storm")
	v.model.SetText(modelChoice("doubao-seedance-2"))
	v.ratio.SetSelected("Portrait 9:16")
	v.duration.SetSelected("6 seconds")
	v.variations.SetSelected("2 videos")
	v.extra.SetText(`{"seed": 3}`)
	test.Tap(v.promptsBtn)
	if top := v.win.Canvas().Overlays().Top(); top == nil {
		t.Fatal("no prompts menu")
	}
	v.win.Canvas().Overlays().Top().Hide()
	menuItem(v.prompts.promptsMenu(), "Save this prompt…").Action()
	name := findEntry(v.win.Canvas().Overlays().Top())
	if name == nil {
		t.Fatal("no name asked for")
	}
	name.SetText("Stormy")
	test.Tap(findButton(v.win.Canvas().Overlays().Top(), "Save"))
	h.loop.until(t, "the prompt saved", func() bool {
		return strings.Contains(h.deps.Store.Setting(t.Context(), settingSavedPrompts, ""), "Stormy")
	})

	// Another prompt is sent, then the saved one is read back from the store.
	v.fillOptions(client.CreateRequest{Model: "wan2.1-t2v-turbo", Prompt: "something else"})
	v.variations.SetSelected("1 video")
	test.Tap(v.generate)
	h.loop.until(t, "the recent prompt saved", func() bool {
		return strings.Contains(h.deps.Store.Setting(t.Context(), settingRecentPrompts, ""), "something else")
	})
	v.prompts.saved, v.prompts.recent = nil, nil
	v.loadSettings(t.Context())
	h.loop.pump()
	menu := v.prompts.promptsMenu()
	if menuItem(menu, "something else") == nil {
		t.Errorf("no recent prompt in the menu")
	}
	item := menuItem(menu, "Stormy")
	if item == nil {
		t.Fatal("the saved prompt is not in the menu")
	}
	item.Action()
	got, err := v.request()
	if err != nil {
		t.Fatal(err)
	}
	if got.Prompt != "a lighthouse in a storm" || got.Model != "doubao-seedance-2" || got.Ratio != "9:16" || got.Duration != 6 ||
		got.UpstreamOptions["seed"] != 3.0 || v.variationCount() != 2 {
		t.Errorf("the saved prompt came back as %+v (%d videos)", got, v.variationCount())
	}
}

// findEntry finds the first entry in a tree of objects.
func findEntry(o fyne.CanvasObject) *widget.Entry {
	switch x := o.(type) {
	case *widget.Entry:
		return x
	case *houseEntry:
		return &x.Entry
	case fyne.Widget:
		for _, c := range test.WidgetRenderer(x).Objects() {
			if e := findEntry(c); e != nil {
				return e
			}
		}
	case *fyne.Container:
		for _, c := range x.Objects {
			if e := findEntry(c); e != nil {
				return e
			}
		}
	}
	return nil
}

// A price typed in Settings shows an estimate on Generate, times the
// number of videos, and is kept in the store.
func TestComposePriceEstimate(t *testing.T) {
	h := newHarness(t, nil, true)
	v := h.ui.compose
	p := v.priceView
	if p == nil {
		t.Fatal("Settings has no prices")
	}
	if v.generate.Text != "Generate" {
		t.Errorf("Generate without prices says %q", v.generate.Text)
	}
	test.Type(p.amounts["wan2.1-t2v-turbo"], "1,20")
	if v.generate.Text != "Generate · ≈ 1.20" {
		t.Errorf("Generate says %q", v.generate.Text)
	}
	v.variations.SetSelected("3 videos")
	if v.generate.Text != "Generate 3 videos · ≈ 3.60" {
		t.Errorf("Generate says %q", v.generate.Text)
	}
	p.units["wan2.1-t2v-turbo"].SetSelected(perSecond)
	if v.generate.Text != "Generate 3 videos" {
		t.Errorf("per second without a length: %q", v.generate.Text)
	}
	v.duration.SetSelected("5 seconds")
	if v.generate.Text != "Generate 3 videos · ≈ 18.00" {
		t.Errorf("Generate says %q", v.generate.Text)
	}
	v.model.SetText(modelChoice("doubao-seedance-2"))
	if v.generate.Text != "Generate 3 videos" {
		t.Errorf("a model without a price: %q", v.generate.Text)
	}
	h.loop.until(t, "the prices saved", func() bool {
		return h.deps.Store.Setting(t.Context(), settingPrices, "") == `{"wan2.1-t2v-turbo":{"amount":1.2,"per_second":true}}`
	})
	test.Type(p.amounts["doubao-seedance-2"], "abc")
	if !p.problem.Visible() || !strings.Contains(p.problem.Text, "not a price") {
		t.Errorf("a wrong price: %q", p.problem.Text)
	}
	s := h.ui.settings
	s.win.Resize(fyne.NewSize(640, 640))
	capture(t, s.win, "settings-prices")
	// Read back from the store.
	v.prices = priceBook{}
	v.loadSettings(t.Context())
	h.loop.pump()
	if p.amounts["wan2.1-t2v-turbo"].Text != "1.2" || p.units["wan2.1-t2v-turbo"].Selected != perSecond {
		t.Errorf("prices read back as %q %q", p.amounts["wan2.1-t2v-turbo"].Text, p.units["wan2.1-t2v-turbo"].Selected)
	}
}

// The compose pane fits a narrow column: a picture for review.
func TestComposePanePicture(t *testing.T) {
	h := newHarness(t, nil, true)
	v := h.ui.compose
	v.win.SetContent(widget.NewLabel("")) // the pane moves to a window of its own
	w := test.NewWindow(v.content())
	t.Cleanup(w.Close)
	w.Resize(fyne.NewSize(420, 720))
	pic := filepath.Join(t.TempDir(), "garden.png")
	writePNG(t, pic)
	v.onDropped(fyne.Position{}, []fyne.URI{storage.NewFileURI(pic)})
	h.loop.until(t, "the preview", func() bool { return v.preview.Visible() })
	test.Type(v.prompt, "A lighthouse at dusk, waves crashing on the rocks, slow aerial shot")
	v.ratio.SetSelected("Landscape 16:9")
	v.status.say("Started — it will appear in your library when it is ready.")
	img := w.Canvas().Capture()
	if n := distinctColours(img); n < 5 {
		t.Errorf("the pane looks blank (%d colours)", n)
	}
	if min := v.pane.MinSize(); min.Width > 420 {
		t.Errorf("the pane needs %v, wider than 420", min)
	}
	out := os.Getenv("REELHOUSE_COMPOSE_PICTURE")
	if out == "" {
		return
	}
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	v.extra.SetText("{oops")
	v.scroll.ScrollToBottom()
	f2, err := os.Create(strings.TrimSuffix(out, ".png") + "-advanced.png")
	if err != nil {
		t.Fatal(err)
	}
	defer f2.Close()
	if err := png.Encode(f2, w.Canvas().Capture()); err != nil {
		t.Fatal(err)
	}
}

// TestComposeFailedVideoLeadsToTheLibrary: when the video of the last
// Generate fails, the status line says so as a failure and offers "Show
// in library", which selects it there (clearing a search that hides it),
// where its Problem line says what to do.
func TestComposeFailedVideoLeadsToTheLibrary(t *testing.T) {
	h := newHarness(t, nil, true)
	v, hv := h.ui.compose, h.ui.library
	test.Type(v.prompt, "a storm over the harbour [fail]")
	test.Tap(v.generate)
	h.loop.until(t, "the failure", func() bool { return v.showBtn.Visible() })
	if v.status.Importance != widget.DangerImportance {
		t.Errorf("the failure %q is not shown as one", v.status.Text)
	}
	if v.folderBtn.Visible() {
		t.Error("a failed video offers its folder")
	}
	test.Type(hv.filter.search, "a word in no prompt")
	h.loop.until(t, "the search to hide it", func() bool { return hv.model.indexOf(v.lastID) < 0 })

	test.Tap(v.showBtn)
	h.loop.until(t, "the video selected", func() bool {
		r, ok := hv.model.current()
		return ok && r.ID == v.lastID
	})
	if hv.filter.search.Text != "" {
		t.Errorf("the search %q still hides the video", hv.filter.search.Text)
	}
	if p := hv.detail.fields["Problem"]; !p.Visible() || !strings.Contains(p.Text, "Generate again") {
		t.Errorf("the library's Problem line reads %q", p.Text)
	}

	// The next line takes the offer away.
	test.Type(v.prompt, " again")
	test.Tap(v.generate)
	if v.showBtn.Visible() {
		t.Error("“Show in library” stays beside a new line")
	}
	h.loop.until(t, "the second failure", func() bool { return !v.inFlight && v.showBtn.Visible() })
}

// Generate stays where it is while the status line changes, so a quick
// second click lands on it again.
func TestComposeGenerateStaysPut(t *testing.T) {
	h := newHarness(t, nil, true)
	v := h.ui.compose
	v.win.SetContent(widget.NewLabel("")) // the pane moves to a window of its own
	w := test.NewWindow(v.content())
	t.Cleanup(w.Close)
	w.Resize(fyne.NewSize(420, 700))
	at := func() fyne.Position {
		w.Content().Refresh() // lay out again, as the driver does when sizes change
		return fyne.CurrentApp().Driver().AbsolutePositionForObject(v.generate)
	}
	v.status.say("")
	before := at()
	v.status.fail(strings.Repeat("The service did not answer in time; try again in a minute. ", 8), nil)
	v.offerShow(store.Record{ID: 1})
	if after := at(); after != before {
		t.Errorf("Generate moved from %v to %v when the status line grew", before, after)
	}
}

// Continuing a video asks for one next video, however many the last
// Generate made, and its sentence goes when its picture is removed.
func TestComposeContinueLeavesNoSurprises(t *testing.T) {
	h := newHarness(t, nil, true)
	v := h.ui.compose
	v.variations.SetSelectedIndex(2)
	frame := writePNG(t, filepath.Join(t.TempDir(), "frame.png"))
	r := store.Record{ID: 7, Request: client.CreateRequest{Model: defaultModel, Prompt: "a fox in snow"}}
	v.startContinuing(r, frame, "Last frame.png", "The next video starts from this frame. Say what happens next, then press Generate.")
	h.loop.until(t, "the frame", func() bool { return v.preview.Visible() })
	if n := v.variationCount(); n != 1 {
		t.Errorf("How many after Continue: %d, want 1", n)
	}
	if !strings.Contains(v.status.Text, "starts from this frame") {
		t.Fatalf("status %q", v.status.Text)
	}
	test.Tap(v.imageClear)
	if strings.Contains(v.status.Text, "starts from this frame") {
		t.Errorf("the picture is gone but the status line still says %q", v.status.Text)
	}
}

// The prompt's length is counted under it; a long prompt is no longer
// wrapped, which keeps each key quick (see BenchmarkTypingPrompt).
func TestComposePromptCounter(t *testing.T) {
	h := newHarness(t, nil, true)
	v := h.ui.compose
	if v.promptSize.Visible() {
		t.Errorf("a counter under an empty prompt: %q", v.promptSize.Text)
	}
	test.Type(v.prompt, "a fox")
	if v.promptSize.Text != "5 characters" || !v.promptSize.Visible() {
		t.Errorf("counter %q", v.promptSize.Text)
	}
	if v.prompt.Wrapping != fyne.TextWrapWord {
		t.Error("a short prompt is wrapped at words")
	}
	v.prompt.SetText(strings.Repeat("é", wrapLimit+1))
	if !strings.HasPrefix(v.promptSize.Text, "1001 characters") || v.prompt.Wrapping != fyne.TextWrapOff {
		t.Errorf("long prompt: counter %q, wrapping %v", v.promptSize.Text, v.prompt.Wrapping)
	}
	v.prompt.SetText("short again")
	if v.prompt.Wrapping != fyne.TextWrapWord || v.promptSize.Text != "11 characters" {
		t.Errorf("short again: counter %q, wrapping %v", v.promptSize.Text, v.prompt.Wrapping)
	}
}

// The mouse wheel over the prompt scrolls the pane while the prompt is not
// being typed in, and the prompt's own text while it is.
func TestComposeWheelOverPromptScrollsPane(t *testing.T) {
	h := newHarness(t, nil, true)
	v := h.ui.compose
	v.win.SetContent(widget.NewLabel("")) // the pane moves to a window of its own
	w := test.NewWindow(v.content())
	t.Cleanup(w.Close)
	w.Resize(fyne.NewSize(420, 400)) // short: the pane has somewhere to scroll
	v.openAdvanced()
	w.Content().Refresh()
	over := fyne.CurrentApp().Driver().AbsolutePositionForObject(v.prompt).AddXY(20, 20)
	test.Scroll(w.Canvas(), over, 0, -60)
	if v.scroll.Offset.Y <= 0 {
		t.Errorf("the wheel over the prompt left the pane at %v", v.scroll.Offset)
	}
	test.Tap(v.prompt) // typing in it: the wheel is the field's
	w.Canvas().Focus(v.prompt)
	before := v.scroll.Offset
	over = fyne.CurrentApp().Driver().AbsolutePositionForObject(v.prompt).AddXY(20, 20)
	test.Scroll(w.Canvas(), over, 0, -60)
	if v.scroll.Offset != before {
		t.Errorf("the wheel over the prompt being typed in scrolled the pane from %v to %v", before, v.scroll.Offset)
	}
	test.Type(v.prompt, "still typed")
	if !strings.Contains(v.prompt.Text, "still typed") {
		t.Errorf("prompt %q", v.prompt.Text)
	}
}
