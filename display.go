package main

import (
	"os"
	"runtime"
)

// noDisplay reports whether Reelhouse was started where no window can be
// shown: on Linux and the BSDs, with neither an X11 nor a Wayland display
// in the environment. Without one the windowing library panics, which
// would be taken for a crash.
func noDisplay() bool {
	switch runtime.GOOS {
	case "linux", "freebsd", "openbsd", "netbsd", "dragonfly":
		return os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == ""
	}
	return false
}
