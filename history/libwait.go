package history

import (
	"context"
	"time"
)

// defaultLibraryCheck is how often the tracker looks whether the library
// folder is there (a drive connected or unplugged).
const defaultLibraryCheck = 5 * time.Second

// checkLibrary looks whether the library folder is there, publishes
// EventLibraryUnavailable or EventLibraryAvailable when that changed, and
// reports whether it is. No download starts while it is not: a drive that
// is not connected leaves an empty folder or none, and nothing is written
// in its place.
func (t *Tracker) checkLibrary() bool {
	if t.lib == nil || t.lib.Folder() == nil {
		return true
	}
	ok := t.lib.Available()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.libGone == !ok {
		return ok
	}
	t.libGone = !ok
	if ok {
		t.events.publish(Event{Kind: EventLibraryAvailable})
	} else {
		t.events.publish(Event{Kind: EventLibraryUnavailable, Message: t.lib.Dir()})
	}
	return ok
}

// LibraryUnavailable reports whether the library folder was not there the
// last time the tracker looked; the downloads wait until it is back.
func (t *Tracker) LibraryUnavailable() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.libGone
}

// watchLibrary looks at the library folder now and then until ctx ends,
// and starts the downloads that waited for it once it is back.
func (t *Tracker) watchLibrary(ctx context.Context) {
	every := t.opts.LibraryCheck
	if every <= 0 {
		every = defaultLibraryCheck
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			t.mu.Lock()
			gone := t.libGone
			t.mu.Unlock()
			if t.checkLibrary() && gone {
				t.pokeDownloads()
			}
		}
	}
}
