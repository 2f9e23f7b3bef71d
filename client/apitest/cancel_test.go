package apitest_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/client/apitest"
)

func cancelTask(t *testing.T, hc *http.Client, sim *apitest.Sim, key, id string) answer {
	t.Helper()
	return do(t, hc, http.MethodDelete, sim.URL()+"/video/v1/tasks/"+url.PathEscape(id), key, "")
}

func TestCancel(t *testing.T) {
	t.Parallel()
	sim := newSim(t, apitest.Config{PendingFor: time.Hour})
	hc := httpClient(t)
	pending := sim.AddTask(client.CreateRequest{Model: "m", Prompt: "p"})
	running := sim.AddTask(client.CreateRequest{Model: "m", Prompt: "p"})
	sim.SetOutcome(running, client.StatusRunning)
	done := sim.AddTask(client.CreateRequest{Model: "m", Prompt: "p"})
	sim.SetOutcome(done, client.StatusSuccess)

	if a := cancelTask(t, hc, sim, "sk-wrong", pending); a.status != http.StatusUnauthorized {
		t.Errorf("cancel with a wrong key: %d %s", a.status, a.body)
	}
	if a := cancelTask(t, hc, sim, sim.Key(), pending); a.status != http.StatusOK || a.json(t)["task_status"] != "cancelled" {
		t.Errorf("cancel of a pending task: %d %s", a.status, a.body)
	}
	if a := query(t, hc, sim, pending); a.json(t)["task_status"] != "cancelled" {
		t.Errorf("a cancelled task reads %s", a.body)
	}
	for name, id := range map[string]string{"running": running, "finished": done, "cancelled": pending} {
		if a := cancelTask(t, hc, sim, sim.Key(), id); a.status != http.StatusConflict || a.errorCode(t) != "task_not_cancellable" {
			t.Errorf("cancel of a %s task: %d %s", name, a.status, a.body)
		}
	}
	if a := query(t, hc, sim, running); a.json(t)["task_status"] != "running" {
		t.Errorf("a refused cancel changed the task: %s", a.body)
	}
	if a := cancelTask(t, hc, sim, sim.Key(), "nope"); a.status != http.StatusNotFound {
		t.Errorf("cancel of an unknown task: %d %s", a.status, a.body)
	}
	if n := sim.Counts().Cancel; n != 6 {
		t.Errorf("Counts().Cancel = %d, want 6", n)
	}
}

func TestCancelFaultsAndNoCancel(t *testing.T) {
	t.Parallel()
	sim := newSim(t, apitest.Config{PendingFor: time.Hour})
	hc := httpClient(t)
	id := sim.AddTask(client.CreateRequest{Model: "m", Prompt: "p"})
	sim.Inject(apitest.Fault{Kind: apitest.FaultStatus500, Target: apitest.TargetCancel})
	sim.Inject(apitest.Fault{Kind: apitest.FaultStatus429, Target: apitest.TargetAPI})
	if a := query(t, hc, sim, id); a.status != http.StatusTooManyRequests {
		t.Errorf("a TargetCancel fault fired on a query, or TargetAPI did not: %d", a.status)
	}
	if a := cancelTask(t, hc, sim, sim.Key(), id); a.status != http.StatusInternalServerError {
		t.Errorf("cancel with a fault: %d %s", a.status, a.body)
	}
	sim.Inject(apitest.Fault{Kind: apitest.FaultStatus429, Target: apitest.TargetAPI})
	if a := cancelTask(t, hc, sim, sim.Key(), id); a.status != http.StatusTooManyRequests {
		t.Errorf("a TargetAPI fault did not fire on a cancel: %d %s", a.status, a.body)
	}
	if a := query(t, hc, sim, id); a.json(t)["task_status"] != "pending" {
		t.Errorf("failed cancels changed the task: %s", a.body)
	}

	no := newSim(t, apitest.Config{PendingFor: time.Hour, NoCancel: true})
	id = no.AddTask(client.CreateRequest{Model: "m", Prompt: "p"})
	if a := cancelTask(t, hc, no, no.Key(), id); a.status != http.StatusMethodNotAllowed || a.header.Get("Allow") != "GET" {
		t.Errorf("cancel on a service without cancel: %d %v %s", a.status, a.header, a.body)
	}
	if a := query(t, hc, no, id); a.json(t)["task_status"] != "pending" {
		t.Errorf("a refused cancel changed the task: %s", a.body)
	}
}
