// Package demo is a small stand-in for the video-generation service that
// runs over real HTTP on this computer, for the app's demo mode: an API
// server (see the API contract) and, on another port and host name, the
// file host that serves the finished videos through signed, expiring URLs.
// Its videos are sample clips that follow each request's ratio and length
// (see testdata). Tests use it through client/apitest, which layers fault
// injection and request counters on top through Hooks. It never imports
// Fyne.
package demo

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
	"time"

	"github.com/reelhouse/reelhouse/client"
)

// Config sets up a service. Zero fields take the defaults.
type Config struct {
	// Key is the only API key accepted (default DefaultKey).
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
	// Covers adds a signed "cover_url" to every video, pointing at a
	// picture on the file host, as some services send.
	Covers bool
	// NoCancel makes the service refuse every cancel with 405, as a
	// service without a cancel endpoint would. Without it, a pending task
	// can be cancelled (DELETE on its URL) and any other answers 409.
	NoCancel bool
	// Hooks let a layer on top change what the service serves.
	Hooks Hooks
}

// Hooks let a layer on top of the service (the test fake in
// client/apitest) watch its requests and change its answers. Nil fields
// leave the service as it is.
type Hooks struct {
	// API and Files wrap the handlers of the API server and of the file
	// host.
	API, Files func(http.Handler) http.Handler
	// Video chooses the video that item n of a task shows. By default it
	// is the sample clip that follows the request.
	Video func(id string, req client.CreateRequest, n int) Video
	// Cover chooses the cover of item n of a task and its content type. By
	// default it is a frame of the sample clips of the request's shape.
	Cover func(id string, req client.CreateRequest, n int) (data []byte, contentType string)
	// ServeVideo answers a request for a video file once the file host has
	// checked it (no credentials, a valid signature, a finished task).
	// serve is how the service answers it by itself.
	ServeVideo func(w http.ResponseWriter, r *http.Request, f *File, serve func(http.ResponseWriter, *http.Request, *File))
	// URLIssued is called with every signed URL the service hands out.
	URLIssued func(url string)
}

// Video is a finished video the file host serves: MP4 data, its length in
// seconds and its size as "WxH".
type Video struct {
	Data       []byte
	Duration   float64
	Resolution string
}

// DefaultKey is the key a service accepts unless told otherwise.
const DefaultKey = "sk-sim-demo"

// Service is a running service. Its methods are safe for concurrent use.
type Service struct {
	cfg      Config
	api      *httptest.Server
	files    *httptest.Server
	fileBase string
	once     sync.Once

	mu     sync.Mutex
	secret []byte // signs file URLs; replaced by RevokeURLs
	tasks  map[string]*task
	order  []string
	cache  map[string]*paddedVideo
}

type task struct {
	id       string
	req      client.CreateRequest
	created  time.Time
	outcome  client.Status // what the task ends as
	forced   client.Status // set by SetOutcome
	forcedAt time.Time
}

// New starts a service on two loopback ports. Call Close when done.
func New(cfg Config) *Service {
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
	s := &Service{
		cfg:    cfg,
		secret: randomBytes(32),
		tasks:  make(map[string]*task),
		cache:  make(map[string]*paddedVideo),
	}

	api := http.NewServeMux()
	api.HandleFunc("POST /video/v1/generations", s.handleCreate)
	api.HandleFunc("GET /video/v1/tasks/{id}", s.handleTask)
	api.HandleFunc("DELETE /video/v1/tasks/{id}", s.handleCancel)
	api.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSONError(w, http.StatusNotFound, "not_found", "no such endpoint")
	})
	s.api = httptest.NewServer(wrap(cfg.Hooks.API, api))

	files := http.NewServeMux()
	files.HandleFunc("GET /files/{id}/{name}", s.handleFile)
	files.HandleFunc("GET /covers/{id}/{name}", s.handleCover)
	files.HandleFunc("/", http.NotFound)
	s.files = httptest.NewServer(wrap(cfg.Hooks.Files, files))
	_, port, _ := net.SplitHostPort(s.files.Listener.Addr().String())
	// Another host name than the API's 127.0.0.1, so that the two are
	// different hosts to any HTTP client.
	s.fileBase = "http://localhost:" + port
	return s
}

// wrap returns h wrapped by w, if set.
func wrap(w func(http.Handler) http.Handler, h http.Handler) http.Handler {
	if w == nil {
		return h
	}
	return w(h)
}

// URL returns the API base URL, e.g. "http://127.0.0.1:4567".
func (s *Service) URL() string { return s.api.URL }

// Key returns the API key the service accepts.
func (s *Service) Key() string { return s.cfg.Key }

// FileHost returns the base URL of the file host, e.g.
// "http://localhost:4568".
func (s *Service) FileHost() string { return s.fileBase }

// Close stops both servers.
func (s *Service) Close() {
	s.once.Do(func() {
		s.api.CloseClientConnections()
		s.files.CloseClientConnections()
		s.api.Close()
		s.files.Close()
	})
}

// TaskIDs returns the ids of all tasks, oldest first, including tasks
// whose create answer never reached the client.
func (s *Service) TaskIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.order...)
}

// Task returns the create request that made task id.
func (s *Service) Task(id string) (client.CreateRequest, bool) {
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
func (s *Service) SetOutcome(id string, status client.Status) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.tasks[id]; ok {
		t.forced = status
		t.forcedAt = time.Now()
	}
}

// AddTask creates a task directly, as if a create call had been made, and
// returns its id. Useful to seed demo mode.
func (s *Service) AddTask(req client.CreateRequest) string {
	return s.addTask(req, time.Now())
}

func (s *Service) addTask(req client.CreateRequest, now time.Time) string {
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
	s.tasks[id] = &task{id: id, req: req, created: now, outcome: outcome}
	s.order = append(s.order, id)
	return id
}

func (s *Service) authorized(r *http.Request) bool {
	return r.Header.Get("Authorization") == "Bearer "+s.cfg.Key
}

func (s *Service) handleCreate(w http.ResponseWriter, r *http.Request) {
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
	writeJSON(w, http.StatusOK, map[string]any{"task_id": id, "task_status": client.StatusPending})
}

func (s *Service) handleTask(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(r) {
		writeJSONError(w, http.StatusUnauthorized, "invalid_api_key", "Invalid API key provided.")
		return
	}
	view, ok := s.taskView(r.PathValue("id"), time.Now())
	if !ok {
		writeJSONError(w, http.StatusNotFound, "task_not_found", "task not found")
		return
	}
	writeJSON(w, http.StatusOK, view)
}

// taskView is the task's JSON answer at time now.
func (s *Service) taskView(id string, now time.Time) (map[string]any, bool) {
	s.mu.Lock()
	t, ok := s.tasks[id]
	if !ok {
		s.mu.Unlock()
		return nil, false
	}
	status, updated, completed := t.stateAt(now, s.cfg)
	model, req := t.req.Model, t.req
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
			v := s.videoOf(id, req, n)
			item := map[string]any{
				"url":        s.signedURL(id, n, now),
				"duration":   v.Duration,
				"resolution": v.Resolution,
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
func (t *task) stateAt(now time.Time, cfg Config) (status client.Status, updated, completed time.Time) {
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
