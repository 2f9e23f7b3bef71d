package store

// This file is the store's side of the library folder: what a reconcile
// reads of every recorded file, and the stamps of sidecars already read.

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// LibraryFacts returns, for a reconcile, every recorded file with only
// what the reconcile looks at (its record, index, path and whether it is
// missing; not its task id, see taskIDs), in record order, and the stamp
// of each file's sidecar that has one, by the PathStem of the sidecar's
// library-relative path (the video's and the sidecar's are the same).
// SQLite joins each chunk of files into one text (see parseFacts): one row
// per file cost more than the walk of the folder, most of it in handing
// over each column of each row.
func (s *Store) LibraryFacts(ctx context.Context) ([]LibraryFile, map[string]Stamp, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM files`).Scan(&n); err != nil {
		return nil, nil, err
	}
	files := make([]LibraryFile, 0, n)
	stamps := make(map[string]Stamp, n)
	for after := int64(-1 << 63); ; {
		var (
			last sql.NullInt64
			text sql.NullString
		)
		err := s.db.QueryRowContext(ctx, `SELECT max(rid), group_concat(fact, '') FROM (
			SELECT rowid AS rid, task_row || ' ' || idx || ' ' || missing || ' ' || sidecar_size || ' ' ||
				sidecar_mtime || ' ' || length(CAST(path AS BLOB)) || ' ' || path || ' ' AS fact
			FROM files WHERE rowid > ? ORDER BY rowid LIMIT ?)`,
			after, factsAtOnce).Scan(&last, &text)
		if err != nil {
			return nil, nil, err
		}
		if !last.Valid {
			break
		}
		after = last.Int64
		if files, err = parseFacts(text.String, files, stamps); err != nil {
			return nil, nil, err
		}
	}
	slices.SortFunc(files, func(a, b LibraryFile) int {
		return cmp.Or(cmp.Compare(a.RecordID, b.RecordID), cmp.Compare(a.File.Index, b.File.Index))
	})
	return files, stamps, nil
}

// FillTaskIDs fills in the task id of each of files.
func (s *Store) FillTaskIDs(ctx context.Context, files []LibraryFile) error {
	ids := map[int64]string{}
	for _, lf := range files {
		ids[lf.RecordID] = ""
	}
	rows := slices.Collect(maps.Keys(ids))
	for start := 0; start < len(rows); start += factsAtOnce {
		chunk := rows[start:min(start+factsAtOnce, len(rows))]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		found, err := s.db.QueryContext(ctx, `SELECT id, COALESCE(task_id, '') FROM tasks WHERE id IN (`+rowsOf("?", len(chunk))+`)`, args...)
		if err != nil {
			return err
		}
		for found.Next() {
			var (
				id   int64
				task string
			)
			if err := found.Scan(&id, &task); err != nil {
				found.Close()
				return err
			}
			ids[id] = task
		}
		if err := found.Close(); err != nil {
			return err
		}
	}
	for i := range files {
		files[i].TaskID = ids[files[i].RecordID]
	}
	return nil
}

// factsAtOnce is how many files one query of libraryFacts reads.
const factsAtOnce = 2000

// parseFacts reads what libraryFacts' query joined: for each file, its
// record, index, missing, sidecar size and time as numbers, then its path
// as its length in bytes and the bytes, everything followed by a space. It adds the files to files and the known stamps to
// stamps.
func parseFacts(text string, files []LibraryFile, stamps map[string]Stamp) ([]LibraryFile, error) {
	bad := errors.New("the history's list of files could not be read")
	number := func() (int64, bool) {
		i := strings.IndexByte(text, ' ')
		if i < 0 {
			return 0, false
		}
		n, err := strconv.ParseInt(text[:i], 10, 64)
		text = text[i+1:]
		return n, err == nil
	}
	bytes := func() (string, bool) {
		n, ok := number()
		if !ok || n < 0 || n >= int64(len(text)) || text[n] != ' ' {
			return "", false
		}
		v := text[:n]
		text = text[n+1:]
		return v, true
	}
	for text != "" {
		var (
			lf      LibraryFile
			nums    [5]int64
			ok      = true
			missing int64
			st      Stamp
		)
		for k := range nums {
			if nums[k], ok = number(); !ok {
				return nil, bad
			}
		}
		lf.RecordID, lf.File.Index, missing, st.Size, st.Mtime = nums[0], int(nums[1]), nums[2], nums[3], nums[4]
		if lf.File.Path, ok = bytes(); !ok {
			return nil, bad
		}
		lf.File.Missing = missing != 0
		files = append(files, lf)
		if st.Size >= 0 {
			stamps[PathStem(lf.File.Path)] = st
		}
	}
	return files, nil
}

// SetSidecarStamp records the stamp of the sidecar of file idx of record
// id, if the file is still recorded at path.
func (s *Store) SetSidecarStamp(ctx context.Context, id int64, idx int, path string, st Stamp) error {
	_, err := s.db.ExecContext(ctx, `UPDATE files SET sidecar_size = ?, sidecar_mtime = ? WHERE task_row = ? AND idx = ? AND path = ?`,
		st.Size, st.Mtime, id, idx, path)
	return err
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

// HasFiles reports whether any video was ever downloaded into the library
// (trash and missing files included): then the library folder is one
// Reelhouse used, and a missing one is a drive not connected.
func (s *Store) HasFiles(ctx context.Context) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM files LIMIT 1)`).Scan(&n)
	return n > 0, err
}
