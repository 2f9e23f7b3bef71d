package apitest_test

import (
	"bytes"
	"encoding/binary"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/reelhouse/reelhouse/client/apitest"
)

// A padding past 4 GiB is generated as it is read, never held in memory:
// the "free" box gives its size in 64 bits, ranges anywhere are served,
// and the file host counts the bytes it sends.
func TestHugePaddingIsStreamed(t *testing.T) {
	t.Parallel()
	const padding = 5 << 30
	sim := newSim(t, apitest.Config{Padding: padding})
	hc := httpClient(t)
	id, u := successURL(t, sim, hc)
	f := sim.VideoFile(id, 0)
	if f == nil || f.Size() <= padding || f.Size() > padding+100<<10 {
		t.Fatalf("VideoFile: %v", f)
	}
	head := make([]byte, 100<<10)
	n, _ := f.ReadAt(head, 0)
	head = head[:n]
	// Walk the boxes up to the "free" one.
	var off int64
	for off+8 <= int64(len(head)) {
		size := int64(binary.BigEndian.Uint32(head[off:]))
		typ := string(head[off+4 : off+8])
		if size == 1 {
			if typ != "free" || binary.BigEndian.Uint64(head[off+8:]) != uint64(f.Size()-off) {
				t.Fatalf("box %q: large size %d, want a free box with the rest of the file (%d)",
					typ, binary.BigEndian.Uint64(head[off+8:]), f.Size()-off)
			}
			break
		}
		if size < 8 {
			t.Fatalf("box %q of size %d at %d", typ, size, off)
		}
		off += size
	}
	if off+8 > int64(len(head)) {
		t.Fatal("no box with a 64-bit size")
	}

	before := sim.FileBytesSent()
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("Range", "bytes="+strconv.FormatInt(f.Size()-10, 10)+"-")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusPartialContent || !bytes.Equal(body, make([]byte, 10)) {
		t.Fatalf("end of the file: %d %q %v", resp.StatusCode, body, err)
	}
	if got := sim.FileBytesSent() - before; got != 10 {
		t.Errorf("FileBytesSent grew by %d, want 10", got)
	}
	if sim.VideoFile(id, 1) != nil || sim.VideoFile("nope", 0) != nil {
		t.Error("VideoFile for a missing item should be nil")
	}
}

// FaultResetMidBody with CutAfter sends exactly that many bytes of the
// body before it resets the connection.
func TestCutAfter(t *testing.T) {
	t.Parallel()
	sim := newSim(t, apitest.Config{Padding: 1 << 20})
	hc := httpClient(t)
	_, u := successURL(t, sim, hc)
	sim.Inject(apitest.Fault{Kind: apitest.FaultResetMidBody, Target: apitest.TargetFiles, CutAfter: 12345})
	resp, err := hc.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil || len(body) != 12345 || sim.FileBytesSent() != 12345 {
		t.Errorf("got %d bytes (err %v), sent %d; want 12345 and an error", len(body), err, sim.FileBytesSent())
	}
}

// With a Rate the file host sends no faster than that: 2 MiB at 8 MiB/s
// take at least a quarter of a second, and arrive whole.
func TestRateLimitsTheFileHost(t *testing.T) {
	t.Parallel()
	const rate = 8 << 20
	sim := newSim(t, apitest.Config{Padding: 2 << 20, Rate: rate})
	hc := httpClient(t)
	id, u := successURL(t, sim, hc)
	size := sim.VideoFile(id, 0).Size()
	start := time.Now()
	resp, err := hc.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	took := time.Since(start)
	if err != nil || n != size {
		t.Fatalf("got %d of %d bytes: %v", n, size, err)
	}
	if least := time.Duration(float64(size) / rate * float64(time.Second)); took < least*95/100 {
		t.Errorf("%d bytes at %d B/s came in %v, want at least %v", size, rate, took, least)
	}
}
