package apitest_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/client/apitest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func newSim(t *testing.T, cfg apitest.Config) *apitest.Sim {
	t.Helper()
	sim := apitest.New(cfg)
	t.Cleanup(sim.Close)
	return sim
}

// httpClient returns a plain client that keeps no connections around.
func httpClient(t *testing.T) *http.Client {
	t.Helper()
	tr := &http.Transport{DisableKeepAlives: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(a.body, &m); err != nil {
		t.Fatalf("not JSON (%v): %.200s", err, a.body)
	}
	return m
}

func (a answer) errorCode(t *testing.T) string {
	t.Helper()
	e, _ := a.json(t)["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

func do(t *testing.T, hc *http.Client, method, u, key, body string, header ...string) answer {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{resp.StatusCode, resp.Header, b}
}

func create(t *testing.T, hc *http.Client, sim *apitest.Sim, body string) answer {
	t.Helper()
	return do(t, hc, http.MethodPost, sim.URL()+"/video/v1/generations", sim.Key(), body)
}

func query(t *testing.T, hc *http.Client, sim *apitest.Sim, id string) answer {
	t.Helper()
	return do(t, hc, http.MethodGet, sim.URL()+"/video/v1/tasks/"+url.PathEscape(id), sim.Key(), "")
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	sim := newSim(t, apitest.Config{})
	if sim.Key() != "sk-sim-demo" {
		t.Errorf("Key = %q", sim.Key())
	}
	api, _ := url.Parse(sim.URL())
	files, _ := url.Parse(sim.FileHost())
	if api.Hostname() != "127.0.0.1" || files.Hostname() != "localhost" || api.Host == files.Host {
		t.Errorf("hosts %q and %q should differ", api.Host, files.Host)
	}
	id := sim.AddTask(client.CreateRequest{Model: "m", Prompt: "p"})
	a := query(t, httpClient(t), sim, id)
	if a.status != 200 || a.json(t)["task_status"] != "pending" {
		t.Errorf("a new task: %d %s", a.status, a.body)
	}
}

func TestAuthorization(t *testing.T) {
	t.Parallel()
	sim := newSim(t, apitest.Config{})
	hc := httpClient(t)
	id := sim.AddTask(client.CreateRequest{Model: "m", Prompt: "p"})
	for _, key := range []string{"", "sk-wrong", sim.Key() + "x"} {
		a := do(t, hc, http.MethodPost, sim.URL()+"/video/v1/generations", key, `{"model":"m","prompt":"p"}`)
		if a.status != 401 || a.errorCode(t) != "invalid_api_key" {
			t.Errorf("create with %q: %d %s", key, a.status, a.body)
		}
		a = do(t, hc, http.MethodGet, sim.URL()+"/video/v1/tasks/"+id, key, "")
		if a.status != 401 {
			t.Errorf("query with %q: %d", key, a.status)
		}
	}
	if n := len(sim.TaskIDs()); n != 1 {
		t.Errorf("unauthorised creates made tasks: %d", n)
	}
	if c := sim.Counts(); c.Create != 3 || c.Task != 3 {
		t.Errorf("Counts = %+v", c)
	}
}

func TestCreateValidation(t *testing.T) {
	t.Parallel()
	sim := newSim(t, apitest.Config{PendingFor: time.Hour})
	hc := httpClient(t)
	bad := []string{
		``, `[]`, `{"prompt":"p"}`, `{"model":"m"}`, `{"model":"m","prompt":"  "}`, `{"model":3,"prompt":"p"}`,
		`{"model":"m","prompt":"p","duration":0}`, `{"model":"m","prompt":"p","duration":"5"}`,
		`{"model":"m","prompt":"p","ratio":"wide"}`,
		`{"model":"m","prompt":"p","image":{"type":"reference_video","url":"https://i/x.png"}}`,
		`{"model":"m","prompt":"p","image":[{"url":""}]}`,
		`{"model":"m","prompt":"p","audio":"https://a/x.mp3"}`,
		`{"model":"m","prompt":"p","upstream_options":[1]}`,
	}
	for _, body := range bad {
		a := create(t, hc, sim, body)
		if a.status != 400 || a.errorCode(t) != "invalid_request" {
			t.Errorf("%s: %d %s", body, a.status, a.body)
		}
		if msg := a.json(t)["error"].(map[string]any)["message"]; msg == "" {
			t.Errorf("%s: no message", body)
		}
	}
	if n := len(sim.TaskIDs()); n != 0 {
		t.Fatalf("invalid requests made %d tasks", n)
	}

	good := []struct {
		body string
		want client.CreateRequest
	}{
		{`{"model":"m","prompt":"p","extra":"ignored"}`, client.CreateRequest{Model: "m", Prompt: "p"}},
		{`{"model":"m","prompt":"p","image":"https://i/1.png","audio":{"type":"reference_audio","url":"https://a/1.mp3"},"ratio":"9:16","resolution":"1080p","duration":10,"upstream_options":{"k":"v"}}`,
			client.CreateRequest{Model: "m", Prompt: "p", Image: []client.Media{{URL: "https://i/1.png"}},
				Audio: []client.Media{{Role: "reference_audio", URL: "https://a/1.mp3"}}, Ratio: "9:16", Resolution: "1080p",
				Duration: 10, UpstreamOptions: map[string]any{"k": "v"}}},
		{`{"model":"m","prompt":"p","image":[{"type":"first_frame","url":"https://i/1.png"},"https://i/2.png"],"video":{"type":"reference_video","url":"https://v/1.mp4"}}`,
			client.CreateRequest{Model: "m", Prompt: "p", Image: []client.Media{{Role: "first_frame", URL: "https://i/1.png"}, {URL: "https://i/2.png"}},
				Video: []client.Media{{Role: "reference_video", URL: "https://v/1.mp4"}}}},
	}
	for _, tt := range good {
		a := create(t, hc, sim, tt.body)
		m := a.json(t)
		id, _ := m["task_id"].(string)
		if a.status != 200 || m["task_status"] != "pending" || !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`).MatchString(id) {
			t.Errorf("%s: %d %s", tt.body, a.status, a.body)
			continue
		}
		got, ok := sim.Task(id)
		if !ok || fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", tt.want) {
			t.Errorf("recorded %+v, want %+v", got, tt.want)
		}
	}
	if reqs := sim.Requests(); len(reqs) != len(good) || reqs[0].Model != "m" {
		t.Errorf("Requests = %+v", reqs)
	}
}

func TestLifecycle(t *testing.T) {
	t.Parallel()
	sim := newSim(t, apitest.Config{PendingFor: 60 * time.Millisecond, RunningFor: 60 * time.Millisecond, VideosPerTask: 2})
	hc := httpClient(t)
	id, _ := create(t, hc, sim, `{"model":"wan","prompt":"p"}`).json(t)["task_id"].(string)
	urlShape := regexp.MustCompile(`^http://localhost:\d+/files/` + id + `/[01]\.mp4\?expires=\d+&sig=[0-9a-f]{32}$`)
	rank := map[string]int{"pending": 0, "running": 1, "success": 2}
	last := -1
	for last < 2 {
		m := query(t, hc, sim, id).json(t)
		st, _ := m["task_status"].(string)
		r, ok := rank[st]
		if !ok || r < last {
			t.Fatalf("status %q after rank %d", st, last)
		}
		last = r
		if m["task_id"] != id || m["model"] != "wan" {
			t.Errorf("answer %v", m)
		}
		created, updated := m["created"].(float64), m["updated"].(float64)
		if updated < created {
			t.Errorf("updated %v before created %v", updated, created)
		}
		switch st {
		case "success":
			if c, _ := m["completed"].(float64); c < updated || m["error"] != nil {
				t.Errorf("success answer %v", m)
			}
			data, _ := m["data"].([]any)
			if len(data) != 2 {
				t.Fatalf("data %v", data)
			}
			for i, d := range data {
				item := d.(map[string]any)
				if u, _ := item["url"].(string); !urlShape.MatchString(u) || !strings.Contains(u, fmt.Sprintf("/%d.mp4", i)) {
					t.Errorf("url %q", u)
				}
				if item["duration"] == nil || item["resolution"] == nil {
					t.Errorf("item %v lacks driver fields", item)
				}
			}
		default:
			if m["completed"] != nil || len(m["data"].([]any)) != 0 {
				t.Errorf("unfinished answer %v", m)
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestOutcomes(t *testing.T) {
	t.Parallel()
	sim := newSim(t, apitest.Config{PendingFor: time.Millisecond, RunningFor: time.Millisecond})
	hc := httpClient(t)
	failed := sim.AddTask(client.CreateRequest{Model: "m", Prompt: "boom [fail]"})
	cancelled := sim.AddTask(client.CreateRequest{Model: "m", Prompt: "stop [cancel]"})
	forced := sim.AddTask(client.CreateRequest{Model: "m", Prompt: "p"})
	sim.SetOutcome(forced, "queued_upstream")
	time.Sleep(5 * time.Millisecond)

	m := query(t, hc, sim, failed).json(t)
	e, _ := m["error"].(map[string]any)
	if m["task_status"] != "failed" || e["code"] != "upstream_task_failed" || e["message"] != "upstream video generation task failed" {
		t.Errorf("failed: %v", m)
	}
	if m := query(t, hc, sim, cancelled).json(t); m["task_status"] != "cancelled" || m["error"] == nil {
		t.Errorf("cancelled: %v", m)
	}
	if m := query(t, hc, sim, forced).json(t); m["task_status"] != "queued_upstream" || m["completed"] != nil {
		t.Errorf("forced: %v", m)
	}
	a := query(t, hc, sim, "no-such-task")
	if a.status != 404 || a.errorCode(t) != "task_not_found" {
		t.Errorf("unknown: %d %s", a.status, a.body)
	}
	sim.SetOutcome("no-such-task", client.StatusSuccess) // ignored, no panic
}

// boxes walks the top-level MP4 boxes of b and returns their types.
func boxes(t *testing.T, b []byte) []string {
	t.Helper()
	var types []string
	for off := 0; off < len(b); {
		if off+8 > len(b) {
			t.Fatalf("box header cut at %d of %d", off, len(b))
		}
		size := int(binary.BigEndian.Uint32(b[off:]))
		if size < 8 || off+size > len(b) {
			t.Fatalf("box of size %d at %d of %d", size, off, len(b))
		}
		types = append(types, string(b[off+4:off+8]))
		off += size
	}
	return types
}

func TestVideoBytes(t *testing.T) {
	t.Parallel()
	sim := newSim(t, apitest.Config{VideosPerTask: 3})
	id := sim.AddTask(client.CreateRequest{Model: "m", Prompt: "p"})
	other := sim.AddTask(client.CreateRequest{Model: "m", Prompt: "p"})
	seen := map[string]bool{}
	for _, task := range []string{id, other} {
		for n := range 3 {
			b := sim.VideoBytes(task, n)
			if len(b) == 0 || len(b) > 100<<10 {
				t.Fatalf("item %d: %d bytes", n, len(b))
			}
			types := boxes(t, b)
			if types[0] != "ftyp" || types[len(types)-1] != "free" || !bytes.Contains(b[len(b)-80:], []byte(task)) {
				t.Errorf("item %d boxes %v", n, types)
			}
			if !contains(types, "moov") || !contains(types, "mdat") {
				t.Errorf("item %d is not a complete MP4: %v", n, types)
			}
			if seen[string(b)] {
				t.Errorf("item %d of %s repeats another item", n, task)
			}
			seen[string(b)] = true
		}
	}
	if sim.VideoBytes(id, 3) != nil || sim.VideoBytes(id, -1) != nil || sim.VideoBytes("nope", 0) != nil {
		t.Error("VideoBytes for a missing item should be nil")
	}
	b := sim.VideoBytes(id, 0)
	b[0] = 0xff
	if sim.VideoBytes(id, 0)[0] == 0xff {
		t.Error("VideoBytes returned the simulator's own slice")
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func successURL(t *testing.T, sim *apitest.Sim, hc *http.Client) (string, string) {
	t.Helper()
	id := sim.AddTask(client.CreateRequest{Model: "m", Prompt: "p"})
	sim.SetOutcome(id, client.StatusSuccess)
	data := query(t, hc, sim, id).json(t)["data"].([]any)
	return id, data[0].(map[string]any)["url"].(string)
}

func TestFileHost(t *testing.T) {
	t.Parallel()
	sim := newSim(t, apitest.Config{})
	hc := httpClient(t)
	id, u := successURL(t, sim, hc)
	want := sim.VideoBytes(id, 0)

	a := do(t, hc, http.MethodGet, u, "", "")
	if a.status != 200 || !bytes.Equal(a.body, want) || a.header.Get("Content-Type") != "video/mp4" ||
		a.header.Get("ETag") == "" || a.header.Get("Last-Modified") == "" {
		t.Fatalf("GET: %d, %d bytes, %v", a.status, len(a.body), a.header)
	}
	etag := a.header.Get("ETag")

	a = do(t, hc, http.MethodGet, u, "", "", "Range", "bytes=100-", "If-Range", etag)
	if a.status != 206 || !bytes.Equal(a.body, want[100:]) || a.header.Get("Content-Range") != fmt.Sprintf("bytes 100-%d/%d", len(want)-1, len(want)) {
		t.Errorf("range: %d %v", a.status, a.header)
	}
	a = do(t, hc, http.MethodGet, u, "", "", "Range", "bytes=100-", "If-Range", `"stale"`)
	if a.status != 200 || !bytes.Equal(a.body, want) {
		t.Errorf("stale If-Range: %d", a.status)
	}

	a = do(t, hc, http.MethodGet, u, sim.Key(), "")
	if a.status != 400 || sim.Counts().FilesWithAuth != 1 {
		t.Errorf("with Authorization: %d, %+v", a.status, sim.Counts())
	}
	log := sim.Log()
	if last := log[len(log)-1]; !last.HadAuth || last.Path != "/files/"+id+"/0.mp4" || strings.Contains(last.Path, "sig") {
		t.Errorf("log entry %+v", last)
	}

	tampered := strings.Replace(u, "sig=", "sig=f", 1)
	if a := do(t, hc, http.MethodGet, tampered, "", ""); a.status != 403 {
		t.Errorf("tampered: %d", a.status)
	}
	other := strings.Replace(u, "/0.mp4", "/1.mp4", 1)
	if a := do(t, hc, http.MethodGet, other, "", ""); a.status != 404 {
		t.Errorf("missing item: %d", a.status)
	}

	sim.Inject(apitest.Fault{Kind: apitest.FaultExpireURLs})
	if a := do(t, hc, http.MethodGet, u, "", ""); a.status != 403 {
		t.Errorf("expired: %d", a.status)
	}
	fresh := query(t, hc, sim, id).json(t)["data"].([]any)[0].(map[string]any)["url"].(string)
	if a := do(t, hc, http.MethodGet, fresh, "", ""); a.status != 200 {
		t.Errorf("fresh URL: %d", a.status)
	}
}

func TestURLTTL(t *testing.T) {
	t.Parallel()
	sim := newSim(t, apitest.Config{URLTTL: time.Millisecond})
	hc := httpClient(t)
	_, u := successURL(t, sim, hc)
	q, _ := url.Parse(u)
	var exp int64
	fmt.Sscan(q.Query().Get("expires"), &exp)
	if d := time.Until(time.Unix(exp, 0)); d > 2*time.Second {
		t.Errorf("expires in %v", d)
	}
	time.Sleep(time.Until(time.Unix(exp, 0)) + 10*time.Millisecond)
	if a := do(t, hc, http.MethodGet, u, "", ""); a.status != 403 {
		t.Errorf("after expiry: %d", a.status)
	}
}

func TestFaultBookkeeping(t *testing.T) {
	t.Parallel()
	sim := newSim(t, apitest.Config{})
	hc := httpClient(t)
	id := sim.AddTask(client.CreateRequest{Model: "m", Prompt: "p"})

	sim.Inject(apitest.Fault{Kind: apitest.FaultStatus500, Target: apitest.TargetTask, Times: 2})
	sim.Inject(apitest.Fault{Kind: apitest.FaultStatus429, Target: apitest.TargetAPI, RetryAfter: 1500 * time.Millisecond})
	var got []int
	for range 4 {
		got = append(got, query(t, hc, sim, id).status)
	}
	if fmt.Sprint(got) != "[500 500 429 200]" {
		t.Errorf("statuses %v", got)
	}

	sim.Inject(apitest.Fault{Kind: apitest.FaultStatus429, Target: apitest.TargetTask, RetryAfter: 1500 * time.Millisecond})
	if a := query(t, hc, sim, id); a.header.Get("Retry-After") != "2" {
		t.Errorf("Retry-After %q, want whole seconds rounded up", a.header.Get("Retry-After"))
	}

	sim.Inject(apitest.Fault{Kind: apitest.FaultStatus500, Target: apitest.TargetCreate, Times: -1})
	for range 3 {
		if a := create(t, hc, sim, `{"model":"m","prompt":"p"}`); a.status != 500 {
			t.Errorf("create: %d", a.status)
		}
	}
	if a := query(t, hc, sim, id); a.status != 200 {
		t.Errorf("a create fault hit a query: %d", a.status)
	}
	sim.ClearFaults()
	if a := create(t, hc, sim, `{"model":"m","prompt":"p"}`); a.status != 200 {
		t.Errorf("after ClearFaults: %d", a.status)
	}

	// Range-only faults wait for a Range request; file faults never hit the API.
	sim.Inject(apitest.Fault{Kind: apitest.FaultIgnoreRange, Target: apitest.TargetFiles})
	sim.Inject(apitest.Fault{Kind: apitest.FaultTruncate, Target: apitest.TargetTask})
	sim.SetOutcome(id, client.StatusSuccess)
	u := query(t, hc, sim, id).json(t)["data"].([]any)[0].(map[string]any)["url"].(string)
	if a := do(t, hc, http.MethodGet, u, "", ""); a.status != 200 || sim.PendingFaults() != 2 {
		t.Errorf("plain GET: %d, pending %d", a.status, sim.PendingFaults())
	}
	if a := do(t, hc, http.MethodGet, u, "", "", "Range", "bytes=10-"); a.status != 200 || sim.PendingFaults() != 1 {
		t.Errorf("ranged GET with IgnoreRange: %d, pending %d", a.status, sim.PendingFaults())
	}
	if apitest.FaultTrickle.String() != "Trickle" || apitest.FaultKind(99).String() != "FaultKind(99)" {
		t.Error("FaultKind.String")
	}
}

func TestAPIFaults(t *testing.T) {
	t.Parallel()
	sim := newSim(t, apitest.Config{})
	hc := httpClient(t)

	sim.Inject(apitest.Fault{Kind: apitest.FaultMalformedJSON, Target: apitest.TargetCreate})
	if a := create(t, hc, sim, `{"model":"m","prompt":"p"}`); a.status != 200 || json.Valid(a.body) {
		t.Errorf("malformed: %d %s", a.status, a.body)
	}
	sim.Inject(apitest.Fault{Kind: apitest.FaultOversizedJSON, Target: apitest.TargetTask})
	ids := sim.TaskIDs()
	if a := query(t, hc, sim, ids[0]); a.status != 200 || len(a.body) <= 1<<20 || !json.Valid(a.body) {
		t.Errorf("oversized: %d, %d bytes", a.status, len(a.body))
	}
	sim.Inject(apitest.Fault{Kind: apitest.FaultHTMLPage, Target: apitest.TargetTask})
	if a := query(t, hc, sim, ids[0]); a.status != 200 || !bytes.HasPrefix(a.body, []byte("<!DOCTYPE html>")) {
		t.Errorf("HTML page: %d %s", a.status, a.body)
	}
	sim.Inject(apitest.Fault{Kind: apitest.FaultNotJSON, Target: apitest.TargetAPI})
	if a := query(t, hc, sim, ids[0]); a.status != 200 || json.Valid(a.body) || len(a.body) == 0 {
		t.Errorf("not JSON: %d %q", a.status, a.body)
	}
	if a := query(t, hc, sim, ids[0]); a.status != 200 || !json.Valid(a.body) {
		t.Errorf("after the faults: %d %s", a.status, a.body)
	}

	sim.Inject(apitest.Fault{Kind: apitest.FaultDropAfterRead, Target: apitest.TargetCreate})
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, sim.URL()+"/video/v1/generations", strings.NewReader(`{"model":"m","prompt":"dropped"}`))
	req.Header.Set("Authorization", "Bearer "+sim.Key())
	if resp, err := hc.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("the dropped create got an answer")
	}
	ids = sim.TaskIDs()
	if len(ids) != 2 {
		t.Fatalf("tasks %v", ids)
	}
	if got, _ := sim.Task(ids[1]); got.Prompt != "dropped" {
		t.Errorf("the dropped create was not recorded: %+v", got)
	}
}

func TestCloseEndsSlowRequests(t *testing.T) {
	t.Parallel()
	sim := apitest.New(apitest.Config{})
	hc := httpClient(t)
	id := sim.AddTask(client.CreateRequest{Model: "m", Prompt: "p"})
	sim.Inject(apitest.Fault{Kind: apitest.FaultSlow, Target: apitest.TargetTask, Delay: time.Hour})
	errc := make(chan error, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodGet, sim.URL()+"/video/v1/tasks/"+id, nil)
		req.Header.Set("Authorization", "Bearer "+sim.Key())
		resp, err := hc.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		errc <- err
	}()
	for sim.Counts().Task == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	closed := make(chan struct{})
	go func() { sim.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close hung on a delayed request")
	}
	if err := <-errc; err == nil {
		t.Error("the delayed request got an answer")
	}
	sim.Close() // twice is fine
}

func TestPaddingAndIssuedURLs(t *testing.T) {
	t.Parallel()
	padded := newSim(t, apitest.Config{Padding: 1 << 20})
	big := padded.VideoBytes(padded.AddTask(client.CreateRequest{Model: "m", Prompt: "p"}), 0)
	if len(big) <= 1<<20 || len(big) > 1<<20+100<<10 { // the test videos are under 100 KiB
		t.Errorf("padded video is %d bytes, want 1 MiB more than a test video", len(big))
	}
	if types := boxes(t, big); types[0] != "ftyp" || types[len(types)-1] != "free" {
		t.Errorf("the padded video is not a well-formed MP4: %v", types)
	}

	if got := padded.IssuedURLs(); len(got) != 0 {
		t.Errorf("URLs issued before any query: %v", got)
	}
	hc := httpClient(t)
	_, u := successURL(t, padded, hc)
	if got := padded.IssuedURLs(); len(got) != 1 || got[0] != u {
		t.Errorf("IssuedURLs = %v, want [%s]", got, u)
	}
	if a := do(t, hc, http.MethodGet, u, "", ""); a.status != 200 || !bytes.Equal(a.body[:8], big[:8]) || len(a.body) < 1<<20 {
		t.Errorf("download of a padded video: %d, %d bytes", a.status, len(a.body))
	}
}

func TestStatus404AndEchoFaults(t *testing.T) {
	t.Parallel()
	sim := newSim(t, apitest.Config{})
	hc := httpClient(t)
	id, u := successURL(t, sim, hc)

	sim.Inject(apitest.Fault{Kind: apitest.FaultStatus404, Target: apitest.TargetTask})
	if a := query(t, hc, sim, id); a.status != 404 || a.errorCode(t) != "task_not_found" {
		t.Errorf("404 fault: %d %s", a.status, a.body)
	}
	if a := query(t, hc, sim, id); a.status != 200 {
		t.Errorf("after the 404 fault: %d", a.status)
	}

	sim.Inject(apitest.Fault{Kind: apitest.FaultEchoRequest, Target: apitest.TargetTask})
	a := query(t, hc, sim, id)
	if a.status != 400 || !strings.Contains(string(a.body), "Bearer "+sim.Key()) || !strings.Contains(string(a.body), id) {
		t.Errorf("echo fault on the API: %d %s", a.status, a.body)
	}
	sim.Inject(apitest.Fault{Kind: apitest.FaultEchoRequest, Target: apitest.TargetFiles})
	parsed, _ := url.Parse(u)
	a = do(t, hc, http.MethodGet, u, "", "")
	if a.status != 400 || !strings.Contains(string(a.body), parsed.Query().Get("sig")) {
		t.Errorf("echo fault on the file host: %d %s", a.status, a.body)
	}
	if apitest.FaultStatus404.String() != "Status404" || apitest.FaultEchoRequest.String() != "EchoRequest" {
		t.Error("FaultKind.String")
	}
}
