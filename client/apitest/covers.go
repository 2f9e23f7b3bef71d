package apitest

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"time"
)

// signedCoverURL is the cover image URL of video n of task id, signed and
// expiring like the video's own URL.
func (s *Sim) signedCoverURL(id string, n int, now time.Time) string {
	return s.signedItemURL("covers", "png", id, n, now)
}

// handleCover serves the cover of a finished task's video.
func (s *Sim) handleCover(w http.ResponseWriter, r *http.Request) {
	id, n, ok := s.signedItem(w, r, ".png")
	if !ok {
		return
	}
	data, kind := s.coverOf(id, n)
	w.Header().Set("Content-Type", kind)
	w.Write(data)
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
