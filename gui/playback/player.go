// Package playback plays a video file inside Reelhouse. It runs the ffmpeg
// program to decode the picture into raw RGBA frames and the sound into
// PCM, plays the sound through a Sink, and hands over each frame when the
// sound reaches it. Nothing here touches the user interface.
package playback

import (
	"math"
	"os/exec"
	"strconv"
	"sync"
	"time"

	"github.com/reelhouse/reelhouse/history/media"
)

// ErrNoFFmpeg is returned by Open when the ffmpeg program is not installed;
// it is the media package's error, so one check serves both.
var ErrNoFFmpeg = media.ErrNoFFmpeg

const (
	// defaultRate is the frame rate used when the file does not say.
	defaultRate = 25
	// defaultBox is the picture size used when neither the caller nor the
	// file gives one.
	defaultW, defaultH = 640, 360
)

// Options are the settings of a Player. Every field may be left zero.
type Options struct {
	// FFmpeg is the ffmpeg program; empty means the one on the PATH.
	FFmpeg string
	// Width and Height are the box the picture is scaled to fit, keeping
	// its shape; zero means the video's own size.
	Width, Height int
	// Audio plays the sound; nil means the machine's sound device.
	Audio Output
	// Clock is followed when there is no sound; nil means Monotonic().
	Clock Clock
	// Silent leaves the sound out: it is neither decoded nor played, and
	// the picture follows Clock. A Player that keeps pace with another
	// (see Player.Clock) is silent.
	Silent bool
	// OnFrame is given each frame to show, on the Player's goroutine. It
	// owns the frame and may call Release when the picture is replaced.
	OnFrame func(*Frame)
	// OnStatus is told, on the Player's goroutine, when the state changes.
	OnStatus func(Status)
}

// Status is the state of a Player.
type Status struct {
	// Playing is set while the video plays (not paused or at its end).
	Playing bool
	// Ended is set when the video played to its end and stopped.
	Ended bool
	// NoSoundDevice is set when the video has sound but the machine has
	// no device to play it on; the video plays without it.
	NoSoundDevice bool
	// Err is why the picture could not be decoded, if it could not.
	Err error
}

// Player plays one video file. Its methods return at once; the work is
// done on a goroutine of its own, which Close ends.
type Player struct {
	path   string
	info   media.Info
	ffmpeg string
	opts   Options
	clock  Clock

	rate     float64
	frameDur time.Duration
	pool     sync.Pool

	// sizeMu guards the frames' size and the filter that makes them; they
	// change, on the Player's goroutine, only between two segments.
	sizeMu        sync.Mutex
	width, height int
	filter        string

	mu   sync.Mutex
	req  request
	wake chan struct{}
	done chan struct{}

	// played is what Clock reads: the time played by the segments before
	// seg, and seg, the segment under way.
	played struct {
		sync.Mutex
		before time.Duration
		seg    *segment
	}
}

// request is what the caller asked for and the Player has not yet done.
type request struct {
	play, pause bool
	seek        time.Duration
	seekSet     bool
	step        int
	box         [2]int // the box of the last Resize
	boxSet      bool
	loop        bool
	volume      float64
	muted       bool
	closed      bool
}

// Open starts a Player for the video at path, paused on its first frame.
// info gives the picture's size and frame rate (see media.Describe). It
// returns ErrNoFFmpeg when ffmpeg is not installed.
func Open(path string, info media.Info, opts Options) (*Player, error) {
	name := opts.FFmpeg
	if name == "" {
		name = "ffmpeg"
	}
	bin, err := exec.LookPath(name)
	if err != nil {
		return nil, ErrNoFFmpeg
	}
	p := &Player{
		path: path, info: info, ffmpeg: bin, opts: opts, clock: opts.Clock,
		rate: info.FrameRate,
		wake: make(chan struct{}, 1),
		done: make(chan struct{}),
	}
	if p.clock == nil {
		p.clock = Monotonic()
	}
	if p.rate <= 0 || p.rate > 1000 {
		p.rate = defaultRate
	}
	p.frameDur = time.Duration(float64(time.Second) / p.rate)
	p.width, p.height, p.filter = fit(info, opts.Width, opts.Height, p.rate)
	p.req.volume = 1
	go p.run()
	return p, nil
}

// fit picks the size of the frames and the ffmpeg filter that makes them:
// the picture scaled into the box keeping its shape, at a steady rate.
func fit(info media.Info, boxW, boxH int, rate float64) (w, h int, filter string) {
	rateArg := ",fps=" + strconv.FormatFloat(rate, 'f', -1, 64)
	if info.Width <= 0 || info.Height <= 0 {
		if boxW <= 0 || boxH <= 0 {
			boxW, boxH = defaultW, defaultH
		}
		w, h = even(boxW), even(boxH)
		size := strconv.Itoa(w) + ":" + strconv.Itoa(h)
		return w, h, "scale=" + size + ":force_original_aspect_ratio=decrease,pad=" + size + ":(ow-iw)/2:(oh-ih)/2,setsar=1" + rateArg
	}
	w, h = info.Width, info.Height
	if boxW > 0 && boxH > 0 {
		k := math.Min(float64(boxW)/float64(w), float64(boxH)/float64(h))
		w, h = int(math.Round(float64(w)*k)), int(math.Round(float64(h)*k))
	}
	w, h = even(w), even(h)
	return w, h, "scale=" + strconv.Itoa(w) + ":" + strconv.Itoa(h) + ",setsar=1" + rateArg
}

func even(n int) int { return max(2, n&^1) }

// Size is the size of the frames the Player hands over (those of the last
// Resize once it has been done).
func (p *Player) Size() (width, height int) {
	p.sizeMu.Lock()
	defer p.sizeMu.Unlock()
	return p.width, p.height
}

// frameSize is the size of the frames of the segment under way, for the
// goroutines that decode it.
func (p *Player) frameSize() (width, height int, filter string) {
	p.sizeMu.Lock()
	defer p.sizeMu.Unlock()
	return p.width, p.height, p.filter
}

// FrameRate is the number of frames per second the Player shows.
func (p *Player) FrameRate() float64 { return p.rate }

// Clock is the time p has played, summed over its seeks and loops: it
// runs while p plays, following p's sound when p plays sound, and stands
// still while p is paused or waits for its sound to start. Players opened
// Silent with it as their Clock keep pace with p: paused together and
// seeked together, they show the frames of the same time as p.
func (p *Player) Clock() Clock { return playedClock{p} }

type playedClock struct{ p *Player }

func (c playedClock) Now() time.Duration {
	pl := &c.p.played
	pl.Lock()
	defer pl.Unlock()
	if pl.seg == nil {
		return pl.before
	}
	return pl.before + pl.seg.elapsed()
}

// After waits on p's own clock: p plays at its pace, or near enough for
// a Player, which looks at the time again when woken.
func (c playedClock) After(d time.Duration) <-chan time.Time { return c.p.clock.After(d) }

// Play starts or resumes playing; at the end it plays from the start.
func (p *Player) Play() { p.ask(func(r *request) { r.play, r.pause = true, false }) }

// Pause stops playing and keeps the frame on show.
func (p *Player) Pause() { p.ask(func(r *request) { r.play, r.pause = false, true }) }

// Seek goes to the frame on show at t, keeping on playing or paused.
func (p *Player) Seek(t time.Duration) {
	p.ask(func(r *request) { r.seek, r.seekSet, r.step = max(t, 0), true, 0 })
}

// Step pauses and shows the next frame.
func (p *Player) Step() {
	p.ask(func(r *request) { r.step++; r.play, r.pause = false, true })
}

// Resize sets the box the picture is scaled to fit, keeping its shape, as
// Options.Width and Height do. When that changes the frames' size,
// decoding starts again at the frame on show, as after a seek, and later
// frames have the new size. Each restart runs new ffmpeg processes, so a
// caller following a window being dragged should call it once the size
// has settled.
func (p *Player) Resize(boxW, boxH int) {
	p.ask(func(r *request) { r.box, r.boxSet = [2]int{boxW, boxH}, true })
}

// SetLoop sets whether the video starts again when it ends.
func (p *Player) SetLoop(on bool) { p.ask(func(r *request) { r.loop = on }) }

// SetVolume sets the loudness, from 0 to 1.
func (p *Player) SetVolume(v float64) {
	p.ask(func(r *request) { r.volume = math.Max(0, math.Min(1, v)) })
}

// SetMuted silences the sound or brings it back; the video goes on.
func (p *Player) SetMuted(on bool) { p.ask(func(r *request) { r.muted = on }) }

// Close stops the Player: its ffmpeg processes are ended and waited for,
// and its goroutine ends before Close returns. No callback runs after.
func (p *Player) Close() {
	p.ask(func(r *request) { r.closed = true })
	<-p.done
}

// ask changes the request and wakes the Player's goroutine without waiting
// for it.
func (p *Player) ask(change func(*request)) {
	p.mu.Lock()
	change(&p.req)
	p.mu.Unlock()
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// take returns the request and clears its one-time parts.
func (p *Player) take() request {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.req
	p.req.play, p.req.pause, p.req.seekSet, p.req.step, p.req.boxSet = false, false, false, 0, false
	return r
}

// frameTime is when frame i is shown.
func (p *Player) frameTime(i int) time.Duration {
	return time.Duration(math.Round(float64(i) * float64(time.Second) / p.rate))
}

// frameAt is the index of the frame on show at t.
func (p *Player) frameAt(t time.Duration) int {
	return int(math.Floor(t.Seconds()*p.rate + 1e-6))
}

// lastIndex is the index of the last frame, or -1 when the length is unknown.
func (p *Player) lastIndex() int {
	if p.info.Duration <= 0 {
		return -1
	}
	return max(0, int(math.Ceil(p.info.Duration.Seconds()*p.rate-1e-6))-1)
}

// state is what the Player's goroutine knows.
type state struct {
	seg     *segment
	pending *Frame // the next frame, not yet due
	playing bool
	ended   bool
	shown   int // index of the frame on show, -1 before the first
	loop    bool
	volume  float64
	status  Status // the last reported
	err     error
	noSound bool
	resize  *frameSize // the frames' size for the next segment, when it changes
}

// frameSize is a size of frames and the filter that makes it.
type frameSize struct {
	width, height int
	filter        string
}

func (p *Player) run() {
	defer close(p.done)
	st := &state{shown: -1, volume: 1}
	p.restart(st, 0)
	defer func() { st.seg.stop(st.pending) }()
	for {
		r := p.take()
		if r.closed {
			return
		}
		st.loop = r.loop
		if v := volumeOf(r); v != st.volume {
			st.volume = v
			if st.seg.sink != nil {
				st.seg.sink.SetVolume(v)
			}
		}
		if r.boxSet {
			st.resize = nil
			w, h, filter := fit(p.info, r.box[0], r.box[1], p.rate)
			if cw, ch := p.Size(); w != cw || h != ch {
				st.resize = &frameSize{w, h, filter}
			}
		}
		switch {
		case r.seekSet:
			st.ended = false
			p.restart(st, p.clampIndex(p.frameAt(r.seek)))
		case r.step > 0:
			st.ended = false
			p.setPlaying(st, false)
			p.restart(st, p.clampIndex(max(st.shown, 0)+r.step))
		case st.resize != nil:
			// The same picture, at the new size, from where it is: where
			// a seek or step not shown yet goes, or the frame on show.
			at := max(st.shown, 0)
			switch {
			case st.seg.showFirst:
				at = st.seg.first
			case st.playing:
				at = max(at, p.frameAt(st.seg.position()))
			}
			p.restart(st, p.clampIndex(at))
		}
		if r.play && !st.playing {
			if st.ended {
				st.ended = false
				p.restart(st, 0)
			}
			p.setPlaying(st, true)
		}
		if r.pause {
			p.setPlaying(st, false)
		}
		p.report(st)
		p.waitAndShow(st)
	}
}

func volumeOf(r request) float64 {
	if r.muted {
		return 0
	}
	return r.volume
}

func (p *Player) clampIndex(i int) int {
	if last := p.lastIndex(); last >= 0 {
		i = min(i, last)
	}
	return max(i, 0)
}

// restart ends the segment under way and starts decoding at frame first.
func (p *Player) restart(st *state, first int) {
	if st.seg != nil {
		p.played.Lock()
		p.played.before += st.seg.elapsed()
		p.played.seg = nil
		p.played.Unlock()
		st.seg.stop(st.pending)
		st.pending = nil
	}
	if st.resize != nil {
		// No goroutine of the old segment runs any more.
		p.sizeMu.Lock()
		p.width, p.height, p.filter = st.resize.width, st.resize.height, st.resize.filter
		p.sizeMu.Unlock()
		st.resize = nil
	}
	var sink Sink
	if p.info.HasAudio && !st.noSound && !p.opts.Silent {
		out := p.opts.Audio
		if out == nil {
			out = SystemAudio()
		}
		s, err := out.NewSink()
		if err != nil {
			// Whatever the reason, the video plays on without sound.
			st.noSound = true
		} else {
			sink = s
			sink.SetVolume(st.volume)
		}
	}
	st.seg = p.start(first, sink)
	p.played.Lock()
	p.played.seg = st.seg
	p.played.Unlock()
	if st.playing {
		st.seg.setRunning(true)
	}
}

func (p *Player) setPlaying(st *state, on bool) {
	st.playing = on
	st.seg.setRunning(on)
}

// waitAndShow waits for the next thing to do: a request, a decoded frame,
// or the time of the next frame; a frame that is due is shown.
func (p *Player) waitAndShow(st *state) {
	seg := st.seg
	var frames <-chan *Frame
	var timer <-chan time.Time
	switch {
	case st.pending == nil && !seg.eof:
		if st.playing || seg.showFirst {
			frames = seg.frames
		}
	case st.pending != nil && seg.showFirst:
		p.show(st, st.pending)
		st.pending, seg.showFirst = nil, false
		return
	case st.pending != nil && st.playing:
		pos := seg.position()
		if pos < st.pending.PTS {
			timer = p.clock.After(st.pending.PTS - pos)
			break
		}
		// Due: show the latest frame that is due, dropping older ones.
		due := st.pending
		st.pending = nil
		for st.pending == nil && !seg.eof {
			select {
			case f, ok := <-seg.frames:
				if !ok {
					p.videoEnded(st)
				} else if f.PTS <= pos {
					due.Release()
					due = f
				} else {
					st.pending = f
				}
			default:
				p.show(st, due)
				return
			}
		}
		p.show(st, due)
		return
	case seg.eof && st.playing:
		end := seg.origin
		if seg.gotFrame {
			end = seg.lastPTS + p.frameDur
		}
		pos := seg.position()
		if pos >= end {
			p.atEnd(st)
			return
		}
		timer = p.clock.After(end - pos)
	}
	select {
	case <-p.wake:
	case f, ok := <-frames:
		if !ok {
			p.videoEnded(st)
		} else {
			st.pending = f
		}
	case <-timer:
	}
}

// videoEnded notes that the segment's picture has ended.
func (p *Player) videoEnded(st *state) {
	st.seg.eof = true
	st.seg.showFirst = false
	if st.seg.err != nil && !st.seg.gotFrame {
		st.err = st.seg.err
	}
}

// atEnd plays again from the start when looping, and stops otherwise.
func (p *Player) atEnd(st *state) {
	if st.loop {
		p.restart(st, 0)
		return
	}
	p.setPlaying(st, false)
	st.ended = true
}

func (p *Player) show(st *state, f *Frame) {
	st.shown = f.Index
	st.seg.gotFrame = true
	st.seg.lastPTS = f.PTS
	if p.opts.OnFrame != nil {
		p.opts.OnFrame(f)
	} else {
		f.Release()
	}
}

// report tells OnStatus about a change of state.
func (p *Player) report(st *state) {
	s := Status{Playing: st.playing, Ended: st.ended, NoSoundDevice: st.noSound, Err: st.err}
	if s == st.status {
		return
	}
	st.status = s
	if p.opts.OnStatus != nil {
		p.opts.OnStatus(s)
	}
}
