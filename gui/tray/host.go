// Package tray tells whether the desktop shows a system tray, and asks a
// tray that comes up late to show Reelhouse's item. On Linux and the BSDs
// the tray is a StatusNotifier item: a panel that shows tray items (a
// host) registers with the watcher on the session bus, and an item shows
// only where a host is. Many desktops have none, and none has one before
// its panel is up. It uses no Fyne package: the main window follows what
// it reports.
package tray

import (
	"context"
	"os"
	"runtime"
	"time"

	"github.com/godbus/dbus/v5"
)

const (
	watcherName = "org.kde.StatusNotifierWatcher"
	watcherPath = "/StatusNotifierWatcher"
	// itemPath is where fyne.io/systray exports Reelhouse's item.
	itemPath = "/StatusNotifierItem"
	// busTimeout bounds every question to the bus: a bus that hangs
	// must not leave Reelhouse waiting.
	busTimeout = 2 * time.Second
)

// NoSessionBus is the session bus address that says there is none: it
// names no transport D-Bus knows, so connecting fails at once and nothing
// starts a bus for it. Reelhouse sets it where it finds no bus.
const NoSessionBus = "disabled:"

// HaveSessionBus reports whether a tray may ever be shown: false where
// the session bus address says there is no bus. The tray library must not
// be started then: it cannot connect, and Fyne 2.7.1 panics when it ends
// a tray that never connected.
func HaveSessionBus() bool {
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" {
		return true // no D-Bus there
	}
	return os.Getenv("DBUS_SESSION_BUS_ADDRESS") != NoSessionBus
}

// hostShown reports whether a StatusNotifier host is registered with
// the watcher on conn. No watcher, or one that does not answer in time,
// means no host.
func hostShown(ctx context.Context, conn *dbus.Conn) bool {
	ctx, cancel := context.WithTimeout(ctx, busTimeout)
	defer cancel()
	var v dbus.Variant
	// No auto-start: asking must not start a watcher that no panel uses.
	err := conn.Object(watcherName, watcherPath).CallWithContext(ctx,
		"org.freedesktop.DBus.Properties.Get", dbus.FlagNoAutoStart,
		watcherName, "IsStatusNotifierHostRegistered").Store(&v)
	if err != nil {
		return false
	}
	shown, ok := v.Value().(bool)
	return ok && shown
}

// WatchHost calls shown at once with whether a tray shows Reelhouse's
// item, then each time that changes, until ctx ends. Without a session
// bus there is no tray; on Windows and macOS there always is. idle runs
// each wait for the bus, which may last as long as Reelhouse does.
func WatchHost(ctx context.Context, idle func(wait func()), shown func(bool)) {
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" {
		shown(true)
		return
	}
	// The connection lives on connCtx, whose end closes it: at ctx's end,
	// or when the bus does not answer in time.
	connCtx, closeConn := context.WithCancel(ctx)
	defer closeConn()
	tooLate := time.AfterFunc(busTimeout, closeConn)
	conn, err := dbus.ConnectSessionBus(dbus.WithContext(connCtx))
	if !tooLate.Stop() || err != nil {
		if err == nil {
			conn.Close()
		}
		shown(false)
		return
	}
	defer conn.Close()
	signals := make(chan *dbus.Signal, 8)
	conn.Signal(signals)
	// Listening starts before the first look, so that no change falls in
	// between: a watcher that comes or goes, a host that registers.
	matchCtx, cancel := context.WithTimeout(ctx, busTimeout)
	err = conn.AddMatchSignalContext(matchCtx,
		dbus.WithMatchSender("org.freedesktop.DBus"),
		dbus.WithMatchInterface("org.freedesktop.DBus"),
		dbus.WithMatchMember("NameOwnerChanged"),
		dbus.WithMatchArg(0, watcherName))
	if err == nil {
		err = conn.AddMatchSignalContext(matchCtx, dbus.WithMatchInterface(watcherName))
	}
	cancel()
	last := hostShown(ctx, conn)
	shown(last)
	if err != nil {
		// Without the signals a change goes unheard: what was found stays.
		return
	}
	for {
		var sig *dbus.Signal
		idle(func() {
			select {
			case <-ctx.Done():
			case sig = <-signals:
			}
		})
		if sig == nil { // ctx ended or the bus went away
			return
		}
		if now := hostShown(ctx, conn); now != last {
			last = now
			shown(now)
		}
	}
}

// RegisterItem asks the watcher to show Reelhouse's tray item. The
// item belongs to the shared session bus connection fyne.io/systray
// exported it on at start, so the request goes out on that one.
// fyne.io/systray registers on its own when a watcher appears; this is
// for a host that comes later than that, which must not miss the item.
func RegisterItem(ctx context.Context) error {
	conn, err := dbus.SessionBus()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, busTimeout)
	defer cancel()
	return conn.Object(watcherName, watcherPath).CallWithContext(ctx,
		watcherName+".RegisterStatusNotifierItem", dbus.FlagNoAutoStart, itemPath).Err
}
