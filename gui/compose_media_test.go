package gui

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history/store"
)

// testSound writes a small WAV file and returns its path.
func testSound(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "song.wav")
	data := append([]byte("RIFF\x24\x00\x00\x00WAVEfmt "), bytes.Repeat([]byte{1, 2, 3}, 3000)...)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// A reference video and a sound, picked or dropped, are shown by name
// (the video with its length) and sent with the request; a sound alone is
// refused before anything is sent; a file of the wrong kind is refused
// with a sentence and leaves nothing chosen; Generate again brings an
// earlier request's kept files back.
func TestComposeReferenceVideoAndSound(t *testing.T) {
	h := newHarness(t, nil, true)
	v := h.ui.compose
	clip, err := os.ReadFile("../client/apitest/testdata/testsrc-320x180.mp4")
	if err != nil {
		t.Fatal(err)
	}
	clipPath := filepath.Join(t.TempDir(), "dance.mp4")
	if err := os.WriteFile(clipPath, clip, 0o600); err != nil {
		t.Fatal(err)
	}
	test.Type(v.prompt, "dance to the song like in the clip")

	// A sound on its own is dropped onto the window, and refused at Generate.
	v.onDropped(fyne.Position{}, []fyne.URI{storage.NewFileURI(testSound(t))})
	h.loop.until(t, "the sound read", func() bool { return v.refSound.url != "" })
	if v.refSound.label.Text != "song.wav" && !strings.HasPrefix(v.refSound.label.Text, "song.wav · ") {
		t.Errorf("the sound is shown as %q", v.refSound.label.Text)
	}
	if _, err := v.request(); err == nil || !strings.Contains(err.Error(), "only together with a picture or a video") {
		t.Fatalf("a sound alone: %v", err)
	}

	// A text file named like a video is refused; nothing is chosen.
	fake := filepath.Join(t.TempDir(), "notes.mp4")
	if err := os.WriteFile(fake, []byte("not a video at all"), 0o600); err != nil {
		t.Fatal(err)
	}
	v.refVideo.use(storage.NewFileURI(fake), nil)
	h.loop.until(t, "the wrong file refused", func() bool { return v.refVideo.problem.Visible() })
	if v.refVideo.url != "" || !strings.Contains(v.refVideo.problem.Text, "not a video Reelhouse can send") {
		t.Fatalf("a text file as the video: url %q, problem %q", v.refVideo.url, v.refVideo.problem.Text)
	}

	v.refVideo.use(storage.NewFileURI(clipPath), nil)
	h.loop.until(t, "the video read", func() bool { return v.refVideo.url != "" })
	if want := "dance.mp4 · 0:02"; v.refVideo.label.Text != want || v.refVideo.problem.Visible() {
		t.Errorf("the video is shown as %q (problem %q), want %q", v.refVideo.label.Text, v.refVideo.problem.Text, want)
	}
	if haveFFmpeg() && (!v.refVideo.preview.Visible() || v.refVideo.preview.Resource == nil) {
		t.Errorf("the video's first frame is not shown")
	}
	test.Tap(v.generate)
	h.loop.until(t, "the request sent", func() bool { return !v.inFlight && h.sim.Counts().Create == 1 })
	sent := h.sim.Requests()[0]
	wantVideo, _ := client.MediaDataURL(client.KindVideo, clip)
	if len(sent.Video) != 1 || sent.Video[0].URL != wantVideo || sent.Video[0].Role != "reference_video" ||
		len(sent.Audio) != 1 || sent.Audio[0].Role != "reference_audio" || !strings.HasPrefix(sent.Audio[0].URL, "data:audio/wave;base64,") {
		t.Fatalf("the service received video %d, audio %d", len(sent.Video), len(sent.Audio))
	}

	// Generate again: the earlier request's kept files come back.
	recs, err := h.deps.Store.List(t.Context(), store.Query{})
	if err != nil || len(recs) != 1 {
		t.Fatalf("history: %d records, %v", len(recs), err)
	}
	v.refVideo.onClear()
	v.refSound.onClear()
	v.fill(recs[0].Request)
	req, err := v.request()
	if err != nil || len(req.Video) != 1 || req.Video[0].File == "" || len(req.Audio) != 1 || req.Audio[0].File == "" {
		t.Fatalf("after Generate again the request holds %+v, %+v (%v); want the kept files", req.Video, req.Audio, err)
	}
	if v.refVideo.label.Text != "The video of the earlier request" || !v.refVideo.clear.Visible() || v.refVideo.preview.Visible() {
		t.Errorf("the kept video is shown as %q (preview shown: %v)", v.refVideo.label.Text, v.refVideo.preview.Visible())
	}
	test.Tap(v.refSound.clear)
	if req, _ := v.request(); len(req.Audio) != 0 || len(req.Video) != 1 {
		t.Errorf("the sound taken away: the request holds %d sounds, %d videos", len(req.Audio), len(req.Video))
	}
}
