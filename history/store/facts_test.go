package store

import (
	"fmt"
	"testing"
	"time"
)

// The reconcile's list of files, read as one text per chunk, holds every
// recorded path as it is (spaces, line breaks, other scripts, digits after
// a space) and every sidecar stamp, across chunks, in record order.
func TestLibraryFactsKeepEveryPath(t *testing.T) {
	t.Parallel()
	s, _ := openTestStore(t)
	ctx := t.Context()
	paths := []string{"plain.mp4", "two words 12 34.mp4", "line\nbreak.mp4", "ümlaut/日本語 7.mp4", " 5 .mp4", ""}
	want := map[int64][]File{}
	n := 0
	// One transaction, many rows to a statement, as a rebuild adds them.
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	stmts := newStmtCache(tx)
	var recs []Record
	for i := range factsAtOnce + 10 { // more than one chunk
		recs = append(recs, Record{TaskID: fmt.Sprintf("task %d", i), State: StateSuccess, CreatedAt: time.Now(), UpdatedAt: time.Now()})
	}
	ids, err := insertTasks(ctx, stmts, recs)
	if err != nil {
		t.Fatal(err)
	}
	var rows []stampedFile
	for i, id := range ids {
		for idx := range 1 + i%2 {
			f := File{Index: idx, Path: fmt.Sprintf("%d/%s", i, paths[(i+idx)%len(paths)]), Missing: i%3 == 0}
			st := Stamp{Size: -1}
			if i%4 == 0 {
				st = Stamp{Size: int64(i), Mtime: -int64(i) * 1e9}
			}
			rows = append(rows, stampedFile{id, f, st})
			want[id] = append(want[id], f)
			n++
		}
	}
	if err := insertFiles(ctx, stmts, rows); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	files, stamps, err := s.LibraryFacts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != n {
		t.Fatalf("%d files, want %d", len(files), n)
	}
	for k, lf := range files {
		if k > 0 && (lf.RecordID < files[k-1].RecordID || lf.RecordID == files[k-1].RecordID && lf.File.Index <= files[k-1].File.Index) {
			t.Fatalf("file %d out of order: %+v after %+v", k, lf, files[k-1])
		}
		w := want[lf.RecordID][lf.File.Index]
		if lf.File.Path != w.Path || lf.File.Missing != w.Missing {
			t.Errorf("record %d file %d = %q missing %v, want %q %v", lf.RecordID, lf.File.Index, lf.File.Path, lf.File.Missing, w.Path, w.Missing)
		}
		i := int64(0)
		fmt.Sscanf(lf.File.Path, "%d/", &i)
		st, ok := stamps[PathStem(lf.File.Path)]
		if wantStamp := (Stamp{Size: i, Mtime: -i * 1e9}); (i%4 == 0) != ok || ok && st != wantStamp {
			t.Errorf("stamp of %q = %+v (%v), want %+v (%v)", lf.File.Path, st, ok, wantStamp, i%4 == 0)
		}
	}
}
