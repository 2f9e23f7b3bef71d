package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"image"
	_ "image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
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

// binaryPackage is one package the app's binary is built from, as go list
// tells it.
type binaryPackage struct {
	importPath string
	dir        string
	embeds     []string
}

// binaryPackages lists every package the app's binary links, with the
// files each embeds.
func binaryPackages(t *testing.T) []binaryPackage {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "go", "list", "-deps", "-f", "{{.ImportPath}}\t{{.Dir}}\t{{join .EmbedFiles \"\\t\"}}", ".")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.Bytes())
	}
	var pkgs []binaryPackage
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) < 2 {
			t.Fatalf("go list said %q", sc.Text())
		}
		p := binaryPackage{importPath: f[0], dir: f[1]}
		for _, e := range f[2:] {
			if e != "" {
				p.embeds = append(p.embeds, e)
			}
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) == 0 {
		t.Fatal("go list listed no packages")
	}
	return pkgs
}

// TestBinaryLeavesOutTheTestFake keeps the test fake of the service, its
// fault injection and its test clips out of the app: demo mode runs on
// client/demo alone.
func TestBinaryLeavesOutTheTestFake(t *testing.T) {
	t.Parallel()
	const fake = "github.com/reelhouse/reelhouse/client/apitest"
	const demo = "github.com/reelhouse/reelhouse/client/demo"
	pkgs := binaryPackages(t)

	// The test clips, by content, so that a copy under another name is
	// caught too.
	clips, err := filepath.Glob(filepath.Join("client", "apitest", "testdata", "*.mp4"))
	if err != nil || len(clips) == 0 {
		t.Fatalf("no test clips found in client/apitest/testdata (%v)", err)
	}
	clipSums := map[[32]byte]string{}
	for _, name := range clips {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		clipSums[sha256.Sum256(b)] = name
	}

	sawDemo, embedded := false, 0
	for _, p := range pkgs {
		switch p.importPath {
		case fake:
			t.Errorf("the binary links %s", fake)
		case demo:
			sawDemo = true
		}
		for _, e := range p.embeds {
			embedded++
			b, err := os.ReadFile(filepath.Join(p.dir, e))
			if err != nil {
				t.Fatal(err)
			}
			if name, ok := clipSums[sha256.Sum256(b)]; ok {
				t.Errorf("%s embeds %s, a copy of the test clip %s", p.importPath, e, name)
			}
		}
	}
	if !sawDemo {
		t.Errorf("the binary does not link %s, which demo mode runs on", demo)
	}
	if embedded == 0 {
		t.Error("go list reported no embedded files at all: the check looked at nothing")
	}
}
