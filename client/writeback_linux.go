package client

import (
	"os"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// startWriteback asks the kernel to begin writing the given range of f to
// the disk without waiting for it, so that the sync at the end of a
// download has little left to do. Errors are ignored: the final sync
// reports any that matter.
func startWriteback(f *os.File, off, n int64) {
	unix.SyncFileRange(int(f.Fd()), off, n, unix.SYNC_FILE_RANGE_WRITE)
}

// syncData makes the data written to f durable (fdatasync: the file's size
// with it, but not its times, which nothing here reads).
func syncData(f *os.File) error {
	for {
		err := unix.Fdatasync(int(f.Fd()))
		if err != unix.EINTR {
			return err
		}
	}
}

// bootID names this run of the computer; it changes at every boot.
var bootID = sync.OnceValue(func() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
})
