package apitest

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// signedCoverURL is the cover image URL of video n of task id, signed and
// expiring like the video's own URL.
func (s *Sim) signedCoverURL(id string, n int, now time.Time) string {
	exp := now.Add(s.cfg.URLTTL).Add(time.Second - 1).Unix()
	u := fmt.Sprintf("%s/covers/%s/%d.png?expires=%d&sig=%s",
		s.fileBase, url.PathEscape(id), n, exp, s.sign(id, n, exp))
	s.mu.Lock()
	s.issued = append(s.issued, u)
	s.mu.Unlock()
	return u
}

// handleCover serves the cover of a finished task's video.
func (s *Sim) handleCover(w http.ResponseWriter, r *http.Request) {
	s.record(r)
	s.mu.Lock()
	s.counts.Files++
	if r.Header.Get("Authorization") != "" {
		s.counts.FilesWithAuth++
		s.mu.Unlock()
		http.Error(w, "This host does not accept credentials.", http.StatusBadRequest)
		return
	}
	s.mu.Unlock()
	id := r.PathValue("id")
	num, ok := strings.CutSuffix(r.PathValue("name"), ".png")
	n, err := strconv.Atoi(num)
	exp, expErr := strconv.ParseInt(r.URL.Query().Get("expires"), 10, 64)
	if !ok || err != nil || expErr != nil || !hmac.Equal([]byte(r.URL.Query().Get("sig")), []byte(s.sign(id, n, exp))) ||
		time.Now().Unix() >= exp {
		http.Error(w, "Request has expired or the signature does not match.", http.StatusForbidden)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Write(CoverPNG(id, n))
}

// CoverPNG is the cover the simulator serves for video n of task id: a
// 480×270 picture whose colours depend on both, so tests can tell covers
// apart and recognise them.
func CoverPNG(id string, n int) []byte {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s/%d", id, n)))
	img := image.NewRGBA(image.Rect(0, 0, 480, 270))
	top := color.RGBA{sum[0], sum[1], sum[2], 255}
	bottom := color.RGBA{sum[3], sum[4], sum[5], 255}
	for y := range 270 {
		c := top
		if y >= 135 {
			c = bottom
		}
		for x := range 480 {
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	return buf.Bytes()
}
