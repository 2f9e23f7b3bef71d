package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// names lists the entries of dir.
func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func TestWriteFileReplaces(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "a.json")
	for _, content := range []string{"first", "second, longer"} {
		if err := WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if b, err := os.ReadFile(path); err != nil || string(b) != content {
			t.Fatalf("file = %q, %v; want %q", b, err, content)
		}
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o644 {
		t.Errorf("mode = %v, %v; want 0644", info.Mode(), err)
	}
	if got := names(t, dir); !slices.Equal(got, []string{"a.json"}) {
		t.Errorf("folder holds %v, want only a.json", got)
	}
}

func TestWriteFailureKeepsTheOldFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "thumb.png")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	halfway := errors.New("halfway")
	err := Write(path, 0o644, func(f *os.File) error {
		f.Write([]byte("new but not comp"))
		return halfway
	})
	if !errors.Is(err, halfway) {
		t.Fatalf("err = %v, want %v", err, halfway)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("file = %q after a failed write, want the old content", b)
	}
	if got := names(t, dir); !slices.Equal(got, []string{"thumb.png"}) {
		t.Errorf("folder holds %v, want only thumb.png", got)
	}
	if err := WriteFile(filepath.Join(dir, "missing", "x"), nil, 0o644); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("writing into a missing folder: %v, want not-exist", err)
	}
}
