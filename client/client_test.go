package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/client/apitest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fast is a simulator timing that keeps tests quick.
var fast = apitest.Config{PendingFor: 50 * time.Millisecond, RunningFor: 100 * time.Millisecond}

func newSim(t *testing.T, cfg apitest.Config) *apitest.Sim {
	t.Helper()
	sim := apitest.New(cfg)
	t.Cleanup(sim.Close)
	return sim
}

func newClient(t *testing.T, baseURL string, opts ...client.Option) *client.Client {
	t.Helper()
	c, err := client.New(baseURL, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	return c
}

func simClient(t *testing.T, sim *apitest.Sim, opts ...client.Option) *client.Client {
	t.Helper()
	return newClient(t, sim.URL(), append([]client.Option{client.WithAPIKey(sim.Key())}, opts...)...)
}

var basicRequest = client.CreateRequest{Model: "wan2.1-t2v-turbo", Prompt: "a lighthouse at dusk"}

func TestNewValidatesBaseURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"", client.DefaultBaseURL, true},
		{"https://51kik.com/", "https://51kik.com", true},
		{"HTTPS://api.example.com/base//", "https://api.example.com/base", true},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080", true},
		{"http://127.8.9.10", "http://127.8.9.10", true},
		{"http://localhost:1234/", "http://localhost:1234", true},
		{"http://[::1]:99", "http://[::1]:99", true},
		{"http://example.com", "", false},
		{"http://10.0.0.1", "", false},
		{"ftp://example.com", "", false},
		{"example.com", "", false},
		{"/relative", "", false},
		{"https://", "", false},
		{"https://user:pw@example.com", "", false},
		{"https://example.com/?key=sk-1", "", false},
		{"https://example.com/#x", "", false},
		{"https://exa mple.com", "", false},
	}
	for _, tt := range tests {
		c, err := client.New(tt.in)
		if tt.ok != (err == nil) {
			t.Errorf("New(%q) error = %v, want ok=%v", tt.in, err, tt.ok)
			continue
		}
		if err != nil {
			if !errors.Is(err, client.ErrInvalidBaseURL) || !errors.Is(err, client.ErrInvalidRequest) {
				t.Errorf("New(%q): %v does not match ErrInvalidBaseURL", tt.in, err)
			}
			if strings.Contains(err.Error(), "sk-1") {
				t.Errorf("New(%q) error repeats the query: %v", tt.in, err)
			}
			continue
		}
		if c.BaseURL() != tt.want {
			t.Errorf("New(%q).BaseURL() = %q, want %q", tt.in, c.BaseURL(), tt.want)
		}
	}
}

func TestOptionsValidate(t *testing.T) {
	t.Parallel()
	bad := map[string]client.Option{
		"nil http client":     client.WithHTTPClient(nil),
		"zero create timeout": client.WithCreateTimeout(0),
		"negative timeout":    client.WithRequestTimeout(-time.Second),
		"empty user agent":    client.WithUserAgent(" "),
		"user agent newline":  client.WithUserAgent("a\nb"),
		"zero max size":       client.WithMaxDownloadSize(0),
		"key with newline":    client.WithAPIKey("sk-a\nb"),
	}
	for name, opt := range bad {
		if _, err := client.New("", opt); err == nil {
			t.Errorf("%s: New accepted it", name)
		}
	}
	c, err := client.New("", client.WithAPIKey("  sk-ok  "), client.WithHTTPClient(&http.Client{}),
		client.WithCreateTimeout(time.Second), client.WithRequestTimeout(time.Second),
		client.WithUserAgent("test/1"), client.WithMaxDownloadSize(10))
	if err != nil || !c.HasAPIKey() {
		t.Fatalf("good options: %v, key set %v", err, c != nil && c.HasAPIKey())
	}
	if s := fmt.Sprint(c); strings.Contains(s, "sk-ok") {
		t.Errorf("String() shows the key: %s", s)
	}
	c.SetAPIKey("")
	if c.HasAPIKey() {
		t.Error("SetAPIKey(\"\") should clear the key")
	}
}

func TestCreateAndQuery(t *testing.T) {
	t.Parallel()
	sim := newSim(t, apitest.Config{PendingFor: time.Hour})
	c := simClient(t, sim)
	req := client.CreateRequest{
		Model: "doubao-seedance-2", Prompt: "a cat surfing", Ratio: "16:9", Resolution: "720p", Duration: 5,
		Image:           []client.Media{{Role: "first_frame", URL: "https://img.example/cat.png"}},
		Audio:           []client.Media{{Role: "reference_audio", URL: "data:audio/mp3;base64,AAAA"}},
		UpstreamOptions: map[string]any{"seed": float64(7)},
	}
	res, err := c.Create(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if res.TaskID == "" || res.Status != client.StatusPending {
		t.Fatalf("Create = %+v", res)
	}
	got, ok := sim.Task(res.TaskID)
	if !ok {
		t.Fatal("the simulator has no such task")
	}
	if b1, b2 := mustJSON(t, got), mustJSON(t, req); b1 != b2 {
		t.Errorf("the service received %s, want %s", b1, b2)
	}
	task, err := c.Task(t.Context(), res.TaskID)
	if err != nil {
		t.Fatal(err)
	}
	if task.ID != res.TaskID || task.Status != client.StatusPending || task.Model != req.Model || task.Created == 0 || task.Completed != 0 {
		t.Errorf("Task = %+v", task)
	}
	var raw map[string]any
	if err := json.Unmarshal(task.Raw, &raw); err != nil || raw["task_id"] != res.TaskID {
		t.Errorf("Raw = %s", task.Raw)
	}
	for _, r := range sim.Log() {
		if !r.HadAuth {
			t.Errorf("%s %s went without the key", r.Method, r.Path)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestWaitUntilTerminal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		prompt   string
		want     client.Status
		wantCode string
		videos   int
	}{
		{"a calm sea", client.StatusSuccess, "", 2},
		{"a storm [fail]", client.StatusFailed, "upstream_task_failed", 0},
		{"never mind [cancel]", client.StatusCancelled, "task_cancelled", 0},
	}
	for _, tt := range tests {
		t.Run(string(tt.want), func(t *testing.T) {
			t.Parallel()
			cfg := fast
			cfg.VideosPerTask = 2
			sim := newSim(t, cfg)
			c := simClient(t, sim)
			res, err := c.Create(t.Context(), client.CreateRequest{Model: "m", Prompt: tt.prompt})
			if err != nil {
				t.Fatal(err)
			}
			var seen []client.Status
			task, err := c.Wait(t.Context(), res.TaskID, client.WaitOptions{
				Interval: 20 * time.Millisecond,
				OnUpdate: func(task *client.Task) { seen = append(seen, task.Status) },
			})
			if err != nil {
				t.Fatal(err)
			}
			if task.Status != tt.want {
				t.Fatalf("Status = %q, want %q", task.Status, tt.want)
			}
			// Polling timing varies; the order may not.
			rank := map[client.Status]int{client.StatusPending: 0, client.StatusRunning: 1, tt.want: 2}
			for i, st := range seen {
				r, ok := rank[st]
				if !ok || (i > 0 && r < rank[seen[i-1]]) || (st.Terminal() != (i == len(seen)-1)) {
					t.Fatalf("updates = %v, want pending, running, then %q", seen, tt.want)
				}
			}
			if task.Completed == 0 || task.Completed < task.Created {
				t.Errorf("completed = %d, created = %d", task.Completed, task.Created)
			}
			if len(task.URLs()) != tt.videos {
				t.Errorf("URLs = %v, want %d", task.URLs(), tt.videos)
			}
			for _, u := range task.URLs() {
				if !strings.HasPrefix(u, sim.FileHost()+"/files/"+res.TaskID+"/") || !strings.Contains(u, "sig=") {
					t.Errorf("URL %q is not a signed file-host URL", u)
				}
			}
			if strings.Contains(string(task.Raw), "sig=") {
				t.Errorf("Raw keeps a signature: %s", task.Raw)
			}
			if code := ""; task.Error != nil {
				code = task.Error.Code
				if code != tt.wantCode {
					t.Errorf("error code %q, want %q", code, tt.wantCode)
				}
			} else if tt.wantCode != "" {
				t.Errorf("no error, want %q", tt.wantCode)
			}
		})
	}
}

func TestWaitKeepsUnknownStatusUntilTerminal(t *testing.T) {
	t.Parallel()
	sim := newSim(t, apitest.Config{PendingFor: time.Hour})
	c := simClient(t, sim)
	res, err := c.Create(t.Context(), basicRequest)
	if err != nil {
		t.Fatal(err)
	}
	sim.SetOutcome(res.TaskID, "queued_upstream")
	var updates atomic.Int32
	task, err := c.Wait(t.Context(), res.TaskID, client.WaitOptions{
		Interval: 10 * time.Millisecond,
		OnUpdate: func(task *client.Task) {
			if updates.Add(1) == 1 {
				if task.Status != "queued_upstream" {
					t.Errorf("first status %q, want the unknown one kept", task.Status)
				}
				sim.SetOutcome(res.TaskID, client.StatusSuccess)
			}
		},
	})
	if err != nil || task.Status != client.StatusSuccess {
		t.Fatalf("Wait = %+v, %v", task, err)
	}
}

func TestWaitCancelledByContext(t *testing.T) {
	t.Parallel()
	t.Run("between queries", func(t *testing.T) {
		t.Parallel()
		sim := newSim(t, apitest.Config{PendingFor: time.Hour})
		c := simClient(t, sim)
		res, err := c.Create(t.Context(), basicRequest)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		// The interval is an hour: Wait only comes back if it watches ctx.
		task, err := waitWithin(t, func() (*client.Task, error) {
			return c.Wait(ctx, res.TaskID, client.WaitOptions{Interval: time.Hour, OnUpdate: func(*client.Task) { cancel() }})
		})
		if !errors.Is(err, context.Canceled) || task != nil {
			t.Fatalf("Wait = %v, %v; want context.Canceled", task, err)
		}
	})
	t.Run("during a slow query", func(t *testing.T) {
		t.Parallel()
		sim := newSim(t, apitest.Config{PendingFor: time.Hour})
		c := simClient(t, sim)
		res, err := c.Create(t.Context(), basicRequest)
		if err != nil {
			t.Fatal(err)
		}
		sim.Inject(apitest.Fault{Kind: apitest.FaultSlow, Target: apitest.TargetTask, Delay: time.Hour})
		ctx, cancel := context.WithCancel(t.Context())
		go func() {
			for sim.Counts().Task == 0 {
				time.Sleep(5 * time.Millisecond)
			}
			cancel()
		}()
		_, err = waitWithin(t, func() (*client.Task, error) {
			return c.Wait(ctx, res.TaskID, client.WaitOptions{Interval: time.Hour})
		})
		if err != context.Canceled { // exactly ctx.Err(), not a transport error
			t.Fatalf("err = %#v, want context.Canceled itself", err)
		}
	})
}

// waitWithin runs fn and fails the test if it does not return within 10 s,
// which is far longer than it needs (it shows a hang, not slowness).
func waitWithin(t *testing.T, fn func() (*client.Task, error)) (*client.Task, error) {
	t.Helper()
	type result struct {
		task *client.Task
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		task, err := fn()
		ch <- result{task, err}
	}()
	select {
	case r := <-ch:
		return r.task, r.err
	case <-time.After(10 * time.Second):
		t.Fatal("did not return after cancellation")
		return nil, nil
	}
}

func TestWrongKeyIsUnauthorized(t *testing.T) {
	t.Parallel()
	sim := newSim(t, fast)
	c := newClient(t, sim.URL(), client.WithAPIKey("sk-wrong"))
	_, err := c.Create(t.Context(), basicRequest)
	var apiErr *client.APIError
	if !client.IsUnauthorized(err) || !errors.As(err, &apiErr) || apiErr.StatusCode != 401 || apiErr.Code != "invalid_api_key" {
		t.Fatalf("Create: %v", err)
	}
	if client.IsTransient(err) || errors.Is(err, client.ErrSubmissionUncertain) {
		t.Errorf("401 is neither transient nor uncertain: %v", err)
	}
	if !strings.HasPrefix(err.Error(), "create task: HTTP 401") || !strings.Contains(err.Error(), "invalid_api_key") {
		t.Errorf("text: %q", err)
	}
	id := sim.AddTask(basicRequest)
	_, err = c.Wait(t.Context(), id, client.WaitOptions{Interval: time.Millisecond})
	if !client.IsUnauthorized(err) {
		t.Errorf("Wait: %v", err)
	}
	if n := sim.Counts().Task; n != 1 {
		t.Errorf("Wait asked %d times; a refused key should stop it at once", n)
	}
	if len(sim.TaskIDs()) != 1 {
		t.Errorf("a refused create made a task")
	}
}

func TestNoKeySendsNothing(t *testing.T) {
	t.Parallel()
	sim := newSim(t, fast)
	c := newClient(t, sim.URL())
	if c.HasAPIKey() {
		t.Fatal("HasAPIKey without a key")
	}
	_, err1 := c.Create(t.Context(), basicRequest)
	_, err2 := c.Task(t.Context(), "abc")
	_, err3 := c.Wait(t.Context(), "abc", client.WaitOptions{})
	for i, err := range []error{err1, err2, err3} {
		if !errors.Is(err, client.ErrNoAPIKey) || !client.IsUnauthorized(err) || client.IsTransient(err) {
			t.Errorf("call %d: %v", i, err)
		}
	}
	if log := sim.Log(); len(log) != 0 {
		t.Errorf("requests were sent without a key: %+v", log)
	}
	c.SetAPIKey(sim.Key())
	if _, err := c.Create(t.Context(), basicRequest); err != nil {
		t.Errorf("after SetAPIKey: %v", err)
	}
}

func TestLocalValidationSendsNothing(t *testing.T) {
	t.Parallel()
	sim := newSim(t, fast)
	c := simClient(t, sim)
	for _, req := range []client.CreateRequest{{Prompt: "p"}, {Model: "m"}, {Model: "m", Prompt: " \n "}} {
		if _, err := c.Create(t.Context(), req); !errors.Is(err, client.ErrInvalidRequest) {
			t.Errorf("Create(%+v) = %v", req, err)
		}
	}
	for _, id := range []string{"", "  ", strings.Repeat("x", 201), "a\nb", "tab\there"} {
		if _, err := c.Task(t.Context(), id); !errors.Is(err, client.ErrInvalidRequest) {
			t.Errorf("Task(%q) = %v", id, err)
		}
	}
	if log := sim.Log(); len(log) != 0 {
		t.Errorf("invalid requests were sent: %+v", log)
	}
}

func TestTaskIDIsEscaped(t *testing.T) {
	t.Parallel()
	got := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.RequestURI
		w.Write([]byte(`{"task_status":"running"}`))
	}))
	t.Cleanup(srv.Close)
	c := newClient(t, srv.URL, client.WithAPIKey("sk-test"))
	task, err := c.Task(t.Context(), "../a/b?c#d")
	if err != nil {
		t.Fatal(err)
	}
	if uri := <-got; uri != "/video/v1/tasks/..%2Fa%2Fb%3Fc%23d" {
		t.Errorf("requested %q", uri)
	}
	if task.ID != "../a/b?c#d" {
		t.Errorf("ID = %q, want the requested id when the answer has none", task.ID)
	}
}

func TestSetAPIKeyConcurrently(t *testing.T) {
	t.Parallel()
	sim := newSim(t, fast)
	c := simClient(t, sim)
	id := sim.AddTask(basicRequest)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for j := range 5 {
				if (i+j)%2 == 0 {
					c.SetAPIKey(sim.Key())
				} else {
					_ = c.HasAPIKey()
				}
				c.Task(t.Context(), id)
			}
		})
	}
	wg.Wait()
	if _, err := c.Task(t.Context(), id); err != nil {
		t.Error(err)
	}
}

func TestUnreadableAnswers(t *testing.T) {
	t.Parallel()
	details := map[apitest.FaultKind]string{
		apitest.FaultMalformedJSON: "not JSON",
		apitest.FaultOversizedJSON: "larger than 1 MiB",
		apitest.FaultHTMLPage:      "an HTML page, not a task",
		apitest.FaultNotJSON:       "not JSON",
	}
	for _, kind := range []apitest.FaultKind{apitest.FaultMalformedJSON, apitest.FaultOversizedJSON, apitest.FaultHTMLPage, apitest.FaultNotJSON} {
		t.Run(fmt.Sprint(kind), func(t *testing.T) {
			t.Parallel()
			sim := newSim(t, fast)
			c := simClient(t, sim)

			sim.Inject(apitest.Fault{Kind: kind, Target: apitest.TargetCreate})
			_, err := c.Create(t.Context(), basicRequest)
			if !errors.Is(err, client.ErrMalformedResponse) || !errors.Is(err, client.ErrSubmissionUncertain) || client.IsTransient(err) {
				t.Errorf("Create: %v", err)
			}
			ids := sim.TaskIDs()
			if len(ids) != 1 {
				t.Fatalf("tasks: %v", ids)
			}

			sim.Inject(apitest.Fault{Kind: kind, Target: apitest.TargetTask})
			_, err = c.Task(t.Context(), ids[0])
			if !errors.Is(err, client.ErrMalformedResponse) || !client.IsTransient(err) {
				t.Errorf("Task: %v", err)
			}
			if cErr := (*client.Error)(nil); !errors.As(err, &cErr) || cErr.Detail != details[kind] {
				t.Errorf("Task: %v, want the detail %q", err, details[kind])
			}
			// Wait treats it as transient and carries on.
			sim.Inject(apitest.Fault{Kind: kind, Target: apitest.TargetTask})
			var retries int
			task, err := c.Wait(t.Context(), ids[0], client.WaitOptions{
				Interval: 10 * time.Millisecond,
				OnRetry:  func(error, time.Duration) { retries++ },
			})
			if err != nil || task.Status != client.StatusSuccess || retries != 1 {
				t.Errorf("Wait = %v, %v after %d retries", task, err, retries)
			}
		})
	}
}

func TestWaitHonoursRetryAfter(t *testing.T) {
	t.Parallel()
	sim := newSim(t, fast)
	c := simClient(t, sim)
	id := sim.AddTask(basicRequest)
	sim.SetOutcome(id, client.StatusSuccess)
	sim.Inject(apitest.Fault{Kind: apitest.FaultStatus429, Target: apitest.TargetTask, RetryAfter: time.Second})

	var delays []time.Duration
	task, err := c.Wait(t.Context(), id, client.WaitOptions{
		Interval: 10 * time.Millisecond,
		OnRetry: func(err error, d time.Duration) {
			if !client.IsRateLimited(err) {
				t.Errorf("retry after %v", err)
			}
			if ra, ok := client.RetryAfter(err); !ok || ra != time.Second {
				t.Errorf("RetryAfter = %v, %v", ra, ok)
			}
			delays = append(delays, d)
		},
	})
	if err != nil || task.Status != client.StatusSuccess {
		t.Fatalf("Wait = %v, %v", task, err)
	}
	if len(delays) != 1 || delays[0] < time.Second {
		t.Errorf("pauses %v, want one of at least the 1 s asked for", delays)
	}
	var at []time.Time
	for _, r := range sim.Log() {
		if r.Method == http.MethodGet {
			at = append(at, r.At)
		}
	}
	if len(at) != 2 || at[1].Sub(at[0]) < time.Second {
		t.Errorf("queries at %v; the second came before Retry-After", at)
	}
}

func TestWaitRetriesServerErrors(t *testing.T) {
	t.Parallel()
	sim := newSim(t, fast)
	c := simClient(t, sim)
	id := sim.AddTask(basicRequest)
	sim.SetOutcome(id, client.StatusSuccess)
	sim.Inject(apitest.Fault{Kind: apitest.FaultStatus500, Target: apitest.TargetAPI, Times: 3})
	var retries int
	task, err := c.Wait(t.Context(), id, client.WaitOptions{
		Interval: 5 * time.Millisecond,
		OnRetry:  func(error, time.Duration) { retries++ },
	})
	if err != nil || task.Status != client.StatusSuccess || retries != 3 {
		t.Fatalf("Wait = %v, %v after %d retries", task, err, retries)
	}
	if n := sim.Counts().Task; n != 4 {
		t.Errorf("%d queries, want 4", n)
	}
	if _, err := c.Wait(t.Context(), "no-such-task", client.WaitOptions{Interval: time.Millisecond}); !client.IsNotFound(err) {
		t.Errorf("unknown task: %v", err)
	}
}

func TestCreateIsNeverRetried(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		fault      apitest.Fault
		uncertain  bool
		transient  bool
		wantStatus int
		wantTasks  int
	}{
		{"500", apitest.Fault{Kind: apitest.FaultStatus500}, false, true, 500, 0},
		{"429", apitest.Fault{Kind: apitest.FaultStatus429, RetryAfter: time.Second}, false, true, 429, 0},
		{"dropped after read", apitest.Fault{Kind: apitest.FaultDropAfterRead}, true, false, 0, 1},
		{"no answer in time", apitest.Fault{Kind: apitest.FaultSlow, Delay: time.Hour}, true, false, 0, 1},
		{"malformed", apitest.Fault{Kind: apitest.FaultMalformedJSON}, true, false, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sim := newSim(t, fast)
			c := simClient(t, sim, client.WithCreateTimeout(200*time.Millisecond))
			tt.fault.Target = apitest.TargetCreate
			sim.Inject(tt.fault)
			_, err := c.Create(t.Context(), basicRequest)
			if err == nil {
				t.Fatal("Create succeeded")
			}
			if n := sim.Counts().Create; n != 1 {
				t.Errorf("the service received %d creates, want exactly 1", n)
			}
			if n := len(sim.TaskIDs()); n != tt.wantTasks {
				t.Errorf("%d tasks made, want %d", n, tt.wantTasks)
			}
			if got := errors.Is(err, client.ErrSubmissionUncertain); got != tt.uncertain {
				t.Errorf("uncertain = %v, want %v: %v", got, tt.uncertain, err)
			}
			if got := client.IsTransient(err); got != tt.transient {
				t.Errorf("transient = %v, want %v: %v", got, tt.transient, err)
			}
			var apiErr *client.APIError
			if tt.wantStatus != 0 && (!errors.As(err, &apiErr) || apiErr.StatusCode != tt.wantStatus) {
				t.Errorf("want HTTP %d: %v", tt.wantStatus, err)
			}
			if tt.uncertain && !strings.HasPrefix(err.Error(), "create task: submission uncertain") {
				t.Errorf("text: %q", err)
			}
		})
	}
}

func TestCreateCancelledAfterSendingIsUncertain(t *testing.T) {
	t.Parallel()
	sim := newSim(t, fast)
	c := simClient(t, sim)
	sim.Inject(apitest.Fault{Kind: apitest.FaultSlow, Target: apitest.TargetCreate, Delay: time.Hour})
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		for len(sim.TaskIDs()) == 0 {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	_, err := c.Create(ctx, basicRequest)
	if !errors.Is(err, context.Canceled) || !errors.Is(err, client.ErrSubmissionUncertain) {
		t.Fatalf("err = %v, want both context.Canceled and uncertain", err)
	}
}

func TestCreateRefusedConnectionIsNotUncertain(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	c := newClient(t, "http://"+addr, client.WithAPIKey("sk-test"))
	_, err = c.Create(t.Context(), basicRequest)
	if err == nil || errors.Is(err, client.ErrSubmissionUncertain) || !client.IsTransient(err) {
		t.Fatalf("err = %v, want transient and not uncertain", err)
	}
	if err.Error() != "create task: unreachable: the connection was refused" {
		t.Errorf("text: %q", err)
	}
}

func TestRedirects(t *testing.T) {
	t.Parallel()
	var otherHits atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		otherHits.Add(1)
		w.Write([]byte(`{"task_id":"x","task_status":"success"}`))
	}))
	t.Cleanup(other.Close)
	_, otherPort, _ := net.SplitHostPort(other.Listener.Addr().String())

	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/video/v1/tasks/cross-host":
			http.Redirect(w, r, "http://localhost:"+otherPort+"/steal", http.StatusFound)
		case "/video/v1/tasks/odd-scheme":
			http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
		case "/video/v1/tasks/same-host":
			http.Redirect(w, r, "/v2/tasks/same-host", http.StatusMovedPermanently)
		case "/v2/tasks/same-host":
			if r.Header.Get("Authorization") != "Bearer sk-test" {
				w.WriteHeader(401)
				return
			}
			w.Write([]byte(`{"task_id":"same-host","task_status":"running"}`))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(api.Close)
	c := newClient(t, api.URL, client.WithAPIKey("sk-test"))

	for _, id := range []string{"cross-host", "odd-scheme"} {
		_, err := c.Task(t.Context(), id)
		if !errors.Is(err, client.ErrRedirectRefused) || client.IsTransient(err) {
			t.Errorf("%s: %v", id, err)
		}
		if strings.Contains(err.Error(), "steal") || strings.Contains(err.Error(), "passwd") {
			t.Errorf("%s: the text names the target path: %q", id, err)
		}
	}
	if n := otherHits.Load(); n != 0 {
		t.Errorf("the other host was contacted %d times", n)
	}
	task, err := c.Task(t.Context(), "same-host")
	if err != nil || task.Status != client.StatusRunning {
		t.Errorf("same-host redirect: %v, %v", task, err)
	}
}

func TestRedirectFromHTTPSToHTTPRefused(t *testing.T) {
	t.Parallel()
	secure := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Same host and port; only the scheme drops to http.
		u := url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path}
		http.Redirect(w, r, u.String(), http.StatusTemporaryRedirect)
	}))
	t.Cleanup(secure.Close)
	hc := secure.Client()
	c := newClient(t, secure.URL, client.WithAPIKey("sk-test"), client.WithHTTPClient(hc))
	_, err := c.Task(t.Context(), "x")
	var cerr *client.Error
	if !errors.Is(err, client.ErrRedirectRefused) || !errors.As(err, &cerr) || cerr.Code != client.CodeRedirectInsecure {
		t.Fatalf("err = %v", err)
	}
	if hc.CheckRedirect != nil {
		t.Error("WithHTTPClient changed the caller's client")
	}
}

// A canary key that the test server echoes back in every way it can: none
// of it may reach an error text.
func TestErrorsNeverShowKeyOrSignedQuery(t *testing.T) {
	t.Parallel()
	const canary = "sk-canary-7f3a9b2c4d5e6f708192"
	const signed = "https://cdn.example/v.mp4?X-Amz-Signature=topsecret&expires=1"
	echo := func(r *http.Request) string {
		return "key " + strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ") + " rejected; header " +
			r.Header.Get("Authorization") + "; see " + signed
	}
	var mode atomic.Value
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch m := mode.Load().(string); m {
		case "json":
			w.WriteHeader(401)
			json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": canary, "message": echo(r)}})
		case "text":
			w.WriteHeader(500)
			io.WriteString(w, echo(r))
		case "string":
			w.WriteHeader(400)
			json.NewEncoder(w).Encode(map[string]any{"error": echo(r)})
		case "message":
			w.WriteHeader(429)
			json.NewEncoder(w).Encode(map[string]any{"message": echo(r)})
		case "garbage":
			io.WriteString(w, "{"+echo(r))
		case "drop":
			conn, _, _ := http.NewResponseController(w).Hijack()
			conn.Close()
		}
	}))
	t.Cleanup(api.Close)
	c := newClient(t, api.URL, client.WithAPIKey(canary), client.WithRequestTimeout(time.Second))

	var errs []error
	for _, m := range []string{"json", "text", "string", "message", "garbage", "drop"} {
		mode.Store(m)
		_, err := c.Create(t.Context(), basicRequest)
		errs = append(errs, err)
		_, err = c.Task(t.Context(), "t-1")
		errs = append(errs, err)
	}
	_, err := c.Download(t.Context(), api.URL+"/files/x.mp4?sig="+canary, t.TempDir()+"/x.part", client.DownloadOptions{})
	errs = append(errs, err)
	_, err = c.Download(t.Context(), "ftp://h/x?sig="+canary, t.TempDir()+"/x.part", client.DownloadOptions{})
	errs = append(errs, err)

	for i, err := range errs {
		if err == nil {
			t.Errorf("call %d succeeded", i)
			continue
		}
		for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
			if strings.Contains(text, canary) || strings.Contains(text, "canary") ||
				strings.Contains(text, "topsecret") || strings.Contains(text, "X-Amz") {
				t.Errorf("call %d leaks a secret: %s", i, text)
			}
		}
	}
	var apiErr *client.APIError
	if !errors.As(errs[0], &apiErr) || apiErr.Code != "***" || !strings.Contains(apiErr.Message, "https://cdn.example/v.mp4") {
		t.Errorf("sanitised fields: %+v", apiErr)
	}
}

func TestCreateGatewayTimeoutIsUncertain(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status    int
		uncertain bool
	}{{502, true}, {504, true}, {503, false}, {400, false}}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			t.Parallel()
			var hits atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				w.WriteHeader(tt.status)
			}))
			t.Cleanup(srv.Close)
			c := newClient(t, srv.URL, client.WithAPIKey("sk-test"))
			_, err := c.Create(t.Context(), basicRequest)
			var apiErr *client.APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != tt.status {
				t.Fatalf("err = %v", err)
			}
			if got := errors.Is(err, client.ErrSubmissionUncertain); got != tt.uncertain {
				t.Errorf("uncertain = %v: %v", got, err)
			}
			if tt.uncertain && client.IsTransient(err) {
				t.Errorf("an uncertain create must not look retryable: %v", err)
			}
			if n := hits.Load(); n != 1 {
				t.Errorf("%d creates sent", n)
			}
		})
	}
}

func TestSetBaseURLSwitchesServerKeepingKey(t *testing.T) {
	t.Parallel()
	first := apitest.New(fast)
	t.Cleanup(first.Close)
	second := apitest.New(fast)
	t.Cleanup(second.Close)
	c, err := client.New(first.URL(), client.WithAPIKey(first.Key()))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetBaseURL("http://example.com"); err == nil || c.BaseURL() != first.URL() {
		t.Fatalf("an unsafe server was accepted (%v) or changed the client (%s)", err, c.BaseURL())
	}
	if err := c.SetBaseURL(second.URL() + "/"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(t.Context(), client.CreateRequest{Model: "m", Prompt: "p"}); err != nil {
		t.Fatal(err)
	}
	if first.Counts().Create != 0 || second.Counts().Create != 1 {
		t.Errorf("creates: first %d, second %d; want 0 and 1", first.Counts().Create, second.Counts().Create)
	}
}

// TestConcurrentQueriesReuseConnections: queries made several at a time,
// as the tracker makes them, go over kept-alive connections instead of
// opening new ones each round.
func TestConcurrentQueriesReuseConnections(t *testing.T) {
	t.Parallel()
	sim := newSim(t, apitest.Config{PendingFor: time.Hour})
	c := simClient(t, sim)
	const parallel, rounds = 8, 25
	ids := make([]string, parallel)
	for i := range ids {
		ids[i] = sim.AddTask(basicRequest)
	}
	var dials atomic.Int64
	ctx := httptrace.WithClientTrace(t.Context(), &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
		if !info.Reused {
			dials.Add(1)
		}
	}})
	for range rounds {
		var wg sync.WaitGroup
		for _, id := range ids {
			wg.Go(func() {
				if _, err := c.Task(ctx, id); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
	if n := dials.Load(); n > 2*parallel {
		t.Fatalf("%d queries in rounds of %d opened %d connections, want at most %d", parallel*rounds, parallel, n, 2*parallel)
	}
}

// TestTaskFailsLikeOtherQueries checks that Task is sent through the same
// request helper as the other queries: the same query timeout (also while
// the body is read), redirect rules, answer-size limit and redaction.
func TestTaskFailsLikeOtherQueries(t *testing.T) {
	t.Parallel()
	const key = "sk-task-helper-canary-0123456789"
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    []error
		code    client.Code
		detail  string
	}{
		{
			name: "no answer within the query timeout",
			handler: func(w http.ResponseWriter, r *http.Request) {
				<-r.Context().Done()
			},
			want:   []error{client.ErrTransient},
			code:   client.CodeUnreachable,
			detail: "no answer within 200ms",
		},
		{
			name: "body stalls within the query timeout",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Length", "1000")
				io.WriteString(w, `{"task_id":"abc",`)
				http.NewResponseController(w).Flush()
				<-r.Context().Done()
			},
			want:   []error{client.ErrTransient},
			code:   client.CodeUnreachable,
			detail: "no answer within 200ms",
		},
		{
			name: "redirect to another host",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "http://other.invalid/video/v1/tasks/abc", http.StatusFound)
			},
			want: []error{client.ErrRedirectRefused},
			code: client.CodeRedirectHost,
		},
		{
			name: "answer over 1 MiB",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, `{"task_id":"abc","padding":"`+strings.Repeat("x", 1<<20)+`"}`)
			},
			want: []error{client.ErrMalformedResponse},
			code: client.CodeMalformed,
		},
		{
			name: "error quoting the key",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprintf(w, `{"error":{"code":"bad","message":"bad request (Authorization: %s)"}}`, r.Header.Get("Authorization"))
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(tt.handler)
			t.Cleanup(srv.Close)
			c := newClient(t, srv.URL, client.WithAPIKey(key), client.WithRequestTimeout(200*time.Millisecond))
			_, err := c.Task(t.Context(), "abc")
			if err == nil {
				t.Fatal("Task succeeded")
			}
			for _, w := range tt.want {
				if !errors.Is(err, w) {
					t.Errorf("Task error %v does not match %v", err, w)
				}
			}
			var e *client.Error
			if tt.code != "" && (!errors.As(err, &e) || e.Code != tt.code) {
				t.Errorf("Task error %#v, want code %q", err, tt.code)
			}
			if e != nil && !strings.Contains(e.Detail, tt.detail) {
				t.Errorf("Task error detail %q, want %q in it", e.Detail, tt.detail)
			}
			if strings.Contains(fmt.Sprintf("%v %+v %#v", err, err, err), key) {
				t.Errorf("Task error shows the key: %v", err)
			}
		})
	}
}

// TestTaskReturnsCallerContextError checks that a Task cancelled by its
// caller while waiting for the answer ends with the context's error.
func TestTaskReturnsCallerContextError(t *testing.T) {
	t.Parallel()
	arrived := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	c := newClient(t, srv.URL, client.WithAPIKey("sk-task-helper-0123456789"))
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		<-arrived
		cancel()
	}()
	_, err := c.Task(ctx, "abc")
	if !errors.Is(err, context.Canceled) || errors.Is(err, client.ErrTransient) {
		t.Fatalf("Task error = %v, want context.Canceled alone", err)
	}
}
