package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history/store"
)

// diagnosticFacts is what a bug report needs to know about this run.
type diagnosticFacts struct {
	Demo      bool
	DataDir   string
	LogPath   string
	KeySource string // where the key comes from; never the key
	ServerURL string
	Library   string
	Store     *store.Store
}

// logTailLines is how much of the log a bug report carries.
const logTailLines = 200

// diagnostics is the text of "Copy diagnostics": versions, settings
// (never the key) and the end of the log, redacted once more as a whole.
func diagnostics(ctx context.Context, f diagnosticFacts) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "Reelhouse %s\n", appVersion())
	fmt.Fprintf(&b, "Go %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(&b, "Fyne %s\n", moduleVersion("fyne.io/fyne/v2"))
	fmt.Fprintf(&b, "Demo mode: %v\n", f.Demo)
	fmt.Fprintf(&b, "Server: %s\n", client.RedactURL(f.ServerURL))
	fmt.Fprintf(&b, "API key from: %s\n", f.KeySource)
	fmt.Fprintf(&b, "Library folder: %s\n", f.Library)
	fmt.Fprintf(&b, "Data folder: %s\n", f.DataDir)
	b.WriteString("Saved settings:\n")
	for _, key := range []string{store.SettingServer, store.SettingLibrary, store.SettingInterval, store.SettingMaxDownloads} {
		fmt.Fprintf(&b, "  %s = %s\n", key, f.Store.Setting(ctx, key, "(not set)"))
	}
	fmt.Fprintf(&b, "\nLast %d lines of %s:\n", logTailLines, f.LogPath)
	tail, err := logTail(f.LogPath, logTailLines)
	if err != nil {
		fmt.Fprintf(&b, "(the log could not be read: %v)\n", err)
	}
	b.WriteString(tail)
	return client.RedactText(b.String()), nil
}

// logTail returns the last n lines of the log file at path.
func logTail(path string, n int) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	const window = 256 << 10
	st, err := f.Stat()
	if err != nil {
		return "", err
	}
	start := max(st.Size()-window, 0)
	data, err := io.ReadAll(io.NewSectionReader(f, start, st.Size()-start))
	if err != nil {
		return "", err
	}
	if start > 0 {
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			data = data[i+1:] // the first line is cut
		}
	}
	lines := strings.SplitAfter(string(data), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return strings.Join(lines[max(len(lines)-n, 0):], ""), nil
}

// appVersion is the version in FyneApp.toml and the commit this binary
// was built from.
func appVersion() string {
	v := versionText()
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += " " + s.Value[:12]
		}
		if s.Key == "vcs.modified" && s.Value == "true" {
			v += " (modified)"
		}
	}
	return v
}

// moduleVersion is the version of a module linked into this binary.
func moduleVersion(path string) string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == path {
				return d.Version
			}
		}
	}
	return "(unknown)"
}
