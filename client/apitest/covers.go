package apitest

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"image"
	"image/color"
	"image/png"
)

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
