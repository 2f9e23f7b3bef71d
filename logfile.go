package main

import (
	"fmt"
	"io"
	"log"
	"log/slog"
	"os"
	"sync"

	"github.com/reelhouse/reelhouse/client"
)

// The log lives in the data folder: reelhouse.log, then reelhouse.log.1
// (newest) to reelhouse.log.3, each at most about logMaxBytes.
const (
	logName     = "reelhouse.log"
	logMaxBytes = 1 << 20
	logKeep     = 3
)

// openLog starts logging to path (and standard error), with every line
// redacted; the standard logger (Fyne's errors) goes there too.
func openLog(path string) (*slog.Logger, func(), error) {
	f, err := openRotating(path, logMaxBytes, logKeep)
	if err != nil {
		return nil, nil, err
	}
	w := &redactingWriter{w: io.MultiWriter(os.Stderr, f)}
	oldOut, oldFlags := log.Writer(), log.Flags()
	log.SetOutput(w)
	l := slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
	return l, func() {
		log.SetOutput(oldOut)
		log.SetFlags(oldFlags)
		f.Close()
	}, nil
}

// redactingWriter removes API keys and signed URL queries from each write
// (one log line each) before it reaches w.
type redactingWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (r *redactingWriter) Write(p []byte) (int, error) {
	clean := client.RedactText(string(p))
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, err := io.WriteString(r.w, clean); err != nil {
		return 0, err
	}
	return len(p), nil
}

// rotatingFile is a log file that moves aside when it would grow past max
// bytes, keeping keep older files.
type rotatingFile struct {
	mu   sync.Mutex
	path string
	max  int64
	keep int
	f    *os.File
	size int64
}

func openRotating(path string, max int64, keep int) (*rotatingFile, error) {
	r := &rotatingFile{path: path, max: max, keep: keep}
	if err := r.open(); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *rotatingFile) open() error {
	f, err := os.OpenFile(r.path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return err
	}
	r.f, r.size = f, st.Size()
	return nil
}

func (r *rotatingFile) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f == nil {
		return 0, os.ErrClosed
	}
	if r.size > 0 && r.size+int64(len(p)) > r.max {
		if err := r.rotate(); err != nil {
			return 0, err
		}
	}
	n, err := r.f.Write(p)
	r.size += int64(n)
	return n, err
}

// rotate shifts reelhouse.log.N to .N+1 (dropping the oldest) and starts
// an empty reelhouse.log.
func (r *rotatingFile) rotate() error {
	r.f.Close()
	r.f = nil
	os.Remove(fmt.Sprintf("%s.%d", r.path, r.keep))
	for i := r.keep - 1; i >= 1; i-- {
		os.Rename(fmt.Sprintf("%s.%d", r.path, i), fmt.Sprintf("%s.%d", r.path, i+1))
	}
	if r.keep > 0 {
		os.Rename(r.path, r.path+".1")
	} else {
		os.Remove(r.path)
	}
	return r.open()
}

func (r *rotatingFile) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f == nil {
		return nil
	}
	err := r.f.Close()
	r.f = nil
	return err
}
