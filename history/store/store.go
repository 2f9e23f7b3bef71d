// Package store is the history's SQLite database: every task the user ever
// made, its files, tags and settings, the journal of task ids not yet
// recorded, the lock of the data folder, and the errors and problem codes
// the history reports. All of Reelhouse's SQL is here and nowhere else. It
// never imports Fyne.
package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/reelhouse/reelhouse/client"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

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

// Open opens (creating if needed) the database at path and brings its
// schema up to date. A file SQLite finds damaged gives an error that
// errors.Is ErrDamaged.
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
		return nil, damaged(err)
	}
	if err := s.prepare(ctx); err != nil {
		db.Close()
		return nil, damaged(&StoreError{Op: OpOpenStore, Err: err})
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

const recordColumns = `id, COALESCE(task_id, ''), request, state, watching, error_code, error_message, raw,
	created_at, updated_at, server_created, server_updated, server_completed, download, download_error,
	favourite, note, trashed_at, watch_since, continued_from, title, film`

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
		film               string
	)
	err := row.Scan(&r.ID, &r.TaskID, &request, &state, &watching, &r.ErrorCode, &r.ErrorMessage, &raw,
		&created, &updated, &sCreated, &sUpdated, &sCompleted, &download, &r.DownloadError,
		&favourite, &r.Note, &trashed, &watchSince, &r.ContinuedFrom, &r.Title, &film)
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal([]byte(request), &r.Request); err != nil {
		return r, fmt.Errorf("task %d has an unreadable request: %w", r.ID, err)
	}
	if film != "" {
		if err := json.Unmarshal([]byte(film), &r.Film); err != nil {
			return r, fmt.Errorf("task %d has an unreadable list of shots: %w", r.ID, err)
		}
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
	return s.AddContinuing(ctx, req, now, "")
}

// AddContinuing is AddSubmission for a task that continues the video of
// task id from ("" for none), recorded in the same row.
func (s *Store) AddContinuing(ctx context.Context, req client.CreateRequest, now time.Time, from string) (Record, error) {
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

// InlineImageRows lists the rows whose request still carries an image
// inline, for MigrateRefImages.
func (s *Store) InlineImageRows(ctx context.Context) ([]int64, error) {
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

// RequestOf returns a row's request as stored, and decoded.
func (s *Store) RequestOf(ctx context.Context, id int64) (string, client.CreateRequest, error) {
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

// ReplaceRequest rewrites a row's request, unless it changed since it read
// old, and records whether an image is still inline. It reports whether
// the row was rewritten.
func (s *Store) ReplaceRequest(ctx context.Context, id int64, old string, req client.CreateRequest, inline bool) (bool, error) {
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
