package gui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/client/apitest"
	"github.com/reelhouse/reelhouse/client/keychain"
	"github.com/reelhouse/reelhouse/history"
)

// Options say where Reelhouse keeps its data and which service it uses;
// command-line values override saved settings for one run.
type Options struct {
	Demo    bool   // use the built-in simulator, a throw-away key and folders
	Server  string // overrides the saved server URL
	Library string // overrides the saved library folder
	DataDir string // where the history database lives (default: the user's config folder)
}

// Session is everything a running Reelhouse holds open.
type Session struct {
	Deps    Deps
	Tracker *history.Tracker
	closers []func()
}

// Close releases what Open acquired, in reverse order.
func (s *Session) Close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
}

// Open prepares the store, library, client and tracker for a run.
func Open(ctx context.Context, o Options) (_ *Session, err error) {
	s := &Session{}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	var demoKey string
	if o.Demo {
		tmp, err := os.MkdirTemp("", "reelhouse-demo-")
		if err != nil {
			return nil, fmt.Errorf("Reelhouse could not make a folder for the demo: %w", err)
		}
		s.closers = append(s.closers, func() { os.RemoveAll(tmp) })
		sim := apitest.New(apitest.Config{PendingFor: 2 * time.Second, RunningFor: 4 * time.Second, Covers: true})
		s.closers = append(s.closers, sim.Close)
		o.DataDir, o.Library, o.Server, demoKey = filepath.Join(tmp, "data"), filepath.Join(tmp, "Library"), sim.URL(), sim.Key()
	}
	if o.DataDir == "" {
		config, err := os.UserConfigDir()
		if err != nil {
			return nil, fmt.Errorf("Reelhouse could not find your settings folder: %w", err)
		}
		o.DataDir = filepath.Join(config, "Reelhouse")
	}
	unlock, err := history.LockDataDir(o.DataDir)
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, unlock)
	store, err := history.Open(ctx, filepath.Join(o.DataDir, "history.db"))
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, func() { store.Close() })

	d := Deps{Store: store, ServerLocked: o.Server != "", LibraryLocked: o.Library != ""}
	d.ServerURL = o.Server
	if d.ServerURL == "" {
		d.ServerURL = store.Setting(ctx, history.SettingServer, client.DefaultBaseURL)
	}
	dir := o.Library
	if dir == "" {
		dir = store.Setting(ctx, history.SettingLibrary, history.DefaultLibraryDir())
	}
	lib, err := history.OpenLibrary(dir)
	if err != nil {
		return nil, err
	}
	// Not fatal: a row not moved yet still sends its image, and is moved next time.
	_, _ = history.MigrateRefImages(ctx, store, lib)
	c, err := client.New(d.ServerURL)
	if err != nil {
		return nil, fmt.Errorf("The server address %q cannot be used: %w", d.ServerURL, err)
	}
	d.Client = c
	switch envKey, ok := keychain.FromEnv(); {
	case o.Demo:
		c.SetAPIKey(demoKey)
		d.KeyNote = "Demo mode: Reelhouse is talking to its built-in simulator with a throw-away key. Nothing is billed and nothing is kept."
	case ok:
		c.SetAPIKey(envKey)
		d.KeyNote = "Using the key from the " + keychain.EnvVar + " environment variable for this run only. It is not saved."
	default:
		d.Keys = keychain.New()
	}
	seconds, _ := strconv.Atoi(store.Setting(ctx, history.SettingInterval, "2"))
	downloads, _ := strconv.Atoi(store.Setting(ctx, history.SettingMaxDownloads, "2"))
	d.Tracker = history.NewTracker(store, lib, c, history.TrackerOptions{
		Interval:     time.Duration(seconds) * time.Second,
		MaxDownloads: downloads,
		ThumbnailDir: filepath.Join(o.DataDir, "thumbnails"),
	})
	s.Tracker = d.Tracker
	s.Deps = d
	return s, nil
}
