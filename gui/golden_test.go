package gui

// Golden pictures of the windows (testdata/*.png), drawn by Fyne's test
// driver and compared pixel for pixel by test.AssertImageMatches. When a
// picture differs, the new one is written to testdata/failed/; look at it,
// and copy it over the old one if the change is meant.
//
// Everything a picture shows is fixed: the records are written to a real
// store with fixed times, the clock of the elapsed times is fixed, the
// thumbnails are frames of the simulator's demo clips, and the player
// stands paused on its first frame. The few facts that name this run's
// temporary folders (the library folder) are replaced by a fixed folder
// before the picture is taken.

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/gui/playback"
	"github.com/reelhouse/reelhouse/history"
	"github.com/reelhouse/reelhouse/history/library"
	"github.com/reelhouse/reelhouse/history/media"
	"github.com/reelhouse/reelhouse/history/media/mediatest"
	"github.com/reelhouse/reelhouse/history/store"
)

// goldenNow is the moment every picture is taken at.
var goldenNow = time.Date(2026, time.March, 14, 10, 30, 0, 0, time.Local)

// goldenAt is a moment of March 2026 (day 23 and later: February) on the
// wall clock.
func goldenAt(day, hour, minute int) time.Time {
	if day > 14 {
		return time.Date(2026, time.February, day, hour, minute, 0, 0, time.Local)
	}
	return time.Date(2026, time.March, day, hour, minute, 0, 0, time.Local)
}

// goldenLibrary is the library folder the pictures name.
const goldenLibrary = "/home/you/Videos/Reelhouse"

// goldenServer is the service the pictures name; nothing is sent to it.
const goldenServer = "https://api.example.com"

// demoClip is one of the simulator's sample clips.
func demoClip(name string) string {
	return filepath.Join("..", "client", "demo", "testdata", name)
}

// forcedVariant is a theme that is always light or always dark, whatever
// the variant the app asks for.
type forcedVariant struct {
	fyne.Theme
	variant fyne.ThemeVariant
}

func (f forcedVariant) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	return f.Theme.Color(n, f.variant)
}

// goldenVariants are the variants every picture is drawn in.
var goldenVariants = []struct {
	name    string
	variant fyne.ThemeVariant
}{
	{"light", theme.VariantLight},
	{"dark", theme.VariantDark},
}

// goldenLanguages are the languages of the pictures that are drawn in
// each: English names the picture as it is, Chinese adds "-zh".
var goldenLanguages = []struct {
	suffix   string
	language string
}{
	{"", LanguageEnglish},
	{"-zh", LanguageChinese},
}

// useGoldenLanguage makes the windows built next speak language. The
// Chinese pictures need the font Reelhouse draws Chinese with, which
// Fyne's own fonts lack (see chineseFontFile).
func useGoldenLanguage(t *testing.T, language string) {
	t.Helper()
	if language == LanguageChinese {
		if chineseFont() == nil {
			mediatest.Failed(t, chineseFontFile+" is not installed (fonts-droid-fallback)")
		}
	}
	UseLanguage(language)
	t.Cleanup(func() { UseLanguage(LanguageSystem) })
}

// goldenVideo is a record of the fixture: what was asked, the clip that
// stands for its video, and how long ago it was made.
type goldenVideo struct {
	req       client.CreateRequest
	clip      string        // a demo clip; "" for a video still being made
	at        time.Time     // when Generate was pressed (wall clock, so any time zone shows the same)
	took      time.Duration // from the press of Generate to the finished video
	favourite bool
	tags      []string
}

// goldenWorld is a UI over a store filled with fixed records.
type goldenWorld struct {
	ui   *UI
	loop *uiLoop
	ids  []int64 // the records of the videos, in the order given
}

// newGoldenWorld builds the windows over a real store holding videos, in
// a test app drawn in variant and speaking language, with keys as the
// keychain.
func newGoldenWorld(t *testing.T, variant fyne.ThemeVariant, language string, keys KeyStore, videos []goldenVideo) *goldenWorld {
	t.Helper()
	mediatest.Need(t, "ffmpeg")
	useGoldenLanguage(t, language)
	a := test.NewTempApp(t)
	a.Settings().SetTheme(forcedVariant{Theme: theme.DefaultTheme(), variant: variant})
	ctx := t.Context()
	dir := t.TempDir()
	hist, err := store.Open(ctx, filepath.Join(dir, "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hist.Close() })
	folder, err := library.OpenFolder(filepath.Join(dir, "Library"))
	if err != nil {
		t.Fatal(err)
	}
	thumbs := filepath.Join(dir, "thumbnails")
	if err := os.MkdirAll(thumbs, 0o755); err != nil {
		t.Fatal(err)
	}
	w := &goldenWorld{}
	for i, gv := range videos {
		w.ids = append(w.ids, addGoldenVideo(t, hist, folder, thumbs, i, gv))
	}
	c, err := client.New(goldenServer, client.WithAPIKey("sk-golden"))
	if err != nil {
		t.Fatal(err)
	}
	lib := library.New(hist, folder)
	// The tracker is not run: nothing changes while the pictures are taken.
	tracker := history.NewTracker(hist, lib, c, history.TrackerOptions{ThumbnailDir: thumbs})
	w.loop = &uiLoop{}
	w.ui = New(a, Deps{Tracker: tracker, Library: lib, Store: hist, Client: c, Keys: keys, ServerURL: goldenServer})
	w.ui.do = w.loop.do
	w.ui.library.wait.now = func() time.Time { return goldenNow }
	w.ui.Start()
	t.Cleanup(func() {
		w.ui.library.detail.closePlayer()
		w.loop.stop(w.ui)
	})
	w.ui.main.Resize(fyne.NewSize(1366, 768))
	hv := w.ui.library
	w.loop.until(t, "the library", func() bool { return len(hv.model.records) == len(videos) })
	return w
}

// addGoldenVideo writes one record of the fixture, with its video in the
// library folder and its thumbnail made from the clip.
func addGoldenVideo(t *testing.T, hist *store.Store, folder *library.Folder, thumbs string, i int, gv goldenVideo) int64 {
	t.Helper()
	ctx := t.Context()
	created := gv.at
	r, err := hist.AddSubmission(ctx, gv.req, created)
	if err != nil {
		t.Fatal(err)
	}
	taskID := fmt.Sprintf("task_%04d", 7301+i)
	running := store.StateRunning
	watching := true
	ch := store.Change{TaskID: &taskID, State: &running, Watching: &watching,
		Task: &client.Task{Created: client.Millis(created.UnixMilli()), Updated: client.Millis(created.UnixMilli())}}
	if gv.clip == "" {
		if _, err := hist.Update(ctx, r.ID, ch, created); err != nil {
			t.Fatal(err)
		}
		return r.ID
	}
	done := created.Add(gv.took)
	success, dl, notWatching := store.StateSuccess, store.DownloadDone, false
	ch.State, ch.Watching, ch.Download = &success, &notWatching, &dl
	ch.Task.Updated, ch.Task.Completed = client.Millis(done.UnixMilli()), client.Millis(done.UnixMilli())
	ch.Favourite = &gv.favourite
	if gv.tags != nil {
		ch.Tags = &gv.tags
	}
	if _, err := hist.Update(ctx, r.ID, ch, done); err != nil {
		t.Fatal(err)
	}
	rel := fmt.Sprintf("%s/%s.mp4", created.Format("2006-01"), taskID)
	abs, data := putGoldenClip(t, folder, rel, gv.clip)
	info, err := media.Describe(ctx, abs)
	if err != nil {
		t.Fatal(err)
	}
	thumb := taskID + "-0.png"
	if _, err := media.Thumbnail(ctx, abs, filepath.Join(thumbs, thumb), media.Placeholder{}); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	f := store.File{Index: 0, Path: rel, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]),
		Media: info, MediaState: store.MediaOK, Thumbnail: thumb}
	if err := hist.PutFile(ctx, r.ID, f); err != nil {
		t.Fatal(err)
	}
	return r.ID
}

// putGoldenClip copies a demo clip into the library folder at rel and
// returns where it is and its bytes.
func putGoldenClip(t *testing.T, folder *library.Folder, rel, clip string) (string, []byte) {
	t.Helper()
	data, err := os.ReadFile(demoClip(clip))
	if err != nil {
		t.Fatal(err)
	}
	abs, err := folder.Abs(rel)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(abs, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return abs, data
}

// goldenResults are a few downloaded videos of the last weeks.
var goldenResults = []goldenVideo{
	{req: client.CreateRequest{Model: "doubao-seedance-2", Prompt: "A potter's hands shaping wet clay on a wheel, close-up, soft window light", Ratio: "1:1", Duration: 4},
		clip: "sunset-1x1-480x480-4s.mp4", at: goldenAt(23, 10, 30), took: 95 * time.Second},
	{req: client.CreateRequest{Model: defaultModel, Prompt: "Rain on a café window at night, neon signs blurred behind the glass", Ratio: "9:16", Duration: 4},
		clip: "sunset-9x16-480x854-4s.mp4", at: goldenAt(8, 7, 30), took: 71 * time.Second, tags: []string{"city", "night"}},
	{req: client.CreateRequest{Model: defaultModel, Prompt: "A red kite circling over a chalk hill, slow aerial shot", Ratio: "16:9", Duration: 8},
		clip: "sunset-16x9-854x480-8s.mp4", at: goldenAt(13, 8, 30), took: 84 * time.Second},
	{req: client.CreateRequest{Model: defaultModel, Prompt: "A lighthouse at dusk, waves crashing on the rocks below", Ratio: "16:9", Duration: 4},
		clip: "sunset-16x9-854x480-4s.mp4", at: goldenAt(14, 8, 30), took: 66 * time.Second, favourite: true, tags: []string{"coast", "evening"}},
}

// goldenMaking is a video being made, sent 42 seconds ago.
var goldenMaking = goldenVideo{req: client.CreateRequest{Model: defaultModel, Prompt: "Slow pan across a harbour at sunrise, fishing boats coming in", Ratio: "16:9", Duration: 4},
	at: goldenNow.Add(-42 * time.Second)}

// goldenVariations are three variations of one prompt, for Compare.
var goldenVariations = func() []goldenVideo {
	var out []goldenVideo
	for i, clip := range []string{"sunset-16x9-854x480-4s.mp4", "sunset-16x9-854x480-8s.mp4", "sunset-1x1-480x480-4s.mp4"} {
		req := client.CreateRequest{Model: defaultModel, Prompt: "A paper boat drifting down a rain gutter, low angle", Ratio: "16:9", Duration: 4,
			UpstreamOptions: map[string]any{"seed": float64(101 + i)}}
		if i == 2 {
			req.Prompt = "A paper boat drifting down a rain gutter, high angle"
			req.Ratio = "1:1"
		}
		out = append(out, goldenVideo{req: req, clip: clip, at: goldenAt(14, 10, i), took: 70 * time.Second})
	}
	return out
}()

// hideTempFolders puts the fixed library folder where the windows name
// this run's temporary one.
func (w *goldenWorld) hideTempFolders() {
	if l := w.ui.library.detail.fields["Folder"]; l != nil && l.Text != "—" {
		l.SetText(filepath.Join(goldenLibrary, filepath.Base(l.Text)))
	}
	w.ui.settings.library.SetText(goldenLibrary)
	if v := w.ui.welcome; v != nil {
		v.library.SetText(libraryText(goldenLibrary))
	}
}

// selectPaused selects record id in the library and waits for its player
// to stand on the first frame, paused, with controls ready.
func (w *goldenWorld) selectPaused(t *testing.T, id int64) {
	t.Helper()
	hv := w.ui.library
	hv.list.Select(hv.model.indexOf(id))
	w.loop.until(t, "the player", func() bool { return hv.detail.player != nil })
	// The player as the detail view makes it (showPlayer), with a silent
	// sound device instead of the machine's, which a test machine may lack.
	path := hv.detail.playerPath
	r := hv.model.records[hv.model.indexOf(id)]
	hv.detail.closePlayer()
	f := r.Files[hv.detail.fileIdx]
	hv.detail.player = newPlayerViewWith(w.ui, path, f.Media, w.ui.deps.Library.ThumbnailPath(f), playback.Options{Audio: silentDevice{}})
	if canContinue(r) {
		idx := hv.detail.fileIdx
		hv.detail.player.setUseFrame(func(at time.Duration) { w.ui.continueFlow.useFrame(r, idx, at) })
	}
	hv.detail.playerPath = path
	hv.detail.playerBox.Objects = []fyne.CanvasObject{hv.detail.player.content()}
	hv.detail.playerBox.Refresh()
	hv.detail.thumbBox.Hide()
	p := hv.detail.player
	w.loop.until(t, "the first frame", func() bool { return p.frame != nil && p.frame.Index == 0 })
	w.loop.until(t, "the controls", func() bool { return !p.playBtn.Disabled() })
	w.loop.until(t, "the thumbnail", func() bool { return hv.detail.thumb.Resource != nil })
	w.framesSettled(t, p)
}

// framesSettled waits until each player shows frames of its picture's
// size: one whose picture changed size decodes at the new size a moment
// later (playerResizeSettle), which the picture must not race.
func (w *goldenWorld) framesSettled(t *testing.T, players ...*playerView) {
	t.Helper()
	w.loop.until(t, "frames of the pictures' size", func() bool {
		for _, v := range players {
			if v.frame == nil || !sameFrameSize(v.surface.decodeSize(v.surface.Size()), v.frame.Image.Rect.Size()) {
				return false
			}
		}
		return true
	})
}

// settle waits for the signal the windows give once the background reads
// have ended (no background task at work, nothing left for the UI
// goroutine), then lays the window out again.
func (w *goldenWorld) settle(t *testing.T, win fyne.Window) {
	t.Helper()
	w.loop.until(t, "the windows to settle", func() bool { return w.ui.settled() && w.loop.empty() })
	w.hideTempFolders()
	win.Content().Refresh()
}

// empty reports whether nothing waits to run on the stand-in UI goroutine.
func (l *uiLoop) empty() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.fns) == 0
}

func assertGolden(t *testing.T, name string, win fyne.Window) {
	t.Helper()
	test.AssertImageMatches(t, name+".png", win.Canvas().Capture())
}

// silentDevice is a sound device that takes the sound and plays nothing.
type silentDevice struct{}

func (silentDevice) NewSink() (playback.Sink, error) { return &silentSink{}, nil }

type silentSink struct {
	mu     sync.Mutex
	closed bool
}

func (s *silentSink) Write(pcm []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, os.ErrClosed
	}
	return len(pcm), nil
}
func (s *silentSink) Played() int64     { return 0 }
func (s *silentSink) Play()             {}
func (s *silentSink) Pause()            {}
func (s *silentSink) SetVolume(float64) {}
func (s *silentSink) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	return nil
}

func TestGoldenMainWindow(t *testing.T) {
	for _, tv := range goldenVariants {
		t.Run(tv.name, func(t *testing.T) {
			t.Run("empty", func(t *testing.T) {
				w := newGoldenWorld(t, tv.variant, LanguageEnglish, &fakeKeys{saved: "sk-golden"}, nil)
				w.settle(t, w.ui.main)
				assertGolden(t, "main-empty-"+tv.name, w.ui.main)
			})
			t.Run("working", func(t *testing.T) {
				w := newGoldenWorld(t, tv.variant, LanguageEnglish, &fakeKeys{saved: "sk-golden"}, append(append([]goldenVideo{}, goldenResults...), goldenMaking))
				hv := w.ui.library
				hv.list.Select(hv.model.indexOf(w.ids[len(w.ids)-1]))
				c := w.ui.compose
				c.prompt.SetText(goldenMaking.req.Prompt)
				c.status.say("Started — it will appear in your library when it is ready.")
				w.loop.until(t, "the usual time", func() bool { return hv.wait.usual[defaultModel] > 0 })
				w.settle(t, w.ui.main)
				assertGolden(t, "main-working-"+tv.name, w.ui.main)
			})
			for _, tl := range goldenLanguages {
				t.Run("results"+tl.suffix, func(t *testing.T) {
					w := newGoldenWorld(t, tv.variant, tl.language, &fakeKeys{saved: "sk-golden"}, goldenResults)
					w.selectPaused(t, w.ids[len(w.ids)-1])
					w.settle(t, w.ui.main)
					assertGolden(t, "main-results"+tl.suffix+"-"+tv.name, w.ui.main)
				})
			}
		})
	}
}

func TestGoldenWelcomeAndSettings(t *testing.T) {
	for _, tv := range goldenVariants {
		t.Run(tv.name, func(t *testing.T) {
			for _, tl := range goldenLanguages {
				t.Run("welcome"+tl.suffix, func(t *testing.T) {
					w := newGoldenWorld(t, tv.variant, tl.language, &fakeKeys{}, nil)
					w.loop.until(t, "the welcome", func() bool { return w.ui.welcome != nil })
					w.settle(t, w.ui.main)
					assertGolden(t, "welcome"+tl.suffix+"-"+tv.name, w.ui.main)
				})
				t.Run("settings"+tl.suffix, func(t *testing.T) {
					w := newGoldenWorld(t, tv.variant, tl.language, &fakeKeys{saved: "sk-golden"}, nil)
					s := w.ui.settings
					w.loop.until(t, "the key in use", func() bool { return s.key.Text != "" })
					s.show()
					w.settle(t, s.win)
					assertGolden(t, "settings"+tl.suffix+"-"+tv.name, s.win)
				})
			}
		})
	}
}

func TestGoldenLibraryViews(t *testing.T) {
	for _, tv := range goldenVariants {
		t.Run(tv.name, func(t *testing.T) {
			t.Run("grid", func(t *testing.T) {
				w := newGoldenWorld(t, tv.variant, LanguageEnglish, &fakeKeys{saved: "sk-golden"}, goldenResults)
				hv := w.ui.library
				test.Tap(hv.viewToggle)
				w.selectPaused(t, w.ids[1])
				w.loop.until(t, "a thumbnail on every tile", func() bool {
					w.ui.main.Canvas().Refresh(w.ui.main.Content())
					tiles := tilesIn(hv)
					for _, id := range w.ids {
						if tile := tiles[id]; tile == nil || tile.thumb.pic.Image == nil {
							return false
						}
					}
					return true
				})
				w.settle(t, w.ui.main)
				assertGolden(t, "grid-"+tv.name, w.ui.main)
			})
			t.Run("detail", func(t *testing.T) {
				w := newGoldenWorld(t, tv.variant, LanguageEnglish, &fakeKeys{saved: "sk-golden"}, goldenResults)
				w.selectPaused(t, w.ids[2])
				w.settle(t, w.ui.main)
				assertGolden(t, "detail-player-"+tv.name, w.ui.main)
			})
			t.Run("compare", func(t *testing.T) {
				w := newGoldenWorld(t, tv.variant, LanguageEnglish, &fakeKeys{saved: "sk-golden"}, goldenVariations)
				// Compare as the library opens it, heard on a silent device.
				w.ui.compare = newCompareView(w.ui)
				w.ui.compare.opts = playback.Options{Audio: silentDevice{}}
				w.ui.showCompare(w.ids)
				c := w.ui.compare
				w.loop.until(t, "the compared videos", func() bool { return len(c.recs) == 3 })
				w.loop.until(t, "every video's first frame", func() bool {
					for _, v := range c.players {
						if v.frame == nil || v.frame.Index != 0 {
							return false
						}
					}
					return len(c.players) == 3
				})
				c.win.Resize(fyne.NewSize(1366, 768))
				w.framesSettled(t, c.players...)
				w.settle(t, c.win)
				assertGolden(t, "compare-"+tv.name, c.win)
			})
		})
	}
}
