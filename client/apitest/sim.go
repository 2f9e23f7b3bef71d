// Package apitest is the test fake of the video-generation service: the
// demo service of client/demo, with the small test videos of testdata,
// plus what only tests need: faults (rate limits, dropped connections,
// cut-off downloads, ...) injected on demand, a log and counts of the
// requests, and access to the tasks and the files served. Tests of every
// package use it; the app does not. It never imports Fyne.
package apitest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/client/demo"
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
	// Rate, when above 0, is the most bytes per second the file host
	// sends in one answer, as a real link's speed limits it.
	Rate int64
	// Covers adds a signed "cover_url" to every video, pointing at a PNG
	// on the file host, as some services send.
	Covers bool
	// DemoClips makes every video a sample clip of the demo service that
	// follows the request: landscape, portrait or square by its ratio, and
	// the clip nearest to its duration (see client/demo). Without it,
	// videos are the small test files of testdata.
	DemoClips bool
	// NoCancel makes the service refuse every cancel with 405, as a
	// service without a cancel endpoint would. Without it, a pending task
	// can be cancelled (DELETE on its URL) and any other answers 409.
	NoCancel bool
}

// DefaultKey is the key a simulator accepts unless told otherwise.
const DefaultKey = demo.DefaultKey

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

// Sim is a running simulator: the demo service with faults, a request log
// and counters on top. Its methods are safe for concurrent use.
type Sim struct {
	svc       *demo.Service
	cfg       Config
	done      chan struct{}
	closeOnce sync.Once

	mu      sync.Mutex
	faults  []*Fault
	log     []Request
	counts  Counts
	etagGen map[string]int // per file, bumped by FaultChangeETag
	issued  []string       // every signed URL handed out
	sent    atomic.Int64   // video bytes sent by the file host
}

// New starts a simulator on two loopback ports. Call Close when done.
func New(cfg Config) *Sim {
	s := &Sim{cfg: cfg, done: make(chan struct{}), etagGen: make(map[string]int)}
	hooks := demo.Hooks{
		API:        s.wrapAPI,
		Files:      s.wrapFiles,
		ServeVideo: s.serveVideo,
		URLIssued:  s.urlIssued,
	}
	if !cfg.DemoClips {
		hooks.Video = func(id string, _ client.CreateRequest, n int) demo.Video { return pickVideo(id, n) }
		hooks.Cover = func(id string, _ client.CreateRequest, n int) ([]byte, string) { return CoverPNG(id, n), "image/png" }
	}
	s.svc = demo.New(demo.Config{
		Key:           cfg.Key,
		PendingFor:    cfg.PendingFor,
		RunningFor:    cfg.RunningFor,
		URLTTL:        cfg.URLTTL,
		VideosPerTask: cfg.VideosPerTask,
		Padding:       cfg.Padding,
		Covers:        cfg.Covers,
		NoCancel:      cfg.NoCancel,
		Hooks:         hooks,
	})
	return s
}

// URL returns the API base URL, e.g. "http://127.0.0.1:4567".
func (s *Sim) URL() string { return s.svc.URL() }

// Key returns the API key the simulator accepts.
func (s *Sim) Key() string { return s.svc.Key() }

// FileHost returns the base URL of the file host, e.g.
// "http://localhost:4568".
func (s *Sim) FileHost() string { return s.svc.FileHost() }

// Close stops both servers, ending requests that are being delayed.
func (s *Sim) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		s.svc.Close()
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
	ids := s.svc.TaskIDs()
	out := make([]client.CreateRequest, 0, len(ids))
	for _, id := range ids {
		req, _ := s.svc.Task(id)
		out = append(out, req)
	}
	return out
}

// TaskIDs returns the ids of all tasks, oldest first. A task whose create
// answer was dropped (FaultDropAfterRead) is listed too.
func (s *Sim) TaskIDs() []string { return s.svc.TaskIDs() }

// Task returns the create request that made task id.
func (s *Sim) Task(id string) (client.CreateRequest, bool) { return s.svc.Task(id) }

// SetOutcome sets the status of task id from now on, whatever its age.
// Any status is allowed, including ones the service does not document.
// Unknown ids are ignored.
func (s *Sim) SetOutcome(id string, status client.Status) { s.svc.SetOutcome(id, status) }

// AddTask creates a task directly, as if a create call had been made
// (without counting or logging a request), and returns its id.
func (s *Sim) AddTask(req client.CreateRequest) string { return s.svc.AddTask(req) }

// VideoBytes returns exactly the bytes the file host serves for item n
// (counting from 0, in the order of the task's data) of task id, or nil if
// there is no such task or item. Each item of each task is a valid MP4
// with its own checksum: the simulator appends an MP4 "free" box naming
// the task and item. With a large Padding this holds the whole file in
// memory: prefer VideoFile then.
func (s *Sim) VideoBytes(id string, n int) []byte {
	f := s.VideoFile(id, n)
	if f == nil {
		return nil
	}
	b := make([]byte, f.Size())
	if _, err := f.ReadAt(b, 0); err != nil && err != io.EOF {
		panic(err)
	}
	return b
}

// VideoFile is VideoBytes as a reader that holds only the MP4 and the name
// of the task in memory: the padding is generated as it is read. Nil if
// there is no such task or item.
func (s *Sim) VideoFile(id string, n int) *io.SectionReader { return s.svc.VideoFile(id, n) }

// IssuedURLs returns every signed video URL handed out so far, in order,
// so that tests can check that none of them (or their query strings) was
// written anywhere.
func (s *Sim) IssuedURLs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.issued...)
}

// FileBytesSent is how many bytes of video the file host has sent, over
// every request, whole or partial: with the sizes of the files, it tells
// how much a client fetched twice.
func (s *Sim) FileBytesSent() int64 { return s.sent.Load() }

func (s *Sim) urlIssued(u string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.issued = append(s.issued, u)
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

// wrapAPI puts the request log, the counts and the faults in front of the
// service's API server.
func (s *Sim) wrapAPI(next http.Handler) http.Handler {
	mux := http.NewServeMux()
	endpoint := func(target Target, count *int) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s.record(r)
			s.mu.Lock()
			*count++
			s.mu.Unlock()
			f := s.takeFault(target, r)
			if s.answerStatusFault(w, r, f, true) {
				return
			}
			if f == nil || !answerFaults[f.Kind] {
				next.ServeHTTP(w, r)
				return
			}
			// The service does its work (a create makes the task); the
			// fault changes only a successful answer.
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			if rec.Code != http.StatusOK {
				copyAnswer(w, rec)
				return
			}
			s.answerFault(w, r, f, rec.Body.Bytes())
		})
	}
	mux.Handle("POST /video/v1/generations", endpoint(TargetCreate, &s.counts.Create))
	mux.Handle("GET /video/v1/tasks/{id}", endpoint(TargetTask, &s.counts.Task))
	mux.Handle("DELETE /video/v1/tasks/{id}", endpoint(TargetCancel, &s.counts.Cancel))
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.record(r)
		next.ServeHTTP(w, r)
	}))
	return mux
}

// wrapFiles puts the request log and the counts in front of the service's
// file host.
func (s *Sim) wrapFiles(next http.Handler) http.Handler {
	mux := http.NewServeMux()
	item := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.record(r)
		s.mu.Lock()
		s.counts.Files++
		if r.Header.Get("Authorization") != "" {
			s.counts.FilesWithAuth++
		}
		s.mu.Unlock()
		next.ServeHTTP(w, r)
	})
	mux.Handle("GET /files/{id}/{name}", item)
	mux.Handle("GET /covers/{id}/{name}", item)
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.record(r)
		next.ServeHTTP(w, r)
	}))
	return mux
}

// copyAnswer sends what rec recorded.
func copyAnswer(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
}

// serveVideo applies the faults for TargetFiles to a checked request for
// a video file, and counts the bytes sent.
func (s *Sim) serveVideo(w http.ResponseWriter, r *http.Request, file *demo.File, serve func(http.ResponseWriter, *http.Request, *demo.File)) {
	f := s.takeFault(TargetFiles, r)
	if s.answerStatusFault(w, r, f, false) {
		return
	}
	w = &countingWriter{ResponseWriter: w, sim: s}
	if gen := s.fileVersion(file, f != nil && f.Kind == FaultChangeETag); gen > 0 {
		file.ETag = file.ETag[:len(file.ETag)-1] + "-" + strconv.Itoa(gen) + `"`
		file.ModTime = file.ModTime.Add(time.Duration(gen) * time.Second)
	}
	out := w
	if s.cfg.Rate > 0 {
		out = &rateWriter{ResponseWriter: w, rate: s.cfg.Rate, done: s.done}
	}
	if f != nil {
		switch f.Kind {
		case FaultSlow:
			s.pause(r, f.Delay)
		case FaultNotVideo:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, "<!doctype html><html><body><h1>Welcome to our storage</h1></body></html>")
			return
		case FaultIgnoreRange:
			r.Header.Del("Range")
		case FaultWrongRangeOffset:
			serveWrongRange(w, r, file)
			return
		case FaultTruncate:
			out = &cutWriter{ResponseWriter: w, num: 1, den: 2, at: f.CutAfter}
		case FaultResetMidBody:
			out = &cutWriter{ResponseWriter: w, num: 1, den: 3, at: f.CutAfter, reset: true}
		case FaultTrickle:
			out = &trickleWriter{ResponseWriter: w, sim: s, r: r, delay: f.Delay}
		}
	}
	serve(out, r, file)
}

// fileVersion is how many times the file has been given a new ETag;
// bump gives it one more first.
func (s *Sim) fileVersion(file *demo.File, bump bool) int {
	key := file.Task + "/" + strconv.Itoa(file.Item)
	s.mu.Lock()
	defer s.mu.Unlock()
	if bump {
		s.etagGen[key]++
	}
	return s.etagGen[key]
}
