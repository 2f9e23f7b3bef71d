// Package history keeps every task the user ever made: a SQLite store of
// tasks and their files, the library folder the videos live in, and the
// background tracker that keeps both current. It never imports Fyne.
package history

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history/media"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// State is where a task stands, seen from this computer. It holds the
// service's status (pending, running, success, failed, cancelled or any
// value the service invents) or one of the local states below.
type State string

// Local states, which the service never reports.
const (
	// StateSubmitting: the request is recorded and the create call is under
	// way. A task found in this state after a crash is uncertain.
	StateSubmitting State = "submitting"
	// StateUncertain: the create call was sent but its answer never came.
	StateUncertain State = "uncertain"
	// StateNotSent: the service refused the request or could not be
	// reached; nothing was created and nothing was billed.
	StateNotSent State = "not_sent"
	// StateLost: the service kept saying it has no such task.
	StateLost State = "lost"
	// StateStale: the task stayed unfinished far longer than any
	// generation takes; the user may check again.
	StateStale State = "stale"
)

// Server states, as the service reports them.
const (
	StatePending   = State(client.StatusPending)
	StateRunning   = State(client.StatusRunning)
	StateSuccess   = State(client.StatusSuccess)
	StateFailed    = State(client.StatusFailed)
	StateCancelled = State(client.StatusCancelled)
)

// Final reports whether the task will never change by itself again.
func (s State) Final() bool {
	switch s {
	case StateSuccess, StateFailed, StateCancelled, StateNotSent, StateUncertain, StateLost, StateStale:
		return true
	}
	return false
}

// DownloadState says how far the videos of a successful task are.
type DownloadState string

// Download states.
const (
	DownloadNone    DownloadState = "none"    // nothing to download (yet)
	DownloadWaiting DownloadState = "waiting" // queued, or under way
	DownloadDone    DownloadState = "done"    // every video is in the library
	DownloadFailed  DownloadState = "failed"  // gave up; the user may retry
	DownloadPaused  DownloadState = "paused"  // the disk refused; the user may retry
)

// Record is one task as the history keeps it.
type Record struct {
	ID       int64  // local row id
	TaskID   string // the service's id; empty until the create call answers
	Request  client.CreateRequest
	State    State
	Watching bool // the tracker polls it

	// ErrorCode is the service's code for a failed task. ErrorMessage is
	// the service's own message for a failed or cancelled task, and a
	// problem code with facts (see ParseProblem) for the other states.
	ErrorCode    string
	ErrorMessage string
	Raw          json.RawMessage

	CreatedAt       time.Time // when the user pressed Generate (or added it)
	UpdatedAt       time.Time
	ServerCreated   client.Millis
	ServerUpdated   client.Millis
	ServerCompleted client.Millis

	Download      DownloadState
	DownloadError string // a problem code with facts (see ParseProblem)
	Files         []File

	Favourite bool
	Tags      []string
	Note      string
	TrashedAt time.Time // zero unless the task is in the trash
	// Title is the name the user gave the video; empty until they do. The
	// file keeps its name.
	Title string

	// WatchSince is when the tracker last started following the task
	// ("Check again"); the stale clock starts here. Zero: at CreatedAt.
	WatchSince time.Time

	// ContinuedFrom is the task id of the video this one continues from
	// its last frame; empty for none.
	ContinuedFrom string
}

// Trashed reports whether the task is in the trash.
func (r Record) Trashed() bool { return !r.TrashedAt.IsZero() }

// File is one downloaded video of a task.
type File struct {
	Index  int
	Path   string // relative to the library folder, with forward slashes
	Size   int64
	SHA256 string

	Media      media.Info // read from the file itself
	MediaState MediaState
	Thumbnail  string // file name in the thumbnail cache; empty until made
	Missing    bool   // not found at Path by the last reconcile
}

// MediaState says whether a file's facts could be read.
type MediaState string

// Media states.
const (
	MediaUnknown    MediaState = ""           // not read yet
	MediaOK         MediaState = "ok"         // Media holds the file's facts
	MediaUnreadable MediaState = "unreadable" // the file is not a video Reelhouse can read
)

// ErrNotFound is returned when no record has the requested id.
var ErrNotFound = errors.New("that task is not in the history")

// Store is the SQLite database of every task. It is safe for concurrent use.
type Store struct {
	db   *sql.DB
	path string // the database file; the journal of unrecorded task ids lives beside it

	// The statements of reading one record, prepared once: Get and Update
	// run them for every change the tracker saves, and parsing them each
	// time cost more than running them.
	oneFiles, oneTags *sql.Stmt
	// updates holds the prepared UPDATE statements by text: a change sets
	// one of a few sets of columns, so there are few of them.
	updatesMu sync.Mutex
	updates   map[string]*sql.Stmt
	// bulk holds the prepared statements that add many rows at once (see
	// stmtCache.bulk), by text: a rebuild runs each in every transaction,
	// and preparing one of a hundred rows cost as much as running it.
	bulk map[string]*sql.Stmt
}

// maxUpdateStmts bounds Store.updates; rarer texts are prepared each time.
const maxUpdateStmts = 32

// migrations are applied in order, each in one transaction; the schema
// version is the number applied so far.
var migrations = []string{
	`CREATE TABLE tasks (
		id               INTEGER PRIMARY KEY,
		task_id          TEXT UNIQUE,
		model            TEXT NOT NULL,
		prompt           TEXT NOT NULL,
		request          TEXT NOT NULL,
		state            TEXT NOT NULL,
		watching         INTEGER NOT NULL DEFAULT 0,
		error_code       TEXT NOT NULL DEFAULT '',
		error_message    TEXT NOT NULL DEFAULT '',
		raw              TEXT NOT NULL DEFAULT '',
		created_at       INTEGER NOT NULL,
		updated_at       INTEGER NOT NULL,
		server_created   INTEGER NOT NULL DEFAULT 0,
		server_updated   INTEGER NOT NULL DEFAULT 0,
		server_completed INTEGER NOT NULL DEFAULT 0,
		download         TEXT NOT NULL DEFAULT 'none',
		download_error   TEXT NOT NULL DEFAULT ''
	);
	CREATE INDEX tasks_created ON tasks(created_at DESC, id DESC);
	CREATE TABLE files (
		task_row INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
		idx      INTEGER NOT NULL,
		path     TEXT NOT NULL,
		size     INTEGER NOT NULL,
		sha256   TEXT NOT NULL,
		PRIMARY KEY (task_row, idx)
	);
	CREATE TABLE settings (
		key   TEXT PRIMARY KEY,
		value TEXT NOT NULL
	);`,

	// 2: the library people keep — favourites, tags, notes, the trash,
	// facts about each file, and full-text search over prompts.
	`ALTER TABLE tasks ADD COLUMN favourite INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE tasks ADD COLUMN note TEXT NOT NULL DEFAULT '';
	ALTER TABLE tasks ADD COLUMN trashed_at INTEGER NOT NULL DEFAULT 0;
	CREATE TABLE tags (
		task_row INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
		tag      TEXT NOT NULL,
		PRIMARY KEY (task_row, tag)
	);
	CREATE INDEX tags_tag ON tags(tag);
	CREATE INDEX tasks_state ON tasks(state);
	CREATE INDEX tasks_model ON tasks(model);
	ALTER TABLE files ADD COLUMN duration_ms INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE files ADD COLUMN width INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE files ADD COLUMN height INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE files ADD COLUMN frame_rate REAL NOT NULL DEFAULT 0;
	ALTER TABLE files ADD COLUMN video_codec TEXT NOT NULL DEFAULT '';
	ALTER TABLE files ADD COLUMN audio_codec TEXT NOT NULL DEFAULT '';
	ALTER TABLE files ADD COLUMN has_audio INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE files ADD COLUMN media_state TEXT NOT NULL DEFAULT '';
	ALTER TABLE files ADD COLUMN thumbnail TEXT NOT NULL DEFAULT '';
	ALTER TABLE files ADD COLUMN missing INTEGER NOT NULL DEFAULT 0;
	CREATE VIRTUAL TABLE tasks_fts USING fts5(prompt, content='tasks', content_rowid='id',
		tokenize='unicode61 remove_diacritics 2');
	CREATE TRIGGER tasks_fts_insert AFTER INSERT ON tasks BEGIN
		INSERT INTO tasks_fts(rowid, prompt) VALUES (new.id, new.prompt);
	END;
	CREATE TRIGGER tasks_fts_delete AFTER DELETE ON tasks BEGIN
		INSERT INTO tasks_fts(tasks_fts, rowid, prompt) VALUES ('delete', old.id, old.prompt);
	END;
	CREATE TRIGGER tasks_fts_update AFTER UPDATE OF prompt ON tasks BEGIN
		INSERT INTO tasks_fts(tasks_fts, rowid, prompt) VALUES ('delete', old.id, old.prompt);
		INSERT INTO tasks_fts(rowid, prompt) VALUES (new.id, new.prompt);
	END;
	INSERT INTO tasks_fts(tasks_fts) VALUES ('rebuild');`,

	// 3: the size and modification time (ns) of each file's sidecar when
	// Reelhouse last wrote or read it, so that a reconcile skips sidecars
	// that have not changed; -1: not known.
	`ALTER TABLE files ADD COLUMN sidecar_size INTEGER NOT NULL DEFAULT -1;
	ALTER TABLE files ADD COLUMN sidecar_mtime INTEGER NOT NULL DEFAULT 0;`,

	// 4: "Check again" restarts the stale clock, and a restart keeps it.
	`ALTER TABLE tasks ADD COLUMN watch_since INTEGER NOT NULL DEFAULT 0;`,

	// 5: reference images move out of the rows. Older versions kept a local
	// image inline in the request (a data: URL of up to 10 MiB), which every
	// list page read. Rows marked here are rewritten by MigrateRefImages once
	// the library folder is known, which keeps each image as a file there.
	`ALTER TABLE tasks ADD COLUMN inline_images INTEGER NOT NULL DEFAULT 0;
	UPDATE tasks SET inline_images = 1 WHERE instr(request, '"url":"data:') > 0;
	CREATE INDEX tasks_inline_images ON tasks(id) WHERE inline_images = 1;`,

	// 6: what the file reader learned besides the basics: the shape of a
	// pixel when it is not square ("64:45"), and whether the file looks cut
	// short at its end.
	`ALTER TABLE files ADD COLUMN pixel_aspect TEXT NOT NULL DEFAULT '';
	ALTER TABLE files ADD COLUMN truncated INTEGER NOT NULL DEFAULT 0;`,

	// 7: the video a task continued from its last frame, by the service's
	// task id (as the sidecar keeps it), so that the link survives a
	// rebuild from the folder in any order.
	`ALTER TABLE tasks ADD COLUMN continued_from TEXT NOT NULL DEFAULT '';
	CREATE INDEX tasks_continued_from ON tasks(continued_from) WHERE continued_from <> '';`,

	// 8: a title the user gives a video, found by search as the prompt is.
	`ALTER TABLE tasks ADD COLUMN title TEXT NOT NULL DEFAULT '';
	DROP TRIGGER tasks_fts_insert;
	DROP TRIGGER tasks_fts_delete;
	DROP TRIGGER tasks_fts_update;
	DROP TABLE tasks_fts;
	CREATE VIRTUAL TABLE tasks_fts USING fts5(prompt, title, content='tasks', content_rowid='id',
		tokenize='unicode61 remove_diacritics 2');
	CREATE TRIGGER tasks_fts_insert AFTER INSERT ON tasks BEGIN
		INSERT INTO tasks_fts(rowid, prompt, title) VALUES (new.id, new.prompt, new.title);
	END;
	CREATE TRIGGER tasks_fts_delete AFTER DELETE ON tasks BEGIN
		INSERT INTO tasks_fts(tasks_fts, rowid, prompt, title) VALUES ('delete', old.id, old.prompt, old.title);
	END;
	CREATE TRIGGER tasks_fts_update AFTER UPDATE OF prompt, title ON tasks BEGIN
		INSERT INTO tasks_fts(tasks_fts, rowid, prompt, title) VALUES ('delete', old.id, old.prompt, old.title);
		INSERT INTO tasks_fts(rowid, prompt, title) VALUES (new.id, new.prompt, new.title);
	END;
	INSERT INTO tasks_fts(tasks_fts) VALUES ('rebuild');`,

	// 9: a search for a task id (case aside) finds it by index, so a
	// search can start from what matched instead of walking the history
	// newest first.
	`CREATE INDEX tasks_task_id_nocase ON tasks(task_id COLLATE NOCASE);`,
}

// Open opens (creating if needed) the database at path and brings its
// schema up to date.
func Open(ctx context.Context, path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, &FolderError{Op: OpDataFolder, Path: filepath.Dir(path), Err: err}
	}
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() +
		"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_pragma=temp_store(2)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, &StoreError{Op: OpOpenStore, Err: err}
	}
	// One connection: SQLite has one writer anyway, and this keeps every
	// write ordered without "database is locked" surprises.
	db.SetMaxOpenConns(1)
	s := &Store{db: db, path: path}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	if err := s.prepare(ctx); err != nil {
		db.Close()
		return nil, &StoreError{Op: OpOpenStore, Err: err}
	}
	return s, nil
}

func (s *Store) prepare(ctx context.Context) (err error) {
	if s.oneFiles, err = s.db.PrepareContext(ctx, `SELECT `+fileColumns+` FROM files WHERE task_row = ? ORDER BY idx`); err != nil {
		return err
	}
	s.oneTags, err = s.db.PrepareContext(ctx, `SELECT tag FROM tags WHERE task_row = ? ORDER BY tag`)
	return err
}

// Close closes the database.
func (s *Store) Close() error {
	for _, st := range []*sql.Stmt{s.oneFiles, s.oneTags} {
		if st != nil {
			st.Close()
		}
	}
	s.updatesMu.Lock()
	for _, st := range s.updates {
		st.Close()
	}
	s.updates = nil
	for _, st := range s.bulk {
		st.Close()
	}
	s.bulk = nil
	s.updatesMu.Unlock()
	return s.db.Close()
}

// updateStmt returns the prepared statement of an UPDATE text, preparing
// and keeping it the first time. done must be called after use.
func (s *Store) updateStmt(ctx context.Context, text string) (st *sql.Stmt, done func(), err error) {
	s.updatesMu.Lock()
	defer s.updatesMu.Unlock()
	if st := s.updates[text]; st != nil {
		return st, func() {}, nil
	}
	st, err = s.db.PrepareContext(ctx, text)
	if err != nil {
		return nil, nil, err
	}
	if len(s.updates) >= maxUpdateStmts {
		return st, func() { st.Close() }, nil
	}
	if s.updates == nil {
		s.updates = make(map[string]*sql.Stmt)
	}
	s.updates[text] = st
	return st, func() {}, nil
}

func (s *Store) migrate(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return &StoreError{Op: OpOpenStore, Err: err}
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return &StoreError{Op: OpReadStore, Err: err}
	}
	var version int
	err = tx.QueryRowContext(ctx, `SELECT version FROM schema_version`).Scan(&version)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version) VALUES (0)`); err != nil {
			return err
		}
	case err != nil:
		return &StoreError{Op: OpReadStore, Err: err}
	}
	if version > len(migrations) {
		return &StoreError{Op: OpOpenStore, Err: fmt.Errorf("%w: version %d, this reelhouse knows %d", ErrNewerDatabase, version, len(migrations))}
	}
	for i := version; i < len(migrations); i++ {
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			return &StoreError{Op: OpMigrateStore, Err: fmt.Errorf("step %d: %w", i+1, err)}
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE schema_version SET version = ?`, len(migrations)); err != nil {
		return err
	}
	return tx.Commit()
}

const recordColumns = `id, COALESCE(task_id, ''), request, state, watching, error_code, error_message, raw,
	created_at, updated_at, server_created, server_updated, server_completed, download, download_error,
	favourite, note, trashed_at, watch_since, continued_from, title`

type scanner interface{ Scan(dest ...any) error }

func scanRecord(row scanner) (Record, error) {
	var (
		r                  Record
		request, raw       string
		watching           int
		created, updated   int64
		state, download    string
		sCreated, sUpdated int64
		sCompleted         int64
		favourite          int
		trashed            int64
		watchSince         int64
	)
	err := row.Scan(&r.ID, &r.TaskID, &request, &state, &watching, &r.ErrorCode, &r.ErrorMessage, &raw,
		&created, &updated, &sCreated, &sUpdated, &sCompleted, &download, &r.DownloadError,
		&favourite, &r.Note, &trashed, &watchSince, &r.ContinuedFrom, &r.Title)
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal([]byte(request), &r.Request); err != nil {
		return r, fmt.Errorf("task %d has an unreadable request: %w", r.ID, err)
	}
	r.State = State(state)
	r.Watching = watching != 0
	if raw != "" {
		r.Raw = json.RawMessage(raw)
	}
	r.CreatedAt = time.UnixMilli(created)
	r.UpdatedAt = time.UnixMilli(updated)
	r.ServerCreated, r.ServerUpdated, r.ServerCompleted = client.Millis(sCreated), client.Millis(sUpdated), client.Millis(sCompleted)
	r.Download = DownloadState(download)
	r.Favourite = favourite != 0
	if trashed != 0 {
		r.TrashedAt = time.UnixMilli(trashed)
	}
	if watchSince != 0 {
		r.WatchSince = time.UnixMilli(watchSince)
	}
	return r, nil
}

// AddSubmission records a request before it is sent, so that a crash
// during the create call can never lose track of a task that may have been
// billed.
func (s *Store) AddSubmission(ctx context.Context, req client.CreateRequest, now time.Time) (Record, error) {
	return s.addSubmission(ctx, req, now, "")
}

// addSubmission is AddSubmission for a task that continues the video of
// task id from ("" for none), recorded in the same row.
func (s *Store) addSubmission(ctx context.Context, req client.CreateRequest, now time.Time, from string) (Record, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return Record{}, err
	}
	ms := now.UnixMilli()
	res, err := s.db.ExecContext(ctx, `INSERT INTO tasks (model, prompt, request, state, created_at, updated_at, inline_images, continued_from)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, req.Model, req.Prompt, string(body), StateSubmitting, ms, ms, boolInt(req.HasDataURL()), from)
	if err != nil {
		return Record{}, &StoreError{Op: OpRecordRequest, Err: err}
	}
	id, err := res.LastInsertId()
	if err != nil {
		return Record{}, err
	}
	return s.Get(ctx, id)
}

// inlineImageRows lists the rows whose request still carries an image
// inline, for MigrateRefImages.
func (s *Store) inlineImageRows(ctx context.Context) ([]int64, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM tasks WHERE inline_images = 1 ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// requestOf returns a row's request as stored, and decoded.
func (s *Store) requestOf(ctx context.Context, id int64) (string, client.CreateRequest, error) {
	var (
		text string
		req  client.CreateRequest
	)
	err := s.db.QueryRowContext(ctx, `SELECT request FROM tasks WHERE id = ?`, id).Scan(&text)
	if errors.Is(err, sql.ErrNoRows) {
		return "", req, ErrNotFound
	}
	if err != nil {
		return "", req, err
	}
	if err := json.Unmarshal([]byte(text), &req); err != nil {
		return "", req, fmt.Errorf("task %d has an unreadable request: %w", id, err)
	}
	return text, req, nil
}

// replaceRequest rewrites a row's request, unless it changed since it read
// old, and records whether an image is still inline. It reports whether
// the row was rewritten.
func (s *Store) replaceRequest(ctx context.Context, id int64, old string, req client.CreateRequest, inline bool) (bool, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return false, err
	}
	res, err := s.db.ExecContext(ctx, `UPDATE tasks SET request = ?, inline_images = ? WHERE id = ? AND request = ?`,
		string(body), boolInt(inline), id, old)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// AddExisting records a task made elsewhere, known only by its id. It
// returns the existing record if the task is already in the history.
func (s *Store) AddExisting(ctx context.Context, taskID string, now time.Time) (Record, bool, error) {
	if r, err := s.ByTaskID(ctx, taskID); err == nil {
		return r, false, nil
	} else if !errors.Is(err, ErrNotFound) {
		return Record{}, false, err
	}
	body, _ := json.Marshal(client.CreateRequest{})
	ms := now.UnixMilli()
	res, err := s.db.ExecContext(ctx, `INSERT INTO tasks (task_id, model, prompt, request, state, watching, created_at, updated_at)
		VALUES (?, '', '', ?, ?, 1, ?, ?)`, taskID, string(body), StatePending, ms, ms)
	if err != nil {
		return Record{}, false, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return Record{}, false, err
	}
	r, err := s.Get(ctx, id)
	return r, true, err
}

// Get returns one record with its files.
func (s *Store) Get(ctx context.Context, id int64) (Record, error) {
	r, err := scanRecord(s.db.QueryRowContext(ctx, `SELECT `+recordColumns+` FROM tasks WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Record{}, ErrNotFound
	}
	if err != nil {
		return Record{}, err
	}
	return r, s.oneDetails(ctx, &r)
}

// oneDetails loads the files and tags of one record.
func (s *Store) oneDetails(ctx context.Context, r *Record) error {
	rows, err := s.oneFiles.QueryContext(ctx, r.ID)
	if err != nil {
		return err
	}
	for rows.Next() {
		_, f, err := scanFile(rows)
		if err != nil {
			rows.Close()
			return err
		}
		r.Files = append(r.Files, f)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	rows, err = s.oneTags.QueryContext(ctx, r.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var tag string
		if err := rows.Scan(&tag); err != nil {
			return err
		}
		r.Tags = append(r.Tags, tag)
	}
	return rows.Err()
}

// ByTaskID returns the record of the service's task id.
func (s *Store) ByTaskID(ctx context.Context, taskID string) (Record, error) {
	var id int64
	err := s.db.QueryRowContext(ctx, `SELECT id FROM tasks WHERE task_id = ?`, taskID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return Record{}, ErrNotFound
	}
	if err != nil {
		return Record{}, err
	}
	return s.Get(ctx, id)
}

// Models lists every model used so far, for the filter.
func (s *Store) Models(ctx context.Context) ([]string, error) {
	return s.strings(ctx, `SELECT DISTINCT model FROM tasks WHERE model <> '' ORDER BY model`)
}

// AllTags lists every tag in use, for the filter.
func (s *Store) AllTags(ctx context.Context) ([]string, error) {
	return s.strings(ctx, `SELECT DISTINCT tag FROM tags ORDER BY tag`)
}

func (s *Store) strings(ctx context.Context, query string, args ...any) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Unfinished returns the records the tracker must follow: tasks being
// watched whose state is not final, and successful tasks whose videos are
// not all downloaded yet.
func (s *Store) Unfinished(ctx context.Context) ([]Record, error) {
	return s.query(ctx, `SELECT `+recordColumns+` FROM tasks
		WHERE (watching = 1 AND task_id IS NOT NULL AND state NOT IN (?, ?, ?, ?, ?, ?, ?))
		   OR (state = ? AND download = ?)
		   OR state = ?
		ORDER BY id`,
		StateSuccess, StateFailed, StateCancelled, StateNotSent, StateUncertain, StateLost, StateStale,
		StateSuccess, DownloadWaiting, StateSubmitting)
}

func (s *Store) query(ctx context.Context, query string, args ...any) ([]Record, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	var (
		out []Record
		ids []int64
	)
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, r)
		ids = append(ids, r.ID)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	files, tags, err := s.details(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Files = files[out[i].ID]
		out[i].Tags = tags[out[i].ID]
	}
	return out, nil
}

const fileColumns = `task_row, idx, path, size, sha256, duration_ms, width, height, frame_rate,
	video_codec, audio_codec, has_audio, media_state, thumbnail, missing, pixel_aspect, truncated`

// scanFile reads a row of fileColumns, after the columns read into lead,
// and returns the record row the file belongs to.
func scanFile(row scanner, lead ...any) (int64, File, error) {
	var (
		id                           int64
		f                            File
		durationMS                   int64
		hasAudio, missing, truncated int
		mediaState                   string
	)
	dest := append(lead, &id, &f.Index, &f.Path, &f.Size, &f.SHA256, &durationMS, &f.Media.Width, &f.Media.Height,
		&f.Media.FrameRate, &f.Media.VideoCodec, &f.Media.AudioCodec, &hasAudio, &mediaState, &f.Thumbnail, &missing,
		&f.Media.PixelAspect, &truncated)
	if err := row.Scan(dest...); err != nil {
		return 0, File{}, err
	}
	f.Media.Duration = time.Duration(durationMS) * time.Millisecond
	f.Media.HasAudio, f.Media.Truncated = hasAudio != 0, truncated != 0
	f.MediaState = MediaState(mediaState)
	f.Missing = missing != 0
	return id, f, nil
}

// details loads the files and tags of records.
func (s *Store) details(ctx context.Context, ids []int64) (map[int64][]File, map[int64][]string, error) {
	files := make(map[int64][]File)
	tags := make(map[int64][]string)
	// Query in chunks to stay far below SQLite's parameter limit.
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		marks := strings.TrimSuffix(strings.Repeat("?,", len(chunk)), ",")
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := s.db.QueryContext(ctx, `SELECT `+fileColumns+` FROM files
			WHERE task_row IN (`+marks+`) ORDER BY task_row, idx`, args...)
		if err != nil {
			return nil, nil, err
		}
		for rows.Next() {
			id, f, err := scanFile(rows)
			if err != nil {
				rows.Close()
				return nil, nil, err
			}
			files[id] = append(files[id], f)
		}
		if err := rows.Close(); err != nil {
			return nil, nil, err
		}
		rows, err = s.db.QueryContext(ctx, `SELECT task_row, tag FROM tags WHERE task_row IN (`+marks+`) ORDER BY task_row, tag`, args...)
		if err != nil {
			return nil, nil, err
		}
		for rows.Next() {
			var (
				id  int64
				tag string
			)
			if err := rows.Scan(&id, &tag); err != nil {
				rows.Close()
				return nil, nil, err
			}
			tags[id] = append(tags[id], tag)
		}
		if err := rows.Close(); err != nil {
			return nil, nil, err
		}
	}
	return files, tags, nil
}

// Change is a partial update of a record; nil fields are left as they are.
type Change struct {
	TaskID        *string
	State         *State
	Watching      *bool
	ErrorCode     *string
	ErrorMessage  *string
	Download      *DownloadState
	DownloadError *string
	Task          *client.Task // copies the server's timestamps, error and raw response
	Favourite     *bool
	Note          *string
	Tags          *[]string // replaces every tag
	TrashedAt     *time.Time
	WatchSince    *time.Time // the stale clock starts here
	Title         *string
}

// Update applies a change and returns the record as it now is.
func (s *Store) Update(ctx context.Context, id int64, c Change, now time.Time) (Record, error) {
	sets := []string{"updated_at = ?"}
	args := []any{now.UnixMilli()}
	set := func(col string, v any) {
		sets = append(sets, col+" = ?")
		args = append(args, v)
	}
	if t := c.Task; t != nil {
		set("server_created", int64(t.Created))
		set("server_updated", int64(t.Updated))
		set("server_completed", int64(t.Completed))
		if len(t.Raw) > 0 {
			set("raw", string(client.RedactJSON(t.Raw)))
		}
		if t.Model != "" {
			// A task added by its id learns its model from the service.
			sets = append(sets, "model = CASE WHEN model = '' THEN ? ELSE model END",
				"request = CASE WHEN model = '' THEN json_set(request, '$.model', ?) ELSE request END")
			args = append(args, t.Model, t.Model)
		}
	}
	if c.TaskID != nil {
		set("task_id", *c.TaskID)
	}
	if c.State != nil {
		set("state", string(*c.State))
	}
	if c.Watching != nil {
		set("watching", boolInt(*c.Watching))
	}
	if c.ErrorCode != nil {
		set("error_code", *c.ErrorCode)
	}
	if c.ErrorMessage != nil {
		set("error_message", *c.ErrorMessage)
	}
	if c.Download != nil {
		set("download", string(*c.Download))
	}
	if c.DownloadError != nil {
		set("download_error", *c.DownloadError)
	}
	if c.Favourite != nil {
		set("favourite", boolInt(*c.Favourite))
	}
	if c.Note != nil {
		set("note", *c.Note)
	}
	if c.TrashedAt != nil {
		var ms int64
		if !c.TrashedAt.IsZero() {
			ms = c.TrashedAt.UnixMilli()
		}
		set("trashed_at", ms)
	}
	if c.WatchSince != nil {
		set("watch_since", c.WatchSince.UnixMilli())
	}
	if c.Title != nil {
		set("title", *c.Title)
	}
	args = append(args, id)
	if c.Tags == nil {
		// The common change (a status from the tracker): one statement,
		// which also returns the row as it now is.
		st, done, err := s.updateStmt(ctx, `UPDATE tasks SET `+strings.Join(sets, ", ")+` WHERE id = ? RETURNING `+recordColumns)
		if err != nil {
			return Record{}, &StoreError{Op: OpSaveChange, Err: fmt.Errorf("record %d: %w", id, err)}
		}
		r, err := scanRecord(st.QueryRowContext(ctx, args...))
		done()
		if errors.Is(err, sql.ErrNoRows) {
			return Record{}, ErrNotFound
		}
		if err != nil {
			return Record{}, &StoreError{Op: OpSaveChange, Err: fmt.Errorf("record %d: %w", id, err)}
		}
		return r, s.oneDetails(ctx, &r)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Record{}, &StoreError{Op: OpSaveChange, Err: fmt.Errorf("record %d: %w", id, err)}
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE tasks SET `+strings.Join(sets, ", ")+` WHERE id = ?`, args...)
	if err != nil {
		return Record{}, &StoreError{Op: OpSaveChange, Err: fmt.Errorf("record %d: %w", id, err)}
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Record{}, ErrNotFound
	}
	if c.Tags != nil {
		if _, err := tx.ExecContext(ctx, `DELETE FROM tags WHERE task_row = ?`, id); err != nil {
			return Record{}, err
		}
		for _, tag := range NormalizeTags(*c.Tags) {
			if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO tags (task_row, tag) VALUES (?, ?)`, id, tag); err != nil {
				return Record{}, err
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return Record{}, &StoreError{Op: OpSaveChange, Err: fmt.Errorf("record %d: %w", id, err)}
	}
	return s.Get(ctx, id)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// PutFile records a downloaded video of a task, replacing any earlier
// record of the same index.
func (s *Store) PutFile(ctx context.Context, id int64, f File) error {
	return putFile(ctx, s.db, id, f)
}

// execer is a *sql.DB, a *sql.Tx or a *stmtCache.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// stmtCache runs the statements of a transaction, each prepared once: a
// transaction that restores many records runs the same few statements
// again and again, and parsing them took as long as running them.
type stmtCache struct {
	tx    *sql.Tx
	stmts map[string]*sql.Stmt
	store *Store // if set, bulk statements are prepared once on it
}

func newStmtCache(tx *sql.Tx) *stmtCache { return &stmtCache{tx: tx, stmts: map[string]*sql.Stmt{}} }

func (c *stmtCache) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st := c.stmts[query]; st != nil {
		return st, nil
	}
	st, err := c.tx.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.stmts[query] = st
	return st, nil
}

// bulk is stmt for a statement that works on a full chunk of rows (one of
// bulkQueries): with c.store set, it is the one prepared on the store by
// prepareBulk, kept across transactions.
func (c *stmtCache) bulk(ctx context.Context, query string) (*sql.Stmt, error) {
	if st := c.stmts[query]; st != nil || c.store == nil {
		return c.stmt(ctx, query)
	}
	c.store.updatesMu.Lock()
	kept := c.store.bulk[query]
	c.store.updatesMu.Unlock()
	if kept == nil {
		return c.stmt(ctx, query)
	}
	st := c.tx.StmtContext(ctx, kept)
	c.stmts[query] = st
	return st, nil
}

// bulkQueries are the texts prepareBulk prepares.
var bulkQueries = []string{
	lookupTasksQuery(bulkRows), insertTasksQuery(bulkRows), insertTagsQuery(bulkRows), insertFilesQuery(bulkRows),
}

// prepareBulk prepares the statements of bulkQueries once. It must not be
// called inside a transaction: the store has one connection.
func (s *Store) prepareBulk(ctx context.Context) {
	s.updatesMu.Lock()
	done := s.bulk != nil
	s.updatesMu.Unlock()
	if done {
		return
	}
	// Not under the lock: a transaction that holds the connection may be
	// waiting for it in bulk.
	kept := make(map[string]*sql.Stmt, len(bulkQueries))
	for _, q := range bulkQueries {
		if st, err := s.db.PrepareContext(ctx, q); err == nil {
			kept[q] = st
		}
	}
	s.updatesMu.Lock()
	defer s.updatesMu.Unlock()
	if s.bulk != nil {
		for _, st := range kept {
			st.Close()
		}
		return
	}
	s.bulk = kept
}

// ExecContext is sql.Tx.ExecContext with the statement prepared once.
func (c *stmtCache) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// QueryRowContext is sql.Tx.QueryRowContext with the statement prepared
// once.
func (c *stmtCache) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := c.stmt(ctx, query)
	if err != nil {
		return c.tx.QueryRowContext(ctx, query, args...) // reports the error
	}
	return st.QueryRowContext(ctx, args...)
}

// fileUpsert is what writing a file row over one already there (the same
// task row and index) sets, after the values of fileColumns (fileArgs).
const fileUpsert = ` ON CONFLICT (task_row, idx) DO UPDATE SET path = excluded.path, size = excluded.size, sha256 = excluded.sha256,
	duration_ms = excluded.duration_ms, width = excluded.width, height = excluded.height,
	frame_rate = excluded.frame_rate, video_codec = excluded.video_codec, audio_codec = excluded.audio_codec,
	has_audio = excluded.has_audio, media_state = excluded.media_state, thumbnail = excluded.thumbnail,
	missing = excluded.missing, pixel_aspect = excluded.pixel_aspect, truncated = excluded.truncated`

// fileArgs appends the values of fileColumns for file f of row id.
func fileArgs(args []any, id int64, f File) []any {
	return append(args, id, f.Index, f.Path, f.Size, f.SHA256, f.Media.Duration.Milliseconds(), f.Media.Width, f.Media.Height,
		f.Media.FrameRate, f.Media.VideoCodec, f.Media.AudioCodec, boolInt(f.Media.HasAudio), string(f.MediaState),
		f.Thumbnail, boolInt(f.Missing), f.Media.PixelAspect, boolInt(f.Media.Truncated))
}

func putFile(ctx context.Context, db execer, id int64, f File) error {
	_, err := db.ExecContext(ctx, `INSERT INTO files (`+fileColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`+fileUpsert, fileArgs(nil, id, f)...)
	if err != nil {
		return &StoreError{Op: OpRecordVideo, Err: fmt.Errorf("record %d, video %d: %w", id, f.Index, err)}
	}
	return nil
}

// Delete removes a record and its file records (not the files).
func (s *Store) Delete(ctx context.Context, id int64) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM tasks WHERE id = ?`, id)
	return err
}

// Names of the settings kept in the store. The API key is never one of
// them: it lives in the system keychain only.
const (
	SettingServer       = "server_url"
	SettingLibrary      = "library_dir"
	SettingInterval     = "poll_interval_seconds"
	SettingMaxDownloads = "max_downloads"
)

// Setting returns a saved setting, or def when none is saved.
func (s *Store) Setting(ctx context.Context, key, def string) string {
	var v string
	if err := s.db.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v); err != nil {
		return def
	}
	return v
}

// SetSetting saves a setting. The API key is never a setting.
func (s *Store) SetSetting(ctx context.Context, key, value string) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return err
}

// IntegrityCheck runs SQLite's own consistency check.
func (s *Store) IntegrityCheck(ctx context.Context) error {
	var res string
	if err := s.db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&res); err != nil {
		return err
	}
	if res != "ok" {
		return fmt.Errorf("the history database is damaged: %s", res)
	}
	return nil
}

// NormalizeTags trims, lower-cases and de-duplicates tags, dropping empty
// ones; commas also separate tags.
func NormalizeTags(tags []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range tags {
		for _, part := range strings.Split(t, ",") {
			part = normalizeTag(part)
			if part != "" && !seen[part] {
				seen[part] = true
				out = append(out, part)
			}
		}
	}
	return out
}

func normalizeTag(t string) string {
	t = strings.ToLower(strings.Join(strings.Fields(t), " "))
	if r := []rune(t); len(r) > 64 {
		t = string(r[:64])
	}
	return t
}

// SidecarRecord is a record as one sidecar describes it: a video of a task
// (the record's one file) and the stamp of the sidecar it was read from.
type SidecarRecord struct {
	Record Record
	Stamp  sidecarStamp
}

// Restore puts back, in one transaction, records read from sidecars: a new
// row, with its tags, for each task the history does not know (from the
// first of its sidecars in list); each file a row does not know yet (the
// history's own place for a file wins, Reconcile follows moves); and the
// sidecar's stamp on a known file recorded where the sidecar is. It
// reports which entries of list added a row. If any of it fails, none of
// it is kept.
func (s *Store) Restore(ctx context.Context, list []SidecarRecord) (created []bool, err error) {
	first := map[string]int{} // the first entry of each task
	var taskIDs []string
	for i, sr := range list {
		if len(sr.Record.Files) != 1 {
			return nil, restoreError([]Record{sr.Record}, fmt.Errorf("%d files, want the one its sidecar describes", len(sr.Record.Files)))
		}
		if _, ok := first[sr.Record.TaskID]; !ok {
			first[sr.Record.TaskID] = i
			taskIDs = append(taskIDs, sr.Record.TaskID)
		}
	}
	s.prepareBulk(ctx)
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	stmts := newStmtCache(tx)
	stmts.store = s
	// The rows first, the new ones added together (see insertTasks), then
	// what hangs off them, also many rows to a statement: one statement per
	// tag, file and stamp was a third of a rebuild.
	known, err := s.lookupTasks(ctx, stmts, taskIDs)
	if err != nil {
		return nil, err
	}
	created = make([]bool, len(list))
	var newRecs []Record
	for _, task := range taskIDs {
		if _, ok := known[task]; !ok {
			created[first[task]] = true
			newRecs = append(newRecs, list[first[task]].Record)
		}
	}
	ids, err := insertTasks(ctx, stmts, newRecs)
	if err != nil {
		return nil, err
	}
	var tags []taskTag
	for k, r := range newRecs {
		known[r.TaskID] = knownTask{id: ids[k]}
		for _, tag := range NormalizeTags(r.Tags) {
			tags = append(tags, taskTag{ids[k], tag})
		}
	}
	var newFiles, stamps []stampedFile
	for _, sr := range list {
		k, f := known[sr.Record.TaskID], sr.Record.Files[0]
		at := slices.IndexFunc(k.files, func(g File) bool { return g.Index == f.Index })
		switch {
		case at < 0:
			newFiles = append(newFiles, stampedFile{k.id, f, sr.Stamp})
			k.files = append(k.files, f)
			known[sr.Record.TaskID] = k
		case k.files[at].Path == f.Path:
			stamps = append(stamps, stampedFile{k.id, k.files[at], sr.Stamp})
		}
	}
	if err := insertTags(ctx, stmts, tags); err != nil {
		return nil, err
	}
	if err := insertFiles(ctx, stmts, newFiles); err != nil {
		return nil, err
	}
	for _, sf := range stamps {
		if _, err := stmts.ExecContext(ctx, `UPDATE files SET sidecar_size = ?, sidecar_mtime = ? WHERE task_row = ? AND idx = ? AND path = ?`,
			sf.stamp.size, sf.stamp.mtime, sf.id, sf.file.Index, sf.file.Path); err != nil {
			return nil, &StoreError{Op: OpRecordVideo, Err: fmt.Errorf("record %d, video %d: %w", sf.id, sf.file.Index, err)}
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, &StoreError{Op: OpRestore, Err: err}
	}
	return created, nil
}

// bulkRows is how many rows one statement of insertTasks, insertTags,
// insertFiles or lookupTasks works on.
const bulkRows = 100

// rowsOf is n times the placeholders of one row, separated by commas.
func rowsOf(one string, n int) string {
	return strings.TrimSuffix(strings.Repeat(one+",", n), ",")
}

// chunkStmt is the statement of query for a chunk of n rows.
func chunkStmt(ctx context.Context, tx *stmtCache, query string, n int) (*sql.Stmt, error) {
	if n == bulkRows {
		return tx.bulk(ctx, query)
	}
	return tx.stmt(ctx, query)
}

func insertTasksQuery(n int) string {
	return `INSERT INTO tasks (task_id, model, prompt, request, state, watching, error_code, error_message,
		raw, created_at, updated_at, server_created, server_updated, server_completed, download, favourite, note, trashed_at,
		inline_images, continued_from, title) VALUES ` +
		rowsOf(`(?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, n) + ` RETURNING id, task_id`
}

// insertTasks adds the rows of records whose task ids are new and
// distinct, several per statement: inside a transaction, SQLite makes the
// full-text index write out what it holds at each INSERT (the index's
// trigger makes the statement one that may have to be undone on its own),
// which cost a quarter of a rebuild when done row by row. It returns the
// new rows' ids in the order of recs.
func insertTasks(ctx context.Context, tx *stmtCache, recs []Record) ([]int64, error) {
	ids := make([]int64, 0, len(recs))
	args := make([]any, 0, 20*min(len(recs), bulkRows))
	byTask := make(map[string]int64, min(len(recs), bulkRows))
	for start := 0; start < len(recs); start += bulkRows {
		chunk := recs[start:min(start+bulkRows, len(recs))]
		args = args[:0]
		for _, r := range chunk {
			body, err := json.Marshal(r.Request)
			if err != nil {
				return nil, err
			}
			var trashed int64
			if !r.TrashedAt.IsZero() {
				trashed = r.TrashedAt.UnixMilli()
			}
			args = append(args, r.TaskID, r.Request.Model, r.Request.Prompt, string(body), string(r.State), r.ErrorCode, r.ErrorMessage,
				string(client.RedactJSON(r.Raw)), r.CreatedAt.UnixMilli(), r.UpdatedAt.UnixMilli(),
				int64(r.ServerCreated), int64(r.ServerUpdated), int64(r.ServerCompleted), string(DownloadDone),
				boolInt(r.Favourite), r.Note, trashed, boolInt(r.Request.HasDataURL()), r.ContinuedFrom, r.Title)
		}
		st, err := chunkStmt(ctx, tx, insertTasksQuery(len(chunk)), len(chunk))
		if err != nil {
			return nil, restoreError(chunk, err)
		}
		rows, err := st.QueryContext(ctx, args...)
		if err != nil {
			return nil, restoreError(chunk, err)
		}
		clear(byTask)
		for rows.Next() {
			var (
				id   int64
				task string
			)
			if err := rows.Scan(&id, &task); err != nil {
				rows.Close()
				return nil, err
			}
			byTask[task] = id
		}
		if err := rows.Close(); err != nil {
			return nil, restoreError(chunk, err)
		}
		for _, r := range chunk {
			id, ok := byTask[r.TaskID]
			if !ok {
				return nil, restoreError(chunk, errors.New("row not added"))
			}
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// knownTask is a task's row and files, as lookupTasks found them.
type knownTask struct {
	id    int64
	files []File
}

func lookupTasksQuery(n int) string {
	return `SELECT id, task_id FROM tasks WHERE task_id IN (` + rowsOf("?", n) + `)`
}

// lookupTasks finds the rows and files of many distinct task ids at once;
// the map holds those in the history.
func (s *Store) lookupTasks(ctx context.Context, tx *stmtCache, taskIDs []string) (map[string]knownTask, error) {
	found := map[string]knownTask{}
	args := make([]any, 0, min(len(taskIDs), bulkRows))
	for start := 0; start < len(taskIDs); start += bulkRows {
		chunk := taskIDs[start:min(start+bulkRows, len(taskIDs))]
		args = args[:0]
		for _, task := range chunk {
			if task == "" {
				return nil, errors.New("a record without a task id cannot be restored")
			}
			args = append(args, task)
		}
		st, err := chunkStmt(ctx, tx, lookupTasksQuery(len(chunk)), len(chunk))
		if err != nil {
			return nil, err
		}
		rows, err := st.QueryContext(ctx, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var k knownTask
			var task string
			if err := rows.Scan(&k.id, &task); err != nil {
				rows.Close()
				return nil, err
			}
			found[task] = k
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	for task, k := range found {
		rows, err := tx.tx.StmtContext(ctx, s.oneFiles).QueryContext(ctx, k.id)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			_, f, err := scanFile(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			k.files = append(k.files, f)
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		found[task] = k
	}
	return found, nil
}

// taskTag is a tag of a task's row.
type taskTag struct {
	id  int64
	tag string
}

func insertTagsQuery(n int) string {
	return `INSERT OR IGNORE INTO tags (task_row, tag) VALUES ` + rowsOf("(?, ?)", n)
}

// insertTags adds tags to rows, many per statement.
func insertTags(ctx context.Context, tx *stmtCache, tags []taskTag) error {
	_, err := execChunks(ctx, tx, tags, 2, insertTagsQuery, func(args []any, t taskTag) []any {
		return append(args, t.id, t.tag)
	})
	return err
}

// execChunks runs the statement query(n) over items, bulkRows rows at a
// time; row appends an item's perRow values to args. It returns the chunk
// whose statement failed, if one did.
func execChunks[T any](ctx context.Context, tx *stmtCache, items []T, perRow int, query func(n int) string,
	row func(args []any, item T) []any) ([]T, error) {
	args := make([]any, 0, perRow*min(len(items), bulkRows))
	for start := 0; start < len(items); start += bulkRows {
		chunk := items[start:min(start+bulkRows, len(items))]
		args = args[:0]
		for _, it := range chunk {
			args = row(args, it)
		}
		st, err := chunkStmt(ctx, tx, query(len(chunk)), len(chunk))
		if err != nil {
			return nil, err
		}
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return chunk, err
		}
	}
	return nil, nil
}

// stampedFile is a file of a row, with the stamp of its sidecar.
type stampedFile struct {
	id    int64
	file  File
	stamp sidecarStamp
}

func insertFilesQuery(n int) string {
	return `INSERT INTO files (` + fileColumns + `, sidecar_size, sidecar_mtime) VALUES ` +
		rowsOf(`(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, n) +
		fileUpsert + `, sidecar_size = excluded.sidecar_size, sidecar_mtime = excluded.sidecar_mtime`
}

// insertFiles is putFile for many files, many per statement, each with
// its sidecar's stamp.
func insertFiles(ctx context.Context, tx *stmtCache, files []stampedFile) error {
	failed, err := execChunks(ctx, tx, files, 19, insertFilesQuery, func(args []any, sf stampedFile) []any {
		return append(fileArgs(args, sf.id, sf.file), sf.stamp.size, sf.stamp.mtime)
	})
	if failed != nil {
		f := failed[0]
		return &StoreError{Op: OpRecordVideo, Err: fmt.Errorf("record %d, video %d: %w", f.id, f.file.Index, err)}
	}
	return err
}

// restoreError names the task (the first of several) a restore failed on.
func restoreError(recs []Record, err error) error {
	task := recs[0].TaskID
	if len(recs) > 1 {
		task += fmt.Sprintf(" and %d more", len(recs)-1)
	}
	return &StoreError{Op: OpRestore, Err: fmt.Errorf("task %s: %w", task, err)}
}

// LibraryFile is one file of the library as the store knows it.
type LibraryFile struct {
	RecordID int64
	TaskID   string
	File     File
}

// LibraryFiles lists every downloaded file of every record, trash
// included, in record order.
func (s *Store) LibraryFiles(ctx context.Context) ([]LibraryFile, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT t.task_id, `+fileColumns+`
		FROM files f JOIN tasks t ON t.id = f.task_row ORDER BY f.task_row, f.idx`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []LibraryFile
	for rows.Next() {
		var (
			lf     LibraryFile
			taskID sql.NullString
			err    error
		)
		if lf.RecordID, lf.File, err = scanFile(rows, &taskID); err != nil {
			return nil, err
		}
		lf.TaskID = taskID.String
		out = append(out, lf)
	}
	return out, rows.Err()
}

// SetFileLocation records where a file is and whether it is missing, but
// only if the file is still recorded at from: a change made meanwhile (a
// trash, a move) wins over a stale look at the folder.
func (s *Store) SetFileLocation(ctx context.Context, id int64, idx int, from, to string, missing bool) error {
	_, err := s.db.ExecContext(ctx, `UPDATE files SET path = ?, missing = ? WHERE task_row = ? AND idx = ? AND path = ?`,
		to, boolInt(missing), id, idx, from)
	return err
}

// AttachTaskID gives an uncertain submission the task id the service gave
// it: the entry becomes a pending task that is watched, keeping its
// request. It fails with ErrNotUncertain if the entry is not waiting for
// its id, and with ErrTaskIDInHistory if another entry has that id.
func (s *Store) AttachTaskID(ctx context.Context, id int64, taskID string, now time.Time) (Record, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Record{}, err
	}
	defer tx.Rollback()
	var other int64
	switch err := tx.QueryRowContext(ctx, `SELECT id FROM tasks WHERE task_id = ?`, taskID).Scan(&other); {
	case err == nil && other != id:
		return Record{}, fmt.Errorf("%w (entry %d)", ErrTaskIDInHistory, other)
	case err != nil && !errors.Is(err, sql.ErrNoRows):
		return Record{}, err
	}
	res, err := tx.ExecContext(ctx, `UPDATE tasks SET task_id = ?, state = ?, watching = 1, error_code = '', error_message = '',
		updated_at = ? WHERE id = ? AND state = ? AND COALESCE(task_id, '') = ''`,
		taskID, StatePending, now.UnixMilli(), id, StateUncertain)
	if err != nil {
		return Record{}, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		// Read within the transaction: the store has one connection.
		var exists int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM tasks WHERE id = ?`, id).Scan(&exists); errors.Is(err, sql.ErrNoRows) {
			return Record{}, ErrNotFound
		} else if err != nil {
			return Record{}, err
		}
		return Record{}, ErrNotUncertain
	}
	if err := tx.Commit(); err != nil {
		return Record{}, err
	}
	return s.Get(ctx, id)
}

// CountVideos returns how many videos the records List would return have
// in the library: every file of a task counts, except files missing from
// the folder.
func (s *Store) CountVideos(ctx context.Context, q Query) (int, error) {
	where, args := q.where()
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM files WHERE missing = 0 AND task_row IN (SELECT id FROM tasks`+where+`)`, args...).Scan(&n)
	return n, err
}
