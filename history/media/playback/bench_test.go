package playback

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
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

// cpuTime is the processor time used by this process, its children that
// were waited for, and the live children in pids (Linux: /proc).
func cpuTime(pids []int) time.Duration {
	var total time.Duration
	for _, who := range []int{syscall.RUSAGE_SELF, syscall.RUSAGE_CHILDREN} {
		var ru syscall.Rusage
		if err := syscall.Getrusage(who, &ru); err == nil {
			total += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		}
	}
	for _, pid := range pids {
		data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			continue
		}
		// Fields after the command name in parentheses; utime and stime
		// are the 14th and 15th fields, in clock ticks (100 per second).
		s := string(data)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
		if len(fields) > 12 {
			u, _ := strconv.ParseInt(fields[11], 10, 64)
			k, _ := strconv.ParseInt(fields[12], 10, 64)
			total += time.Duration(u+k) * 10 * time.Millisecond
		}
	}
	return total
}

func (p *Player) currentPIDs() []int {
	p.pidsMu.Lock()
	defer p.pidsMu.Unlock()
	return append([]int(nil), p.pids...)
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
	cpu0, wall0 := cpuTime(p.currentPIDs()), time.Now()
	p.Play()
	<-ended
	cpu := cpuTime(p.currentPIDs()) - cpu0
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
		cpu0, wall0 := cpuTime(pids), time.Now()
		time.Sleep(2 * time.Second)
		cpu := cpuTime(pids) - cpu0
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
