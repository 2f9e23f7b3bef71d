package client_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/client/apitest"
)

func TestFetchImage(t *testing.T) {
	t.Parallel()
	sim := apitest.New(apitest.Config{PendingFor: time.Millisecond, RunningFor: time.Millisecond, Covers: true})
	t.Cleanup(sim.Close)
	c, err := client.New(sim.URL(), client.WithAPIKey(sim.Key()))
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Create(t.Context(), client.CreateRequest{Model: "m", Prompt: "with a cover"})
	if err != nil {
		t.Fatal(err)
	}
	task, err := c.Wait(t.Context(), res.TaskID, client.WaitOptions{Interval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var cover string
	json.Unmarshal(task.Data[0].Fields["cover_url"], &cover)
	if cover == "" {
		t.Fatal("the simulator sent no cover_url")
	}
	got, err := c.FetchImage(t.Context(), cover)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, apitest.CoverPNG(res.TaskID, 0)) {
		t.Error("the fetched cover differs from the served one")
	}
	if _, err := c.FetchImage(t.Context(), task.Data[0].URL); !errors.Is(err, client.ErrNotImage) {
		t.Errorf("a video fetched as an image: %v, want ErrNotImage", err)
	}
	if _, err := c.FetchImage(t.Context(), strings.Replace(cover, "sig=", "sig=0", 1)); !client.IsURLExpired(err) {
		t.Errorf("a bad signature: %v, want an expired-URL error", err)
	}
	if _, err := c.FetchImage(t.Context(), "ftp://example.com/a.png"); err == nil {
		t.Error("an ftp URL must be refused")
	}
	if n := sim.Counts().FilesWithAuth; n != 0 {
		t.Errorf("%d file-host requests carried the key", n)
	}
}

func TestImageDataURLRoundTrip(t *testing.T) {
	t.Parallel()
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0, 7, 255}, 1000)...)
	url, err := client.ImageDataURL(png)
	if err != nil || !strings.HasPrefix(url, "data:image/png;base64,") {
		t.Fatalf("ImageDataURL = %.40q, %v", url, err)
	}
	mime, data, err := client.ParseImageDataURL(url)
	if err != nil || mime != "image/png" || !bytes.Equal(data, png) {
		t.Fatalf("ParseImageDataURL = %q, %d bytes, %v", mime, len(data), err)
	}
	payload := strings.TrimPrefix(url, "data:image/png;base64,")
	for name, s := range map[string]string{
		"another media type": "data:image/jpeg;base64," + payload,
		"a parameter":        "data:image/png;name=a.png;base64," + payload,
		"unpadded base64":    "data:image/png;base64," + strings.TrimRight(payload, "="),
		"not base64":         "data:image/png," + payload,
		"not an image":       "data:text/plain;base64,aGVsbG8=",
		"a web address":      "https://example.com/a.png",
	} {
		if _, _, err := client.ParseImageDataURL(s); !errors.Is(err, client.ErrNotDataURL) {
			t.Errorf("%s: %v, want ErrNotDataURL", name, err)
		}
	}
	if _, err := client.ImageDataURL([]byte("just some text")); !errors.Is(err, client.ErrNotImageData) {
		t.Errorf("text: %v, want ErrNotImageData", err)
	}
	big := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, client.MaxInlineImageSize)...)
	if _, err := client.ImageDataURL(big); !errors.Is(err, client.ErrImageTooLarge) {
		t.Errorf("too large: %v, want ErrImageTooLarge", err)
	}
}

// A request still naming a local file instead of its data: URL is never
// sent: the service would get no image.
func TestCreateRefusesUnexpandedLocalFile(t *testing.T) {
	t.Parallel()
	sim := newSim(t, apitest.Config{})
	c := simClient(t, sim)
	req := client.CreateRequest{Model: "m", Prompt: "p", Image: []client.Media{{Role: "first_frame", File: "refs/ab.png", SHA256: "ab"}}}
	if _, err := c.Create(t.Context(), req); !errors.Is(err, client.ErrInvalidRequest) {
		t.Errorf("Create = %v, want an invalid request", err)
	}
	if n := sim.Counts().Create; n != 0 {
		t.Errorf("%d create calls reached the service", n)
	}
}

// A reference video and a reference sound are encoded and read back like
// a picture, each refused as another kind, and each bounded by its own
// size.
func TestMediaDataURLKinds(t *testing.T) {
	t.Parallel()
	mp4, err := os.ReadFile("apitest/testdata/testsrc-320x180.mp4")
	if err != nil {
		t.Fatal(err)
	}
	wav := append([]byte("RIFF\x24\x00\x00\x00WAVEfmt "), make([]byte, 2000)...)
	for _, c := range []struct {
		kind, mime string
		data       []byte
	}{{client.KindVideo, "video/mp4", mp4}, {client.KindAudio, "audio/wave", wav}} {
		url, err := client.MediaDataURL(c.kind, c.data)
		if err != nil || !strings.HasPrefix(url, "data:"+c.mime+";base64,") {
			t.Fatalf("%s: MediaDataURL = %.40q, %v", c.kind, url, err)
		}
		mime, data, err := client.ParseMediaDataURL(url)
		if err != nil || mime != c.mime || !bytes.Equal(data, c.data) || client.KindOf(mime) != c.kind {
			t.Fatalf("%s: ParseMediaDataURL = %q, %d bytes, %v", c.kind, mime, len(data), err)
		}
		if _, _, err := client.ParseImageDataURL(url); !errors.Is(err, client.ErrNotDataURL) {
			t.Errorf("%s read as an image: %v", c.kind, err)
		}
		if _, err := client.MediaDataURL(client.KindImage, c.data); !errors.Is(err, client.ErrNotMediaData) {
			t.Errorf("%s taken as an image: %v", c.kind, err)
		}
		big := append(append([]byte(nil), c.data...), make([]byte, client.MaxInlineSize(c.kind))...)
		if _, err := client.MediaDataURL(c.kind, big); !errors.Is(err, client.ErrMediaTooLarge) {
			t.Errorf("%s too large: %v, want ErrMediaTooLarge", c.kind, err)
		}
	}
	if _, err := client.MediaDataURL(client.KindVideo, wav); !errors.Is(err, client.ErrNotMediaData) {
		t.Errorf("a sound taken as a video: %v", err)
	}
}

// A sound without a picture or a video is refused before anything is
// sent, with its own code; with a picture it goes.
func TestCreateRefusesASoundAlone(t *testing.T) {
	t.Parallel()
	sim := newSim(t, apitest.Config{})
	c := simClient(t, sim)
	sound := []client.Media{{Role: "reference_audio", URL: "https://example.com/a.mp3"}}
	req := client.CreateRequest{Model: "m", Prompt: "p", Audio: sound}
	var e *client.Error
	if _, err := c.Create(t.Context(), req); !errors.As(err, &e) || e.Code != client.CodeAudioAlone {
		t.Fatalf("Create = %v, want CodeAudioAlone", err)
	}
	if n := sim.Counts().Create; n != 0 {
		t.Fatalf("%d create calls reached the service", n)
	}
	req.Video = []client.Media{{Role: "reference_video", URL: "https://example.com/a.mp4"}}
	if _, err := c.Create(t.Context(), req); err != nil {
		t.Fatalf("with a video: %v", err)
	}
	if got := sim.Requests(); len(got) != 1 || len(got[0].Audio) != 1 || len(got[0].Video) != 1 {
		t.Fatalf("the service received %+v", got)
	}
}
