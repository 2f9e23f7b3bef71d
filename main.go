// Reelhouse turns a written idea into a video with a hosted AI
// video-generation service and keeps every result in a local library.
package main

import (
	"context"
	_ "embed"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/reelhouse/reelhouse/gui"
	"github.com/reelhouse/reelhouse/history/crash"
)

//go:embed Icon.png
var icon []byte

func main() {
	defer crash.Recover("main", func() { os.Exit(2) }) // a panic in a window's callback
	var o Options
	flag.BoolVar(&o.Demo, "demo", false, "try Reelhouse offline against its built-in simulator (nothing is saved)")
	flag.StringVar(&o.Server, "server", "", "use this service URL for this run only")
	flag.StringVar(&o.Library, "library", "", "use this library folder for this run only")
	flag.StringVar(&o.DataDir, "data", "", "keep the history database in this folder")
	play := flag.String("play", "", "play this video file in Reelhouse's player, and nothing else")
	flag.Parse()
	preventBusAutolaunch() // before the app: it may reach D-Bus as it starts
	serveProfiles()
	if noDisplay() {
		fmt.Fprintln(os.Stderr, "Reelhouse needs a desktop to show its window, and none was found (neither DISPLAY nor WAYLAND_DISPLAY is set). Start it from your desktop, or try `make demo` there.")
		os.Exit(1)
	}

	a := app.NewWithID("io.github.reelhouse.reelhouse")
	a.SetIcon(fyne.NewStaticResource("Icon.png", icon))
	if *play != "" {
		playOnly(a, *play)
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var quit func() // set on the UI goroutine once Reelhouse has started
	session, err := Open(ctx, o)
	if err == nil {
		quit = session.start(ctx, stop, a)
	} else {
		exitIfShown(err)
		// A damaged history can be rebuilt from the library folder: the
		// start-up window offers it, and Reelhouse starts in this same run.
		gui.ShowStartupError(a, err, func() (func(), error) {
			o.RebuildHistory = true
			rebuilt, err := Open(ctx, o)
			if err != nil {
				exitIfShown(err)
				return nil, err
			}
			return func() { quit = rebuilt.start(ctx, stop, a) }, nil
		})
	}
	a.Run()
	if quit == nil {
		os.Exit(1) // the start-up window was closed
	}
	quit()
}

// start builds the windows, starts following the tasks and shows the main
// window; it runs on the UI goroutine, before or inside the app's run. The
// returned quit stops Reelhouse's own work and exits.
func (session *Session) start(ctx context.Context, stop context.CancelFunc, a fyne.App) (quit func()) {
	ui := gui.New(a, session.Deps)
	trackerDone := make(chan struct{})
	go func() {
		defer close(trackerDone)
		if crash.Guard("tracker", func() { session.runTracker(ctx, ui) }) {
			stop() // recorded; Reelhouse ends cleanly
		}
	}()
	// Fyne 2.7.1 can panic while it tears its event loop down (a send on a
	// closed channel), so Reelhouse stops its own work — tracker, windows,
	// history — and then exits without that teardown.
	quit = sync.OnceFunc(func() {
		stop()
		ui.Stop()
		<-trackerDone
		session.Close()
		os.Exit(0)
	})
	ui.SetOnQuit(func() { go quit() })
	w := ui.MainWindow()
	setShowWindow(ui.ShowMain)
	gui.ShowCrashReport(w, session.Deps.CrashReport)
	gui.ShowHistoryRebuilt(w, session.Rebuilt)
	go func() {
		<-ctx.Done() // interrupted or terminated
		quit()
	}()
	ui.Start()
	w.Show()
	return quit
}

// playStatsEnv, when set, makes --play quit at the video's end and print
// how many of its frames were put on show (make bench measures with it).
const playStatsEnv = "REELHOUSE_PLAY_STATS"

// playOnly plays one video file in Reelhouse's player and nothing else.
func playOnly(a fyne.App, path string) {
	var ended func(gui.PlayStats)
	if os.Getenv(playStatsEnv) != "" {
		ended = func(s gui.PlayStats) {
			fmt.Printf("frames shown %d of %d\n", s.Shown, s.Total)
			a.Quit()
		}
	}
	if err := gui.PlayFile(a, path, ended); err != nil {
		fmt.Fprintf(os.Stderr, "Reelhouse could not play %s: %v\n", path, err)
		os.Exit(1)
	}
	a.Run()
}
