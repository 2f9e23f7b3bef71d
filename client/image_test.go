package client_test

import (
	"bytes"
	"encoding/json"
	"errors"
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
	sim := apitest.New(apitest.Config{})
	t.Cleanup(sim.Close)
	c, err := client.New(sim.URL(), client.WithAPIKey(sim.Key()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	req := client.CreateRequest{Model: "m", Prompt: "p", Image: []client.Media{{Role: "first_frame", File: "refs/ab.png", SHA256: "ab"}}}
	if _, err := c.Create(t.Context(), req); !errors.Is(err, client.ErrInvalidRequest) {
		t.Errorf("Create = %v, want an invalid request", err)
	}
	if n := sim.Counts().Create; n != 0 {
		t.Errorf("%d create calls reached the service", n)
	}
}
