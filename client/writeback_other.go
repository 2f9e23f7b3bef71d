//go:build !linux

package client

import "os"

// startWriteback does nothing where the system has no way to start the
// writeback of a range early; the sync at the end of a download does it.
func startWriteback(f *os.File, off, n int64) {}

// syncData makes the data written to f durable.
func syncData(f *os.File) error { return f.Sync() }

// bootID is empty where the system does not name its boots: only what was
// synced is kept after a crash.
func bootID() string { return "" }
