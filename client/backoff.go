package client

import (
	"math/rand/v2"
	"time"
)

// Backoff is Reelhouse's one policy for waiting after failures: the wait
// doubles from Base with each failure in a row up to Max, is never shorter
// than the Retry-After the service asked for, and is spread by up to a
// tenth so that many waiters do not retry in lock-step. The spread only
// lengthens a wait, so a retry never comes sooner than Base (the polling
// interval the service recommends, say).
type Backoff struct {
	Base time.Duration // the first wait; a Base above Max stays the wait
	Max  time.Duration // the longest wait before Retry-After and spread
}

// Delay is the wait after the n-th failure in a row (n <= 1: Base), or
// Retry-After of err when that is longer; err may be nil.
func (b Backoff) Delay(n int, err error) time.Duration {
	d := max(b.Base, 0)
	for i := 1; i < n && d < b.Max; i++ {
		d *= 2
	}
	d = min(d, max(b.Max, b.Base))
	if ra, ok := RetryAfter(err); ok && ra > d {
		d = ra
	}
	return d + rand.N(d/10+1)
}
