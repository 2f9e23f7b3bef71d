package library

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestFileName(t *testing.T) {
	t.Parallel()
	day := time.Date(2026, 3, 7, 12, 0, 0, 0, time.Local)
	for _, tc := range []struct {
		prompt, id string
		idx        int
		want       string
	}{
		{"A red fox, running in the snow!", "a1b2c3d4-e5f6-7890", 0, "2026/03/2026-03-07_a-red-fox-running-in-the-snow_a1b2c3d4.mp4"},
		{"A red fox", "a1b2c3d4-e5f6", 1, "2026/03/2026-03-07_a-red-fox_a1b2c3d4-2.mp4"},
		{"../../etc/passwd", "../../x", 0, "2026/03/2026-03-07_etc-passwd_x.mp4"},
		{"", "", 0, "2026/03/2026-03-07_video_task.mp4"},
		{"🎬🎥", "ID/with\\slashes", 0, "2026/03/2026-03-07_video_IDwithsl.mp4"},
		{"Кот на крыше", "abc", 0, "2026/03/2026-03-07_кот-на-крыше_abc.mp4"},
		{"CON", "NUL\x00", 0, "2026/03/2026-03-07_con_NUL.mp4"},
	} {
		if got := FileName(day, tc.prompt, tc.id, tc.idx); got != tc.want {
			t.Errorf("FileName(%q, %q, %d) = %q, want %q", tc.prompt, tc.id, tc.idx, got, tc.want)
		}
	}
	long := strings.Repeat("très long prompt ", 400)
	name := FileName(day, long, "abcdef123456", 0)
	if utf8.RuneCountInString(filepath.Base(name)) > 80 {
		t.Errorf("name for a 5,000-character prompt is too long: %q", name)
	}
}

func TestLibraryAbsRefusesEscapes(t *testing.T) {
	t.Parallel()
	lib, err := OpenFolder(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", "..", "../x.mp4", "a/../../x", "/etc/passwd", "a\x00b", `\.`, `\x.mp4`, "a/..", `..\x`} {
		if p, err := lib.Abs(bad); err == nil {
			t.Errorf("Abs(%q) = %q, want an error", bad, p)
		}
	}
	p, err := lib.Abs("2026/03/a.mp4")
	if err != nil || p != filepath.Join(lib.Dir(), "2026", "03", "a.mp4") {
		t.Errorf("Abs = %q, %v", p, err)
	}
}

func TestLibraryPlaceNeverOverwrites(t *testing.T) {
	t.Parallel()
	lib, err := OpenFolder(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	name := "2026/03/2026-03-07_fox_abc.mp4"
	var placed []string
	for i, body := range []string{"first", "second", "third"} {
		part := lib.PartPath("abc", i)
		if err := os.WriteFile(part, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		rel, err := lib.Place(part, name)
		if err != nil {
			t.Fatal(err)
		}
		placed = append(placed, rel)
		if _, err := os.Stat(part); !os.IsNotExist(err) {
			t.Errorf("part file %s still there after Place", part)
		}
	}
	want := []string{name, "2026/03/2026-03-07_fox_abc-2.mp4", "2026/03/2026-03-07_fox_abc-3.mp4"}
	for i, rel := range placed {
		if rel != want[i] {
			t.Errorf("placed[%d] = %q, want %q", i, rel, want[i])
		}
		p, _ := lib.Abs(rel)
		b, err := os.ReadFile(p)
		if err != nil || string(b) != []string{"first", "second", "third"}[i] {
			t.Errorf("%s holds %q, %v", rel, b, err)
		}
	}
}

func FuzzFileName(f *testing.F) {
	for _, s := range []string{"a red fox", "../..", "/abs/path", "CON", "a\x00b", "🎬 ünïcödé", strings.Repeat("x", 5000)} {
		f.Add(s, s)
	}
	lib, err := OpenFolder(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, prompt, id string) {
		name := FileName(time.Unix(1719000000, 0), prompt, id, 0)
		p, err := lib.Abs(name)
		if err != nil {
			t.Fatalf("FileName(%q, %q) = %q, which the library refuses: %v", prompt, id, name, err)
		}
		rel, err := filepath.Rel(lib.Dir(), p)
		if err != nil || strings.HasPrefix(rel, "..") {
			t.Fatalf("%q escapes the library", name)
		}
		if strings.Count(name, "/") != 2 || strings.ContainsAny(filepath.Base(name), "\\:*?\"<>|\x00") {
			t.Fatalf("unsafe name %q", name)
		}
		if utf8.RuneCountInString(filepath.Base(name)) > 80 {
			t.Fatalf("name too long: %q", name)
		}
	})
}
