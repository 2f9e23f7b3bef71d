package gui

import (
	"strings"
	"testing"
	"time"

	"github.com/reelhouse/reelhouse/history/media"
	"github.com/reelhouse/reelhouse/history/store"
)

func TestMediaTextSaysPixelShapeAndCutShort(t *testing.T) {
	plain := store.File{MediaState: store.MediaOK, Media: media.Info{Duration: 2 * time.Second, Width: 320, Height: 180, FrameRate: 24, VideoCodec: "h264"}}
	odd := plain
	odd.Media.PixelAspect, odd.Media.Truncated = "64:45", true
	if got := mediaText(plain); strings.Contains(got, "pixels") || strings.Contains(got, "cut short") {
		t.Errorf("a plain file is described as %q", got)
	}
	got := mediaText(odd)
	for _, want := range []string{"pixels 64:45 (not square)", "cut short"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q does not say %q", got, want)
		}
	}
}
