package main

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestSessionBusAddress(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		env    map[string]string
		exists []string
		want   string
	}{
		{"address given", map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=/tmp/b"}, nil, ""},
		{"nothing", nil, nil, noSessionBus},
		{"autolaunch asked", map[string]string{"DBUS_SESSION_BUS_ADDRESS": "autolaunch:"}, nil, noSessionBus},
		{"godbus finds the user's bus", nil, []string{"/run/user/1000/bus"}, ""},
		{"godbus finds dbus-session", nil, []string{"/run/user/1000/dbus-session"}, ""},
		{"bus in XDG_RUNTIME_DIR", map[string]string{"XDG_RUNTIME_DIR": "/tmp/run me"}, []string{"/tmp/run me/bus"}, "unix:path=/tmp/run%20me/bus"},
		{"XDG_RUNTIME_DIR without a bus", map[string]string{"XDG_RUNTIME_DIR": "/tmp/run"}, nil, noSessionBus},
	}
	for _, tc := range tests {
		got := sessionBusAddress(func(k string) string { return tc.env[k] },
			func(p string) bool { return strings.Contains(strings.Join(tc.exists, "\n"), p) && p != "" }, 1000)
		if got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestReliabilityNoSessionBusIsStarted runs the real program, twice on one data
// folder (the second start is refused and brings the first forward), where
// there is no D-Bus session bus. A dbus-launch that only leaves a mark
// shows whether anything asked D-Bus to start a bus (godbus runs it when it
// finds none, and its dbus-daemon would outlive Reelhouse).
func TestReliabilityNoSessionBusIsStarted(t *testing.T) {
	if os.Getenv("REELHOUSE_TEST_XVFB") != "1" {
		t.Skip("needs an X display: run `make test`, which starts Xvfb")
	}
	if os.Getenv("DISPLAY") == "" {
		t.Fatal("REELHOUSE_TEST_XVFB is set but DISPLAY is empty")
	}
	if addr := sessionBusAddress(func(string) string { return "" }, fileExists, os.Getuid()); addr == "" {
		t.Skip("this computer has a session bus at /run/user/<uid>: D-Bus would never start one")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "reelhouse")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build failed: %v\n%s", err, out)
	}
	fake := filepath.Join(dir, "fakebin")
	mark := filepath.Join(dir, "dbus-launch-ran")
	if err := os.MkdirAll(fake, 0o700); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\necho \"$@\" >> '" + mark + "'\nexit 1\n"
	if err := os.WriteFile(filepath.Join(fake, "dbus-launch"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	home, run, data := filepath.Join(dir, "home"), filepath.Join(dir, "run"), filepath.Join(dir, "d")
	for _, d := range []string{home, run} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DBUS_SESSION_BUS_ADDRESS=") {
			env = append(env, kv)
		}
	}
	env = append(env, "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"), "XDG_RUNTIME_DIR="+run,
		"PATH="+fake+string(os.PathListSeparator)+os.Getenv("PATH"), "REELHOUSE_API_KEY=")
	start := func() *exec.Cmd {
		cmd := exec.Command(bin, "--data", data, "--library", filepath.Join(dir, "Library"), "--server", "https://127.0.0.1:1")
		cmd.Env = env
		return cmd
	}

	first := start()
	stderr, err := first.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { first.Process.Kill(); first.Wait() })
	// Reelhouse says it found no D-Bus once it has looked for the keychain
	// (the tray is not even started without a bus): the moment a bus would
	// have been started.
	tried := make(chan string, 1)
	go func() {
		var lines []string
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines = append(lines, sc.Text())
			if triedBus(sc.Text()) {
				tried <- sc.Text()
				break
			}
		}
		if sc.Err() == nil && len(lines) > 0 && !triedBus(lines[len(lines)-1]) {
			tried <- "exited: " + strings.Join(lines, "\n")
		}
		for sc.Scan() { // keep the pipe drained
		}
	}()
	select {
	case line := <-tried:
		if strings.HasPrefix(line, "exited: ") {
			t.Fatalf("the first start ended before it reached D-Bus:\n%s", line)
		}
	case <-time.After(60 * time.Second): // a hang guard, not a wait
		t.Fatal("Reelhouse never reported reaching D-Bus")
	}

	second := start()
	out, err := second.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "already open") {
		t.Errorf("second start: %v\n%s", err, out)
	}
	first.Process.Signal(syscall.SIGTERM)
	first.Wait()

	if ran, err := os.ReadFile(mark); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("D-Bus was asked to start a session bus (dbus-launch %q, %v)", ran, err)
	}
}

// triedBus reports whether a line of Reelhouse's output says that it tried
// to reach the session bus and found none.
func triedBus(line string) bool {
	for _, said := range []string{"no d-bus session bus", "Unable to connect to session D-Bus", "systray error"} {
		if strings.Contains(line, said) {
			return true
		}
	}
	return false
}
