package store

// This file keeps stories: lists of shots made one after another, each
// from the last frame of the one before, and joined into one film.

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/reelhouse/reelhouse/client"
)

// FilmShot is one shot of a film: the task that made it and the sha256 of
// the file that was joined, so that the film still names its shots after
// they are trashed, moved or rebuilt from the folder.
type FilmShot struct {
	TaskID string `json:"task_id"`
	SHA256 string `json:"sha256"`
}

// filmIDPrefix starts the task id of every film, which no service task has.
const filmIDPrefix = "film-"

// NewFilmID returns a new task id for a film: films are library items like
// the service's videos, and the task id is what a rebuild from the folder
// knows an item by.
func NewFilmID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return filmIDPrefix + hex.EncodeToString(b[:])
}

// IsFilm reports whether r is a film joined on this computer.
func (r Record) IsFilm() bool { return len(r.Film) > 0 }

// filmColumn is the film column's text for shots: JSON, or "" for none.
func filmColumn(shots []FilmShot) string {
	if len(shots) == 0 {
		return ""
	}
	b, _ := json.Marshal(shots)
	return string(b)
}

// Story is a list of shots with the settings they share.
type Story struct {
	ID   int64  `json:"-"`
	Name string `json:"-"`
	// Base holds what every shot shares: the model, shape, quality and
	// options, and the first shot's picture (kept in the library's refs
	// folder, as a submission keeps it). Its prompt is unused.
	Base  client.CreateRequest `json:"base"`
	Shots []Shot               `json:"shots"`
	// Crossfade asks for a short crossfade between the shots of the film.
	Crossfade bool `json:"crossfade,omitempty"`
	// Making says the shots not made yet are to be made, one after
	// another; it is cleared when the last is made or one fails.
	Making bool `json:"making,omitempty"`
	// Stopped is why making the shots stopped before the last (one of the
	// Story* codes), at shot StoppedAt; empty when it did not.
	Stopped   string `json:"stopped,omitempty"`
	StoppedAt int    `json:"stopped_at,omitempty"`
	// Film is the record of the film last joined from the shots; 0 for
	// none.
	Film      int64     `json:"film,omitempty"`
	UpdatedAt time.Time `json:"-"`
}

// Shot is one shot of a story: its prompt, its length in seconds (0 for
// the model's usual length) and the history row made for it (0 until it
// is sent).
type Shot struct {
	Prompt   string `json:"prompt"`
	Duration int    `json:"duration,omitempty"`
	Record   int64  `json:"record,omitempty"`
}

// Request is the create request of shot i, without the picture it starts
// from: the first shot's picture is the story's, a later shot's is the
// last frame of the one before.
func (st Story) Request(i int) client.CreateRequest {
	req := st.Base
	req.Prompt, req.Duration = st.Shots[i].Prompt, st.Shots[i].Duration
	req.Image, req.Video, req.Audio = nil, nil, nil
	if i == 0 {
		req.Image = st.Base.Image
	}
	return req
}

// Why making the shots of a story stopped (Story.Stopped).
const (
	// StoryShotFailed: the shot's video was not made (the service refused
	// or failed it, or it could not be downloaded); its record says why.
	StoryShotFailed = "shot_failed"
	// StoryShotGone: the shot's video was deleted from the history.
	StoryShotGone = "shot_gone"
	// StoryNoFrame: the last frame of the shot before could not be taken.
	StoryNoFrame = "no_frame"
	// StoryNotSent: the shot could not be recorded, so it was not sent.
	StoryNotSent = "not_sent"
)

// Errors of the stories.
var (
	// ErrShotSent: the shot has a history row already; it is never sent
	// twice.
	ErrShotSent = errors.New("store: that shot was sent already")
	// ErrNoShot: the story has no shot of that number.
	ErrNoShot = errors.New("store: the story has no such shot")
)

// Stories reads and writes the kept stories.
type Stories struct{ s *Store }

// Stories returns the store's stories.
func (s *Store) Stories() Stories { return Stories{s} }

// Save writes st, adding it when its ID is 0, and returns it as saved.
func (k Stories) Save(ctx context.Context, st Story) (Story, error) {
	spec, err := json.Marshal(st)
	if err != nil {
		return st, err
	}
	st.UpdatedAt = time.Now()
	ms := st.UpdatedAt.UnixMilli()
	if st.ID == 0 {
		res, err := k.s.db.ExecContext(ctx, `INSERT INTO stories (name, spec, updated_at) VALUES (?, ?, ?)`, st.Name, string(spec), ms)
		if err != nil {
			return st, &StoreError{Op: OpSaveStory, Err: err}
		}
		st.ID, err = res.LastInsertId()
		return st, err
	}
	res, err := k.s.db.ExecContext(ctx, `UPDATE stories SET name = ?, spec = ?, updated_at = ? WHERE id = ?`, st.Name, string(spec), ms, st.ID)
	if err != nil {
		return st, &StoreError{Op: OpSaveStory, Err: err}
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return st, ErrNotFound
	}
	return st, nil
}

// Get reads one story.
func (k Stories) Get(ctx context.Context, id int64) (Story, error) {
	return scanStory(k.s.db.QueryRowContext(ctx, `SELECT id, name, spec, updated_at FROM stories WHERE id = ?`, id))
}

// List reads every story, the most recently changed first.
func (k Stories) List(ctx context.Context) ([]Story, error) {
	rows, err := k.s.db.QueryContext(ctx, `SELECT id, name, spec, updated_at FROM stories ORDER BY updated_at DESC, id DESC`)
	if err != nil {
		return nil, &StoreError{Op: OpReadStore, Err: err}
	}
	defer rows.Close()
	var out []Story
	for rows.Next() {
		st, err := scanStory(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// Update changes story id with edit in one transaction, so that no other
// change of the story is lost between reading and writing it, and returns
// it as saved. An error from edit leaves the story as it was.
func (k Stories) Update(ctx context.Context, id int64, edit func(*Story) error) (Story, error) {
	tx, err := k.s.db.BeginTx(ctx, nil)
	if err != nil {
		return Story{}, &StoreError{Op: OpSaveStory, Err: err}
	}
	defer tx.Rollback()
	st, err := scanStory(tx.QueryRowContext(ctx, `SELECT id, name, spec, updated_at FROM stories WHERE id = ?`, id))
	if err != nil {
		return Story{}, err
	}
	if err := edit(&st); err != nil {
		return Story{}, err
	}
	spec, err := json.Marshal(st)
	if err != nil {
		return Story{}, err
	}
	st.UpdatedAt = time.Now()
	if _, err := tx.ExecContext(ctx, `UPDATE stories SET name = ?, spec = ?, updated_at = ? WHERE id = ?`,
		st.Name, string(spec), st.UpdatedAt.UnixMilli(), id); err != nil {
		return Story{}, &StoreError{Op: OpSaveStory, Err: err}
	}
	if err := tx.Commit(); err != nil {
		return Story{}, &StoreError{Op: OpSaveStory, Err: err}
	}
	return st, nil
}

// Delete forgets a story; the videos made for it stay in the library.
func (k Stories) Delete(ctx context.Context, id int64) error {
	_, err := k.s.db.ExecContext(ctx, `DELETE FROM stories WHERE id = ?`, id)
	if err != nil {
		return &StoreError{Op: OpSaveStory, Err: err}
	}
	return nil
}

// AddShot records the request of shot i of story id before it is sent,
// and the new row as the shot's, in one transaction: after a crash at any
// point the shot either has no row (and is sent later) or has its row
// (and is never sent again). A shot that has a row gives ErrShotSent.
// from is the task id of the video the shot continues ("" for none).
func (k Stories) AddShot(ctx context.Context, id int64, i int, req client.CreateRequest, now time.Time, from string) (Record, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return Record{}, err
	}
	tx, err := k.s.db.BeginTx(ctx, nil)
	if err != nil {
		return Record{}, &StoreError{Op: OpRecordRequest, Err: err}
	}
	defer tx.Rollback()
	st, err := scanStory(tx.QueryRowContext(ctx, `SELECT id, name, spec, updated_at FROM stories WHERE id = ?`, id))
	if err != nil {
		return Record{}, err
	}
	if i < 0 || i >= len(st.Shots) {
		return Record{}, ErrNoShot
	}
	if st.Shots[i].Record != 0 {
		return Record{}, ErrShotSent
	}
	ms := now.UnixMilli()
	var row int64
	err = tx.QueryRowContext(ctx, `INSERT INTO tasks (model, prompt, request, state, created_at, updated_at, inline_images, continued_from)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, req.Model, req.Prompt, string(body), StateSubmitting, ms, ms, boolInt(req.HasDataURL()), from).Scan(&row)
	if err != nil {
		return Record{}, &StoreError{Op: OpRecordRequest, Err: err}
	}
	st.Shots[i].Record = row
	spec, err := json.Marshal(st)
	if err != nil {
		return Record{}, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE stories SET spec = ?, updated_at = ? WHERE id = ?`, string(spec), ms, id); err != nil {
		return Record{}, &StoreError{Op: OpRecordRequest, Err: err}
	}
	if err := tx.Commit(); err != nil {
		return Record{}, &StoreError{Op: OpRecordRequest, Err: err}
	}
	return k.s.Get(ctx, row)
}

func scanStory(row scanner) (Story, error) {
	var (
		st   Story
		spec string
		ms   int64
	)
	if err := row.Scan(&st.ID, &st.Name, &spec, &ms); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return st, ErrNotFound
		}
		return st, &StoreError{Op: OpReadStore, Err: err}
	}
	if err := json.Unmarshal([]byte(spec), &st); err != nil {
		return st, &StoreError{Op: OpReadStore, Err: fmt.Errorf("story %d is unreadable: %w", st.ID, err)}
	}
	st.UpdatedAt = time.UnixMilli(ms)
	return st, nil
}
