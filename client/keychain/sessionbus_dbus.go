//go:build (dragonfly && cgo) || (freebsd && cgo) || linux || netbsd || openbsd

package keychain

import (
	"os"
	"path/filepath"
	"strconv"
)

// usesSessionBus is true where go-keyring reaches the Secret Service over
// the D-Bus session bus.
const usesSessionBus = true

// runtimeDir is where D-Bus looks for a session bus its address variable
// does not name; a variable so tests can point it elsewhere.
var runtimeDir = "/run/user/" + strconv.Itoa(os.Getuid())

// sessionBusReachable reports whether D-Bus would find a session bus without
// starting one. It follows godbus's own search (the one go-keyring uses):
// DBUS_SESSION_BUS_ADDRESS unless it is empty or "autolaunch:" ("disabled:"
// means no bus), then the
// runtime directory's "bus" socket or "dbus-session" file. When none is
// there godbus would run dbus-launch.
func sessionBusReachable() bool {
	switch addr := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); addr {
	case "disabled:":
		return false // set where there is no bus, so that none is started
	case "", "autolaunch:":
	default:
		return true
	}
	for _, name := range []string{"bus", "dbus-session"} {
		if _, err := os.Stat(filepath.Join(runtimeDir, name)); err == nil {
			return true
		}
	}
	return false
}
