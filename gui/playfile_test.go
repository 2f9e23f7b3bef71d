package gui

import (
	"os"
	"path/filepath"
	"testing"
)

// --play's player plays the file from the start to its end by itself and
// says how many of its frames it put on show.
func TestPlayFilePlaysToTheEnd(t *testing.T) {
	clip, info := testClip(t, 160, 90, 25, 2)
	u, loop, a := newPlayerUI(t)
	var stats *PlayStats
	before := len(a.Driver().AllWindows())
	if err := u.playFile(clip, func(s PlayStats) { stats = &s }); err != nil {
		t.Fatal(err)
	}
	wins := a.Driver().AllWindows()
	if len(wins) != before+1 || wins[len(wins)-1].Title() != filepath.Base(clip)+" — Reelhouse" {
		t.Fatalf("windows %v, want one more, titled with the file's name", wins)
	}
	loop.until(t, "the end of the video", func() bool { return stats != nil })
	want := int(info.Duration.Seconds()*info.FrameRate + 0.5)
	if stats.Total != want || stats.Shown < want-2 || stats.Shown > want {
		t.Fatalf("stats %+v, want %d frames, nearly all shown", *stats, want)
	}
	wins[len(wins)-1].Close()
	loop.pump()
	if u.ctx.Err() == nil {
		t.Error("closing the window left the player's work going")
	}
}

// A file that is not a video is refused with the reason, and no window
// opens.
func TestPlayFileRefusesWhatIsNotAVideo(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notes.mp4")
	if err := os.WriteFile(path, []byte("not a video"), 0o600); err != nil {
		t.Fatal(err)
	}
	u, _, a := newPlayerUI(t)
	before := len(a.Driver().AllWindows())
	if err := u.playFile(path, nil); err == nil {
		t.Fatal("a text file was taken for a video")
	}
	if n := len(a.Driver().AllWindows()); n != before {
		t.Fatalf("%d windows opened", n-before)
	}
}
