package main

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/reelhouse/reelhouse/history/store"
)

// TestReliabilityStartMakesSharedDataFolderPrivate: a data folder left at 0755 with
// a history readable by everyone (0644) is the user's only after a start
// (0700, files 0600), and a second start can then bring the window
// forward through the socket.
func TestReliabilityStartMakesSharedDataFolderPrivate(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no permission bits to check")
	}
	dir := shortTempDir(t)
	hist, err := store.Open(t.Context(), filepath.Join(dir, "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	hist.Close()
	for path, mode := range map[string]os.FileMode{dir: 0o755, filepath.Join(dir, "history.db"): 0o644} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
	}

	s, err := Open(t.Context(), Options{DataDir: dir, Library: filepath.Join(dir, "..", "Library"), Server: "https://example.com"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	assertPrivate(t, dir)

	if _, _, err := claimDataDir(dir, func() {}); !errors.Is(err, errShown) {
		t.Errorf("second start: %v, want the first one's window brought forward", err)
	}
}

// TestFirstStartIsPrivate: in a new data folder, every file Reelhouse
// creates (the history and SQLite's journal files among them) is the
// user's only, even with a umask that lets others read.
func TestFirstStartIsPrivate(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no permission bits to check")
	}
	dir := shortTempDir(t)
	s, err := Open(t.Context(), Options{DataDir: dir, Library: filepath.Join(dir, "..", "Library"), Server: "https://example.com"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Deps.Store.SetSetting(t.Context(), "test", "a write, for the journal files"); err != nil {
		t.Fatal(err)
	}
	assertPrivate(t, dir)
}

// assertPrivate fails for dir or any entry directly in it that the group
// or others may use.
func assertPrivate(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	paths := []string{dir}
	for _, e := range entries {
		paths = append(paths, filepath.Join(dir, e.Name()))
	}
	for _, p := range paths {
		info, err := os.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		if perm := info.Mode().Perm(); perm&0o077 != 0 {
			t.Errorf("%s: mode %v, open to other users", p, perm)
		}
	}
}
