//go:build !linux

package library

import "os"

// stampAt takes the stamp of each of sidecars, all in the folder dir.
func stampAt(_ *os.File, sidecars []sidecarOnDisk) { stampByPath(sidecars) }
