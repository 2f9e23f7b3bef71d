package demo

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/reelhouse/reelhouse/client"
)

// VideoFile returns exactly the bytes the file host serves for item n
// (counting from 0, in the order of the task's data) of task id, or nil if
// there is no such task or item. Each item of each task is a valid MP4
// with its own checksum: the service appends an MP4 "free" box naming the
// task and item. Only the MP4 and the name of the task are held in memory:
// the padding is generated as it is read.
func (s *Service) VideoFile(id string, n int) *io.SectionReader {
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
		return 0, errors.New("demo: negative offset")
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

func (s *Service) videoFile(id string, n int) *paddedVideo {
	key := id + "/" + strconv.Itoa(n)
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.cache[key]; ok {
		return v
	}
	var base []byte
	if t, ok := s.tasks[id]; ok {
		base = s.videoOf(id, t.req, n).Data
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
func (s *Service) signedURL(id string, n int, now time.Time) string {
	return s.signedItemURL("files", "mp4", id, n, now)
}

// signedItemURL is the signed, expiring URL of item n of task id under
// /dir/ on the file host; every URL handed out is remembered.
func (s *Service) signedItemURL(dir, ext, id string, n int, now time.Time) string {
	exp := now.Add(s.cfg.URLTTL).Unix()
	if s.cfg.URLTTL%time.Second != 0 || s.cfg.URLTTL < time.Second {
		exp = now.Add(s.cfg.URLTTL).Add(time.Second - 1).Unix() // round up
	}
	u := fmt.Sprintf("%s/%s/%s/%d.%s?expires=%d&sig=%s",
		s.fileBase, dir, url.PathEscape(id), n, ext, exp, s.sign(id, n, exp))
	if s.cfg.Hooks.URLIssued != nil {
		s.cfg.Hooks.URLIssued(u)
	}
	return u
}

// RevokeURLs makes every video and cover URL handed out so far invalid:
// the file host answers 403 to them, as after a storage key rotation.
func (s *Service) RevokeURLs() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.secret = randomBytes(32)
}

func (s *Service) sign(id string, n int, exp int64) string {
	s.mu.Lock()
	secret := s.secret
	s.mu.Unlock()
	mac := hmac.New(sha256.New, secret)
	fmt.Fprintf(mac, "%s\n%d\n%d", id, n, exp)
	return hex.EncodeToString(mac.Sum(nil))[:32]
}

// validators returns the file's ETag and modification time.
func (s *Service) validators(id string, data *paddedVideo) (string, time.Time) {
	h := sha256.New()
	h.Write(data.head)
	fmt.Fprintf(h, "+%d", data.size)
	sum := h.Sum(nil)
	etag := fmt.Sprintf(`"%x"`, sum[:8])
	mod := time.Unix(1719000000, 0).UTC()
	s.mu.Lock()
	if t, ok := s.tasks[id]; ok {
		mod = t.created.UTC().Truncate(time.Second)
	}
	s.mu.Unlock()
	return etag, mod
}

// signedItem checks a file-host request the way a real storage host
// would: no credentials, a known item of a finished task, a valid and
// unexpired signature. It answers the request itself when the check fails.
func (s *Service) signedItem(w http.ResponseWriter, r *http.Request, ext string) (id string, n int, ok bool) {
	if r.Header.Get("Authorization") != "" {
		http.Error(w, "This host does not accept credentials.", http.StatusBadRequest)
		return "", 0, false
	}

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

// File is a checked request's video file, as Hooks.ServeVideo sees it.
type File struct {
	Task    string            // the task's id
	Item    int               // the item of the task's data, from 0
	Content *io.SectionReader // the bytes served
	ETag    string            // sent as the ETag header
	ModTime time.Time         // sent as Last-Modified
}

func (s *Service) handleFile(w http.ResponseWriter, r *http.Request) {
	id, n, ok := s.signedItem(w, r, ".mp4")
	if !ok {
		return
	}
	data := s.videoFile(id, n)
	etag, mod := s.validators(id, data)
	f := &File{Task: id, Item: n, Content: io.NewSectionReader(data, 0, data.size), ETag: etag, ModTime: mod}
	if s.cfg.Hooks.ServeVideo != nil {
		s.cfg.Hooks.ServeVideo(w, r, f, serveFile)
		return
	}
	serveFile(w, r, f)
}

// serveFile answers a request for f, whole or in ranges.
func serveFile(w http.ResponseWriter, r *http.Request, f *File) {
	w.Header().Set("ETag", f.ETag)
	w.Header().Set("Content-Type", "video/mp4")
	http.ServeContent(w, r, "video.mp4", f.ModTime, f.Content)
}

// signedCoverURL is the cover image URL of video n of task id, signed and
// expiring like the video's own URL.
func (s *Service) signedCoverURL(id string, n int, now time.Time) string {
	return s.signedItemURL("covers", "png", id, n, now)
}

// handleCover serves the cover of a finished task's video.
func (s *Service) handleCover(w http.ResponseWriter, r *http.Request) {
	id, n, ok := s.signedItem(w, r, ".png")
	if !ok {
		return
	}
	data, kind := s.coverOf(id, n)
	w.Header().Set("Content-Type", kind)
	w.Write(data)
}
