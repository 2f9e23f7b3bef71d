package history

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/client/apitest"
	"github.com/reelhouse/reelhouse/history/library"
	"github.com/reelhouse/reelhouse/history/store"
)

// The reliability suite: the tracker and the downloader against a
// simulator that misbehaves on purpose. Each subtest of TestReliability is
// one scenario of `make reliability`, which runs them with
// REELHOUSE_RELIABILITY=full (more crash runs) and prints a summary;
// `go test` runs the same scenarios in a short form.
//
// The tests never assert that something is fast. Where a behaviour is about
// time (Retry-After, backoff) they check a lower bound, which a slow
// machine can only make easier to meet.

// reliabilityFull reports whether the long form of the suite was asked for.
func reliabilityFull() bool { return os.Getenv("REELHOUSE_RELIABILITY") == "full" }

func TestReliability(t *testing.T) {
	t.Parallel()
	for _, sc := range []struct {
		name string
		test func(*testing.T)
	}{
		{"query-cap-and-one-per-task", testQueryCap},
		{"retry-after-honoured", testRetryAfterHonoured},
		{"server-errors-back-off-then-recover", testServerErrorsBackOff},
		{"unreadable-answers-keep-polling", testUnreadableAnswers},
		{"refused-key-pauses-until-new-key", testRefusedKeyPauses},
		{"not-found-lost-only-after-several", testNotFoundLostAfterSeveral},
		{"unknown-status-shown-and-polled", testUnknownStatus},
		{"stale-then-check-again", testStaleThenCheckAgain},
		{"stale-only-after-asking", testStaleOnlyAfterAsking},
		{"stop-and-resume-watching", testStopAndResumeWatching},
		{"submission-never-resent", testSubmissionNeverResent},
		{"download-resumes-after-restart", testDownloadResumesAfterRestart},
		{"download-waits-out-service-trouble", testDownloadWaitsOutServiceTrouble},
		{"download-waits-for-new-key", testDownloadWaitsForNewKey},
		{"download-faults-byte-identical", testDownloadFaults},
		{"expired-url-one-refresh", testExpiredURLOneRefresh},
		{"expired-url-refresh-fails-plainly", testExpiredURLRefreshFails},
		{"max-downloads-respected", testMaxDownloads},
		{"write-refused-pauses", testWriteRefusedPauses},
		{"permission-denied-pauses", testPermissionDeniedPauses},
		{"disk-full-tmpfs-pauses", testDiskFullTmpfs},
		{"disk-full-resumes-by-itself", testDiskFullResumesByItself},
		{"read-only-resumes-by-itself", testReadOnlyResumesByItself},
		{"write-fails-mid-download-pauses", testWriteFailsMidDownload},
		{"delete-removes-part-files", testDeleteRemovesPartFiles},
		{"second-copy-detected", testSecondCopyDetected},
	} {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			sc.test(t)
		})
	}
}

// ---- helpers ----

func (e *env) submit(prompt string) store.Record {
	e.t.Helper()
	rec, err := e.tracker.Submit(e.t.Context(), client.CreateRequest{Model: "wan2.1-t2v-turbo", Prompt: prompt})
	if err != nil {
		e.t.Fatalf("Submit(%q): %v", prompt, err)
	}
	return rec
}

// queriesOf returns the task queries the simulator received for taskID.
func queriesOf(sim *apitest.Sim, taskID string) []apitest.Request {
	var out []apitest.Request
	for _, r := range sim.Log() {
		if r.Method == "GET" && r.Path == "/video/v1/tasks/"+taskID {
			out = append(out, r)
		}
	}
	return out
}

// filesOf returns the file-host requests the simulator received for the
// videos of taskID.
func filesOf(sim *apitest.Sim, taskID string) []apitest.Request {
	var out []apitest.Request
	for _, r := range sim.Log() {
		if strings.HasPrefix(r.Path, "/files/"+taskID+"/") {
			out = append(out, r)
		}
	}
	return out
}

// waitUntil polls cond until it holds, failing after a generous deadline
// (a hang, not a speed measurement).
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// settle waits until the tracker has settled (Tracker.settled): nothing
// due, asked or downloaded until something new comes. What it has not
// done by then, it will not do on its own.
func (e *env) settle(what string) {
	e.t.Helper()
	deadline := time.NewTimer(20 * time.Second) // a hang, not a measurement
	defer deadline.Stop()
	for !e.tracker.settled() {
		select {
		case <-e.tracker.settledCh:
		case <-deadline.C:
			e.t.Fatalf("timed out waiting for the tracker to settle (%s)", what)
		}
	}
}

// expectNoNewQueries checks that, once the tracker has settled, nothing
// asked about taskID since the call.
func (e *env) expectNoNewQueries(taskID, why string) {
	e.t.Helper()
	before := len(queriesOf(e.sim, taskID))
	e.settle(why)
	if after := len(queriesOf(e.sim, taskID)); after != before {
		e.t.Errorf("%s, yet the task was queried %d more times", why, after-before)
	}
}

// incomingFiles lists what is left in the library's unfinished-downloads
// folder.
func (e *env) incomingFiles() []string {
	entries, _ := os.ReadDir(filepath.Join(e.folder.Dir(), ".incoming"))
	var names []string
	for _, d := range entries {
		names = append(names, d.Name())
	}
	return names
}

// countingAPI passes calls on to the client, counting downloads (in all,
// at once, and per part file) and optionally holding them.
type countingAPI struct {
	API
	mu      sync.Mutex
	calls   int
	active  int
	peak    int
	perPart map[string]int
	// before, if set, runs before the n-th download call (from 1).
	before func(ctx context.Context, n int)

	queries, queryPeak, perTaskPeak int
	queriesOf                       map[string]int
}

func (c *countingAPI) Download(ctx context.Context, rawURL, partPath string, opts client.DownloadOptions) (client.DownloadResult, error) {
	c.mu.Lock()
	c.calls++
	n := c.calls
	c.active++
	c.peak = max(c.peak, c.active)
	if c.perPart == nil {
		c.perPart = make(map[string]int)
	}
	c.perPart[partPath]++
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.active--
		c.mu.Unlock()
	}()
	if c.before != nil {
		c.before(ctx, n)
	}
	return c.API.Download(ctx, rawURL, partPath, opts)
}

// Task passes a query on, counting queries at once in all and per task.
func (c *countingAPI) Task(ctx context.Context, id string) (*client.Task, error) {
	c.mu.Lock()
	if c.queriesOf == nil {
		c.queriesOf = make(map[string]int)
	}
	c.queries++
	c.queriesOf[id]++
	c.queryPeak = max(c.queryPeak, c.queries)
	c.perTaskPeak = max(c.perTaskPeak, c.queriesOf[id])
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.queries--
		c.queriesOf[id]--
		c.mu.Unlock()
	}()
	return c.API.Task(ctx, id)
}

func (c *countingAPI) stats() (calls, peak int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls, c.peak
}

func (c *countingAPI) callsFor(part string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.perPart[part]
}

// ---- polling ----

func testQueryCap(t *testing.T) {
	// Six tasks whose queries each take longer than the polling interval:
	// never more than MaxInFlight queries at once, never two for one task.
	e := newEnv(t, apitest.Config{PendingFor: 400 * time.Millisecond})
	e.sim.Inject(apitest.Fault{Kind: apitest.FaultSlow, Target: apitest.TargetTask, Times: -1, Delay: 100 * time.Millisecond})
	counter := &countingAPI{}
	e.wrap = func(api API) API { counter.API = api; return counter }
	e.start(TrackerOptions{MaxInFlight: 2})
	var recs []store.Record
	for i := range 6 {
		recs = append(recs, e.submit(fmt.Sprintf("one of six %d", i)))
	}
	for _, r := range recs {
		e.checkFiles(e.waitRecord(r.ID, "download", downloaded), 1)
	}
	counter.mu.Lock()
	peak, perTask := counter.queryPeak, counter.perTaskPeak
	counter.mu.Unlock()
	if peak > 2 {
		t.Errorf("%d task queries at once; the cap is 2", peak)
	}
	if peak < 2 {
		t.Errorf("never more than %d query at once for six tasks; the cap of 2 is not used", peak)
	}
	if perTask > 1 {
		t.Errorf("%d queries at once for one task", perTask)
	}
}

func testRetryAfterHonoured(t *testing.T) {
	e := newEnv(t, apitest.Config{})
	// The very first task query is refused with Retry-After: 1.
	e.sim.Inject(apitest.Fault{Kind: apitest.FaultStatus429, Target: apitest.TargetTask, RetryAfter: time.Second})
	// One query at a time, so that every later query was decided after
	// the 429 arrived. The backoff cap (200 ms) is far below Retry-After.
	e.start(TrackerOptions{MaxInFlight: 1})
	a := e.submit("rate limited one")
	b := e.submit("rate limited two")
	e.checkFiles(e.waitRecord(a.ID, "first download", downloaded), 1)
	e.checkFiles(e.waitRecord(b.ID, "second download", downloaded), 1)

	var queries []apitest.Request
	for _, r := range e.sim.Log() {
		if strings.HasPrefix(r.Path, "/video/v1/tasks/") {
			queries = append(queries, r)
		}
	}
	if len(queries) < 2 {
		t.Fatalf("only %d task queries", len(queries))
	}
	limited := queries[0]
	for _, q := range queries[1:] {
		if gap := q.At.Sub(limited.At); gap < time.Second {
			t.Errorf("a task query came %v after the 429, before its Retry-After of 1 s", gap)
		}
	}
}

func testServerErrorsBackOff(t *testing.T) {
	e := newEnv(t, apitest.Config{})
	e.sim.Inject(apitest.Fault{Kind: apitest.FaultStatus500, Target: apitest.TargetTask, Times: 4})
	const interval, maxBackoff = 40 * time.Millisecond, 400 * time.Millisecond
	e.start(TrackerOptions{Interval: interval, MinInterval: interval, MaxBackoff: maxBackoff})
	rec := e.submit("a burst of server errors")
	final := e.waitRecord(rec.ID, "the download after the errors", downloaded)
	e.checkFiles(final, 1)

	q := queriesOf(e.sim, rec.TaskID)
	if len(q) < 5 {
		t.Fatalf("%d queries; want 4 failures and at least one answer", len(q))
	}
	// After the n-th failure in a row the wait doubles: 40, 80, 160, 320 ms.
	for i := range 4 {
		want := min(interval<<i, maxBackoff)
		if gap := q[i+1].At.Sub(q[i].At); gap < want {
			t.Errorf("query %d came %v after failure %d; the backoff is at least %v", i+2, gap, i+1, want)
		}
	}
}

func testUnreadableAnswers(t *testing.T) {
	e := newEnv(t, apitest.Config{})
	for _, k := range []apitest.FaultKind{apitest.FaultMalformedJSON, apitest.FaultOversizedJSON, apitest.FaultMalformedJSON, apitest.FaultOversizedJSON} {
		e.sim.Inject(apitest.Fault{Kind: k, Target: apitest.TargetTask})
	}
	e.start(TrackerOptions{})
	rec := e.submit("garbled answers")
	seen := map[store.State]bool{}
	final := e.waitFor("the download after garbled answers", func(ev Event) bool {
		if ev.Kind == EventChanged && ev.ID == rec.ID {
			seen[ev.Record.State] = true
			return downloaded(ev.Record)
		}
		return false
	}).Record
	e.checkFiles(final, 1)
	for st := range seen {
		if st != store.StateSubmitting && st != store.StatePending && st != store.StateRunning && st != store.StateSuccess {
			t.Errorf("the task passed through state %q because of unreadable answers", st)
		}
	}
	if n := len(queriesOf(e.sim, rec.TaskID)); n < 5 {
		t.Errorf("%d queries; the four unreadable answers should each have been followed by another", n)
	}
}

func testRefusedKeyPauses(t *testing.T) {
	e := newEnv(t, apitest.Config{PendingFor: 300 * time.Millisecond})
	e.start(TrackerOptions{})
	rec := e.submit("key revoked half-way")
	e.sim.Inject(apitest.Fault{Kind: apitest.FaultStatus401, Target: apitest.TargetTask, Times: -1})
	e.waitFor("the key to be refused", func(ev Event) bool { return ev.Kind == EventKeyRefused })
	if !e.tracker.KeyRefused() {
		t.Error("KeyRefused is false after the key-refused event")
	}
	e.expectNoNewQueries(rec.TaskID, "polling is paused while the key is refused")
	if r, _ := e.store.Get(t.Context(), rec.ID); r.State.Final() || !r.Watching {
		t.Errorf("a refused key must not end the task: %+v", r)
	}
	e.sim.ClearFaults()
	e.tracker.KeyChanged()
	e.waitFor("polling to resume", func(ev Event) bool { return ev.Kind == EventKeyAccepted })
	e.checkFiles(e.waitRecord(rec.ID, "the download after a new key", downloaded), 1)
}

func testNotFoundLostAfterSeveral(t *testing.T) {
	const lostAfter = 3
	t.Run("forgotten-for-a-moment", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, apitest.Config{})
		e.sim.Inject(apitest.Fault{Kind: apitest.FaultStatus404, Target: apitest.TargetTask, Times: lostAfter - 1})
		e.start(TrackerOptions{LostAfter: lostAfter})
		rec := e.submit("the service hiccups")
		e.checkFiles(e.waitRecord(rec.ID, "the download despite two 404s", downloaded), 1)
	})
	t.Run("gone-for-good", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, apitest.Config{})
		rec, _, err := e.store.AddExisting(t.Context(), "0badc0de-0000-4000-8000-000000000000", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		st := store.StatePending
		if _, err := e.store.Update(t.Context(), rec.ID, store.Change{State: &st, Watching: ptr(true)}, time.Now()); err != nil {
			t.Fatal(err)
		}
		e.start(TrackerOptions{LostAfter: lostAfter})
		lost := e.waitRecord(rec.ID, "the task to be lost", func(r store.Record) bool { return r.State == store.StateLost })
		if lost.Watching || lost.ErrorMessage != store.ProblemLost {
			t.Errorf("lost record: %+v", lost)
		}
		if n := len(queriesOf(e.sim, rec.TaskID)); n != lostAfter {
			t.Errorf("lost after %d queries, want exactly %d", n, lostAfter)
		}
		e.expectNoNewQueries(rec.TaskID, "a lost task is not polled")
	})
}

func testUnknownStatus(t *testing.T) {
	e := newEnv(t, apitest.Config{})
	e.start(TrackerOptions{})
	id := e.sim.AddTask(client.CreateRequest{Model: "m", Prompt: "queued somewhere new"})
	e.sim.SetOutcome(id, "queued_for_gpu")
	rec, err := e.tracker.AddByID(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if rec.State != "queued_for_gpu" || !rec.Watching {
		t.Fatalf("an unknown status must be shown as it is and followed: %+v", rec)
	}
	n := len(queriesOf(e.sim, id))
	waitUntil(t, "polling to continue", func() bool { return len(queriesOf(e.sim, id)) >= n+3 })
	if r, _ := e.store.Get(t.Context(), rec.ID); r.State != "queued_for_gpu" || !r.Watching {
		t.Errorf("after more polls: %+v", r)
	}
	e.sim.SetOutcome(id, client.StatusSuccess)
	e.checkFiles(e.waitRecord(rec.ID, "the download", downloaded), 1)
}

func testStaleThenCheckAgain(t *testing.T) {
	e := newEnv(t, apitest.Config{PendingFor: time.Hour})
	e.start(TrackerOptions{StaleAfter: 300 * time.Millisecond})
	rec := e.submit("takes forever")
	stale := e.waitRecord(rec.ID, "the task to become stale", func(r store.Record) bool { return r.State == store.StateStale })
	if stale.Watching || stale.ErrorMessage != store.ProblemStale {
		t.Errorf("stale record: %+v", stale)
	}
	if stale.State == store.StateFailed {
		t.Error("stale is not failed")
	}
	e.expectNoNewQueries(rec.TaskID, "a stale task is not polled")
	e.sim.SetOutcome(rec.TaskID, client.StatusSuccess)
	if err := e.tracker.CheckAgain(t.Context(), rec.ID); err != nil {
		t.Fatal(err)
	}
	e.checkFiles(e.waitRecord(rec.ID, "the download after checking again", downloaded), 1)
}

func testStaleOnlyAfterAsking(t *testing.T) {
	e := newEnv(t, apitest.Config{})
	// Two tasks Reelhouse last saw running seven hours ago (it was closed
	// since): one finished meanwhile, one is somehow still running.
	ctx := t.Context()
	old := time.Now().Add(-7 * time.Hour)
	finished := e.sim.AddTask(client.CreateRequest{Model: "m", Prompt: "finished overnight"})
	running := e.sim.AddTask(client.CreateRequest{Model: "m", Prompt: "still running"})
	e.sim.SetOutcome(finished, client.StatusSuccess)
	e.sim.SetOutcome(running, client.StatusRunning)
	var recs []store.Record
	for _, id := range []string{finished, running} {
		rec, _, err := e.store.AddExisting(ctx, id, old)
		if err != nil {
			t.Fatal(err)
		}
		st := store.StateRunning
		if rec, err = e.store.Update(ctx, rec.ID, store.Change{State: &st, Watching: ptr(true)}, old); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
	}
	e.start(TrackerOptions{}) // stale after the default 6 h
	e.checkFiles(e.waitRecord(recs[0].ID, "the task finished overnight to be downloaded", downloaded), 1)
	e.waitRecord(recs[1].ID, "the long-running task to be stale", func(r store.Record) bool { return r.State == store.StateStale })
	if n := len(queriesOf(e.sim, running)); n != 1 {
		t.Errorf("the task became stale after %d queries; want exactly one (ask first, then decide)", n)
	}
}

func testStopAndResumeWatching(t *testing.T) {
	e := newEnv(t, apitest.Config{PendingFor: time.Hour})
	e.start(TrackerOptions{})
	rec := e.submit("watch me, then don't")
	waitUntil(t, "two polls", func() bool { return len(queriesOf(e.sim, rec.TaskID)) >= 2 })

	// Stop while a (slow) query is under way: it ends, and nothing follows.
	n := len(queriesOf(e.sim, rec.TaskID))
	e.sim.Inject(apitest.Fault{Kind: apitest.FaultSlow, Target: apitest.TargetTask, Delay: 300 * time.Millisecond})
	waitUntil(t, "the slow query", func() bool { return e.sim.PendingFaults() == 0 })
	if err := e.tracker.StopWatching(t.Context(), rec.ID); err != nil {
		t.Fatal(err)
	}
	e.expectNoNewQueries(rec.TaskID, "the user stopped watching")
	if got := len(queriesOf(e.sim, rec.TaskID)); got > n+1 {
		t.Errorf("%d queries after stopping, want only the one under way", got-n)
	}
	if r, _ := e.store.Get(t.Context(), rec.ID); r.Watching || r.State.Final() {
		t.Errorf("after StopWatching: %+v", r)
	}
	for _, r := range e.sim.Log() {
		if r.Method != "GET" && r.Path != "/video/v1/generations" {
			t.Errorf("stopping sent %s %s; it must not touch the task on the service", r.Method, r.Path)
		}
	}

	e.sim.SetOutcome(rec.TaskID, client.StatusSuccess)
	if err := e.tracker.CheckAgain(t.Context(), rec.ID); err != nil {
		t.Fatal(err)
	}
	e.checkFiles(e.waitRecord(rec.ID, "the download after watching again", downloaded), 1)
}

func testSubmissionNeverResent(t *testing.T) {
	e := newEnv(t, apitest.Config{})
	var err error
	if e.api, err = client.New(e.sim.URL(), client.WithAPIKey(e.sim.Key()), client.WithCreateTimeout(300*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.api.CloseIdleConnections)
	e.start(TrackerOptions{})
	for _, f := range []apitest.Fault{
		{Kind: apitest.FaultDropAfterRead, Target: apitest.TargetCreate},
		{Kind: apitest.FaultSlow, Target: apitest.TargetCreate, Delay: 5 * time.Second}, // past the 300 ms limit
		{Kind: apitest.FaultMalformedJSON, Target: apitest.TargetCreate},
	} {
		before := e.sim.Counts().Create
		e.sim.Inject(f)
		rec, err := e.tracker.Submit(t.Context(), client.CreateRequest{Model: "m", Prompt: "did it start? " + f.Kind.String()})
		if !errors.Is(err, client.ErrSubmissionUncertain) {
			t.Errorf("%v: Submit error = %v, want ErrSubmissionUncertain", f.Kind, err)
		}
		if code, _, _ := store.ParseProblem(rec.ErrorMessage); rec.State != store.StateUncertain || rec.Watching || code != store.ProblemUncertain {
			t.Errorf("%v: record %+v; want uncertain with the way out explained", f.Kind, rec)
		}
		if n := e.sim.Counts().Create - before; n != 1 {
			t.Errorf("%v: %d create calls, want exactly one", f.Kind, n)
		}
	}
	// A restart does not resend either.
	e.stop()
	creates := e.sim.Counts().Create
	e.start(TrackerOptions{})
	e.settle("a restart")
	if n := e.sim.Counts().Create; n != creates {
		t.Errorf("%d create calls after a restart", n-creates)
	}
}

// ---- downloads ----

func testDownloadResumesAfterRestart(t *testing.T) {
	e := newEnv(t, apitest.Config{Padding: 256 << 10})
	e.sim.Inject(apitest.Fault{Kind: apitest.FaultTrickle, Target: apitest.TargetFiles, Delay: 60 * time.Millisecond})
	e.start(TrackerOptions{})
	rec := e.submit("interrupted by a restart")
	e.waitFor("part of the video", func(ev Event) bool { return ev.Kind == EventProgress && ev.ID == rec.ID && ev.Done > 0 })
	e.stop()

	part := e.folder.PartPath(rec.TaskID, 0)
	info, err := os.Stat(part)
	if err != nil || info.Size() == 0 {
		t.Fatalf("the part file was not kept: %v", err)
	}
	if _, err := os.Stat(part + ".meta"); err != nil {
		t.Fatalf("no resume information beside the part file: %v", err)
	}
	if r, _ := e.store.Get(t.Context(), rec.ID); r.Download != store.DownloadWaiting {
		t.Fatalf("after stopping mid-download: %+v", r)
	}
	before := len(filesOf(e.sim, rec.TaskID))

	e.store.Close()
	e.openStore()
	e.start(TrackerOptions{})
	e.checkFiles(e.waitRecord(rec.ID, "the resumed download", downloaded), 1)
	after := filesOf(e.sim, rec.TaskID)[before:]
	if len(after) == 0 {
		t.Fatal("no file request after the restart")
	}
	if want := "bytes=" + strconv.FormatInt(info.Size(), 10) + "-"; after[0].Range != want || after[0].IfRange == "" {
		t.Errorf("after the restart the download asked for Range %q (If-Range %q), want %q: it should continue where it stopped",
			after[0].Range, after[0].IfRange, want)
	}
	for _, r := range after {
		if r.Range == "" {
			t.Error("after the restart the video was fetched from the start again")
		}
	}
}

func testDownloadWaitsOutServiceTrouble(t *testing.T) {
	// Restarted with a download to finish while the service is down: the
	// links cannot be fetched for a while, and the download waits (with
	// backoff) instead of failing.
	e := newEnv(t, apitest.Config{})
	id := e.sim.AddTask(client.CreateRequest{Model: "m", Prompt: "finished while away"})
	e.sim.SetOutcome(id, client.StatusSuccess)
	rec := e.awaitingDownload(id, nil)
	e.sim.Inject(apitest.Fault{Kind: apitest.FaultStatus500, Target: apitest.TargetTask, Times: 7})
	e.start(TrackerOptions{})
	final := e.waitFor("the download once the service is back", func(ev Event) bool {
		if ev.Kind == EventChanged && ev.ID == rec.ID && ev.Record.Download != store.DownloadWaiting && ev.Record.Download != store.DownloadDone {
			t.Errorf("while the service was down the download became %s: %s", ev.Record.Download, ev.Record.DownloadError)
		}
		return ev.Kind == EventChanged && ev.ID == rec.ID && downloaded(ev.Record)
	}).Record
	e.checkFiles(final, 1)
	if n := len(queriesOf(e.sim, id)); n < 8 {
		t.Errorf("%d task queries; want the 7 failures and an answer", n)
	}
}

func testDownloadWaitsForNewKey(t *testing.T) {
	// A download that needs fresh links while the key is refused waits
	// for a new key instead of failing.
	e := newEnv(t, apitest.Config{})
	id := e.sim.AddTask(client.CreateRequest{Model: "m", Prompt: "links need a key"})
	e.sim.SetOutcome(id, client.StatusSuccess)
	rec := e.awaitingDownload(id, nil)
	e.api.SetAPIKey("sk-revoked")
	e.start(TrackerOptions{})
	e.waitFor("the key to be refused", func(ev Event) bool { return ev.Kind == EventKeyRefused })
	e.settle("the key refused")
	if r, _ := e.store.Get(t.Context(), rec.ID); r.Download != store.DownloadWaiting {
		t.Fatalf("with the key refused the download became %s: %s", r.Download, r.DownloadError)
	}
	e.api.SetAPIKey(e.sim.Key())
	e.tracker.KeyChanged()
	e.checkFiles(e.waitRecord(rec.ID, "the download after a new key", downloaded), 1)
}

func testDownloadFaults(t *testing.T) {
	cut := apitest.Fault{Kind: apitest.FaultTruncate, Target: apitest.TargetFiles}
	for _, tc := range []struct {
		name   string
		faults []apitest.Fault
		ranged bool // a Range request must have been made
	}{
		{"truncated-body", []apitest.Fault{cut}, true},
		{"reset-mid-body", []apitest.Fault{{Kind: apitest.FaultResetMidBody, Target: apitest.TargetFiles}}, true},
		{"range-answered-with-200", []apitest.Fault{cut, {Kind: apitest.FaultIgnoreRange, Target: apitest.TargetFiles}}, true},
		{"206-at-wrong-offset", []apitest.Fault{cut, {Kind: apitest.FaultWrongRangeOffset, Target: apitest.TargetFiles}}, true},
		{"etag-changed", []apitest.Fault{cut, {Kind: apitest.FaultChangeETag, Target: apitest.TargetFiles}}, true},
		{"file-host-500-burst", []apitest.Fault{{Kind: apitest.FaultStatus500, Target: apitest.TargetFiles, Times: 2}}, false},
		{"cut-twice-then-range-ignored", []apitest.Fault{cut, {Kind: apitest.FaultResetMidBody, Target: apitest.TargetFiles}, {Kind: apitest.FaultIgnoreRange, Target: apitest.TargetFiles}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, apitest.Config{Padding: 64 << 10})
			for _, f := range tc.faults {
				e.sim.Inject(f)
			}
			e.start(TrackerOptions{})
			rec := e.submit("faulty file host " + tc.name)
			e.checkFiles(e.waitRecord(rec.ID, "the download", downloaded), 1)
			if n := e.sim.PendingFaults(); n != 0 {
				t.Errorf("%d faults never fired: the scenario did not happen", n)
			}
			ranged := false
			for _, r := range filesOf(e.sim, rec.TaskID) {
				ranged = ranged || r.Range != ""
			}
			if tc.ranged && !ranged {
				t.Error("the download never asked for the rest with Range")
			}
			if left := e.incomingFiles(); len(left) != 0 {
				t.Errorf("left behind: %v", left)
			}
			if c := e.sim.Counts(); c.FilesWithAuth != 0 {
				t.Errorf("%d file requests carried the API key", c.FilesWithAuth)
			}
		})
	}
}

func testExpiredURLOneRefresh(t *testing.T) {
	// Three videos downloaded at once are each cut off half-way; when they
	// continue, their links have expired. All three need a fresh link at
	// the same moment: the service is asked once.
	e := newEnv(t, apitest.Config{VideosPerTask: 3, Padding: 64 << 10})
	e.sim.Inject(apitest.Fault{Kind: apitest.FaultTruncate, Target: apitest.TargetFiles, Times: 3})
	var (
		arrived   atomic.Int32
		release   = make(chan struct{})
		expiredAt atomic.Int64 // unix nanoseconds
	)
	counter := &countingAPI{before: func(ctx context.Context, n int) {
		if n < 4 || n > 6 {
			return // calls 1–3 are the first attempts, 4–6 the resumes
		}
		if arrived.Add(1) == 3 {
			expiredAt.Store(time.Now().UnixNano())
			e.sim.Inject(apitest.Fault{Kind: apitest.FaultExpireURLs})
			close(release)
		}
		select {
		case <-release:
		case <-ctx.Done():
		}
	}}
	e.wrap = func(api API) API { counter.API = api; return counter }
	e.start(TrackerOptions{MaxDownloads: 3})
	rec := e.submit("three videos, links expire half-way")
	final := e.waitRecord(rec.ID, "all three videos", downloaded)
	e.checkFiles(final, 3)

	refreshes, resumed := 0, 0
	expired := time.Unix(0, expiredAt.Load())
	for _, q := range queriesOf(e.sim, rec.TaskID) {
		if !q.At.Before(expired) {
			refreshes++
		}
	}
	for _, r := range filesOf(e.sim, rec.TaskID) {
		if !r.At.Before(expired) && r.Range != "" {
			resumed++
		}
	}
	if refreshes != 1 {
		t.Errorf("%d task queries for fresh links, want exactly 1 for the three downloads", refreshes)
	}
	if resumed < 6 {
		t.Errorf("%d ranged requests after the expiry; want three refused and three resumed", resumed)
	}
}

func testExpiredURLRefreshFails(t *testing.T) {
	// The link is refused, and so is the fresh one: the download fails
	// with a plain message after exactly one fresh query.
	e := newEnv(t, apitest.Config{})
	e.sim.Inject(apitest.Fault{Kind: apitest.FaultStatus404, Target: apitest.TargetFiles, Times: -1})
	e.start(TrackerOptions{})
	rec := e.submit("the file host lost it")
	failed := e.waitRecord(rec.ID, "the download to fail", func(r store.Record) bool { return r.Download == store.DownloadFailed })
	if code, facts, _ := store.ParseProblem(failed.DownloadError); code != store.ProblemDownloadFailed || !strings.Contains(facts, "404") || strings.Contains(facts, "?") {
		t.Errorf("message %q", failed.DownloadError)
	}
	if n := len(filesOf(e.sim, rec.TaskID)); n != 2 {
		t.Errorf("%d file requests, want 2 (the link, then the fresh link)", n)
	}
	if n := len(queriesOf(e.sim, rec.TaskID)); n < 2 {
		t.Errorf("%d task queries: no fresh link was asked for", n)
	}
}

func testMaxDownloads(t *testing.T) {
	for _, limit := range []int{2, 3} {
		t.Run(fmt.Sprintf("limit-%d", limit), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, apitest.Config{VideosPerTask: 2, Padding: 64 << 10})
			e.sim.Inject(apitest.Fault{Kind: apitest.FaultTrickle, Target: apitest.TargetFiles, Times: -1, Delay: 15 * time.Millisecond})
			counter := &countingAPI{}
			e.wrap = func(api API) API { counter.API = api; return counter }
			// The setting changes the limit; the option starts at 1.
			e.beforeRun = func(tr *Tracker) { tr.SetMaxDownloads(limit) }
			e.start(TrackerOptions{MaxDownloads: 1})
			var recs []store.Record
			for i := range 3 {
				recs = append(recs, e.submit(fmt.Sprintf("crowd %d", i)))
			}
			for _, r := range recs {
				e.checkFiles(e.waitRecord(r.ID, "download", downloaded), 2)
			}
			calls, peak := counter.stats()
			if peak > limit {
				t.Errorf("%d downloads ran at once; the limit is %d", peak, limit)
			}
			if peak < 2 {
				t.Errorf("never more than %d download at once over %d downloads; the limit of %d is not used", peak, calls, limit)
			}
		})
	}
	if tr := NewTracker(nil, nil, nil, TrackerOptions{MaxDownloads: 9}); tr.MaxDownloads() != MaxMaxDownloads {
		t.Errorf("MaxDownloads 9 became %d, want the cap %d", tr.MaxDownloads(), MaxMaxDownloads)
	}
}

// writeRefused runs a download whose part file cannot be written (set up by
// block), checks that it pauses with a plain message (wantCode and the
// system's word want) and is not retried while writing still fails, then
// lifts the block (unblock) and checks that it goes on by itself.
func writeRefused(t *testing.T, e *env, block func(part string), unblock func(part string), wantCode, want string) {
	t.Helper()
	counter := &countingAPI{}
	e.wrap = func(api API) API { counter.API = api; return counter }
	e.start(TrackerOptions{})
	id := e.sim.AddTask(client.CreateRequest{Model: "m", Prompt: "nowhere to put it"})
	part := e.folder.PartPath(id, 0)
	block(part)
	rec, err := e.tracker.AddByID(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	paused := e.waitRecord(rec.ID, "the download to pause", func(r store.Record) bool { return r.Download == store.DownloadPaused })
	code, facts, _ := store.ParseProblem(paused.DownloadError)
	if code != wantCode || !strings.Contains(facts, want) {
		t.Errorf("problem %q; want %s with the system's word %q", paused.DownloadError, wantCode, want)
	}
	if strings.Contains(facts, e.folder.Dir()) || strings.Contains(facts, "open ") || strings.Contains(facts, "write ") {
		t.Errorf("facts %q: want the system's own word only", facts)
	}
	// Another task downloads meanwhile: time passes and the tracker works,
	// and the refused download is not tried again.
	other := e.submit("meanwhile, elsewhere")
	e.waitRecord(other.ID, "another download", func(r store.Record) bool {
		return r.Download != store.DownloadWaiting && r.Download != store.DownloadNone
	})
	e.settle("another download")
	if n := counter.callsFor(part); n != 1 {
		t.Errorf("the refused download was tried %d times; paused means no retry loop", n)
	}
	if r, _ := e.store.Get(t.Context(), rec.ID); r.Download != store.DownloadPaused {
		t.Errorf("after a while: %+v", r)
	}

	unblock(part)
	e.checkFiles(e.waitRecord(rec.ID, "the download to go on by itself", downloaded), 1)
}

func testWriteRefusedPauses(t *testing.T) {
	// Injected: a folder stands where the part file must go.
	e := newEnv(t, apitest.Config{})
	writeRefused(t, e,
		func(part string) {
			if err := os.Mkdir(part, 0o755); err != nil {
				t.Fatal(err)
			}
		},
		func(part string) { os.Remove(part) },
		store.ProblemLocalWrite, "is a directory")
}

func testPermissionDeniedPauses(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root, which ignores file permissions; the injected and tmpfs variants cover the pause")
	}
	e := newEnv(t, apitest.Config{})
	incoming := filepath.Join(e.folder.Dir(), ".incoming")
	t.Cleanup(func() { os.Chmod(incoming, 0o755) })
	writeRefused(t, e,
		func(string) { os.Chmod(incoming, 0o555) },
		func(string) { os.Chmod(incoming, 0o755) },
		store.ProblemLibraryReadOnly, "permission denied")
}

func testDiskFullTmpfs(t *testing.T) {
	// A real "no space left": the library on a tiny tmpfs, if this machine
	// lets the test mount one.
	dir := t.TempDir()
	mnt := filepath.Join(dir, "small")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := mountTmpfs(mnt, "192k", false); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v); the injected write error covers the pause", err)
	}
	t.Cleanup(func() { unmountTmpfs(mnt) })
	e := newEnv(t, apitest.Config{Padding: 512 << 10})
	lib, err := library.OpenFolder(mnt)
	if err != nil {
		t.Fatal(err)
	}
	e.folder = lib
	writeRefused(t, e,
		func(string) {},
		func(string) {
			if err := mountTmpfs(mnt, "8m", true); err != nil {
				t.Fatalf("could not make room: %v", err)
			}
		},
		store.ProblemLibraryFull, "no space left")
}

func testDeleteRemovesPartFiles(t *testing.T) {
	t.Run("under-way", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, apitest.Config{Padding: 256 << 10})
		e.sim.Inject(apitest.Fault{Kind: apitest.FaultTrickle, Target: apitest.TargetFiles, Delay: 100 * time.Millisecond})
		e.start(TrackerOptions{})
		rec := e.submit("deleted while downloading")
		e.waitFor("part of the video", func(ev Event) bool { return ev.Kind == EventProgress && ev.ID == rec.ID && ev.Done > 0 })
		if err := e.library.Delete(t.Context(), rec.ID, false); err != nil {
			t.Fatal(err)
		}
		if left := e.incomingFiles(); len(left) != 0 {
			t.Errorf("unfinished download left behind: %v", left)
		}
		n := len(filesOf(e.sim, rec.TaskID))
		e.settle("the task deleted")
		if m := len(filesOf(e.sim, rec.TaskID)); m != n {
			t.Errorf("the download went on after the task was deleted (%d more requests)", m-n)
		}
		if left := e.incomingFiles(); len(left) != 0 {
			t.Errorf("unfinished download came back: %v", left)
		}
	})
	t.Run("given-up", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, apitest.Config{Padding: 64 << 10})
		// Cut off half-way, then refused for good: it fails with half a
		// video kept for a retry, until the user deletes the task.
		e.sim.Inject(apitest.Fault{Kind: apitest.FaultTruncate, Target: apitest.TargetFiles})
		e.sim.Inject(apitest.Fault{Kind: apitest.FaultStatus404, Target: apitest.TargetFiles, Times: -1})
		e.start(TrackerOptions{})
		rec := e.submit("given up")
		e.waitRecord(rec.ID, "the download to fail", func(r store.Record) bool { return r.Download == store.DownloadFailed })
		if len(e.incomingFiles()) == 0 {
			t.Fatal("the failed download kept nothing to resume from; the test proves nothing")
		}
		// Another task's unfinished download stays.
		keep := e.folder.PartPath("another-task", 0)
		if err := os.WriteFile(keep, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := e.library.Delete(t.Context(), rec.ID, true); err != nil {
			t.Fatal(err)
		}
		if left := e.incomingFiles(); len(left) != 1 || left[0] != filepath.Base(keep) {
			t.Errorf("after deleting: %v; want only %s", left, filepath.Base(keep))
		}
	})
}

func testWriteFailsMidDownload(t *testing.T) {
	// In a child process whose files may not grow past 1 MiB, a 3 MiB
	// video fails half-way with a real error from the kernel.
	if !canLimitFileSize {
		t.Skip("this system cannot limit the file size of a process; the injected write error covers the pause")
	}
	sim := apitest.New(apitest.Config{PendingFor: 50 * time.Millisecond, RunningFor: 100 * time.Millisecond, Padding: 3 << 20})
	t.Cleanup(sim.Close)
	dir := t.TempDir()
	c := &crashRun{t: t, sim: sim, db: filepath.Join(dir, "data", "history.db"), lib: filepath.Join(dir, "Library"), videos: 1}
	st, err := store.Open(t.Context(), c.db)
	if err != nil {
		t.Fatal(err)
	}
	id := sim.AddTask(client.CreateRequest{Model: "m", Prompt: "too big for the disk"})
	rec, _, err := st.AddExisting(t.Context(), id, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	pending := store.StatePending
	if _, err := st.Update(t.Context(), rec.ID, store.Change{State: &pending, Watching: ptr(true)}, time.Now()); err != nil {
		t.Fatal(err)
	}
	st.Close()
	c.tasks = []string{id}
	base := []string{
		crashChildEnv + "=run", crashSimEnv + "=" + sim.URL(), crashKeyEnv + "=" + sim.Key(),
		crashDBEnv + "=" + c.db, crashLibraryEnv + "=" + c.lib,
	}

	// The child waits after the pause until its tracker has settled: a
	// retry loop would show.
	ch := runChild(t, append(base, crashFSizeEnv+"=1048576", crashSettleEnv+"=1"), nil, nil)
	if ch.err != nil || !bytes.Contains(ch.output, []byte(crashPausedLine)) {
		t.Fatalf("the download did not pause (%v):\n%s", ch.err, ch.output)
	}
	st, err = store.Open(t.Context(), c.db)
	if err != nil {
		t.Fatal(err)
	}
	paused, err := st.Get(t.Context(), rec.ID)
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	if code, facts, _ := store.ParseProblem(paused.DownloadError); paused.Download != store.DownloadPaused || code != store.ProblemLocalWrite || !strings.Contains(facts, "file too large") {
		t.Errorf("after the write failed: %s, %q", paused.Download, paused.DownloadError)
	}
	if n := len(filesOf(sim, id)); n != 1 {
		t.Errorf("the download was tried %d times; paused means no retry loop", n)
	}

	// Room again: "Retry download" finishes it.
	ch = runChild(t, append(base, crashRetryEnv+"=1"), nil, nil)
	if ch.err != nil || !bytes.Contains(ch.output, []byte(crashDoneLine)) {
		t.Fatalf("the retried download did not finish (%v):\n%s", ch.err, ch.output)
	}
	var submitted int
	c.checkFinished("after the retry", &submitted)
}
