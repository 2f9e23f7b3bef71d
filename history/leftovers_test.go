package history

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/client/apitest"
	"github.com/reelhouse/reelhouse/history/store"
)

// TestReliabilityFailedDownloadLeavesNothingBehind: a download the file host refuses
// for good leaves no part file, and what an earlier run left that no
// download can continue from is swept away when the tracker starts.
func TestReliabilityFailedDownloadLeavesNothingBehind(t *testing.T) {
	t.Parallel()
	e := newEnv(t, apitest.Config{})
	incoming := filepath.Dir(e.folder.PartPath("any", 0))
	for name, data := range map[string]string{
		"earlier-0.mp4.part":      "", // a failure of an older Reelhouse
		"earlier-1.mp4.part":      "bytes with no record to resume against",
		"earlier-2.mp4.part.meta": `{"etag":"\"x\"","size":3}`,
	} {
		if err := os.WriteFile(filepath.Join(incoming, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	id := e.sim.AddTask(client.CreateRequest{Model: "m", Prompt: "a link the host refuses"})
	e.sim.SetOutcome(id, client.StatusSuccess)
	rec := e.awaitingDownload(id, nil)
	e.sim.Inject(apitest.Fault{Kind: apitest.FaultStatus404, Target: apitest.TargetFiles, Times: -1})
	e.start(TrackerOptions{})
	failed := e.waitRecord(rec.ID, "the download to fail", func(r store.Record) bool { return r.Download == store.DownloadFailed })
	if code, _, _ := store.ParseProblem(failed.DownloadError); code != store.ProblemDownloadFailed {
		t.Fatalf("download error %q, want %s", failed.DownloadError, store.ProblemDownloadFailed)
	}
	entries, err := os.ReadDir(incoming)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("%s is left in %s", e.Name(), incoming)
	}
}
