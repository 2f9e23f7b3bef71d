//go:build !linux

package history

import "errors"

func mountTmpfs(dir, size string, remount bool) error { return errors.ErrUnsupported }

func remountReadOnly(dir, size string, ro bool) error { return errors.ErrUnsupported }

func unmountTmpfs(string) {}

func unmount(string) error { return errors.ErrUnsupported }
