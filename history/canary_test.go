package history

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"log"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/client/apitest"
	"github.com/reelhouse/reelhouse/history/store"
)

// lockedBuffer collects log output from any goroutine.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

// secret is something that must never be written anywhere.
type secret struct{ what, value string }

// signedURLSecrets lists the secret parts of every signed URL the
// simulator handed out: each signature and whole query string, and the
// parameter names themselves (a stray "sig=" means a query got through).
func signedURLSecrets(t *testing.T, sim *apitest.Sim) []secret {
	t.Helper()
	out := []secret{{"a signed URL's query (sig=)", "sig="}, {"a signed URL's query (expires=)", "expires="}}
	issued := sim.IssuedURLs()
	if len(issued) == 0 {
		t.Fatal("the simulator handed out no video URL; the check proves nothing")
	}
	for _, raw := range issued {
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, secret{"a signed URL's signature", u.Query().Get("sig")}, secret{"a signed URL's query", u.RawQuery})
	}
	return out
}

// leaks returns, for each artifact holding a secret, a line saying which
// (without repeating the secret).
func leaks(artifacts map[string][]byte, secrets []secret) []string {
	var found []string
	for name, data := range artifacts {
		for _, s := range secrets {
			if s.value != "" && bytes.Contains(data, []byte(s.value)) {
				found = append(found, fmt.Sprintf("%s holds %s", name, s.what))
			}
		}
	}
	return found
}

// readTree adds every file under dir to artifacts.
func readTree(t *testing.T, artifacts map[string][]byte, label, dir string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		artifacts[label+"/"+filepath.ToSlash(rel)] = data
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
}

// TestReliabilityCanaryKey runs many flows (success, failure, refused key,
// expired links, uncertain submissions, download errors, a server that
// echoes what it was sent) with a one-off key and checks that neither the
// key nor any signed URL's query string was written anywhere: the
// database (with its WAL), the library (videos, sidecars, unfinished
// downloads), thumbnails, the log, returned errors and events. It is not
// parallel: it owns the standard logger while it runs.
func TestReliabilityCanaryKey(t *testing.T) {
	canary := "sk-canary-" + rand.Text()
	wrongKey := "sk-wrong-" + rand.Text()[:12]

	var logged lockedBuffer
	oldOut, oldFlags := log.Writer(), log.Flags()
	log.SetOutput(&logged)
	t.Cleanup(func() { log.SetOutput(oldOut); log.SetFlags(oldFlags) })

	e := newEnv(t, apitest.Config{Key: canary, VideosPerTask: 2, Padding: 16 << 10})
	ctx := t.Context()
	var errs []string
	note := func(err error) {
		if err != nil {
			errs = append(errs, err.Error())
		}
	}

	// Before the tracker starts: a finished task whose links expire before
	// it downloads, and a task the service does not know.
	res, err := e.api.Create(ctx, client.CreateRequest{Model: "m", Prompt: "canary: expired links"})
	if err != nil {
		t.Fatal(err)
	}
	task, err := e.api.Wait(ctx, res.TaskID, client.WaitOptions{Interval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	expired := e.awaitingDownload(res.TaskID, task)
	e.sim.Inject(apitest.Fault{Kind: apitest.FaultExpireURLs})
	lost, _, err := e.store.AddExisting(ctx, "0badc0de-0000-4000-8000-00000000cafe", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	pending := store.StatePending
	if _, err := e.store.Update(ctx, lost.ID, store.Change{State: &pending, Watching: ptr(true)}, time.Now()); err != nil {
		t.Fatal(err)
	}

	var events []Event
	e.beforeRun = func(tr *Tracker) { tr.urls[expired.ID] = task.URLs() }
	// The tracker's own log goes to the same place as the standard log.
	slogger := slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e.start(TrackerOptions{LostAfter: 2, ThumbnailDir: filepath.Join(t.TempDir(), "thumbs"), Log: slogger})
	// Every event goes through here, so that all of them are checked.
	waitRecord := func(id int64, what string, ok func(store.Record) bool) store.Record {
		t.Helper()
		if r, err := e.store.Get(ctx, id); err == nil && ok(r) {
			return r
		}
		return e.waitFor(what, func(ev Event) bool {
			events = append(events, ev)
			return ev.Kind == EventChanged && ev.ID == id && ok(ev.Record)
		}).Record
	}
	waitRecord(expired.ID, "the expired links to be refreshed", downloaded)
	waitRecord(lost.ID, "the unknown task to be lost", func(r store.Record) bool { return r.State == store.StateLost })

	submit := func(prompt string) store.Record {
		rec, err := e.tracker.Submit(ctx, client.CreateRequest{Model: "m", Prompt: prompt})
		note(err)
		return rec
	}
	ok := submit("canary: success")
	failed := submit("canary: [fail]")
	cancelled := submit("canary: [cancel]")
	waitRecord(ok.ID, "success", downloaded)
	waitRecord(failed.ID, "failure", func(r store.Record) bool { return r.State == store.StateFailed })
	waitRecord(cancelled.ID, "cancellation", func(r store.Record) bool { return r.State == store.StateCancelled })

	// Submissions that go wrong in every way, one echoing the key back.
	for _, f := range []apitest.FaultKind{apitest.FaultDropAfterRead, apitest.FaultEchoRequest, apitest.FaultStatus429, apitest.FaultStatus500, apitest.FaultMalformedJSON, apitest.FaultOversizedJSON} {
		e.sim.Inject(apitest.Fault{Kind: f, Target: apitest.TargetCreate, RetryAfter: time.Second})
		submit("canary: create " + f.String())
	}
	// Adding by id against a server that echoes, garbles or does not know.
	for _, f := range []apitest.FaultKind{apitest.FaultEchoRequest, apitest.FaultOversizedJSON, apitest.FaultMalformedJSON, apitest.FaultStatus404} {
		e.sim.Inject(apitest.Fault{Kind: f, Target: apitest.TargetTask})
		_, err := e.tracker.AddByID(ctx, ok.TaskID)
		note(err)
	}
	_, err = e.tracker.AddByID(ctx, "no-such-task")
	note(err)
	for _, r := range []store.Record{failed, ok} {
		note(e.tracker.CheckAgain(ctx, r.ID))
	}
	note(e.tracker.RetryDownload(ctx, failed.ID))

	// The key is refused while polling, then replaced.
	e.sim.Inject(apitest.Fault{Kind: apitest.FaultEchoRequest, Target: apitest.TargetTask, Times: 2})
	slow := submit("canary: polled through trouble")
	e.api.SetAPIKey(wrongKey)
	e.waitFor("the key to be refused", func(ev Event) bool { events = append(events, ev); return ev.Kind == EventKeyRefused })
	_, err = e.tracker.Submit(ctx, client.CreateRequest{Model: "m", Prompt: "canary: with the wrong key"})
	note(err)
	e.api.SetAPIKey(canary)
	e.tracker.KeyChanged()
	waitRecord(slow.ID, "the download after the key came back", downloaded)

	// Downloads that fail: an echoing file host, not a video, cut off and
	// then refused (a part file stays), and a folder where the part file
	// should go.
	for i, faults := range [][]apitest.Fault{
		{{Kind: apitest.FaultEchoRequest, Target: apitest.TargetFiles, Times: 4}},
		{{Kind: apitest.FaultNotVideo, Target: apitest.TargetFiles, Times: 2}},
		// Refused until the download ends, so that the cut-off part stays
		// (an empty part is removed, having nothing to continue from).
		{{Kind: apitest.FaultTruncate, Target: apitest.TargetFiles}, {Kind: apitest.FaultStatus401, Target: apitest.TargetFiles, Times: -1}},
	} {
		for _, f := range faults {
			e.sim.Inject(f)
		}
		rec := submit(fmt.Sprintf("canary: download trouble %d", i))
		waitRecord(rec.ID, "the download to end", func(r store.Record) bool {
			return r.Download == store.DownloadFailed || r.Download == store.DownloadDone
		})
		e.sim.ClearFaults()
	}
	id := e.sim.AddTask(client.CreateRequest{Model: "m", Prompt: "canary: disk refuses"})
	if err := os.Mkdir(e.folder.PartPath(id, 0), 0o755); err != nil {
		t.Fatal(err)
	}
	refused, err := e.tracker.AddByID(ctx, id)
	note(err)
	waitRecord(refused.ID, "the download to pause", func(r store.Record) bool { return r.Download == store.DownloadPaused })
	note(e.library.SetNote(ctx, ok.ID, "a note"))
	note(e.library.SetTags(ctx, ok.ID, []string{"canary"}))

	e.stop()
	e.api.CloseIdleConnections()

	artifacts := map[string][]byte{
		"log output":      logged.Bytes(),
		"returned errors": []byte(strings.Join(errs, "\n")),
	}
	var evText strings.Builder
	for _, ev := range events {
		fmt.Fprintf(&evText, "%+v\n%s\n", ev, ev.Record.Raw)
	}
	artifacts["events"] = []byte(evText.String())
	recs, err := e.store.List(ctx, store.Query{})
	if err != nil {
		t.Fatal(err)
	}
	var recText strings.Builder
	for _, r := range recs {
		fmt.Fprintf(&recText, "%+v\n%s\n", r, r.Raw)
	}
	artifacts["records"] = []byte(recText.String())
	dataDir := filepath.Dir(e.db)
	readTree(t, artifacts, "data folder (open)", dataDir)
	if err := e.store.Close(); err != nil {
		t.Fatal(err)
	}
	readTree(t, artifacts, "data folder (closed)", dataDir)
	readTree(t, artifacts, "library", e.folder.Dir())
	readTree(t, artifacts, "thumbnails", e.tracker.opts.ThumbnailDir)

	if _, ok := artifacts["data folder (open)/history.db-wal"]; !ok {
		t.Error("no WAL file was captured; the check would miss what it holds")
	}
	if !bytes.Contains(artifacts["log output"], []byte("download failed")) {
		t.Error("the tracker logged no failed download; the check would miss what its log holds")
	}
	if !bytes.Contains(artifacts["returned errors"], []byte("HTTP 401")) || len(events) == 0 {
		t.Error("no errors or events were captured; the check proves nothing")
	}
	var parts int
	for name := range artifacts {
		if strings.HasSuffix(name, ".part") {
			parts++
		}
	}
	if parts == 0 {
		t.Error("no unfinished download was captured; the check would miss what part files hold")
	}

	secrets := append([]secret{{"the API key", canary}, {"the wrong API key", wrongKey}}, signedURLSecrets(t, e.sim)...)
	// The check itself must be able to fail.
	if found := leaks(map[string][]byte{"probe": []byte("x" + canary + "y")}, secrets); len(found) != 1 {
		t.Fatalf("the leak check does not find a planted key: %v", found)
	}
	for _, l := range leaks(artifacts, secrets) {
		t.Error(l)
	}
	if c := e.sim.Counts(); c.FilesWithAuth != 0 {
		t.Errorf("%d requests to the file host carried the API key", c.FilesWithAuth)
	}
	t.Logf("checked %d artifacts against %d secrets", len(artifacts), len(secrets))
}
