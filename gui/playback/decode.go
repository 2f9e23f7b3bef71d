package playback

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// readAhead is how many decoded frames wait for their time; ffmpeg
	// blocks once they are there, so a paused player costs no work.
	readAhead = 2
	// waitDelay bounds the wait for a killed ffmpeg's output to close.
	waitDelay = 2 * time.Second
	// audioChunk is how much sound is read from ffmpeg at a time.
	audioChunk = 8 << 10
)

// segment is the decoding of a file from one time on: an ffmpeg for the
// picture, one for the sound when there is a Sink, and the goroutines that
// read them. A seek ends the segment and starts a new one.
type segment struct {
	origin time.Duration // the time decoding starts at, where the clock starts
	first  int           // the index of the first frame
	frames chan *Frame   // closed when the picture ends
	err    error         // why the picture ended early; read after frames closes

	cancel context.CancelFunc
	wg     sync.WaitGroup
	pids   []int // the ffmpeg processes, for tests

	// The sound, when it is played: the clock is the count of samples the
	// sink has played, until the sound ends.
	sink      Sink
	written   atomic.Int64 // sample frames handed to the sink
	audioDone atomic.Bool  // ffmpeg's sound has all been handed over

	// timeMu guards the fields below it: other Players read the time
	// through Player.Clock.
	timeMu    sync.Mutex
	soundOver bool // the clock no longer follows the sink
	// The clock when there is no sound (or no more): base plus the time
	// since `since` while running.
	clock   Clock
	base    time.Duration
	since   time.Duration
	running bool

	eof       bool // frames is closed and drained
	showFirst bool // the first frame is shown as soon as it is decoded
	lastPTS   time.Duration
	gotFrame  bool
}

// elapsed is how far the segment has played from its origin.
func (s *segment) elapsed() time.Duration {
	s.timeMu.Lock()
	defer s.timeMu.Unlock()
	if s.sink != nil && !s.soundOver {
		played := s.sink.Played()
		if !s.audioDone.Load() || played < s.written.Load() {
			return samplesToDuration(played)
		}
		// The sound has ended (or there was none to decode): the clock
		// goes on from where it stopped.
		s.soundOver = true
		s.base = samplesToDuration(played)
		s.since = s.clock.Now()
	}
	if s.running {
		return s.base + s.clock.Now() - s.since
	}
	return s.base
}

// position is the time in the file the segment has played up to.
func (s *segment) position() time.Duration { return s.origin + s.elapsed() }

// setRunning starts or stops the segment's clock and sound.
func (s *segment) setRunning(on bool) {
	s.timeMu.Lock()
	if on == s.running {
		s.timeMu.Unlock()
		return
	}
	now := s.clock.Now()
	if on {
		s.since = now
	} else {
		s.base += now - s.since
	}
	s.running = on
	s.timeMu.Unlock()
	if s.sink != nil {
		if on {
			s.sink.Play()
		} else {
			s.sink.Pause()
		}
	}
}

// stop kills the ffmpeg processes, waits for them and the goroutines, and
// gives back the frames not shown.
func (s *segment) stop(pending *Frame) {
	s.cancel()
	if s.sink != nil {
		_ = s.sink.Close()
	}
	s.wg.Wait()
	for f := range s.frames {
		f.Release()
	}
	pending.Release()
}

// start begins decoding at frame index first, with the sound into sink
// when it is not nil.
func (p *Player) start(first int, sink Sink) *segment {
	origin := time.Duration(0)
	if first > 0 {
		// A quarter frame early, so that rounding cannot skip the frame.
		origin = p.frameTime(first) - p.frameDur/4
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &segment{
		origin:    origin,
		first:     first,
		frames:    make(chan *Frame, readAhead),
		cancel:    cancel,
		sink:      sink,
		clock:     p.clock,
		showFirst: true,
	}
	width, height, filter := p.frameSize()
	video := p.command(ctx, origin, "-map", "0:v:0", "-an", "-sn", "-dn",
		"-vf", filter, "-f", "rawvideo", "-pix_fmt", "rgba", "pipe:1")
	out, err := video.StdoutPipe()
	if err == nil {
		err = video.Start()
	}
	if err != nil {
		s.err = fmt.Errorf("playback: starting ffmpeg: %w", err)
		close(s.frames)
		return s
	}
	s.pids = append(s.pids, video.Process.Pid)
	s.wg.Go(func() { p.readFrames(ctx, s, video, out, width, height) })

	if sink != nil {
		audio := p.command(ctx, origin, "-map", "0:a:0", "-vn", "-sn", "-dn",
			"-f", "s16le", "-ac", strconv.Itoa(Channels), "-ar", strconv.Itoa(SampleRate), "pipe:1")
		aout, err := audio.StdoutPipe()
		if err == nil {
			err = audio.Start()
		}
		if err != nil {
			s.audioDone.Store(true) // the clock goes on without sound
			return s
		}
		s.pids = append(s.pids, audio.Process.Pid)
		s.wg.Go(func() { pumpAudio(s, audio, aout) })
	}
	return s
}

// command is an ffmpeg run reading the file from `from` on.
func (p *Player) command(ctx context.Context, from time.Duration, args ...string) *exec.Cmd {
	a := []string{"-nostdin", "-hide_banner", "-loglevel", "error"}
	if from > 0 {
		// Before -i, -ss seeks in the input and then decodes exactly to it.
		a = append(a, "-ss", strconv.FormatFloat(from.Seconds(), 'f', 6, 64))
	}
	a = append(a, "-i", "file:"+p.path) // "file:" keeps odd names a local file
	a = append(a, args...)
	cmd := exec.CommandContext(ctx, p.ffmpeg, a...)
	cmd.WaitDelay = waitDelay
	cmd.Stderr = &tail{limit: 4 << 10}
	return cmd
}

// readFrames reads the picture, one frame at a time, into frames.
func (p *Player) readFrames(ctx context.Context, s *segment, cmd *exec.Cmd, out io.Reader, width, height int) {
	defer close(s.frames)
	for i := s.first; ; i++ {
		f := p.newFrame(width, height)
		if _, err := io.ReadFull(out, f.Image.Pix); err != nil {
			f.Release()
			break
		}
		f.Index, f.PTS = i, p.frameTime(i)
		select {
		case s.frames <- f:
		case <-ctx.Done():
			f.Release()
		}
		if ctx.Err() != nil {
			break
		}
	}
	err := cmd.Wait()
	if err != nil && ctx.Err() == nil {
		msg := "playback: ffmpeg: " + err.Error()
		if line := cmd.Stderr.(*tail).firstLine(); line != "" {
			msg += ": " + line
		}
		s.err = errors.New(msg)
	}
}

// pumpAudio hands ffmpeg's sound to the sink; Write blocks while the sink
// is paused, and so does ffmpeg.
func pumpAudio(s *segment, cmd *exec.Cmd, out io.Reader) {
	buf := make([]byte, audioChunk)
	var carry int // bytes of a sample frame not yet counted
	for {
		n, err := out.Read(buf)
		if n > 0 {
			carry += n
			s.written.Add(int64(carry / frameBytes))
			carry %= frameBytes
			if _, werr := s.sink.Write(buf[:n]); werr != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	s.audioDone.Store(true)
	_ = cmd.Wait()
}

// Frame is a picture of the video to show.
type Frame struct {
	// Image is the picture, at the Player's size when it was decoded.
	Image *image.RGBA
	// Index is the frame's number from the start of the file.
	Index int
	// PTS is when the frame is shown, from the start of the file.
	PTS time.Duration

	pool *sync.Pool
}

// Release gives the frame's memory back for later frames. Call it once the
// picture is no longer on show; a frame not released is simply collected.
func (f *Frame) Release() {
	if f == nil || f.pool == nil {
		return
	}
	pool := f.pool
	f.pool = nil
	pool.Put(f.Image)
}

// newFrame is a frame of the given size, its memory reused when a frame of
// that size was released (one of an older size is let go).
func (p *Player) newFrame(width, height int) *Frame {
	img, _ := p.pool.Get().(*image.RGBA)
	if img == nil || img.Rect.Dx() != width || img.Rect.Dy() != height {
		img = image.NewRGBA(image.Rect(0, 0, width, height))
	}
	return &Frame{Image: img, pool: &p.pool}
}

// tail keeps the first bytes of a tool's error output.
type tail struct {
	mu    sync.Mutex
	buf   []byte
	limit int
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if room := t.limit - len(t.buf); room > 0 {
		t.buf = append(t.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (t *tail) firstLine() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	line, _, _ := strings.Cut(strings.TrimSpace(string(t.buf)), "\n")
	return strings.TrimSpace(line)
}
