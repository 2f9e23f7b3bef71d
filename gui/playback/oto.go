package playback

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/ebitengine/oto/v3"
)

const (
	// deviceTimeout bounds the wait for the sound device: on a machine
	// without one, opening it can fail or never finish.
	deviceTimeout = 3 * time.Second
	// sinkQueue is how much sound a sink holds before Write blocks (¼ s).
	sinkQueue = SampleRate * frameBytes / 4
	// deviceBuffer is the sound the device itself is asked to hold (oto
	// mixes into it ahead of what is heard). Set explicitly so that the
	// delay it adds is known on every platform and taken off the clock.
	deviceBuffer = 40 * time.Millisecond
	// otoBuffer is how much sound oto holds per player (0.1 s).
	otoBuffer = SampleRate * frameBytes / 10
	// readChunk caps one read by oto, so that the count of sound handed
	// over and the count oto holds never differ by much.
	readChunk = 4096
)

// The sound device is opened once per process (oto allows one context) and
// shared by every Player.
var device struct {
	once sync.Once
	done chan struct{} // closed when opening ended
	ctx  *oto.Context
	err  error
}

// SystemAudio returns the Output that plays on the machine's sound device.
// The device is opened the first time a Sink is asked for.
func SystemAudio() Output { return systemAudio{} }

type systemAudio struct{}

func (systemAudio) NewSink() (Sink, error) {
	ctx, err := openDevice()
	if err != nil {
		return nil, err
	}
	s := &otoSink{ctx: ctx, volume: 1, now: time.Now}
	s.cond = sync.NewCond(&s.mu)
	return s, nil
}

// openDevice opens the sound device, or says within deviceTimeout that
// there is none.
func openDevice() (*oto.Context, error) {
	device.once.Do(func() {
		device.done = make(chan struct{})
		go func() {
			defer close(device.done)
			c, ready, err := oto.NewContext(&oto.NewContextOptions{
				SampleRate:   SampleRate,
				ChannelCount: Channels,
				Format:       oto.FormatSignedInt16LE,
				BufferSize:   deviceBuffer,
			})
			if err != nil {
				device.err = err
				return
			}
			<-ready
			if err := c.Err(); err != nil {
				device.err = err
				return
			}
			device.ctx = c
		}()
	})
	timer := time.NewTimer(deviceTimeout)
	defer timer.Stop()
	select {
	case <-device.done:
		if device.err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNoSoundDevice, device.err)
		}
		return device.ctx, nil
	case <-timer.C:
		return nil, fmt.Errorf("%w: the device did not open within %v", ErrNoSoundDevice, deviceTimeout)
	}
}

// otoSink is a Sink on the oto context. oto pulls sound through Read.
// While paused the oto player is closed, so that oto does not poll an
// empty source; the sound oto held but had not played is taken back and
// played first on resume.
type otoSink struct {
	ctx *oto.Context

	mu       sync.Mutex
	cond     *sync.Cond // signalled when the queue shrinks or the sink closes
	queue    []byte     // written, not yet handed to oto
	handed   []byte     // the last bytes handed to oto, to take back on pause
	consumed int64      // bytes handed to oto and not taken back
	player   *oto.Player
	frozen   bool // Read hands out nothing (pausing or paused)
	closed   bool
	volume   float64
	played   int64     // the last Played, which never goes back
	lastRead time.Time // when oto last took sound; the device holds it until heard
	now      func() time.Time
}

func (s *otoSink) Write(pcm []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for len(pcm) > 0 {
		for len(s.queue) >= sinkQueue && !s.closed {
			s.cond.Wait()
		}
		if s.closed {
			return n, errSinkClosed
		}
		c := min(sinkQueue-len(s.queue), len(pcm))
		s.queue = append(s.queue, pcm[:c]...)
		pcm = pcm[c:]
		n += c
	}
	return n, nil
}

// Read is called by oto for sound to play. It never blocks: oto reads
// every player from one goroutine.
func (s *otoSink) Read(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, io.EOF
	}
	if s.frozen || len(s.queue) == 0 {
		return 0, nil
	}
	n := copy(b[:min(len(b), readChunk)], s.queue)
	s.queue = append(s.queue[:0], s.queue[n:]...)
	s.handed = append(s.handed, b[:n]...)
	if over := len(s.handed) - 2*otoBuffer; over > 0 {
		s.handed = append(s.handed[:0], s.handed[over:]...)
	}
	s.consumed += int64(n)
	s.lastRead = s.now()
	s.cond.Broadcast()
	return n, nil
}

func (s *otoSink) Played() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.consumed
	if s.player != nil {
		// oto calls Read without holding its lock, so this cannot deadlock.
		c -= int64(s.player.BufferedSize()) + inDevice(s.now().Sub(s.lastRead))
	}
	s.played = max(s.played, c/frameBytes)
	return s.played
}

// inDevice is the sound, in bytes, still in the device's buffer since
// oto last took sound from a sink, since ago: the device was full then and
// plays out in real time. Without it the clock, and so the picture, would
// run about deviceBuffer ahead of what is heard.
func inDevice(since time.Duration) int64 {
	left := max(deviceBuffer-max(since, 0), 0)
	return int64(left) * SampleRate / int64(time.Second) * frameBytes
}

func (s *otoSink) Play() {
	s.mu.Lock()
	if s.closed || s.player != nil {
		s.mu.Unlock()
		return
	}
	s.frozen = false
	p := s.ctx.NewPlayer(s)
	p.SetBufferSize(otoBuffer)
	p.SetVolume(s.volume)
	s.player = p
	s.mu.Unlock()
	// Play reads from s at once, so it is called without s.mu held.
	p.Play()
}

func (s *otoSink) Pause() {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.player
	if p == nil {
		return
	}
	s.frozen = true
	s.player = nil
	p.Pause()
	held := min(p.BufferedSize(), len(s.handed))
	// Oto's players need no closing since v3.4: a paused one that nothing
	// refers to any more is let go.
	back := s.handed[len(s.handed)-held:]
	s.queue = append(append(make([]byte, 0, len(back)+len(s.queue)), back...), s.queue...)
	s.handed = s.handed[:len(s.handed)-held]
	s.consumed -= int64(held)
}

func (s *otoSink) SetVolume(v float64) {
	s.mu.Lock()
	s.volume = v
	p := s.player
	s.mu.Unlock()
	if p != nil {
		p.SetVolume(v)
	}
}

func (s *otoSink) Close() error {
	s.mu.Lock()
	s.closed = true
	p := s.player
	s.player = nil
	s.cond.Broadcast()
	s.mu.Unlock()
	if p != nil {
		p.Pause()
	}
	return nil
}
