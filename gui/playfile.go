package gui

import (
	"context"
	"path/filepath"

	"fyne.io/fyne/v2"

	"github.com/reelhouse/reelhouse/gui/playback"
	"github.com/reelhouse/reelhouse/history/media"
)

// PlayStats is what PlayFile's player did by the end of the video.
type PlayStats struct {
	Shown int // distinct frames put on show; the others were dropped
	Total int // frames in the video
}

// PlayFile shows a video file in Reelhouse's player, in a window of its
// own as large as the screen's room, and plays it from the start. ended,
// when not nil, is called on the UI goroutine when the video has played to
// its end. Closing the window quits.
func PlayFile(a fyne.App, path string, ended func(PlayStats)) error {
	ctx, cancel := context.WithCancel(context.Background())
	u := &UI{app: a, ctx: ctx, cancel: cancel}
	u.do = u.uiDo(fyne.Do)
	useChineseFont(a)
	if err := u.playFile(path, ended); err != nil {
		cancel()
		return err
	}
	return nil
}

// playFile is PlayFile on a UI of its own; closing the window cancels it.
func (u *UI) playFile(path string, ended func(PlayStats)) error {
	info, err := media.Probe(path)
	if err != nil {
		return err
	}
	w := u.app.NewWindow(filepath.Base(path) + " — " + appName)
	w.SetPadded(false)
	v := newPlayerViewWith(u, path, info, "", playback.Options{})
	stats := PlayStats{Total: int(info.Duration.Seconds()*info.FrameRate + 0.5)}
	seen := map[int]bool{}
	v.hooks.opened = func(err error) {
		if err == nil {
			v.play()
		}
	}
	v.hooks.shown = func(f *playback.Frame) {
		if !seen[f.Index] {
			seen[f.Index] = true
			stats.Shown++
		}
	}
	v.hooks.status = func(s playback.Status) {
		if s.Ended && ended != nil {
			ended(stats)
		}
	}
	w.SetContent(v.content())
	w.Resize(houseRoom)
	w.SetOnClosed(func() {
		v.close()
		u.cancel()
	})
	w.Show()
	return nil
}
