package apitest

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// FaultKind is a way for the simulator to misbehave.
type FaultKind int

// The faults. Each says which targets it applies to; a fault injected for
// a target it does not apply to never fires.
const (
	// FaultStatus429 answers 429 with Retry-After (Fault.RetryAfter,
	// rounded up to whole seconds) if set. Any target.
	FaultStatus429 FaultKind = iota + 1
	// FaultStatus500 answers 500. Any target.
	FaultStatus500
	// FaultStatus401 answers 401 (as if the key had been revoked, or as if
	// a file link were refused). Any target.
	FaultStatus401
	// FaultMalformedJSON answers 200 with broken JSON. API targets; a
	// create still makes the task.
	FaultMalformedJSON
	// FaultOversizedJSON answers 200 with more than 1 MiB of JSON. API
	// targets; a create still makes the task.
	FaultOversizedJSON
	// FaultSlow waits Fault.Delay before answering (a create makes the
	// task first), giving up if the client goes away. Any target.
	FaultSlow
	// FaultDropAfterRead makes the task, then closes the connection without
	// answering: the "uncertain submission". TargetCreate (or TargetAPI).
	FaultDropAfterRead
	// FaultTruncate sends the headers with the full Content-Length, then
	// half of the body, then closes the connection. TargetFiles.
	FaultTruncate
	// FaultIgnoreRange answers a Range request with 200 and the whole
	// file. TargetFiles, requests with a Range header only.
	FaultIgnoreRange
	// FaultWrongRangeOffset answers a Range request with a 206 whose
	// Content-Range starts one byte off. TargetFiles, requests with a Range
	// header only.
	FaultWrongRangeOffset
	// FaultChangeETag gives the file a new ETag and Last-Modified before
	// answering, so that If-Range no longer matches and the whole file is
	// sent. TargetFiles, requests with a Range header only.
	FaultChangeETag
	// FaultExpireURLs makes every video URL handed out so far invalid (the
	// file host answers 403). It acts at once when injected; Target and
	// Times are ignored.
	FaultExpireURLs
	// FaultResetMidBody sends a third of the body, then resets the
	// connection. TargetFiles.
	FaultResetMidBody
	// FaultNotVideo answers 200 with an HTML page instead of the video.
	// TargetFiles.
	FaultNotVideo
	// FaultTrickle sends the body in 16 pieces with Fault.Delay between
	// them. TargetFiles.
	FaultTrickle
	// FaultStatus404 answers 404, as if the service had lost the task for
	// a moment (or the file host the file). Any target.
	FaultStatus404
	// FaultEchoRequest answers 400 with an error message that quotes the
	// request's Authorization header and its full URL, query string
	// included: a careless server, to prove that Reelhouse never passes
	// such text on. Any target.
	FaultEchoRequest
	// FaultHTMLPage answers 200 with an HTML page, as a captive portal
	// (a Wi-Fi login page) does. API targets; a create still makes the
	// task.
	FaultHTMLPage
	// FaultNotJSON answers 200 with plain text that is not JSON. API
	// targets; a create still makes the task.
	FaultNotJSON
)

// Target is the kind of request a fault affects.
type Target int

// The targets.
const (
	// TargetAPI is any request to the API server.
	TargetAPI Target = iota + 1
	// TargetCreate is POST /video/v1/generations.
	TargetCreate
	// TargetTask is GET /video/v1/tasks/{id}.
	TargetTask
	// TargetFiles is any request to the file host.
	TargetFiles
	// TargetCancel is DELETE /video/v1/tasks/{id}.
	TargetCancel
)

// Fault describes a misbehaviour to inject.
type Fault struct {
	Kind   FaultKind
	Target Target
	// Times is how many matching requests the fault affects: 0 means 1, a
	// negative number means every request until ClearFaults.
	Times int
	// RetryAfter is sent with FaultStatus429 (and the other status faults).
	RetryAfter time.Duration
	// Delay is used by FaultSlow and FaultTrickle.
	Delay time.Duration
	// CutAfter, if positive, makes FaultTruncate and FaultResetMidBody
	// cut the body after this many bytes instead of a half or a third.
	CutAfter int64
}

// Inject adds a fault. Faults fire in the order they were injected; one
// request is affected by at most one fault.
func (s *Sim) Inject(f Fault) {
	if f.Kind == FaultExpireURLs {
		s.svc.RevokeURLs()
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Times == 0 {
		f.Times = 1
	}
	s.faults = append(s.faults, &f)
}

// ClearFaults removes all pending faults.
func (s *Sim) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// PendingFaults returns how many injected faults have not fired all
// their times yet.
func (s *Sim) PendingFaults() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.faults)
}

// takeFault finds the first fault that applies to r and uses it up once.
func (s *Sim) takeFault(target Target, r *http.Request) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if !f.applies(target, r) {
			continue
		}
		fired := *f
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
		}
		return &fired
	}
	return nil
}

func (f *Fault) applies(target Target, r *http.Request) bool {
	switch {
	case f.Target == target:
	case f.Target == TargetAPI && (target == TargetCreate || target == TargetTask || target == TargetCancel):
	default:
		return false
	}
	api := target != TargetFiles
	switch f.Kind {
	case FaultStatus429, FaultStatus500, FaultStatus401, FaultStatus404, FaultEchoRequest, FaultSlow:
		return true
	case FaultMalformedJSON, FaultOversizedJSON, FaultHTMLPage, FaultNotJSON:
		return api
	case FaultDropAfterRead:
		return target == TargetCreate
	case FaultTruncate, FaultResetMidBody, FaultNotVideo, FaultTrickle:
		return !api
	case FaultIgnoreRange, FaultWrongRangeOffset, FaultChangeETag:
		return !api && r.Header.Get("Range") != ""
	}
	return false
}

var faultNames = map[FaultKind]string{
	FaultStatus429:        "Status429",
	FaultStatus500:        "Status500",
	FaultStatus401:        "Status401",
	FaultMalformedJSON:    "MalformedJSON",
	FaultOversizedJSON:    "OversizedJSON",
	FaultSlow:             "Slow",
	FaultDropAfterRead:    "DropAfterRead",
	FaultTruncate:         "Truncate",
	FaultIgnoreRange:      "IgnoreRange",
	FaultWrongRangeOffset: "WrongRangeOffset",
	FaultChangeETag:       "ChangeETag",
	FaultExpireURLs:       "ExpireURLs",
	FaultResetMidBody:     "ResetMidBody",
	FaultNotVideo:         "NotVideo",
	FaultTrickle:          "Trickle",
	FaultStatus404:        "Status404",
	FaultEchoRequest:      "EchoRequest",
	FaultHTMLPage:         "HTMLPage",
	FaultNotJSON:          "NotJSON",
}

// String returns the fault's name without the "Fault" prefix.
func (k FaultKind) String() string {
	if s, ok := faultNames[k]; ok {
		return s
	}
	return "FaultKind(" + strconv.Itoa(int(k)) + ")"
}

// answerFaults are the faults that change a successful API answer, once
// the service has done its work.
var answerFaults = map[FaultKind]bool{FaultSlow: true, FaultDropAfterRead: true, FaultMalformedJSON: true, FaultOversizedJSON: true, FaultHTMLPage: true, FaultNotJSON: true}

// answerFault sends answer, the service's JSON, as the fault says.
func (s *Sim) answerFault(w http.ResponseWriter, r *http.Request, f *Fault, answer []byte) {
	if f != nil {
		switch f.Kind {
		case FaultSlow:
			s.pause(r, f.Delay)
		case FaultDropAfterRead:
			dropConnection(w, false)
			return
		case FaultMalformedJSON:
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"task_id": "abc", "task_status": "runn`)
			return
		case FaultOversizedJSON:
			w.Header().Set("Content-Type", "application/json")
			pad := strings.Repeat("x", 1<<20+1024)
			io.WriteString(w, `{"padding":"`+pad+`",`)
			w.Write(answer[1:])
			return
		case FaultHTMLPage:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, `<!DOCTYPE html><html><head><title>Sign in to the Wi-Fi</title></head>`+
				`<body><form action="/login"><input name="room"><button>Connect</button></form></body></html>`)
			return
		case FaultNotJSON:
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			io.WriteString(w, "OK\n")
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(answer)
}

// answerStatusFault answers with an error status if f asks for one.
func (s *Sim) answerStatusFault(w http.ResponseWriter, r *http.Request, f *Fault, api bool) bool {
	if f == nil {
		return false
	}
	var status int
	var code, msg string
	switch f.Kind {
	case FaultStatus404:
		status, code, msg = http.StatusNotFound, "task_not_found", "task not found"
	case FaultEchoRequest:
		u := *r.URL
		u.Scheme, u.Host = "http", r.Host
		status, code = http.StatusBadRequest, "bad_request"
		msg = fmt.Sprintf("could not handle %s %s (Authorization: %s)", r.Method, u.String(), r.Header.Get("Authorization"))
	case FaultStatus429:
		status, code, msg = http.StatusTooManyRequests, "rate_limited", "too many requests, slow down"
	case FaultStatus500:
		status, code, msg = http.StatusInternalServerError, "internal_error", "internal server error"
	case FaultStatus401:
		status, code, msg = http.StatusUnauthorized, "invalid_api_key", "Invalid API key provided."
	default:
		return false
	}
	if f.RetryAfter > 0 {
		secs := int((f.RetryAfter + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", fmt.Sprint(secs))
	}
	if api {
		writeJSONError(w, status, code, msg)
	} else {
		http.Error(w, msg, status)
	}
	return true
}

// pause waits d. If the client goes away or the simulator closes first,
// it ends the handler and drops the connection without an answer.
func (s *Sim) pause(r *http.Request, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
		panic(http.ErrAbortHandler)
	case <-s.done:
		panic(http.ErrAbortHandler)
	}
}

// dropConnection closes the client's connection without (further) answer.
// With reset, the close is abrupt (TCP RST) rather than orderly.
func dropConnection(w http.ResponseWriter, reset bool) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tcp, ok := conn.(*net.TCPConn); ok && reset {
		tcp.SetLinger(0)
	}
	conn.Close()
}

func writeJSONError(w http.ResponseWriter, status int, code, msg string) {
	b, _ := json.Marshal(map[string]any{"error": map[string]string{"code": code, "message": msg}})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}
