// Command licenses writes the licences of every module built into
// Reelhouse (on Linux, Windows and macOS) and of Go itself to one text
// file, which the About dialog shows:
//
//	go run ./.ci/licenses -o docs/licenses.txt
//
// It lists the modules with `go list -deps` of package main, so test-only
// modules are left out, and copies each module's licence files (LICENSE,
// COPYING, NOTICE, ...) from the module cache. The output depends only on
// go.mod and go.sum, so `make test` regenerates it and compares.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// targets are the systems Reelhouse is built for; a module used on any
// of them is listed.
var targets = []string{"linux", "windows", "darwin"}

// licenceFile matches the names of licence files in a module's root.
var licenceFile = regexp.MustCompile(`(?i)^(licen[cs]e|copying|notice|unlicense)([.-].*)?$`)

type module struct{ path, version, dir string }

func main() {
	out := flag.String("o", "docs/licenses.txt", "the file to write")
	flag.Parse()
	text, err := generate()
	if err != nil {
		fmt.Fprintln(os.Stderr, "licenses:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, []byte(text), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "licenses:", err)
		os.Exit(1)
	}
}

func generate() (string, error) {
	mods := map[string]module{}
	for _, goos := range targets {
		cmd := exec.Command("go", "list", "-deps", "-f",
			"{{with .Module}}{{if not .Main}}{{.Path}}\t{{.Version}}\t{{.Dir}}{{with .Replace}}\t{{.Path}}\t{{.Version}}\t{{.Dir}}{{end}}{{end}}{{end}}", ".")
		cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH=amd64", "CGO_ENABLED=1")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		b, err := cmd.Output()
		if err != nil {
			return "", fmt.Errorf("go list for %s: %v\n%s", goos, err, stderr.String())
		}
		for line := range strings.Lines(string(b)) {
			f := strings.Split(strings.TrimSpace(line), "\t")
			if len(f) < 3 {
				continue
			}
			m := module{f[0], f[1], f[2]}
			if len(f) == 6 { // replaced: the replacement is what is built
				m = module{f[3], f[4], f[5]}
			}
			mods[m.path] = m
		}
	}
	paths := make([]string, 0, len(mods))
	for p := range mods {
		paths = append(paths, p)
	}
	sort.Strings(paths)

	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOROOT: %v", err)
	}
	var list, texts strings.Builder
	goLicence, err := os.ReadFile(filepath.Join(strings.TrimSpace(string(goroot)), "LICENSE"))
	if err != nil {
		return "", err
	}
	fmt.Fprintf(&list, "  Go (the standard library and runtime)\n")
	fmt.Fprintf(&texts, "\n==== Go ====\n\n%s", ensureNewline(string(goLicence)))
	for _, p := range paths {
		m := mods[p]
		fmt.Fprintf(&list, "  %s %s\n", m.path, m.version)
		files, err := licenceFiles(m.dir)
		if err != nil {
			return "", err
		}
		if len(files) == 0 {
			return "", fmt.Errorf("no licence file in %s %s (%s)", m.path, m.version, m.dir)
		}
		for _, f := range files {
			data, err := os.ReadFile(filepath.Join(m.dir, f))
			if err != nil {
				return "", err
			}
			fmt.Fprintf(&texts, "\n==== %s %s: %s ====\n\n%s", m.path, m.version, f, ensureNewline(string(data)))
		}
	}
	return "Reelhouse is built with Go and these modules; their licences follow.\n" +
		"This file is made by `make licenses` (go run ./.ci/licenses); do not edit it.\n\n" +
		list.String() + texts.String(), nil
}

// licenceFiles are the names of the licence files in dir's root.
func licenceFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && licenceFile.MatchString(e.Name()) {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}

func ensureNewline(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	if !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	return s
}
