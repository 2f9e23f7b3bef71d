package library

import (
	"os"
	"path/filepath"

	"github.com/reelhouse/reelhouse/history/store"
	"golang.org/x/sys/unix"
)

// stampAt takes the stamp of each of sidecars, all in the folder dir, by
// its name in the folder.
func stampAt(dir *os.File, sidecars []sidecarOnDisk) {
	raw, err := dir.SyscallConn()
	if err != nil {
		stampByPath(sidecars)
		return
	}
	_ = raw.Control(func(fd uintptr) {
		var st unix.Stat_t
		for i := range sidecars {
			s := &sidecars[i]
			if unix.Fstatat(int(fd), filepath.Base(s.p), &st, unix.AT_SYMLINK_NOFOLLOW) == nil {
				s.stamp = store.Stamp{Size: st.Size, Mtime: st.Mtim.Sec*1e9 + st.Mtim.Nsec}
				s.stamped = true
			}
		}
	})
}
