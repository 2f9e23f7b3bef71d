package history

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http/httptrace"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/client/apitest"
	"github.com/reelhouse/reelhouse/history/library"
	"github.com/reelhouse/reelhouse/history/store"
)

// env is a tracker wired to a simulator, a real store and a real library.
type env struct {
	t     *testing.T
	sim   *apitest.Sim
	api   *client.Client
	store *store.Store
	// folder is the library folder; library, made anew with the store
	// and each tracker, works on it.
	folder  *library.Folder
	library *library.Library
	db      string

	tracker   *Tracker
	events    <-chan Event
	stop      func()
	beforeRun func(*Tracker)
	// wrap, if set, stands between the tracker and the client (to count or
	// hold calls).
	wrap func(API) API
}

func newEnv(t *testing.T, cfg apitest.Config) *env {
	t.Helper()
	if cfg.PendingFor == 0 {
		cfg.PendingFor = 100 * time.Millisecond
	}
	if cfg.RunningFor == 0 {
		cfg.RunningFor = 200 * time.Millisecond
	}
	sim := apitest.New(cfg)
	t.Cleanup(sim.Close)
	api, err := client.New(sim.URL(), client.WithAPIKey(sim.Key()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(api.CloseIdleConnections)
	dir := t.TempDir()
	e := &env{t: t, sim: sim, api: api, db: filepath.Join(dir, "data", "history.db")}
	if e.folder, err = library.OpenFolder(filepath.Join(dir, "Library")); err != nil {
		t.Fatal(err)
	}
	e.openStore()
	return e
}

func (e *env) openStore() {
	s, err := store.Open(e.t.Context(), e.db)
	if err != nil {
		e.t.Fatal(err)
	}
	e.store = s
	e.library = library.New(s, e.folder)
	e.t.Cleanup(func() { s.Close() })
}

// start runs a tracker until stop is called or the test ends.
func (e *env) start(opts TrackerOptions) {
	e.t.Helper()
	if opts.Interval == 0 {
		opts.Interval, opts.MinInterval = 40*time.Millisecond, 40*time.Millisecond
	}
	if opts.MaxBackoff == 0 {
		opts.MaxBackoff = 200 * time.Millisecond
	}
	if opts.ResumeEvery == 0 {
		opts.ResumeEvery = 30 * time.Millisecond
	}
	var api API = e.api
	if e.wrap != nil {
		api = e.wrap(api)
	}
	e.library = library.New(e.store, e.folder)
	e.tracker = NewTracker(e.store, e.library, api, opts)
	if e.beforeRun != nil {
		e.beforeRun(e.tracker)
	}
	events, unsubscribe := e.tracker.Subscribe()
	e.events = events
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.tracker.Run(ctx)
	}()
	var once sync.Once
	e.stop = func() {
		once.Do(func() {
			cancel()
			<-done
			unsubscribe()
		})
	}
	e.t.Cleanup(e.stop)
}

// waitFor reads events until one satisfies ok, failing the test after a
// generous deadline (a hang, not a speed measurement).
func (e *env) waitFor(what string, ok func(Event) bool) Event {
	e.t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case ev, open := <-e.events:
			if !open {
				e.t.Fatalf("events closed while waiting for %s", what)
			}
			if ok(ev) {
				return ev
			}
		case <-deadline:
			e.t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func (e *env) waitRecord(id int64, what string, ok func(store.Record) bool) store.Record {
	e.t.Helper()
	if r, err := e.store.Get(e.t.Context(), id); err == nil && ok(r) {
		return r
	}
	return e.waitFor(what, func(ev Event) bool {
		return ev.Kind == EventChanged && ev.ID == id && ok(ev.Record)
	}).Record
}

// awaitingDownload records a task made on the service as finished with
// its videos still to download, as a restart after the success leaves it.
// task, if given, supplies the service's answer.
func (e *env) awaitingDownload(taskID string, task *client.Task) store.Record {
	e.t.Helper()
	rec, _, err := e.store.AddExisting(e.t.Context(), taskID, time.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	st := store.StateSuccess
	rec, err = e.store.Update(e.t.Context(), rec.ID, store.Change{State: &st, Watching: ptr(false), Download: ptr(store.DownloadWaiting), Task: task}, time.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return rec
}

func downloaded(r store.Record) bool {
	return r.State == store.StateSuccess && r.Download == store.DownloadDone
}

// checkFiles asserts that every file of r is in the library and holds
// exactly the bytes the simulator served.
func (e *env) checkFiles(r store.Record, want int) {
	e.t.Helper()
	if len(r.Files) != want {
		e.t.Fatalf("record has %d files, want %d: %+v", len(r.Files), want, r.Files)
	}
	for _, f := range r.Files {
		p, err := e.folder.Abs(f.Path)
		if err != nil {
			e.t.Fatal(err)
		}
		got, err := os.ReadFile(p)
		if err != nil {
			e.t.Fatal(err)
		}
		served := e.sim.VideoBytes(r.TaskID, f.Index)
		if len(served) == 0 || string(got) != string(served) {
			e.t.Fatalf("%s: %d bytes in the library, the simulator served %d different ones", f.Path, len(got), len(served))
		}
		sum := sha256.Sum256(got)
		if f.SHA256 != hex.EncodeToString(sum[:]) || f.Size != int64(len(got)) {
			e.t.Errorf("%s: recorded size %d sha %s do not match the file", f.Path, f.Size, f.SHA256)
		}
		if want := library.FileName(r.CreatedAt, r.Request.Prompt, r.TaskID, f.Index); f.Path != want {
			e.t.Errorf("file placed at %s, want %s", f.Path, want)
		}
	}
}

func TestTrackerSubmitPollDownload(t *testing.T) {
	t.Parallel()
	e := newEnv(t, apitest.Config{})
	e.start(TrackerOptions{})
	req := client.CreateRequest{Model: "wan2.1-t2v-turbo", Prompt: "A paper boat on a rainy street", Ratio: "16:9", Duration: 5}
	rec, err := e.tracker.Submit(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if rec.TaskID == "" || rec.State != store.StatePending || !rec.Watching {
		t.Fatalf("after Submit: %+v", rec)
	}
	if got, _ := e.sim.Task(rec.TaskID); got.Prompt != req.Prompt || got.Ratio != "16:9" || got.Duration != 5 {
		t.Errorf("the simulator received %+v", got)
	}
	seen := map[store.State]bool{}
	final := e.waitFor("the video to be downloaded", func(ev Event) bool {
		if ev.Kind == EventChanged && ev.ID == rec.ID {
			seen[ev.Record.State] = true
			return downloaded(ev.Record)
		}
		return false
	}).Record
	if !seen[store.StateRunning] || !seen[store.StateSuccess] {
		t.Errorf("states seen %v, want running and success on the way", seen)
	}
	e.checkFiles(final, 1)
	if final.Watching || final.ServerCompleted == 0 || len(final.Raw) == 0 {
		t.Errorf("final record %+v", final)
	}
	if entries, _ := os.ReadDir(filepath.Join(e.folder.Dir(), ".incoming")); len(entries) != 0 {
		t.Errorf("partial downloads left behind: %v", entries)
	}
}

func TestTrackerSeveralVideosPerTask(t *testing.T) {
	t.Parallel()
	e := newEnv(t, apitest.Config{VideosPerTask: 3})
	e.start(TrackerOptions{})
	rec, err := e.tracker.Submit(t.Context(), client.CreateRequest{Model: "m", Prompt: "three foxes"})
	if err != nil {
		t.Fatal(err)
	}
	e.checkFiles(e.waitRecord(rec.ID, "three videos", downloaded), 3)
}

func TestTrackerFailedAndCancelled(t *testing.T) {
	t.Parallel()
	e := newEnv(t, apitest.Config{})
	e.start(TrackerOptions{})
	for _, tc := range []struct {
		prompt string
		state  store.State
	}{
		{"this one will [fail]", store.StateFailed},
		{"this one will be [cancel]led", store.StateCancelled},
	} {
		rec, err := e.tracker.Submit(t.Context(), client.CreateRequest{Model: "m", Prompt: tc.prompt})
		if err != nil {
			t.Fatal(err)
		}
		got := e.waitRecord(rec.ID, string(tc.state), func(r store.Record) bool { return r.State == tc.state })
		if got.Watching || got.ErrorMessage == "" || len(got.Files) != 0 {
			t.Errorf("%s: %+v", tc.state, got)
		}
		if tc.state == store.StateFailed && got.ErrorCode != "upstream_task_failed" {
			t.Errorf("error code %q", got.ErrorCode)
		}
	}
}

func TestTrackerResumesAfterRestart(t *testing.T) {
	t.Parallel()
	e := newEnv(t, apitest.Config{PendingFor: 300 * time.Millisecond, RunningFor: 300 * time.Millisecond})
	e.start(TrackerOptions{})
	rec, err := e.tracker.Submit(t.Context(), client.CreateRequest{Model: "m", Prompt: "survives a restart"})
	if err != nil {
		t.Fatal(err)
	}
	e.stop()

	// A new tracker on a reopened store finds the task and finishes it.
	e.store.Close()
	e.openStore()
	e.start(TrackerOptions{})
	e.checkFiles(e.waitRecord(rec.ID, "the resumed task to be downloaded", downloaded), 1)
}

func TestTrackerSubmissionUncertainIsNeverResent(t *testing.T) {
	t.Parallel()
	e := newEnv(t, apitest.Config{})
	e.start(TrackerOptions{})
	e.sim.Inject(apitest.Fault{Kind: apitest.FaultDropAfterRead, Target: apitest.TargetCreate})
	rec, err := e.tracker.Submit(t.Context(), client.CreateRequest{Model: "m", Prompt: "did it start?"})
	if !errors.Is(err, client.ErrSubmissionUncertain) {
		t.Fatalf("Submit error = %v, want ErrSubmissionUncertain", err)
	}
	if code, _, _ := store.ParseProblem(rec.ErrorMessage); rec.State != store.StateUncertain || rec.Watching || code != store.ProblemUncertain {
		t.Fatalf("record = %+v", rec)
	}
	if n := e.sim.Counts().Create; n != 1 {
		t.Errorf("the simulator saw %d create calls, want exactly 1", n)
	}
}

func TestTrackerCrashDuringSubmitBecomesUncertain(t *testing.T) {
	t.Parallel()
	e := newEnv(t, apitest.Config{})
	// A request recorded but never answered: what a crash mid-POST leaves.
	rec, err := e.store.AddSubmission(t.Context(), client.CreateRequest{Model: "m", Prompt: "crash"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	e.start(TrackerOptions{})
	got := e.waitRecord(rec.ID, "uncertain", func(r store.Record) bool { return r.State == store.StateUncertain })
	if got.ErrorMessage != store.ProblemUncertain+": "+store.ErrClosedWhileSending.Error() {
		t.Errorf("an uncertain task must say why: %q", got.ErrorMessage)
	}
	if n := e.sim.Counts().Create; n != 0 {
		t.Errorf("the tracker sent %d create calls on its own", n)
	}
}

func TestTrackerRefusedKeyPausesUntilNewKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t, apitest.Config{})
	e.start(TrackerOptions{})
	rec, err := e.tracker.Submit(t.Context(), client.CreateRequest{Model: "m", Prompt: "key trouble"})
	if err != nil {
		t.Fatal(err)
	}
	e.api.SetAPIKey("sk-wrong")
	e.waitFor("the key to be refused", func(ev Event) bool { return ev.Kind == EventKeyRefused })
	if !e.tracker.KeyRefused() {
		t.Fatal("polling should be paused")
	}
	if r, _ := e.store.Get(t.Context(), rec.ID); r.State.Final() {
		t.Fatalf("a refused key must not end the task: %+v", r)
	}
	e.api.SetAPIKey(e.sim.Key())
	e.tracker.KeyChanged()
	e.checkFiles(e.waitRecord(rec.ID, "download after the new key", downloaded), 1)
}

func TestTrackerRefreshesExpiredURL(t *testing.T) {
	t.Parallel()
	e := newEnv(t, apitest.Config{})
	// Tasks finish before the tracker runs; their URLs then expire.
	res, err := e.api.Create(t.Context(), client.CreateRequest{Model: "m", Prompt: "expired"})
	if err != nil {
		t.Fatal(err)
	}
	task, err := e.api.Wait(t.Context(), res.TaskID, client.WaitOptions{Interval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	e.sim.Inject(apitest.Fault{Kind: apitest.FaultExpireURLs})
	rec := e.awaitingDownload(res.TaskID, task)
	// The tracker starts with the URL it got before the expiry.
	e.beforeRun = func(tr *Tracker) { tr.urls[rec.ID] = task.URLs() }
	e.start(TrackerOptions{})
	e.checkFiles(e.waitRecord(rec.ID, "download with a fresh URL", downloaded), 1)
	var files, queries int
	for _, r := range e.sim.Log() {
		switch r.Path {
		case "/video/v1/tasks/" + res.TaskID:
			queries++
		case "/files/" + res.TaskID + "/0.mp4":
			files++
		}
	}
	// Wait queried at least twice; the tracker once more for a fresh URL,
	// after the file host refused the expired one.
	if files < 2 || queries < 3 {
		t.Errorf("want a refused download then a fresh task query; saw %d file requests and %d task queries", files, queries)
	}
}

func TestTrackerAddByID(t *testing.T) {
	t.Parallel()
	e := newEnv(t, apitest.Config{})
	e.start(TrackerOptions{})
	if _, err := e.tracker.AddByID(t.Context(), "no-such-task"); err == nil {
		t.Fatal("unknown id must be an error")
	}
	res, err := e.api.Create(t.Context(), client.CreateRequest{Model: "wan2.1-t2v-turbo", Prompt: "made elsewhere"})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := e.tracker.AddByID(t.Context(), res.TaskID)
	if err != nil {
		t.Fatal(err)
	}
	got := e.waitRecord(rec.ID, "the added task to download", downloaded)
	e.checkFiles(got, 1)
	if got.Request.Model != "wan2.1-t2v-turbo" {
		t.Errorf("model from the service = %q", got.Request.Model)
	}
	again, err := e.tracker.AddByID(t.Context(), res.TaskID)
	if err != nil || again.ID != rec.ID {
		t.Errorf("adding twice = %+v, %v; want the same record", again, err)
	}
}

func TestTrackerDeleteRemovesFiles(t *testing.T) {
	t.Parallel()
	e := newEnv(t, apitest.Config{})
	e.start(TrackerOptions{})
	rec, err := e.tracker.Submit(t.Context(), client.CreateRequest{Model: "m", Prompt: "short lived"})
	if err != nil {
		t.Fatal(err)
	}
	got := e.waitRecord(rec.ID, "download", downloaded)
	p, _ := e.folder.Abs(got.Files[0].Path)
	if err := e.library.Delete(t.Context(), rec.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Errorf("video still at %s", p)
	}
	if _, err := e.store.Get(t.Context(), rec.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("record still there: %v", err)
	}
}

// TestTrackerUnchangedPollWritesNothing: after a restart, answers that
// say what the history already holds are not written again (with many
// tasks under way, every start rewrote each of them).
func TestTrackerUnchangedPollWritesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, apitest.Config{PendingFor: time.Hour})
	taskID := e.sim.AddTask(client.CreateRequest{Model: "m", Prompt: "waits a long time"})
	rec, _, err := e.store.AddExisting(t.Context(), taskID, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	polls := func() int {
		n := 0
		for _, r := range e.sim.Log() {
			if r.Path == "/video/v1/tasks/"+taskID {
				n++
			}
		}
		return n
	}
	// waitPolls drains events until the task was polled n more times and
	// returns the changes of rec published meanwhile.
	waitPolls := func(n int) (changes int) {
		t.Helper()
		want := polls() + n
		deadline := time.Now().Add(20 * time.Second)
		for polls() < want {
			if time.Now().After(deadline) {
				t.Fatalf("the task was not polled %d times", n)
			}
			select {
			case ev := <-e.events:
				if ev.Kind == EventChanged && ev.ID == rec.ID {
					changes++
				}
			case <-time.After(10 * time.Millisecond):
			}
		}
		return changes
	}
	e.start(TrackerOptions{})
	e.waitRecord(rec.ID, "the first answer to be recorded", func(r store.Record) bool { return r.ServerUpdated != 0 })
	waitPolls(2)
	e.stop()
	before, err := e.store.Get(t.Context(), rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond) // a write now would change updated_at

	e.start(TrackerOptions{})
	if n := waitPolls(3); n != 0 {
		t.Errorf("%d changes published for answers that changed nothing", n)
	}
	e.stop()
	after, err := e.store.Get(t.Context(), rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !after.UpdatedAt.Equal(before.UpdatedAt) {
		t.Errorf("the record was written again: updated %v, then %v", before.UpdatedAt, after.UpdatedAt)
	}
}

// dialCountingAPI counts the connections the client opens, rather than
// reuses, for the tracker's queries.
type dialCountingAPI struct {
	API
	dials atomic.Int64
}

func (d *dialCountingAPI) Task(ctx context.Context, id string) (*client.Task, error) {
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
		if !info.Reused {
			d.dials.Add(1)
		}
	}})
	return d.API.Task(ctx, id)
}

// TestTrackerPollsReuseConnections: many tasks polled over several rounds
// go over a few kept-alive connections, not a new one per query.
func TestTrackerPollsReuseConnections(t *testing.T) {
	t.Parallel()
	e := newEnv(t, apitest.Config{PendingFor: time.Hour})
	const tasks, rounds = 200, 4
	for range tasks {
		if _, _, err := e.store.AddExisting(t.Context(), e.sim.AddTask(client.CreateRequest{Model: "m", Prompt: "p"}), time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	counter := &dialCountingAPI{}
	e.wrap = func(api API) API { counter.API = api; return counter }
	e.start(TrackerOptions{})
	deadline := time.Now().Add(30 * time.Second)
	for e.sim.Counts().Task < tasks*rounds {
		if time.Now().After(deadline) {
			t.Fatalf("only %d queries in 30 s", e.sim.Counts().Task)
		}
		select {
		case <-e.events:
		case <-time.After(10 * time.Millisecond):
		}
	}
	e.stop()
	// The tracker makes 4 queries at once; a few more connections may be
	// opened while others are being handed back.
	if n := counter.dials.Load(); n > 8 {
		t.Errorf("%d queries opened %d connections, want at most 8", e.sim.Counts().Task, n)
	}
}

// The sidecar holds the file's checksum by the time the record says
// "Downloaded": a crash in between leaves the download to do again, never
// a video whose folder does not describe it.
func TestSidecarHasTheChecksumBeforeDownloaded(t *testing.T) {
	t.Parallel()
	e := newEnv(t, apitest.Config{Padding: 1 << 20, Rate: 16 << 20})
	e.start(TrackerOptions{})
	rec, err := e.tracker.Submit(t.Context(), client.CreateRequest{Model: "m", Prompt: "a checksum first"})
	if err != nil {
		t.Fatal(err)
	}
	var checked bool
	e.waitFor("the video to be downloaded", func(ev Event) bool {
		if ev.Kind != EventChanged || ev.ID != rec.ID || !downloaded(ev.Record) {
			return false
		}
		// Read at the moment the change is announced, before anything else.
		f := ev.Record.Files[0]
		p, err := e.folder.Abs(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		sc, err := library.ReadSidecar(library.SidecarPath(p))
		if err != nil {
			t.Fatalf("no sidecar when the video was announced downloaded: %v", err)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if sc.File.SHA256 != hex.EncodeToString(sum[:]) || sc.File.Size != int64(len(data)) {
			t.Errorf("sidecar says %d bytes, sha256 %q; the file has %d, %x", sc.File.Size, sc.File.SHA256, len(data), sum)
		}
		checked = true
		return true
	})
	if !checked {
		t.Fatal("the download was never announced")
	}
}
