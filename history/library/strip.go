package library

// This file names the thumbnails and filmstrips of the library's videos,
// which are cached beside the history, and makes the filmstrip of a video
// downloaded before filmstrips existed (or while ffmpeg was missing), when
// the library first needs it.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/reelhouse/reelhouse/history/media"
	"github.com/reelhouse/reelhouse/history/store"
)

// UseThumbnails makes dir the folder where the thumbnails and filmstrips
// of the library's videos are cached; "" (the default): they have none.
// The tracker writes them there after each download (ThumbnailName names
// them).
func (l *Library) UseThumbnails(dir string) { l.thumbDir.Store(&dir) }

// thumbnailDir is the folder given to UseThumbnails, or "".
func (l *Library) thumbnailDir() string {
	if d := l.thumbDir.Load(); d != nil {
		return *d
	}
	return ""
}

// ThumbnailName is the name, in the thumbnail folder, of the thumbnail of
// video idx of a task.
func ThumbnailName(taskID string, idx int) string {
	return fmt.Sprintf("%s-%d.png", safeID(taskID, 64), idx)
}

// ThumbnailPath is the cached thumbnail of a file, or "" when it has none.
func (l *Library) ThumbnailPath(f store.File) string {
	dir := l.thumbnailDir()
	if f.Thumbnail == "" || dir == "" || strings.ContainsAny(f.Thumbnail, `/\`) {
		return ""
	}
	return filepath.Join(dir, f.Thumbnail)
}

// StripPath is the filmstrip of a file (a few of its frames side by side,
// media.StripFrames of them), or "" when it has no thumbnail. The strip is
// made with the thumbnail, where ffmpeg is installed; the file may not
// exist.
func (l *Library) StripPath(f store.File) string {
	if p := l.ThumbnailPath(f); p != "" {
		return StripBeside(p)
	}
	return ""
}

// StripBeside is the filmstrip beside the thumbnail at thumb:
// "x-0.png" → "x-0-strip.jpg".
func StripBeside(thumb string) string {
	return strings.TrimSuffix(thumb, filepath.Ext(thumb)) + "-strip.jpg"
}

// ErrNoThumbnail is returned by EnsureStrip for a file without a
// thumbnail: its filmstrip would have nowhere to go.
var ErrNoThumbnail = errors.New("library: the file has no thumbnail")

// strips makes missing filmstrips, one at a time. Its zero value is ready.
type strips struct {
	mu      sync.Mutex
	running map[string]*stripRun // by strip path: made now, others wait
	failed  map[string]error     // by strip path: not tried again
	turn    chan struct{}        // held while ffmpeg runs
	runs    int                  // makings tried, for tests
}

// stripRun is one making of a strip that callers for the same file share.
type stripRun struct {
	done chan struct{}
	err  error
}

// EnsureStrip returns the filmstrip of f (see StripPath), making it first
// when the file is missing. It blocks while ffmpeg runs, so call it off the
// UI goroutine. Strips are made one at a time; callers asking for the same
// file at once share one making; a strip that could not be made (no
// ffmpeg, a file ffmpeg cannot read) is not tried again while the Library
// lives, and its error is returned at once. It returns ErrNoThumbnail for
// a file without a thumbnail and media.ErrNoFFmpeg without ffmpeg.
func (l *Library) EnsureStrip(ctx context.Context, f store.File) (string, error) {
	out := l.StripPath(f)
	if out == "" {
		return "", ErrNoThumbnail
	}
	s := &l.strips
	for {
		s.mu.Lock()
		if err, ok := s.failed[out]; ok {
			s.mu.Unlock()
			return "", err
		}
		if run, ok := s.running[out]; ok {
			s.mu.Unlock()
			select {
			case <-run.done:
				continue // its result is in failed, or the file is there
			case <-ctx.Done():
				return "", ctx.Err()
			}
		}
		if _, err := os.Stat(out); err == nil {
			s.mu.Unlock()
			return out, nil
		}
		run := &stripRun{done: make(chan struct{})}
		if s.running == nil {
			s.running, s.failed = make(map[string]*stripRun), make(map[string]error)
			s.turn = make(chan struct{}, 1)
		}
		s.running[out] = run
		turn := s.turn
		s.mu.Unlock()

		run.err = l.makeStrip(ctx, turn, f, out)

		s.mu.Lock()
		delete(s.running, out)
		if run.err != nil && ctx.Err() == nil {
			s.failed[out] = run.err
		}
		s.mu.Unlock()
		close(run.done)
		if run.err != nil {
			return "", run.err
		}
		return out, nil
	}
}

// makeStrip waits for its turn and runs ffmpeg to write the strip of f.
func (l *Library) makeStrip(ctx context.Context, turn chan struct{}, f store.File, out string) error {
	select {
	case turn <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-turn }()
	video, err := l.Folder().Abs(f.Path)
	if err != nil {
		return fmt.Errorf("library: filmstrip of video %d: %w", f.Index, err)
	}
	l.strips.mu.Lock()
	l.strips.runs++
	l.strips.mu.Unlock()
	if err := media.Filmstrip(ctx, video, out, f.Media.Duration); err != nil {
		if errors.Is(err, media.ErrNoFFmpeg) || ctx.Err() != nil {
			return err
		}
		return fmt.Errorf("library: filmstrip of video %d: %w", f.Index, err)
	}
	return nil
}
