// Package mediatest gives tests the programs they need to work with real
// media: ffmpeg and ffprobe.
//
// A test that needs one calls Need. Run by `make test`, which
// installs every one of them and sets REELHOUSE_TEST_MEDIA=1, a missing
// program fails the test, so that a machine without ffmpeg cannot pass by
// skipping a fifth of the tests; run by hand on a machine without it, the
// test is skipped with the reason.
package mediatest

import (
	"os"
	"os/exec"
	"testing"
)

// Required is the environment variable that makes a missing program a
// failure instead of a reason to skip.
const Required = "REELHOUSE_TEST_MEDIA"

// Need returns the path of the program name (ffmpeg, ffprobe), or ends the
// test: failed where Required is set, skipped elsewhere.
func Need(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		missing(t, name+" is not installed")
	}
	return path
}

// Have reports whether the program name is installed, for tests that check
// both the way with it and the way without it. Where Required is set, it
// fails the test when the program is missing, as Need does, but lets it go
// on.
func Have(t testing.TB, name string) bool {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv(Required) == "1" {
			t.Errorf("%s is not installed, and make test needs it: run make test-deps", name)
		}
		return false
	}
	return true
}

// Failed ends the test because a program it needs could not do its part
// (why says what happened): failed where Required is set, skipped elsewhere.
func Failed(t testing.TB, why string) {
	t.Helper()
	missing(t, why)
}

func missing(t testing.TB, why string) {
	t.Helper()
	if os.Getenv(Required) == "1" {
		t.Fatalf("%s, and make test needs it: run make test-deps", why)
	}
	t.Skip(why)
}
