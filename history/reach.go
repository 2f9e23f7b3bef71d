package history

import (
	"errors"

	"github.com/reelhouse/reelhouse/client"
)

// unreachableAfter is how many queries in a row, over all tasks, must fail
// to reach the service before the tracker says so: one failure is passing
// trouble, and a task only says "waiting" while it lasts.
const unreachableAfter = 3

// reachability counts the consecutive queries that could not reach the
// service. It lives in memory only: a failed poll writes nothing to the
// history. The tracker's lock guards it.
type reachability struct {
	fails int
	last  error
	down  bool // EventServiceUnreachable was published, and no answer since
}

// cannotReach reports whether err means the service could not be reached
// or failed on its side (no connection, timeouts, HTTP 408 and 5xx), as
// opposed to an answer: a refused key, an unknown task or a rate limit
// all prove the service is there.
func cannotReach(err error) bool {
	return client.IsTransient(err) && !client.IsRateLimited(err) && !errors.Is(err, client.ErrMalformedResponse)
}

// serviceAnswer records the outcome of one query to the service: err nil
// or an answer of the service's own counts as reached. Events are
// published under the lock so that "unreachable" and "reachable" arrive
// in the order they happened.
func (t *Tracker) serviceAnswer(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := &t.reach
	if err != nil && cannotReach(err) {
		r.fails++
		r.last = err
		if !r.down && r.fails >= unreachableAfter {
			r.down = true
			t.events.publish(Event{Kind: EventServiceUnreachable, Err: err, Message: err.Error()})
		}
		return
	}
	r.fails, r.last = 0, nil
	if r.down {
		r.down = false
		t.events.publish(Event{Kind: EventServiceReachable})
	}
}

// ServiceUnreachable reports whether the last few queries all failed to
// reach the service, and the last failure.
func (t *Tracker) ServiceUnreachable() (bool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.reach.down, t.reach.last
}
