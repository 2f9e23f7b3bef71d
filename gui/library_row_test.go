package gui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"github.com/reelhouse/reelhouse/history/store"
)

// shownText is the text a label draws, after any truncation.
func shownText(o fyne.CanvasObject) string {
	var parts []string
	for _, c := range test.LaidOutObjects(o) {
		if t, ok := c.(*canvas.Text); ok && t.Visible() {
			parts = append(parts, t.Text)
		}
	}
	return strings.Join(parts, "")
}

// TestWorkingRowShowsItsPrompt: at the size of the golden pictures, the
// row of a video being made shows enough of its prompt to tell which one
// it is, its state with the wait in full, a placeholder where its
// thumbnail will be, and its prompt where the other rows have theirs.
func TestWorkingRowShowsItsPrompt(t *testing.T) {
	for _, tl := range goldenLanguages {
		t.Run("lang"+tl.suffix, func(t *testing.T) {
			w := newGoldenWorld(t, theme.VariantLight, tl.language, &fakeKeys{saved: "sk-golden"}, append(append([]goldenVideo{}, goldenResults...), goldenMaking))
			hv := w.ui.library
			making := w.ids[len(w.ids)-1]
			w.loop.until(t, "the usual time", func() bool { return hv.wait.usual[defaultModel] > 0 })
			w.settle(t, w.ui.main)
			w.ui.main.Canvas().Capture() // lays the rows out
			rows := rowsIn(hv)
			row := rows[making]
			if row == nil || len(rows) != len(w.ids) {
				t.Fatalf("%d rows on show, the working one %v", len(rows), row != nil)
			}
			const want = "Slow pan across a harbour"
			if got := shownText(row.prompt); !strings.HasPrefix(got, want) {
				t.Errorf("the working row shows its prompt as %q, want it to start %q", got, want)
			}
			status := hv.wait.rowStatus(hv.model.records[hv.model.indexOf(making)])
			if got := shownText(row.status); got != status {
				t.Errorf("the working row shows its state as %q, want %q in full", got, status)
			}
			if !placeholderShown(row) {
				t.Error("no placeholder where the thumbnail will be")
			}
			for id, r := range rows {
				x := func(o fyne.CanvasObject) float32 { return posIn(t, r, o).X }
				if id == making {
					continue
				}
				if x(r.prompt) != posIn(t, row, row.prompt).X || x(r.thumb.pic) != posIn(t, row, row.thumb.pic).X {
					t.Errorf("columns do not line up: prompt at %v (working row %v), thumbnail at %v (working row %v)",
						x(r.prompt), posIn(t, row, row.prompt).X, x(r.thumb.pic), posIn(t, row, row.thumb.pic).X)
				}
				if placeholderShown(r) {
					t.Error("a row with a thumbnail shows the placeholder")
				}
				if r.Size().Height != row.Size().Height {
					t.Errorf("rows of different heights: %v and %v", r.Size().Height, row.Size().Height)
				}
			}
			capture(t, w.ui.main, "library-working"+tl.suffix)

			// Its download under way: the bar beside the state, the prompt
			// still readable.
			i := hv.model.indexOf(making)
			hv.model.records[i].State, hv.model.records[i].Download = store.StateSuccess, store.DownloadWaiting
			hv.model.onProgress(making, 42, 100)
			row = rowsIn(hv)[making]
			if want := hv.wait.rowStatus(hv.model.records[i]); shownText(row.status) != want || !row.bar.Visible() || row.bar.Value != 0.42 {
				t.Errorf("downloading: state %q (want %q), bar shown %v at %v", shownText(row.status), want, row.bar.Visible(), row.bar.Value)
			}
			if got := shownText(row.prompt); !strings.HasPrefix(got, want) {
				t.Errorf("downloading: the prompt shows as %q", got)
			}
			w.ui.main.Content().Refresh() // the test driver draws again only what was refreshed
			capture(t, w.ui.main, "library-downloading"+tl.suffix)
		})
	}
}

// placeholderShown reports whether a row shows the box that stands for a
// thumbnail not made yet.
func placeholderShown(r *libraryRow) bool { return r.holder.Visible() }

// posIn is where o is inside root.
func posIn(t *testing.T, root, o fyne.CanvasObject) fyne.Position {
	t.Helper()
	var find func(c fyne.CanvasObject) (fyne.Position, bool)
	find = func(c fyne.CanvasObject) (fyne.Position, bool) {
		if c == o {
			return fyne.Position{}, true
		}
		var kids []fyne.CanvasObject
		switch c := c.(type) {
		case *fyne.Container:
			kids = c.Objects
		case fyne.Widget:
			kids = test.WidgetRenderer(c).Objects()
		}
		for _, k := range kids {
			if p, ok := find(k); ok {
				return k.Position().Add(p), true
			}
		}
		return fyne.Position{}, false
	}
	p, ok := find(root)
	if !ok {
		t.Fatalf("%T is not inside %T", o, root)
	}
	return p
}
