package main

import (
	_ "embed"
	"flag"
	"fmt"
	"os"
	"strconv"

	"github.com/BurntSushi/toml"
)

// fyneApp is FyneApp.toml, the one place the version is written: `go
// run`, `go build` and `fyne package` all build it into the binary.
//
//go:embed FyneApp.toml
var fyneApp []byte

// appMetadata is what the binary says about itself.
type appMetadata struct {
	Name    string
	ID      string
	Version string
	Build   int
}

// parseMetadata reads the [Details] of a FyneApp.toml.
func parseMetadata(b []byte) (appMetadata, error) {
	var doc struct{ Details appMetadata }
	if _, err := toml.Decode(string(b), &doc); err != nil {
		return appMetadata{}, err
	}
	if doc.Details.Version == "" {
		return appMetadata{}, fmt.Errorf("FyneApp.toml has no version")
	}
	return doc.Details, nil
}

// metadata is this binary's FyneApp.toml; the file is checked by the
// tests, so a broken one never reaches a build.
var metadata = func() appMetadata {
	m, err := parseMetadata(fyneApp)
	if err != nil {
		return appMetadata{Name: "Reelhouse", Version: "(unknown)"}
	}
	return m
}()

// versionText is the version as people read it, e.g. "0.1.0 (build 1)".
func versionText() string {
	return metadata.Version + " (build " + strconv.Itoa(metadata.Build) + ")"
}

func init() {
	flag.BoolFunc("version", "print the version and exit", func(string) error {
		fmt.Printf("%s %s\n", metadata.Name, versionText())
		os.Exit(0)
		return nil
	})
}
