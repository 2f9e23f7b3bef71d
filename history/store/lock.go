package store

import (
	"os"
	"path/filepath"
)

// LockDataDir makes sure that only one Reelhouse uses dir at a time, so
// that two copies never write the same history. The returned function
// releases the lock; the system releases it too if the process dies.
func LockDataDir(dir string) (func(), error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, &FolderError{Op: OpDataFolder, Path: dir, Err: err}
	}
	f, err := os.OpenFile(filepath.Join(dir, "reelhouse.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, &FolderError{Op: OpDataFolder, Path: dir, Err: err}
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		unlockFile(f)
		f.Close()
	}, nil
}
