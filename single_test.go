package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/reelhouse/reelhouse/history/crash"
	"github.com/reelhouse/reelhouse/history/store"
)

// shortTempDir is a private folder with a path short enough for a unix
// socket (t.TempDir's can be too long for one).
func shortTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "rh")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return filepath.Join(dir, "data")
}

// TestSecondStartShowsTheFirst runs two copies in one process on one data
// folder: the second asks the first to show its window and stops; the
// socket is the owner's only and accepts nothing but "show".
func TestSecondStartShowsTheFirst(t *testing.T) {
	dir := shortTempDir(t)
	shown := make(chan struct{}, 10)
	release, _, err := claimDataDir(dir, func() { shown <- struct{}{} })
	if err != nil {
		t.Fatal(err)
	}
	defer release()

	sock := filepath.Join(dir, socketName)
	for path, want := range map[string]os.FileMode{dir: 0o700, sock: 0o600} {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Mode().Perm(); got != want {
			t.Errorf("%s: mode %v, want %v", path, got, want)
		}
	}
	if st, _ := os.Stat(sock); st.Mode().Type() != os.ModeSocket {
		t.Errorf("%s is not a socket: %v", sock, st.Mode())
	}

	// Anything but "show" is dropped without an answer.
	for _, line := range []string{"hello\n", "show please\n", "showshowshow", ""} {
		c, err := net.Dial("unix", sock)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprint(c, line)
		if cw, ok := c.(*net.UnixConn); ok {
			cw.CloseWrite()
		}
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if n, _ := c.Read(make([]byte, 8)); n != 0 {
			t.Errorf("%q was answered", line)
		}
		c.Close()
	}
	select {
	case <-shown:
		t.Fatal("a line other than show showed the window")
	default:
	}

	// The second copy.
	_, _, err = claimDataDir(dir, func() { t.Error("the second copy was asked to show") })
	if !errors.Is(err, errShown) {
		t.Fatalf("second start: %v, want errShown", err)
	}
	select {
	case <-shown:
	case <-time.After(10 * time.Second):
		t.Fatal("the first copy was not asked to show its window")
	}

	// Once the first copy ends, a new start owns the folder.
	release()
	release2, _, err := claimDataDir(dir, func() {})
	if err != nil {
		t.Fatalf("start after the first ended: %v", err)
	}
	release2()
	if _, err := os.Stat(sock); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket left after release: %v", err)
	}
}

// TestStaleSocketIsReplaced: a socket left by a copy that died does not
// keep the next one from starting.
func TestStaleSocketIsReplaced(t *testing.T) {
	dir := shortTempDir(t)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("unix", filepath.Join(dir, socketName))
	if err != nil {
		t.Fatal(err)
	}
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	ln.Close()
	release, _, err := claimDataDir(dir, func() {})
	if err != nil {
		t.Fatalf("start with a stale socket: %v", err)
	}
	defer release()
	if err := askToShow(dir); err != nil {
		t.Errorf("the new socket does not answer: %v", err)
	}
}

// TestRunningWithoutSocketSaysAlreadyRunning: where the running copy
// cannot be asked, the lock still refuses a second writer, with the plain
// "already running" error.
func TestRunningWithoutSocketSaysAlreadyRunning(t *testing.T) {
	dir := shortTempDir(t)
	unlock, err := store.LockDataDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	if _, _, err := claimDataDir(dir, func() {}); !errors.Is(err, store.ErrAlreadyRunning) {
		t.Fatalf("got %v, want store.ErrAlreadyRunning", err)
	}
}

// TestSocketNotOpenedInSharedFolder: in a data folder other users may
// enter, no socket is opened, and Reelhouse still starts.
func TestSocketNotOpenedInSharedFolder(t *testing.T) {
	dir := shortTempDir(t)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	release, _, err := claimDataDir(dir, func() {})
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if _, err := os.Stat(filepath.Join(dir, socketName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket opened in a shared folder: %v", err)
	}
}

// TestStartTellsCrashOnce: a crash file left by the last run is handed to
// the windows once, and new crashes are written to the data folder.
func TestStartTellsCrashOnce(t *testing.T) {
	dir := shortTempDir(t)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	crash.Folder(dir, "Reelhouse old")(crash.Report{Where: "poll", Value: "boom", Stack: []byte("goroutine 7"), Time: time.Now()})
	release, report, err := claimDataDir(dir, func() {})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(report, "Where: poll") || !strings.Contains(report, "Panic: boom") {
		t.Errorf("report at start:\n%s", report)
	}
	crash.Guard("test", func() { panic("while running") })
	release()
	files, _ := filepath.Glob(filepath.Join(dir, "crash-*.txt"))
	if len(files) != 1 {
		t.Fatalf("crash files after a panic while running: %v", files)
	}
	if data, _ := os.ReadFile(files[0]); !strings.HasPrefix(string(data), "Reelhouse "+versionText()) {
		t.Errorf("crash file does not start with the version:\n%s", data)
	}
	release, report, err = claimDataDir(dir, func() {})
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if !strings.Contains(report, "while running") || strings.Contains(report, "boom") {
		t.Errorf("second start's report (want only the new crash):\n%s", report)
	}
}
