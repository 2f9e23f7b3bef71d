package main

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/gui"
	"github.com/reelhouse/reelhouse/history/library"
	"github.com/reelhouse/reelhouse/history/store"
)

// rebuildingName is where a new history is made before it takes the place
// of a damaged one.
const rebuildingName = "history-rebuilding.db"

// damagedHistory is the start-up error of the damaged history at dbPath:
// it names the library folder a rebuild would read, which the damaged
// file's settings may still tell.
func damagedHistory(ctx context.Context, dataDir, dbPath, chosen string, err error) error {
	settings, _ := store.ReadSettings(ctx, dbPath)
	return &gui.StartupError{Problem: gui.StartupHistoryDamaged, Detail: dataDir, Library: libraryDir(chosen, settings), Err: err}
}

// libraryDir is the library folder of a run: the command line's, else the
// saved one, else the default.
func libraryDir(chosen string, settings map[string]string) string {
	if chosen != "" {
		return chosen
	}
	if dir := settings[store.SettingLibrary]; dir != "" {
		return dir
	}
	return library.DefaultDir()
}

// rebuildHistory replaces the damaged history at dbPath with one rebuilt
// from the sidecars in the library folder. The new history is made beside
// it first, with the settings that can still be read from the damaged
// file; only when it is complete is the damaged file kept aside under a
// dated name (never deleted) and the new one put in its place. A rebuild
// cut short therefore leaves the damaged history where the next start
// finds it again.
func rebuildHistory(ctx context.Context, dataDir, dbPath, chosen string, log *slog.Logger) (*gui.HistoryRebuilt, error) {
	settings, err := store.ReadSettings(ctx, dbPath)
	if err != nil {
		log.Warn("no settings could be read from the damaged history", "err", client.RedactText(err.Error()))
	}
	dir := libraryDir(chosen, settings)
	folder, err := library.OpenFolder(dir)
	if err != nil {
		return nil, startupError(gui.StartupLibrary, dir, err)
	}
	fresh := filepath.Join(dataDir, rebuildingName)
	// What an earlier rebuild left unfinished is Reelhouse's own and only a part.
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(fresh + suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, startupError(gui.StartupDataFolder, dataDir, err)
		}
	}
	if err := createPrivate(fresh); err != nil {
		return nil, startupError(gui.StartupDataFolder, dataDir, err)
	}
	st, err := store.Open(ctx, fresh)
	if err != nil {
		return nil, startupError(gui.StartupHistory, dataDir, err)
	}
	for k, v := range settings {
		if err == nil {
			err = st.SetSetting(ctx, k, v)
		}
	}
	var rep library.Report
	if err == nil {
		rep, err = library.Rebuild(ctx, st, folder)
	}
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, startupError(gui.StartupLibrary, dir, err)
	}
	kept, err := store.KeepAside(dbPath, time.Now())
	if err != nil {
		return nil, startupError(gui.StartupDataFolder, dataDir, err)
	}
	// The main file last: until it is in place, the next start makes an
	// empty history rather than finding half of one.
	for _, suffix := range []string{"-wal", "-shm", ""} {
		if err := os.Rename(fresh+suffix, dbPath+suffix); err != nil && (suffix == "" || !errors.Is(err, fs.ErrNotExist)) {
			return nil, startupError(gui.StartupDataFolder, dataDir, err)
		}
	}
	log.Info("history rebuilt from the library folder", "kept", kept, "added", rep.Added, "problems", len(rep.Problems))
	return &gui.HistoryRebuilt{Kept: kept, Report: rep}, nil
}
