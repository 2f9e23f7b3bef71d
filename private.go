package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
)

// makePrivate creates the data folder if needed and makes it, and what is
// directly in it, the user's only: the folder 0700, files 0600. The
// history holds prompts, and the single-instance socket is opened only in
// a folder other users cannot enter. A folder that an older Reelhouse,
// another program or a copy from elsewhere left open is closed on every
// start. The error says what could not be made private; Reelhouse runs on.
func makePrivate(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if runtime.GOOS == "windows" {
		return nil // permission bits mean little there; the folder is in the user's profile
	}
	errs := []error{tighten(dir, 0o700)}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	for _, e := range entries {
		switch {
		case e.Type().IsRegular():
			errs = append(errs, tighten(filepath.Join(dir, e.Name()), 0o600))
		case e.IsDir():
			errs = append(errs, tighten(filepath.Join(dir, e.Name()), 0o700))
		}
	}
	return errors.Join(errs...)
}

// tighten takes away every permission of the group and of others from
// path (found with Lstat: a link is never followed), leaving the owner's
// within want.
func tighten(path string, want fs.FileMode) error {
	info, err := os.Lstat(path)
	if err != nil {
		return err
	}
	if perm := info.Mode().Perm(); perm&^want != 0 {
		if err := os.Chmod(path, perm&want); err != nil {
			return fmt.Errorf("%s stays open to other users (mode %v): %w", path, perm, err)
		}
	}
	return nil
}

// createPrivate creates the file at path, if it is not there, as the
// user's only, so that what a library writes into it later (SQLite gives
// its journal files the mode of the database) is private from the start.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	return f.Close()
}
