package apitest

import (
	"crypto/hmac"
	"crypto/sha256"
	"embed"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/reelhouse/reelhouse/client"
)

//go:embed testdata/*.mp4
var videoFiles embed.FS

type video struct {
	data       []byte
	duration   float64 // seconds
	resolution string
}

// videos are the real MP4 files the file host serves (see
// testdata/README.md for how they were made).
var videos = []video{
	{data: mustRead("testdata/testsrc-320x180.mp4"), duration: 2, resolution: "320x180"},
	{data: mustRead("testdata/bars-256x144-silent.mp4"), duration: 2, resolution: "256x144"},
	{data: mustRead("testdata/gradient-192x108.mp4"), duration: 1.5, resolution: "192x108"},
}

func mustRead(name string) []byte {
	b, err := videoFiles.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return b
}

// pickVideo chooses which of the videos item n of task id shows; items of
// one task differ (up to three).
func pickVideo(id string, n int) video {
	h := fnv.New32a()
	io.WriteString(h, id)
	return videos[(int(h.Sum32()%uint32(len(videos)))+n)%len(videos)]
}

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
func (s *Sim) VideoFile(id string, n int) *io.SectionReader {
	s.mu.Lock()
	_, ok := s.tasks[id]
	s.mu.Unlock()
	if !ok || n < 0 || n >= s.cfg.VideosPerTask {
		return nil
	}
	v := s.videoFile(id, n)
	return io.NewSectionReader(v, 0, v.size)
}

// paddedVideo is a served file: head (the MP4, the "free" box header and
// the name of the task) followed by size-len(head) zero bytes, which are
// never stored.
type paddedVideo struct {
	head []byte
	size int64
}

// ReadAt implements io.ReaderAt.
func (v *paddedVideo) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("apitest: negative offset")
	}
	if off >= v.size {
		return 0, io.EOF
	}
	want := len(p)
	if rest := v.size - off; int64(want) > rest {
		p = p[:rest]
	}
	n := 0
	if off < int64(len(v.head)) {
		n = copy(p, v.head[off:])
	}
	clear(p[n:])
	if len(p) < want {
		return len(p), io.EOF
	}
	return len(p), nil
}

func (s *Sim) videoFile(id string, n int) *paddedVideo {
	key := id + "/" + strconv.Itoa(n)
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.cache[key]; ok {
		return v
	}
	base := pickVideo(id, n).data
	if t, ok := s.tasks[id]; ok {
		base = s.videoOf(t, n).data
	}
	name := []byte(fmt.Sprintf("reelhouse simulator: task %s, item %d", id, n))
	boxSize := int64(8 + len(name) + s.cfg.Padding)
	head := make([]byte, 0, len(base)+16+len(name))
	head = append(head, base...)
	if boxSize <= math.MaxUint32 {
		head = binary.BigEndian.AppendUint32(head, uint32(boxSize))
		head = append(head, "free"...)
	} else {
		// A box over 4 GiB gives its size in 64 bits after the type.
		boxSize += 8
		head = binary.BigEndian.AppendUint32(head, 1)
		head = append(head, "free"...)
		head = binary.BigEndian.AppendUint64(head, uint64(boxSize))
	}
	head = append(head, name...)
	v := &paddedVideo{head: head, size: int64(len(base)) + boxSize}
	s.cache[key] = v
	return v
}

// signedURL returns a URL for item n of task id, valid for URLTTL.
func (s *Sim) signedURL(id string, n int, now time.Time) string {
	return s.signedItemURL("files", "mp4", id, n, now)
}

// signedItemURL is the signed, expiring URL of item n of task id under
// /dir/ on the file host; every URL handed out is remembered.
func (s *Sim) signedItemURL(dir, ext, id string, n int, now time.Time) string {
	exp := now.Add(s.cfg.URLTTL).Unix()
	if s.cfg.URLTTL%time.Second != 0 || s.cfg.URLTTL < time.Second {
		exp = now.Add(s.cfg.URLTTL).Add(time.Second - 1).Unix() // round up
	}
	u := fmt.Sprintf("%s/%s/%s/%d.%s?expires=%d&sig=%s",
		s.fileBase, dir, url.PathEscape(id), n, ext, exp, s.sign(id, n, exp))
	s.mu.Lock()
	s.issued = append(s.issued, u)
	s.mu.Unlock()
	return u
}

// IssuedURLs returns every signed video URL handed out so far, in order,
// so that tests can check that none of them (or their query strings) was
// written anywhere.
func (s *Sim) IssuedURLs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.issued...)
}

func (s *Sim) sign(id string, n int, exp int64) string {
	s.mu.Lock()
	secret := s.secret
	s.mu.Unlock()
	mac := hmac.New(sha256.New, secret)
	fmt.Fprintf(mac, "%s\n%d\n%d", id, n, exp)
	return hex.EncodeToString(mac.Sum(nil))[:32]
}

// validators returns the file's ETag and modification time; bump gives
// the file a new version first.
func (s *Sim) validators(id string, n int, data *paddedVideo, bump bool) (string, time.Time) {
	key := id + "/" + strconv.Itoa(n)
	s.mu.Lock()
	defer s.mu.Unlock()
	if bump {
		s.etagGen[key]++
	}
	gen := s.etagGen[key]
	h := sha256.New()
	h.Write(data.head)
	fmt.Fprintf(h, "+%d", data.size)
	sum := h.Sum(nil)
	etag := fmt.Sprintf(`"%x-%d"`, sum[:8], gen)
	mod := time.Unix(1719000000, 0).UTC()
	if t, ok := s.tasks[id]; ok {
		mod = t.created.UTC().Truncate(time.Second)
	}
	return etag, mod.Add(time.Duration(gen) * time.Second)
}

// signedItem checks a file-host request the way a real storage host
// would: no credentials, a known item of a finished task, a valid and
// unexpired signature. It answers the request itself when the check fails.
func (s *Sim) signedItem(w http.ResponseWriter, r *http.Request, ext string) (id string, n int, ok bool) {
	s.record(r)
	s.mu.Lock()
	s.counts.Files++
	if r.Header.Get("Authorization") != "" {
		s.counts.FilesWithAuth++
		s.mu.Unlock()
		http.Error(w, "This host does not accept credentials.", http.StatusBadRequest)
		return "", 0, false
	}
	s.mu.Unlock()

	id = r.PathValue("id")
	num, found := strings.CutSuffix(r.PathValue("name"), ext)
	n, err := strconv.Atoi(num)
	if !found || err != nil || n < 0 || n >= s.cfg.VideosPerTask {
		http.NotFound(w, r)
		return "", 0, false
	}
	q := r.URL.Query()
	exp, err := strconv.ParseInt(q.Get("expires"), 10, 64)
	if err != nil || !hmac.Equal([]byte(q.Get("sig")), []byte(s.sign(id, n, exp))) || time.Now().Unix() >= exp {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, "<Error><Code>AccessDenied</Code><Message>Request has expired or the signature does not match.</Message></Error>")
		return "", 0, false
	}
	if view, ok := s.taskView(id, time.Now()); !ok || view["task_status"] != client.StatusSuccess {
		http.NotFound(w, r)
		return "", 0, false
	}
	return id, n, true
}

func (s *Sim) handleFile(w http.ResponseWriter, r *http.Request) {
	id, n, ok := s.signedItem(w, r, ".mp4")
	if !ok {
		return
	}
	f := s.takeFault(TargetFiles, r)
	if s.answerStatusFault(w, r, f, false) {
		return
	}
	w = &countingWriter{ResponseWriter: w, sim: s}
	data := s.videoFile(id, n)
	etag, mod := s.validators(id, n, data, f != nil && f.Kind == FaultChangeETag)
	w.Header().Set("ETag", etag)
	w.Header().Set("Content-Type", "video/mp4")
	out := w
	if f != nil {
		switch f.Kind {
		case FaultSlow:
			s.pause(r, f.Delay)
		case FaultNotVideo:
			w.Header().Del("ETag")
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			io.WriteString(w, "<!doctype html><html><body><h1>Welcome to our storage</h1></body></html>")
			return
		case FaultIgnoreRange:
			r.Header.Del("Range")
		case FaultWrongRangeOffset:
			serveWrongRange(w, r, data, mod)
			return
		case FaultTruncate:
			out = &cutWriter{ResponseWriter: w, num: 1, den: 2, at: f.CutAfter}
		case FaultResetMidBody:
			out = &cutWriter{ResponseWriter: w, num: 1, den: 3, at: f.CutAfter, reset: true}
		case FaultTrickle:
			out = &trickleWriter{ResponseWriter: w, sim: s, r: r, delay: f.Delay}
		}
	}
	http.ServeContent(out, r, "video.mp4", mod, io.NewSectionReader(data, 0, data.size))
}

// FileBytesSent is how many bytes of video the file host has sent, over
// every request, whole or partial: with the sizes of the files, it tells
// how much a client fetched twice.
func (s *Sim) FileBytesSent() int64 { return s.sent.Load() }

// countingWriter adds what it writes to the simulator's byte count.
type countingWriter struct {
	http.ResponseWriter
	sim *Sim
}

func (c *countingWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.ResponseWriter.Write(p)
	c.sim.sent.Add(int64(n))
	return n, err
}

// serveWrongRange answers a Range request with a 206 that starts one byte
// away from where it was asked to.
func serveWrongRange(w http.ResponseWriter, r *http.Request, data *paddedVideo, mod time.Time) {
	spec, _ := strings.CutPrefix(r.Header.Get("Range"), "bytes=")
	first, _, _ := strings.Cut(spec, "-")
	start, _ := strconv.ParseInt(first, 10, 64)
	wrong := start + 1
	if wrong >= data.size {
		wrong = max(start-1, 0)
	}
	w.Header().Set("Last-Modified", mod.Format(http.TimeFormat))
	w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", wrong, data.size-1, data.size))
	w.Header().Set("Content-Length", strconv.FormatInt(data.size-wrong, 10))
	w.WriteHeader(http.StatusPartialContent)
	io.Copy(w, io.NewSectionReader(data, wrong, data.size-wrong))
}

// cutWriter passes the headers through, then only num/den of the body as
// announced by Content-Length (or at bytes, if at is positive), then ends
// the connection: orderly, or with a reset.
type cutWriter struct {
	http.ResponseWriter
	num, den int64
	at       int64
	reset    bool
	started  bool
	limit    int64 // -1 when the length is not announced
	sent     int64
}

func (c *cutWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

func (c *cutWriter) WriteHeader(code int) {
	if !c.started {
		c.started = true
		c.limit = -1
		if cl, err := strconv.ParseInt(c.Header().Get("Content-Length"), 10, 64); err == nil {
			c.limit = cl * c.num / c.den
			if c.at > 0 {
				c.limit = min(c.at, cl)
			}
		}
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *cutWriter) Write(p []byte) (int, error) {
	if !c.started {
		c.WriteHeader(http.StatusOK)
	}
	if c.limit < 0 || c.sent+int64(len(p)) <= c.limit {
		n, err := c.ResponseWriter.Write(p)
		c.sent += int64(n)
		return n, err
	}
	c.ResponseWriter.Write(p[:c.limit-c.sent])
	http.NewResponseController(c.ResponseWriter).Flush()
	if c.reset {
		dropConnection(c.ResponseWriter, true)
	}
	panic(http.ErrAbortHandler) // ends the handler; the server closes the connection
}

// trickleWriter sends the body in 16 pieces with a pause after each.
type trickleWriter struct {
	http.ResponseWriter
	sim   *Sim
	r     *http.Request
	delay time.Duration
	piece int
}

func (t *trickleWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }

func (t *trickleWriter) Write(p []byte) (int, error) {
	if t.piece == 0 {
		t.piece = len(p)/16 + 1
		if cl, err := strconv.Atoi(t.Header().Get("Content-Length")); err == nil {
			t.piece = cl/16 + 1
		}
	}
	written := 0
	for len(p) > 0 {
		k := min(t.piece, len(p))
		n, err := t.ResponseWriter.Write(p[:k])
		written += n
		if err != nil {
			return written, err
		}
		http.NewResponseController(t.ResponseWriter).Flush()
		p = p[k:]
		t.sim.pause(t.r, t.delay)
	}
	return written, nil
}
