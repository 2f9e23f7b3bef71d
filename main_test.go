package main

import (
	"bytes"
	"image"
	_ "image/png"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestSmokeDemoUnderXvfb starts the real binary in demo mode on an X
// display, checks that it draws a window, and that it quits cleanly when
// asked to. `make test` provides the display (.ci/with-xvfb).
func TestSmokeDemoUnderXvfb(t *testing.T) {
	if os.Getenv("REELHOUSE_TEST_XVFB") != "1" {
		t.Skip("needs an X display: run `make test`, which starts Xvfb")
	}
	if os.Getenv("DISPLAY") == "" {
		t.Fatal("REELHOUSE_TEST_XVFB is set but DISPLAY is empty")
	}
	if _, err := exec.LookPath("import"); err != nil {
		t.Fatal("ImageMagick's import is needed to look at the screen: run `make test-deps`")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "reelhouse")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build failed: %v\n%s", err, out)
	}

	before := screenColours(t, dir)
	home := filepath.Join(dir, "home")
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd := exec.Command(bin, "--demo")
	tmp := filepath.Join(dir, "tmp")
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"), "TMPDIR="+tmp, "REELHOUSE_API_KEY=")
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			<-exited
		}
	}()

	// Wait (a hang guard, not a speed check) until the screen shows a drawn
	// window instead of the empty root.
	deadline := time.Now().Add(60 * time.Second)
	for {
		if n := screenColours(t, dir); n > before+10 {
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("the app exited before drawing a window: %v\n%s", err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no window appeared on the display\n%s", stderr.String())
		}
		time.Sleep(500 * time.Millisecond)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("the app did not quit cleanly: %v\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("the app did not quit after SIGTERM\n%s", stderr.String())
	}
	// Demo mode throws its library and history away on the way out.
	if left, _ := filepath.Glob(filepath.Join(tmp, "reelhouse-demo-*")); len(left) > 0 {
		t.Errorf("demo folders left behind: %v", left)
	}
	if bytes.Contains(stderr.Bytes(), []byte("panic")) || bytes.Contains(stderr.Bytes(), []byte("DATA RACE")) {
		t.Fatalf("the app reported a problem:\n%s", stderr.String())
	}
}

// screenColours grabs the whole X screen with ImageMagick and counts the
// distinct colours in a sample of its pixels.
func screenColours(t *testing.T, dir string) int {
	t.Helper()
	shot := filepath.Join(dir, "screen.png")
	if out, err := exec.Command("import", "-window", "root", shot).CombinedOutput(); err != nil {
		t.Fatalf("could not capture the screen: %v\n%s", err, out)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 4 {
		for x := b.Min.X; x < b.Max.X; x += 4 {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
		}
	}
	return len(seen)
}
