package library

// This file keeps the sidecars next to the videos in step with the
// history, and applies the changes the user makes to a record.

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/reelhouse/reelhouse/history/store"
)

// WriteSidecars rewrites the sidecar of every file of rec that is present.
// While the library moves, the sidecars are written in the new folder once
// it is in use. A sidecar that cannot be written is not fatal: the
// database still holds everything, and the next change writes it again.
func (l *Library) WriteSidecars(rec store.Record) error {
	l.sidecarMu.Lock()
	held := l.heldSidecars != nil
	if held {
		l.heldSidecars[rec.ID] = true
	}
	l.sidecarMu.Unlock()
	if held {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.writeSidecarsLocked(rec)
}

// writeSidecarsLocked is WriteSidecars for a caller holding libMu.
func (l *Library) writeSidecarsLocked(rec store.Record) error {
	lib := l.Folder()
	var firstErr error
	for _, f := range rec.Files {
		p, err := lib.Abs(f.Path)
		if err != nil || f.Missing {
			continue
		}
		if _, err := os.Stat(p); err != nil {
			continue
		}
		if err := WriteSidecar(p, NewSidecar(rec, f)); err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		// The next reconcile need not read back what was just written.
		stampSidecar(context.Background(), l.store, lib, rec.ID, f)
	}
	return firstErr
}

// holdSidecars makes WriteSidecars keep the records it is given until
// releaseSidecars.
func (l *Library) holdSidecars() {
	l.sidecarMu.Lock()
	l.heldSidecars = make(map[int64]bool)
	l.sidecarMu.Unlock()
}

// releaseSidecars ends holdSidecars and writes the sidecars held meanwhile,
// as the records now are. The caller holds libMu.
func (l *Library) releaseSidecars(ctx context.Context) {
	l.sidecarMu.Lock()
	held := l.heldSidecars
	l.heldSidecars = nil
	l.sidecarMu.Unlock()
	for id := range held {
		if rec, err := l.store.Get(context.WithoutCancel(ctx), id); err == nil {
			_ = l.writeSidecarsLocked(rec)
		}
	}
}

// edit applies a change the user made to a record and keeps its sidecars
// in step.
func (l *Library) edit(ctx context.Context, id int64, c store.Change) (store.Record, error) {
	rec, err := l.store.Update(ctx, id, c, time.Now())
	if err != nil {
		return store.Record{}, err
	}
	l.announce(Notice{Kind: Changed, ID: id, Record: rec})
	if err := l.WriteSidecars(rec); err != nil {
		return rec, fmt.Errorf("%w: %v", store.ErrSidecarsBehind, err)
	}
	return rec, nil
}

// SetFavourite marks or unmarks a video as a favourite.
func (l *Library) SetFavourite(ctx context.Context, id int64, on bool) error {
	_, err := l.edit(ctx, id, store.Change{Favourite: &on})
	return err
}

// SetTags replaces the tags of a video.
func (l *Library) SetTags(ctx context.Context, id int64, tags []string) error {
	_, err := l.edit(ctx, id, store.Change{Tags: &tags})
	return err
}

// SetNote replaces the note of a video.
func (l *Library) SetNote(ctx context.Context, id int64, note string) error {
	_, err := l.edit(ctx, id, store.Change{Note: &note})
	return err
}

// SetTitle gives a video a title, kept in the history and its sidecars;
// the file keeps its name. An empty title removes it.
func (l *Library) SetTitle(ctx context.Context, id int64, title string) error {
	_, err := l.edit(ctx, id, store.Change{Title: &title})
	return err
}
