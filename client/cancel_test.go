package client_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/client/apitest"
)

// pendingLong keeps new tasks pending for the whole test.
var pendingLong = apitest.Config{PendingFor: time.Hour, RunningFor: time.Hour}

func TestCancelPendingTask(t *testing.T) {
	t.Parallel()
	sim := newSim(t, pendingLong)
	c := simClient(t, sim)
	res, err := c.Create(t.Context(), basicRequest)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Cancel(t.Context(), res.TaskID); err != nil {
		t.Fatalf("Cancel of a pending task: %v", err)
	}
	task, err := c.Task(t.Context(), res.TaskID)
	if err != nil {
		t.Fatal(err)
	}
	if task.Status != client.StatusCancelled {
		t.Errorf("status after Cancel = %q, want cancelled", task.Status)
	}
	if n := sim.Counts().Cancel; n != 1 {
		t.Errorf("%d cancel requests, want 1", n)
	}
	var sent *apitest.Request
	for _, r := range sim.Log() {
		if r.Method == http.MethodDelete {
			sent = &r
		}
	}
	if sent == nil || sent.Path != "/video/v1/tasks/"+res.TaskID || !sent.HadAuth {
		t.Errorf("cancel request = %+v, want DELETE on the task's URL with the key", sent)
	}
}

func TestCancelRefusedIsCannotCancel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		cfg    apitest.Config
		state  client.Status // forced on the task; "" leaves it pending
		id     string        // "" means the created task
		status int
		kind   error // the refusal it is, besides ErrCannotCancel; nil: neither
	}{
		{"running", pendingLong, client.StatusRunning, "", http.StatusConflict, client.ErrCancelTooLate},
		{"finished", pendingLong, client.StatusSuccess, "", http.StatusConflict, client.ErrCancelTooLate},
		{"failed", pendingLong, client.StatusFailed, "", http.StatusConflict, client.ErrCancelTooLate},
		{"already cancelled", pendingLong, client.StatusCancelled, "", http.StatusConflict, client.ErrCancelTooLate},
		{"unknown task", pendingLong, "", "no-such-task", http.StatusNotFound, nil},
		{"no cancel on the service", apitest.Config{PendingFor: time.Hour, NoCancel: true}, "", "", http.StatusMethodNotAllowed, client.ErrCancelUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sim := newSim(t, tt.cfg)
			c := simClient(t, sim)
			id := tt.id
			if id == "" {
				id = sim.AddTask(basicRequest)
			}
			if tt.state != "" {
				sim.SetOutcome(id, tt.state)
			}
			err := c.Cancel(t.Context(), id)
			if !errors.Is(err, client.ErrCannotCancel) {
				t.Fatalf("Cancel = %v, want ErrCannotCancel", err)
			}
			var cErr *client.Error
			if !errors.As(err, &cErr) || cErr.Op != client.OpCancel || cErr.Code != client.CodeCannotCancel {
				t.Errorf("error = %#v, want an *Error of OpCancel with CodeCannotCancel", err)
			}
			var apiErr *client.APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != tt.status {
				t.Errorf("status fact = %v, want HTTP %d", err, tt.status)
			}
			if !strings.Contains(err.Error(), "HTTP ") {
				t.Errorf("error text %q does not give the status", err)
			}
			if client.IsTransient(err) || client.IsUnauthorized(err) {
				t.Errorf("a refused cancel is neither transient nor a key problem: %v", err)
			}
			for _, k := range []error{client.ErrCancelTooLate, client.ErrCancelUnsupported} {
				if errors.Is(err, k) != (k == tt.kind) {
					t.Errorf("errors.Is(%v, %v) = %v", err, k, !(k == tt.kind))
				}
			}
		})
	}
}

func TestCancelKeyAndFaults(t *testing.T) {
	t.Parallel()
	sim := newSim(t, pendingLong)
	id := sim.AddTask(basicRequest)

	wrong := newClient(t, sim.URL(), client.WithAPIKey("sk-wrong"))
	if err := wrong.Cancel(t.Context(), id); !client.IsUnauthorized(err) || errors.Is(err, client.ErrCannotCancel) {
		t.Errorf("Cancel with a wrong key = %v, want unauthorized", err)
	}

	none := newClient(t, sim.URL())
	before := sim.Counts().Cancel
	if err := none.Cancel(t.Context(), id); !errors.Is(err, client.ErrNoAPIKey) {
		t.Errorf("Cancel without a key = %v, want ErrNoAPIKey", err)
	}
	if sim.Counts().Cancel != before {
		t.Error("Cancel without a key sent a request")
	}

	c := simClient(t, sim)
	err := c.Cancel(t.Context(), " ")
	var cErr *client.Error
	if !errors.Is(err, client.ErrInvalidRequest) || !errors.As(err, &cErr) || cErr.Op != client.OpCancel {
		t.Errorf("Cancel of an empty id = %v, want ErrInvalidRequest of OpCancel", err)
	}

	sim.Inject(apitest.Fault{Kind: apitest.FaultStatus500, Target: apitest.TargetCancel})
	err = c.Cancel(t.Context(), id)
	if !client.IsTransient(err) || errors.Is(err, client.ErrCannotCancel) {
		t.Fatalf("Cancel answered 500 = %v, want a transient error", err)
	}
	if task, _ := c.Task(t.Context(), id); task == nil || task.Status != client.StatusPending {
		t.Fatalf("after a failed cancel the task is %+v, want still pending", task)
	}
	sim.Inject(apitest.Fault{Kind: apitest.FaultStatus429, Target: apitest.TargetAPI, RetryAfter: 3 * time.Second})
	err = c.Cancel(t.Context(), id)
	if ra, ok := client.RetryAfter(err); !client.IsRateLimited(err) || !ok || ra != 3*time.Second {
		t.Fatalf("Cancel answered 429 = %v, want rate limited with Retry-After 3 s", err)
	}
	sim.Inject(apitest.Fault{Kind: apitest.FaultEchoRequest, Target: apitest.TargetCancel})
	err = c.Cancel(t.Context(), id)
	if err == nil || strings.Contains(err.Error(), sim.Key()) {
		t.Fatalf("Cancel against a server that echoes the key = %v", err)
	}
	if err := c.Cancel(t.Context(), id); err != nil {
		t.Fatalf("Cancel once the faults are gone: %v", err)
	}
}

func TestCancelReadsAnswersLiberally(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		handler    http.HandlerFunc
		cannot     bool
		wantDetail string
		kind       error // besides ErrCannotCancel, when cannot
	}{
		{"204", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }, false, "", nil},
		{"200 empty", func(w http.ResponseWriter, r *http.Request) {}, false, "", nil},
		{"200 text", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }, false, "", nil},
		{"200 cancelled", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"task_id":"t1","task_status":"cancelled"}`)
		}, false, "", nil},
		{"200 already done", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"task_id":"t1","task_status":"success","data":[]}`)
		}, true, "task success", client.ErrCancelTooLate},
		{"redirected to a GET", func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodDelete {
				http.Redirect(w, r, "/elsewhere", http.StatusFound)
				return
			}
			io.WriteString(w, `{"task_id":"t1","task_status":"running"}`)
		}, true, "redirected to a GET", nil},
		{"409 plain text", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "task is running", http.StatusConflict)
		}, true, "HTTP 409", client.ErrCancelTooLate},
		{"501 not implemented", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "not implemented", http.StatusNotImplemented)
		}, true, "HTTP 501", client.ErrCancelUnsupported},
		{"405 plain text", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		}, true, "HTTP 405", client.ErrCancelUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(tt.handler)
			t.Cleanup(srv.Close)
			c := newClient(t, srv.URL, client.WithAPIKey("sk-test"))
			err := c.Cancel(t.Context(), "t1")
			if !tt.cannot {
				if err != nil {
					t.Fatalf("Cancel = %v, want nil", err)
				}
				return
			}
			var cErr *client.Error
			if !errors.Is(err, client.ErrCannotCancel) || !errors.As(err, &cErr) || cErr.Detail != tt.wantDetail {
				t.Fatalf("Cancel = %v, want ErrCannotCancel with detail %q", err, tt.wantDetail)
			}
			if tt.kind != nil && !errors.Is(err, tt.kind) {
				t.Errorf("Cancel = %v, want it to match %v", err, tt.kind)
			}
			if client.IsTransient(err) {
				t.Errorf("a refused cancel is not transient: %v", err)
			}
		})
	}
}

func TestCancelStopsWithContext(t *testing.T) {
	t.Parallel()
	sim := newSim(t, pendingLong)
	id := sim.AddTask(basicRequest)
	sim.Inject(apitest.Fault{Kind: apitest.FaultSlow, Target: apitest.TargetCancel, Delay: time.Hour})
	c := simClient(t, sim)
	ctx, cancel := context.WithCancel(t.Context())
	go func() {
		for sim.Counts().Cancel == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	if err := c.Cancel(ctx, id); !errors.Is(err, context.Canceled) {
		t.Fatalf("Cancel with a cancelled context = %v, want context.Canceled", err)
	}

	// The slow answer above came after the task was cancelled; this one
	// is about another task.
	short := simClient(t, sim, client.WithRequestTimeout(50*time.Millisecond))
	sim.Inject(apitest.Fault{Kind: apitest.FaultSlow, Target: apitest.TargetCancel, Delay: time.Hour})
	if err := short.Cancel(t.Context(), sim.AddTask(basicRequest)); !client.IsTransient(err) {
		t.Fatalf("Cancel past its time limit = %v, want a transient error", err)
	}
}
