package client_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/client/apitest"
)

// finishedTask makes a successful task and returns its id and its video
// URLs as the client sees them.
func finishedTask(t *testing.T, sim *apitest.Sim, c *client.Client) (string, []string) {
	t.Helper()
	id := sim.AddTask(basicRequest)
	sim.SetOutcome(id, client.StatusSuccess)
	task, err := c.Task(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if len(task.URLs()) == 0 {
		t.Fatalf("no URLs: %+v", task)
	}
	return id, task.URLs()
}

// fileRequests returns the requests that reached the file host.
func fileRequests(t *testing.T, sim *apitest.Sim) []apitest.Request {
	t.Helper()
	u, err := url.Parse(sim.FileHost())
	if err != nil {
		t.Fatal(err)
	}
	var out []apitest.Request
	for _, r := range sim.Log() {
		if r.Host == u.Host {
			out = append(out, r)
		}
	}
	return out
}

func assertFile(t *testing.T, path string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: %d bytes differ from the %d served", filepath.Base(path), len(got), len(want))
	}
}

func assertNoMeta(t *testing.T, part string) {
	t.Helper()
	if _, err := os.Stat(part + ".meta"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s.meta still exists (%v)", filepath.Base(part), err)
	}
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// progressLog records Progress calls.
type progressLog struct {
	calls [][2]int64
}

func (p *progressLog) fn(done, total int64) { p.calls = append(p.calls, [2]int64{done, total}) }

func TestDownloadIsByteIdenticalAndKeyless(t *testing.T) {
	t.Parallel()
	cfg := fast
	cfg.VideosPerTask = 3
	sim := newSim(t, cfg)
	c := simClient(t, sim)
	id, urls := finishedTask(t, sim, c)
	if len(urls) != 3 {
		t.Fatalf("URLs = %v", urls)
	}
	dir := t.TempDir()
	sums := map[string]bool{}
	for n, u := range urls {
		part := filepath.Join(dir, fmt.Sprintf("%d.part", n))
		var p progressLog
		res, err := c.Download(t.Context(), u, part, client.DownloadOptions{Progress: p.fn})
		if err != nil {
			t.Fatalf("item %d: %v", n, err)
		}
		want := sim.VideoBytes(id, n)
		assertFile(t, part, want)
		assertNoMeta(t, part)
		if res.Size != int64(len(want)) || res.SHA256 != sha(want) || res.ETag == "" || res.LastModified == "" {
			t.Errorf("item %d: result %+v", n, res)
		}
		sums[res.SHA256] = true
		if len(p.calls) == 0 || p.calls[len(p.calls)-1] != [2]int64{res.Size, res.Size} {
			t.Errorf("item %d: progress %v, want to end at %d/%d", n, p.calls, res.Size, res.Size)
		}
		for i := 1; i < len(p.calls); i++ {
			if p.calls[i][0] < p.calls[i-1][0] {
				t.Errorf("item %d: progress went backwards: %v", n, p.calls)
			}
		}
	}
	if len(sums) != 3 {
		t.Errorf("items are not distinct files: %v", sums)
	}
	files := fileRequests(t, sim)
	if len(files) != 3 {
		t.Fatalf("file-host requests: %+v", files)
	}
	for _, r := range files {
		if r.HadAuth {
			t.Errorf("the key reached the file host: %+v", r)
		}
	}
	if n := sim.Counts().FilesWithAuth; n != 0 {
		t.Errorf("FilesWithAuth = %d", n)
	}
	for _, r := range sim.Log() {
		if r.Path == "/video/v1/tasks/"+id && !r.HadAuth {
			t.Errorf("the API request had no key: %+v", r)
		}
	}
}

func TestDownloadResumesAfterCutOff(t *testing.T) {
	t.Parallel()
	sim := newSim(t, fast)
	c := simClient(t, sim)
	id, urls := finishedTask(t, sim, c)
	want := sim.VideoBytes(id, 0)
	part := filepath.Join(t.TempDir(), "v.part")

	sim.Inject(apitest.Fault{Kind: apitest.FaultTruncate, Target: apitest.TargetFiles})
	_, err := c.Download(t.Context(), urls[0], part, client.DownloadOptions{})
	if !errors.Is(err, client.ErrIncompleteDownload) || !client.IsTransient(err) || client.IsURLExpired(err) {
		t.Fatalf("cut-off download: %v", err)
	}
	got, _ := os.ReadFile(part)
	if half := len(want) / 2; len(got) != half || !bytes.Equal(got, want[:half]) {
		t.Fatalf("part holds %d bytes, want the first %d", len(got), half)
	}
	meta, err := os.ReadFile(part + ".meta")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(meta), "http") || strings.Contains(string(meta), "sig") {
		t.Errorf("meta file holds the URL: %s", meta)
	}

	var p progressLog
	res, err := c.Download(t.Context(), urls[0], part, client.DownloadOptions{Progress: p.fn})
	if err != nil {
		t.Fatal(err)
	}
	assertFile(t, part, want)
	assertNoMeta(t, part)
	if res.SHA256 != sha(want) || res.Size != int64(len(want)) {
		t.Errorf("result %+v", res)
	}
	if len(p.calls) == 0 || p.calls[0][0] != int64(len(got)) {
		t.Errorf("progress %v, want to start at the %d bytes kept", p.calls, len(got))
	}
	files := fileRequests(t, sim)
	if len(files) != 2 {
		t.Fatalf("file requests: %+v", files)
	}
	if files[0].Range != "" || files[1].Range != fmt.Sprintf("bytes=%d-", len(got)) || files[1].IfRange != res.ETag {
		t.Errorf("requests: %+v; want the second to ask for bytes=%d- if %s", files, len(got), res.ETag)
	}
}

func TestDownloadRecoversFromReset(t *testing.T) {
	t.Parallel()
	sim := newSim(t, fast)
	c := simClient(t, sim)
	id, urls := finishedTask(t, sim, c)
	part := filepath.Join(t.TempDir(), "v.part")
	sim.Inject(apitest.Fault{Kind: apitest.FaultResetMidBody, Target: apitest.TargetFiles})
	_, err := c.Download(t.Context(), urls[0], part, client.DownloadOptions{})
	if !client.IsTransient(err) {
		t.Fatalf("reset download: %v", err)
	}
	if _, err := c.Download(t.Context(), urls[0], part, client.DownloadOptions{}); err != nil {
		t.Fatal(err)
	}
	assertFile(t, part, sim.VideoBytes(id, 0))
}

func TestDownloadStartsOverWhenResumeIsRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind        apitest.FaultKind
		wantQueries int // file requests of the second download
	}{
		{apitest.FaultIgnoreRange, 1},
		{apitest.FaultWrongRangeOffset, 2},
		{apitest.FaultChangeETag, 1},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.kind), func(t *testing.T) {
			t.Parallel()
			sim := newSim(t, fast)
			c := simClient(t, sim)
			id, urls := finishedTask(t, sim, c)
			want := sim.VideoBytes(id, 0)
			part := filepath.Join(t.TempDir(), "v.part")

			sim.Inject(apitest.Fault{Kind: apitest.FaultTruncate, Target: apitest.TargetFiles})
			if _, err := c.Download(t.Context(), urls[0], part, client.DownloadOptions{}); err == nil {
				t.Fatal("the cut-off download succeeded")
			}
			sim.Inject(apitest.Fault{Kind: tt.kind, Target: apitest.TargetFiles})
			var p progressLog
			res, err := c.Download(t.Context(), urls[0], part, client.DownloadOptions{Progress: p.fn})
			if err != nil {
				t.Fatal(err)
			}
			assertFile(t, part, want)
			assertNoMeta(t, part)
			if res.SHA256 != sha(want) {
				t.Errorf("SHA256 %s, want %s", res.SHA256, sha(want))
			}
			if len(p.calls) == 0 || p.calls[0][0] != 0 {
				t.Errorf("progress %v, want a restart from 0", p.calls)
			}
			if sim.PendingFaults() != 0 {
				t.Error("the fault never fired")
			}
			files := fileRequests(t, sim)[1:]
			if len(files) != tt.wantQueries || files[0].Range == "" || files[len(files)-1].Range != "" && tt.wantQueries > 1 {
				t.Errorf("second download's requests: %+v", files)
			}
		})
	}
}

func TestDownloadIgnoresPartWithoutMeta(t *testing.T) {
	t.Parallel()
	sim := newSim(t, fast)
	c := simClient(t, sim)
	id, urls := finishedTask(t, sim, c)
	part := filepath.Join(t.TempDir(), "v.part")
	if err := os.WriteFile(part, []byte("leftover bytes of something else"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Download(t.Context(), urls[0], part, client.DownloadOptions{}); err != nil {
		t.Fatal(err)
	}
	assertFile(t, part, sim.VideoBytes(id, 0))
	if r := fileRequests(t, sim); len(r) != 1 || r[0].Range != "" {
		t.Errorf("requests %+v, want one without Range", r)
	}
}

func TestDownloadExpiredURL(t *testing.T) {
	t.Parallel()
	sim := newSim(t, fast)
	c := simClient(t, sim)
	id, urls := finishedTask(t, sim, c)
	part := filepath.Join(t.TempDir(), "v.part")

	sim.Inject(apitest.Fault{Kind: apitest.FaultExpireURLs})
	_, err := c.Download(t.Context(), urls[0], part, client.DownloadOptions{})
	var dErr *client.DownloadError
	if !client.IsURLExpired(err) || !errors.As(err, &dErr) || dErr.StatusCode != 403 || client.IsTransient(err) {
		t.Fatalf("expired: %v", err)
	}
	if text := err.Error(); strings.Contains(text, "sig") || strings.Contains(text, "expires") || strings.Contains(text, "localhost") {
		t.Errorf("text shows the URL: %q", text)
	}

	tampered := strings.Replace(urls[0], "sig=", "sig=0", 1)
	if _, err := c.Download(t.Context(), tampered, part, client.DownloadOptions{}); !client.IsURLExpired(err) {
		t.Errorf("tampered: %v", err)
	}

	// A fresh link from the service works.
	task, err := c.Task(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Download(t.Context(), task.URLs()[0], part, client.DownloadOptions{}); err != nil {
		t.Fatal(err)
	}
	assertFile(t, part, sim.VideoBytes(id, 0))
}

func TestDownloadStatusErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind      apitest.FaultKind
		status    int
		expired   bool
		transient bool
	}{
		{apitest.FaultStatus401, 401, true, false},
		{apitest.FaultStatus500, 500, false, true},
		{apitest.FaultStatus429, 429, false, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			t.Parallel()
			sim := newSim(t, fast)
			c := simClient(t, sim)
			_, urls := finishedTask(t, sim, c)
			sim.Inject(apitest.Fault{Kind: tt.kind, Target: apitest.TargetFiles, RetryAfter: 2 * time.Second})
			_, err := c.Download(t.Context(), urls[0], filepath.Join(t.TempDir(), "v.part"), client.DownloadOptions{})
			var dErr *client.DownloadError
			if !errors.As(err, &dErr) || dErr.StatusCode != tt.status ||
				client.IsURLExpired(err) != tt.expired || client.IsTransient(err) != tt.transient {
				t.Fatalf("err = %v", err)
			}
			if d, ok := client.RetryAfter(err); !ok || d != 2*time.Second {
				t.Errorf("RetryAfter = %v, %v", d, ok)
			}
		})
	}
}

func TestDownloadNotVideo(t *testing.T) {
	t.Parallel()
	sim := newSim(t, fast)
	c := simClient(t, sim)
	_, urls := finishedTask(t, sim, c)
	part := filepath.Join(t.TempDir(), "v.part")
	sim.Inject(apitest.Fault{Kind: apitest.FaultNotVideo, Target: apitest.TargetFiles})
	_, err := c.Download(t.Context(), urls[0], part, client.DownloadOptions{})
	if !errors.Is(err, client.ErrNotVideo) || client.IsTransient(err) {
		t.Fatalf("err = %v", err)
	}
	assertNoPart(t, part) // nothing to resume: no leftover either
	assertNoMeta(t, part)
}

// assertNoPart fails if the part file is there.
func assertNoPart(t *testing.T, part string) {
	t.Helper()
	if _, err := os.Lstat(part); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the part file was left behind: %v", err)
	}
}

func TestDownloadStallWatchdog(t *testing.T) {
	t.Parallel()
	t.Run("before the answer", func(t *testing.T) {
		t.Parallel()
		sim := newSim(t, fast)
		c := simClient(t, sim)
		_, urls := finishedTask(t, sim, c)
		sim.Inject(apitest.Fault{Kind: apitest.FaultSlow, Target: apitest.TargetFiles, Delay: time.Hour})
		_, err := c.Download(t.Context(), urls[0], filepath.Join(t.TempDir(), "v.part"),
			client.DownloadOptions{StallTimeout: 100 * time.Millisecond})
		if !errors.Is(err, client.ErrStalled) || !client.IsTransient(err) || errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("mid-body, then resume", func(t *testing.T) {
		t.Parallel()
		sim := newSim(t, fast)
		c := simClient(t, sim)
		id, urls := finishedTask(t, sim, c)
		part := filepath.Join(t.TempDir(), "v.part")
		// One piece, then silence.
		sim.Inject(apitest.Fault{Kind: apitest.FaultTrickle, Target: apitest.TargetFiles, Delay: time.Hour})
		_, err := c.Download(t.Context(), urls[0], part, client.DownloadOptions{StallTimeout: 150 * time.Millisecond})
		if !errors.Is(err, client.ErrStalled) {
			t.Fatalf("err = %v", err)
		}
		fi, err := os.Stat(part)
		if err != nil || fi.Size() == 0 {
			t.Fatalf("the first piece was not kept: %v %v", fi, err)
		}
		if _, err := c.Download(t.Context(), urls[0], part, client.DownloadOptions{}); err != nil {
			t.Fatal(err)
		}
		assertFile(t, part, sim.VideoBytes(id, 0))
		if r := fileRequests(t, sim); len(r) != 2 || r[1].Range != fmt.Sprintf("bytes=%d-", fi.Size()) {
			t.Errorf("requests %+v, want a resume at %d", r, fi.Size())
		}
	})
	t.Run("slow but steady is no stall", func(t *testing.T) {
		t.Parallel()
		sim := newSim(t, fast)
		c := simClient(t, sim)
		id, urls := finishedTask(t, sim, c)
		part := filepath.Join(t.TempDir(), "v.part")
		// 16 pieces 40 ms apart take longer than the stall timeout in all.
		sim.Inject(apitest.Fault{Kind: apitest.FaultTrickle, Target: apitest.TargetFiles, Delay: 40 * time.Millisecond})
		if _, err := c.Download(t.Context(), urls[0], part, client.DownloadOptions{StallTimeout: 400 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
		assertFile(t, part, sim.VideoBytes(id, 0))
	})
}

func TestDownloadCancelled(t *testing.T) {
	t.Parallel()
	sim := newSim(t, fast)
	c := simClient(t, sim)
	_, urls := finishedTask(t, sim, c)
	sim.Inject(apitest.Fault{Kind: apitest.FaultSlow, Target: apitest.TargetFiles, Delay: time.Hour})
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		for sim.Counts().Files == 0 {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	_, err := c.Download(ctx, urls[0], filepath.Join(t.TempDir(), "v.part"), client.DownloadOptions{})
	if err != context.Canceled {
		t.Fatalf("err = %#v, want context.Canceled itself", err)
	}
}

func TestDownloadMaxSize(t *testing.T) {
	t.Parallel()
	t.Run("announced", func(t *testing.T) {
		t.Parallel()
		sim := newSim(t, fast)
		c := simClient(t, sim, client.WithMaxDownloadSize(1000))
		_, urls := finishedTask(t, sim, c)
		part := filepath.Join(t.TempDir(), "v.part")
		_, err := c.Download(t.Context(), urls[0], part, client.DownloadOptions{})
		if !errors.Is(err, client.ErrTooLarge) || client.IsTransient(err) || !strings.Contains(err.Error(), "1000 bytes") {
			t.Fatalf("err = %v", err)
		}
		assertNoPart(t, part)
	})
	t.Run("unannounced", func(t *testing.T) {
		t.Parallel()
		var sent atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("\x00\x00\x00\x20ftypisom")) // chunked: no Content-Length
			chunk := make([]byte, 4096)
			for range 256 {
				if _, err := w.Write(chunk); err != nil {
					return
				}
				sent.Add(int64(len(chunk)))
				http.NewResponseController(w).Flush()
			}
		}))
		t.Cleanup(srv.Close)
		c := newClient(t, srv.URL, client.WithMaxDownloadSize(64<<10))
		_, err := c.Download(t.Context(), srv.URL+"/v.mp4", filepath.Join(t.TempDir(), "v.part"), client.DownloadOptions{})
		if !errors.Is(err, client.ErrTooLarge) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestDownloadLocalWriteErrors(t *testing.T) {
	t.Parallel()
	sim := newSim(t, fast)
	c := simClient(t, sim)
	_, urls := finishedTask(t, sim, c)
	tests := map[string]string{
		"a folder":        t.TempDir(),
		"missing folder":  filepath.Join(t.TempDir(), "gone", "v.part"),
		"inside /proc":    "/proc/reelhouse-test.part",
		"a device (full)": "/dev/full",
	}
	for name, part := range tests {
		_, err := c.Download(t.Context(), urls[0], part, client.DownloadOptions{})
		if !errors.Is(err, client.ErrLocalWrite) || client.IsTransient(err) {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !strings.HasPrefix(err.Error(), "download video: local write failed") {
			t.Errorf("%s: text %q", name, err)
		}
	}
	if _, err := os.Stat("/dev/full.meta"); err == nil {
		os.Remove("/dev/full.meta")
		t.Error("a meta file was written next to /dev/full")
	}
	if n := len(fileRequests(t, sim)); n != 0 {
		t.Errorf("%d downloads started although the file could not be written", n)
	}
}

func TestDownloadRejectsUnsafeURLs(t *testing.T) {
	t.Parallel()
	c := newClient(t, "")
	for _, u := range []string{
		"", "not a url", "ftp://files.example/v.mp4", "file:///etc/passwd",
		"http://files.example/v.mp4?sig=1", "http://10.1.2.3/v.mp4", "//files.example/v.mp4",
	} {
		_, err := c.Download(t.Context(), u, filepath.Join(t.TempDir(), "v.part"), client.DownloadOptions{})
		if !errors.Is(err, client.ErrUnsupportedURL) {
			t.Errorf("%q: %v", u, err)
		}
	}
}

// TestDownloadSchemeNotWeb: an address that is not a web address at all
// gets an error of its own (no retry can help), naming the scheme only;
// http elsewhere than this computer keeps the general one.
func TestDownloadSchemeNotWeb(t *testing.T) {
	t.Parallel()
	c := newClient(t, "")
	for _, u := range []string{"file:///srv/videos/secret-name.mp4", "ftp://files.example/v.mp4?sig=1"} {
		_, err := c.Download(t.Context(), u, filepath.Join(t.TempDir(), "v.part"), client.DownloadOptions{})
		var cErr *client.Error
		if !errors.Is(err, client.ErrUnsupportedScheme) || !errors.As(err, &cErr) || cErr.Code != client.CodeUnsupportedScheme {
			t.Errorf("%q: %v, want %s", u, err, client.CodeUnsupportedScheme)
			continue
		}
		if strings.Contains(err.Error(), "secret-name") || strings.Contains(err.Error(), "sig=") {
			t.Errorf("%q: the error %q tells more than the scheme", u, err)
		}
	}
	_, err := c.Download(t.Context(), "http://10.1.2.3/v.mp4", filepath.Join(t.TempDir(), "v.part"), client.DownloadOptions{})
	if !errors.Is(err, client.ErrUnsupportedURL) || errors.Is(err, client.ErrUnsupportedScheme) {
		t.Errorf("http on another computer: %v", err)
	}
}

func TestDownloadRefusesRedirectToHTTP(t *testing.T) {
	t.Parallel()
	var plainHits atomic.Int32
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		plainHits.Add(1)
	}))
	t.Cleanup(plain.Close)
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, plain.URL+"/v.mp4", http.StatusFound)
	}))
	t.Cleanup(secure.Close)
	c := newClient(t, "")
	c.SetDownloadClientForTest(secure.Client())
	_, err := c.Download(t.Context(), secure.URL+"/v.mp4?sig=abc", filepath.Join(t.TempDir(), "v.part"), client.DownloadOptions{})
	if !errors.Is(err, client.ErrRedirectRefused) || strings.Contains(err.Error(), "sig=") {
		t.Fatalf("err = %v", err)
	}
	if n := plainHits.Load(); n != 0 {
		t.Errorf("the http host was contacted %d times", n)
	}
}

func TestDownloadFollowsRedirectWithoutKey(t *testing.T) {
	t.Parallel()
	var sawAuth atomic.Bool
	video := append([]byte("\x00\x00\x00\x10ftypisom\x00\x00\x02\x00"), bytes.Repeat([]byte{7}, 5000)...)
	store := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" || r.Header.Get("Cookie") != "" {
			sawAuth.Store(true)
		}
		http.ServeContent(w, r, "v.mp4", time.Unix(1719000000, 0), bytes.NewReader(video))
	}))
	t.Cleanup(store.Close)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := url.Parse(store.URL)
		u.Host = strings.Replace(u.Host, "127.0.0.1", "localhost", 1) // another host
		u.Path = "/blob"
		http.Redirect(w, r, u.String(), http.StatusFound)
	}))
	t.Cleanup(front.Close)
	c := newClient(t, front.URL, client.WithAPIKey("sk-test"))
	part := filepath.Join(t.TempDir(), "v.part")
	res, err := c.Download(t.Context(), front.URL+"/v.mp4", part, client.DownloadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	assertFile(t, part, video)
	if res.SHA256 != sha(video) || sawAuth.Load() {
		t.Errorf("result %+v, key seen %v", res, sawAuth.Load())
	}
}

func TestDownloadStartsOverWhenKeptBytesAreNotVideo(t *testing.T) {
	t.Parallel()
	sim := newSim(t, fast)
	c := simClient(t, sim)
	id, urls := finishedTask(t, sim, c)
	part := filepath.Join(t.TempDir(), "v.part")
	sim.Inject(apitest.Fault{Kind: apitest.FaultTruncate, Target: apitest.TargetFiles})
	if _, err := c.Download(t.Context(), urls[0], part, client.DownloadOptions{}); err == nil {
		t.Fatal("the cut-off download succeeded")
	}
	f, err := os.OpenFile(part, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte("<html>!!"), 0) // the kept bytes are no longer an MP4 start
	f.Close()
	if _, err := c.Download(t.Context(), urls[0], part, client.DownloadOptions{}); err != nil {
		t.Fatal(err)
	}
	assertFile(t, part, sim.VideoBytes(id, 0))
	r := fileRequests(t, sim)
	if len(r) != 3 || r[1].Range == "" || r[2].Range != "" {
		t.Errorf("requests %+v, want a ranged try, then a full one", r)
	}
}

// TestDownloadFailureLeavesNoEmptyPart: a download refused before its
// first byte leaves nothing behind; one cut off keeps what it has for the
// next call.
func TestDownloadFailureLeavesNoEmptyPart(t *testing.T) {
	t.Parallel()
	sim := newSim(t, fast)
	c := simClient(t, sim)
	_, urls := finishedTask(t, sim, c)
	dir := t.TempDir()
	refused := filepath.Join(dir, "refused.part")
	sim.Inject(apitest.Fault{Kind: apitest.FaultStatus404, Target: apitest.TargetFiles})
	if _, err := c.Download(t.Context(), urls[0], refused, client.DownloadOptions{}); err == nil {
		t.Fatal("the download was not refused")
	}
	assertNoPart(t, refused)
	assertNoMeta(t, refused)

	cut := filepath.Join(dir, "cut.part")
	sim.Inject(apitest.Fault{Kind: apitest.FaultTruncate, Target: apitest.TargetFiles})
	if _, err := c.Download(t.Context(), urls[0], cut, client.DownloadOptions{}); err == nil {
		t.Fatal("the download was not cut")
	}
	if fi, err := os.Stat(cut); err != nil || fi.Size() == 0 {
		t.Fatalf("the cut download kept nothing: %v %v", fi, err)
	}
	if _, err := os.Stat(cut + ".meta"); err != nil {
		t.Fatal(err)
	}
}

// TestRemoveUnusableParts: what no download can continue from goes; a
// part with its record, and files that are not parts, stay.
func TestRemoveUnusableParts(t *testing.T) {
	t.Parallel()
	sim := newSim(t, fast)
	c := simClient(t, sim)
	_, urls := finishedTask(t, sim, c)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.mp4.part")
	sim.Inject(apitest.Fault{Kind: apitest.FaultTruncate, Target: apitest.TargetFiles})
	if _, err := c.Download(t.Context(), urls[0], good, client.DownloadOptions{}); err == nil {
		t.Fatal("the download was not cut")
	}
	write := func(name string, data string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("empty.mp4.part", "")
	write("no-record.mp4.part", "some bytes")
	write("gone.mp4.part.meta", `{"etag":"\"x\"","size":3}`)
	write("gone.mp4.part.meta.tmp", `{"etag":"\"x\"","size":3}`)
	write("notes.txt", "not a part")
	if err := os.Mkdir(filepath.Join(dir, "folder.part"), 0o700); err != nil {
		t.Fatal(err)
	}
	n, err := client.RemoveUnusableParts(dir)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var left []string
	for _, e := range entries {
		left = append(left, e.Name())
	}
	want := []string{"folder.part", "good.mp4.part", "good.mp4.part.meta", "notes.txt"}
	if n != 2 || !slices.Equal(left, want) {
		t.Errorf("removed %d, left %q; want 2 removed and %q left", n, left, want)
	}
}
