package store

import (
	"slices"
	"testing"
	"time"
)

// TestStoreRestoreOneRule: one Restore adds a row for a new task (with the
// tags of its first sidecar), adds a known task's file the history lacks,
// keeps a known file where the history has it, stamps a known file whose
// sidecar sits where the history has it, and keeps nothing when one entry
// cannot be put back.
func TestStoreRestoreOneRule(t *testing.T) {
	t.Parallel()
	s, _ := openTestStore(t)
	ctx := t.Context()
	now := time.Now().Truncate(time.Millisecond)
	known, _, err := s.AddExisting(ctx, "known", now)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PutFile(ctx, known.ID, File{Index: 0, Path: "a/known-0.mp4"}); err != nil {
		t.Fatal(err)
	}
	side := func(task string, idx int, path string, tags ...string) SidecarRecord {
		return SidecarRecord{
			Record: Record{TaskID: task, State: StateSuccess, CreatedAt: now, UpdatedAt: now, Tags: tags,
				Files: []File{{Index: idx, Path: path}}},
			Stamp: Stamp{Size: int64(10 + idx), Mtime: int64(idx) * 1e9},
		}
	}
	list := []SidecarRecord{
		side("new", 0, "b/new-0.mp4", "Sea"),
		side("known", 0, "a/known-0.mp4"), // where the history has it: stamped
		side("known", 1, "a/known-1.mp4"), // new file of a known task
		side("new", 1, "b/new-1.mp4", "ignored"),
	}
	created, err := s.Restore(ctx, list)
	if err != nil {
		t.Fatal(err)
	}
	if want := []bool{true, false, false, false}; !slices.Equal(created, want) {
		t.Fatalf("created %v, want %v", created, want)
	}
	files, stamps, err := s.LibraryFacts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range files {
		paths = append(paths, f.File.Path)
	}
	slices.Sort(paths)
	if want := []string{"a/known-0.mp4", "a/known-1.mp4", "b/new-0.mp4", "b/new-1.mp4"}; !slices.Equal(paths, want) {
		t.Fatalf("files %v, want %v", paths, want)
	}
	if len(stamps) != 4 {
		t.Errorf("%d files with a sidecar stamp, want 4: %v", len(stamps), stamps)
	}
	recs, err := s.List(ctx, Query{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if r.TaskID == "new" && !slices.Equal(r.Tags, []string{"sea"}) {
			t.Errorf("new task's tags %v, want those of its first sidecar", r.Tags)
		}
	}

	// A moved file of a known task stays where the history has it.
	if _, err := s.Restore(ctx, []SidecarRecord{side("known", 0, "elsewhere/known-0.mp4")}); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get(ctx, known.ID); err != nil || got.Files[0].Path != "a/known-0.mp4" {
		t.Fatalf("known file at %+v (%v), want it left at a/known-0.mp4", got.Files, err)
	}

	// One entry that cannot be put back: nothing of the list is kept.
	bad := side("broken", 0, "c/broken-0.mp4")
	bad.Record.Files = nil
	if _, err := s.Restore(ctx, []SidecarRecord{side("other", 0, "c/other-0.mp4"), bad}); err == nil {
		t.Fatal("a sidecar record without its file was restored")
	}
	if _, err := s.Restore(ctx, []SidecarRecord{side("other", 0, "c/other-0.mp4"), side("", 0, "c/none.mp4")}); err == nil {
		t.Fatal("a record without a task id was restored")
	}
	after, err := s.List(ctx, Query{})
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(recs) {
		t.Errorf("%d records after failed restores, want %d: a failed restore kept part of its list", len(after), len(recs))
	}
}
