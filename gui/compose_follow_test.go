package gui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/reelhouse/reelhouse/history/store"
)

// TestANewVideoIsShownWhenReady: a video made from the compose pane is
// selected in the library once it is ready, with its player or picture
// shown; one the user moved away from meanwhile is left alone.
func TestANewVideoIsShownWhenReady(t *testing.T) {
	h := newHarness(t, nil, true)
	c, hv := h.ui.compose, h.ui.library
	h.ui.main.Resize(fyne.NewSize(1366, 700))
	ready := func(id int64) bool {
		i := hv.model.indexOf(id)
		return i >= 0 && hv.model.records[i].Download == store.DownloadDone
	}

	test.Type(c.prompt, "A lighthouse at dusk")
	test.Tap(c.generate)
	h.loop.until(t, "the video sent", func() bool { return c.followID != 0 })
	first := c.followID
	h.loop.until(t, "the new video selected when ready", func() bool { return ready(first) && hv.model.selected == first })
	h.loop.until(t, "its details shown", func() bool { return hv.detail.shownID == first && hv.detail.box.Visible() })

	// Sent, then the user looks at the first one again: it stays selected.
	c.prompt.SetText("A paper boat on a river")
	hv.model.selected = 0
	test.Tap(c.generate)
	h.loop.until(t, "the second video sent", func() bool { return c.followID != 0 && c.followID != first })
	second := c.followID
	hv.selectRecord(hv.model.records[hv.model.indexOf(first)])
	h.loop.until(t, "the second video ready", func() bool { return ready(second) })
	h.loop.pump()
	if hv.model.selected != first {
		t.Errorf("the library selected %d, not the video the user chose (%d)", hv.model.selected, first)
	}
}
