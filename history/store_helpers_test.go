package history

import (
	"database/sql"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/reelhouse/reelhouse/history/store"
)

// openTestStore opens a new store in a temporary folder.
func openTestStore(t *testing.T) (*store.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "history.db")
	s, err := store.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

// rawDB is a second connection to the database at path, for a test that
// breaks or inspects the file behind the store's back (a trigger that
// refuses writes, a row no version would write).
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
