package demo

import (
	"embed"
	"strconv"
	"strings"

	"github.com/reelhouse/reelhouse/client"
)

//go:embed testdata/*.mp4 testdata/*.jpg
var demoFiles embed.FS

// demoClip is a sample clip of testdata (see its README for how the
// clips were made).
type demoClip struct {
	Video
	shape   shape
	seconds int
}

// shape is the orientation of a picture.
type shape int

const (
	landscape shape = iota
	portrait
	square
)

// demoClips are the clips the service serves, shorter first for each
// shape.
var demoClips = []demoClip{
	demo("sunset-16x9-854x480-4s.mp4", landscape, 4, "854x480"),
	demo("sunset-16x9-854x480-8s.mp4", landscape, 8, "854x480"),
	demo("sunset-9x16-480x854-4s.mp4", portrait, 4, "480x854"),
	demo("sunset-9x16-480x854-8s.mp4", portrait, 8, "480x854"),
	demo("sunset-1x1-480x480-4s.mp4", square, 4, "480x480"),
	demo("sunset-1x1-480x480-8s.mp4", square, 8, "480x480"),
}

func demo(name string, sh shape, seconds int, resolution string) demoClip {
	return demoClip{Video: Video{Data: demoFile(name), Duration: float64(seconds), Resolution: resolution}, shape: sh, seconds: seconds}
}

// ratioShapeOf tells the shape a ratio such as "9:16" asks for; anything
// else (none, or not W:H) is landscape, the shape most models default to.
func ratioShapeOf(ratio string) shape {
	w, h, ok := strings.Cut(strings.TrimSpace(ratio), ":")
	wn, errW := strconv.Atoi(w)
	hn, errH := strconv.Atoi(h)
	switch {
	case !ok || errW != nil || errH != nil || wn <= 0 || hn <= 0 || wn > hn:
		return landscape
	case wn < hn:
		return portrait
	}
	return square
}

// pickDemo is the clip that follows req best: its shape, and the length
// nearest to the duration asked for (the shorter on a tie, and when no
// duration is given).
func pickDemo(req client.CreateRequest) Video {
	want := ratioShapeOf(req.Ratio)
	var best *demoClip
	for i := range demoClips {
		c := &demoClips[i]
		if c.shape != want {
			continue
		}
		if best == nil || abs(c.seconds-req.Duration) < abs(best.seconds-req.Duration) {
			best = c
		}
	}
	return best.Video
}

// demoPosters are the covers served beside the demo clips, one per shape:
// a frame of that shape's clips, so a library without ffmpeg still shows
// the picture the video holds.
var demoPosters = map[shape][]byte{
	landscape: demoFile("poster-16x9-854x480.jpg"),
	portrait:  demoFile("poster-9x16-480x854.jpg"),
	square:    demoFile("poster-1x1-480x480.jpg"),
}

func demoFile(name string) []byte {
	b, err := demoFiles.ReadFile("testdata/" + name)
	if err != nil {
		panic(err)
	}
	return b
}

// coverOf is the cover of video item n of task id, and its content type.
func (s *Service) coverOf(id string, n int) ([]byte, string) {
	s.mu.Lock()
	t, ok := s.tasks[id]
	s.mu.Unlock()
	if !ok {
		return nil, ""
	}
	if s.cfg.Hooks.Cover != nil {
		return s.cfg.Hooks.Cover(id, t.req, n)
	}
	return demoPosters[ratioShapeOf(t.req.Ratio)], "image/jpeg"
}

// videoOf is the video item n of task id, made for req, shows.
func (s *Service) videoOf(id string, req client.CreateRequest, n int) Video {
	if s.cfg.Hooks.Video != nil {
		return s.cfg.Hooks.Video(id, req, n)
	}
	return pickDemo(req)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
