package store

import (
	"testing"
)

// TestProblemsParse: a problem code, with or without facts, parses; a
// sentence of an older version does not, so the window shows it as it is.
func TestProblemsParse(t *testing.T) {
	t.Parallel()
	for _, code := range Problems {
		if c, f, ok := ParseProblem(code); !ok || c != code || f != "" {
			t.Errorf("ParseProblem(%q) = %q, %q, %v", code, c, f, ok)
		}
		msg := code + ": open x: no space left on device"
		if c, f, ok := ParseProblem(msg); !ok || c != code || f != "open x: no space left on device" {
			t.Errorf("ParseProblem(%q) = %q, %q, %v", msg, c, f, ok)
		}
	}
	for _, legacy := range []string{"", "The video was not started: The service refused the API key.",
		"This task has not finished after a very long time. Use “Check again” to ask the service once more."} {
		if _, _, ok := ParseProblem(legacy); ok {
			t.Errorf("ParseProblem(%q) took a sentence for a code", legacy)
		}
	}
}
