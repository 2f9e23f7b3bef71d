//go:build !linux

package history

import "os"

// stampAt takes the stamp of each of sidecars, all in the folder dir.
func stampAt(_ *os.File, sidecars []sidecarOnDisk) { stampByPath(sidecars) }
