package playback

import (
	"errors"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reelhouse/reelhouse/history/media"
)

// make720p writes a 4-second 1280×720 clip at 30 frames per second with
// sound, once per benchmark.
func make720p(b *testing.B) (string, media.Info) {
	b.Helper()
	needFFmpeg(b)
	path := filepath.Join(b.TempDir(), "720p.mp4")
	out, err := exec.Command("ffmpeg", "-nostdin", "-loglevel", "error", "-y",
		"-f", "lavfi", "-i", "testsrc2=s=1280x720:r=30:d=4",
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=4",
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", path).CombinedOutput()
	if err != nil {
		b.Fatalf("making the 720p clip: %v: %s", err, out)
	}
	info, err := media.Probe(path)
	if err != nil {
		b.Fatal(err)
	}
	return path, info
}

// currentPIDs is the ffmpeg processes of the segment under way, read
// through the segment the clock follows so that no lock exists for tests.
func (p *Player) currentPIDs() []int {
	p.played.Lock()
	defer p.played.Unlock()
	if p.played.seg == nil {
		return nil
	}
	return append([]int(nil), p.played.seg.pids...)
}

// realRun is one play of a clip, to its end, on the machine's clock.
type realRun struct {
	cpuPerSecond      float64 // processor seconds per second of playing
	meanLate, maxLate time.Duration
	shown, total      int
}

// playReal plays path to its end without sound on the monotonic clock and
// measures how late each frame was handed over against that clock.
func playReal(b *testing.B, path string, info media.Info, w, h int) realRun {
	clock := Monotonic()
	var mu sync.Mutex
	var started time.Duration
	var lates []time.Duration
	ended := make(chan struct{})
	var once sync.Once
	p, err := Open(path, info, Options{
		Width: w, Height: h, Clock: clock, Audio: &fakeOutput{noDevice: true},
		OnFrame: func(f *Frame) {
			now := clock.Now()
			mu.Lock()
			if started > 0 {
				lates = append(lates, now-started-f.PTS)
			}
			mu.Unlock()
			f.Release()
		},
		OnStatus: func(s Status) {
			mu.Lock()
			if s.Playing && started == 0 {
				started = clock.Now()
			}
			mu.Unlock()
			if s.Ended {
				once.Do(func() { close(ended) })
			}
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	time.Sleep(200 * time.Millisecond) // the first frame is decoded
	cpu0, wall0 := CPUTime(p.currentPIDs()), time.Now()
	p.Play()
	<-ended
	cpu := CPUTime(p.currentPIDs()) - cpu0
	wall := time.Since(wall0)
	mu.Lock()
	defer mu.Unlock()
	r := realRun{cpuPerSecond: cpu.Seconds() / wall.Seconds(), shown: len(lates), total: int(info.Duration.Seconds() * info.FrameRate)}
	for _, l := range lates {
		r.meanLate += l
		r.maxLate = max(r.maxLate, l)
	}
	if len(lates) > 0 {
		r.meanLate /= time.Duration(len(lates))
	}
	return r
}

// BenchmarkPlay720p plays a 720p clip at its own size on the machine's
// clock and reports the processor time used per second of playing, and how
// late frames came against the clock.
func BenchmarkPlay720p(b *testing.B) {
	path, info := make720p(b)
	for b.Loop() {
		r := playReal(b, path, info, 1280, 720)
		b.ReportMetric(r.cpuPerSecond, "cpu-s/s")
		b.ReportMetric(float64(r.meanLate.Microseconds())/1000, "mean-late-ms")
		b.ReportMetric(float64(r.maxLate.Microseconds())/1000, "max-late-ms")
		b.ReportMetric(float64(r.total-r.shown), "dropped")
	}
}

// BenchmarkRealClockDrift plays the counted clip on the machine's clock
// and reports how late frames came against it.
func BenchmarkRealClockDrift(b *testing.B) {
	needFFmpeg(b)
	info := countedInfo(b)
	for b.Loop() {
		r := playReal(b, counted, info, 160, 90)
		b.ReportMetric(float64(r.meanLate.Microseconds())/1000, "mean-late-ms")
		b.ReportMetric(float64(r.maxLate.Microseconds())/1000, "max-late-ms")
		b.ReportMetric(float64(r.total-r.shown), "dropped")
	}
}

// BenchmarkPaused720p reports the processor time a paused 720p player
// uses per second (its ffmpeg included).
func BenchmarkPaused720p(b *testing.B) {
	path, info := make720p(b)
	for b.Loop() {
		first := make(chan struct{}, 1)
		p, err := Open(path, info, Options{Width: 1280, Height: 720, Audio: &fakeOutput{noDevice: true},
			OnFrame: func(f *Frame) {
				f.Release()
				select {
				case first <- struct{}{}:
				default:
				}
			}})
		if err != nil {
			b.Fatal(err)
		}
		<-first
		time.Sleep(300 * time.Millisecond) // ffmpeg fills the pipe and blocks
		pids := p.currentPIDs()
		cpu0, wall0 := CPUTime(pids), time.Now()
		time.Sleep(2 * time.Second)
		cpu := CPUTime(pids) - cpu0
		wall := time.Since(wall0)
		p.Close()
		b.ReportMetric(cpu.Seconds()/wall.Seconds(), "cpu-s/s")
	}
}

// TestSystemAudioOpensOrSaysNoDevice checks that asking for the machine's
// sound device gives a working sink or ErrNoSoundDevice, never a hang.
func TestSystemAudioOpensOrSaysNoDevice(t *testing.T) {
	s, err := SystemAudio().NewSink()
	if err != nil {
		if !errors.Is(err, ErrNoSoundDevice) {
			t.Fatalf("NewSink: %v, want a sink or ErrNoSoundDevice", err)
		}
		t.Logf("no sound device: %v", err)
		return
	}
	s.SetVolume(0)
	s.Play()
	if _, err := s.Write(make([]byte, SampleRate/10*frameBytes)); err != nil {
		t.Fatal(err)
	}
	s.Pause()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Write(make([]byte, frameBytes)); err == nil {
		t.Fatal("Write after Close succeeded")
	}
}

// driftClipLength is how long BenchmarkSoundDrift plays.
const driftClipLength = 30 * time.Second

// BenchmarkSoundDrift plays a 30-second clip with sound through the
// machine's sound device, on the real clock, and reports how far the time
// of each frame handed over is from the sound clock (Player.Clock, which
// follows Sink.Played): mean, largest either way, and the share of frames
// more than one frame off. Where a PulseAudio server is reached (pactl
// on the PATH), it also reports the latency the server adds after
// Played (its buffer and its sink's; median and largest of one reading a
// second), which the sound clock does not see: the sound is heard that
// much after the frames of its time. It also reports how far the sound
// clock fell behind the machine's clock over the play: the time the
// sound stalled (the picture waits with it). .ci/sound-drift starts a server with a
// null sink (which plays on the machine's clock) for it; without a sound
// device it is skipped.
func BenchmarkSoundDrift(b *testing.B) {
	needFFmpeg(b)
	s, err := SystemAudio().NewSink()
	if err != nil {
		b.Skipf("no sound device or sound server (%v); .ci/sound-drift starts one", err)
	}
	_ = s.Close()
	path := filepath.Join(b.TempDir(), "drift.mp4")
	secs := strconv.Itoa(int(driftClipLength.Seconds()))
	out, err := exec.Command("ffmpeg", "-nostdin", "-loglevel", "error", "-y",
		"-f", "lavfi", "-i", "testsrc2=s=320x180:r=25:d="+secs,
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration="+secs,
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", path).CombinedOutput()
	if err != nil {
		b.Fatalf("making the clip: %v: %s", err, out)
	}
	info, err := media.Probe(path)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		r := playWithSound(b, path, info)
		b.ReportMetric(float64(r.mean.Microseconds())/1000, "mean-drift-ms")
		b.ReportMetric(float64(r.maxAhead.Microseconds())/1000, "max-ahead-ms")
		b.ReportMetric(float64(r.maxLate.Microseconds())/1000, "max-late-ms")
		b.ReportMetric(100*float64(r.off)/float64(max(r.frames, 1)), "%-over-1-frame")
		b.ReportMetric(float64(r.total-r.frames), "dropped")
		b.ReportMetric(float64(r.clockDrift.Microseconds())/1000, "sound-vs-wall-ms")
		if len(r.serverLatency) > 0 {
			slices.Sort(r.serverLatency)
			median := r.serverLatency[len(r.serverLatency)/2]
			b.ReportMetric(float64(median.Microseconds())/1000, "server-latency-ms")
			b.ReportMetric(float64(r.serverLatency[len(r.serverLatency)-1].Microseconds())/1000, "max-server-latency-ms")
		}
	}
}

// soundRun is one play of BenchmarkSoundDrift.
type soundRun struct {
	frames, total, off int
	mean               time.Duration   // frame time minus sound clock, on average
	maxAhead, maxLate  time.Duration   // the largest either way, as magnitudes
	clockDrift         time.Duration   // sound clock minus machine clock over the play
	serverLatency      []time.Duration // the server's buffer and sink latency, once a second
}

func playWithSound(b *testing.B, path string, info media.Info) soundRun {
	var (
		mu      sync.Mutex
		clock   Clock // the Player's sound clock, once open
		playing bool
		diffs   []time.Duration
	)
	ended := make(chan struct{})
	var once sync.Once
	p, err := Open(path, info, Options{
		Width: 320, Height: 180,
		OnFrame: func(f *Frame) {
			mu.Lock()
			if playing && clock != nil {
				diffs = append(diffs, f.PTS-clock.Now())
			}
			mu.Unlock()
			f.Release()
		},
		OnStatus: func(s Status) {
			if s.NoSoundDevice {
				b.Error("the player found no sound device")
			}
			mu.Lock()
			playing = s.Playing
			mu.Unlock()
			if s.Ended || s.Err != nil {
				once.Do(func() { close(ended) })
			}
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	mu.Lock()
	clock = p.Clock()
	mu.Unlock()
	time.Sleep(300 * time.Millisecond) // the first frame is decoded

	stopPoll := make(chan struct{})
	var latency struct {
		sync.Mutex
		samples []time.Duration
	}
	var polls sync.WaitGroup
	if pactl, err := exec.LookPath("pactl"); err == nil {
		polls.Go(func() {
			tick := time.NewTicker(time.Second)
			defer tick.Stop()
			for {
				select {
				case <-stopPoll:
					return
				case <-tick.C:
				}
				if d, ok := serverLatency(pactl); ok {
					latency.Lock()
					latency.samples = append(latency.samples, d)
					latency.Unlock()
				}
			}
		})
	}

	wall0 := time.Now()
	p.Play()
	<-ended
	wall := time.Since(wall0)
	close(stopPoll)
	polls.Wait()

	mu.Lock()
	defer mu.Unlock()
	r := soundRun{frames: len(diffs), total: int(info.Duration.Seconds() * info.FrameRate)}
	frame := time.Duration(float64(time.Second) / info.FrameRate)
	for _, d := range diffs {
		r.mean += d
		r.maxAhead = max(r.maxAhead, d)
		r.maxLate = max(r.maxLate, -d)
		if d > frame || -d > frame {
			r.off++
		}
	}
	if len(diffs) > 0 {
		r.mean /= time.Duration(len(diffs))
	}
	// The clock stood still until the sound started; at the end it ran on
	// the machine's clock for the last frame.
	r.clockDrift = clock.Now() - wall
	r.serverLatency = latency.samples
	return r
}

// serverLatency reads, from pactl, the latency of the first stream playing
// on the sound server: its buffer plus its sink's.
func serverLatency(pactl string) (time.Duration, bool) {
	out, err := exec.Command(pactl, "list", "sink-inputs").Output()
	if err != nil {
		return 0, false
	}
	var total time.Duration
	found := 0
	for _, line := range strings.Split(string(out), "\n") {
		line = strings.TrimSpace(line)
		for _, key := range []string{"Buffer Latency:", "Sink Latency:"} {
			if rest, ok := strings.CutPrefix(line, key); ok {
				f := strings.Fields(rest)
				if len(f) >= 2 && f[1] == "usec" {
					if us, err := strconv.ParseFloat(f[0], 64); err == nil {
						total += time.Duration(us * float64(time.Microsecond))
						found++
					}
				}
			}
		}
		if found == 2 {
			return total, true
		}
	}
	return 0, false
}
