package gui

import (
	"fyne.io/fyne/v2/lang"

	"github.com/reelhouse/reelhouse/history"
)

// startBridge carries the tracker's events to the windows. It is the only
// goroutine that turns background events into widget changes, and it does
// so only through u.do.
func (u *UI) startBridge() {
	events, stop := u.deps.Tracker.Subscribe()
	u.wg.Go(func() {
		<-u.ctx.Done()
		stop()
	})
	u.wg.Go(func() {
		for e := range events {
			u.do(func() { u.apply(e) })
		}
	})
}

// apply runs on the UI goroutine.
func (u *UI) apply(e history.Event) {
	switch e.Kind {
	case history.EventChanged:
		u.library.model.onRecordChanged(e.Record)
		u.compose.onRecordChanged(e.Record)
		u.library.model.countVideos() // a download may have added videos
		u.mainWin.follow(e.Record)
		if u.story != nil {
			u.story.onRecordChanged(e.Record)
		}
	case history.EventStory:
		if u.story != nil {
			u.story.onStoryChanged(e.ID)
		}
	case history.EventJoin:
		if u.story != nil {
			u.story.onJoinProgress(e.ID, e.Done, e.Total)
		}
	case history.EventDeleted:
		u.library.model.onRecordDeleted(e.ID)
		u.mainWin.forget(e.ID)
	case history.EventProgress:
		u.library.model.onProgress(e.ID, e.Done, e.Total)
		if u.story != nil {
			u.story.onProgress(e.ID, e.Done, e.Total)
		}
	case history.EventKeyRefused:
		u.settings.onKeyRefused(lang.L(keyRefusedText))
	case history.EventKeyAccepted:
		u.settings.onKeyAccepted()
	case history.EventReloaded:
		u.background(u.library.model.reload)
		u.mainWin.onReloaded()
	case history.EventServiceUnreachable:
		u.library.onServiceUnreachable()
	case history.EventServiceReachable:
		u.library.onServiceReachable()
	case history.EventLibraryUnavailable:
		u.library.onLibraryUnavailable()
	case history.EventLibraryAvailable:
		u.library.onLibraryAvailable()
	}
}
