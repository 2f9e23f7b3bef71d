package playback

import (
	"errors"
	"sync"
	"time"
)

// fakeClock is moved by hand. Every Advance wakes every waiter, due or
// not, which a Player must take (it looks at the time again).
type fakeClock struct {
	mu      sync.Mutex
	now     time.Duration
	waiters []chan time.Time
	watch   []func() // called after each Advance
}

func (c *fakeClock) Now() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	c.mu.Lock()
	defer c.mu.Unlock()
	if d <= 0 {
		ch <- time.Time{}
		return ch
	}
	c.waiters = append(c.waiters, ch)
	return ch
}

// Advance moves the clock on by d (which may be 0, to wake the waiters).
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now += d
	waiters := c.waiters
	c.waiters = nil
	watch := c.watch
	c.mu.Unlock()
	for _, ch := range waiters {
		ch <- time.Time{}
	}
	for _, f := range watch {
		f()
	}
}

// fakeOutput opens fakeSinks on a fake clock, or reports no device.
type fakeOutput struct {
	clock    *fakeClock
	noDevice bool

	mu    sync.Mutex
	sinks []*fakeSink
}

func (o *fakeOutput) NewSink() (Sink, error) {
	if o.noDevice {
		return nil, ErrNoSoundDevice
	}
	s := &fakeSink{clock: o.clock, volume: 1}
	s.cond = sync.NewCond(&s.mu)
	o.clock.mu.Lock()
	o.clock.watch = append(o.clock.watch, s.wakeWriter)
	o.clock.mu.Unlock()
	o.mu.Lock()
	o.sinks = append(o.sinks, s)
	o.mu.Unlock()
	return s, nil
}

func (o *fakeOutput) last() *fakeSink {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.sinks) == 0 {
		return nil
	}
	return o.sinks[len(o.sinks)-1]
}

// fakeSink "plays" at the rate of its clock, what it was given, and holds
// at most maxAhead unplayed, like a device would.
type fakeSink struct {
	clock *fakeClock

	mu      sync.Mutex
	cond    *sync.Cond
	written int64 // sample frames
	played  int64 // sample frames played before `since`
	since   time.Duration
	playing bool
	closed  bool
	volume  float64
}

const maxAhead = SampleRate / 2

func (s *fakeSink) Write(pcm []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for !s.closed && s.written-s.playedLocked() > maxAhead {
		s.cond.Wait()
	}
	if s.closed {
		return 0, errors.New("fake sink closed")
	}
	s.written += int64(len(pcm) / frameBytes)
	return len(pcm), nil
}

func (s *fakeSink) wakeWriter() {
	s.mu.Lock()
	s.cond.Broadcast()
	s.mu.Unlock()
}

func (s *fakeSink) playedLocked() int64 {
	n := s.played
	if s.playing {
		n += int64((s.clock.Now() - s.since) * SampleRate / time.Second)
	}
	return min(n, s.written)
}

func (s *fakeSink) Played() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.playedLocked()
}

func (s *fakeSink) Play() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.playing {
		s.playing, s.since = true, s.clock.Now()
	}
}

func (s *fakeSink) Pause() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.playing {
		s.played = s.playedLocked()
		s.playing = false
	}
}

func (s *fakeSink) SetVolume(v float64) {
	s.mu.Lock()
	s.volume = v
	s.mu.Unlock()
}

func (s *fakeSink) Close() error {
	s.mu.Lock()
	s.closed = true
	s.cond.Broadcast()
	s.mu.Unlock()
	return nil
}
