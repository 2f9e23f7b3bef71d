package playback

import (
	"errors"
	"image"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/reelhouse/reelhouse/history/media"
	"github.com/reelhouse/reelhouse/history/media/mediatest"
)

// counted is a clip whose frames show their own number (history/media/testdata/README.md).
const counted = "../../history/media/testdata/counted.mp4"

const countedRate = 25

func needFFmpeg(t testing.TB) {
	t.Helper()
	mediatest.Need(t, "ffmpeg")
}

func countedInfo(t testing.TB) media.Info {
	t.Helper()
	info, err := media.Probe(counted)
	if err != nil {
		t.Fatal(err)
	}
	if !info.HasAudio || info.FrameRate != countedRate || info.Width != 160 {
		t.Fatalf("test clip: unexpected facts %+v", info)
	}
	return info
}

// frameNumber reads the number a frame of the test clip shows.
func frameNumber(img *image.RGBA) int {
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	n := 0
	for b := range 8 {
		x := (b*20 + 10) * w / 160
		if img.RGBAAt(x, h/2).R > 128 {
			n |= 1 << b
		}
	}
	return n
}

// shown is a frame as the test saw it handed over.
type shown struct {
	index, content int
	size           image.Point
	pts            time.Duration
	clock          time.Duration // the fake clock when it was handed over
}

// recorder keeps what a Player hands over.
type recorder struct {
	t     *testing.T
	clock *fakeClock

	mu     sync.Mutex
	frames []shown
	status Status
}

func (r *recorder) onFrame(f *Frame) {
	s := shown{index: f.Index, content: frameNumber(f.Image), size: f.Image.Rect.Size(), pts: f.PTS}
	if r.clock != nil {
		s.clock = r.clock.Now()
	}
	f.Release()
	r.mu.Lock()
	r.frames = append(r.frames, s)
	r.mu.Unlock()
}

func (r *recorder) onStatus(s Status) {
	r.mu.Lock()
	r.status = s
	r.mu.Unlock()
}

func (r *recorder) last() (shown, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.frames) == 0 {
		return shown{index: -1, content: -1}, 0
	}
	return r.frames[len(r.frames)-1], len(r.frames)
}

func (r *recorder) currentStatus() Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.status
}

// waitFor nudges the clock until cond holds; the deadline only keeps a
// broken player from hanging the test.
func waitFor(t *testing.T, clock *fakeClock, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		if clock != nil {
			clock.Advance(0)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// openCounted opens the test clip with fake sound and clock.
func openCounted(t *testing.T, noDevice bool) (*Player, *fakeClock, *fakeOutput, *recorder) {
	t.Helper()
	clock := &fakeClock{}
	out := &fakeOutput{clock: clock, noDevice: noDevice}
	rec := &recorder{t: t, clock: clock}
	p, err := Open(counted, countedInfo(t), Options{
		Width: 160, Height: 90, Audio: out, Clock: clock,
		OnFrame: rec.onFrame, OnStatus: rec.onStatus,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	waitFor(t, clock, "the first frame", func() bool { f, _ := rec.last(); return f.index == 0 })
	return p, clock, out, rec
}

// playAlong moves the clock from `from` to `to` in steps and checks that
// the frame on show is the one due at each time (±1 frame), shows the
// number it is said to have.
func playAlong(t *testing.T, clock *fakeClock, rec *recorder, origin, from, to time.Duration) {
	t.Helper()
	const step = 100 * time.Millisecond
	for at := from + step; at <= to; at += step {
		clock.Advance(step)
		want := int(math.Floor((origin + at - from).Seconds() * countedRate))
		want = min(want, 249)
		waitFor(t, clock, "the frame due at "+at.String(), func() bool {
			f, _ := rec.last()
			return f.index >= want-1
		})
		f, _ := rec.last()
		if d := f.index - want; d < -1 || d > 1 {
			t.Fatalf("at %v: frame %d on show, want %d±1", at, f.index, want)
		}
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for _, f := range rec.frames {
		if f.content != f.index {
			t.Fatalf("frame %d shows the picture of frame %d", f.index, f.content)
		}
	}
}

func TestFrameFollowsSoundClock(t *testing.T) {
	needFFmpeg(t)
	p, clock, out, rec := openCounted(t, false)
	p.Play()
	waitFor(t, clock, "playing", func() bool { return rec.currentStatus().Playing })

	// Played from 0 to 4 s.
	playAlong(t, clock, rec, 0, 0, 4*time.Second)

	// Paused for 2 s: no frame is handed over and the sound stays put.
	p.Pause()
	waitFor(t, clock, "paused", func() bool { return !rec.currentStatus().Playing })
	_, before := rec.last()
	played := out.last().Played()
	for range 20 {
		clock.Advance(100 * time.Millisecond)
	}
	if _, n := rec.last(); n != before {
		t.Fatalf("%d frames were handed over while paused", n-before)
	}
	if got := out.last().Played(); got != played {
		t.Fatalf("the sound went on while paused: %d → %d samples", played, got)
	}

	// Resumed: the picture goes on from where the sound is, 4 s.
	p.Play()
	waitFor(t, clock, "playing again", func() bool { return rec.currentStatus().Playing })
	playAlong(t, clock, rec, 4*time.Second, 0, 2*time.Second)

	// Seeking while playing starts at the frame on show at that time.
	p.Seek(7300 * time.Millisecond)
	waitFor(t, clock, "frame 182", func() bool { f, _ := rec.last(); return f.index == 182 })
	origin := p.frameTime(182) - p.frameDur/4
	playAlong(t, clock, rec, origin, 0, 2600*time.Millisecond)

	// At the end the player stops by itself, on the last frame.
	for range 10 {
		clock.Advance(100 * time.Millisecond)
	}
	waitFor(t, clock, "the end", func() bool { return rec.currentStatus().Ended })
	if f, _ := rec.last(); f.index != 249 {
		t.Fatalf("the last frame shown is %d, want 249", f.index)
	}
}

func TestSeekWhilePausedAndStep(t *testing.T) {
	needFFmpeg(t)
	p, clock, _, rec := openCounted(t, false)
	p.Seek(3 * time.Second)
	waitFor(t, clock, "frame 75", func() bool { f, _ := rec.last(); return f.index == 75 })
	for want := 76; want <= 78; want++ {
		p.Step()
		waitFor(t, clock, "the next frame", func() bool { f, _ := rec.last(); return f.index == want })
	}
	if f, _ := rec.last(); f.content != 78 {
		t.Fatalf("after three steps the picture is frame %d, want 78", f.content)
	}
	if rec.currentStatus().Playing {
		t.Fatal("stepping started playing")
	}
	// Playing on from the stepped frame follows the sound from there.
	p.Play()
	waitFor(t, clock, "playing", func() bool { return rec.currentStatus().Playing })
	playAlong(t, clock, rec, p.frameTime(78)-p.frameDur/4, 0, time.Second)
}

func TestNoSoundDeviceFollowsClock(t *testing.T) {
	needFFmpeg(t)
	p, clock, _, rec := openCounted(t, true)
	p.Play()
	waitFor(t, clock, "playing", func() bool { return rec.currentStatus().Playing })
	if !rec.currentStatus().NoSoundDevice {
		t.Fatal("the status does not say there is no sound device")
	}
	playAlong(t, clock, rec, 0, 0, 3*time.Second)
}

func TestLoopStartsAgain(t *testing.T) {
	needFFmpeg(t)
	p, clock, _, rec := openCounted(t, false)
	p.SetLoop(true)
	p.Seek(9500 * time.Millisecond)
	waitFor(t, clock, "frame 237", func() bool { f, _ := rec.last(); return f.index == 237 })
	p.Play()
	waitFor(t, clock, "the start again", func() bool {
		clock.Advance(20 * time.Millisecond)
		f, _ := rec.last()
		return f.index < 10
	})
	if rec.currentStatus().Ended {
		t.Fatal("a looping video ended")
	}
}

func TestCloseLeavesNoProcessOrGoroutine(t *testing.T) {
	needFFmpeg(t)
	// The sound device, once opened by another test, stays open by design.
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	for _, playing := range []bool{false, true} {
		clock := &fakeClock{}
		out := &fakeOutput{clock: clock}
		rec := &recorder{t: t, clock: clock}
		p, err := Open(counted, countedInfo(t), Options{Audio: out, Clock: clock, OnFrame: rec.onFrame, OnStatus: rec.onStatus})
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, clock, "the first frame", func() bool { _, n := rec.last(); return n > 0 })
		if playing {
			p.Play()
			waitFor(t, clock, "playing", func() bool { return rec.currentStatus().Playing })
			clock.Advance(time.Second)
			waitFor(t, clock, "a later frame", func() bool { f, _ := rec.last(); return f.index > 10 })
		}
		pids := p.currentPIDs()
		if len(pids) != 2 {
			t.Fatalf("%d ffmpeg processes, want one for the picture and one for the sound", len(pids))
		}
		p.Close()
		for _, pid := range pids {
			// A process not waited for would still answer signal 0 as a zombie.
			if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
				t.Fatalf("ffmpeg %d is still there after Close (kill 0: %v)", pid, err)
			}
		}
		_, n := rec.last()
		clock.Advance(time.Second)
		if _, after := rec.last(); after != n {
			t.Fatal("a frame was handed over after Close")
		}
	}
}

// TestResizeDecodesAtTheNewSize: after Resize, paused or playing, the
// frames come at the new size, from the frame that was on show, and the
// ffmpeg processes of the old size are gone.
func TestResizeDecodesAtTheNewSize(t *testing.T) {
	needFFmpeg(t)
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	p, clock, _, rec := openCounted(t, false)
	p.Seek(2 * time.Second)
	waitFor(t, clock, "frame 50", func() bool { f, _ := rec.last(); return f.index == 50 })
	gone := func(pids []int) {
		t.Helper()
		for _, pid := range pids {
			if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
				t.Fatalf("ffmpeg %d of the old size is still there (kill 0: %v)", pid, err)
			}
		}
		if n := len(p.currentPIDs()); n != 2 {
			t.Fatalf("%d ffmpeg processes after the resize, want 2", n)
		}
	}

	// Paused: the frame on show comes again, larger.
	old := p.currentPIDs()
	p.Resize(640, 640)
	waitFor(t, clock, "a 640×360 frame", func() bool { f, _ := rec.last(); return f.size == image.Pt(640, 360) })
	if f, _ := rec.last(); f.index != 50 || f.content != 50 {
		t.Fatalf("after the resize frame %d (showing %d) is on show, want 50", f.index, f.content)
	}
	if w, h := p.Size(); w != 640 || h != 360 {
		t.Fatalf("Size = %d×%d, want 640×360", w, h)
	}
	gone(old)

	// A box that gives the same size changes nothing.
	p.Resize(641, 361)
	p.Step()
	waitFor(t, clock, "frame 51", func() bool { f, _ := rec.last(); return f.index == 51 })
	if f, _ := rec.last(); f.size != image.Pt(640, 360) {
		t.Fatalf("a box of the same size gave frames of %v", f.size)
	}

	// Playing: the picture goes on following the sound, smaller.
	p.Play()
	waitFor(t, clock, "playing", func() bool { return rec.currentStatus().Playing })
	playAlong(t, clock, rec, p.frameTime(51)-p.frameDur/4, 0, time.Second)
	old = p.currentPIDs()
	p.Resize(160, 90)
	waitFor(t, clock, "a 160×90 frame", func() bool { f, _ := rec.last(); return f.size == image.Pt(160, 90) })
	f, _ := rec.last()
	if f.index < 75 || f.index > 78 {
		t.Fatalf("after the resize while playing at 3 s frame %d is on show", f.index)
	}
	gone(old)
	playAlong(t, clock, rec, p.frameTime(f.index)-p.frameDur/4, 0, time.Second)
	p.Close()
}

func TestMissingFFmpeg(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	if _, err := Open(counted, media.Info{}, Options{}); !errors.Is(err, ErrNoFFmpeg) {
		t.Fatalf("Open without ffmpeg on the PATH: %v, want ErrNoFFmpeg", err)
	}
	if _, err := Open(counted, media.Info{}, Options{FFmpeg: "/nowhere/ffmpeg"}); !errors.Is(err, ErrNoFFmpeg) {
		t.Fatalf("Open with a missing ffmpeg: %v, want ErrNoFFmpeg", err)
	}
}

func TestUnreadableFileReportsError(t *testing.T) {
	needFFmpeg(t)
	clock := &fakeClock{}
	rec := &recorder{t: t, clock: clock}
	p, err := Open("../../history/media/testdata/README.md", media.Info{}, Options{Clock: clock, OnFrame: rec.onFrame, OnStatus: rec.onStatus})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	waitFor(t, clock, "the error", func() bool { return rec.currentStatus().Err != nil })
}

func TestFitKeepsShape(t *testing.T) {
	for _, c := range []struct {
		info         media.Info
		boxW, boxH   int
		wantW, wantH int
	}{
		{media.Info{Width: 1280, Height: 720}, 640, 640, 640, 360},
		{media.Info{Width: 720, Height: 1280}, 640, 360, 202, 360},
		{media.Info{Width: 160, Height: 90}, 0, 0, 160, 90},
		{media.Info{}, 0, 0, 640, 360},
		{media.Info{}, 301, 201, 300, 200},
	} {
		w, h, _ := fit(c.info, c.boxW, c.boxH, 25)
		if w != c.wantW || h != c.wantH {
			t.Errorf("fit(%dx%d into %dx%d) = %dx%d, want %dx%d", c.info.Width, c.info.Height, c.boxW, c.boxH, w, h, c.wantW, c.wantH)
		}
	}
}

// TestFollowersKeepPaceWithTheLeader plays the clip three times side by
// side: the leader with sound, two silent players following its Clock.
// Played, paused, seeked and played again together, every player shows
// the frame of the leader's time (±1 frame).
func TestFollowersKeepPaceWithTheLeader(t *testing.T) {
	needFFmpeg(t)
	leader, clock, _, lrec := openCounted(t, false)
	recs := []*recorder{lrec}
	players := []*Player{leader}
	for range 2 {
		rec := &recorder{t: t, clock: clock}
		p, err := Open(counted, countedInfo(t), Options{
			Width: 160, Height: 90, Silent: true, Clock: leader.Clock(),
			OnFrame: rec.onFrame, OnStatus: rec.onStatus,
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.Close)
		waitFor(t, clock, "a follower's first frame", func() bool { f, _ := rec.last(); return f.index == 0 })
		n := len(p.currentPIDs())
		if n != 1 {
			t.Fatalf("a silent player runs %d ffmpeg processes, want one for the picture", n)
		}
		recs = append(recs, rec)
		players = append(players, p)
	}
	all := func(do func(*Player)) {
		for _, p := range players {
			do(p)
		}
	}
	// together moves the clock from 0 to `to` after origin and checks that
	// every player shows the frame due then.
	together := func(origin, to time.Duration) {
		t.Helper()
		const step = 100 * time.Millisecond
		for at := step; at <= to; at += step {
			clock.Advance(step)
			want := min(int(math.Floor((origin+at).Seconds()*countedRate)), 249)
			for i, rec := range recs {
				waitFor(t, clock, "the frame due at "+at.String(), func() bool { f, _ := rec.last(); return f.index >= want-1 })
				f, _ := rec.last()
				if d := f.index - want; d < -1 || d > 1 || f.content != f.index {
					t.Fatalf("player %d at %v: frame %d (showing %d) on show, want %d±1", i, origin+at, f.index, f.content, want)
				}
			}
		}
	}
	playing := func(on bool) {
		for _, rec := range recs {
			waitFor(t, clock, "the players to start or stop", func() bool { return rec.currentStatus().Playing == on })
		}
	}

	all((*Player).Play)
	playing(true)
	together(0, 2*time.Second)

	all((*Player).Pause)
	playing(false)
	var before []int
	for _, rec := range recs {
		_, n := rec.last()
		before = append(before, n)
	}
	for range 10 {
		clock.Advance(100 * time.Millisecond)
	}
	for i, rec := range recs {
		if _, n := rec.last(); n != before[i] {
			t.Fatalf("player %d went on while paused", i)
		}
	}

	all((*Player).Play)
	playing(true)
	together(2*time.Second, time.Second)

	all(func(p *Player) { p.Seek(7300 * time.Millisecond) })
	for _, rec := range recs {
		waitFor(t, clock, "frame 182", func() bool { f, _ := rec.last(); return f.index == 182 })
	}
	together(leader.frameTime(182)-leader.frameDur/4, 2*time.Second)
}

// The sound in the device's own buffer is not heard yet: right after oto
// took sound the whole buffer is ahead of the ear, and it plays out in
// real time.
func TestSoundInTheDeviceIsNotCountedAsHeard(t *testing.T) {
	full := int64(deviceBuffer) * SampleRate / int64(time.Second) * frameBytes
	for _, tc := range []struct {
		since time.Duration
		want  int64
	}{
		{0, full},
		{-time.Millisecond, full},
		{deviceBuffer / 2, full / 2},
		{deviceBuffer, 0},
		{time.Second, 0},
	} {
		if got := inDevice(tc.since); got != tc.want || got%frameBytes != 0 {
			t.Errorf("%v after the last read: %d bytes still in the device, want %d", tc.since, got, tc.want)
		}
	}
}

// A new size that comes while a seek's frame is still being decoded keeps
// the seek: the frame shown at the new size is the one sought, not the one
// that was on show before it (which the player went back to).
func TestResizeKeepsASeekNotShownYet(t *testing.T) {
	needFFmpeg(t)
	real, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Fatal(err)
	}
	// An ffmpeg that takes a moment to start, as on a busy machine.
	slow := filepath.Join(t.TempDir(), "slow-ffmpeg")
	if err := os.WriteFile(slow, []byte("#!/bin/sh\nsleep 0.3\nexec "+real+" \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{}
	rec := &recorder{t: t, clock: clock}
	p, err := Open(counted, countedInfo(t), Options{
		Width: 160, Height: 90, Audio: &fakeOutput{clock: clock, noDevice: true}, Clock: clock, FFmpeg: slow,
		OnFrame: rec.onFrame, OnStatus: rec.onStatus,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	waitFor(t, clock, "the first frame", func() bool { f, _ := rec.last(); return f.index == 0 })
	before := p.currentPIDs()
	p.Seek(2 * time.Second)
	waitFor(t, clock, "the seek's ffmpeg", func() bool {
		now := p.currentPIDs()
		return len(now) > 0 && !slices.Equal(now, before)
	})
	if f, _ := rec.last(); f.index != 0 {
		t.Fatalf("frame %d shown before the seek's ffmpeg started", f.index)
	}
	p.Resize(640, 640)
	waitFor(t, clock, "a 640×360 frame", func() bool { f, _ := rec.last(); return f.size == image.Pt(640, 360) })
	if f, _ := rec.last(); f.index != 50 || f.content != 50 {
		t.Fatalf("at the new size frame %d (showing %d) is on show, want 50, the one sought", f.index, f.content)
	}
}
