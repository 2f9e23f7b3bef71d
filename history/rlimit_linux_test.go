package history

import "syscall"

// limitFileSize makes writes past n bytes of any file fail in this
// process (EFBIG; Go ignores the SIGXFSZ that comes with it): a disk that
// fills up in the middle of a download, without needing a small disk.
func limitFileSize(n int64) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		return err
	}
	lim.Cur = uint64(n)
	return syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim)
}

const canLimitFileSize = true
