package playback

import "time"

// Clock measures time for a Player that has no sound to follow (no sound
// track, or no sound device), and wakes it when a frame is due. Tests give
// a Player a clock they move by hand.
type Clock interface {
	// Now is the time since some fixed moment; it never goes back.
	Now() time.Duration
	// After sends once on the channel when at least d has passed. A clock
	// may also send earlier; the Player then looks at the time again.
	After(d time.Duration) <-chan time.Time
}

// Monotonic returns the clock of the machine.
func Monotonic() Clock { return monotonic{start: time.Now()} }

type monotonic struct{ start time.Time }

func (m monotonic) Now() time.Duration { return time.Since(m.start) }

func (m monotonic) After(d time.Duration) <-chan time.Time { return time.After(d) }
