package gui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/client/apitest"
	"github.com/reelhouse/reelhouse/history/store"
)

// inOverlays finds the first object of type T in a window's dialogs that
// satisfies ok.
func inOverlays[T fyne.CanvasObject](w fyne.Window, ok func(T) bool) (T, bool) {
	for _, o := range w.Canvas().Overlays().List() {
		for _, obj := range test.LaidOutObjects(o) {
			if v, is := obj.(T); is && ok(v) {
				return v, true
			}
		}
	}
	var zero T
	return zero, false
}

func TestUncertainEntryTakesItsTaskID(t *testing.T) {
	h := newHarness(t, nil, true)
	h.sim.Inject(apitest.Fault{Kind: apitest.FaultDropAfterRead, Target: apitest.TargetCreate})
	rec, err := h.deps.Tracker.Submit(t.Context(), client.CreateRequest{Model: "m", Prompt: "did my fox start?", Ratio: "9:16"})
	if err == nil || rec.State != store.StateUncertain {
		t.Fatalf("Submit = %+v, %v; want an uncertain entry", rec, err)
	}
	taskID := h.sim.TaskIDs()[0]
	hv := h.ui.library
	hv.win.Resize(fyne.NewSize(1100, 700))
	h.loop.until(t, "the uncertain entry in the list", func() bool { return hv.model.indexOf(rec.ID) >= 0 })
	hv.list.Select(hv.model.indexOf(rec.ID))
	if hv.detail.actions.attachBtn.Disabled() || !hv.detail.actions.attachBtn.Visible() {
		t.Fatal("an uncertain entry must offer “I have its task id”")
	}
	test.Tap(hv.detail.actions.attachBtn)
	entry, ok := inOverlays(hv.win, func(*houseEntry) bool { return true })
	if !ok {
		t.Fatal("no task id entry in the dialog")
	}
	test.Type(entry, taskID)
	button, ok := inOverlays(hv.win, func(b *widget.Button) bool { return b.Text == "Attach" })
	if !ok {
		t.Fatal("no Attach button in the dialog")
	}
	test.Tap(button)
	h.loop.until(t, "the entry to become the downloaded task", func() bool {
		i := hv.model.indexOf(rec.ID)
		return i >= 0 && hv.model.records[i].TaskID == taskID && statusText(hv.model.records[i]) == "Downloaded"
	})
	if len(hv.model.records) != 1 {
		t.Errorf("%d entries, want the one settled entry", len(hv.model.records))
	}
	if got := hv.detail.fields["Options"].Text; got != "ratio 9:16" {
		t.Errorf("options %q", got)
	}
	if hv.detail.actions.attachBtn.Visible() && !hv.detail.actions.attachBtn.Disabled() {
		t.Error("a settled entry still offers “I have its task id”")
	}
}

func TestUnreachableServiceShowsBanner(t *testing.T) {
	h := newHarnessWith(t, apitest.Config{})
	hv := h.ui.library
	hv.win.Resize(fyne.NewSize(1100, 700))
	h.sim.Inject(apitest.Fault{Kind: apitest.FaultStatus500, Target: apitest.TargetTask, Times: -1})
	rec, err := h.deps.Tracker.Submit(t.Context(), client.CreateRequest{Model: "m", Prompt: "waiting for a service"})
	if err != nil {
		t.Fatal(err)
	}
	h.loop.until(t, "the banner", func() bool { return hv.banner.Visible() })
	i := hv.model.indexOf(rec.ID)
	if i < 0 || hv.wait.rowStatus(hv.model.records[i]) != "Can't reach the service — will keep trying" {
		t.Errorf("row status %q", hv.wait.rowStatus(hv.model.records[i]))
	}
	if !strings.Contains(hv.bannerText.Text, "Can't reach the service") {
		t.Errorf("banner says %q", hv.bannerText.Text)
	}
	capture(t, hv.win, "history-unreachable")
	test.Tap(hv.bannerDetails)
	h.loop.until(t, "the details dialog", func() bool { return strings.Contains(overlayText(hv.win), "HTTP 500") })

	h.sim.ClearFaults()
	h.loop.until(t, "the banner to go", func() bool { return !hv.banner.Visible() })
	if got := hv.wait.rowStatus(hv.model.records[hv.model.indexOf(rec.ID)]); strings.Contains(got, "reach") {
		t.Errorf("row status %q after the service answered", got)
	}
}

func TestNotSentSaysWhyInCompose(t *testing.T) {
	h := newHarness(t, nil, true)
	h.sim.Inject(apitest.Fault{Kind: apitest.FaultStatus500, Target: apitest.TargetCreate})
	c := h.ui.compose
	test.Type(c.prompt, "a refused request")
	test.Tap(c.generate)
	hv := h.ui.library
	h.loop.until(t, "the answer", func() bool {
		return !c.inFlight && len(hv.model.records) == 1 && hv.model.records[0].State == store.StateNotSent
	})
	// A later change of the entry (a favourite, say) must not hide why.
	if err := h.deps.Library.SetFavourite(t.Context(), hv.model.records[0].ID, true); err != nil {
		t.Fatal(err)
	}
	h.loop.until(t, "the favourite", func() bool { return hv.model.records[0].Favourite })
	if !strings.Contains(c.status.Text, "Not sent") || !strings.Contains(c.status.Text, "HTTP 500") {
		t.Errorf("compose status %q, want “Not sent” and why", c.status.Text)
	}
}

func TestDownloadOfTaskGoneOffersNoRetry(t *testing.T) {
	h := newHarness(t, nil, true)
	ctx := t.Context()
	hist := h.deps.Store
	rec, _, err := hist.AddExisting(ctx, "gone-from-the-service", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	st := store.StateSuccess
	if _, err := hist.Update(ctx, rec.ID, store.Change{State: &st, Watching: new(bool)}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := h.deps.Tracker.RetryDownload(ctx, rec.ID); err != nil {
		t.Fatal(err)
	}
	hv := h.ui.library
	h.loop.until(t, "the download to fail", func() bool {
		i := hv.model.indexOf(rec.ID)
		return i >= 0 && hv.model.records[i].Download == store.DownloadFailed
	})
	hv.list.Select(hv.model.indexOf(rec.ID))
	problem := hv.detail.fields["Problem"].Text
	if strings.Contains(problem, "Retry download") || !strings.Contains(problem, "no longer") {
		t.Errorf("problem %q: want it to say the task is gone, without offering a retry", problem)
	}
	if !hv.detail.actions.retryBtn.Disabled() && hv.detail.actions.retryBtn.Visible() {
		t.Error("“Retry download” is offered for a task the service no longer has")
	}
	for _, sentence := range strings.Split(problem, "\n") {
		if !strings.HasSuffix(sentence, ".") {
			t.Errorf("%q does not end with a full stop", sentence)
		}
	}
}

func TestCountSaysTasksAndVideos(t *testing.T) {
	h := newHarnessWith(t, apitest.Config{VideosPerTask: 3})
	h.sim.Inject(apitest.Fault{Kind: apitest.FaultStatus500, Target: apitest.TargetCreate})
	if _, err := h.deps.Tracker.Submit(t.Context(), client.CreateRequest{Model: "m", Prompt: "never sent"}); err == nil {
		t.Fatal("the create must fail")
	}
	rec, err := h.deps.Tracker.Submit(t.Context(), client.CreateRequest{Model: "m", Prompt: "three foxes"})
	if err != nil {
		t.Fatal(err)
	}
	hv := h.ui.library
	h.loop.until(t, "the three videos", func() bool {
		i := hv.model.indexOf(rec.ID)
		return i >= 0 && statusText(hv.model.records[i]) == "Downloaded"
	})
	h.loop.until(t, "the count", func() bool { return hv.count.Text == "3 videos" })
}

// TestUnusableAnswersShowOnTheRow: answers the service sends about a video
// that Reelhouse cannot use show on its row and in the detail pane, with
// what they were under "Details…", and go away once the service answers
// properly; the video is then downloaded.
func TestUnusableAnswersShowOnTheRow(t *testing.T) {
	h := newHarnessWith(t, apitest.Config{})
	hv := h.ui.library
	hv.win.Resize(fyne.NewSize(1100, 700))
	h.sim.Inject(apitest.Fault{Kind: apitest.FaultHTMLPage, Target: apitest.TargetTask, Times: -1})
	rec, err := h.deps.Tracker.Submit(t.Context(), client.CreateRequest{Model: "m", Prompt: "behind a captive portal"})
	if err != nil {
		t.Fatal(err)
	}
	h.loop.until(t, "the problem on the row", func() bool {
		i := hv.model.indexOf(rec.ID)
		return i >= 0 && hv.wait.rowStatus(hv.model.records[i]) == unusableText
	})
	hv.list.Select(hv.model.indexOf(rec.ID))
	h.loop.until(t, "the problem in the detail pane", func() bool {
		return strings.Contains(hv.detail.fields["Problem"].Text, "cannot be used") && hv.detail.serviceBtn.Visible()
	})
	test.Tap(hv.detail.serviceBtn)
	h.loop.until(t, "the details dialog", func() bool { return strings.Contains(overlayText(hv.win), "an HTML page") })
	closeTopDialog(hv.win.Canvas())

	h.sim.ClearFaults()
	h.loop.until(t, "the video downloaded", func() bool {
		i := hv.model.indexOf(rec.ID)
		return i >= 0 && statusText(hv.model.records[i]) == "Downloaded"
	})
	r := hv.model.records[hv.model.indexOf(rec.ID)]
	if got := hv.wait.rowStatus(r); got == unusableText || r.ErrorMessage != "" {
		t.Errorf("after usable answers the row says %q and the record %q", got, r.ErrorMessage)
	}
}
