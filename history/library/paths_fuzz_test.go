package library

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLibraryPaths feeds task ids (which come from the service) and
// library-relative paths (which come from the database and sidecars) to
// the functions that turn them into file names: nothing may ever point
// outside the library, and unfinished downloads stay in .incoming.
func FuzzLibraryPaths(f *testing.F) {
	for _, s := range []string{"a1b2c3d4-0000-4000-8000-000000000000", "../../etc/passwd", "/abs/path", `C:\Windows`, "CON", "a\x00b",
		"🎬 ünïcödé", "", "..", ".", "-", "a-0.mp4.part", "x/../../y", strings.Repeat("z", 5000)} {
		f.Add(s, s, uint8(0))
	}
	lib, err := OpenFolder(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	incoming := filepath.Join(lib.Dir(), incomingDir)
	f.Fuzz(func(t *testing.T, taskID, rel string, idx uint8) {
		part := lib.PartPath(taskID, int(idx))
		if filepath.Dir(part) != incoming {
			t.Fatalf("PartPath(%q) = %q, outside %s", taskID, part, incoming)
		}
		base := filepath.Base(part)
		if strings.HasPrefix(base, ".") || !strings.HasSuffix(base, fmt.Sprintf("-%d.mp4.part", idx)) ||
			strings.Count(base, "-") != 1 || len(base) > 100 {
			t.Fatalf("PartPath(%q) = %q: not an id, one dash, the index and .mp4.part", taskID, base)
		}
		if p, err := lib.Abs(rel); err == nil {
			r, err := filepath.Rel(lib.Dir(), p)
			// Abs(`\.`) is the library folder itself, which is not outside.
			if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) || filepath.IsAbs(r) {
				t.Fatalf("Abs(%q) = %q, outside the library", rel, p)
			}
		}
	})
}
