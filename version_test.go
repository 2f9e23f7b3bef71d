package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// tomlField reads one field of FyneApp.toml's [Details] without the
// parser the binary uses, to check it independently.
func tomlField(t *testing.T, toml, name string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^\s*` + name + `\s*=\s*"?([^"\n]*)"?\s*$`).FindStringSubmatch(toml)
	if m == nil {
		t.Fatalf("FyneApp.toml has no %s", name)
	}
	return m[1]
}

// TestVersionComesFromFyneApp builds the binary as `go build` and as `go
// run` do and checks that --version says what FyneApp.toml says, and that
// the AppStream metainfo lists that version as a release.
func TestVersionComesFromFyneApp(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	data, err := os.ReadFile("FyneApp.toml")
	if err != nil {
		t.Fatal(err)
	}
	toml := string(data)
	want := "Reelhouse " + tomlField(t, toml, "Version") + " (build " + tomlField(t, toml, "Build") + ")"

	bin := filepath.Join(t.TempDir(), "reelhouse")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	for name, cmd := range map[string]*exec.Cmd{
		"go build": exec.Command(bin, "--version"),
		"go run":   exec.Command("go", "run", ".", "--version"),
	} {
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s --version: %v", name, err)
		}
		if got := strings.TrimSpace(string(out)); got != want {
			t.Errorf("%s --version says %q, FyneApp.toml %q", name, got, want)
		}
	}

	meta, err := os.ReadFile("docs/packaging/io.github.reelhouse.reelhouse.metainfo.xml")
	if err != nil {
		t.Fatal(err)
	}
	release := regexp.MustCompile(`<release version="([^"]+)"`).FindStringSubmatch(string(meta))
	if release == nil || release[1] != tomlField(t, toml, "Version") {
		t.Errorf("the metainfo's latest release is %v, FyneApp.toml's version %s", release, tomlField(t, toml, "Version"))
	}
	if id := tomlField(t, toml, "ID"); !strings.Contains(string(meta), "<id>"+id+"</id>") {
		t.Errorf("the metainfo's id is not %s", id)
	}
}

// TestParseMetadataRejectsNoVersion: a FyneApp.toml without a version is
// an error, not an empty version.
func TestParseMetadataRejectsNoVersion(t *testing.T) {
	if _, err := parseMetadata([]byte("[Details]\n  Name = \"Reelhouse\"\n")); err == nil {
		t.Error("no error for a FyneApp.toml without a version")
	}
	m, err := parseMetadata(fyneApp)
	if err != nil || m.ID != "io.github.reelhouse.reelhouse" || m.Name != "Reelhouse" {
		t.Errorf("embedded FyneApp.toml: %+v %v", m, err)
	}
}
