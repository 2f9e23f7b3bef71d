package history

// This file makes the shots of stories one after another, each from the
// last frame of the shot before, and joins them into one film.

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history/crash"
	"github.com/reelhouse/reelhouse/history/library"
	"github.com/reelhouse/reelhouse/history/media"
	"github.com/reelhouse/reelhouse/history/store"
)

// Stories makes the shots of the stories the user started, each as soon
// as the one before it is in the library, and joins made stories into
// films. A story survives a restart: the tracker's Run goes on with the
// next shot. A shot is recorded with the request before it is sent (see
// store.Stories.AddShot), so it is never sent twice.
type Stories struct {
	t *Tracker

	mu sync.Mutex
	// making maps the records of shots to their stories, for the stories
	// being made: a change of one of these records moves its story on.
	making map[int64]int64
	// busy holds the stories being moved on now; again, those to move on
	// once more when that ends (a change came meanwhile).
	busy, again map[int64]bool
	// joining holds the stories whose film is being joined.
	joining map[int64]bool
}

// Errors of Stories.
var (
	// ErrStoryBusy: shots of the story are being made, or its film joined.
	ErrStoryBusy = errors.New("history: the story is busy")
	// ErrShotsNotMade: a film needs every shot made and in the library.
	ErrShotsNotMade = errors.New("history: not every shot is made")
)

func newStories(t *Tracker) *Stories {
	return &Stories{t: t, making: map[int64]int64{}, busy: map[int64]bool{}, again: map[int64]bool{}, joining: map[int64]bool{}}
}

// Stories returns the tracker's stories.
func (t *Tracker) Stories() *Stories { return t.stories }

// Make starts making the shots of story id that have no video yet, one
// after another.
func (s *Stories) Make(ctx context.Context, id int64) error {
	return s.change(ctx, id, func(st *store.Story) error {
		st.Making, st.Stopped, st.StoppedAt = true, "", 0
		return nil
	})
}

// MakeAgain makes shot i of story id again, and the shots after it too
// when later is set (they started from its last frame). The videos made
// before stay in the library.
func (s *Stories) MakeAgain(ctx context.Context, id int64, i int, later bool) error {
	return s.change(ctx, id, func(st *store.Story) error {
		if i < 0 || i >= len(st.Shots) {
			return store.ErrNoShot
		}
		if st.Making {
			return ErrStoryBusy
		}
		for j := range st.Shots {
			if j == i || (later && j > i) {
				st.Shots[j].Record = 0
			}
		}
		st.Making, st.Stopped, st.StoppedAt = true, "", 0
		return nil
	})
}

// Stop stops making the shots of story id after the ones already sent.
func (s *Stories) Stop(ctx context.Context, id int64) error {
	return s.change(ctx, id, func(st *store.Story) error {
		st.Making = false
		return nil
	})
}

// change saves edit's change to story id, then moves it on.
func (s *Stories) change(ctx context.Context, id int64, edit func(*store.Story) error) error {
	if _, err := s.t.store.Stories().Update(ctx, id, edit); err != nil {
		return err
	}
	s.publish(id)
	go crash.Guard("story", func() { s.advance(context.WithoutCancel(ctx), id) })
	return nil
}

// Edit changes story id with edit, which is refused while its shots are
// being made (ErrStoryBusy): what is being made stays as it was asked.
// Edit must not give a shot that has a video another prompt or length.
func (s *Stories) Edit(ctx context.Context, id int64, edit func(*store.Story)) (store.Story, error) {
	st, err := s.t.store.Stories().Update(ctx, id, func(st *store.Story) error {
		if st.Making {
			return ErrStoryBusy
		}
		edit(st)
		return nil
	})
	if err == nil {
		s.publish(id)
	}
	return st, err
}

func (s *Stories) publish(id int64) { s.t.events.publish(Event{Kind: EventStory, ID: id}) }

// run moves on every story being made, now and after each change of one
// of its shots, until ctx is done.
func (s *Stories) run(ctx context.Context) {
	events, stop := s.t.Subscribe()
	defer stop()
	s.advanceAll(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				return
			}
			switch ev.Kind {
			case EventChanged, EventDeleted:
				s.mu.Lock()
				id, ok := s.making[ev.ID]
				s.mu.Unlock()
				if ok {
					s.advance(ctx, id)
				}
			case EventReloaded:
				s.advanceAll(ctx)
			}
		}
	}
}

// advanceAll moves on every story being made.
func (s *Stories) advanceAll(ctx context.Context) {
	list, err := s.t.store.Stories().List(ctx)
	if err != nil {
		s.t.log.Error("could not read the stories", errAttr(err))
		return
	}
	for _, st := range list {
		if st.Making {
			s.advance(ctx, st.ID)
		}
	}
}

// advance sends the next shot of story id once the shot before it is in
// the library, notes a shot that failed (the story stops there) and the
// end of the story. One story is moved on by one goroutine at a time.
func (s *Stories) advance(ctx context.Context, id int64) {
	s.mu.Lock()
	if s.busy[id] {
		s.again[id] = true
		s.mu.Unlock()
		return
	}
	s.busy[id] = true
	s.mu.Unlock()
	for {
		s.step(ctx, id)
		s.mu.Lock()
		if !s.again[id] || ctx.Err() != nil {
			delete(s.busy, id)
			delete(s.again, id)
			s.mu.Unlock()
			return
		}
		delete(s.again, id)
		s.mu.Unlock()
	}
}

// step is one look at story id: it sends at most one shot.
func (s *Stories) step(ctx context.Context, id int64) {
	st, err := s.t.store.Stories().Get(ctx, id)
	if err != nil {
		return
	}
	s.index(st)
	if !st.Making {
		return
	}
	var prev store.Record
	for i, sh := range st.Shots {
		if sh.Record == 0 {
			s.send(ctx, st, i, prev)
			return
		}
		rec, err := s.t.store.Get(ctx, sh.Record)
		switch {
		case errors.Is(err, store.ErrNotFound):
			s.stopAt(ctx, st, i, store.StoryShotGone)
			return
		case err != nil:
			return // the database could not be read: the next change tries again
		case ShotMade(rec):
			prev = rec
			continue
		case rec.State.Final() && rec.State != store.StateSuccess, rec.Download == store.DownloadFailed:
			s.stopAt(ctx, st, i, store.StoryShotFailed)
			return
		default:
			return // being made or downloaded: its change moves the story on
		}
	}
	s.update(ctx, id, func(st *store.Story) { st.Making = false })
}

// ShotMade reports whether the video of a shot is in the library: what
// the next shot waits for, and what a film is joined from.
func ShotMade(r store.Record) bool {
	return r.State == store.StateSuccess && r.Download == store.DownloadDone &&
		slices.ContainsFunc(r.Files, func(f store.File) bool { return !f.Missing })
}

// send sends shot i of st, starting from the last frame of prev, the shot
// before it (none for the first shot).
func (s *Stories) send(ctx context.Context, st store.Story, i int, prev store.Record) {
	req := st.Request(i)
	from := ""
	if i > 0 {
		frame, err := s.lastFrame(ctx, prev)
		switch {
		case ctx.Err() != nil:
			return // closing: the next start goes on from here
		case errors.Is(err, media.ErrNoFFmpeg):
			// No frame without ffmpeg: the shot starts afresh from its
			// prompt, which is better than no shot.
			s.t.log.Info("ffmpeg is not installed: a shot starts without the last frame of the one before", "story", st.ID, "shot", i)
		case err != nil:
			s.t.log.Warn("could not take the last frame of a shot", "story", st.ID, "shot", i, errAttr(err))
			s.stopAt(ctx, st, i, store.StoryNoFrame)
			return
		default:
			url, err := client.ImageDataURL(frame)
			if err != nil {
				s.stopAt(ctx, st, i, store.StoryNoFrame)
				return
			}
			req.Image = []client.Media{{Role: "first_frame", URL: url}}
			from = prev.TaskID
		}
	}
	rec, err := s.t.send(ctx, req, func(req client.CreateRequest) (store.Record, error) {
		return s.t.store.Stories().AddShot(ctx, st.ID, i, req, time.Now(), from)
	})
	switch {
	case errors.Is(err, store.ErrShotSent):
		return // sent meanwhile; its changes move the story on
	case rec.ID == 0 && err != nil:
		s.t.log.Error("could not record a shot", "story", st.ID, "shot", i, errAttr(err))
		s.stopAt(ctx, st, i, store.StoryNotSent)
		return
	}
	s.mu.Lock()
	s.making[rec.ID] = st.ID
	s.mu.Unlock()
	s.publish(st.ID)
	if err != nil {
		// Not sent, or maybe sent: the record says which, and nothing is
		// sent again by itself.
		s.stopAt(ctx, st, i, store.StoryShotFailed)
	}
}

// lastFrame returns the last frame of rec's first video in the library,
// as a PNG.
func (s *Stories) lastFrame(ctx context.Context, rec store.Record) ([]byte, error) {
	lib := s.t.lib.Folder()
	at := slices.IndexFunc(rec.Files, func(f store.File) bool { return !f.Missing })
	if at < 0 {
		return nil, ErrShotsNotMade
	}
	video, err := lib.Abs(rec.Files[at].Path)
	if err != nil {
		return nil, err
	}
	var frame []byte
	err = media.WithFrame(ctx, video, media.LastFrame, func(png string) (err error) {
		frame, err = os.ReadFile(png)
		return err
	})
	return frame, err
}

// stopAt stops story st at shot i for the reason code.
func (s *Stories) stopAt(ctx context.Context, st store.Story, i int, code string) {
	s.update(ctx, st.ID, func(st *store.Story) { st.Making, st.Stopped, st.StoppedAt = false, code, i })
}

// update saves edit's change to story id and says so.
func (s *Stories) update(ctx context.Context, id int64, edit func(*store.Story)) {
	_, err := s.t.store.Stories().Update(context.WithoutCancel(ctx), id, func(st *store.Story) error {
		edit(st)
		return nil
	})
	if err != nil {
		s.t.log.Error("could not save a story", "story", id, errAttr(err))
		return
	}
	s.publish(id)
}

// index notes which records are the shots of st while it is being made.
func (s *Stories) index(st store.Story) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for rec, id := range s.making {
		if id == st.ID {
			delete(s.making, rec)
		}
	}
	if !st.Making {
		return
	}
	for _, sh := range st.Shots {
		if sh.Record != 0 {
			s.making[sh.Record] = st.ID
		}
	}
}

// Join joins the made shots of story id into one film, a new library item
// whose sidecar lists the shots, and returns its record. Progress is
// published as EventJoin. It needs ffmpeg (media.ErrNoFFmpeg without it).
func (s *Stories) Join(ctx context.Context, id int64) (store.Record, error) {
	s.mu.Lock()
	if s.joining[id] {
		s.mu.Unlock()
		return store.Record{}, ErrStoryBusy
	}
	s.joining[id] = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.joining, id)
		s.mu.Unlock()
		s.publish(id)
	}()
	s.publish(id)
	st, err := s.t.store.Stories().Get(ctx, id)
	if err != nil {
		return store.Record{}, err
	}
	if st.Making {
		return store.Record{}, ErrStoryBusy
	}
	lib := s.t.lib.Folder()
	var (
		inputs  []string
		shots   []store.FilmShot
		prompts []string
	)
	for _, sh := range st.Shots {
		rec, err := s.t.store.Get(ctx, sh.Record)
		if err != nil || !ShotMade(rec) {
			return store.Record{}, ErrShotsNotMade
		}
		f := rec.Files[slices.IndexFunc(rec.Files, func(f store.File) bool { return !f.Missing })]
		p, err := lib.Abs(f.Path)
		if err != nil {
			return store.Record{}, err
		}
		inputs = append(inputs, p)
		shots = append(shots, store.FilmShot{TaskID: rec.TaskID, SHA256: f.SHA256})
		prompts = append(prompts, sh.Prompt)
	}
	if len(inputs) == 0 {
		return store.Record{}, ErrShotsNotMade
	}
	filmID := store.NewFilmID()
	part := lib.PartPath(filmID, 0)
	if err := os.MkdirAll(filepath.Dir(part), 0o755); err != nil {
		return store.Record{}, &store.FolderError{Op: store.OpWriteLibrary, Path: filepath.Dir(part), Err: err}
	}
	defer os.Remove(part)
	opts := media.JoinOptions{Progress: func(done, total time.Duration) {
		s.t.events.publish(Event{Kind: EventJoin, ID: id, Done: done.Milliseconds(), Total: total.Milliseconds()})
	}}
	if st.Crossfade {
		opts.Crossfade = FilmCrossfade
	}
	if _, err := media.Join(ctx, inputs, part, opts); err != nil {
		return store.Record{}, err
	}
	fi, err := os.Stat(part)
	var sum string
	if err == nil {
		sum, err = library.FileSHA256(part)
	}
	if err != nil {
		return store.Record{}, &store.FolderError{Op: store.OpWriteLibrary, Path: part, Err: err}
	}
	now := time.Now()
	name := st.Name
	if name == "" {
		name = prompts[0]
	}
	size := fi.Size()
	rel, err := lib.PlaceVideo(part, library.FileName(now, name, filmID, 0), size, sum)
	if err != nil {
		return store.Record{}, err
	}
	req := st.Base
	req.Prompt, req.Duration, req.Image, req.Video, req.Audio = strings.Join(prompts, "\n"), 0, nil, nil, nil
	rec := store.Record{
		TaskID: filmID, Request: req, State: store.StateSuccess, CreatedAt: now, UpdatedAt: now,
		Download: store.DownloadDone, Title: st.Name, Film: shots,
		Files: []store.File{{Index: 0, Path: rel, Size: size, SHA256: sum}},
	}
	if _, err := s.t.store.Restore(ctx, []store.SidecarRecord{{Record: rec}}); err != nil {
		return store.Record{}, err
	}
	rec, err = s.t.store.ByTaskID(ctx, filmID)
	if err != nil {
		return store.Record{}, err
	}
	s.t.lib.Describe(context.WithoutCancel(ctx), rec, nil)
	s.update(ctx, id, func(st *store.Story) { st.Film = rec.ID })
	return s.t.store.Get(ctx, rec.ID)
}

// FilmCrossfade is how long each shot of a film fades into the next when
// the story asks for a crossfade.
const FilmCrossfade = 500 * time.Millisecond
