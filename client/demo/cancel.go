package demo

import (
	"net/http"
	"time"

	"github.com/reelhouse/reelhouse/client"
)

// handleCancel cancels a pending task (DELETE on its URL) and answers
// with the task, now cancelled. A task that is running or has ended
// cannot be cancelled any more (409); an unknown one is 404; with
// Config.NoCancel every cancel is 405.
func (s *Service) handleCancel(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(r) {
		writeJSONError(w, http.StatusUnauthorized, "invalid_api_key", "Invalid API key provided.")
		return
	}
	if s.cfg.NoCancel {
		w.Header().Set("Allow", "GET")
		writeJSONError(w, http.StatusMethodNotAllowed, "method_not_allowed", "tasks cannot be cancelled")
		return
	}
	id := r.PathValue("id")
	now := time.Now()
	s.mu.Lock()
	t, ok := s.tasks[id]
	var status client.Status
	if ok {
		status, _, _ = t.stateAt(now, s.cfg)
		if status == client.StatusPending {
			t.forced, t.forcedAt = client.StatusCancelled, now
		}
	}
	s.mu.Unlock()
	switch {
	case !ok:
		writeJSONError(w, http.StatusNotFound, "task_not_found", "task not found")
		return
	case status != client.StatusPending:
		writeJSONError(w, http.StatusConflict, "task_not_cancellable", "only a pending task can be cancelled; this one is "+string(status))
		return
	}
	view, _ := s.taskView(id, now)
	writeJSON(w, http.StatusOK, view)
}
