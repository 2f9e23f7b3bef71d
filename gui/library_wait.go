package gui

import (
	"context"
	"errors"
	"fmt"
	"time"

	"fyne.io/fyne/v2/lang"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history/store"
)

// canceller asks the service to stop making a video and stops following
// it; *history.Tracker is one.
type canceller interface {
	Cancel(ctx context.Context, id int64) error
	// CancelOffered reports whether the service may be asked at all: false
	// once it said it cancels nothing. It reads no disk.
	CancelOffered() bool
}

// What is said when the service refuses to cancel a video, which is still
// watched and downloaded when it is ready.
const (
	// cannotCancelText: refused for another reason (an unknown task).
	cannotCancelText = "The service would not cancel this video; Reelhouse keeps watching it."
	// tooLateText: the service has started or finished the video.
	tooLateText = "Too late to cancel: it will be downloaded when it is ready."
	// noCancelText: the service cancels no video at all.
	noCancelText = "This service does not let videos be cancelled; it will be downloaded when it is ready."
)

// cannotCancel reports whether err says the service cannot cancel the task
// any more, as opposed to a failure to ask at all.
func cannotCancel(err error) bool { return errors.Is(err, client.ErrCannotCancel) }

// refusalText is the sentence for a refused cancel (cannotCancel).
func refusalText(err error) string {
	switch {
	case errors.Is(err, client.ErrCancelUnsupported):
		return lang.L(noCancelText)
	case errors.Is(err, client.ErrCancelTooLate):
		return lang.L(tooLateText)
	}
	return lang.L(cannotCancelText)
}

// beingMade reports whether r is a video Reelhouse is waiting for: being
// sent, made on the service while watched, or downloaded.
func beingMade(r store.Record) bool {
	switch r.State {
	case store.StateSubmitting:
		return true
	case store.StateSuccess:
		return r.Download == store.DownloadWaiting
	}
	return r.Watching && !r.State.Final()
}

// canCancel reports whether the service may still be asked to cancel r.
func canCancel(r store.Record) bool {
	return r.TaskID != "" && !r.Trashed() && (r.State == store.StatePending || r.State == store.StateRunning)
}

// libraryWait is what the rows, the tiles and the detail pane say about
// videos on their way: their state, how long they have waited and how long
// their model usually takes, and how far their download got.
type libraryWait struct {
	m *libraryModel
	// usual holds the usual time of each model asked about (0: not known
	// yet); usualAsked says which are asked or being asked.
	usual      map[string]time.Duration
	usualAsked map[string]bool
	now        func() time.Time // the clock of the elapsed times; tests replace it
}

func newLibraryWait(m *libraryModel) *libraryWait {
	w := &libraryWait{m: m, usual: make(map[string]time.Duration), usualAsked: make(map[string]bool), now: time.Now}
	m.watch(libraryWatcher{changed: func(r store.Record) {
		if r.State == store.StateSuccess && r.Download == store.DownloadDone {
			w.forgetUsual(r.Request.Model) // one more success to count
		}
	}})
	return w
}

// rowStatus is the status column, with download progress when known.
func (v *libraryWait) rowStatus(r store.Record) string {
	if v.m.unreachable && r.Watching && !r.State.Final() {
		return lang.L(unreachableText)
	}
	if unusableAnswers(r) {
		return lang.L(unusableText)
	}
	if p, ok := v.downloading(r); ok {
		return lang.L("Downloading {{.Percent}}%", map[string]any{"Percent": int(p * 100)})
	}
	if beingMade(r) && r.State != store.StateSuccess {
		return lang.L("{{.Status}} {{.Wait}}", map[string]any{"Status": statusText(r), "Wait": v.waitText(r)})
	}
	return statusText(r)
}

// downloading is the download progress of r, while its videos download
// and the size is known.
func (v *libraryWait) downloading(r store.Record) (float64, bool) {
	p, ok := v.m.progress[r.ID]
	return p, ok && r.State == store.StateSuccess && r.Download == store.DownloadWaiting
}

// waitText is how long r has been on its way, and how long its model
// usually takes once that is known: "2:13 · usually 3:40".
func (v *libraryWait) waitText(r store.Record) string {
	s := clockText(v.now().Sub(r.CreatedAt))
	if d := v.usualFor(r.Request.Model); d > 0 {
		s = lang.L("{{.Elapsed}} · usually {{.Usual}}", map[string]any{"Elapsed": s, "Usual": clockText(d)})
	}
	return s
}

// clockText is a duration as a clock shows it: "0:07", "2:13", "1:02:13".
func clockText(d time.Duration) string {
	d = max(d, 0).Round(time.Second)
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, s)
	}
	return fmt.Sprintf("%d:%02d", m, s)
}

// usualFor is the usual time of model, or 0 while it is not known; the
// first call for a model asks the store in the background.
func (v *libraryWait) usualFor(model string) time.Duration {
	if d, ok := v.usual[model]; ok || v.usualAsked[model] {
		return d
	}
	v.usualAsked[model] = true
	u := v.m.ui
	u.background(func(ctx context.Context) {
		d, err := u.deps.Store.UsualDuration(ctx, model)
		if err != nil {
			return // the wait shows without it
		}
		u.do(func() {
			if !v.usualAsked[model] {
				return // forgotten meanwhile: a newer answer is coming
			}
			v.usual[model] = d
			v.onTick()
		})
	})
	return 0
}

// forgetUsual drops the usual time of model, to be asked again when next
// shown.
func (v *libraryWait) forgetUsual(model string) {
	delete(v.usual, model)
	delete(v.usualAsked, model)
}

// onTick moves the elapsed times of the rows being made on.
func (v *libraryWait) onTick() {
	m := v.m
	for i, r := range m.records {
		if beingMade(r) {
			m.drawRow(i)
			if r.ID == m.selected {
				m.statusChanged(r)
			}
		}
	}
}
