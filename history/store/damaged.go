package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrDamaged: the history database file is damaged — not a database at
// all, or its pages are malformed — as opposed to busy, locked or not
// readable for its permissions. The history can then be rebuilt from the
// library folder once the file is kept aside (KeepAside).
var ErrDamaged = errors.New("history database is damaged")

// damaged marks err with ErrDamaged when SQLite reported a damaged file.
// Only the codes SQLite gives for a file it cannot make sense of count: a
// busy, locked, read-only or unopenable file is a different problem, and
// its file must not be put aside.
func damaged(err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT:
		return fmt.Errorf("%w: %w", ErrDamaged, err)
	}
	return err
}

// KeepAside moves the database file at path, with its -wal and -shm
// files, to a dated name in the same folder, so that a new history can be
// made at path while the damaged one is kept for the user. It returns the
// new name of the database file. Nothing is deleted.
func KeepAside(path string, now time.Time) (string, error) {
	dir := filepath.Dir(path)
	stem := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	base := stem + "-damaged-" + now.Format("20060102-150405")
	kept := ""
	for n := 1; kept == ""; n++ {
		name := base
		if n > 1 {
			name = fmt.Sprintf("%s-%d", base, n)
		}
		name = filepath.Join(dir, name+filepath.Ext(path))
		if taken(name) || taken(name+"-wal") || taken(name+"-shm") {
			continue
		}
		kept = name
	}
	// The -wal and -shm first: a database file left at path without them
	// is still the damaged one, and the next start finds it again.
	for _, suffix := range []string{"-wal", "-shm", ""} {
		err := os.Rename(path+suffix, kept+suffix)
		if err != nil && !(suffix != "" && errors.Is(err, fs.ErrNotExist)) {
			return "", &FolderError{Op: OpDataFolder, Path: path + suffix, Err: err}
		}
	}
	return kept, nil
}

func taken(path string) bool {
	_, err := os.Lstat(path)
	return !errors.Is(err, fs.ErrNotExist)
}

// ReadSettings reads the settings saved in the database at path without
// changing it, as far as they can be read: of a damaged history, what
// survives is carried over to the rebuilt one.
func ReadSettings(ctx context.Context, path string) (map[string]string, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, err
	}
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?mode=ro&_pragma=busy_timeout(1000)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `SELECT key, value FROM settings`)
	if err != nil {
		return nil, damaged(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return out, damaged(err)
		}
		out[k] = v
	}
	return out, damaged(rows.Err())
}
