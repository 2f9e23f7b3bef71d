package main

import (
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2/lang"

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
