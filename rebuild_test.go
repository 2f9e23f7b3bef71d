package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/client/apitest"
	"github.com/reelhouse/reelhouse/gui"
	"github.com/reelhouse/reelhouse/history"
	"github.com/reelhouse/reelhouse/history/library"
	"github.com/reelhouse/reelhouse/history/store"
)

// garbage is what a damaged history file holds in these tests.
var garbage = bytes.Repeat([]byte("this is no longer a history "), 400)

// TestOpenTellsADamagedHistory: a history.db overwritten with garbage is
// reported as a damaged history, naming the library folder a rebuild
// would read; one that cannot be opened at all is not.
func TestOpenTellsADamagedHistory(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "history.db"), garbage, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gui.UseLanguage(gui.LanguageEnglish) })
	lib := filepath.Join(dir, "Library")
	_, err := Open(t.Context(), Options{DataDir: dir, Library: lib, Server: "https://example.com"})
	var se *gui.StartupError
	if !errors.As(err, &se) || se.Problem != gui.StartupHistoryDamaged || !errors.Is(err, store.ErrDamaged) {
		t.Fatalf("a history of garbage: %v, want a damaged history", err)
	}
	if se.Detail != dir || se.Library != lib {
		t.Errorf("damaged history in %q, library %q; want %q and %q", se.Detail, se.Library, dir, lib)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "history.db")); !bytes.Equal(got, garbage) {
		t.Error("the damaged file was changed by looking at it")
	}

	// A folder where the file should be cannot be opened: not damage.
	other := t.TempDir()
	if err := os.Mkdir(filepath.Join(other, "history.db"), 0o700); err != nil {
		t.Fatal(err)
	}
	_, err = Open(t.Context(), Options{DataDir: other, Library: lib, Server: "https://example.com"})
	if !errors.As(err, &se) || se.Problem != gui.StartupHistory || errors.Is(err, store.ErrDamaged) {
		t.Errorf("an unopenable history: %v, want the plain history problem", err)
	}
}

// downloadVideos makes real downloaded videos, with their sidecars, in
// the library folder lib, recorded in the history at dbPath, through the
// simulator and the tracker. It returns the task ids.
func downloadVideos(t *testing.T, dbPath, lib string, prompts ...string) []string {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	sim := apitest.New(apitest.Config{PendingFor: 100 * time.Millisecond, RunningFor: 200 * time.Millisecond, VideosPerTask: 2})
	t.Cleanup(sim.Close)
	api, err := client.New(sim.URL(), client.WithAPIKey(sim.Key()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(api.CloseIdleConnections)
	st, err := store.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	folder, err := library.OpenFolder(lib)
	if err != nil {
		t.Fatal(err)
	}
	tr := history.NewTracker(st, library.New(st, folder), api, history.TrackerOptions{
		Interval: 40 * time.Millisecond, MinInterval: 40 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
	})
	events, unsubscribe := tr.Subscribe()
	defer unsubscribe()
	ran := make(chan error, 1)
	go func() { ran <- tr.Run(ctx) }()
	defer func() {
		cancel()
		<-ran
	}()
	for _, p := range prompts {
		if _, err := tr.Submit(ctx, client.CreateRequest{Model: "wan2.1-t2v-turbo", Prompt: p, Ratio: "16:9"}); err != nil {
			t.Fatal(err)
		}
	}
	// Done when every video is downloaded and described: its sidecar then
	// holds all the history knows.
	done := func() []string {
		recs, err := st.List(ctx, store.Query{})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range recs {
			if r.State != store.StateSuccess || r.Download != store.DownloadDone || len(r.Files) != 2 {
				return nil
			}
			for _, f := range r.Files {
				if f.MediaState == store.MediaUnknown {
					return nil
				}
			}
			ids = append(ids, r.TaskID)
		}
		if len(ids) != len(prompts) {
			return nil
		}
		slices.Sort(ids)
		return ids
	}
	deadline := time.NewTimer(30 * time.Second) // a hang, not a measurement
	defer deadline.Stop()
	for {
		if ids := done(); ids != nil {
			return ids
		}
		select {
		case <-events:
		case <-deadline.C:
			t.Fatal("timed out waiting for the videos to be downloaded")
		}
	}
}

// TestReliabilityRebuildADamagedHistory: with real videos and sidecars in the
// library folder and the history overwritten with garbage, the rebuild
// keeps the damaged file aside as it was, and the history Reelhouse then
// starts on holds every video again.
func TestReliabilityRebuildADamagedHistory(t *testing.T) {
	dir := t.TempDir()
	data, lib := filepath.Join(dir, "data"), filepath.Join(dir, "Library")
	dbPath := filepath.Join(data, "history.db")
	want := downloadVideos(t, dbPath, lib, "a fox in the snow", "a lighthouse at dusk")

	for _, suffix := range []string{"-wal", "-shm"} {
		os.Remove(dbPath + suffix) // gone with a clean close anyway
	}
	if err := os.WriteFile(dbPath, garbage, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gui.UseLanguage(gui.LanguageEnglish) })
	o := Options{DataDir: data, Library: lib, Server: "https://example.com"}
	if _, err := Open(t.Context(), o); !errors.Is(err, store.ErrDamaged) {
		t.Fatalf("before the rebuild: %v, want a damaged history", err)
	}

	o.RebuildHistory = true
	s, err := Open(t.Context(), o)
	if err != nil {
		t.Fatalf("rebuild: %v", err)
	}
	defer s.Close()
	if s.Rebuilt == nil || s.Rebuilt.Report.Added != len(want) || len(s.Rebuilt.Report.Problems) != 0 {
		t.Fatalf("rebuild did %+v, want %d videos added", s.Rebuilt, len(want))
	}
	if filepath.Dir(s.Rebuilt.Kept) != data || s.Rebuilt.Kept == dbPath {
		t.Errorf("the damaged file is kept as %s, want another name in %s", s.Rebuilt.Kept, data)
	}
	if kept, err := os.ReadFile(s.Rebuilt.Kept); err != nil || !bytes.Equal(kept, garbage) {
		t.Errorf("the kept file does not hold the damaged history: %v", err)
	}
	recs, err := s.Deps.Store.List(t.Context(), store.Query{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range recs {
		if r.Download != store.DownloadDone || len(r.Files) != 2 {
			t.Errorf("rebuilt record %s: download %q, %d files", r.TaskID, r.Download, len(r.Files))
		}
		got = append(got, r.TaskID)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("rebuilt history holds tasks %q, want %q", got, want)
	}
	if _, err := os.Stat(filepath.Join(data, rebuildingName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the history being rebuilt was left behind: %v", err)
	}
}

// TestFailedRebuildLeavesTheDamagedHistory: a rebuild that cannot read
// the library folder changes nothing, so the next start offers it again.
func TestFailedRebuildLeavesTheDamagedHistory(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "history.db")
	if err := os.WriteFile(dbPath, garbage, 0o600); err != nil {
		t.Fatal(err)
	}
	notAFolder := filepath.Join(dir, "Library")
	if err := os.WriteFile(notAFolder, []byte("a file"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gui.UseLanguage(gui.LanguageEnglish) })
	_, err := Open(t.Context(), Options{DataDir: dir, Library: notAFolder, Server: "https://example.com", RebuildHistory: true})
	var se *gui.StartupError
	if !errors.As(err, &se) || se.Problem != gui.StartupLibrary {
		t.Fatalf("rebuild from a file: %v, want the library folder problem", err)
	}
	if got, _ := os.ReadFile(dbPath); !bytes.Equal(got, garbage) {
		t.Error("the damaged history is not where it was")
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if filepath.Ext(e.Name()) == ".db" && e.Name() != "history.db" {
			t.Errorf("a failed rebuild left %s", e.Name())
		}
	}
}
