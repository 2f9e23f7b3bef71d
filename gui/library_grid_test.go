package gui

import (
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"

	"github.com/reelhouse/reelhouse/client/apitest"
	"github.com/reelhouse/reelhouse/history/library"
	"github.com/reelhouse/reelhouse/history/media"
	"github.com/reelhouse/reelhouse/history/media/mediatest"
	"github.com/reelhouse/reelhouse/history/store"
)

// tilesIn lists the grid's tiles on show, by the record each shows.
func tilesIn(hv *libraryView) map[int64]*libraryTile {
	out := map[int64]*libraryTile{}
	for _, o := range test.LaidOutObjects(hv.grid) {
		if t, ok := o.(*libraryTile); ok && t.Visible() && t.thumb.id != 0 {
			out[t.thumb.id] = t
		}
	}
	return out
}

// rowsIn lists the list's rows on show, by the record each shows.
func rowsIn(hv *libraryView) map[int64]*libraryRow {
	out := map[int64]*libraryRow{}
	for _, o := range test.LaidOutObjects(hv.list) {
		if r, ok := o.(*libraryRow); ok && r.Visible() && r.thumb.id != 0 {
			out[r.thumb.id] = r
		}
	}
	return out
}

// shownRows shows the library and waits for its list to draw n rows.
func (h *harness) shownRows(t *testing.T, n int) map[int64]*libraryRow {
	t.Helper()
	h.ui.mainWin.showLibrary()
	w := h.ui.main
	var rows map[int64]*libraryRow
	h.loop.until(t, fmt.Sprintf("%d rows", n), func() bool {
		w.Canvas().Refresh(w.Content())
		rows = rowsIn(h.ui.library)
		return len(rows) == n
	})
	return rows
}

// click taps o as the mouse does, holding mods.
func click(o interface {
	desktop.Mouseable
	fyne.Tappable
}, mods fyne.KeyModifier) {
	o.MouseDown(&desktop.MouseEvent{Button: desktop.MouseButtonPrimary, Modifier: mods})
	o.MouseUp(&desktop.MouseEvent{Button: desktop.MouseButtonPrimary, Modifier: mods})
	test.Tap(o)
}

// hoverAt moves the mouse over tile t at x.
func hoverAt(t *libraryTile, x float32) {
	ev := &desktop.MouseEvent{}
	ev.Position = fyne.NewPos(x, t.Size().Height/2)
	t.MouseMoved(ev)
}

func TestGridShowsThumbnailsAndScrubsTheFilmstrip(t *testing.T) {
	h := newHarnessWith(t, apitest.Config{DemoClips: true}) // sunsets: frames differ
	hv := h.ui.library
	w := h.ui.main
	w.Resize(fyne.NewSize(1366, 768))
	recs := []store.Record{
		h.downloadOne(t, "A lighthouse at dusk, waves crashing on the rocks below"),
		h.downloadOne(t, "A red kite over a hill"),
		h.downloadOne(t, "Slow pan across a harbour at sunset"),
	}
	if err := h.deps.Library.SetFavourite(t.Context(), recs[1].ID, true); err != nil {
		t.Fatal(err)
	}
	h.loop.until(t, "the favourite", func() bool { return hv.model.records[hv.model.indexOf(recs[1].ID)].Favourite })
	h.ui.mainWin.showLibrary()

	// The toggle in the library's header shows the grid; the View menu's
	// item follows.
	test.Tap(hv.viewToggle)
	if !hv.gridShown || hv.list.Visible() || !hv.grid.Visible() || !hv.gridMenuItem.Checked || hv.viewToggle.Text != "List" {
		t.Fatalf("after the toggle: grid %v, list visible %v, menu ticked %v, button %q",
			hv.gridShown, hv.list.Visible(), hv.gridMenuItem.Checked, hv.viewToggle.Text)
	}
	if !h.ui.app.Preferences().Bool(settingGridView) {
		t.Error("the choice of the grid is not kept")
	}
	hv.list.Select(hv.model.indexOf(recs[0].ID))
	h.loop.until(t, "a tile with its thumbnail for each video", func() bool {
		w.Canvas().Refresh(w.Content())
		tiles := tilesIn(hv)
		for _, r := range recs {
			if tile := tiles[r.ID]; tile == nil || tile.thumb.pic.Image == nil {
				return false
			}
		}
		return true
	})
	tiles := tilesIn(hv)
	for _, r := range recs {
		tile := tiles[r.ID]
		if !strings.HasPrefix(r.Request.Prompt, strings.TrimSuffix(tile.prompt.Text, "…")) {
			t.Errorf("tile of %q says %q", r.Request.Prompt, tile.prompt.Text)
		}
		if tile.length.Text == "" || !tile.lengthBox.Visible() {
			t.Errorf("tile of %q shows no length", r.Request.Prompt)
		}
		if tile.heartBox.Visible() != (r.ID == recs[1].ID) {
			t.Errorf("tile of %q: heart shown %v", r.Request.Prompt, tile.heartBox.Visible())
		}
		if tile.badgeBox.Visible() {
			t.Errorf("a downloaded video's tile shows the badge %q", tile.badge.Text)
		}
	}
	capture(t, w, "grid9")

	// Hovering scrubs: the frame under the mouse follows its position.
	tile := tiles[recs[0].ID]
	thumb := tile.thumb.pic.Image
	in := &desktop.MouseEvent{}
	in.Position = fyne.NewPos(2, tile.Size().Height/2)
	tile.MouseIn(in)
	h.loop.until(t, "the filmstrip", func() bool { return tile.strip != nil })
	hoverAt(tile, 2)
	first := tile.thumb.pic.Image
	hoverAt(tile, tile.Size().Width-2)
	last := tile.thumb.pic.Image
	if first == thumb || last == thumb || first == nil || last == nil {
		t.Fatal("hovering does not show the filmstrip's frames")
	}
	if !sameFrame(first, tile.strip, 0) || !sameFrame(last, tile.strip, media.StripFrames-1) {
		t.Errorf("frames under the left and right edges are not the strip's first and last: %v and %v", first.Bounds(), last.Bounds())
	}
	hoverAt(tile, tile.Size().Width/2)
	if !sameFrame(tile.thumb.pic.Image, tile.strip, media.StripFrames/2) {
		t.Errorf("the frame under the middle is not frame %d", media.StripFrames/2)
	}
	capture(t, w, "grid9-scrub")
	tile.MouseOut()
	if tile.thumb.pic.Image != thumb {
		t.Error("the thumbnail does not come back when the mouse leaves")
	}

	// The View menu's item brings the list back, with its thumbnails.
	hv.gridMenuItem.Action()
	if hv.gridShown || !hv.list.Visible() || hv.grid.Visible() || hv.gridMenuItem.Checked {
		t.Error("the View menu's item does not bring the list back")
	}
	h.loop.until(t, "rows with thumbnails", func() bool {
		w.Canvas().Refresh(w.Content())
		rows := rowsIn(hv)
		return len(rows) == 3 && rows[recs[2].ID].thumb.pic.Image != nil
	})
}

// TestGridTileWithoutFilmstripKeepsItsThumbnail: a video whose strip was
// never made (no ffmpeg when it was downloaded) shows its thumbnail while
// hovered, when ffmpeg is still missing.
func TestGridTileWithoutFilmstripKeepsItsThumbnail(t *testing.T) {
	h := newHarness(t, nil, true)
	hv := h.ui.library
	w := h.ui.main
	w.Resize(fyne.NewSize(1366, 768))
	r := h.downloadOne(t, "no strip")
	if err := os.Remove(h.deps.Library.StripPath(r.Files[0])); err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	t.Setenv("PATH", t.TempDir()) // no ffmpeg to make it now
	tile := gridTileOf(t, h, r)
	thumb := tile.thumb.pic.Image
	hoverAt(tile, 3)
	h.loop.until(t, "the strip's absence to be known", func() bool {
		_, fresh := hv.thumbs.get(tile.stripPath)
		return fresh
	})
	hoverAt(tile, tile.Size().Width-3)
	if tile.thumb.pic.Image != thumb {
		t.Error("without a filmstrip the tile must keep showing its thumbnail")
	}
}

// TestGridMakesAMissingFilmstripOnHover: a video downloaded before
// filmstrips existed gets one made when its tile is first hovered, and
// then scrubs through it.
func TestGridMakesAMissingFilmstripOnHover(t *testing.T) {
	mediatest.Need(t, "ffmpeg")
	h := newHarnessWith(t, apitest.Config{DemoClips: true})
	h.ui.main.Resize(fyne.NewSize(1366, 768))
	r := h.downloadOne(t, "An old video, from before filmstrips")
	strip := h.deps.Library.StripPath(r.Files[0])
	if err := os.Remove(strip); err != nil {
		t.Fatal(err)
	}
	tile := gridTileOf(t, h, r)
	thumb := tile.thumb.pic.Image
	hoverAt(tile, 3)
	h.loop.until(t, "the filmstrip made and read", func() bool { return tile.strip != nil })
	if _, err := os.Stat(strip); err != nil {
		t.Fatalf("no filmstrip file after hovering: %v", err)
	}
	hoverAt(tile, tile.Size().Width-3)
	last := tile.thumb.pic.Image
	if last == thumb || !sameFrame(last, tile.strip, media.StripFrames-1) {
		t.Fatal("hovering does not scrub through the filmstrip made for it")
	}
	// A picture of its own, from (0, 0): Fyne's OpenGL painter drew a part
	// of the strip as a blank grey box.
	if min := last.Bounds().Min; min != (image.Point{}) {
		t.Errorf("the frame shown starts at %v, a part of a larger picture", min)
	}
}

// far reports whether two 16-bit colour channels differ by more than
// rounding between colour models does.
func far(a, b uint32) bool { return max(a, b)-min(a, b) > 0x300 }

// sameFrame reports whether img holds the pixels of frame k of strip.
func sameFrame(img, strip image.Image, k int) bool {
	fw := strip.Bounds().Dx() / media.StripFrames
	b := img.Bounds()
	if b.Dx() != fw || b.Dy() != strip.Bounds().Dy() {
		return false
	}
	sb := strip.Bounds()
	for y := 0; y < b.Dy(); y += 7 {
		for x := 0; x < b.Dx(); x += 7 {
			r1, g1, b1, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
			r2, g2, b2, _ := strip.At(sb.Min.X+k*fw+x, sb.Min.Y+y).RGBA()
			if far(r1, r2) || far(g1, g2) || far(b1, b2) {
				return false
			}
		}
	}
	return true
}

func TestPickSeveralVideosThenFavouriteTagAndTrashWithOneUndo(t *testing.T) {
	h := newHarness(t, nil, true)
	hv := h.ui.library
	w := h.ui.main
	w.Resize(fyne.NewSize(1366, 768))
	a := h.downloadOne(t, "first")
	b := h.downloadOne(t, "second")
	c := h.downloadOne(t, "third")
	rows := h.shownRows(t, 3)

	click(rows[a.ID], 0)
	if hv.model.selected != a.ID || hv.picks.box.Visible() {
		t.Fatalf("a click selects one video: selected %d, bar shown %v", hv.model.selected, hv.picks.box.Visible())
	}
	click(rows[c.ID], fyne.KeyModifierControl)
	if !hv.picks.box.Visible() || hv.picks.text.Text != "2 videos selected" || !hv.model.picked[a.ID] || !hv.model.picked[c.ID] || hv.model.picked[b.ID] {
		t.Fatalf("after Ctrl-click: bar %v %q, picked %v", hv.picks.box.Visible(), hv.picks.text.Text, hv.model.picked)
	}
	rows = rowsIn(hv) // a refresh may rebuild the rows
	capture(t, w, "library-picked")
	if !rows[a.ID].back.Visible() || !rows[c.ID].back.Visible() || rows[b.ID].back.Visible() {
		t.Error("the picked rows are not the highlighted ones")
	}

	test.Tap(hv.picks.favourite)
	h.loop.until(t, "both favourites", func() bool {
		return !hv.picks.busy && hv.model.records[hv.model.indexOf(a.ID)].Favourite && hv.model.records[hv.model.indexOf(c.ID)].Favourite
	})
	if hv.model.records[hv.model.indexOf(b.ID)].Favourite {
		t.Error("a video not picked became a favourite")
	}
	if hv.picks.favourite.Text != "Unfavourite" {
		t.Errorf("with every picked video a favourite the button says %q", hv.picks.favourite.Text)
	}

	// Shift-click picks the run from the selected video.
	rows = rowsIn(hv)
	click(rows[b.ID], fyne.KeyModifierShift)
	if len(hv.model.picked) != 2 || !hv.model.picked[a.ID] || !hv.model.picked[b.ID] {
		t.Errorf("Shift-click picked %v, want the run from the selected video", hv.model.picked)
	}

	test.Tap(hv.picks.tag)
	form := w.Canvas().Overlays().Top()
	if form == nil {
		t.Fatal("no tag dialog")
	}
	for _, o := range test.LaidOutObjects(form) {
		if e, ok := o.(interface{ SetText(string) }); ok && strings.Contains(test.RenderObjectToMarkup(o), "sunsets") {
			e.SetText("dusk")
		}
	}
	test.Tap(findButton(form, "Add"))
	h.loop.until(t, "the tag on both", func() bool {
		return !hv.picks.busy && strings.Contains(strings.Join(hv.model.records[hv.model.indexOf(a.ID)].Tags, ","), "dusk") &&
			strings.Contains(strings.Join(hv.model.records[hv.model.indexOf(b.ID)].Tags, ","), "dusk")
	})

	// Ctrl+A picks every video; one action trashes them all, one Undo
	// brings them all back.
	press(w, &fyne.ShortcutSelectAll{})
	if len(hv.model.picked) != 3 || hv.picks.text.Text != "3 videos selected" {
		t.Fatalf("Ctrl+A picked %v (%q)", hv.model.picked, hv.picks.text.Text)
	}
	test.Tap(hv.picks.trash)
	h.loop.until(t, "all three in the trash, with Undo", func() bool {
		return len(hv.model.records) == 0 && strings.Contains(overlayText(w), "3 videos are in the trash")
	})
	if hv.picks.box.Visible() {
		t.Error("the bar stays with nothing picked")
	}
	test.Tap(findButton(w.Canvas().Overlays().Top(), "Put it back"))
	h.loop.until(t, "all three back", func() bool { return len(hv.model.records) == 3 })
	for _, r := range hv.model.records {
		if r.Trashed() {
			t.Errorf("%q is still trashed", r.Request.Prompt)
		}
	}

	// The grid picks the same way.
	test.Tap(hv.viewToggle)
	var tiles map[int64]*libraryTile
	h.loop.until(t, "three tiles", func() bool {
		w.Canvas().Refresh(w.Content())
		tiles = tilesIn(hv)
		return len(tiles) == 3
	})
	click(tiles[b.ID], 0)
	tiles = tilesIn(hv)
	click(tiles[c.ID], fyne.KeyModifierControl)
	tiles = tilesIn(hv)
	if hv.model.selected != b.ID || len(hv.model.picked) != 2 || !hv.model.picked[b.ID] || !hv.model.picked[c.ID] || !tiles[c.ID].back.Visible() || tiles[a.ID].back.Visible() {
		t.Errorf("in the grid: selected %d, picked %v", hv.model.selected, hv.model.picked)
	}
}

func TestSaveACopyOfTheSelectedVideos(t *testing.T) {
	h := newHarness(t, nil, true)
	hv := h.ui.library
	a := h.downloadOne(t, "keep a copy")
	b := h.downloadOne(t, "and of this")
	hv.list.Select(hv.model.indexOf(a.ID))
	dir := filepath.Join(t.TempDir(), "Copies")

	hv.menu.saveCopy(hv.model.chosenIDs(), dir)
	h.loop.until(t, "the copy saved", func() bool { return strings.Contains(overlayText(hv.win), "copied to") })
	if !strings.Contains(overlayText(hv.win), dir) {
		t.Errorf("the message does not say where: %s", overlayText(hv.win))
	}
	name := filepath.Base(a.Files[0].Path)
	for _, p := range []string{filepath.Join(dir, name), library.SidecarPath(filepath.Join(dir, name))} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("no copy: %v", err)
		}
	}
	closeTopDialog(hv.win.Canvas())

	// With several picked, all of them.
	hv.onCellTapped(b.ID, fyne.KeyModifierControl)
	if got := hv.model.chosenIDs(); len(got) != 2 {
		t.Fatalf("chosen %v", got)
	}
	dir2 := filepath.Join(t.TempDir(), "Both")
	hv.menu.saveCopy(hv.model.chosenIDs(), dir2)
	h.loop.until(t, "both copies saved", func() bool { return strings.Contains(overlayText(hv.win), "The 2 videos") })
	entries, _ := os.ReadDir(dir2)
	if len(entries) != 4 {
		t.Errorf("%d files in the folder, want two videos and their description files", len(entries))
	}
}

// gridTileOf switches the library to the grid and waits for r's tile to
// show its thumbnail.
func gridTileOf(t *testing.T, h *harness, r store.Record) *libraryTile {
	t.Helper()
	hv, w := h.ui.library, h.ui.main
	h.ui.mainWin.showLibrary()
	test.Tap(hv.viewToggle)
	var tile *libraryTile
	h.loop.until(t, "the tile's thumbnail", func() bool {
		w.Canvas().Refresh(w.Content())
		tile = tilesIn(hv)[r.ID]
		return tile != nil && tile.thumb.pic.Image != nil
	})
	return tile
}
