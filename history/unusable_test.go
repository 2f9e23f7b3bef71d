package history

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/client/apitest"
	"github.com/reelhouse/reelhouse/history/store"
)

// TestReliabilityUnusableAnswersShowOnTheRecord: answers about a task that cannot be
// used (too large, a captive portal's page, not JSON) put a problem on the
// record after a few polls and a line in the log, once; polling goes on,
// and when the service answers properly again the video is downloaded and
// the problem is gone.
func TestReliabilityUnusableAnswersShowOnTheRecord(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		kind  apitest.FaultKind
		facts string
	}{
		{apitest.FaultOversizedJSON, "larger than 1 MiB"},
		{apitest.FaultHTMLPage, "an HTML page"},
		{apitest.FaultNotJSON, "not JSON"},
	} {
		t.Run(fmt.Sprint(tc.kind), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, apitest.Config{PendingFor: time.Hour, RunningFor: time.Hour})
			e.sim.Inject(apitest.Fault{Kind: tc.kind, Target: apitest.TargetTask, Times: -1})
			log, logged := testLogger()
			e.start(TrackerOptions{Log: log})
			rec, err := e.tracker.Submit(t.Context(), client.CreateRequest{Model: "m", Prompt: "a lighthouse at dusk"})
			if err != nil {
				t.Fatal(err)
			}

			got := e.waitRecord(rec.ID, "the problem on the record", hasUnusableAnswers)
			_, facts, _ := store.ParseProblem(got.ErrorMessage)
			if !strings.Contains(facts, tc.facts) {
				t.Errorf("problem %q does not say %q", got.ErrorMessage, tc.facts)
			}
			if !got.Watching || got.State.Final() {
				t.Errorf("with unusable answers the record is %+v, want still watched", got)
			}
			if n := e.sim.Counts().Task; n < unusableAfter {
				t.Errorf("the problem came after %d queries, want at least %d", n, unusableAfter)
			}
			const line = "the service's answers about a task cannot be used"
			if !bytes.Contains(logged.Bytes(), []byte(line)) {
				t.Errorf("nothing logged:\n%s", logged.Bytes())
			}

			// A usable answer that changes nothing else clears the problem.
			e.sim.ClearFaults()
			e.waitRecord(rec.ID, "the problem cleared", func(r store.Record) bool {
				return r.ErrorMessage == "" && r.State == store.StatePending && r.Watching
			})
			e.sim.SetOutcome(rec.TaskID, client.StatusSuccess)
			done := e.waitRecord(rec.ID, "the video downloaded", downloaded)
			e.checkFiles(done, 1)
			if done.ErrorMessage != "" {
				t.Errorf("after usable answers the record still says %q", done.ErrorMessage)
			}
			if n := bytes.Count(logged.Bytes(), []byte(line)); n != 1 {
				t.Errorf("the problem was logged %d times, want once:\n%s", n, logged.Bytes())
			}
		})
	}
}
