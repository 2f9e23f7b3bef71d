package gui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/reelhouse/reelhouse/history"
	"github.com/reelhouse/reelhouse/history/store"
)

// relayout lays w out afresh, as the test driver does only when a window
// is resized.
func relayout(w fyne.Window) {
	size := w.Canvas().Size()
	w.Resize(size.AddWidthHeight(0, 1))
	w.Resize(size)
}

// rowsAt is where the rows of the library's list begin on the window,
// laid out afresh.
func rowsAt(hv *libraryView) fyne.Position {
	relayout(hv.win)
	pos, _ := absPos(hv.win.Content(), hv.list, fyne.NewPos(0, 0))
	return pos
}

// TestNothingMovesTheRowsDown: the bar of picked videos and the banners
// come and go below the rows, so the row under the pointer stays put
// (Ctrl-clicking a second video pushed the rows 165 px down, and the next
// click landed beside "Move to trash").
func TestNothingMovesTheRowsDown(t *testing.T) {
	h := newHarness(t, nil, true)
	hv := h.ui.library
	w := h.ui.main
	w.Resize(fyne.NewSize(1366, 700))
	a := h.downloadOne(t, "first")
	b := h.downloadOne(t, "second")
	rows := h.shownRows(t, 2)
	click(rows[a.ID], 0)
	before := rowsAt(hv)
	click(rows[b.ID], fyne.KeyModifierControl)
	if !hv.picks.box.Visible() {
		t.Fatal("Ctrl-click showed no bar of picked videos")
	}
	if after := rowsAt(hv); after != before {
		t.Errorf("the bar of picked videos moved the rows from %v to %v", before, after)
	}
	hv.onServiceUnreachable()
	hv.onLibraryUnavailable()
	h.loop.pump()
	if !hv.banner.Visible() || !hv.folderBanner.Visible() {
		t.Fatal("the banners are not shown")
	}
	if after := rowsAt(hv); after != before {
		t.Errorf("the banners moved the rows from %v to %v", before, after)
	}
}

// TestLibraryWordsAndSymbols: the count is in videos, a favourite has the
// same star in the grid as in the list, and the search box has a button
// that empties it.
func TestLibraryWordsAndSymbols(t *testing.T) {
	h := newHarness(t, nil, true)
	hv := h.ui.library
	w := h.ui.main
	w.Resize(fyne.NewSize(1366, 700))
	a := h.downloadOne(t, "a fox")
	h.loop.until(t, "the count", func() bool { return hv.count.Text == "1 video" })
	if strings.Contains(hv.count.Text, "task") {
		t.Errorf("count %q speaks of tasks", hv.count.Text)
	}
	if err := h.deps.Library.SetFavourite(t.Context(), a.ID, true); err != nil {
		t.Fatal(err)
	}
	hv.setGridShown(true)
	h.loop.until(t, "a starred tile", func() bool {
		w.Canvas().Refresh(w.Content())
		for _, tile := range tilesIn(hv) {
			if tile.heart.Text != "" {
				return tile.heart.Text == "★"
			}
		}
		return false
	})
	f := hv.filter
	if f.clear.Visible() {
		t.Error("a clear button in an empty search box")
	}
	test.Type(f.search, "fox")
	if !f.clear.Visible() {
		t.Fatal("no clear button once something is typed")
	}
	test.Tap(f.clear)
	if f.search.Text != "" || f.clear.Visible() {
		t.Errorf("after clearing: %q, button shown %v", f.search.Text, f.clear.Visible())
	}
}

// TestDetailStartsAtTheTopForEachVideo: the details of a newly selected
// video start at the top, where the player is, not where the last one was
// left; a video the user cancelled says so in a sentence.
func TestDetailStartsAtTheTopForEachVideo(t *testing.T) {
	h := newHarness(t, nil, true)
	hv := h.ui.library
	w := h.ui.main
	w.Resize(fyne.NewSize(1366, 700))
	a := h.downloadOne(t, "first")
	b := h.downloadOne(t, "second")
	hv.selectRecord(a)
	h.loop.pump()
	d := hv.detail
	d.scroll.ScrollToBottom()
	if d.scroll.Offset.Y == 0 {
		t.Skip("the details fit without scrolling at this size")
	}
	hv.selectRecord(b)
	h.loop.pump()
	if d.scroll.Offset.Y != 0 {
		t.Errorf("the details of another video start %v px down", d.scroll.Offset.Y)
	}
	r := store.Record{State: store.StateCancelled, ErrorCode: history.ErrorCodeCancelled}
	if got := recordProblems(r, false); !strings.Contains(got, "You cancelled this video") {
		t.Errorf("a cancelled video says %q", got)
	}
}

// TestTheDividerKeepsItsPlace: selecting the first video does not move the
// divider between the list and the details (the details asked for more
// room once shown, and the divider jumped 33 px to the left).
func TestTheDividerKeepsItsPlace(t *testing.T) {
	h := newHarness(t, nil, true)
	hv := h.ui.library
	w := h.ui.main
	w.Resize(fyne.NewSize(1280, 720)) // the window as it opens
	a := h.downloadOne(t, "first")
	h.ui.mainWin.showLibrary()
	listWidth := func() float32 {
		relayout(w)
		return hv.list.Size().Width
	}
	before := listWidth()
	hv.selectRecord(a)
	h.loop.until(t, "the details shown", func() bool { return hv.detail.box.Visible() })
	if after := listWidth(); after != before {
		t.Errorf("the list was %v wide, and %v once a video was selected", before, after)
	}
}
