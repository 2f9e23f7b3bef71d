package library

import "testing"

// TestRebuildStampsEverySidecar: after a rebuild in batches, with two
// videos per task, every file is recorded with its sidecar's stamp, so the
// next reconcile reads none of them again.
func TestRebuildStampsEverySidecar(t *testing.T) {
	t.Parallel()
	lib := libraryFixtureOf(t, 3, 2)
	s, _ := openTestStore(t)
	ctx := t.Context()
	rep, err := Rebuild(ctx, s, lib)
	if err != nil || rep.Added != 3 || len(rep.Problems) != 0 {
		t.Fatalf("rebuild: %+v, %v", rep, err)
	}
	files, known, err := s.LibraryFacts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 6 || len(known) != 6 {
		t.Fatalf("%d files, %d with a sidecar stamp; want 6 and 6", len(files), len(known))
	}
	sc, err := lib.scan(ctx, known)
	if err != nil {
		t.Fatal(err)
	}
	if len(sc.sidecars) != 0 {
		t.Errorf("the next walk reads %d tasks' sidecars again, want none", len(sc.sidecars))
	}
}
