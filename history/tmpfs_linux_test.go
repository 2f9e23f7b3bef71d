package history

import "syscall"

// mountTmpfs mounts a tmpfs of the given size at dir (or changes the size
// of the one there). It fails where the test may not mount.
func mountTmpfs(dir, size string, remount bool) error {
	var flags uintptr
	if remount {
		flags = syscall.MS_REMOUNT
	}
	return syscall.Mount("reelhouse-test", dir, "tmpfs", flags, "size="+size)
}

// remountReadOnly makes the tmpfs at dir read-only, or writable again.
func remountReadOnly(dir, size string, ro bool) error {
	flags := uintptr(syscall.MS_REMOUNT)
	if ro {
		flags |= syscall.MS_RDONLY
	}
	return syscall.Mount("reelhouse-test", dir, "tmpfs", flags, "size="+size)
}

func unmountTmpfs(dir string) { _ = syscall.Unmount(dir, syscall.MNT_DETACH) }

// unmount unmounts what is mounted at dir, failing while it is in use.
func unmount(dir string) error { return syscall.Unmount(dir, 0) }
