package gui

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history/store"
)

// TestReliabilityDownloadFromNonWebAddressOffersNoRetry: when the service sent a
// video address that is not a web address (file:, say), the problem says
// so and no “Retry download” is offered: the service would send the same.
func TestReliabilityDownloadFromNonWebAddressOffersNoRetry(t *testing.T) {
	h := newHarness(t, nil, true)
	ctx := t.Context()
	c, err := client.New("http://127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	_, dlErr := c.Download(ctx, "file:///srv/videos/v.mp4", filepath.Join(t.TempDir(), "v.part"), client.DownloadOptions{})
	if dlErr == nil {
		t.Fatal("a file: address was downloaded")
	}
	hist := h.deps.Store
	rec, _, err := hist.AddExisting(ctx, "sent-a-file-address", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	st, failed := store.StateSuccess, store.DownloadFailed
	msg := store.ProblemDownloadFailed + ": " + dlErr.Error()
	if _, err := hist.Update(ctx, rec.ID, store.Change{State: &st, Watching: new(bool), Download: &failed, DownloadError: &msg}, time.Now()); err != nil {
		t.Fatal(err)
	}
	hv := h.ui.library
	h.loop.until(t, "the failed download", func() bool {
		i := hv.model.indexOf(rec.ID)
		return i >= 0 && hv.model.records[i].Download == store.DownloadFailed && hv.model.records[i].DownloadError == msg
	})
	hv.list.Select(hv.model.indexOf(rec.ID))
	problem := hv.detail.fields["Problem"].Text
	if strings.Contains(problem, "Retry download") || strings.Contains(problem, "secure") ||
		!strings.Contains(problem, "cannot download from") {
		t.Errorf("problem %q: want it to say the address cannot be downloaded from, without offering a retry", problem)
	}
	if !hv.detail.actions.retryBtn.Disabled() && hv.detail.actions.retryBtn.Visible() {
		t.Error("“Retry download” is offered for an address no retry can fetch")
	}
	if !strings.HasSuffix(problem, ".") {
		t.Errorf("%q does not end with a full stop", problem)
	}
}
