package main

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2/lang"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/gui"
	"github.com/reelhouse/reelhouse/history/store"
)

// TestOpenUsesTheSavedLanguage: the language chosen in Settings is the one
// the windows are built in at the next start.
func TestOpenUsesTheSavedLanguage(t *testing.T) {
	dir := t.TempDir()
	hist, err := store.Open(t.Context(), filepath.Join(dir, "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := hist.SetSetting(t.Context(), gui.SettingLanguage, gui.LanguageChinese); err != nil {
		t.Fatal(err)
	}
	hist.Close()

	t.Cleanup(func() { gui.UseLanguage(gui.LanguageEnglish) })
	s, err := Open(t.Context(), Options{DataDir: dir, Library: filepath.Join(dir, "Library"), Server: "https://example.com"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Deps.Language != gui.LanguageChinese {
		t.Errorf("Deps.Language = %q", s.Deps.Language)
	}
	if got := lang.L("Cancel"); got != "取消" {
		t.Errorf("Cancel reads %q after Open", got)
	}
}

// TestReliabilityOpenMakesNoLibraryInPlaceOfAMissingOne: the library a video was
// downloaded into is gone at start (its drive is not connected); Open
// starts without making the folder again, and the library says it is not
// available.
func TestReliabilityOpenMakesNoLibraryInPlaceOfAMissingOne(t *testing.T) {
	dir := t.TempDir()
	libDir := filepath.Join(dir, "Drive", "Reelhouse")
	hist, err := store.Open(t.Context(), filepath.Join(dir, "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := hist.AddSubmission(t.Context(), client.CreateRequest{Model: "m", Prompt: "a harbour"}, time.Now())
	if err == nil {
		err = hist.PutFile(t.Context(), rec.ID, store.File{Path: "2026/12/a.mp4", Size: 1, SHA256: "00"})
	}
	if err == nil {
		err = hist.SetSetting(t.Context(), store.SettingLibrary, libDir)
	}
	hist.Close()
	if err != nil {
		t.Fatal(err)
	}

	s, err := Open(t.Context(), Options{DataDir: dir, Server: "https://example.com"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := os.Stat(filepath.Join(dir, "Drive")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the missing library was made again at start (%v)", err)
	}
	if s.Deps.Library.Dir() != libDir || s.Deps.Library.Available() {
		t.Errorf("library %s, available %v; want %s, not available", s.Deps.Library.Dir(), s.Deps.Library.Available(), libDir)
	}
}

// TestOpenDemoTakesTheDraft: the demo started from the welcome gets what
// was typed before, once: the variable is gone after Open.
func TestOpenDemoTakesTheDraft(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	t.Setenv(gui.DraftEnv, `{"prompt":"a fox in snow"}`)
	s, err := Open(t.Context(), Options{Demo: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.Deps.Draft != `{"prompt":"a fox in snow"}` {
		t.Errorf("Deps.Draft = %q", s.Deps.Draft)
	}
	if v, ok := os.LookupEnv(gui.DraftEnv); ok {
		t.Errorf("%s is still set to %q", gui.DraftEnv, v)
	}
}
