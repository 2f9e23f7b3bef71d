package history

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
// downloads under way only through Downloads. Create one with NewLibrary;
// a Tracker made with it downloads into its folder.
type Library struct {
	store  *store.Store
	folder atomic.Pointer[Folder]
	// mu keeps library-wide work (trash, reconcile, moving the library,
	// sidecar writes) from interleaving; it is never held while the
	// tracker's own lock is.
	mu sync.Mutex
	// events is the one stream of changes, shared with the tracker.
	events broker

	downloads atomic.Pointer[downloadsRef]

	// heldSidecars is non-nil while the library moves: the records whose
	// sidecars are to be written in the new folder once it is in use.
	sidecarMu    sync.Mutex
	heldSidecars map[int64]bool
}

// Downloads is what the library needs from the downloads under way;
// *Tracker has it.
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

// NewLibrary makes the library of folder, recording in store.
func NewLibrary(st *store.Store, folder *Folder) *Library {
	l := &Library{store: st}
	l.folder.Store(folder)
	return l
}

// Folder is the library folder in use.
func (l *Library) Folder() *Folder { return l.folder.Load() }

// Dir is the absolute path of the library folder in use.
func (l *Library) Dir() string { return l.Folder().Dir() }

// Subscribe returns a channel of the events of the library and of the
// tracker downloading into it, and a function that ends the subscription.
// The channel closes after the function is called.
func (l *Library) Subscribe() (<-chan Event, func()) { return l.events.subscribe() }

// useDownloads makes d the downloads the library stops and pauses.
func (l *Library) useDownloads(d Downloads) { l.downloads.Store(&downloadsRef{d}) }

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
