package gui

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history/store"
)

// fakeTimers stands in for time.AfterFunc: nothing fires until the test
// says so.
type fakeTimers struct {
	fns     []func()
	stopped []bool
}

func (f *fakeTimers) after(_ time.Duration, fn func()) func() bool {
	i := len(f.fns)
	f.fns = append(f.fns, fn)
	f.stopped = append(f.stopped, false)
	return func() bool { f.stopped[i] = true; return true }
}

// fireAll fires every timer, stopped or not, as a real timer stopped too
// late would.
func (f *fakeTimers) fireAll() {
	for _, fn := range f.fns {
		fn()
	}
}

func TestSearchFindsAccentsAsTheStoreDoes(t *testing.T) {
	h := newHarness(t, nil, true)
	hv := h.ui.library
	timers := &fakeTimers{}
	hv.model.after = timers.after
	for _, p := range []string{"Un CAFÉ noir", "a cafeteria at noon", "tea"} {
		if _, err := h.deps.Tracker.Submit(t.Context(), client.CreateRequest{Model: "m", Prompt: p}); err != nil {
			t.Fatal(err)
		}
	}
	h.loop.until(t, "three records", func() bool { return len(hv.model.records) == 3 })
	test.Type(hv.filter.search, "cafe")
	timers.fireAll()
	h.loop.until(t, "the search applied", func() bool { return hv.model.shown.Text == "cafe" && len(hv.model.records) == 2 })
	want, err := h.deps.Store.Count(t.Context(), hv.model.shown)
	if err != nil {
		t.Fatal(err)
	}
	if hv.model.total != want || len(hv.model.records) != want {
		t.Errorf("list shows %d of %d, the store finds %d", len(hv.model.records), hv.model.total, want)
	}
}

func TestTypingQuicklyLoadsOnce(t *testing.T) {
	h := newHarness(t, nil, true)
	hv := h.ui.library
	timers := &fakeTimers{}
	hv.model.after = timers.after
	if _, err := h.deps.Tracker.Submit(t.Context(), client.CreateRequest{Model: "m", Prompt: "hello world"}); err != nil {
		t.Fatal(err)
	}
	h.loop.until(t, "the record", func() bool { return len(hv.model.records) == 1 && hv.model.shown.Limit > 0 })
	before := hv.model.loadSeq
	test.Type(hv.filter.search, "hello")
	h.loop.pump()
	if hv.model.loadSeq != before {
		t.Fatalf("%d loads while typing, want none until typing pauses", hv.model.loadSeq-before)
	}
	if len(timers.fns) != 5 || slices.Index(timers.stopped, false) != 4 {
		t.Errorf("timers %v stopped %v: each keystroke must stop the timer of the one before", len(timers.fns), timers.stopped)
	}
	timers.fireAll()
	h.loop.until(t, "the search applied", func() bool { return hv.model.shown.Text == "hello" })
	if n := hv.model.loadSeq - before; n != 1 {
		t.Errorf("typing 5 characters made %d loads, want 1", n)
	}
}

// addFailed records a finished, failed task created at when, directly in
// the store, so that the tracker leaves it alone.
func addFailed(t *testing.T, s *store.Store, prompt string, when time.Time) store.Record {
	t.Helper()
	rec, err := s.AddSubmission(t.Context(), client.CreateRequest{Model: "m", Prompt: prompt}, when)
	if err != nil {
		t.Fatal(err)
	}
	st := store.StateFailed
	rec, err = s.Update(t.Context(), rec.ID, store.Change{State: &st, Favourite: ptrTo(true)}, when)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func ptrTo[T any](v T) *T { return &v }

func TestLiveUpdatesKeepOrderAndCount(t *testing.T) {
	h := newHarness(t, nil, true)
	hv := h.ui.library
	hist := h.deps.Store
	base := time.Now().Add(-time.Hour)
	recs := make([]store.Record, 15)
	for i := range recs {
		recs[i] = addFailed(t, hist, fmt.Sprintf("task %d", i), base.Add(time.Duration(i)*time.Minute))
	}
	setFav := func(i int, on bool) store.Record {
		r, err := hist.Update(t.Context(), recs[i].ID, store.Change{Favourite: &on}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	// Favourites, newest first, five to a page: all but tasks 13 and 1.
	setFav(13, false)
	setFav(1, false)
	hv.model.pageSize = 5
	hv.filter.view.SetSelected(filterFavourites)
	h.loop.until(t, "the first page of favourites", func() bool {
		return hv.model.shown.Favourites && len(hv.model.records) == 5 && hv.model.total == 13
	})
	ids := func() []int64 {
		var out []int64
		for _, r := range hv.model.records {
			out = append(out, r.ID)
		}
		return out
	}
	if want := []int64{recs[14].ID, recs[12].ID, recs[11].ID, recs[10].ID, recs[9].ID}; !slices.Equal(ids(), want) {
		t.Fatalf("first page %v, want %v", ids(), want)
	}

	// Task 13 becomes a favourite: second row, not the top.
	hv.model.onRecordChanged(setFav(13, true))
	if want := []int64{recs[14].ID, recs[13].ID, recs[12].ID, recs[11].ID, recs[10].ID, recs[9].ID}; !slices.Equal(ids(), want) || hv.model.total != 14 {
		t.Errorf("after task 13 became a favourite: %v of %d, want %v of 14", ids(), hv.model.total, want)
	}
	// Task 12 stops being one: its row goes, and the count with it.
	hv.model.onRecordChanged(setFav(12, false))
	if hv.model.indexOf(recs[12].ID) >= 0 || hv.model.total != 13 {
		t.Errorf("task 12 still listed (%v) or count %d, want 13", hv.model.indexOf(recs[12].ID) >= 0, hv.model.total)
	}
	// A favourite on a page not loaded yet changes: nothing moves to the
	// top, and it is not counted twice.
	r2, err := hist.Update(t.Context(), recs[2].ID, store.Change{Note: ptrTo("seen")}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	hv.model.onRecordChanged(r2)
	if hv.model.indexOf(r2.ID) >= 0 || hv.model.total != 13 {
		t.Errorf("task 2 from page 3 listed at %d, count %d; want it unlisted and 13", hv.model.indexOf(r2.ID), hv.model.total)
	}
	// Task 1 becomes a favourite, on a page not loaded yet: the hist is
	// asked for the count.
	hv.model.onRecordChanged(setFav(1, true))
	if hv.model.indexOf(recs[1].ID) >= 0 {
		t.Errorf("task 1 listed at %d before its page is loaded", hv.model.indexOf(recs[1].ID))
	}
	h.loop.until(t, "the count read again", func() bool { return hv.model.total == 14 })

	// Loading the other pages gives exactly what the hist lists.
	for len(hv.model.records) < hv.model.total {
		n := len(hv.model.records)
		hv.model.loadMore()
		h.loop.until(t, "another page", func() bool { return len(hv.model.records) > n })
	}
	q := hv.model.shown
	q.Limit = 100
	all, err := hist.List(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	var want []int64
	for _, r := range all {
		want = append(want, r.ID)
	}
	if !slices.Equal(ids(), want) || hv.model.total != len(all) {
		t.Errorf("list %v of %d, the hist lists %v", ids(), hv.model.total, want)
	}
}

func TestPromptCannotReverseTheAppsWords(t *testing.T) {
	h := newHarness(t, nil, true)
	c := h.ui.compose
	test.Type(c.prompt, "evil \u202Eprompt")
	test.Tap(c.generate)
	h.loop.until(t, "the video ready", func() bool { return strings.Contains(c.status.Text, "ready") })
	if strings.ContainsFunc(c.status.Text, bidiControl) || !strings.Contains(c.status.Text, "evil-prompt") {
		t.Errorf("status line %q holds bidi controls", c.status.Text)
	}
	hv := h.ui.library
	hv.win.Resize(hv.win.Canvas().Size().AddWidthHeight(600, 400))
	h.loop.until(t, "the row", func() bool { return len(hv.model.records) == 1 })
	hv.list.Refresh()
	markup := test.RenderObjectToMarkup(hv.list)
	if strings.ContainsFunc(markup, bidiControl) || !strings.Contains(markup, "evil prompt") {
		t.Errorf("history row holds bidi controls: %q", hv.model.records[0].Request.Prompt)
	}
	for in, want := range map[string]string{
		"plain":                       "plain",
		"\u202Eabc\u202C":             "abc",
		"a\u2066b\u2069c\u200F\u061C": "abc",
		"שלום":                        "שלום",
	} {
		if got := userText(in); got != want {
			t.Errorf("userText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestGenerateTwiceAsksFirst(t *testing.T) {
	h := newHarness(t, nil, true)
	c := h.ui.compose
	test.Type(c.prompt, "one paid video")
	test.Tap(c.generate)
	test.Tap(c.generate) // a double click
	h.loop.until(t, "the request sent", func() bool { return !c.inFlight })
	if n := h.sim.Counts().Create; n != 1 {
		t.Fatalf("two quick presses made %d tasks, want 1", n)
	}
	// The same again within a minute asks first.
	test.Tap(c.generate)
	h.loop.pump()
	overlay := c.win.Canvas().Overlays().Top()
	if overlay == nil || !strings.Contains(overlayText(c.win), "Make another video from the same prompt?") {
		t.Fatalf("no question before sending the same request again; overlays: %q", overlayText(c.win))
	}
	if n := h.sim.Counts().Create; n != 1 {
		t.Fatalf("%d tasks before the user answered, want 1", n)
	}
	yes := findButton(overlay, "Yes")
	if yes == nil {
		t.Fatal("no Yes button in the question")
	}
	test.Tap(yes)
	h.loop.until(t, "the second request sent", func() bool { return !c.inFlight && h.sim.Counts().Create == 2 })
	// Something else is sent without a question.
	test.Type(c.prompt, ", at night")
	test.Tap(c.generate)
	h.loop.until(t, "the third request sent", func() bool { return !c.inFlight && h.sim.Counts().Create == 3 })
}
