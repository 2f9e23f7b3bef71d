package client

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Download failures. Match them with errors.Is.
var (
	// ErrNotVideo: the file host sent something that is not an MP4 file.
	ErrNotVideo = sentinel(CodeNotVideo)
	// ErrStalled: no data arrived for the stall timeout. It is transient.
	ErrStalled = sentinel(CodeStalled, ErrTransient)
	// ErrIncompleteDownload: the file host closed the transfer early. It is
	// transient; the next attempt continues where this one stopped.
	ErrIncompleteDownload = sentinel(CodeIncomplete, ErrTransient)
	// ErrTooLarge: the video is larger than the client's maximum.
	ErrTooLarge = sentinel(CodeTooLarge)
	// ErrLocalWrite: the file could not be written on this computer.
	ErrLocalWrite = sentinel(CodeLocalWrite)
	// ErrUnsupportedURL: the video address is not one Reelhouse downloads
	// from (only https, or http on this computer).
	ErrUnsupportedURL = sentinel(CodeUnsupportedURL)
	// ErrUnsupportedScheme: the video address is not a web address at all
	// (file:, ftp:, ...), so no retry can fetch it. It also matches
	// ErrUnsupportedURL.
	ErrUnsupportedScheme = sentinel(CodeUnsupportedScheme, ErrUnsupportedURL)
)

// DownloadOptions tunes Download.
type DownloadOptions struct {
	// Progress, if set, is called now and then (not for every block) with
	// the bytes in the file so far and the expected total (-1 if unknown),
	// and once at the end. It runs on Download's goroutine.
	Progress func(done, total int64)
	// StallTimeout aborts the download when no byte arrives for this long
	// (default 30 s). It is not a limit on the whole download.
	StallTimeout time.Duration
}

// DownloadResult describes a finished download.
type DownloadResult struct {
	Size         int64
	SHA256       string // hex
	ETag         string
	LastModified string
}

// DownloadError is an error answer from the file host.
type DownloadError struct {
	StatusCode int
	RetryAfter time.Duration
}

// Error gives the HTTP status, without the file's address.
func (e *DownloadError) Error() string {
	return fmt.Sprintf("file host: HTTP %d", e.StatusCode)
}

// Is makes 408, 429 and 5xx answers match ErrTransient.
func (e *DownloadError) Is(target error) bool {
	return target == ErrTransient && transientStatus(e.StatusCode)
}

func urlExpiredStatus(c int) bool {
	switch c {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusGone:
		return true
	}
	return false
}

// IsURLExpired reports whether the file host refused the link in a way
// that a fresh link from the service may fix (HTTP 400, 401, 403, 404, 410).
func IsURLExpired(err error) bool {
	var dErr *DownloadError
	return errors.As(err, &dErr) && urlExpiredStatus(dErr.StatusCode)
}

// localWriteError wraps a failure to write the file on this computer;
// Detail is the system's own word for it when there is one.
func localWriteError(err error) error {
	e := &Error{Op: OpDownload, Code: CodeLocalWrite, Cause: err, kinds: []error{ErrLocalWrite}}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		e.Detail = errno.Error()
	}
	return e
}

// partMeta is what we remember about a partial download, next to it, so
// that it can be resumed. It never holds the URL.
type partMeta struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	Size         int64  `json:"size"`            // bytes known to be on disk
	Total        int64  `json:"total,omitempty"` // expected full size, 0 if unknown
	// Boot names the run of the computer (its boot id) in which the
	// part was written. While it is the same, every byte written is in the
	// file, synced or not: a killed process loses none of them.
	Boot string `json:"boot,omitempty"`
}

func (m partMeta) validator() string {
	if m.ETag != "" && !strings.HasPrefix(m.ETag, "W/") { // weak tags cannot be used in If-Range
		return m.ETag
	}
	return m.LastModified
}

func readMeta(path string) (partMeta, bool) {
	b, err := os.ReadFile(path)
	if err != nil || len(b) > 4096 {
		return partMeta{}, false
	}
	var m partMeta
	if json.Unmarshal(b, &m) != nil || m.Size < 0 || m.Total < 0 {
		return partMeta{}, false
	}
	return m, m.validator() != ""
}

// writeMeta replaces the file at path with m, through a temporary file and
// a rename, so that a crash leaves either the old record or the new one.
func writeMeta(path string, m partMeta) error {
	b, _ := json.Marshal(m)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		os.Remove(tmp)
		return localWriteError(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return localWriteError(err)
	}
	return nil
}

// resumeFrom reads the record of a part file of n bytes and reports
// whether a download can continue from it.
func resumeFrom(metaPath string, n int64) (partMeta, bool) {
	m, ok := readMeta(metaPath)
	if !ok || n <= 0 {
		return partMeta{}, false
	}
	if m.Boot != "" && m.Boot == bootID() && n > m.Size {
		// The computer has not restarted since the part was written
		// (the process may have been killed): all of it can be kept,
		// short of the whole file, which would leave nothing to ask for.
		m.Size = n
		if m.Total > 0 {
			m.Size = min(n, m.Total-1)
		}
	}
	if m.Size <= 0 || m.Size > n || (m.Total > 0 && m.Size >= m.Total) {
		return partMeta{}, false
	}
	return m, true
}

// resumable reports whether a download to partPath could continue from
// what is there. Anything but a regular file counts as resumable, so that
// removePart is never called on it.
func resumable(partPath string) bool {
	info, err := os.Lstat(partPath)
	if err != nil {
		return false
	}
	if !info.Mode().IsRegular() {
		return true // a folder, a device: not ours to remove
	}
	_, ok := resumeFrom(partPath+".meta", info.Size())
	return ok
}

// removePart removes a part file and its records, if they are regular
// files (never a device or a folder given as the part's path).
func removePart(partPath string) {
	for _, p := range []string{partPath, partPath + ".meta", partPath + ".meta.tmp"} {
		if info, err := os.Lstat(p); err == nil && info.Mode().IsRegular() {
			os.Remove(p)
		}
	}
}

// RemoveUnusableParts removes from dir the part files (names ending in
// ".part") that no download could continue from, with their records, and
// records whose part file is gone. It must not run while a download writes
// in dir. It returns how many part files it removed.
func RemoveUnusableParts(dir string) (int, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	removed := 0
	for _, e := range entries {
		name := e.Name()
		switch {
		case strings.HasSuffix(name, ".part"):
			if !resumable(filepath.Join(dir, name)) {
				removePart(filepath.Join(dir, name))
				removed++
			}
		case strings.HasSuffix(name, ".part.meta"), strings.HasSuffix(name, ".part.meta.tmp"):
			part := name[:strings.LastIndex(name, ".part")+len(".part")]
			if _, err := os.Lstat(filepath.Join(dir, part)); errors.Is(err, os.ErrNotExist) && e.Type().IsRegular() {
				os.Remove(filepath.Join(dir, name))
			}
		}
	}
	return removed, nil
}

// checkDownloadURL allows https, and http only for this computer.
func checkDownloadURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, ErrUnsupportedURL
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return nil, ErrUnsupportedURL
		}
	default:
		// The scheme is the only part of the address worth telling: the
		// rest may be a signed link.
		return nil, &Error{Op: OpDownload, Code: CodeUnsupportedScheme, Detail: u.Scheme,
			kinds: []error{ErrUnsupportedScheme, ErrUnsupportedURL}}
	}
	if u.Host == "" {
		return nil, ErrUnsupportedURL
	}
	return u, nil
}

const (
	defaultStallTimeout = 30 * time.Second
	progressEvery       = 150 * time.Millisecond
)

// download is the state of one Download call.
type download struct {
	c        *Client
	u        *url.URL
	partPath string
	metaPath string
	opts     DownloadOptions
	f        *os.File
	hasher   hash.Hash
	offset   int64 // bytes in the file (and in hasher)
	total    int64 // expected full size, -1 if unknown
	etag     string
	lastMod  string
	head     []byte // the first bytes of the file, to recognise an MP4

	lastProgress time.Time
}

// Download fetches rawURL into partPath, which the caller later renames.
// The request never carries the API key. If partPath already holds the
// start of the same file (as recorded in partPath+".meta"), the download
// continues from there; otherwise it starts over. The result is checked:
// the length must match what the host announced and the file must look
// like an MP4. On success partPath is synced and closed and the .meta file
// removed; on failure both are kept when the next call can continue from
// them, and removed when it cannot (nothing received, or nothing to check
// a resumed transfer against). While it runs, what was received is synced
// and recorded every checkpointEvery bytes, so that a crash loses little.
func (c *Client) Download(ctx context.Context, rawURL, partPath string, opts DownloadOptions) (DownloadResult, error) {
	u, err := checkDownloadURL(rawURL)
	if err != nil {
		return DownloadResult{}, err
	}
	if opts.StallTimeout <= 0 {
		opts.StallTimeout = defaultStallTimeout
	}
	f, err := os.OpenFile(partPath, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return DownloadResult{}, localWriteError(err)
	}
	d := &download{c: c, u: u, partPath: partPath, metaPath: partPath + ".meta", opts: opts, f: f, total: -1}
	res, err := d.run(ctx)
	if cerr := f.Close(); cerr != nil && err == nil {
		err = localWriteError(cerr)
	}
	if err != nil {
		if !resumable(partPath) {
			removePart(partPath) // nothing a later call could continue from
		}
		return DownloadResult{}, err
	}
	os.Remove(d.metaPath)
	os.Remove(d.metaPath + ".tmp")
	return res, nil
}

func (d *download) run(ctx context.Context) (DownloadResult, error) {
	info, err := d.f.Stat()
	if err != nil {
		return DownloadResult{}, localWriteError(err)
	}
	if !info.Mode().IsRegular() {
		return DownloadResult{}, localWriteError(fmt.Errorf("not a regular file: %w", syscall.EISDIR))
	}
	resume, canResume := resumeFrom(d.metaPath, info.Size())

	// Watchdog: cancel the transfer when no byte arrives for StallTimeout.
	dctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stall := time.AfterFunc(d.opts.StallTimeout, func() { cancel(ErrStalled) })
	defer stall.Stop()

	for attempt := 0; ; attempt++ {
		var resp *http.Response
		if canResume && attempt == 0 {
			resp, err = d.get(dctx, &resume)
		} else {
			resp, err = d.get(dctx, nil)
		}
		if err != nil {
			return DownloadResult{}, d.fail(ctx, dctx, err)
		}
		usable, err := d.accept(resp, canResume && attempt == 0, resume)
		stall.Reset(d.opts.StallTimeout) // accept may have spent a while hashing what was kept
		if err != nil {
			resp.Body.Close()
			return DownloadResult{}, err
		}
		if !usable {
			resp.Body.Close()
			if attempt > 0 {
				return DownloadResult{}, malformedError(OpDownload, "the video host answered with a partial file that does not fit", false)
			}
			continue // start over without a range
		}
		err = d.stream(ctx, dctx, resp.Body, stall)
		resp.Body.Close()
		if err != nil {
			return DownloadResult{}, err
		}
		return d.finish()
	}
}

// get sends one request, asking for the rest of the file when resume is set.
func (d *download) get(ctx context.Context, resume *partMeta) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.u.String(), nil)
	if err != nil {
		return nil, ErrUnsupportedURL
	}
	// Built from scratch: only these headers, never the API key.
	req.Header.Set("Accept-Encoding", "identity")
	req.Header.Set("User-Agent", d.c.userAgent)
	if resume != nil {
		req.Header.Set("Range", "bytes="+strconv.FormatInt(resume.Size, 10)+"-")
		req.Header.Set("If-Range", resume.validator())
	}
	return d.c.files.Do(req)
}

// accept looks at the answer's status and headers and prepares the file.
// usable is false when the answer cannot be used and the caller should
// start over without a range.
func (d *download) accept(resp *http.Response, resuming bool, resume partMeta) (usable bool, err error) {
	switch {
	case resp.StatusCode == http.StatusOK:
		d.total = resp.ContentLength
		if err := d.reset(); err != nil {
			return false, err
		}
	case resp.StatusCode == http.StatusPartialContent:
		start, end, total, ok := parseContentRange(resp.Header.Get("Content-Range"))
		if !ok {
			return false, d.resetForRetry()
		}
		if resuming {
			if start != resume.Size || (resume.Total > 0 && total > 0 && total != resume.Total) ||
				(total > 0 && end != total-1) {
				return false, d.resetForRetry()
			}
			ok, err := d.keep(resume.Size)
			if err != nil {
				return false, err
			}
			if !ok { // what we kept is not the start of a video
				return false, d.resetForRetry()
			}
		} else {
			// We asked for the whole file; accept a 206 only if it is that.
			if start != 0 || total <= 0 || end != total-1 {
				return false, d.resetForRetry()
			}
			if err := d.reset(); err != nil {
				return false, err
			}
		}
		d.total = total
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable && resuming:
		return false, d.resetForRetry()
	default:
		return false, &DownloadError{
			StatusCode: resp.StatusCode,
			RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()),
		}
	}
	if d.total >= 0 && d.total > d.c.maxDownload {
		return false, d.tooLarge()
	}
	d.etag = resp.Header.Get("ETag")
	d.lastMod = resp.Header.Get("Last-Modified")
	if resuming && resp.StatusCode == http.StatusPartialContent {
		d.etag = cmp.Or(d.etag, resume.ETag)
		d.lastMod = cmp.Or(d.lastMod, resume.LastModified)
	}
	// Remember the validators now, so that a crash can still resume.
	if err := writeMeta(d.metaPath, d.meta()); err != nil {
		return false, err
	}
	d.progress(true)
	return true, nil
}

func (d *download) meta() partMeta {
	m := partMeta{ETag: d.etag, LastModified: d.lastMod, Size: d.offset, Boot: bootID()}
	if d.total > 0 {
		m.Total = d.total
	}
	return m
}

// reset empties the file to start from the first byte.
func (d *download) reset() error {
	if err := d.f.Truncate(0); err != nil {
		return localWriteError(err)
	}
	if _, err := d.f.Seek(0, io.SeekStart); err != nil {
		return localWriteError(err)
	}
	d.offset = 0
	d.hasher = sha256.New()
	d.head = d.head[:0]
	return nil
}

// resetForRetry empties the file and forgets the old validators.
func (d *download) resetForRetry() error {
	os.Remove(d.metaPath)
	return d.reset()
}

// keep continues after the first n bytes already in the file. It reports
// false if those bytes do not start like an MP4 file.
func (d *download) keep(n int64) (bool, error) {
	if err := d.f.Truncate(n); err != nil {
		return false, localWriteError(err)
	}
	head := make([]byte, min(n, 8))
	if _, err := io.ReadFull(io.NewSectionReader(d.f, 0, int64(len(head))), head); err != nil {
		return false, localWriteError(err)
	}
	if len(head) == 8 && !isMP4Head(head) {
		return false, nil
	}
	d.hasher = sha256.New()
	if _, err := io.Copy(d.hasher, io.NewSectionReader(d.f, 0, n)); err != nil {
		return false, localWriteError(err)
	}
	if _, err := d.f.Seek(n, io.SeekStart); err != nil {
		return false, localWriteError(err)
	}
	d.offset = n
	d.head = append(d.head[:0], head...)
	return true, nil
}

func isMP4Head(b []byte) bool { return len(b) >= 8 && bytes.Equal(b[4:8], []byte("ftyp")) }

func (d *download) notVideo() error {
	d.f.Truncate(0)
	os.Remove(d.metaPath)
	return ErrNotVideo
}

func (d *download) tooLarge() error {
	d.f.Truncate(0)
	os.Remove(d.metaPath)
	return &Error{Op: OpDownload, Code: CodeTooLarge, Detail: "maximum " + formatSize(d.c.maxDownload), kinds: []error{ErrTooLarge}}
}

func formatSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// Buffers of the stream loop: while one block is hashed on a goroutine of
// its own, the next ones are read and written, so that SHA-256 costs no
// time on the path of the bytes. streamBufs bounds the memory to
// streamBufs × streamBufSize.
const (
	streamBufSize = 1 << 20
	streamBufs    = 3
	// writebackEvery is how often the kernel is asked to start writing
	// what was received to the disk (see startWriteback).
	writebackEvery = 8 << 20
	// checkpointEvery is how often what was received is synced and its
	// size recorded in the .meta file, so that after a power cut the next
	// attempt fetches at most this much again, plus what was in flight.
	// After the process alone was killed, all that was written is kept
	// (see partMeta.Boot).
	checkpointEvery = 16 << 20
)

// hashPipe hashes blocks handed to it on a goroutine of its own and hands
// each buffer back when done with it.
type hashPipe struct {
	todo chan []byte // blocks to hash, in file order
	free chan []byte // buffers ready to be filled
	done chan struct{}
}

func newHashPipe(h hash.Hash) *hashPipe {
	p := &hashPipe{
		todo: make(chan []byte, streamBufs),
		free: make(chan []byte, streamBufs),
		done: make(chan struct{}),
	}
	for range streamBufs {
		p.free <- make([]byte, streamBufSize)
	}
	go func() {
		defer close(p.done)
		for b := range p.todo {
			h.Write(b)
			p.free <- b[:cap(b)]
		}
	}()
	return p
}

// wait hashes what was handed over and stops the goroutine. The hash then
// holds exactly the blocks passed to todo.
func (p *hashPipe) wait() {
	close(p.todo)
	<-p.done
}

// stream copies the body into the file, feeding the watchdog.
func (d *download) stream(ctx, dctx context.Context, body io.Reader, stall *time.Timer) error {
	pipe := newHashPipe(d.hasher)
	defer pipe.wait()
	flushed := d.offset      // bytes whose writeback was started
	checkpointed := d.offset // bytes recorded in the .meta file
	for {
		buf := <-pipe.free
		n, rerr := body.Read(buf)
		if n > 0 {
			stall.Reset(d.opts.StallTimeout)
			chunk := buf[:n]
			if d.offset+int64(n) > d.c.maxDownload {
				return d.tooLarge()
			}
			if len(d.head) < 8 {
				d.head = append(d.head, chunk[:min(len(chunk), 8-len(d.head))]...)
				if len(d.head) == 8 && !isMP4Head(d.head) {
					return d.notVideo()
				}
			}
			if _, err := d.f.Write(chunk); err != nil {
				return d.saveAndWrap(localWriteError(err))
			}
			pipe.todo <- chunk
			d.offset += int64(n)
			if d.offset-flushed >= writebackEvery {
				startWriteback(d.f, flushed, d.offset-flushed)
				flushed = d.offset
			}
			if d.offset-checkpointed >= checkpointEvery {
				if err := d.checkpoint(); err != nil {
					return err
				}
				checkpointed = d.offset
			}
			d.progress(false)
		} else {
			pipe.free <- buf
		}
		if rerr == io.EOF {
			return nil
		}
		if rerr != nil {
			return d.saveAndWrap(d.fail(ctx, dctx, rerr))
		}
	}
}

// fail turns a transfer failure into the caller's cancellation, a stall,
// a refused redirect or a cut-off transfer.
func (d *download) fail(ctx, dctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	if errors.Is(context.Cause(dctx), ErrStalled) {
		return &Error{Op: OpDownload, Code: CodeStalled, Detail: "no data for " + formatDuration(d.opts.StallTimeout), kinds: []error{ErrStalled, ErrTransient}}
	}
	err = unwrapURLError(err)
	if errors.Is(err, ErrRedirectRefused) {
		return err
	}
	if d.offset > 0 || errors.Is(err, io.ErrUnexpectedEOF) {
		return &Error{Op: OpDownload, Code: CodeIncomplete, Cause: err, kinds: []error{ErrIncompleteDownload, ErrTransient}}
	}
	return transportError(OpDownload, err)
}

// checkpoint makes the bytes received so far durable, then records their
// count, so that a crash at any moment leaves a .meta file that describes
// bytes really on the disk. Without a validator there is nothing to resume
// against, and nothing is recorded.
func (d *download) checkpoint() error {
	if d.etag == "" && d.lastMod == "" {
		return nil
	}
	if err := syncData(d.f); err != nil {
		return localWriteError(err)
	}
	return writeMeta(d.metaPath, d.meta())
}

// saveAndWrap syncs what was received and records it for a later resume.
func (d *download) saveAndWrap(err error) error {
	if errors.Is(err, ErrLocalWrite) {
		d.recordWritten()
		return err
	}
	if serr := d.f.Sync(); serr != nil {
		return localWriteError(serr)
	}
	if d.etag == "" && d.lastMod == "" {
		return err // nothing to resume against
	}
	if merr := writeMeta(d.metaPath, d.meta()); merr != nil {
		return merr
	}
	return err
}

// recordWritten records, as far as the disk allows, the bytes written
// before a local write failed (a full disk, say): they are good, and a
// later call continues after them instead of from the first byte, even
// after the computer restarted. The record is otherwise that of the
// start of the transfer, which vouches for no byte once the computer has
// restarted (or where the system does not name its boots).
func (d *download) recordWritten() {
	if (d.etag == "" && d.lastMod == "") || d.offset == 0 || d.f.Sync() != nil {
		return
	}
	m := d.meta()
	if writeMeta(d.metaPath, m) == nil {
		return
	}
	// A full disk has no room for the record's temporary file: overwrite
	// the old record in place, whose room is given back first, and put it
	// back if even that fails.
	old, rerr := os.ReadFile(d.metaPath)
	b, _ := json.Marshal(m)
	if os.WriteFile(d.metaPath, b, 0o600) != nil && rerr == nil {
		os.WriteFile(d.metaPath, old, 0o600)
	}
}

// finish checks the whole file and syncs it.
func (d *download) finish() (DownloadResult, error) {
	if d.total >= 0 && d.offset != d.total {
		return DownloadResult{}, d.saveAndWrap(&Error{
			Op: OpDownload, Code: CodeIncomplete,
			Detail: fmt.Sprintf("%d of %d bytes", d.offset, d.total),
			kinds:  []error{ErrIncompleteDownload, ErrTransient},
		})
	}
	if !isMP4Head(d.head) {
		return DownloadResult{}, d.notVideo()
	}
	if err := d.f.Sync(); err != nil {
		return DownloadResult{}, localWriteError(err)
	}
	d.progress(true)
	return DownloadResult{
		Size:         d.offset,
		SHA256:       hex.EncodeToString(d.hasher.Sum(nil)),
		ETag:         d.etag,
		LastModified: d.lastMod,
	}, nil
}

// progress reports at most every progressEvery, unless forced.
func (d *download) progress(force bool) {
	if d.opts.Progress == nil {
		return
	}
	now := time.Now()
	if !force && now.Sub(d.lastProgress) < progressEvery {
		return
	}
	d.lastProgress = now
	d.opts.Progress(d.offset, d.total)
}

// parseContentRange reads "bytes start-end/total" (total may be "*", then
// -1 is returned for it).
func parseContentRange(h string) (start, end, total int64, ok bool) {
	rest, found := strings.CutPrefix(strings.TrimSpace(h), "bytes ")
	if !found {
		return 0, 0, 0, false
	}
	rng, tot, found := strings.Cut(rest, "/")
	if !found {
		return 0, 0, 0, false
	}
	a, b, found := strings.Cut(rng, "-")
	if !found {
		return 0, 0, 0, false
	}
	var err error
	if start, err = strconv.ParseInt(strings.TrimSpace(a), 10, 64); err != nil || start < 0 {
		return 0, 0, 0, false
	}
	if end, err = strconv.ParseInt(strings.TrimSpace(b), 10, 64); err != nil || end < start {
		return 0, 0, 0, false
	}
	total = -1
	if tot = strings.TrimSpace(tot); tot != "*" {
		if total, err = strconv.ParseInt(tot, 10, 64); err != nil || total <= end {
			return 0, 0, 0, false
		}
	}
	return start, end, total, true
}
