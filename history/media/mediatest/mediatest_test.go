package mediatest

import (
	"fmt"
	"testing"
)

// recorder is a test that notes how it ended instead of ending.
type recorder struct {
	testing.TB
	failed, skipped string
}

func (r *recorder) Helper()                        {}
func (r *recorder) Fatalf(format string, a ...any) { r.failed = fmt.Sprintf(format, a...) }
func (r *recorder) Errorf(format string, a ...any) { r.failed = fmt.Sprintf(format, a...) }
func (r *recorder) Skip(a ...any)                  { r.skipped = fmt.Sprint(a...) }

// TestMissingProgramFailsWhereRequired: with no program on the PATH, Need,
// Have and Failed fail the test under make test and skip it elsewhere.
func TestMissingProgramFailsWhereRequired(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	for _, required := range []string{"1", ""} {
		t.Setenv(Required, required)
		checks := map[string]func(r *recorder){
			"Need":   func(r *recorder) { Need(r, "ffmpeg") },
			"Have":   func(r *recorder) { Have(r, "ffmpeg") },
			"Failed": func(r *recorder) { Failed(r, "ffmpeg could not make the video") },
		}
		for name, check := range checks {
			r := &recorder{TB: t}
			check(r)
			switch {
			case required == "1" && r.failed == "":
				t.Errorf("%s with %s=1 did not fail the test", name, Required)
			case required == "" && name != "Have" && (r.skipped == "" || r.failed != ""):
				t.Errorf("%s without %s: skipped %q, failed %q; want a skip", name, Required, r.skipped, r.failed)
			case required == "" && name == "Have" && r.failed != "":
				t.Errorf("Have without %s failed the test: %q", Required, r.failed)
			}
		}
	}
}

// TestInstalledProgramIsFound: a program on the PATH is returned as it is.
func TestInstalledProgramIsFound(t *testing.T) {
	t.Setenv(Required, "1")
	r := &recorder{TB: t}
	if path := Need(r, "sh"); path == "" || r.failed != "" || r.skipped != "" {
		t.Errorf("Need(sh) = %q (failed %q, skipped %q)", path, r.failed, r.skipped)
	}
}
