//go:build (dragonfly && cgo) || (freebsd && cgo) || linux || netbsd || openbsd

package keychain

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// testNoSessionBus: without a session bus the keychain is unavailable, and
// D-Bus is not asked to start one. It runs before go-keyring's mock is
// installed, so that before the guard existed go-keyring really tried.
func testNoSessionBus(t *testing.T) {
	// A dbus-launch that only leaves a mark shows whether D-Bus tried to
	// start a bus (godbus runs it when it finds none).
	bin := t.TempDir()
	mark := filepath.Join(t.TempDir(), "dbus-launch-ran")
	script := "#!/bin/sh\ntouch '" + mark + "'\nexit 1\n"
	if err := os.WriteFile(filepath.Join(bin, "dbus-launch"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	saved := runtimeDir
	runtimeDir = t.TempDir()
	t.Cleanup(func() { runtimeDir = saved })

	k := New(WithService(testService(t)))
	ctx := t.Context()
	_, loadErr := k.Load(ctx)
	for name, err := range map[string]error{
		"Load":   loadErr,
		"Save":   k.Save(ctx, canary),
		"Delete": k.Delete(ctx),
	} {
		if !errors.Is(err, ErrUnavailable) || !errors.Is(err, ErrNoSessionBus) {
			t.Errorf("%s: err = %v, want ErrNoSessionBus matching ErrUnavailable", name, err)
		}
		if errors.Is(err, ErrNotFound) {
			t.Errorf("%s: a missing bus reads as ErrNotFound", name)
		}
	}
	if _, err := os.Stat(mark); err == nil {
		t.Errorf("D-Bus ran dbus-launch to start a session bus")
	}
}

func TestSessionBusReachable(t *testing.T) {
	saved := runtimeDir
	t.Cleanup(func() { runtimeDir = saved })
	for _, tc := range []struct {
		name, addr, file string
		want             bool
	}{
		{"address", "unix:path=/run/user/1000/bus", "", true},
		{"nothing", "", "", false},
		{"autolaunch", "autolaunch:", "", false},
		{"disabled where there is no bus", "disabled:", "", false},
		{"runtime bus socket", "", "bus", true},
		{"runtime address file", "", "dbus-session", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("DBUS_SESSION_BUS_ADDRESS", tc.addr)
			runtimeDir = t.TempDir()
			if tc.file != "" {
				if err := os.WriteFile(filepath.Join(runtimeDir, tc.file), nil, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if got := sessionBusReachable(); got != tc.want {
				t.Errorf("sessionBusReachable() = %v, want %v", got, tc.want)
			}
		})
	}
}
