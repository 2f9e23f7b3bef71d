// Package crash recovers a panic at the top of one of Reelhouse's own
// goroutines and keeps a record of it, with its stack, in the data folder,
// so that a bug costs at most the piece of work it happened in and the
// next start can tell the user. It imports no Fyne package: the tracker,
// the windows and package main all use it.
package crash

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/reelhouse/reelhouse/client"
)

// A Report is one recovered panic.
type Report struct {
	Where string // the goroutine's name, e.g. "poll"
	Value any    // what was passed to panic
	Stack []byte
	Time  time.Time
}

// A Reporter keeps reports; it is called on the goroutine that panicked.
type Reporter func(Report)

var reporter atomic.Pointer[Reporter]

// SetReporter makes r receive every recovered panic from now on; nil
// writes them to standard error.
func SetReporter(r Reporter) {
	if r == nil {
		reporter.Store(nil)
		return
	}
	reporter.Store(&r)
}

// report hands a recovered value to the reporter.
func report(where string, v any) {
	r := Report{Where: where, Value: v, Stack: debug.Stack(), Time: time.Now()}
	if p := reporter.Load(); p != nil {
		(*p)(r)
		return
	}
	fmt.Fprint(os.Stderr, client.RedactText(r.text("")))
}

// Guard runs fn and recovers a panic in it, which is reported; it says
// whether fn panicked. Use it at the top of a goroutine:
//
//	wg.Go(func() { crash.Guard("poll", func() { t.poll(ctx, w) }) })
func Guard(where string, fn func()) (panicked bool) {
	defer func() {
		if v := recover(); v != nil {
			report(where, v)
			panicked = true
		}
	}()
	fn()
	return false
}

// Do runs fn like Guard does, and turns a panic into a *PanicError, so
// that a piece of work that panicked fails like one that returned an error.
func Do(where string, fn func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			report(where, v)
			err = &PanicError{Where: where}
		}
	}()
	return fn()
}

// Recover is deferred at the top of a goroutine that cannot carry on
// after a panic (the main one): it reports the panic, then calls exit.
//
//	defer crash.Recover("main", func() { os.Exit(2) })
func Recover(where string, exit func()) {
	if v := recover(); v != nil {
		report(where, v)
		exit()
	}
}

// PanicError is the error Do returns for a piece of work that panicked;
// the panic itself is in the crash report.
type PanicError struct{ Where string }

func (e *PanicError) Error() string {
	return "internal error in " + e.Where + " (recorded in a crash report)"
}

// IsPanic reports whether err comes from a recovered panic.
func IsPanic(err error) bool { return errors.As(err, new(*PanicError)) }

// text is the report as written to a crash file, before redaction.
func (r Report) text(header string) string {
	var b strings.Builder
	if header != "" {
		b.WriteString(header)
		if !strings.HasSuffix(header, "\n") {
			b.WriteByte('\n')
		}
	}
	fmt.Fprintf(&b, "Time: %s\n", r.Time.Format(time.RFC3339))
	fmt.Fprintf(&b, "Where: %s\n", r.Where)
	fmt.Fprintf(&b, "Panic: %v\n\n", r.Value)
	b.Write(r.Stack)
	if !bytes.HasSuffix(r.Stack, []byte("\n")) {
		b.WriteByte('\n')
	}
	return b.String()
}

// MaxFiles is how many crash files one run writes at most: a bug that
// panics on every retry fills neither the disk nor the next start's
// message.
const MaxFiles = 5

// filePrefix and fileSuffix name crash files: crash-<time>.txt, renamed
// to crash-<time>.txt.seen once the user was told.
const (
	filePrefix = "crash-"
	fileSuffix = ".txt"
	seenSuffix = ".seen"
)

// Folder returns a Reporter that writes each report, redacted, to a file
// crash-<time>.txt in dir (owner-only permissions), starting with header
// (version, system). Reports past MaxFiles go to standard error only.
func Folder(dir, header string) Reporter {
	var (
		mu      sync.Mutex
		written int
	)
	return func(r Report) {
		text := client.RedactText(r.text(header))
		mu.Lock()
		defer mu.Unlock()
		if written >= MaxFiles {
			fmt.Fprint(os.Stderr, text)
			return
		}
		if _, err := writeFile(dir, r.Time, text); err != nil {
			fmt.Fprintf(os.Stderr, "crash report not written: %v\n%s", err, text)
			return
		}
		written++
	}
}

// writeFile writes text to a new crash file in dir, named after t, and
// returns its path; a name already taken gets a counter.
func writeFile(dir string, t time.Time, text string) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	base := filePrefix + t.UTC().Format("20060102-150405.000")
	for n := 1; ; n++ {
		name := base
		if n > 1 {
			name += fmt.Sprintf("-%d", n)
		}
		path := filepath.Join(dir, name+fileSuffix)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		_, err = f.WriteString(text)
		if sErr := f.Sync(); err == nil {
			err = sErr
		}
		if cErr := f.Close(); err == nil {
			err = cErr
		}
		return path, err
	}
}

// TakeUnseen returns the text of the crash files in dir that nobody was
// told about yet, oldest first, and renames each to *.seen so that the
// user is told once. It returns "" when there are none.
func TakeUnseen(dir string) (string, error) {
	paths, err := filepath.Glob(filepath.Join(dir, filePrefix+"*"+fileSuffix))
	if err != nil {
		return "", err
	}
	// The names sort by time once ".txt" is off (crash-T.txt before
	// crash-T-2.txt, written in the same millisecond).
	sort.Slice(paths, func(i, j int) bool {
		return strings.TrimSuffix(paths[i], fileSuffix) < strings.TrimSuffix(paths[j], fileSuffix)
	})
	var (
		b    strings.Builder
		errs []error
	)
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := os.Rename(p, p+seenSuffix); err != nil {
			errs = append(errs, err)
			continue // told next time rather than never
		}
		if b.Len() > 0 {
			b.WriteString("\n----\n\n")
		}
		fmt.Fprintf(&b, "%s\n", filepath.Base(p))
		b.Write(data)
	}
	return b.String(), errors.Join(errs...)
}
