package gui

import (
	"bytes"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/reelhouse/reelhouse/client/apitest"
)

// A picked image is sent inline, kept in the library, and "Generate
// again" from the history sends the very same image.
func TestComposeImageKeptAndSentAgain(t *testing.T) {
	h := newHarnessWith(t, apitest.Config{})
	v := h.ui.compose
	img := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte("picture"), 20000)...)
	dataURL, err := imageDataURL(bytes.NewReader(img))
	if err != nil {
		t.Fatal(err)
	}
	v.image, v.imageName = dataURL, "picture.png"
	test.Type(v.prompt, "a fox from my picture")
	test.Tap(v.generate)
	h.loop.until(t, "the task", func() bool { return len(h.sim.TaskIDs()) == 1 && !v.inFlight })
	if sent, _ := h.sim.Task(h.sim.TaskIDs()[0]); len(sent.Image) != 1 || sent.Image[0].URL != dataURL {
		t.Fatal("the first request did not carry the picked image")
	}
	rec, err := h.deps.Store.Get(t.Context(), v.lastID)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Request.Image) != 1 || rec.Request.Image[0].URL != "" {
		t.Fatalf("the history holds the image itself, not its kept file: %.120v", rec.Request.Image)
	}

	v.fill(rec.Request)
	h.loop.until(t, "the kept picture's preview", func() bool { return v.preview.Visible() })
	if !bytes.Equal(v.preview.Resource.Content(), img) {
		t.Error("the preview is not the kept picture")
	}
	test.Tap(v.generate)
	h.loop.until(t, "the second task", func() bool { return len(h.sim.TaskIDs()) == 2 && !v.inFlight })
	if sent, _ := h.sim.Task(h.sim.TaskIDs()[1]); len(sent.Image) != 1 || sent.Image[0].URL != dataURL || sent.Image[0].Role != "first_frame" {
		t.Error("generating again did not send the same image")
	}
}
