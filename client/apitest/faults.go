package apitest

import (
	"net/http"
	"strconv"
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
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Kind == FaultExpireURLs {
		s.secret = randomBytes(32)
		return
	}
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
