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
