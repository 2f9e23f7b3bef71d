package main

// One copy at a time: the Reelhouse that holds the data folder's lock
// listens on a small unix socket in that folder; a second start asks it to
// show its window and exits. The lock (store.LockDataDir) stays what
// keeps two copies from writing one history; the socket only makes a
// second start useful.

import (
	"bufio"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history/crash"
	"github.com/reelhouse/reelhouse/history/store"
)

// socketName is the socket in the data folder; showRequest is the one
// line it accepts, and showReply what it answers.
const (
	socketName  = "reelhouse.sock"
	showRequest = "show"
	showReply   = "ok"
)

// socketTimeout bounds every exchange on the socket: a copy that hangs
// must not hang the next start too.
const socketTimeout = 2 * time.Second

// errShown is what a start that found Reelhouse running and brought its
// window forward returns.
var errShown = errors.New("reelhouse is already open; its window was brought forward")

// showWindow brings the main window forward; main sets it once the window
// exists. Until then a request to show is ignored: the window is about to
// appear anyway.
var showWindow atomic.Pointer[func()]

// setShowWindow sets what a second start's "show" does.
func setShowWindow(fn func()) { showWindow.Store(&fn) }

func callShowWindow() {
	if fn := showWindow.Load(); fn != nil {
		(*fn)()
	}
}

// exitIfShown ends a start that found Reelhouse running and brought it
// forward, with a message on standard output and status 0.
func exitIfShown(err error) {
	if errors.Is(err, errShown) {
		fmt.Println("Reelhouse is already open: its window was brought forward.")
		os.Exit(0)
	}
}

// claimDataDir makes this Reelhouse the one that uses dir: if another one
// runs there and answers, it is asked to show its window and errShown is
// returned; otherwise dir is locked, the socket is opened (show is called
// for each "show"), crash reports start going to dir, and the report of
// crashes the user was not told about yet is returned. release undoes it.
func claimDataDir(dir string, show func()) (release func(), crashReport string, err error) {
	if askToShow(dir) == nil {
		return nil, "", errShown
	}
	unlock, err := store.LockDataDir(dir)
	if err != nil {
		return nil, "", err
	}
	l, err := listenForShow(dir, show)
	if err != nil {
		// Reelhouse runs without it: a second start then says it is open.
		slog.Warn("no single-instance socket", "dir", dir, "err", client.RedactText(err.Error()))
	}
	crash.SetReporter(crash.Folder(dir, crashHeader()))
	crashReport, err = crash.TakeUnseen(dir)
	if err != nil {
		slog.Warn("crash reports not read", "err", client.RedactText(err.Error()))
	}
	return func() {
		crash.SetReporter(nil)
		if l != nil {
			l.Close()
		}
		unlock()
	}, crashReport, nil
}

// crashHeader starts every crash file: what a bug report needs first.
func crashHeader() string {
	return fmt.Sprintf("Reelhouse %s\nGo %s %s/%s\n", appVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// askToShow asks the Reelhouse listening in dir to show its window; nil
// means it did.
func askToShow(dir string) error {
	c, err := net.DialTimeout("unix", filepath.Join(dir, socketName), socketTimeout)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(socketTimeout)); err != nil {
		return err
	}
	if _, err := fmt.Fprintf(c, "%s\n", showRequest); err != nil {
		return err
	}
	reply, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if strings.TrimSpace(reply) != showReply {
		return fmt.Errorf("unexpected reply %q", reply)
	}
	return nil
}

// showListener is the socket a running Reelhouse listens on.
type showListener struct {
	ln   net.Listener
	wg   sync.WaitGroup
	once sync.Once
}

// listenForShow opens the socket in dir, which must hold the data
// folder's lock and be the owner's only; the socket itself is the
// owner's only too. Every connection may send one line: "show" calls
// show, anything else is dropped.
func listenForShow(dir string, show func()) (*showListener, error) {
	if runtime.GOOS != "windows" {
		st, err := os.Stat(dir)
		if err != nil {
			return nil, err
		}
		if st.Mode().Perm()&0o077 != 0 {
			return nil, fmt.Errorf("data folder %s is open to other users (mode %v)", dir, st.Mode().Perm())
		}
	}
	path := filepath.Join(dir, socketName)
	// A socket left by a copy that died: the lock says none runs now.
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, err
	}
	l := &showListener{ln: ln}
	l.wg.Go(func() {
		crash.Guard("show socket", func() { l.serve(show) })
	})
	return l, nil
}

func (l *showListener) serve(show func()) {
	for {
		c, err := l.ln.Accept()
		if err != nil {
			return // closed
		}
		if readShow(c) {
			show()
			fmt.Fprintf(c, "%s\n", showReply)
		}
		c.Close()
	}
}

// readShow reports whether c sent exactly the line "show"; it reads a
// few bytes at most and waits socketTimeout at most.
func readShow(c net.Conn) bool {
	if err := c.SetDeadline(time.Now().Add(socketTimeout)); err != nil {
		return false
	}
	buf := make([]byte, len(showRequest)+2)
	n := 0
	for n < len(buf) {
		m, err := c.Read(buf[n:])
		n += m
		if i := strings.IndexByte(string(buf[:n]), '\n'); i >= 0 {
			return strings.TrimSuffix(string(buf[:i]), "\r") == showRequest
		}
		if err != nil {
			return false
		}
	}
	return false
}

// Close stops listening, removes the socket and waits for the listener's
// goroutine to end.
func (l *showListener) Close() {
	l.once.Do(func() {
		l.ln.Close()
		l.wg.Wait()
	})
}
