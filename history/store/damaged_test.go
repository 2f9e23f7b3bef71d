package store

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// damageFile overwrites the database at path with garbage, as a disk
// fault or another program writing into it would.
func damageFile(t *testing.T, path string) {
	t.Helper()
	if err := os.WriteFile(path, bytes.Repeat([]byte("not a history "), 600), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestOpenTellsADamagedFile: a history overwritten with garbage is
// ErrDamaged; one that cannot be opened for its permissions is not.
func TestOpenTellsADamagedFile(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dir := t.TempDir()
	path := filepath.Join(dir, "history.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetSetting(ctx, SettingLibrary, "/videos"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	for _, suffix := range []string{"-wal", "-shm"} {
		os.Remove(path + suffix)
	}
	damageFile(t, path)
	_, err = Open(ctx, path)
	if !errors.Is(err, ErrDamaged) {
		t.Fatalf("garbage opens with %v, want ErrDamaged", err)
	}
	if _, err := ReadSettings(ctx, path); !errors.Is(err, ErrDamaged) {
		t.Errorf("ReadSettings of garbage: %v, want ErrDamaged", err)
	}

	if os.Getuid() == 0 {
		return // root reads any file
	}
	locked := filepath.Join(t.TempDir(), "history.db")
	s, err = Open(ctx, locked)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := os.Chmod(locked, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, locked); err == nil || errors.Is(err, ErrDamaged) {
		t.Errorf("an unreadable file opens with %v, want an error other than ErrDamaged", err)
	}
}

// TestKeepAsideKeepsEveryFile: the database and its -wal and -shm move to
// one dated name, a second keep in the same second takes another, and
// the settings of the kept file can still be read.
func TestKeepAsideKeepsEveryFile(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dir := t.TempDir()
	path := filepath.Join(dir, "history.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetSetting(ctx, SettingLibrary, "/videos"); err != nil {
		t.Fatal(err)
	}
	// Kept while open, as a crash leaves it: with its -wal and -shm.
	now := time.Date(2026, 12, 4, 21, 30, 5, 0, time.UTC)
	kept, err := KeepAside(path, now)
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "history-damaged-20261204-213005.db"); kept != want {
		t.Errorf("kept as %s, want %s", kept, want)
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if _, err := os.Stat(path + suffix); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s is still there: %v", path+suffix, err)
		}
	}
	if _, err := os.Stat(kept); err != nil {
		t.Fatal(err)
	}
	got, err := ReadSettings(ctx, kept)
	if err != nil || got[SettingLibrary] != "/videos" {
		t.Errorf("settings of the kept file: %v, %v", got, err)
	}

	damageFile(t, path)
	again, err := KeepAside(path, now)
	if err != nil {
		t.Fatal(err)
	}
	if again == kept || filepath.Dir(again) != dir {
		t.Errorf("second keep in the same second named %s", again)
	}
	if _, err := os.Stat(kept); err != nil {
		t.Errorf("the first kept file is gone: %v", err)
	}
}
