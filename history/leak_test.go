package history

import (
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/reelhouse/reelhouse/client/apitest"
)

// TestReliabilityNoGoroutineOutlivesStop stops a tracker in the middle of
// everything (a download trickling in, a query the service sits on, a
// refused key, an event subscriber that stopped reading) and checks that
// no goroutine of the tracker, the client or the subscription is left.
// It is not parallel: goleak looks at every goroutine of the process.
func TestReliabilityNoGoroutineOutlivesStop(t *testing.T) {
	before := goleak.IgnoreCurrent()
	e := newEnv(t, apitest.Config{VideosPerTask: 2, Padding: 256 << 10})
	e.sim.Inject(apitest.Fault{Kind: apitest.FaultTrickle, Target: apitest.TargetFiles, Times: -1, Delay: 50 * time.Millisecond})
	e.start(TrackerOptions{})

	downloading := e.submit("downloading when the app stops")
	e.waitFor("the download to be under way", func(ev Event) bool {
		return ev.Kind == EventProgress && ev.ID == downloading.ID && ev.Done > 0
	})
	queried := e.submit("queried when the app stops")
	e.sim.Inject(apitest.Fault{Kind: apitest.FaultSlow, Target: apitest.TargetTask, Delay: time.Hour})
	waitUntil(t, "a query the service sits on", func() bool { return e.sim.PendingFaults() == 1 }) // the trickle stays
	if r, _ := e.store.Get(t.Context(), queried.ID); r.State.Final() {
		t.Fatalf("the second task is already %s", r.State)
	}
	// A subscriber that never reads.
	_, unsubscribe := e.tracker.Subscribe()

	e.stop() // cancels Run and waits for it
	unsubscribe()
	e.api.CloseIdleConnections()
	// The simulator and the database are not the tracker's: their own
	// goroutines may still run until they are closed below.
	goleak.VerifyNone(t, before,
		goleak.IgnoreAnyFunction("net/http.(*conn).serve"),
		goleak.IgnoreAnyFunction("net/http/httptest.(*Server).goServe.func1"),
		goleak.IgnoreAnyFunction("database/sql.(*DB).connectionOpener"),
	)

	e.sim.Close()
	e.store.Close()
	goleak.VerifyNone(t, before)
}
