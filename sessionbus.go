package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/reelhouse/reelhouse/gui/tray"
)

// noSessionBus is a D-Bus address that names no transport D-Bus knows:
// connecting to it fails at once, and nothing starts a bus for it. The
// main window then sets up no tray (tray.HaveSessionBus).
const noSessionBus = tray.NoSessionBus

// preventBusAutolaunch keeps the libraries Reelhouse builds on (the tray,
// the desktop portal, notifications) from starting a D-Bus session bus
// where there is none: godbus would run dbus-launch, whose dbus-daemon
// outlives Reelhouse, one per start. It must run before the app is made.
func preventBusAutolaunch() {
	if runtime.GOOS == "windows" || runtime.GOOS == "darwin" {
		return // godbus never autolaunches there
	}
	if addr := sessionBusAddress(os.Getenv, fileExists, os.Getuid()); addr != "" {
		os.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
	}
}

// sessionBusAddress is the address to set so that D-Bus finds the session
// bus without starting one, or "" when it would anyway. It follows godbus's
// search: DBUS_SESSION_BUS_ADDRESS unless empty or "autolaunch:", then
// /run/user/<uid>/bus or dbus-session; a bus socket at $XDG_RUNTIME_DIR/bus
// (which godbus does not look for) is named; else noSessionBus.
func sessionBusAddress(getenv func(string) string, exists func(string) bool, uid int) string {
	if addr := getenv("DBUS_SESSION_BUS_ADDRESS"); addr != "" && addr != "autolaunch:" {
		return ""
	}
	run := filepath.Join("/run/user", strconv.Itoa(uid))
	if exists(filepath.Join(run, "bus")) || exists(filepath.Join(run, "dbus-session")) {
		return ""
	}
	if xdg := getenv("XDG_RUNTIME_DIR"); filepath.IsAbs(xdg) && exists(filepath.Join(xdg, "bus")) {
		return "unix:path=" + escapeBusValue(filepath.Join(xdg, "bus"))
	}
	return noSessionBus
}

// escapeBusValue escapes a value of a D-Bus address: bytes other than
// [-0-9A-Za-z_/.\*] become %xx.
func escapeBusValue(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '-' || c == '_' || c == '/' || c == '.' || c == '\\' || c == '*' ||
			'0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02x", c)
		}
	}
	return b.String()
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
