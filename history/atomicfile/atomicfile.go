// Package atomicfile writes finished files so that their path holds either
// the old content or all of the new one, never a part, even across a
// crash: the data goes to a temporary file in the same folder, which is
// synced, closed and renamed over the path, and the folder is synced.
package atomicfile

import (
	"os"
	"path/filepath"
)

// WriteFile replaces path with data, which gets the permissions perm.
// Errors are those of the os package.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	return Write(path, perm, func(f *os.File) error {
		_, err := f.Write(data)
		return err
	})
}

// Write replaces path with what write puts in f, a temporary file in the
// same folder (write may read it back, or set its times, before it is
// renamed). If write or any step fails, path is left as it was and the
// temporary file is removed; write's own error is returned as it is.
func Write(path string, perm os.FileMode, write func(f *os.File) error) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = write(f); err != nil {
		return err
	}
	// CreateTemp makes the file private; the caller says what it should be.
	if err = f.Chmod(perm); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return err
	}
	SyncDir(dir)
	return nil
}

// SyncDir makes a rename in dir durable. Errors are ignored: some file
// systems cannot sync folders, and the rename itself already happened.
func SyncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}
