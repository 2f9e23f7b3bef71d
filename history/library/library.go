// Package library keeps the library folder and the work on the videos at
// rest in it: sidecars, the trash, reconciling the history with the
// folder, moving the folder, exporting, the kept reference images, and the
// thumbnails and filmstrips beside the history. It records in package
// store and never imports Fyne; the tracker in package history downloads
// into it and publishes the changes it announces.
package library

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/reelhouse/reelhouse/history/store"
)

// Library owns the library folder and the work on the files at rest in it:
// tags, notes and favourites with the sidecars that mirror them, the
// trash, reconciling with the folder, moving the folder and exporting.
// Its lock keeps such library-wide work from interleaving. It reaches the
// downloads under way only through Downloads, and announces its changes
// through Notify. Create one with New; the tracker of package history made
// with it downloads into its folder.
type Library struct {
	store  *store.Store
	folder atomic.Pointer[Folder]
	// mu keeps library-wide work (trash, reconcile, moving the library,
	// sidecar writes) from interleaving; it is never held while the
	// tracker's own lock is.
	mu sync.Mutex
	// notify receives the changes the library makes (see Notify).
	notify atomic.Pointer[func(Notice)]

	downloads atomic.Pointer[downloadsRef]

	thumbDir atomic.Pointer[string] // see UseThumbnails
	strips   strips                 // filmstrips made when first needed

	// heldSidecars is non-nil while the library moves: the records whose
	// sidecars are to be written in the new folder once it is in use.
	sidecarMu    sync.Mutex
	heldSidecars map[int64]bool
}

// Downloads is what the library needs from the downloads under way; the
// tracker of package history has it.
type Downloads interface {
	// StopDownload stops following and downloading a record and returns
	// once its download no longer touches the library.
	StopDownload(ctx context.Context, id int64) error
	// PauseDownloads stops every download and holds the queue until
	// resume is called.
	PauseDownloads(ctx context.Context) (resume func(), err error)
}

// downloadsRef boxes a Downloads for an atomic pointer.
type downloadsRef struct{ d Downloads }

// New makes the library of folder, recording in store.
func New(st *store.Store, folder *Folder) *Library {
	l := &Library{store: st}
	l.folder.Store(folder)
	return l
}

// Folder is the library folder in use.
func (l *Library) Folder() *Folder { return l.folder.Load() }

// Dir is the absolute path of the library folder in use.
func (l *Library) Dir() string { return l.Folder().Dir() }

// Available reports whether the library folder in use is there (see
// Folder.Available).
func (l *Library) Available() bool { return l.Folder().Available() }

// NoticeKind says what a Notice reports.
type NoticeKind int

// The kinds of change the library makes to the history.
const (
	// Changed: Record is the record with ID as it now is.
	Changed NoticeKind = iota + 1
	// Deleted: the record with ID was removed from the history.
	Deleted
	// Reloaded: many records changed at once (a rebuild, a library move).
	Reloaded
)

// Notice is one change the library made to the history, for whoever
// publishes the history's changes (the tracker does).
type Notice struct {
	Kind   NoticeKind
	ID     int64
	Record store.Record
}

// Notify makes f receive each change the library makes, in the order they
// happened; f must not block. Without it the changes go unannounced.
func (l *Library) Notify(f func(Notice)) { l.notify.Store(&f) }

// announce hands a change to the function given to Notify, if any.
func (l *Library) announce(n Notice) {
	if f := l.notify.Load(); f != nil {
		(*f)(n)
	}
}

// UseDownloads makes d the downloads the library stops and pauses.
func (l *Library) UseDownloads(d Downloads) { l.downloads.Store(&downloadsRef{d}) }

// stopDownload stops the download of a record, if any.
func (l *Library) stopDownload(ctx context.Context, id int64) error {
	if r := l.downloads.Load(); r != nil {
		return r.d.StopDownload(ctx, id)
	}
	return nil
}

// pauseDownloads holds every download until resume is called.
func (l *Library) pauseDownloads(ctx context.Context) (resume func(), err error) {
	if r := l.downloads.Load(); r != nil {
		return r.d.PauseDownloads(ctx)
	}
	return func() {}, nil
}
