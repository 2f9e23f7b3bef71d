package gui

import (
	"context"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/client/apitest"
	"github.com/reelhouse/reelhouse/history"
	"github.com/reelhouse/reelhouse/history/library"
	"github.com/reelhouse/reelhouse/history/store"
)

// uiLoop stands in for Fyne's event loop: functions given to do run on the
// test goroutine when the test pumps, as they would on the UI goroutine.
type uiLoop struct {
	mu  sync.Mutex
	fns []func()
}

func (l *uiLoop) do(fn func()) {
	l.mu.Lock()
	l.fns = append(l.fns, fn)
	l.mu.Unlock()
}

func (l *uiLoop) pump() {
	for {
		l.mu.Lock()
		fns := l.fns
		l.fns = nil
		l.mu.Unlock()
		if len(fns) == 0 {
			return
		}
		for _, fn := range fns {
			fn()
		}
	}
}

// stop stops ui as Stop does, but pumping the loop: no background work
// starts from here on (a late timer's would race with the wait), and work
// waiting for the loop can finish.
func (l *uiLoop) stop(ui *UI) {
	ui.mu.Lock()
	ui.stopped = true
	ui.mu.Unlock()
	ui.cancel()
	stopped := make(chan struct{})
	go func() { ui.wg.Wait(); close(stopped) }()
	for {
		l.pump()
		select {
		case <-stopped:
			return
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// until pumps the loop until cond holds; the deadline only catches hangs.
func (l *uiLoop) until(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		l.pump()
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

type harness struct {
	ui   *UI
	loop *uiLoop
	sim  *apitest.Sim
	deps Deps
	db   string // the history database file
}

// newHarness wires the windows to a simulator, a real store and library,
// and a running tracker. keys may be nil (no keychain).
func newHarness(t *testing.T, keys KeyStore, withKey bool) *harness {
	t.Helper()
	return newHarnessConfig(t, keys, withKey, apitest.Config{})
}

// newHarnessWith is newHarness with a key and a simulator set up by cfg.
func newHarnessWith(t *testing.T, cfg apitest.Config) *harness {
	t.Helper()
	return newHarnessConfig(t, nil, true, cfg)
}

func newHarnessConfig(t *testing.T, keys KeyStore, withKey bool, cfg apitest.Config) *harness {
	t.Helper()
	cfg.PendingFor, cfg.RunningFor = 100*time.Millisecond, 200*time.Millisecond
	return newHarnessTracking(t, keys, withKey, cfg, history.TrackerOptions{
		Interval: 40 * time.Millisecond, MinInterval: 40 * time.Millisecond, LibraryCheck: 40 * time.Millisecond})
}

// newHarnessTracking is newHarnessConfig with the simulator's timings as
// cfg gives them and the tracker's options as topts gives them (its
// thumbnail folder is the harness's own).
func newHarnessTracking(t testing.TB, keys KeyStore, withKey bool, cfg apitest.Config, topts history.TrackerOptions) *harness {
	t.Helper()
	a := test.NewTempApp(t)
	a.Settings().SetTheme(theme.DefaultTheme())
	sim := apitest.New(cfg)
	t.Cleanup(sim.Close)
	dir := t.TempDir()
	hist, err := store.Open(t.Context(), filepath.Join(dir, "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hist.Close() })
	lib, err := library.OpenFolder(filepath.Join(dir, "Library"))
	if err != nil {
		t.Fatal(err)
	}
	var opts []client.Option
	if withKey {
		opts = append(opts, client.WithAPIKey(sim.Key()))
	}
	c, err := client.New(sim.URL(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	theLib := library.New(hist, lib)
	topts.ThumbnailDir = filepath.Join(dir, "thumbnails")
	tracker := history.NewTracker(hist, theLib, c, topts)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		tracker.Run(ctx)
	}()
	deps := Deps{Tracker: tracker, Library: theLib, Store: hist, Client: c, Keys: keys, ServerURL: sim.URL(), KeyNote: "Test key."}
	loop := &uiLoop{}
	ui := New(a, deps)
	ui.do = loop.do
	ui.library.detail.actions.openFile = func(string) error { return nil } // tests open nothing on the desktop
	ui.Start()
	t.Cleanup(func() {
		loop.stop(ui)
		cancel()
		<-done
	})
	return &harness{ui: ui, loop: loop, sim: sim, deps: deps, db: filepath.Join(dir, "history.db")}
}

// capture writes a picture of a window for review, into
// $REELHOUSE_SCREENSHOTS when set, else the test's temp folder.
func capture(t *testing.T, w fyne.Window, name string) image.Image {
	t.Helper()
	img := w.Canvas().Capture()
	dir := os.Getenv("REELHOUSE_SCREENSHOTS")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, name+".png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	return img
}

// distinctColours counts colours in a picture, to tell a drawn window from
// a blank one.
func distinctColours(img image.Image) int {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
		}
	}
	return len(seen)
}

func TestGenerateShowsDownloadedVideoInLibrary(t *testing.T) {
	h := newHarness(t, nil, true)
	c := h.ui.compose
	c.win.Resize(fyne.NewSize(720, 640))
	test.Type(c.prompt, "A lighthouse at dusk, waves crashing")
	c.ratio.SetSelected("Landscape 16:9")
	c.duration.SetSelected("5 seconds")
	test.Tap(c.generate)
	if !c.generate.Disabled() {
		t.Error("Generate must be disabled while the request is being sent")
	}

	hv := h.ui.library
	hv.win.Resize(fyne.NewSize(980, 620))
	h.loop.until(t, "the task to show as downloaded and described", func() bool {
		return len(hv.model.records) == 1 && statusText(hv.model.records[0]) == "Downloaded" &&
			len(hv.model.records[0].Files) == 1 && hv.model.records[0].Files[0].MediaState == store.MediaOK
	})
	if c.generate.Disabled() {
		t.Error("Generate must be enabled again")
	}
	if !strings.Contains(c.status.Text, "ready") {
		t.Errorf("compose status = %q, want it to say the video is ready", c.status.Text)
	}
	got, _ := h.sim.Task(hv.model.records[0].TaskID)
	if got.Prompt != "A lighthouse at dusk, waves crashing" || got.Ratio != "16:9" || got.Duration != 5 || got.Model != defaultModel {
		t.Errorf("the service received %+v", got)
	}

	hv.list.Select(0)
	h.loop.until(t, "the thumbnail", func() bool {
		return (hv.detail.thumbBox.Visible() || hv.detail.player != nil) && hv.detail.thumb.Resource != nil
	})
	r := hv.model.records[0]
	path := filepath.Join(h.deps.Library.Dir(), filepath.FromSlash(r.Files[0].Path))
	for name, want := range map[string]string{
		"Status":  "Downloaded",
		"Model":   defaultModel,
		"Task id": r.TaskID,
		"File":    filepath.Base(path),
		"Folder":  filepath.Dir(path),
		"Options": "ratio 16:9, 5 s",
		"Size":    humanSize(r.Files[0].Size),
		"Video":   mediaText(r.Files[0]),
	} {
		if got := hv.detail.fields[name].Text; got != want {
			t.Errorf("detail %s = %q, want %q", name, got, want)
		}
	}
	if hv.detail.actions.openBtn.Disabled() || hv.detail.actions.folderBtn.Disabled() || !hv.detail.actions.retryBtn.Disabled() {
		t.Error("Open and Show in folder (not Retry download) must be enabled for a downloaded video")
	}
	if m := r.Files[0].Media; m.Width == 0 || m.Height == 0 || m.Duration == 0 || !strings.Contains(hv.detail.fields["Video"].Text, "×") {
		t.Errorf("video facts missing: %+v shown as %q", m, hv.detail.fields["Video"].Text)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != string(h.sim.VideoBytes(r.TaskID, 0)) {
		t.Errorf("the library file differs from the served video (%v)", err)
	}

	test.Tap(hv.detail.actions.copyBtn)
	if got := h.ui.app.Clipboard().Content(); got != r.TaskID {
		t.Errorf("clipboard = %q, want the task id", got)
	}

	for name, w := range map[string]fyne.Window{"compose": c.win, "history": hv.win} {
		if n := distinctColours(capture(t, w, name)); n < 5 {
			t.Errorf("%s window looks blank (%d colours)", name, n)
		}
	}
}

func TestEmptyPromptExplainsInsteadOfSending(t *testing.T) {
	h := newHarness(t, nil, true)
	c := h.ui.compose
	test.Tap(c.generate)
	h.loop.pump()
	if !strings.Contains(c.status.Text, "prompt is empty") {
		t.Errorf("status = %q, want an explanation", c.status.Text)
	}
	if n := h.sim.Counts().Create; n != 0 {
		t.Errorf("%d create calls for an empty prompt", n)
	}
	test.Type(c.prompt, "ok")
	c.extra.SetText("{not json")
	if !c.generate.Disabled() || !c.extraError.Visible() || !strings.Contains(c.extraError.Text, "not valid JSON") ||
		c.extraError.Importance != widget.DangerImportance {
		t.Errorf("invalid options: Generate disabled %v, error %q shown %v", c.generate.Disabled(), c.extraError.Text, c.extraError.Visible())
	}
}

func TestGenerateAgainCopiesTheRequest(t *testing.T) {
	h := newHarness(t, nil, true)
	req := client.CreateRequest{Model: "doubao-seedance-2", Prompt: "again please", Ratio: "9:16", Resolution: "720p", Duration: 8,
		UpstreamOptions: map[string]any{"seed": 7.0}}
	rec, err := h.deps.Tracker.Submit(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	hv := h.ui.library
	h.loop.until(t, "the record in the list", func() bool { return hv.model.indexOf(rec.ID) >= 0 })
	hv.list.Select(hv.model.indexOf(rec.ID))
	test.Tap(hv.detail.actions.againBtn)
	c := h.ui.compose
	got, err := c.request()
	if err != nil {
		t.Fatal(err)
	}
	if got.Model != req.Model || got.Prompt != req.Prompt || got.Ratio != req.Ratio || got.Resolution != req.Resolution ||
		got.Duration != req.Duration || got.UpstreamOptions["seed"] != 7.0 {
		t.Errorf("compose form holds %+v, want %+v", got, req)
	}
}

func TestSearchFiltersTheList(t *testing.T) {
	h := newHarness(t, nil, true)
	for _, p := range []string{"a red fox", "a blue whale", "a red balloon"} {
		if _, err := h.deps.Tracker.Submit(t.Context(), client.CreateRequest{Model: "m", Prompt: p}); err != nil {
			t.Fatal(err)
		}
	}
	hv := h.ui.library
	h.loop.until(t, "three records", func() bool { return len(hv.model.records) == 3 })
	test.Type(hv.filter.search, "red")
	h.loop.until(t, "two matches", func() bool { return len(hv.model.records) == 2 })
	for _, r := range hv.model.records {
		if !strings.Contains(r.Request.Prompt, "red") {
			t.Errorf("%q does not match", r.Request.Prompt)
		}
	}
	// A new task that does not match stays out of the filtered list.
	if _, err := h.deps.Tracker.Submit(t.Context(), client.CreateRequest{Model: "m", Prompt: "green hills"}); err != nil {
		t.Fatal(err)
	}
	h.loop.pump()
	if len(hv.model.records) != 2 {
		t.Errorf("filtered list has %d records, want 2", len(hv.model.records))
	}
}

func TestAddByUnknownIDSaysSo(t *testing.T) {
	h := newHarness(t, nil, true)
	hv := h.ui.library
	hv.menu.addByID("no-such-task")
	h.loop.until(t, "an error dialog", func() bool {
		return len(hv.win.Canvas().Overlays().List()) > 0
	})
	if text := overlayText(hv.win); !strings.Contains(text, "no task with that id") {
		t.Errorf("dialog says %q", text)
	}
}

// overlayText gathers the text shown in a window's dialogs.
func overlayText(w fyne.Window) string {
	var b strings.Builder
	for _, o := range w.Canvas().Overlays().List() {
		b.WriteString(test.RenderObjectToMarkup(o))
	}
	return b.String()
}

// downloadOne makes a video through the tracker and waits until the
// history list shows it downloaded.
func (h *harness) downloadOne(t *testing.T, prompt string) store.Record {
	t.Helper()
	rec, err := h.deps.Tracker.Submit(t.Context(), client.CreateRequest{Model: "m", Prompt: prompt})
	if err != nil {
		t.Fatal(err)
	}
	hv := h.ui.library
	h.loop.until(t, prompt+" downloaded", func() bool {
		i := hv.model.indexOf(rec.ID)
		return i >= 0 && hv.model.records[i].Download == store.DownloadDone && hv.model.records[i].Files[0].MediaState != store.MediaUnknown
	})
	return hv.model.records[hv.model.indexOf(rec.ID)]
}

func TestFavouriteTagsAndTrashWithUndo(t *testing.T) {
	h := newHarness(t, nil, true)
	hv := h.ui.library
	keep := h.downloadOne(t, "a keeper")
	gone := h.downloadOne(t, "a mistake")

	hv.list.Select(hv.model.indexOf(keep.ID))
	test.Tap(hv.detail.actions.favourite)
	test.Type(hv.detail.editor.tags, "Sea, holiday")
	hv.detail.editor.tags.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
	test.Type(hv.detail.editor.note, "opening shot")
	hv.detail.editor.flushEdits() // as when the note loses the focus
	h.loop.until(t, "favourite, tags and note saved", func() bool {
		r := hv.model.records[hv.model.indexOf(keep.ID)]
		return r.Favourite && strings.Join(r.Tags, ",") == "holiday,sea" && r.Note == "opening shot"
	})
	hv.filter.view.SetSelected(filterFavourites)
	h.loop.until(t, "only the favourite", func() bool { return len(hv.model.records) == 1 && hv.model.records[0].ID == keep.ID })
	hv.filter.view.SetSelected(filterAll)
	h.loop.until(t, "both again, and the new tag offered", func() bool {
		return len(hv.model.records) == 2 && slices.Contains(hv.filter.tag.Options, "sea")
	})

	hv.list.Select(hv.model.indexOf(gone.ID))
	test.Tap(hv.detail.actions.deleteBtn)
	h.loop.until(t, "the trash dialog", func() bool {
		return hv.model.indexOf(gone.ID) < 0 && strings.Contains(overlayText(hv.win), "is in the trash")
	})
	capture(t, hv.win, "history-trash-undo")
	// Undo puts it back.
	d := hv.win.Canvas().Overlays().Top()
	undo := findButton(d, "Put it back")
	if undo == nil {
		t.Fatal("no Undo button in the dialog")
	}
	test.Tap(undo)
	h.loop.until(t, "the video back", func() bool { return hv.model.indexOf(gone.ID) >= 0 })
	r := hv.model.records[hv.model.indexOf(gone.ID)]
	p, _ := h.deps.Library.Folder().Abs(r.Files[0].Path)
	if _, err := os.Stat(p); err != nil || r.Trashed() {
		t.Errorf("undone video: trashed %v, file %v", r.Trashed(), err)
	}
}

// findButton finds a button by its label in a tree of objects.
func findButton(o fyne.CanvasObject, label string) *widget.Button {
	switch x := o.(type) {
	case *widget.Button:
		if x.Text == label {
			return x
		}
	case fyne.Widget:
		r := test.WidgetRenderer(x)
		for _, c := range r.Objects() {
			if b := findButton(c, label); b != nil {
				return b
			}
		}
	case *fyne.Container:
		for _, c := range x.Objects {
			if b := findButton(c, label); b != nil {
				return b
			}
		}
	}
	return nil
}

func TestSettingsMovesTheLibrary(t *testing.T) {
	h := newHarness(t, nil, true)
	rec := h.downloadOne(t, "moving house")
	s := h.ui.settings
	newDir := filepath.Join(t.TempDir(), "Videos elsewhere")
	s.library.SetText(newDir)
	test.Tap(findButton(s.win.Content(), "Save server and folder"))
	h.loop.until(t, "the move", func() bool { return strings.Contains(s.status.Text, "now in") })
	lib := h.deps.Library.Folder()
	if lib.Dir() != newDir {
		t.Fatalf("library is %s", lib.Dir())
	}
	p, _ := lib.Abs(rec.Files[0].Path)
	if b, err := os.ReadFile(p); err != nil || string(b) != string(h.sim.VideoBytes(rec.TaskID, 0)) {
		t.Errorf("moved video differs (%v)", err)
	}
}

func TestSettingsChangeIntervalAndDownloads(t *testing.T) {
	h := newHarness(t, nil, true)
	s := h.ui.settings
	s.interval.SetSelected("4 seconds")
	s.downloads.SetSelected("3 at a time")
	hist := h.deps.Store
	h.loop.until(t, "both settings saved", func() bool {
		return hist.Setting(t.Context(), store.SettingInterval, "") == "4" &&
			hist.Setting(t.Context(), store.SettingMaxDownloads, "") == "3"
	})
	if got := h.deps.Tracker.MaxDownloads(); got != 3 {
		t.Errorf("tracker downloads %d at a time, want 3", got)
	}
	if got := h.deps.Tracker.Interval(); got != 4*time.Second {
		t.Errorf("tracker interval %v, want 4s", got)
	}
}

func TestTypingANoteSurvivesStatusChanges(t *testing.T) {
	h := newHarness(t, nil, true)
	hv := h.ui.library
	rec, err := h.deps.Tracker.Submit(t.Context(), client.CreateRequest{Model: "m", Prompt: "still running"})
	if err != nil {
		t.Fatal(err)
	}
	h.loop.until(t, "the row", func() bool { return hv.model.indexOf(rec.ID) >= 0 })
	hv.list.Select(hv.model.indexOf(rec.ID))
	hv.detail.editor.note.SetText("half-typed thought")
	h.loop.until(t, "the download", func() bool {
		i := hv.model.indexOf(rec.ID)
		return i >= 0 && hv.model.records[i].Download == store.DownloadDone
	})
	if hv.detail.editor.note.Text != "half-typed thought" {
		t.Errorf("the note being typed was replaced by %q", hv.detail.editor.note.Text)
	}
}

func TestSettingsSwitchServerAtOnce(t *testing.T) {
	h := newHarness(t, nil, true)
	other := apitest.New(apitest.Config{Key: h.sim.Key(), PendingFor: 50 * time.Millisecond, RunningFor: 50 * time.Millisecond})
	t.Cleanup(other.Close)
	s := h.ui.settings
	s.server.SetText(other.URL())
	test.Tap(findButton(s.win.Content(), "Save server and folder"))
	h.loop.until(t, "the switch", func() bool { return strings.Contains(s.status.Text, "now uses") })
	if got := h.deps.Store.Setting(t.Context(), store.SettingServer, ""); got != other.URL() {
		t.Errorf("saved server %q", got)
	}
	h.downloadOne(t, "from the other server")
	if h.sim.Counts().Create != 0 || other.Counts().Create != 1 {
		t.Errorf("creates: old server %d, new server %d", h.sim.Counts().Create, other.Counts().Create)
	}
}

func TestSeveralVideosCanEachBeChosen(t *testing.T) {
	h := newHarnessWith(t, apitest.Config{VideosPerTask: 3})
	hv := h.ui.library
	rec := h.downloadOne(t, "a triptych")
	hv.list.Select(hv.model.indexOf(rec.ID))
	h.loop.pump()
	if !hv.detail.videoPick.Visible() || len(hv.detail.videoPick.Options) != 3 {
		t.Fatalf("video chooser: visible %v, options %v", hv.detail.videoPick.Visible(), hv.detail.videoPick.Options)
	}
	for i := range 3 {
		hv.detail.videoPick.SetSelectedIndex(i)
		h.loop.pump()
		p, ok := hv.detail.filePath()
		want, _ := h.deps.Library.Folder().Abs(hv.model.records[hv.model.indexOf(rec.ID)].Files[i].Path)
		if !ok || p != want {
			t.Errorf("video %d: actions would open %q, want %q", i+1, p, want)
		}
	}
}
