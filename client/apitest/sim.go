// Package apitest simulates the video-generation service over real HTTP on
// this computer: an API server and, on another port and host name, the
// file host that serves the finished videos through signed, expiring URLs.
// Tests of every package and the app's demo mode use it. Faults (rate
// limits, dropped connections, cut-off downloads, ...) can be injected on
// demand. It never imports Fyne.
package apitest

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/reelhouse/reelhouse/client"
)

// Config sets up a simulator. Zero fields take the defaults.
type Config struct {
	// Key is the only API key accepted (default "sk-sim-demo").
	Key string
	// PendingFor and RunningFor are how long a new task stays pending and
	// then running (defaults 1 s and 3 s).
	PendingFor, RunningFor time.Duration
	// URLTTL is how long a video URL stays valid after it is handed out
	// (default 1 h).
	URLTTL time.Duration
	// VideosPerTask is how many videos a successful task has (default 1).
	VideosPerTask int
	// Padding is how many bytes each video gets in addition to its MP4
	// data (inside the MP4 "free" box that names the task), to make
	// downloads larger and slower. Default 0.
	Padding int
	// Covers adds a signed "cover_url" to every video, pointing at a PNG
	// on the file host, as some services send.
	Covers bool
	// DemoClips makes every video a sample clip that follows the request:
	// landscape, portrait or square by its ratio, and the clip nearest to
	// its duration (see testdata/demo). Without it, videos are the small
	// test files of testdata.
	DemoClips bool
	// NoCancel makes the service refuse every cancel with 405, as a
	// service without a cancel endpoint would. Without it, a pending task
	// can be cancelled (DELETE on its URL) and any other answers 409.
	NoCancel bool
}

// DefaultKey is the key a simulator accepts unless told otherwise.
const DefaultKey = "sk-sim-demo"

// Request is one request received by either server, as logged.
type Request struct {
	Method string
	Host   string // as sent by the client, e.g. "localhost:4567"
	Path   string // without the query
	// HadAuth is true when the request carried an Authorization header.
	HadAuth bool
	Range   string
	IfRange string
	At      time.Time
}

// Counts says how many requests of each kind arrived.
type Counts struct {
	Create int // POST /video/v1/generations, whatever the outcome
	Task   int // GET /video/v1/tasks/{id}
	Cancel int // DELETE /video/v1/tasks/{id}
	Files  int // requests to the file host
	// FilesWithAuth counts file-host requests that carried an
	// Authorization header (and were refused). It should stay 0.
	FilesWithAuth int
}

// Sim is a running simulator. Its methods are safe for concurrent use.
type Sim struct {
	cfg      Config
	api      *httptest.Server
	files    *httptest.Server
	fileBase string
	done     chan struct{}
	once     sync.Once

	mu      sync.Mutex
	secret  []byte // signs file URLs; replaced by FaultExpireURLs
	tasks   map[string]*simTask
	order   []string
	faults  []*Fault
	log     []Request
	counts  Counts
	etagGen map[string]int // per file, bumped by FaultChangeETag
	cache   map[string]*paddedVideo
	sent    atomic.Int64 // video bytes sent by the file host
	issued  []string     // every signed video URL handed out
}

type simTask struct {
	id       string
	req      client.CreateRequest
	created  time.Time
	outcome  client.Status // what the task ends as
	forced   client.Status // set by SetOutcome
	forcedAt time.Time
}

// New starts a simulator on two loopback ports. Call Close when done.
func New(cfg Config) *Sim {
	if cfg.Key == "" {
		cfg.Key = DefaultKey
	}
	if cfg.PendingFor <= 0 {
		cfg.PendingFor = time.Second
	}
	if cfg.RunningFor <= 0 {
		cfg.RunningFor = 3 * time.Second
	}
	if cfg.URLTTL <= 0 {
		cfg.URLTTL = time.Hour
	}
	if cfg.VideosPerTask <= 0 {
		cfg.VideosPerTask = 1
	}
	s := &Sim{
		cfg:     cfg,
		done:    make(chan struct{}),
		secret:  randomBytes(32),
		tasks:   make(map[string]*simTask),
		etagGen: make(map[string]int),
		cache:   make(map[string]*paddedVideo),
	}

	api := http.NewServeMux()
	api.HandleFunc("POST /video/v1/generations", s.handleCreate)
	api.HandleFunc("GET /video/v1/tasks/{id}", s.handleTask)
	api.HandleFunc("DELETE /video/v1/tasks/{id}", s.handleCancel)
	api.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.record(r)
		writeJSONError(w, http.StatusNotFound, "not_found", "no such endpoint")
	})
	s.api = httptest.NewServer(api)

	files := http.NewServeMux()
	files.HandleFunc("GET /files/{id}/{name}", s.handleFile)
	files.HandleFunc("GET /covers/{id}/{name}", s.handleCover)
	files.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.record(r)
		http.NotFound(w, r)
	})
	s.files = httptest.NewServer(files)
	_, port, _ := net.SplitHostPort(s.files.Listener.Addr().String())
	// Another host name than the API's 127.0.0.1, so that the two are
	// different hosts to any HTTP client.
	s.fileBase = "http://localhost:" + port
	return s
}

// URL returns the API base URL, e.g. "http://127.0.0.1:4567".
func (s *Sim) URL() string { return s.api.URL }

// Key returns the API key the simulator accepts.
func (s *Sim) Key() string { return s.cfg.Key }

// FileHost returns the base URL of the file host, e.g.
// "http://localhost:4568".
func (s *Sim) FileHost() string { return s.fileBase }

// Close stops both servers, ending requests that are being delayed.
func (s *Sim) Close() {
	s.once.Do(func() {
		close(s.done)
		s.api.CloseClientConnections()
		s.files.CloseClientConnections()
		s.api.Close()
		s.files.Close()
	})
}

// Log returns every request received so far, in order.
func (s *Sim) Log() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.log...)
}

// Counts returns how many requests of each kind arrived.
func (s *Sim) Counts() Counts {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts
}

// Requests returns the create requests of all tasks, in the order the
// tasks were created.
func (s *Sim) Requests() []client.CreateRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]client.CreateRequest, 0, len(s.order))
	for _, id := range s.order {
		out = append(out, s.tasks[id].req)
	}
	return out
}

// TaskIDs returns the ids of all tasks, oldest first. A task whose create
// answer was dropped (FaultDropAfterRead) is listed too.
func (s *Sim) TaskIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.order...)
}

// Task returns the create request that made task id.
func (s *Sim) Task(id string) (client.CreateRequest, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tasks[id]
	if !ok {
		return client.CreateRequest{}, false
	}
	return t.req, true
}

// SetOutcome sets the status of task id from now on, whatever its age.
// Any status is allowed, including ones the service does not document.
// Unknown ids are ignored.
func (s *Sim) SetOutcome(id string, status client.Status) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.tasks[id]; ok {
		t.forced = status
		t.forcedAt = time.Now()
	}
}

// AddTask creates a task directly, as if a create call had been made
// (without counting or logging a request), and returns its id. Useful to
// seed demo mode.
func (s *Sim) AddTask(req client.CreateRequest) string {
	return s.addTask(req, time.Now())
}

func (s *Sim) addTask(req client.CreateRequest, now time.Time) string {
	outcome := client.StatusSuccess
	switch {
	case strings.Contains(req.Prompt, "[fail]"):
		outcome = client.StatusFailed
	case strings.Contains(req.Prompt, "[cancel]"):
		outcome = client.StatusCancelled
	}
	id := newTaskID()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tasks[id] = &simTask{id: id, req: req, created: now, outcome: outcome}
	s.order = append(s.order, id)
	return id
}

func (s *Sim) record(r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = append(s.log, Request{
		Method:  r.Method,
		Host:    r.Host,
		Path:    r.URL.Path,
		HadAuth: r.Header.Get("Authorization") != "",
		Range:   r.Header.Get("Range"),
		IfRange: r.Header.Get("If-Range"),
		At:      time.Now(),
	})
}

func (s *Sim) authorized(r *http.Request) bool {
	return r.Header.Get("Authorization") == "Bearer "+s.cfg.Key
}

func (s *Sim) handleCreate(w http.ResponseWriter, r *http.Request) {
	s.record(r)
	s.mu.Lock()
	s.counts.Create++
	s.mu.Unlock()
	f := s.takeFault(TargetCreate, r)
	if s.answerStatusFault(w, r, f, true) {
		return
	}
	if !s.authorized(r) {
		writeJSONError(w, http.StatusUnauthorized, "invalid_api_key", "Invalid API key provided.")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 32<<20))
	if err != nil {
		writeJSONError(w, http.StatusRequestEntityTooLarge, "invalid_request", "request body too large")
		return
	}
	req, err := parseCreateBody(body)
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	id := s.addTask(req, time.Now())
	answer := map[string]any{"task_id": id, "task_status": client.StatusPending}
	s.answerFault(w, r, f, answer)
}

func (s *Sim) handleTask(w http.ResponseWriter, r *http.Request) {
	s.record(r)
	s.mu.Lock()
	s.counts.Task++
	s.mu.Unlock()
	f := s.takeFault(TargetTask, r)
	if s.answerStatusFault(w, r, f, true) {
		return
	}
	if !s.authorized(r) {
		writeJSONError(w, http.StatusUnauthorized, "invalid_api_key", "Invalid API key provided.")
		return
	}
	view, ok := s.taskView(r.PathValue("id"), time.Now())
	if !ok {
		writeJSONError(w, http.StatusNotFound, "task_not_found", "task not found")
		return
	}
	s.answerFault(w, r, f, view)
}

// answerFault sends answer as JSON unless the fault says otherwise.
func (s *Sim) answerFault(w http.ResponseWriter, r *http.Request, f *Fault, answer any) {
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
			b, _ := json.Marshal(answer)
			pad := strings.Repeat("x", 1<<20+1024)
			io.WriteString(w, `{"padding":"`+pad+`",`)
			w.Write(b[1:])
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
	writeJSON(w, http.StatusOK, answer)
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

// taskView is the task's JSON answer at time now.
func (s *Sim) taskView(id string, now time.Time) (map[string]any, bool) {
	s.mu.Lock()
	t, ok := s.tasks[id]
	if !ok {
		s.mu.Unlock()
		return nil, false
	}
	status, updated, completed := t.stateAt(now, s.cfg)
	model := t.req.Model
	s.mu.Unlock()

	view := map[string]any{
		"task_id":     id,
		"task_status": status,
		"model":       model,
		"created":     t.created.UnixMilli(),
		"updated":     updated.UnixMilli(),
		"completed":   nil,
		"data":        []any{},
		"error":       nil,
	}
	if !completed.IsZero() {
		view["completed"] = completed.UnixMilli()
	}
	switch status {
	case client.StatusSuccess:
		items := make([]any, 0, s.cfg.VideosPerTask)
		for n := range s.cfg.VideosPerTask {
			v := s.videoOf(t, n)
			item := map[string]any{
				"url":        s.signedURL(id, n, now),
				"duration":   v.duration,
				"resolution": v.resolution,
			}
			if s.cfg.Covers {
				item["cover_url"] = s.signedCoverURL(id, n, now)
			}
			items = append(items, item)
		}
		view["data"] = items
	case client.StatusFailed:
		view["error"] = map[string]string{"code": "upstream_task_failed", "message": "upstream video generation task failed"}
	case client.StatusCancelled:
		view["error"] = map[string]string{"code": "task_cancelled", "message": "the task was cancelled"}
	}
	return view, true
}

// stateAt returns the status at now, when it last changed and when the
// task finished (zero while it has not).
func (t *simTask) stateAt(now time.Time, cfg Config) (status client.Status, updated, completed time.Time) {
	if t.forced != "" {
		if t.forced.Terminal() {
			completed = t.forcedAt
		}
		return t.forced, t.forcedAt, completed
	}
	runAt := t.created.Add(cfg.PendingFor)
	endAt := runAt.Add(cfg.RunningFor)
	switch {
	case now.Before(runAt):
		return client.StatusPending, t.created, time.Time{}
	case now.Before(endAt):
		return client.StatusRunning, runAt, time.Time{}
	}
	return t.outcome, endAt, endAt
}

var ratioShape = regexp.MustCompile(`^[0-9]{1,3}:[0-9]{1,3}$`)

// parseCreateBody checks a create body the way the service does and
// returns it as a CreateRequest. Media may be a URL string, an object or an
// array of either.
func parseCreateBody(body []byte) (client.CreateRequest, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil || raw == nil {
		return client.CreateRequest{}, errors.New("the request body must be a JSON object")
	}
	var req client.CreateRequest
	str := func(name string) (string, error) {
		v, ok := raw[name]
		if !ok || string(v) == "null" {
			return "", nil
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return "", fmt.Errorf("%s must be a string", name)
		}
		return s, nil
	}
	var err error
	if req.Model, err = str("model"); err != nil {
		return req, err
	}
	if strings.TrimSpace(req.Model) == "" {
		return req, errors.New("model is required")
	}
	if req.Prompt, err = str("prompt"); err != nil {
		return req, err
	}
	if strings.TrimSpace(req.Prompt) == "" {
		return req, errors.New("prompt is required")
	}
	if req.Ratio, err = str("ratio"); err != nil {
		return req, err
	}
	if req.Ratio != "" && !ratioShape.MatchString(req.Ratio) {
		return req, fmt.Errorf("ratio %q is not of the form W:H", req.Ratio)
	}
	if req.Resolution, err = str("resolution"); err != nil {
		return req, err
	}
	if v, ok := raw["duration"]; ok && string(v) != "null" {
		if err := json.Unmarshal(v, &req.Duration); err != nil || req.Duration < 1 || req.Duration > 60 {
			return req, errors.New("duration must be a whole number of seconds between 1 and 60")
		}
	}
	roles := map[string][]string{
		"image": {"first_frame", "last_frame", "reference_image"},
		"video": {"reference_video"},
		"audio": {"reference_audio"},
	}
	dst := map[string]*[]client.Media{"image": &req.Image, "video": &req.Video, "audio": &req.Audio}
	for _, name := range []string{"image", "video", "audio"} {
		media, err := parseMedia(raw[name], roles[name])
		if err != nil {
			return req, fmt.Errorf("%s: %w", name, err)
		}
		*dst[name] = media
	}
	if len(req.Audio) > 0 && len(req.Image) == 0 && len(req.Video) == 0 {
		return req, errors.New("audio is only accepted together with an image or a video")
	}
	if v, ok := raw["upstream_options"]; ok && string(v) != "null" {
		if err := json.Unmarshal(v, &req.UpstreamOptions); err != nil {
			return req, errors.New("upstream_options must be an object")
		}
	}
	return req, nil
}

func parseMedia(raw json.RawMessage, roles []string) ([]client.Media, error) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return nil, nil
	}
	var list []json.RawMessage
	if s[0] == '[' {
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, errors.New("must be a URL, an object or a list")
		}
	} else {
		list = []json.RawMessage{raw}
	}
	var out []client.Media
	for _, item := range list {
		var m client.Media
		var url string
		if json.Unmarshal(item, &url) == nil {
			m.URL = url
		} else if err := json.Unmarshal(item, &m); err != nil {
			return nil, errors.New("each entry must be a URL or {\"type\", \"url\"}")
		}
		if strings.TrimSpace(m.URL) == "" {
			return nil, errors.New("url is required")
		}
		if m.Role != "" && !contains(roles, m.Role) {
			return nil, fmt.Errorf("type %q is not one of %s", m.Role, strings.Join(roles, ", "))
		}
		out = append(out, m)
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

func writeJSONError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// newTaskID returns a random id shaped like a UUID.
func newTaskID() string {
	h := hex.EncodeToString(randomBytes(16))
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
