//go:build !unix

package store

import "os"

// Other systems get no lock yet: SQLite's own locking still keeps the
// database consistent, but two copies may duplicate polling.
func lockFile(*os.File) error { return nil }

func unlockFile(*os.File) {}
