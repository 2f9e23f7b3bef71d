package client_test

// Download benchmarks: speed next to curl, memory, and the bytes a resumed
// download fetches twice. They use full sizes (1 GiB, 4 GiB) only when
// REELHOUSE_BENCH=full; otherwise a tiny size, so that `go test` runs them
// quickly and they cannot rot. The figures are reported as metrics of the
// benchmark (medians over the rounds).

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/client/apitest"
)

// benchFull reports whether the benchmarks run at full size.
func benchFull() bool { return os.Getenv("REELHOUSE_BENCH") == "full" }

// benchSize is full when running at full size, else tiny.
func benchSize(full, tiny int64) int64 {
	if benchFull() {
		return full
	}
	return tiny
}

// benchRounds is how many times each side of a comparison runs.
func benchRounds(full int) int {
	if benchFull() {
		return full
	}
	return 1
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// benchClient is the one place the benchmarks make a client.
func benchClient(tb testing.TB, sim *apitest.Sim) *client.Client {
	tb.Helper()
	c, err := client.New(sim.URL(), client.WithAPIKey(sim.Key()), client.WithMaxDownloadSize(8<<30))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(c.CloseIdleConnections)
	return c
}

// benchDownload is the one place the benchmarks download.
func benchDownload(ctx context.Context, c *client.Client, url, part string, progress func(done, total int64)) (client.DownloadResult, error) {
	return c.Download(ctx, url, part, client.DownloadOptions{Progress: progress})
}

// paddedVideo starts a simulator whose videos are about size bytes and
// returns it with the URL of one finished video.
func paddedVideo(tb testing.TB, size int64) (*apitest.Sim, string, string) {
	tb.Helper()
	return paddedVideoAt(tb, size, 0)
}

// paddedVideoAt is paddedVideo whose file host sends at most rate bytes
// per second (0: as fast as it can).
func paddedVideoAt(tb testing.TB, size, rate int64) (*apitest.Sim, string, string) {
	tb.Helper()
	sim := apitest.New(apitest.Config{Padding: int(size), Rate: rate})
	tb.Cleanup(sim.Close)
	id := sim.AddTask(basicRequest)
	sim.SetOutcome(id, client.StatusSuccess)
	c := benchClient(tb, sim)
	task, err := c.Task(context.Background(), id)
	c.CloseIdleConnections()
	if err != nil || len(task.URLs()) == 0 {
		tb.Fatalf("task: %+v, %v", task, err)
	}
	return sim, id, task.URLs()[0]
}

// childEnv carries the URL and part path to TestBenchDownloadChild.
const childEnv = "REELHOUSE_BENCH_DOWNLOAD_CHILD"

// TestBenchDownloadChild is the download of the memory and speed figures,
// run in a process of its own (see downloadInChild); it does nothing in an
// ordinary test run.
func TestBenchDownloadChild(t *testing.T) {
	spec := os.Getenv(childEnv)
	if spec == "" {
		t.Skip("run by the download benchmarks only")
	}
	url, part, _ := strings.Cut(spec, "\n")
	c, err := client.New("http://127.0.0.1:1", client.WithMaxDownloadSize(8<<30))
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	// Reset the peak RSS to the current RSS, then take the baseline.
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	before := procStatus(t, "VmRSS")
	if path := os.Getenv("REELHOUSE_BENCH_DOWNLOAD_PROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	start := time.Now()
	if _, err := benchDownload(context.Background(), c, url, part, nil); err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	peak := procStatus(t, "VmHWM")
	c.CloseIdleConnections()
	fmt.Printf("child-result %d %d\n", elapsed.Nanoseconds(), peak-before)
}

// procStatus reads a size in bytes from /proc/self/status.
func procStatus(t *testing.T, field string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Skip("no /proc: ", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no %s in /proc/self/status", field)
	return 0
}

// downloadInChild downloads url to part in a new process running this
// test binary and returns how long it took and how much the process's
// peak RSS grew during the download.
func downloadInChild(tb testing.TB, url, part string) (time.Duration, int64) {
	d, rss, _ := downloadInChildCPU(tb, url, part)
	return d, rss
}

// downloadInChildCPU is downloadInChild that also returns the CPU time
// (user and system) of the whole child process.
func downloadInChildCPU(tb testing.TB, url, part string) (time.Duration, int64, time.Duration) {
	tb.Helper()
	os.Remove(part)
	os.Remove(part + ".meta")
	cmd := exec.Command(os.Args[0], "-test.run=^TestBenchDownloadChild$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"="+url+"\n"+part)
	out, err := cmd.CombinedOutput()
	if err != nil {
		tb.Fatalf("child download: %v\n%s", err, out)
	}
	for line := range strings.Lines(string(out)) {
		if rest, ok := strings.CutPrefix(line, "child-result "); ok {
			var ns, rss int64
			if _, err := fmt.Sscan(rest, &ns, &rss); err == nil {
				return time.Duration(ns), rss, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
			}
		}
	}
	tb.Fatalf("child download said nothing:\n%s", out)
	return 0, 0, 0
}

// curlDownload fetches url to path with curl and returns how long it took
// and the CPU time curl used.
func curlDownload(tb testing.TB, url, path string) (time.Duration, time.Duration) {
	tb.Helper()
	os.Remove(path)
	start := time.Now()
	cmd := exec.Command("curl", "-sS", "-o", path, url)
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("curl: %v\n%s", err, out)
	}
	return time.Since(start), cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}

// BenchmarkDownloadSpeed downloads one 1 GiB video (tiny: 1 MiB), each
// round in a new process, alternating with `curl -o` of the same URL to
// the same folder. Metrics: our MiB/s, curl's, the peak RSS growth, and
// the CPU seconds per GiB of each process (ours also hashes the file, so on
// a machine with no idle core the speeds follow the CPU times).
func BenchmarkDownloadSpeed(b *testing.B) {
	size := benchSize(1<<30, 1<<20)
	_, _, url := paddedVideo(b, size)
	dir := b.TempDir()
	haveCurl := true
	if _, err := exec.LookPath("curl"); err != nil {
		if benchFull() {
			b.Fatal("curl is needed for the reference: ", err)
		}
		haveCurl = false
	}
	gib := float64(size) / (1 << 30)
	var ours, curls, rss, cpu, curlCPU []float64
	for b.Loop() {
		for range benchRounds(5) {
			d, grow, used := downloadInChildCPU(b, url, filepath.Join(dir, "ours.mp4"))
			ours = append(ours, float64(size)/(1<<20)/d.Seconds())
			rss = append(rss, float64(grow)/(1<<20))
			cpu = append(cpu, used.Seconds()/gib)
			os.Remove(filepath.Join(dir, "ours.mp4"))
			if haveCurl {
				d, used := curlDownload(b, url, filepath.Join(dir, "curl.mp4"))
				curls = append(curls, float64(size)/(1<<20)/d.Seconds())
				curlCPU = append(curlCPU, used.Seconds()/gib)
				os.Remove(filepath.Join(dir, "curl.mp4"))
			}
		}
	}
	b.ReportMetric(median(ours), "MiB/s")
	b.ReportMetric(median(curls), "curl-MiB/s")
	b.ReportMetric(median(rss), "rss-MiB")
	b.ReportMetric(median(cpu), "cpu-s/GiB")
	b.ReportMetric(median(curlCPU), "curl-cpu-s/GiB")
}

// BenchmarkDownloadAtLinkSpeed downloads one 1 GiB video (tiny: 4 MiB)
// served at 100 MiB/s (tiny: 40 MiB/s), the upper end of home fibre, each
// round in a new process, alternating with `curl -o` of the same URL at
// the same rate. On a real link the network, not the processor, sets the
// pace, so the hashing and syncing that cost speed on loopback must cost
// none here. Metrics: link-MiB/s and curl-link-MiB/s, the medians.
func BenchmarkDownloadAtLinkSpeed(b *testing.B) {
	size, rate := benchSize(1<<30, 4<<20), benchSize(100<<20, 40<<20)
	_, _, url := paddedVideoAt(b, size, rate)
	dir := b.TempDir()
	if _, err := exec.LookPath("curl"); err != nil {
		b.Skip("curl is needed for the reference: ", err)
	}
	var ours, curls []float64
	for b.Loop() {
		for range benchRounds(3) {
			d, _, _ := downloadInChildCPU(b, url, filepath.Join(dir, "ours.mp4"))
			ours = append(ours, float64(size)/(1<<20)/d.Seconds())
			os.Remove(filepath.Join(dir, "ours.mp4"))
			d, _ = curlDownload(b, url, filepath.Join(dir, "curl.mp4"))
			curls = append(curls, float64(size)/(1<<20)/d.Seconds())
			os.Remove(filepath.Join(dir, "curl.mp4"))
		}
	}
	b.ReportMetric(median(ours), "link-MiB/s")
	b.ReportMetric(median(curls), "curl-link-MiB/s")
}

// BenchmarkDownloadMemory is the peak RSS growth of a download at 100 MiB,
// 1 GiB and 4 GiB (tiny: 1, 2 and 4 MiB), each in a new process.
func BenchmarkDownloadMemory(b *testing.B) {
	sizes := []struct {
		name string
		size int64
	}{
		{"100M", benchSize(100<<20, 1<<20)},
		{"1G", benchSize(1<<30, 2<<20)},
		{"4G", benchSize(4<<30, 4<<20)},
	}
	dir := b.TempDir()
	for b.Loop() {
		for _, s := range sizes {
			sim, _, url := paddedVideo(b, s.size)
			var rss []float64
			for range benchRounds(2) {
				_, grow := downloadInChild(b, url, filepath.Join(dir, "v.mp4"))
				rss = append(rss, float64(grow)/(1<<20))
				os.Remove(filepath.Join(dir, "v.mp4"))
			}
			sim.Close()
			b.ReportMetric(median(rss), "rss"+s.name+"-MiB")
		}
	}
}

// BenchmarkResumeWaste cuts a 1 GiB download (tiny: 64 MiB) at a random
// point, resumes it, and counts the bytes the file host sent beyond the
// size of the file: those were fetched twice. The host ends the connection
// in the middle of the body (a network failure: waste-bytes; an orderly
// end, since after a reset the kernel drops what it had received but not
// yet handed over); separately, the download
// is cancelled when the file holds a random share (Reelhouse quits:
// quit-waste-bytes, which includes what was in flight in the sockets); and
// the downloading process is killed (SIGKILL, as in a crash) when the file
// holds a random share (kill-waste-bytes: what came after the last
// checkpoint, plus what was in flight).
func BenchmarkResumeWaste(b *testing.B) {
	size := benchSize(1<<30, 64<<20)
	dir := b.TempDir()
	var waste, quitWaste, killWaste []float64
	for b.Loop() {
		for range benchRounds(3) {
			waste = append(waste, cutAndResume(b, size, filepath.Join(dir, "r.mp4.part")))
		}
		for try := 0; len(quitWaste) < benchRounds(3); try++ {
			if try == 10 {
				b.Fatal("no download was cut in 10 tries")
			}
			if w, ok := quitAndResume(b, size, filepath.Join(dir, "q.mp4.part")); ok {
				quitWaste = append(quitWaste, w)
			}
		}
		for try := 0; len(killWaste) < benchRounds(3); try++ {
			if try == 10 {
				b.Fatal("no download was killed in 10 tries")
			}
			if w, ok := killAndResume(b, size, filepath.Join(dir, "k.mp4.part")); ok {
				killWaste = append(killWaste, w)
			}
		}
	}
	b.ReportMetric(median(waste), "waste-bytes")
	b.ReportMetric(median(quitWaste), "quit-waste-bytes")
	b.ReportMetric(median(killWaste), "kill-waste-bytes")
}

// killAndResume downloads a video of about size bytes to part in a new
// process and kills that process (SIGKILL) once the file holds a random
// share of the video, then downloads it again to the end in this one. It
// returns the bytes sent twice; ok is false when the child finished before
// it could be killed.
func killAndResume(b *testing.B, size int64, part string) (waste float64, ok bool) {
	sim, id, url := paddedVideo(b, size)
	defer sim.Close()
	os.Remove(part)
	os.Remove(part + ".meta")
	total := sim.VideoFile(id, 0).Size()
	cut := total/10 + rand.Int64N(total*8/10)
	cmd := exec.Command(os.Args[0], "-test.run=^TestBenchDownloadChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+url+"\n"+part)
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	killed := false
watch:
	for {
		select {
		case <-exited:
			break watch
		default:
		}
		if info, err := os.Stat(part); err == nil && info.Size() >= cut {
			killed = cmd.Process.Signal(syscall.SIGKILL) == nil
			<-exited
			break
		}
		time.Sleep(200 * time.Microsecond)
	}
	if !killed {
		return 0, false
	}
	c := benchClient(b, sim)
	if _, err := benchDownload(context.Background(), c, url, part, nil); err != nil {
		b.Fatal(err)
	}
	c.CloseIdleConnections()
	return float64(sim.FileBytesSent() - total), true
}

// cutAndResume downloads a video of about size bytes to part while the
// host ends the connection at a random byte, then downloads it again to
// the end, and returns the bytes sent twice.
func cutAndResume(b *testing.B, size int64, part string) float64 {
	sim, id, url := paddedVideo(b, size)
	defer sim.Close()
	c := benchClient(b, sim)
	os.Remove(part)
	os.Remove(part + ".meta")
	total := sim.VideoFile(id, 0).Size()
	sim.Inject(apitest.Fault{Kind: apitest.FaultTruncate, Target: apitest.TargetFiles,
		CutAfter: total/10 + rand.Int64N(total*8/10)})
	if _, err := benchDownload(context.Background(), c, url, part, nil); err == nil {
		b.Fatal("the download was not cut")
	}
	if _, err := benchDownload(context.Background(), c, url, part, nil); err != nil {
		b.Fatal(err)
	}
	c.CloseIdleConnections()
	return float64(sim.FileBytesSent() - total)
}

// quitAndResume downloads a video of about size bytes to part, cancelling
// the download once the file holds a random share of it, then downloads
// it again to the end. It returns the bytes sent twice; ok is false when
// the download finished before it could be cut.
func quitAndResume(b *testing.B, size int64, part string) (waste float64, ok bool) {
	sim, id, url := paddedVideo(b, size)
	defer sim.Close()
	c := benchClient(b, sim)
	os.Remove(part)
	os.Remove(part + ".meta")
	total := sim.VideoFile(id, 0).Size()
	cut := total/10 + rand.Int64N(total*8/10)
	ctx, cancel := context.WithCancel(context.Background())
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		for ctx.Err() == nil {
			if info, err := os.Stat(part); err == nil && info.Size() >= cut {
				cancel()
				return
			}
			time.Sleep(200 * time.Microsecond)
		}
	}()
	_, err := benchDownload(ctx, c, url, part, nil)
	cancel()
	<-watched
	if err == nil {
		return 0, false
	}
	if _, err := benchDownload(context.Background(), c, url, part, nil); err != nil {
		b.Fatal(err)
	}
	c.CloseIdleConnections()
	return float64(sim.FileBytesSent() - total), true
}
