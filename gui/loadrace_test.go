package gui

import (
	"context"
	"testing"
	"time"
)

// TestChangeDuringLoadIsKept: a video recorded while the list is being read
// from the store stays in the list, even though the rows read came from
// before it.
func TestChangeDuringLoadIsKept(t *testing.T) {
	h := newHarness(t, nil, true)
	hv := h.ui.library
	h.loop.until(t, "the first load", func() bool { return hv.count.Text != "" })

	done := make(chan struct{})
	go func() {
		defer close(done)
		hv.model.load(context.Background(), 0)
	}()
	// The load asks the UI for its query first, then reads the store and
	// hands its rows back to the UI: wait until those rows are queued.
	h.loop.until(t, "the load to start", func() bool { return hv.model.missed != nil })
	deadline := time.Now().Add(60 * time.Second)
	for {
		h.loop.mu.Lock()
		queued := len(h.loop.fns)
		h.loop.mu.Unlock()
		if queued > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the load never handed its rows back")
		}
		time.Sleep(5 * time.Millisecond)
	}
	<-done
	// A video the store did not have when it was read arrives now.
	rec, _, err := h.deps.Store.AddExisting(t.Context(), "made-during-the-load", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	hv.model.onRecordChanged(rec)
	h.loop.pump()
	if hv.model.indexOf(rec.ID) < 0 {
		t.Fatal("the video made while the list was read is not in the list")
	}
	h.loop.until(t, "the count", func() bool { return hv.model.total == len(hv.model.records) })
}
