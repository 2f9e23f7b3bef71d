package gui

import (
	"fmt"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
	"github.com/reelhouse/reelhouse/history/store"
)

// TestOneChangeUpdatesOneRow: a task's status change runs the update of
// its own row only, in the list and in the grid, and the row shows it.
// (Fyne's own RefreshItem refreshes the whole view, every visible row.)
func TestOneChangeUpdatesOneRow(t *testing.T) {
	h := newHarness(t, nil, true)
	hv := h.ui.library
	hist := h.deps.Store
	base := time.Now().Add(-time.Hour)
	for i := range 30 {
		addFailed(t, hist, fmt.Sprintf("task %d", i), base.Add(time.Duration(i)*time.Minute))
	}
	h.ui.background(hv.model.reload)
	h.loop.until(t, "the first page", func() bool { return len(hv.model.records) == 30 })
	hv.show()

	for _, grid := range []bool{false, true} {
		if grid != hv.gridShown {
			hv.onToggleView()
		}
		hv.win.Canvas().Capture() // lays out and draws the visible rows
		var updated []int
		if grid {
			update := hv.grid.UpdateItem
			hv.grid.UpdateItem = func(i widget.GridWrapItemID, o fyne.CanvasObject) { updated = append(updated, i); update(i, o) }
		} else {
			update := hv.list.UpdateItem
			hv.list.UpdateItem = func(i widget.ListItemID, o fyne.CanvasObject) { updated = append(updated, i); update(i, o) }
		}
		r := hv.model.records[1]
		note := fmt.Sprintf("seen %v", grid)
		r, err := hist.Update(t.Context(), r.ID, store.Change{Note: &note, State: ptrTo(store.StateSuccess)}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		hv.model.onRecordChanged(r)
		if len(updated) != 1 || updated[0] != 1 {
			t.Errorf("grid %v: one change updated rows %v, want [1]", grid, updated)
		}
		if hv.model.records[1].Note != note {
			t.Errorf("grid %v: the row's record was not replaced", grid)
		}
	}
}

// Changes to videos on pages not loaded yet each ask for the count of the
// library again; asked fifty times while one count is under way, one more
// runs after it, not fifty, and the count is right at the end.
func TestRecountsAreCoalesced(t *testing.T) {
	h := newHarness(t, nil, true)
	h.downloadOne(t, "one video to count")
	m := h.ui.library.model
	h.loop.until(t, "the start-up work done", h.ui.settled)
	for range 50 {
		m.recount()
	}
	if n := h.ui.busy.Load(); n != 1 {
		t.Fatalf("%d background tasks at work after fifty recounts, want 1", n)
	}
	if !m.recounts.running || !m.recounts.again {
		t.Fatal("the recounts asked for meanwhile were not kept for later")
	}
	h.loop.until(t, "the counts done", func() bool { return h.ui.settled() && !m.recounts.running })
	if m.total != 1 || m.recounts.again {
		t.Fatalf("total %d (more to count: %v), want 1", m.total, m.recounts.again)
	}
}
