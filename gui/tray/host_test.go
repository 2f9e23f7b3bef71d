package tray

import (
	"context"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/prop"
)

// testSessionBus connects to the private session bus .ci/with-keyring
// starts; from there on a missing bus is a failure, not a reason to skip.
func testSessionBus(t *testing.T) *dbus.Conn {
	t.Helper()
	if os.Getenv("REELHOUSE_TEST_KEYRING") != "1" {
		t.Skip("needs a private session bus: run `.ci/with-keyring go test ./gui/tray/`")
	}
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		t.Fatalf("no session bus: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// fakeWatcher is a StatusNotifierWatcher with a host or without.
type fakeWatcher struct {
	conn       *dbus.Conn
	props      *prop.Properties
	registered chan string
}

// RegisterStatusNotifierItem is the watcher's method an item calls.
func (w *fakeWatcher) RegisterStatusNotifierItem(sender dbus.Sender, path string) *dbus.Error {
	w.registered <- path
	return nil
}

// startFakeWatcher claims the watcher's name on the session bus, with
// a host registered or not.
func startFakeWatcher(t *testing.T, host bool) *fakeWatcher {
	t.Helper()
	w := &fakeWatcher{conn: testSessionBus(t), registered: make(chan string, 1)}
	if err := w.conn.Export(w, watcherPath, watcherName); err != nil {
		t.Fatal(err)
	}
	props, err := prop.Export(w.conn, watcherPath, prop.Map{watcherName: {
		"IsStatusNotifierHostRegistered": {Value: host, Emit: prop.EmitTrue},
	}})
	if err != nil {
		t.Fatal(err)
	}
	w.props = props
	reply, err := w.conn.RequestName(watcherName, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("claiming %s: %v (reply %v)", watcherName, err, reply)
	}
	return w
}

// hostRegistered registers a host, the way a panel that comes up does.
func (w *fakeWatcher) hostRegistered(t *testing.T) {
	t.Helper()
	w.props.SetMust(watcherName, "IsStatusNotifierHostRegistered", true)
	if err := w.conn.Emit(watcherPath, watcherName+".StatusNotifierHostRegistered"); err != nil {
		t.Fatal(err)
	}
}

// stop gives the watcher's name up, the way a panel that ends does.
func (w *fakeWatcher) stop(t *testing.T) {
	t.Helper()
	if _, err := w.conn.ReleaseName(watcherName); err != nil {
		t.Fatal(err)
	}
}

// nextShown waits for the next report of a tray host watcher.
func nextShown(t *testing.T, reports <-chan bool, want bool, what string) {
	t.Helper()
	select {
	case got := <-reports:
		if got != want {
			t.Fatalf("%s: tray shown %v, want %v", what, got, want)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: no report of the tray", what)
	}
}

// TestTrayHostOnTheSessionBus: without a watcher there is no tray; a
// watcher with a host is one; a host that registers later, and a watcher
// that goes away, are heard of; a late host is asked to show the item.
func TestTrayHostOnTheSessionBus(t *testing.T) {
	conn := testSessionBus(t)
	if hostShown(t.Context(), conn) {
		t.Fatal("a tray host on a bus without a watcher")
	}

	ctx, cancel := context.WithCancel(t.Context())
	reports := make(chan bool, 4)
	done := make(chan struct{})
	go func() {
		defer close(done)
		WatchHost(ctx, func(wait func()) { wait() }, func(shown bool) { reports <- shown })
	}()
	defer func() { cancel(); <-done }()
	nextShown(t, reports, false, "no watcher")

	w := startFakeWatcher(t, false)
	if hostShown(t.Context(), conn) {
		t.Error("a tray host where the watcher has none")
	}
	w.hostRegistered(t)
	nextShown(t, reports, true, "a host that registered later")
	if !hostShown(t.Context(), conn) {
		t.Error("no tray host where the watcher has one")
	}
	if err := RegisterItem(t.Context()); err != nil {
		t.Fatal(err)
	}
	select {
	case path := <-w.registered:
		if path != itemPath {
			t.Errorf("registered %q, want %q", path, itemPath)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the item was not registered")
	}

	w.stop(t)
	nextShown(t, reports, false, "the watcher went away")

	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the watch did not end with its context")
	}
}

// TestTrayHostPresentAtStart: a watcher with a host before the start is a
// tray at once.
func TestTrayHostPresentAtStart(t *testing.T) {
	w := startFakeWatcher(t, true)
	defer w.stop(t)
	ctx, cancel := context.WithCancel(t.Context())
	reports := make(chan bool, 4)
	done := make(chan struct{})
	go func() {
		defer close(done)
		WatchHost(ctx, func(wait func()) { wait() }, func(shown bool) { reports <- shown })
	}()
	nextShown(t, reports, true, "a watcher with a host before the start")
	cancel()
	<-done
}

// TestTrayHostWithoutSessionBus: without a session bus there is no tray,
// and the watch ends at once.
func TestTrayHostWithoutSessionBus(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "disabled:")
	var reports []bool
	WatchHost(t.Context(), func(wait func()) { wait() }, func(shown bool) { reports = append(reports, shown) })
	if len(reports) != 1 || reports[0] {
		t.Errorf("without a bus: reports %v, want one false", reports)
	}
}

// TestNoTrayWithoutASessionBus: where Reelhouse found no session bus, no
// tray may be started (Fyne would panic ending it); elsewhere it may.
func TestNoTrayWithoutASessionBus(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", NoSessionBus)
	if HaveSessionBus() && runtime.GOOS != "windows" && runtime.GOOS != "darwin" {
		t.Error("a tray may be started where the session bus address says there is no bus")
	}
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/run/user/1000/bus")
	if !HaveSessionBus() {
		t.Error("no tray where a session bus is named")
	}
}
