package client_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/client/apitest"
)

func TestCheckKeyWithSimulator(t *testing.T) {
	t.Parallel()
	sim := newSim(t, fast)

	if err := simClient(t, sim).CheckKey(t.Context()); err != nil {
		t.Fatalf("CheckKey with the right key = %v, want nil", err)
	}
	log := sim.Log()
	if len(log) != 1 || log[0].Method != http.MethodGet || !log[0].HadAuth ||
		log[0].Path != "/video/v1/tasks/00000000-0000-0000-0000-000000000000" {
		t.Fatalf("CheckKey sent %+v, want one query for a task that cannot exist", log)
	}
	if c := sim.Counts(); c.Create != 0 || len(sim.TaskIDs()) != 0 {
		t.Fatalf("CheckKey made a task: %+v", c)
	}

	err := newClient(t, sim.URL(), client.WithAPIKey("sk-wrong")).CheckKey(t.Context())
	if !client.IsUnauthorized(err) || errors.Is(err, client.ErrNoAPIKey) {
		t.Fatalf("CheckKey with a wrong key = %v, want refused", err)
	}
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.Op != client.OpCheckKey || apiErr.StatusCode != http.StatusUnauthorized {
		t.Errorf("refusal = %#v, want an *APIError of OpCheckKey with HTTP 401", err)
	}

	none := newClient(t, sim.URL())
	before := len(sim.Log())
	if err := none.CheckKey(t.Context()); !errors.Is(err, client.ErrNoAPIKey) {
		t.Fatalf("CheckKey without a key = %v, want ErrNoAPIKey", err)
	}
	if len(sim.Log()) != before {
		t.Error("CheckKey without a key sent a request")
	}

	sim.Inject(apitest.Fault{Kind: apitest.FaultStatus429, Target: apitest.TargetTask, RetryAfter: 2 * time.Second})
	if err := simClient(t, sim).CheckKey(t.Context()); !client.IsRateLimited(err) {
		t.Errorf("CheckKey answered 429 = %v, want rate limited", err)
	}
}

func TestCheckAPIKeyLeavesTheClientsKey(t *testing.T) {
	t.Parallel()
	sim := newSim(t, fast)
	c := newClient(t, sim.URL())
	if err := c.CheckAPIKey(t.Context(), " "+sim.Key()+"\n"); err != nil {
		t.Fatalf("CheckAPIKey with the right key = %v, want nil", err)
	}
	if err := c.CheckAPIKey(t.Context(), "sk-wrong"); !client.IsUnauthorized(err) {
		t.Fatalf("CheckAPIKey with a wrong key = %v, want refused", err)
	}
	if err := c.CheckAPIKey(t.Context(), "  "); !errors.Is(err, client.ErrNoAPIKey) {
		t.Fatalf("CheckAPIKey of nothing = %v, want ErrNoAPIKey", err)
	}
	if err := c.CheckAPIKey(t.Context(), "sk-with space"); !errors.Is(err, client.ErrInvalidRequest) {
		t.Fatalf("CheckAPIKey of an unsendable key = %v, want ErrInvalidRequest", err)
	}
	if c.HasAPIKey() {
		t.Error("CheckAPIKey set the client's key")
	}
	if got := client.RedactText("key " + sim.Key()); got != "key [redacted]" {
		t.Errorf("a checked key is not redacted from logs: %q", got)
	}
}

func TestCheckKeyUnreachable(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	err := newClient(t, url, client.WithAPIKey("sk-test")).CheckKey(t.Context())
	if err == nil || client.IsUnauthorized(err) || !client.IsTransient(err) {
		t.Fatalf("CheckKey of a closed server = %v, want a transient error", err)
	}
}

func TestCheckKeyAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		handler http.HandlerFunc
		check   func(error) bool
	}{
		{"404 json", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, `{"error":{"code":"task_not_found","message":"no such task"}}`, http.StatusNotFound)
		}, func(err error) bool { return err == nil }},
		{"404 text", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) },
			func(err error) bool { return err == nil }},
		{"200 task", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, `{"task_status":"failed"}`)
		}, func(err error) bool { return err == nil }},
		{"200 html", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, "<html>sign in to the wifi</html>")
		}, func(err error) bool { return errors.Is(err, client.ErrMalformedResponse) }},
		{"403", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "forbidden", http.StatusForbidden)
		}, client.IsUnauthorized},
		{"500", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "oops", http.StatusInternalServerError)
		}, func(err error) bool { return client.IsTransient(err) && !client.IsUnauthorized(err) }},
		{"400", func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "bad id", http.StatusBadRequest)
		}, func(err error) bool {
			var apiErr *client.APIError
			return errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusBadRequest && !client.IsUnauthorized(err)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(tt.handler)
			t.Cleanup(srv.Close)
			err := newClient(t, srv.URL, client.WithAPIKey("sk-test")).CheckKey(t.Context())
			if !tt.check(err) {
				t.Fatalf("CheckKey = %v", err)
			}
		})
	}
}
