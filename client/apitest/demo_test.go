package apitest_test

import (
	"bytes"
	"image"
	_ "image/jpeg"
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/client/apitest"
	"github.com/reelhouse/reelhouse/history/media"
)

func TestDemoClipsFollowTheRequest(t *testing.T) {
	t.Parallel()
	sim := newSim(t, apitest.Config{DemoClips: true})
	tests := []struct {
		ratio    string
		duration int
		w, h     int
		secs     float64
	}{
		{"9:16", 5, 480, 854, 4},
		{"9:16", 10, 480, 854, 8},
		{"16:9", 4, 854, 480, 4},
		{"16:9", 15, 854, 480, 8},
		{"1:1", 6, 480, 480, 4},
		{"1:1", 7, 480, 480, 8},
		{"", 0, 854, 480, 4},
		{"21:9", 5, 854, 480, 4},
		{"3:4", 12, 480, 854, 8},
	}
	for _, tt := range tests {
		id := sim.AddTask(client.CreateRequest{Model: "m", Prompt: "p", Ratio: tt.ratio, Duration: tt.duration})
		sim.SetOutcome(id, client.StatusSuccess)
		b := sim.VideoBytes(id, 0)
		info, err := media.ProbeReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatalf("%s %d s: %v", tt.ratio, tt.duration, err)
		}
		if info.Width != tt.w || info.Height != tt.h || math.Abs(info.Duration.Seconds()-tt.secs) > 0.1 {
			t.Errorf("ratio %q, %d s: got %dx%d, %v; want %dx%d, %v s", tt.ratio, tt.duration,
				info.Width, info.Height, info.Duration, tt.w, tt.h, tt.secs)
		}
	}
}

// TestDemoPortraitRequestGivesPortraitVideo goes the whole way over HTTP:
// a create asking for 9:16, the task's answer, and the file downloaded
// from its signed URL.
func TestDemoPortraitRequestGivesPortraitVideo(t *testing.T) {
	t.Parallel()
	sim := newSim(t, apitest.Config{DemoClips: true, Covers: true, PendingFor: time.Millisecond, RunningFor: time.Millisecond})
	hc := httpClient(t)
	a := create(t, hc, sim, `{"model":"m","prompt":"a lighthouse","ratio":"9:16","resolution":"720p","duration":5}`)
	id, _ := a.json(t)["task_id"].(string)
	sim.SetOutcome(id, client.StatusSuccess)
	data, _ := query(t, hc, sim, id).json(t)["data"].([]any)
	if len(data) != 1 {
		t.Fatalf("data = %v", data)
	}
	item := data[0].(map[string]any)
	if item["resolution"] != "480x854" || item["duration"] != 4.0 {
		t.Errorf("the task says %v", item)
	}
	file := do(t, hc, http.MethodGet, item["url"].(string), "", "")
	if file.status != http.StatusOK {
		t.Fatalf("download: %d", file.status)
	}
	info, err := media.ProbeReader(bytes.NewReader(file.body), int64(len(file.body)))
	if err != nil {
		t.Fatal(err)
	}
	if info.Width >= info.Height || info.Width != 480 || info.Height != 854 {
		t.Errorf("a 9:16 request gave a %dx%d video, want portrait 480x854", info.Width, info.Height)
	}
	// Its cover is a picture of the clip, of the same shape: a library
	// without ffmpeg shows it as the thumbnail.
	cover := do(t, hc, http.MethodGet, item["cover_url"].(string), "", "")
	if cover.status != http.StatusOK {
		t.Fatalf("cover: %d", cover.status)
	}
	img, kind, err := image.Decode(bytes.NewReader(cover.body))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); kind != "jpeg" || b.Dx() != 480 || b.Dy() != 854 {
		t.Errorf("cover is a %dx%d %s, want the clip's 480x854 frame", b.Dx(), b.Dy(), kind)
	}
}

func TestWithoutDemoClipsTheTestFilesAreServed(t *testing.T) {
	t.Parallel()
	sim := newSim(t, apitest.Config{})
	id := sim.AddTask(client.CreateRequest{Model: "m", Prompt: "p", Ratio: "9:16", Duration: 10})
	b := sim.VideoBytes(id, 0)
	info, err := media.ProbeReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	if info.Width <= info.Height || info.Width > 320 {
		t.Errorf("without DemoClips the video is %dx%d, want one of the small landscape test files", info.Width, info.Height)
	}
}
