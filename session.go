package main

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/client/demo"
	"github.com/reelhouse/reelhouse/client/keychain"
	"github.com/reelhouse/reelhouse/gui"
	"github.com/reelhouse/reelhouse/history"
	"github.com/reelhouse/reelhouse/history/library"
	"github.com/reelhouse/reelhouse/history/store"
)

// Options say where Reelhouse keeps its data and which service it uses;
// command-line values override saved settings for one run.
type Options struct {
	Demo    bool   // use the built-in demo service, a throw-away key and folders
	Server  string // overrides the saved server URL
	Library string // overrides the saved library folder
	DataDir string // where the history database lives (default: the user's config folder)
	// RebuildHistory: the history is damaged; keep it aside and rebuild
	// it from the library folder before starting.
	RebuildHistory bool
}

// Session is everything a running Reelhouse holds open: the composition
// root that hands the windows their ready dependencies.
type Session struct {
	Deps    gui.Deps
	Tracker *history.Tracker
	Log     *slog.Logger
	Rebuilt *gui.HistoryRebuilt // what Options.RebuildHistory did, if asked
	closers []func()
}

// Close releases what Open acquired, in reverse order.
func (s *Session) Close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
}

// startupError names what failed at start-up; gui chooses the sentence.
func startupError(p gui.StartupProblem, detail string, err error) error {
	return &gui.StartupError{Problem: p, Detail: detail, Err: err}
}

// Open prepares the store, library, client and tracker for a run.
func Open(ctx context.Context, o Options) (_ *Session, err error) {
	s := &Session{Log: slog.New(slog.DiscardHandler)}
	defer func() {
		if err != nil {
			s.Close()
		}
	}()
	var demoKey string
	if o.Demo {
		tmp, err := os.MkdirTemp("", "reelhouse-demo-")
		if err != nil {
			return nil, startupError(gui.StartupDemoFolder, "", err)
		}
		s.closers = append(s.closers, func() { os.RemoveAll(tmp) })
		// The demo service is for demo mode only, and only this wiring uses it.
		svc := demo.New(demo.Config{PendingFor: 2 * time.Second, RunningFor: 4 * time.Second, Covers: true})
		s.closers = append(s.closers, svc.Close)
		o.DataDir, o.Library, o.Server, demoKey = filepath.Join(tmp, "data"), filepath.Join(tmp, "Library"), svc.URL(), svc.Key()
	}
	if o.DataDir == "" {
		config, err := os.UserConfigDir()
		if err != nil {
			return nil, startupError(gui.StartupSettingsFolder, "", err)
		}
		o.DataDir = filepath.Join(config, "Reelhouse")
	}
	// Before the socket is opened in it: only in a private folder is it.
	privateErr := makePrivate(o.DataDir)
	unlock, crashReport, err := claimDataDir(o.DataDir, callShowWindow)
	if err != nil {
		return nil, startupError(gui.StartupDataFolder, o.DataDir, err)
	}
	s.closers = append(s.closers, unlock)
	logPath := filepath.Join(o.DataDir, logName)
	if l, closeLog, err := openLog(logPath); err == nil {
		s.Log = l
		s.closers = append(s.closers, closeLog)
	} else {
		// Reelhouse runs without its log file rather than not at all.
		slog.Warn("no log file", "path", logPath, "err", client.RedactText(err.Error()))
	}
	s.Log.Info("starting", "version", appVersion(), "demo", o.Demo)
	dbPath := filepath.Join(o.DataDir, "history.db")
	if err := createPrivate(dbPath); err != nil {
		privateErr = errors.Join(privateErr, err)
	}
	if privateErr != nil {
		s.Log.Warn("the data folder could not be made private to this user", "dir", o.DataDir, "err", client.RedactText(privateErr.Error()))
	}
	if o.RebuildHistory {
		if s.Rebuilt, err = rebuildHistory(ctx, o.DataDir, dbPath, o.Library, s.Log); err != nil {
			s.Log.Error("could not rebuild the history", "err", client.RedactText(err.Error()))
			return nil, err
		}
	}
	hist, err := store.Open(ctx, dbPath)
	if err != nil {
		s.Log.Error("could not open the history", "err", client.RedactText(err.Error()))
		if errors.Is(err, store.ErrDamaged) {
			return nil, damagedHistory(ctx, o.DataDir, dbPath, o.Library, err)
		}
		return nil, startupError(gui.StartupHistory, o.DataDir, err)
	}
	s.closers = append(s.closers, func() { hist.Close() })

	d := gui.Deps{Store: hist, ServerLocked: o.Server != "", LibraryLocked: o.Library != "", Log: s.Log.With("part", "gui"),
		CrashReport: crashReport, Version: versionText(), Licences: licences}
	// The windows are built in the chosen language; a change in Settings
	// applies at the next start.
	d.Language = hist.Setting(ctx, gui.SettingLanguage, gui.LanguageSystem)
	gui.UseLanguage(d.Language)
	d.ServerURL = o.Server
	d.DataDir = o.DataDir
	if d.ServerURL == "" {
		d.ServerURL = hist.Setting(ctx, store.SettingServer, client.DefaultBaseURL)
	}
	dir := o.Library
	if dir == "" {
		dir = hist.Setting(ctx, store.SettingLibrary, library.DefaultDir())
	}
	// A library videos were downloaded into is never made again in its
	// place: missing, it is a drive not connected, and waits for it.
	used, err := hist.HasFiles(ctx)
	if err != nil {
		return nil, startupError(gui.StartupHistory, o.DataDir, err)
	}
	folder, err := library.ReopenFolder(dir, used)
	if err != nil {
		return nil, startupError(gui.StartupLibrary, dir, err)
	}
	// Not fatal: a row not moved yet still sends its image, and is moved next time.
	if _, err := library.MigrateRefImages(ctx, hist, folder); err != nil {
		s.Log.Warn("reference images not moved into the library yet", "err", err)
	}
	c, err := client.New(d.ServerURL)
	if err != nil {
		return nil, startupError(gui.StartupServer, client.RedactURL(d.ServerURL), err)
	}
	d.Client = c
	keySource := "keychain"
	switch envKey, ok := keychain.FromEnv(); {
	case o.Demo:
		c.SetAPIKey(demoKey)
		d.KeySource, keySource = gui.KeyFromDemo, "demo"
		// What was typed before the welcome's "Try the demo" restarted
		// Reelhouse; it goes no further than this one.
		d.Draft = os.Getenv(gui.DraftEnv)
		os.Unsetenv(gui.DraftEnv)
	case ok:
		c.SetAPIKey(envKey)
		d.KeySource, keySource = gui.KeyFromEnv, "environment ("+keychain.EnvVar+")"
	default:
		d.Keys = registeringKeys{keychain.New()}
	}
	seconds, _ := strconv.Atoi(hist.Setting(ctx, store.SettingInterval, "2"))
	downloads, _ := strconv.Atoi(hist.Setting(ctx, store.SettingMaxDownloads, "2"))
	d.Library = library.New(hist, folder)
	d.Tracker = history.NewTracker(hist, d.Library, c, history.TrackerOptions{
		Interval:     time.Duration(seconds) * time.Second,
		MaxDownloads: downloads,
		ThumbnailDir: filepath.Join(o.DataDir, "thumbnails"),
		Log:          s.Log.With("part", "tracker"),
	})
	d.Diagnostics = func(ctx context.Context) (string, error) {
		return diagnostics(ctx, diagnosticFacts{
			Demo: o.Demo, DataDir: o.DataDir, LogPath: logPath, KeySource: keySource,
			ServerURL: d.ServerURL, Library: d.Library.Dir(), Store: hist,
		})
	}
	s.Tracker = d.Tracker
	s.Deps = d
	return s, nil
}

// runTracker follows the tasks until ctx ends; a tracker that stops on
// its own is logged and shown in the window.
func (s *Session) runTracker(ctx context.Context, ui *gui.UI) {
	err := s.Tracker.Run(ctx)
	if err == nil || errors.Is(err, context.Canceled) || ctx.Err() != nil {
		return
	}
	s.Log.Error("the tracker stopped", "err", client.RedactText(err.Error()))
	ui.TrackerStopped(err)
}

// registeringKeys is the keychain, with every key it sees registered for
// redaction before anything could log it.
type registeringKeys struct{ gui.KeyStore }

func (k registeringKeys) Load(ctx context.Context) (string, error) {
	key, err := k.KeyStore.Load(ctx)
	if err == nil {
		client.RegisterSecret(key)
	}
	return key, err
}

func (k registeringKeys) Save(ctx context.Context, key string) error {
	client.RegisterSecret(key)
	return k.KeyStore.Save(ctx, key)
}
