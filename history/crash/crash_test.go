package crash

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDoTurnsPanicIntoError: work that panics fails like work that
// returned an error, and the panic is reported once.
func TestDoTurnsPanicIntoError(t *testing.T) {
	var got []Report
	SetReporter(func(r Report) { got = append(got, r) })
	t.Cleanup(func() { SetReporter(nil) })

	if err := Do("job", func() error { return nil }); err != nil {
		t.Errorf("no panic: %v", err)
	}
	plain := errors.New("plain")
	if err := Do("job", func() error { return plain }); err != plain || IsPanic(err) {
		t.Errorf("an error: %v", err)
	}
	err := Do("job", func() error { panic("boom") })
	if !IsPanic(err) {
		t.Fatalf("a panic gave %v", err)
	}
	if len(got) != 1 || got[0].Where != "job" || got[0].Value != "boom" || !strings.Contains(string(got[0].Stack), "crash_test.go") {
		t.Errorf("reports %+v", got)
	}
	if !Guard("g", func() { panic(errors.New("e")) }) || Guard("g", func() {}) {
		t.Error("Guard does not say whether fn panicked")
	}
}

// TestFolderKeepsAtMostMaxFiles: a bug that panics again and again
// writes MaxFiles files, each once, and TakeUnseen hands them over
// oldest first, once.
func TestFolderKeepsAtMostMaxFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	r := Folder(dir, "Reelhouse test")
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := range MaxFiles + 3 {
		r(Report{Where: "poll", Value: i, Stack: []byte("stack"), Time: at})
	}
	files, _ := filepath.Glob(filepath.Join(dir, "crash-*.txt"))
	if len(files) != MaxFiles {
		t.Fatalf("%d files, want %d", len(files), MaxFiles)
	}
	if st, err := os.Stat(dir); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("folder mode %v %v", st.Mode().Perm(), err)
	}
	text, err := TakeUnseen(dir)
	if err != nil {
		t.Fatal(err)
	}
	if i0, i4 := strings.Index(text, "Panic: 0\n"), strings.Index(text, "Panic: 4\n"); i0 < 0 || i4 < i0 {
		t.Errorf("reports not all there, oldest first:\n%s", text)
	}
	if again, _ := TakeUnseen(dir); again != "" {
		t.Errorf("handed over twice: %q", again)
	}
}
