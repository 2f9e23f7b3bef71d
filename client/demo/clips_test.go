package demo_test

import (
	"bytes"
	"encoding/json"
	"image"
	_ "image/jpeg"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/client/demo"
	"github.com/reelhouse/reelhouse/history/media"
)

// demoName is how a demo clip is named: scene, ratio, size and length.
var demoName = regexp.MustCompile(`^[a-z]+-([0-9]+)x([0-9]+)-([0-9]+)x([0-9]+)-([0-9]+)s\.mp4$`)

// TestDemoClipsAreWhatTheirNamesSay reads every demo clip's headers: the
// ratio, size and length in its name, sound, and well under 1 MB.
func TestDemoClipsAreWhatTheirNamesSay(t *testing.T) {
	t.Parallel()
	names, err := filepath.Glob("testdata/*.mp4")
	if err != nil {
		t.Fatal(err)
	}
	shapes := map[string]int{}
	for _, name := range names {
		m := demoName.FindStringSubmatch(filepath.Base(name))
		if m == nil {
			t.Errorf("%s: name does not say scene-RxR-WxH-Ns.mp4", name)
			continue
		}
		n := func(i int) int { v, _ := strconv.Atoi(m[i]); return v }
		rw, rh, w, h, secs := n(1), n(2), n(3), n(4), n(5)
		shapes[m[1]+":"+m[2]]++
		st, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() > 400<<10 {
			t.Errorf("%s: %d bytes, want well under 1 MB", name, st.Size())
		}
		info, err := media.Probe(name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if info.Width != w || info.Height != h {
			t.Errorf("%s: %dx%d, want %dx%d", name, info.Width, info.Height, w, h)
		}
		if got, want := float64(w)/float64(h), float64(rw)/float64(rh); math.Abs(got/want-1) > 0.01 {
			t.Errorf("%s: ratio %.3f, want %d:%d", name, got, rw, rh)
		}
		if d := info.Duration - time.Duration(secs)*time.Second; d < -100*time.Millisecond || d > 100*time.Millisecond {
			t.Errorf("%s: %v long, want %d s", name, info.Duration, secs)
		}
		if info.VideoCodec != "h264" || !info.HasAudio {
			t.Errorf("%s: video %q, sound %v; want h264 with sound", name, info.VideoCodec, info.HasAudio)
		}
	}
	for _, ratio := range []string{"16:9", "9:16", "1:1"} {
		if shapes[ratio] != 2 {
			t.Errorf("%d clips of %s, want two lengths", shapes[ratio], ratio)
		}
	}
}

// TestDemoReadmeHoldsTheScript keeps the commands in the README the ones
// that made the clips.
func TestDemoReadmeHoldsTheScript(t *testing.T) {
	t.Parallel()
	script, err := os.ReadFile("testdata/make.sh")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("testdata/README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(readme, script) {
		t.Error("testdata/README.md does not quote make.sh as it is")
	}
}

// get fetches u (with the key, if any) and returns the status and body.
func get(t *testing.T, u, key string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	hc := &http.Client{}
	t.Cleanup(hc.CloseIdleConnections)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

// TestPortraitRequestGivesPortraitClip goes the whole way over HTTP, as
// demo mode does: a finished 9:16 task, its answer, and the clip and cover
// downloaded from their signed URLs.
func TestPortraitRequestGivesPortraitClip(t *testing.T) {
	t.Parallel()
	svc := demo.New(demo.Config{Covers: true})
	t.Cleanup(svc.Close)
	id := svc.AddTask(client.CreateRequest{Model: "m", Prompt: "a lighthouse", Ratio: "9:16", Duration: 5})
	svc.SetOutcome(id, client.StatusSuccess)
	status, body := get(t, svc.URL()+"/video/v1/tasks/"+id, svc.Key())
	if status != http.StatusOK {
		t.Fatalf("task: %d %s", status, body)
	}
	var answer struct {
		TaskID string `json:"task_id"`
		Status string `json:"task_status"`
		Data   []struct {
			URL        string  `json:"url"`
			CoverURL   string  `json:"cover_url"`
			Duration   float64 `json:"duration"`
			Resolution string  `json:"resolution"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &answer); err != nil {
		t.Fatal(err)
	}
	if answer.TaskID != id || answer.Status != "success" || len(answer.Data) != 1 {
		t.Fatalf("the task says %s", body)
	}
	item := answer.Data[0]
	if item.Resolution != "480x854" || item.Duration != 4 {
		t.Errorf("the task says %+v", item)
	}
	status, file := get(t, item.URL, "")
	if status != http.StatusOK {
		t.Fatalf("download: %d", status)
	}
	if want := svc.VideoFile(id, 0); want == nil || int64(len(file)) != want.Size() {
		t.Errorf("downloaded %d bytes, want the %v the service says it serves", len(file), want)
	}
	info, err := media.ProbeReader(bytes.NewReader(file), int64(len(file)))
	if err != nil {
		t.Fatal(err)
	}
	if info.Width != 480 || info.Height != 854 || math.Abs(info.Duration.Seconds()-4) > 0.1 {
		t.Errorf("a 9:16 request gave a %dx%d %v video, want the 480x854 4 s clip", info.Width, info.Height, info.Duration)
	}
	status, cover := get(t, item.CoverURL, "")
	if status != http.StatusOK {
		t.Fatalf("cover: %d", status)
	}
	img, kind, err := image.Decode(bytes.NewReader(cover))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); kind != "jpeg" || b.Dx() != 480 || b.Dy() != 854 {
		t.Errorf("cover is a %dx%d %s, want the clip's 480x854 frame", b.Dx(), b.Dy(), kind)
	}
	// A revoked URL is refused, as after a storage key rotation.
	svc.RevokeURLs()
	if status, _ := get(t, item.URL, ""); status != http.StatusForbidden {
		t.Errorf("a revoked URL gave %d, want 403", status)
	}
}
