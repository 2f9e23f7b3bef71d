package apitest

import (
	"embed"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/reelhouse/reelhouse/client/demo"
)

//go:embed testdata/*.mp4
var videoFiles embed.FS

// videos are the real MP4 files the file host serves (see
// testdata/README.md for how they were made).
var videos = []demo.Video{
	{Data: mustRead("testdata/testsrc-320x180.mp4"), Duration: 2, Resolution: "320x180"},
	{Data: mustRead("testdata/bars-256x144-silent.mp4"), Duration: 2, Resolution: "256x144"},
	{Data: mustRead("testdata/gradient-192x108.mp4"), Duration: 1.5, Resolution: "192x108"},
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
func pickVideo(id string, n int) demo.Video {
	h := fnv.New32a()
	io.WriteString(h, id)
	return videos[(int(h.Sum32()%uint32(len(videos)))+n)%len(videos)]
}

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

// rateWriter sends no faster than rate bytes per second, counted from its
// first write: after each write it sleeps until the bytes sent so far are
// due. A machine's sleep overshoots by a little, so it only sleeps when
// more than a millisecond ahead, and catches up after.
type rateWriter struct {
	http.ResponseWriter
	rate  int64
	done  <-chan struct{}
	start time.Time
	sent  int64
}

func (t *rateWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }

func (t *rateWriter) Write(p []byte) (int, error) {
	if t.start.IsZero() {
		t.start = time.Now()
	}
	written := 0
	for len(p) > 0 {
		k := min(len(p), 64<<10)
		n, err := t.ResponseWriter.Write(p[:k])
		written += n
		t.sent += int64(n)
		if err != nil {
			return written, err
		}
		p = p[k:]
		due := t.start.Add(time.Duration(float64(t.sent) / float64(t.rate) * float64(time.Second)))
		if wait := time.Until(due); wait > time.Millisecond {
			select {
			case <-time.After(wait):
			case <-t.done:
				return written, http.ErrAbortHandler
			}
		}
	}
	return written, nil
}

// serveWrongRange answers a Range request with a 206 that starts one byte
// away from where it was asked to.
func serveWrongRange(w http.ResponseWriter, r *http.Request, f *demo.File) {
	data, mod := f.Content, f.ModTime
	spec, _ := strings.CutPrefix(r.Header.Get("Range"), "bytes=")
	first, _, _ := strings.Cut(spec, "-")
	start, _ := strconv.ParseInt(first, 10, 64)
	wrong := start + 1
	if wrong >= data.Size() {
		wrong = max(start-1, 0)
	}
	w.Header().Set("ETag", f.ETag)
	w.Header().Set("Content-Type", "video/mp4")
	w.Header().Set("Last-Modified", mod.Format(http.TimeFormat))
	w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", wrong, data.Size()-1, data.Size()))
	w.Header().Set("Content-Length", strconv.FormatInt(data.Size()-wrong, 10))
	w.WriteHeader(http.StatusPartialContent)
	io.Copy(w, io.NewSectionReader(data, wrong, data.Size()-wrong))
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
