package history

// Tracker benchmarks: poll efficiency, poll lag and the tracker's cost with
// many tasks in flight against the simulator on loopback. Full size (1,000
// tasks at 2 s for 60 s) only with REELHOUSE_BENCH=full; otherwise a tiny
// run so that `go test` keeps them working.

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/client/apitest"
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

func median(xs []float64) float64 { return percentile(xs, 50) }

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
func benchTracker(store *Store, lib *Library, api API, interval, minInterval time.Duration) *Tracker {
	return NewTracker(store, lib, api, TrackerOptions{Interval: interval, MinInterval: minInterval})
}

// BenchmarkTrackerPolling tracks n unfinished tasks for a while. Each task
// changes once on the simulator at a random moment; the lag is the time
// from that change to the tracker's event for it (sent once the store has
// it). Metrics: requests per task per interval, tasks polled twice within
// one interval, p99 lag, CPU share of one core and heap per task. The
// simulator runs in this process, so CPU and heap include its share: they
// are upper bounds.
func BenchmarkTrackerPolling(b *testing.B) {
	n := pick(1000, 20)
	interval := pick(2*time.Second, 200*time.Millisecond)
	span := pick(60*time.Second, 2*time.Second)
	ctx := context.Background()
	for b.Loop() {
		sim := apitest.New(apitest.Config{PendingFor: time.Hour})
		c, err := client.New(sim.URL(), client.WithAPIKey(sim.Key()))
		if err != nil {
			b.Fatal(err)
		}
		store, err := Open(ctx, filepath.Join(b.TempDir(), "history.db"))
		if err != nil {
			b.Fatal(err)
		}
		folder, err := OpenFolder(filepath.Join(b.TempDir(), "Library"))
		if err != nil {
			b.Fatal(err)
		}
		lib := NewLibrary(store, folder)
		taskOf := make(map[int64]string, n)
		for range n {
			id := sim.AddTask(client.CreateRequest{Model: "wan2.1-t2v-turbo", Prompt: "a lighthouse at dusk"})
			r, _, err := store.AddExisting(ctx, id, time.Now())
			if err != nil {
				b.Fatal(err)
			}
			taskOf[r.ID] = id
		}

		tr := benchTracker(store, lib, c, interval, interval)
		events, unsubscribe := tr.Subscribe()
		var (
			mu      sync.Mutex
			changed = make(map[string]time.Time, n) // simulator task id → when it changed
			lags    []float64
		)
		evDone := make(chan struct{})
		go func() {
			defer close(evDone)
			for ev := range events {
				if ev.Kind != EventChanged || ev.Record.State != StateRunning {
					continue
				}
				now := time.Now()
				mu.Lock()
				if at, ok := changed[taskOf[ev.ID]]; ok {
					lags = append(lags, float64(now.Sub(at))/float64(time.Millisecond))
					delete(changed, taskOf[ev.ID])
				}
				mu.Unlock()
			}
		}()

		heapBefore := heapInUse()
		runCtx, stop := context.WithCancel(ctx)
		runDone := make(chan struct{})
		start := time.Now()
		go func() {
			defer close(runDone)
			tr.Run(runCtx)
		}()

		// Each task changes once, at a random moment after the first
		// round of polls and at least two intervals before the end.
		ids := make([]string, 0, n)
		for _, id := range taskOf {
			ids = append(ids, id)
		}
		at := make([]time.Duration, len(ids))
		for i := range at {
			at[i] = 2*interval + time.Duration(rand.Int64N(int64(span-4*interval)))
		}
		order := make([]int, len(ids))
		for i := range order {
			order[i] = i
		}
		slices.SortFunc(order, func(a, b int) int { return int(at[a] - at[b]) })

		// Measure the cost after the first round, once every task is known.
		time.Sleep(interval)
		cpu0, t0 := cpuTime(), time.Now()
		for _, i := range order {
			time.Sleep(time.Until(start.Add(at[i])))
			mu.Lock()
			changed[ids[i]] = time.Now()
			mu.Unlock()
			sim.SetOutcome(ids[i], client.StatusRunning)
		}
		time.Sleep(time.Until(start.Add(span)))
		heapDuring := heapInUse()
		cpu1, t1 := cpuTime(), time.Now()
		stop()
		<-runDone
		unsubscribe()
		<-evDone

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
		mu.Lock()
		missed := len(changed)
		b.ReportMetric(perInterval, "req/task/interval")
		b.ReportMetric(float64(twice), "double-polls")
		b.ReportMetric(percentile(lags, 99), "p99-lag-ms")
		b.ReportMetric(float64(interval)/float64(time.Millisecond), "interval-ms")
		b.ReportMetric(float64(missed), "changes-unseen")
		mu.Unlock()
		b.ReportMetric(100*float64(cpu1-cpu0)/float64(t1.Sub(t0)), "cpu-%")
		b.ReportMetric((float64(heapDuring)-float64(heapBefore))/float64(n)/1024, "heap-KiB/task")

		store.Close()
		c.CloseIdleConnections()
		sim.Close()
	}
}
