package store

// This file puts records read from sidecars back into the store, many rows
// to a statement.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/reelhouse/reelhouse/client"
)

// SidecarRecord is a record as one sidecar describes it: a video of a task
// (the record's one file) and the stamp of the sidecar it was read from.
type SidecarRecord struct {
	Record Record
	Stamp  Stamp
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
			sf.stamp.Size, sf.stamp.Mtime, sf.id, sf.file.Index, sf.file.Path); err != nil {
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
		inline_images, continued_from, title, film) VALUES ` +
		rowsOf(`(?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, n) + ` RETURNING id, task_id`
}

// insertTasks adds the rows of records whose task ids are new and
// distinct, several per statement: inside a transaction, SQLite makes the
// full-text index write out what it holds at each INSERT (the index's
// trigger makes the statement one that may have to be undone on its own),
// which cost a quarter of a rebuild when done row by row. It returns the
// new rows' ids in the order of recs.
func insertTasks(ctx context.Context, tx *stmtCache, recs []Record) ([]int64, error) {
	ids := make([]int64, 0, len(recs))
	args := make([]any, 0, 22*min(len(recs), bulkRows))
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
				boolInt(r.Favourite), r.Note, trashed, boolInt(r.Request.HasDataURL()), r.ContinuedFrom, r.Title, filmColumn(r.Film))
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
	stamp Stamp
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
		return append(fileArgs(args, sf.id, sf.file), sf.stamp.Size, sf.stamp.Mtime)
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
