package playback

import (
	"errors"
	"time"
)

// The sound a Player hands to a Sink: signed 16-bit little-endian samples,
// two channels interleaved, at SampleRate sample frames per second.
const (
	SampleRate = 48000
	Channels   = 2
	// frameBytes is the size of one sample frame (both channels).
	frameBytes = 2 * Channels
)

// ErrNoSoundDevice is returned by an Output that has no device to play on,
// such as a machine without a sound card or a sound server. A Player then
// plays without sound.
var ErrNoSoundDevice = errors.New("playback: no sound device")

// errSinkClosed is returned by Write after Close.
var errSinkClosed = errors.New("playback: sink closed")

// Sink plays sound and says how much of it has been heard; the picture of
// a Player follows that count. A Sink starts paused.
type Sink interface {
	// Write queues PCM to play. It blocks while the queue is full, and
	// returns an error once the Sink is closed.
	Write(pcm []byte) (int, error)
	// Played is the number of sample frames played since the Sink opened.
	Played() int64
	// Play starts or resumes playing what is queued.
	Play()
	// Pause stops playing; Played stays where it is.
	Pause()
	// SetVolume sets the loudness, from 0 (silent) to 1 (as recorded).
	SetVolume(v float64)
	// Close stops playing, drops what is queued and ends a blocked Write.
	Close() error
}

// Output opens Sinks on a sound device. The Player opens one Sink each time
// it starts decoding (when it opens and after every seek).
type Output interface {
	// NewSink returns a paused Sink, or an error matching ErrNoSoundDevice
	// when there is no device to play on.
	NewSink() (Sink, error)
}

// samplesToDuration converts a count of sample frames to time.
func samplesToDuration(n int64) time.Duration {
	return time.Duration(n) * time.Second / SampleRate
}
