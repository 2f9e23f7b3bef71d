package history

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/client/apitest"
	"github.com/reelhouse/reelhouse/history/crash"
)

// panickyAPI panics in the first query of a task and in the first
// download, with the key and a signed URL in the panic's message.
type panickyAPI struct {
	API
	secret             string
	polls, downloads   atomic.Int32
	pollPanics, dlPans atomic.Int32
}

func (p *panickyAPI) Task(ctx context.Context, id string) (*client.Task, error) {
	if p.polls.Add(1) == 1 {
		p.pollPanics.Add(1)
		panic("poll broke with key " + p.secret + " at https://cdn.example/v.mp4?Signature=poll-secret")
	}
	return p.API.Task(ctx, id)
}

func (p *panickyAPI) Download(ctx context.Context, rawURL, partPath string, opts client.DownloadOptions) (client.DownloadResult, error) {
	if p.downloads.Add(1) == 1 {
		p.dlPans.Add(1)
		panic("download broke with key " + p.secret + " at " + rawURL)
	}
	return p.API.Download(ctx, rawURL, partPath, opts)
}

// TestTrackerSurvivesPanics panics inside a poll and inside a download:
// the tracker carries on, the task is tried again and downloaded, each
// panic is in a crash file with its stack and without the key or the
// signed URL, and the next start is told about them once.
func TestTrackerSurvivesPanics(t *testing.T) {
	// Not parallel: the crash reporter is the process's.
	const canary = "sk-canary-7f3a9c1e55d04b2b"
	client.RegisterSecret(canary)
	e := newEnv(t, apitest.Config{})
	dataDir := filepath.Join(t.TempDir(), "data")
	crash.SetReporter(crash.Folder(dataDir, "Reelhouse test"))
	t.Cleanup(func() { crash.SetReporter(nil) })
	api := &panickyAPI{secret: canary}
	e.wrap = func(inner API) API { api.API = inner; return api }
	e.start(TrackerOptions{})

	rec, err := e.tracker.Submit(t.Context(), client.CreateRequest{Model: "m", Prompt: "a lighthouse in fog"})
	if err != nil {
		t.Fatal(err)
	}
	e.checkFiles(e.waitRecord(rec.ID, "the download after the panics", downloaded), 1)
	if api.pollPanics.Load() != 1 || api.dlPans.Load() != 1 {
		t.Fatalf("panicked %d times in a poll and %d in a download, want 1 each", api.pollPanics.Load(), api.dlPans.Load())
	}

	files, _ := filepath.Glob(filepath.Join(dataDir, "crash-*.txt"))
	if len(files) != 2 {
		t.Fatalf("crash files %v, want 2", files)
	}
	var all strings.Builder
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		text := string(data)
		all.WriteString(text)
		if !strings.HasPrefix(text, "Reelhouse test\n") || !strings.Contains(text, "goroutine ") || !strings.Contains(text, "[redacted]") {
			t.Errorf("%s lacks the header, the stack or the redaction:\n%s", f, text)
		}
		if st, err := os.Stat(f); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, want 0600 (%v)", f, st.Mode().Perm(), err)
		}
	}
	for _, want := range []string{"Where: poll", "Where: download", "poll broke", "download broke"} {
		if !strings.Contains(all.String(), want) {
			t.Errorf("crash files lack %q", want)
		}
	}
	for _, secret := range []string{canary, "poll-secret", "Signature="} {
		if strings.Contains(all.String(), secret) {
			t.Errorf("a crash file holds %q", secret)
		}
	}

	// The next start reads them once.
	report, err := crash.TakeUnseen(dataDir)
	if err != nil || !strings.Contains(report, "poll broke") || !strings.Contains(report, "download broke") {
		t.Fatalf("next start's report (%v):\n%s", err, report)
	}
	if again, err := crash.TakeUnseen(dataDir); again != "" || err != nil {
		t.Errorf("the report was given twice: %q %v", again, err)
	}
	if seen, _ := filepath.Glob(filepath.Join(dataDir, "crash-*.txt.seen")); len(seen) != 2 {
		t.Errorf("seen files %v, want 2", seen)
	}
}
