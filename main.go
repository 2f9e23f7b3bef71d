// Reelhouse turns a written idea into a video with a hosted AI
// video-generation service and keeps every result in a local library.
package main

import (
	"context"
	_ "embed"
	"flag"
	"os"
	"os/signal"
	"syscall"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/reelhouse/reelhouse/gui"
)

//go:embed Icon.png
var icon []byte

func main() {
	var o gui.Options
	flag.BoolVar(&o.Demo, "demo", false, "try Reelhouse offline against its built-in simulator (nothing is saved)")
	flag.StringVar(&o.Server, "server", "", "use this service URL for this run only")
	flag.StringVar(&o.Library, "library", "", "use this library folder for this run only")
	flag.StringVar(&o.DataDir, "data", "", "keep the history database in this folder")
	flag.Parse()

	a := app.NewWithID("io.github.reelhouse.reelhouse")
	a.SetIcon(fyne.NewStaticResource("Icon.png", icon))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	session, err := gui.Open(ctx, o)
	if err != nil {
		gui.ShowStartupError(a, err)
		os.Exit(1)
	}
	defer session.Close()

	ui := gui.New(a, session.Deps)
	trackerDone := make(chan struct{})
	go func() {
		defer close(trackerDone)
		session.Tracker.Run(ctx)
	}()
	appDone := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done(): // interrupted or terminated: quit like the window's close button
			fyne.Do(a.Quit)
		case <-appDone:
		}
	}()
	ui.Start()
	ui.ComposeWindow().SetMaster()
	ui.ComposeWindow().ShowAndRun()

	close(appDone)
	stop()
	ui.Stop()
	<-trackerDone
}
