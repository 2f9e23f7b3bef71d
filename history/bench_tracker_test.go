package history

// Tracker benchmarks: poll efficiency, poll lag and the tracker's cost with
// many tasks in flight against the simulator on loopback. Full size (1,000
// tasks at 2 s for 60 s) only with REELHOUSE_BENCH=full; otherwise a tiny
// run so that `go test` keeps them working.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http/httptrace"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/client/apitest"
	"github.com/reelhouse/reelhouse/history/library"
	"github.com/reelhouse/reelhouse/history/store"
)

// benchFull reports whether the benchmarks run at full size.
func benchFull() bool { return os.Getenv("REELHOUSE_BENCH") == "full" }

// pick returns full at full size, else tiny.
func pick[T any](full, tiny T) T {
	if benchFull() {
		return full
	}
	return tiny
}

// percentile is the p-th percentile of xs (nearest rank).
func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// cpuTime is the CPU time (user and system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// heapInUse is the live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// benchTracker is the one place the benchmarks make a tracker.
func benchTracker(st *store.Store, lib *library.Library, api API, interval, minInterval time.Duration) *Tracker {
	return NewTracker(st, lib, api, TrackerOptions{Interval: interval, MinInterval: minInterval})
}

// BenchmarkTrackerPolling tracks n unfinished tasks for a while. Each task
// changes once on the simulator at a random moment; the lag is the time
// from that change to the tracker's event for it (sent once the store has
// it). Metrics: requests per task per interval, tasks polled twice within
// one interval, p99 lag, CPU share of one core, heap per task and the
// connections the tracker opened while measured. The tracker runs in a
// process of its own (TestBenchTrackerChild), so that its CPU and heap
// are its own, not the simulator's.
func BenchmarkTrackerPolling(b *testing.B) {
	n := pick(1000, 20)
	interval := pick(2*time.Second, 200*time.Millisecond)
	span := pick(60*time.Second, 2*time.Second)
	for b.Loop() {
		sim := apitest.New(apitest.Config{PendingFor: time.Hour})
		ids := make([]string, 0, n)
		for range n {
			ids = append(ids, sim.AddTask(client.CreateRequest{Model: "wan2.1-t2v-turbo", Prompt: "a lighthouse at dusk"}))
		}
		spec := trackerChildSpec{URL: sim.URL(), Key: sim.Key(), Dir: b.TempDir(), IDs: ids,
			Interval: interval, Span: span, Profile: os.Getenv("REELHOUSE_BENCH_TRACKER_PROFILE")}
		child, err := startTrackerChild(spec)
		if err != nil {
			b.Fatal(err)
		}
		start := child.start

		// Each task changes once, at a random moment after the first
		// round of polls and at least two intervals before the end.
		at := make([]time.Duration, len(ids))
		for i := range at {
			at[i] = 2*interval + time.Duration(rand.Int64N(int64(span-4*interval)))
		}
		order := make([]int, len(ids))
		for i := range order {
			order[i] = i
		}
		slices.SortFunc(order, func(a, b int) int { return int(at[a] - at[b]) })
		changed := make(map[string]time.Time, n) // simulator task id → when it changed
		for _, i := range order {
			time.Sleep(time.Until(start.Add(at[i])))
			changed[ids[i]] = time.Now()
			sim.SetOutcome(ids[i], client.StatusRunning)
		}
		res, err := child.wait()
		if err != nil {
			b.Fatal(err)
		}
		var lags []float64
		for id, when := range res.seen {
			if at, ok := changed[id]; ok {
				lags = append(lags, float64(when.Sub(at))/float64(time.Millisecond))
				delete(changed, id)
			}
		}

		// Requests per task per interval, over whole intervals after the
		// first (when every task is first polled).
		from, to := start.Add(interval), start.Add(span)
		var polls int
		byTask := make(map[string][]time.Time, n)
		for _, r := range sim.Log() {
			id, ok := strings.CutPrefix(r.Path, "/video/v1/tasks/")
			if !ok {
				continue
			}
			byTask[id] = append(byTask[id], r.At)
			if !r.At.Before(from) && r.At.Before(to) {
				polls++
			}
		}
		twice := 0
		for _, times := range byTask {
			for k := 1; k < len(times); k++ {
				if times[k].Sub(times[k-1]) < interval*9/10 {
					twice++
				}
			}
		}
		perInterval := float64(polls) / float64(n) / (float64(to.Sub(from)) / float64(interval))
		b.ReportMetric(perInterval, "req/task/interval")
		b.ReportMetric(float64(twice), "double-polls")
		b.ReportMetric(percentile(lags, 99), "p99-lag-ms")
		b.ReportMetric(float64(interval)/float64(time.Millisecond), "interval-ms")
		b.ReportMetric(float64(len(changed)), "changes-unseen")
		b.ReportMetric(res.cpuPercent, "cpu-%")
		b.ReportMetric(res.heapKiBPerTask, "heap-KiB/task")
		b.ReportMetric(float64(res.newConns), "new-conns")
		sim.Close()
	}
}

// trackerChildEnv carries a trackerChildSpec, as JSON, to
// TestBenchTrackerChild.
const trackerChildEnv = "REELHOUSE_BENCH_TRACKER_CHILD"

// trackerChildSpec is what the tracking process is asked to do.
type trackerChildSpec struct {
	URL, Key, Dir string
	IDs           []string
	Interval      time.Duration
	Span          time.Duration
	Profile       string // a CPU profile of the measured span is written here
}

// trackerChild is a running TestBenchTrackerChild.
type trackerChild struct {
	cmd   *exec.Cmd
	out   *bufio.Scanner
	start time.Time // when its tracker started
	log   strings.Builder
}

// trackerChildResult is what the tracking process measured.
type trackerChildResult struct {
	cpuPercent     float64
	heapKiBPerTask float64
	newConns       int
	seen           map[string]time.Time // task id → when its change was published
}

// startTrackerChild starts this test binary tracking spec's tasks and
// waits until its tracker runs.
func startTrackerChild(spec trackerChildSpec) (*trackerChild, error) {
	js, err := json.Marshal(spec)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestBenchTrackerChild$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), trackerChildEnv+"="+string(js))
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &trackerChild{cmd: cmd, out: bufio.NewScanner(stdout)}
	for c.out.Scan() {
		line := c.out.Text()
		c.log.WriteString(line + "\n")
		if rest, ok := strings.CutPrefix(line, "tracker-started "); ok {
			ns, err := strconv.ParseInt(rest, 10, 64)
			if err != nil {
				break
			}
			c.start = time.Unix(0, ns)
			return c, nil
		}
	}
	cmd.Process.Kill()
	cmd.Wait()
	return nil, fmt.Errorf("the tracking process did not start:\n%s", c.log.String())
}

// wait reads the child's results once it has finished.
func (c *trackerChild) wait() (trackerChildResult, error) {
	res := trackerChildResult{seen: make(map[string]time.Time)}
	done := false
	for c.out.Scan() {
		line := c.out.Text()
		if rest, ok := strings.CutPrefix(line, "tracker-seen "); ok {
			var id string
			var ns int64
			if _, err := fmt.Sscan(rest, &id, &ns); err == nil {
				res.seen[id] = time.Unix(0, ns)
			}
			continue
		}
		c.log.WriteString(line + "\n")
		if rest, ok := strings.CutPrefix(line, "tracker-result "); ok {
			if _, err := fmt.Sscan(rest, &res.cpuPercent, &res.heapKiBPerTask, &res.newConns); err == nil {
				done = true
			}
		}
	}
	if err := c.cmd.Wait(); err != nil || !done {
		return res, fmt.Errorf("tracking process: %v\n%s", err, c.log.String())
	}
	return res, nil
}

// TestBenchTrackerChild is the tracking side of BenchmarkTrackerPolling,
// run in a process of its own; it does nothing in an ordinary test run. It
// prints when its tracker started, then, after the span, when it published
// the change of each task and what the tracker cost.
func TestBenchTrackerChild(t *testing.T) {
	js := os.Getenv(trackerChildEnv)
	if js == "" {
		t.Skip("run by BenchmarkTrackerPolling only")
	}
	var spec trackerChildSpec
	if err := json.Unmarshal([]byte(js), &spec); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c, err := client.New(spec.URL, client.WithAPIKey(spec.Key))
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, filepath.Join(spec.Dir, "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	folder, err := library.OpenFolder(filepath.Join(spec.Dir, "Library"))
	if err != nil {
		t.Fatal(err)
	}
	lib := library.New(st, folder)
	taskOf := make(map[int64]string, len(spec.IDs))
	for _, id := range spec.IDs {
		r, _, err := st.AddExisting(ctx, id, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		taskOf[r.ID] = id
	}
	tr := benchTracker(st, lib, c, spec.Interval, spec.Interval)
	events, unsubscribe := tr.Subscribe()
	seen := make(map[string]time.Time, len(spec.IDs))
	evDone := make(chan struct{})
	go func() {
		defer close(evDone)
		for ev := range events {
			if ev.Kind == EventChanged && ev.Record.State == store.StateRunning {
				if id := taskOf[ev.ID]; id != "" && seen[id].IsZero() {
					seen[id] = time.Now()
				}
			}
		}
	}()

	// Connections the tracker opens rather than reuses.
	var newConns atomic.Int64
	trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
		if !info.Reused {
			newConns.Add(1)
		}
	}}
	heapBefore := heapInUse()
	runCtx, stop := context.WithCancel(httptrace.WithClientTrace(ctx, trace))
	runDone := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(runDone)
		tr.Run(runCtx)
	}()
	fmt.Printf("tracker-started %d\n", start.UnixNano())

	// Measure after the first round, once every task is known.
	time.Sleep(spec.Interval)
	if spec.Profile != "" {
		f, err := os.Create(spec.Profile)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		pprof.StartCPUProfile(f)
	}
	conns0 := newConns.Load()
	cpu0, t0 := cpuTime(), time.Now()
	time.Sleep(time.Until(start.Add(spec.Span)))
	cpu1, t1 := cpuTime(), time.Now()
	conns := newConns.Load() - conns0
	if spec.Profile != "" {
		pprof.StopCPUProfile()
	}
	heapDuring := heapInUse()
	stop()
	<-runDone
	unsubscribe()
	<-evDone
	c.CloseIdleConnections()
	for id, when := range seen {
		fmt.Printf("tracker-seen %s %d\n", id, when.UnixNano())
	}
	fmt.Printf("tracker-result %g %g %d\n", 100*float64(cpu1-cpu0)/float64(t1.Sub(t0)),
		(float64(heapDuring)-float64(heapBefore))/float64(len(spec.IDs))/1024, conns)
}
