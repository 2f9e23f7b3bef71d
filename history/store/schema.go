package store

// This file is the store's schema and its migrations.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
)

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

	// 10: films joined from the shots of a story (the film's row lists
	// them, as JSON), and the stories themselves: a name and, as JSON, the
	// settings and shots, each shot with the row made for it.
	`ALTER TABLE tasks ADD COLUMN film TEXT NOT NULL DEFAULT '';
	CREATE TABLE stories (
		id INTEGER PRIMARY KEY,
		name TEXT NOT NULL,
		spec TEXT NOT NULL,
		updated_at INTEGER NOT NULL
	);`,
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

// OldSchema returns the statements of the first n migrations: the schema
// an older Reelhouse left behind, which the tests of upgrades start from.
func OldSchema(n int) []string { return slices.Clone(migrations[:n]) }
