package gui

import (
	"bytes"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"go.uber.org/goleak"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/gui/playback"
	"github.com/reelhouse/reelhouse/history/media"
	"github.com/reelhouse/reelhouse/history/media/mediatest"
	"github.com/reelhouse/reelhouse/history/store"
)

// countedFrame reads the number a frame of the counted clip shows: eight
// stripes, one per bit, white for a set bit.
func countedFrame(img *image.RGBA) int {
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	n := 0
	for b := range 8 {
		if img.RGBAAt((b*20+10)*w/160, h/2).R > 128 {
			n |= 1 << b
		}
	}
	return n
}

// compareCounted opens Compare on three copies of the counted clip.
func compareCounted(t *testing.T, u *UI) *compareView {
	t.Helper()
	info, err := media.Probe(countedClip)
	if err != nil {
		t.Fatal(err)
	}
	c := newCompareView(u)
	c.opts = playback.Options{Audio: noSoundDevice{}}
	var items []compareItem
	for i, seed := range []float64{1, 2, 3} {
		items = append(items, compareItem{
			rec: store.Record{ID: int64(i + 1), State: store.StateSuccess,
				Request: client.CreateRequest{Model: "m", Prompt: "counted", UpstreamOptions: map[string]any{"seed": seed}}},
			path: countedClip, info: info,
		})
	}
	c.win.Show()
	c.fill(items)
	return c
}

// framesOnShow is the number each cell's picture shows, -1 before one.
func framesOnShow(c *compareView) []int {
	var out []int
	for _, v := range c.players {
		if v == nil || v.frame == nil {
			out = append(out, -1)
			continue
		}
		if n := countedFrame(v.frame.Image); n != v.frame.Index {
			out = append(out, -2) // a picture that is not the frame it says
			continue
		}
		out = append(out, v.frame.Index)
	}
	return out
}

// near reports whether every frame is within one of want.
func near(frames []int, want int) bool {
	for _, f := range frames {
		if f < 0 || f < want-1 || f > want+1 {
			return false
		}
	}
	return true
}

func TestComparePlaysInStepWithOneScrubber(t *testing.T) {
	mediatest.Need(t, "ffmpeg")
	u, loop, _ := newPlayerUI(t)
	leaks := goleak.IgnoreCurrent()
	c := compareCounted(t, u)
	c.win.Resize(fyne.NewSize(1366, 768))

	loop.until(t, "every cell's first frame", func() bool { return near(framesOnShow(c), 0) })
	for i, v := range c.players {
		if c.screens[i].Objects[0] != v.content() {
			t.Fatalf("cell %d does not show its player", i+1)
		}
	}
	if c.leader != 0 || !c.players[1].opts.Silent || !c.players[2].opts.Silent || c.players[0].opts.Silent {
		t.Fatal("the first video should lead with sound and the others follow silently")
	}

	// One scrubber seeks all: each cell shows the frame of that time.
	for _, at := range []float64{7.3, 2, 9.96} {
		c.scrub.SetValue(at)
		want := int(at * 25)
		loop.until(t, "the frames at the scrubber's time", func() bool { return near(framesOnShow(c), want) })
	}
	c.scrub.OnChangeEnded(4)
	loop.until(t, "the frames at 4 s", func() bool { return near(framesOnShow(c), 100) })
	if c.clock.Text != "0:04 / 0:10" {
		t.Errorf("clock %q", c.clock.Text)
	}

	// One button plays and pauses all; while they play the scrubber
	// follows the video with sound.
	test.Tap(c.playBtn)
	loop.until(t, "playing", func() bool { return c.playing })
	for _, v := range c.players {
		loop.until(t, "every video playing", func() bool { return v.playing })
	}
	loop.until(t, "the videos moving on", func() bool {
		for _, f := range framesOnShow(c) {
			if f < 105 {
				return false
			}
		}
		return true
	})
	if c.scrub.Value < 4.1 {
		t.Errorf("the scrubber stayed at %v while playing", c.scrub.Value)
	}
	capture(t, c.win, "compare-playing")
	test.Tap(c.playBtn)
	for _, v := range c.players {
		loop.until(t, "every video paused", func() bool { return !v.playing })
	}

	// Picking another video's sound: it leads, the first follows.
	test.Tap(c.speakers[2])
	if c.leader != 2 {
		t.Fatalf("leader %d after picking video 3's sound", c.leader)
	}
	loop.until(t, "the players open again", func() bool {
		f := framesOnShow(c)
		return f[0] > 100 && near(f, f[0])
	})
	if !c.players[0].opts.Silent || c.players[2].opts.Silent {
		t.Fatal("the third video does not lead")
	}
	c.scrub.SetValue(1)
	loop.until(t, "the frames at 1 s", func() bool { return near(framesOnShow(c), 25) })

	// Closing the window (Esc, as the close button does) closes every
	// player: no ffmpeg, no goroutine.
	players := c.players
	c.win.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if len(c.players) != 0 {
		t.Fatal("the players are still open")
	}
	for _, v := range players {
		if !v.isClosed() {
			t.Fatal("a player is still open")
		}
	}
	assertPlayersGone(t, loop, leaks, players...)
}

func TestCompareWithoutFFmpegShowsThePictures(t *testing.T) {
	u, loop, _ := newPlayerUI(t)
	t.Setenv("PATH", t.TempDir())
	c := compareCounted(t, u)
	defer c.onClose()
	loop.until(t, "the sentence", func() bool { return c.notice.Visible() })
	if c.notice.Text != compareNoFFmpeg || c.bar.Visible() {
		t.Errorf("notice %q, controls shown %v", c.notice.Text, c.bar.Visible())
	}
	for i, s := range c.screens {
		if s.Objects[0] != c.thumbs[i] && s.Objects[0] == c.players[i].content() {
			t.Errorf("cell %d shows a player", i+1)
		}
	}
	if top := c.win.Canvas().Overlays().Top(); top != nil {
		t.Fatal("a dialog is shown without ffmpeg")
	}
}

func TestUseThisFrameStartsFromTheFrameOnShow(t *testing.T) {
	mediatest.Need(t, "ffmpeg")
	h := newHarness(t, nil, true)
	rec := makeVideos(t, h, client.CreateRequest{Model: defaultModel, Prompt: "A kite over the dunes", Ratio: "16:9",
		UpstreamOptions: map[string]any{"seed": 5.0}})[0]
	hv := h.ui.library
	h.loop.until(t, "the video in the list", func() bool { return hv.model.indexOf(rec.ID) >= 0 })
	hv.selectRecord(rec)
	h.loop.until(t, "the player", func() bool {
		return hv.detail.player != nil && hv.detail.player.frame != nil && !hv.detail.player.playBtn.Disabled()
	})
	p := hv.detail.player
	if !p.useBtn.Visible() || p.useBtn.Disabled() {
		t.Fatal("no Use this frame in the player")
	}
	p.scrub.SetValue(1)
	h.loop.until(t, "the frame at 1 s", func() bool { return p.frame.PTS == time.Second })

	test.Tap(p.useBtn)
	c := h.ui.compose
	h.loop.until(t, "the frame as the picture", func() bool { return c.continuing() == rec.ID })
	if !strings.HasPrefix(c.imageName, "Frame at 1.00 s of") || valueOf(roleChoices(), c.imageRole.Selected) != "first_frame" ||
		c.prompt.Text != rec.Request.Prompt || !strings.Contains(c.extra.Text, `"seed":5`) {
		t.Errorf("form: picture %q role %q prompt %q extra %q", c.imageName, c.imageRole.Selected, c.prompt.Text, c.extra.Text)
	}
	// The picture is the frame at 1 s, not the last one.
	video, err := h.deps.Library.Folder().Abs(rec.Files[0].Path)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	at, last := filepath.Join(dir, "at.png"), filepath.Join(dir, "last.png")
	if err := media.FrameAt(t.Context(), video, time.Second, at); err != nil {
		t.Fatal(err)
	}
	if err := media.LastFrame(t.Context(), video, last); err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile(at)
	other, _ := os.ReadFile(last)
	if got := c.preview.Resource.Content(); !bytes.Equal(got, want) || bytes.Equal(got, other) {
		t.Errorf("the picture is not the frame at 1 s (%d bytes; frame at 1 s %d, last frame %d)", len(got), len(want), len(other))
	}
	capture(t, h.ui.main, "use-this-frame")
}

// TestCompareOpensEachPlayerAtItsCellSize: a cell's player waits for its
// cell to be laid out and opens at the cell's size, instead of opening at
// the least size and starting ffmpeg again a moment later.
func TestCompareOpensEachPlayerAtItsCellSize(t *testing.T) {
	u, loop, _ := newPlayerUI(t)
	clip, info := testClip(t, 854, 480, 25, 2)
	c := newCompareView(u)
	c.opts = playback.Options{Audio: noSoundDevice{}}
	var items []compareItem
	for i := range 3 {
		items = append(items, compareItem{
			rec:  store.Record{ID: int64(i + 1), State: store.StateSuccess, Request: client.CreateRequest{Model: "m", Prompt: "sized"}},
			path: clip, info: info,
		})
	}
	c.win.Resize(fyne.NewSize(1366, 768))
	c.win.Show()
	c.fill(items)

	first := make([]image.Point, len(c.players))
	loop.until(t, "every player open", func() bool {
		open := true
		for i, v := range c.players {
			if first[i] == (image.Point{}) {
				first[i] = v.surface.decoded
			}
			open = open && v.frame != nil
		}
		return open
	})
	// A player that would start again at a second size waits for its
	// resize to settle (want differs from decoded until it has): wait for
	// none to be waiting, so a second size would show.
	loop.until(t, "no player waiting to decode at another size", func() bool {
		for _, v := range c.players {
			if v.surface.decoded == (image.Point{}) || v.surface.want != v.surface.decoded {
				return false
			}
		}
		return true
	})
	for i, v := range c.players {
		// The player keeps even sizes, so it may be a pixel short.
		want, d := v.surface.decodeSize(v.surface.Size()), first[i].Sub(v.surface.decodeSize(v.surface.Size()))
		if v.surface.decoded != first[i] || d.X < -2 || d.X > 2 || d.Y < -2 || d.Y > 2 {
			t.Errorf("player %d opened at %v, now decodes at %v; its cell asks for %v", i+1, first[i], v.surface.decoded, want)
		}
	}
}
