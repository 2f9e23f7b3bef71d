package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestNoDisplaySaysSoPlainly starts the real binary where no window can be
// shown: it says so in a sentence and stops, instead of panicking in the
// windowing library and leaving a crash report (and a demo folder) behind.
func TestNoDisplaySaysSoPlainly(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the display check is for X11 and Wayland desktops")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "reelhouse")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build failed: %v\n%s", err, out)
	}
	home, tmp := filepath.Join(dir, "home"), filepath.Join(dir, "tmp")
	for _, d := range []string{home, tmp} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DISPLAY=") && !strings.HasPrefix(kv, "WAYLAND_DISPLAY=") {
			env = append(env, kv)
		}
	}
	cmd := exec.Command(bin, "--demo")
	cmd.Env = append(env, "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"), "TMPDIR="+tmp)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("exit: %v, want status 1\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "needs a desktop") || strings.Contains(out.String(), "panic") {
		t.Errorf("output:\n%s", out.String())
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "reelhouse-demo-*")); len(left) > 0 {
		t.Errorf("demo folders left behind: %v", left)
	}
	if crashes, _ := filepath.Glob(filepath.Join(home, ".config", "Reelhouse", "crash-*")); len(crashes) > 0 {
		t.Errorf("crash reports written: %v", crashes)
	}
}
