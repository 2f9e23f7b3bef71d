package history

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"fmt"
	"image/color"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/client/apitest"
	"github.com/reelhouse/reelhouse/history/library"
	"github.com/reelhouse/reelhouse/history/media"
	"github.com/reelhouse/reelhouse/history/store"
)

// downloadSome makes n tasks through the tracker and waits until each is
// downloaded and described (metadata and sidecar written).
func (e *env) downloadSome(prompts ...string) []store.Record {
	e.t.Helper()
	var out []store.Record
	for _, p := range prompts {
		rec, err := e.tracker.Submit(e.t.Context(), client.CreateRequest{Model: "wan2.1-t2v-turbo", Prompt: p, Ratio: "16:9"})
		if err != nil {
			e.t.Fatal(err)
		}
		out = append(out, e.waitRecord(rec.ID, "described video", func(r store.Record) bool {
			return downloaded(r) && len(r.Files) > 0 && r.Files[len(r.Files)-1].MediaState != store.MediaUnknown
		}))
	}
	return out
}

func TestDownloadedVideosAreDescribed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, apitest.Config{VideosPerTask: 2})
	e.start(TrackerOptions{ThumbnailDir: filepath.Join(t.TempDir(), "thumbs")})
	rec := e.downloadSome("a described fox")[0]
	if len(rec.Files) != 2 {
		t.Fatalf("files = %+v", rec.Files)
	}
	for _, f := range rec.Files {
		p, _ := e.folder.Abs(f.Path)
		want, err := media.Probe(p)
		if err != nil {
			t.Fatal(err)
		}
		if f.MediaState != store.MediaOK || f.Media.Width != want.Width || f.Media.Height != want.Height || f.Media.Width == 0 ||
			f.Media.VideoCodec != want.VideoCodec || f.Media.Duration.Round(time.Millisecond) != want.Duration.Round(time.Millisecond) {
			t.Errorf("file %d: media %+v (%s), probe says %+v", f.Index, f.Media, f.MediaState, want)
		}
		thumb := e.library.ThumbnailPath(f)
		if st, err := os.Stat(thumb); err != nil || st.Size() == 0 {
			t.Errorf("file %d: no thumbnail at %q (%v)", f.Index, thumb, err)
		}
		sc, err := library.ReadSidecar(library.SidecarPath(p))
		if err != nil {
			t.Fatalf("file %d: sidecar: %v", f.Index, err)
		}
		if sc.TaskID != rec.TaskID || sc.File.SHA256 != f.SHA256 || sc.File.Index != f.Index || sc.Request.Prompt != "a described fox" ||
			sc.File.Width != f.Media.Width || sc.File.Name != filepath.Base(p) {
			t.Errorf("file %d: sidecar %+v", f.Index, sc)
		}
	}
}

// comparable strips what a rebuild cannot know (local row ids, live
// polling state) and orders what it cannot keep in order.
func comparable(recs []store.Record) []store.Record {
	out := make([]store.Record, len(recs))
	for i, r := range recs {
		r.ID = 0
		r.Watching = false
		r.UpdatedAt = time.Time{}
		r.DownloadError = ""
		for j := range r.Files {
			r.Files[j].Thumbnail = ""
		}
		if len(r.Raw) > 0 {
			var v any
			json.Unmarshal(r.Raw, &v)
			r.Raw, _ = json.Marshal(v)
		}
		out[i] = r
	}
	sort.Slice(out, func(i, j int) bool { return out[i].TaskID < out[j].TaskID })
	return out
}

func TestRebuildFromFolderEqualsOriginal(t *testing.T) {
	t.Parallel()
	e := newEnv(t, apitest.Config{VideosPerTask: 2})
	e.start(TrackerOptions{})
	recs := e.downloadSome("first: a fox", "second: 🎬 ünïcode / slashes ..", strings.Repeat("long prompt ", 400))
	ctx := t.Context()
	if err := e.library.SetFavourite(ctx, recs[0].ID, true); err != nil {
		t.Fatal(err)
	}
	if err := e.library.SetTags(ctx, recs[1].ID, []string{"Holiday", "sea, sun"}); err != nil {
		t.Fatal(err)
	}
	if err := e.library.SetNote(ctx, recs[2].ID, "use for the intro"); err != nil {
		t.Fatal(err)
	}
	if err := e.library.SetTitle(ctx, recs[2].ID, "Opening — 🎬 take 2"); err != nil {
		t.Fatal(err)
	}
	e.stop()
	original, err := e.store.List(ctx, store.Query{})
	if err != nil {
		t.Fatal(err)
	}
	// Delete the database, then rebuild it from the folder alone.
	rep := e.rebuildFromFolder()
	if rep.Added != 3 || len(rep.Problems) != 0 {
		t.Errorf("rebuild report %+v", rep)
	}
	rebuilt, err := e.store.List(ctx, store.Query{})
	if err != nil {
		t.Fatal(err)
	}
	a, b := comparable(original), comparable(rebuilt)
	if !reflect.DeepEqual(a, b) {
		for i := range a {
			if i < len(b) && !reflect.DeepEqual(a[i], b[i]) {
				t.Errorf("record %d differs:\noriginal %+v\nrebuilt  %+v", i, a[i], b[i])
			}
		}
		t.Fatalf("rebuilt history differs (%d vs %d records)", len(a), len(b))
	}
	if got, _ := e.store.List(ctx, store.Query{Tag: "holiday"}); len(got) != 1 {
		t.Errorf("tag search after rebuild found %d", len(got))
	}
	if got, err := e.store.ByTaskID(ctx, recs[2].TaskID); err != nil || got.Title != "Opening — 🎬 take 2" {
		t.Errorf("title after rebuild = %q (%v)", got.Title, err)
	}
}

func TestReconcileMissingMovedAndAdded(t *testing.T) {
	t.Parallel()
	e := newEnv(t, apitest.Config{})
	e.start(TrackerOptions{})
	recs := e.downloadSome("to be deleted", "to be moved", "to be copied elsewhere")
	ctx := t.Context()
	abs := func(r store.Record) string { p, _ := e.folder.Abs(r.Files[0].Path); return p }

	// Deleted outside the app.
	os.Remove(abs(recs[0]))
	// Moved (with its sidecar) to another folder of the library.
	moved := filepath.Join(e.folder.Dir(), "Keep", filepath.Base(abs(recs[1])))
	os.MkdirAll(filepath.Dir(moved), 0o755)
	os.Rename(abs(recs[1]), moved)
	os.Rename(library.SidecarPath(abs(recs[1])), library.SidecarPath(moved))
	// A video copied in from another computer, with its sidecar: forget the
	// record so the only trace is in the folder.
	if err := e.store.Delete(ctx, recs[2].ID); err != nil {
		t.Fatal(err)
	}
	// And a broken sidecar, which must be reported and left alone.
	broken := filepath.Join(e.folder.Dir(), "broken.json")
	os.WriteFile(broken, []byte("{not json"), 0o644)

	rep, err := e.library.Reconcile(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Missing != 1 || rep.Moved != 1 || rep.Added != 1 || len(rep.Problems) != 1 {
		t.Errorf("report %+v", rep)
	}
	if _, err := os.Stat(broken); err != nil {
		t.Error("a broken sidecar must never be deleted")
	}
	r0, _ := e.store.Get(ctx, recs[0].ID)
	if !r0.Files[0].Missing {
		t.Error("deleted file not marked missing")
	}
	if got, _ := e.store.List(ctx, store.Query{NotDownloaded: true}); len(got) != 1 || got[0].ID != recs[0].ID {
		t.Errorf("not-downloaded filter = %d records", len(got))
	}
	r1, _ := e.store.Get(ctx, recs[1].ID)
	if r1.Files[0].Path != "Keep/"+filepath.Base(moved) || r1.Files[0].Missing {
		t.Errorf("moved file now at %q (missing %v)", r1.Files[0].Path, r1.Files[0].Missing)
	}
	r2, err := e.store.ByTaskID(ctx, recs[2].TaskID)
	if err != nil || r2.Request.Prompt != "to be copied elsewhere" || len(r2.Files) != 1 {
		t.Errorf("copied-in video not picked up: %+v, %v", r2, err)
	}

	// Download again brings the deleted one back.
	if err := e.tracker.RetryDownload(ctx, recs[0].ID); err != nil {
		t.Fatal(err)
	}
	back := e.waitRecord(recs[0].ID, "the file back", func(r store.Record) bool { return downloaded(r) && !r.Files[0].Missing })
	e.checkFiles(back, 1)
}

func TestTrashUndoAndEmpty(t *testing.T) {
	t.Parallel()
	e := newEnv(t, apitest.Config{})
	e.start(TrackerOptions{})
	recs := e.downloadSome("keep me", "trash me")
	ctx := t.Context()
	orig, _ := e.folder.Abs(recs[1].Files[0].Path)
	if err := e.library.Trash(ctx, recs[1].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(orig); !os.IsNotExist(err) {
		t.Error("trashed video still in place")
	}
	if list, _ := e.store.List(ctx, store.Query{}); len(list) != 1 || list[0].ID != recs[0].ID {
		t.Errorf("library shows %d records after trashing", len(list))
	}
	trashed, _ := e.store.List(ctx, store.Query{Trash: true})
	if len(trashed) != 1 || !strings.HasPrefix(trashed[0].Files[0].Path, ".trash/") {
		t.Fatalf("trash = %+v", trashed)
	}
	inTrash, _ := e.folder.Abs(trashed[0].Files[0].Path)
	if _, err := os.Stat(library.SidecarPath(inTrash)); err != nil {
		t.Error("the sidecar must go to the trash with its video")
	}

	if err := e.library.Untrash(ctx, recs[1].ID); err != nil {
		t.Fatal(err)
	}
	back, _ := e.store.Get(ctx, recs[1].ID)
	e.checkFiles(back, 1)
	if back.Trashed() || back.Files[0].Path != recs[1].Files[0].Path {
		t.Errorf("after undo: %+v", back)
	}

	if err := e.library.Trash(ctx, recs[1].ID); err != nil {
		t.Fatal(err)
	}
	n, err := e.library.EmptyTrash(ctx)
	if err != nil || n != 1 {
		t.Fatalf("EmptyTrash = %d, %v", n, err)
	}
	if _, err := os.Stat(inTrash); !os.IsNotExist(err) {
		t.Error("emptying the trash left the video")
	}
	if _, err := os.Stat(library.SidecarPath(inTrash)); !os.IsNotExist(err) {
		t.Error("emptying the trash left the sidecar")
	}
	if all, _ := e.store.List(ctx, store.Query{}); len(all) != 1 {
		t.Errorf("library has %d records", len(all))
	}
}

func TestExportFolderAndZip(t *testing.T) {
	t.Parallel()
	e := newEnv(t, apitest.Config{})
	e.start(TrackerOptions{})
	recs := e.downloadSome("export one", "export two")
	ids := []int64{recs[0].ID, recs[1].ID}
	ctx := t.Context()

	dir := t.TempDir()
	if _, err := e.library.Export(ctx, ids, dir, false); err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		name := filepath.Base(r.Files[0].Path)
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(got, e.sim.VideoBytes(r.TaskID, 0)) {
			t.Errorf("exported %s differs (%v)", name, err)
		}
		if sc, err := library.ReadSidecar(library.SidecarPath(filepath.Join(dir, name))); err != nil || sc.TaskID != r.TaskID {
			t.Errorf("exported sidecar of %s: %+v, %v", name, sc, err)
		}
	}

	zipPath, err := e.library.Export(ctx, ids, t.TempDir(), true)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	contents := map[string][]byte{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		contents[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	if len(contents) != 4 {
		t.Errorf("zip holds %d entries, want 2 videos and 2 sidecars", len(contents))
	}
	for _, r := range recs {
		name := filepath.Base(r.Files[0].Path)
		if !bytes.Equal(contents[name], e.sim.VideoBytes(r.TaskID, 0)) {
			t.Errorf("zipped %s differs", name)
		}
		if sc, err := library.DecodeSidecar(bytes.NewReader(contents[strings.TrimSuffix(name, ".mp4")+".json"])); err != nil || sc.TaskID != r.TaskID {
			t.Errorf("zipped sidecar for %s: %v", name, err)
		}
	}
}

func TestMoveLibrary(t *testing.T) {
	t.Parallel()
	e := newEnv(t, apitest.Config{})
	e.start(TrackerOptions{})
	recs := e.downloadSome("move one", "move two")
	ctx := t.Context()
	oldDir := e.folder.Dir()
	newDir := filepath.Join(t.TempDir(), "New Library")
	var last [2]int
	lib, err := e.library.Move(ctx, newDir, func(done, total int) { last = [2]int{done, total} })
	if err != nil {
		t.Fatal(err)
	}
	if last != [2]int{2, 2} {
		t.Errorf("progress ended at %v", last)
	}
	if e.store.Setting(ctx, store.SettingLibrary, "") != lib.Dir() || e.library.Folder().Dir() != lib.Dir() {
		t.Error("the new folder is not the library now")
	}
	e.folder = lib
	for _, r := range recs {
		got, _ := e.store.Get(ctx, r.ID)
		e.checkFiles(got, 1)
		p, _ := lib.Abs(got.Files[0].Path)
		if _, err := library.ReadSidecar(library.SidecarPath(p)); err != nil {
			t.Errorf("sidecar not moved: %v", err)
		}
		if _, err := os.Stat(filepath.Join(oldDir, filepath.FromSlash(got.Files[0].Path))); !os.IsNotExist(err) {
			t.Error("old copy still there")
		}
	}
	if _, err := e.library.Move(ctx, filepath.Join(lib.Dir(), "inside"), nil); err == nil {
		t.Error("moving into a folder inside the library must be refused")
	}
}

func TestMoveLibraryFailureLeavesOldLibrary(t *testing.T) {
	t.Parallel()
	e := newEnv(t, apitest.Config{})
	e.start(TrackerOptions{})
	recs := e.downloadSome("stays put")
	ctx := t.Context()
	// Corrupt the recorded checksum: the copy can then never verify, as if
	// the disk had garbled it.
	f := recs[0].Files[0]
	f.SHA256 = strings.Repeat("0", 64)
	if err := e.store.PutFile(ctx, recs[0].ID, f); err != nil {
		t.Fatal(err)
	}
	if _, err := e.library.Move(ctx, filepath.Join(t.TempDir(), "elsewhere"), nil); err == nil {
		t.Fatal("a copy that does not verify must stop the move")
	}
	if e.library.Folder().Dir() != e.folder.Dir() || e.store.Setting(ctx, store.SettingLibrary, "") != "" {
		t.Error("a failed move must leave the old library in use")
	}
	if p, _ := e.folder.Abs(f.Path); !fileExists(p) {
		t.Error("a failed move must not remove anything")
	}
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

func TestSearchAndFiltersOnThousandsOfTasks(t *testing.T) {
	t.Parallel()
	s, path := openTestStore(t)
	ctx := t.Context()
	words := []string{"fox", "whale", "lighthouse", "city", "forest", "café"}
	models := []string{"wan2.1-t2v-turbo", "doubao-seedance-2"}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const n = 3000
	want := map[string]int{}
	// The rows are written in one transaction (the race detector makes
	// thousands of separate ones slow); the store's own reads are tested.
	tx, err := rawDB(t, path).BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		w := words[i%len(words)]
		st := []store.State{store.StateSuccess, store.StateFailed, store.StateRunning}[i%3]
		req := client.CreateRequest{Model: models[i%2], Prompt: fmt.Sprintf("a %s number %d", w, i)}
		body, _ := json.Marshal(req)
		dl := store.DownloadNone
		if st == store.StateSuccess {
			dl = store.DownloadDone
			if i%4 == 0 {
				dl = store.DownloadFailed
				want["notdl"]++
			}
		}
		fav := 0
		if i%10 == 0 {
			fav = 1
			want["fav"]++
		}
		created := base.Add(time.Duration(i) * time.Hour).UnixMilli()
		res, err := tx.ExecContext(ctx, `INSERT INTO tasks (task_id, model, prompt, request, state, created_at, updated_at, download, favourite)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, fmt.Sprintf("task-%05d", i), req.Model, req.Prompt, string(body), string(st), created, created, string(dl), fav)
		if err != nil {
			t.Fatal(err)
		}
		if i%7 == 0 {
			id, _ := res.LastInsertId()
			if _, err := tx.ExecContext(ctx, `INSERT INTO tags (task_row, tag) VALUES (?, 'best')`, id); err != nil {
				t.Fatal(err)
			}
			want["tag"]++
		}
		if w == "café" {
			want["cafe"]++
		}
		if st == store.StateFailed && i%2 == 0 {
			want["failed-wan"]++
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		q    store.Query
		want int
	}{
		{"all", store.Query{}, n},
		{"word", store.Query{Text: "lighthouse"}, n / len(words)},
		{"accent-insensitive", store.Query{Text: "cafe"}, want["cafe"]},
		{"prefix", store.Query{Text: "lightho"}, n / len(words)},
		{"two words", store.Query{Text: "fox number"}, n / len(words)},
		{"task id", store.Query{Text: "task-00042"}, 1},
		{"fts syntax is literal", store.Query{Text: `fox" OR "whale`}, 0},
		{"favourites", store.Query{Favourites: true}, want["fav"]},
		{"tag", store.Query{Tag: "best"}, want["tag"]},
		{"not downloaded", store.Query{NotDownloaded: true}, want["notdl"]},
		{"state and model", store.Query{States: []store.State{store.StateFailed}, Model: "wan2.1-t2v-turbo"}, want["failed-wan"]},
		{"date range", store.Query{From: base.Add(100 * time.Hour), To: base.Add(200 * time.Hour)}, 100},
	} {
		got, err := s.Count(ctx, tc.q)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got != tc.want {
			t.Errorf("%s: Count = %d, want %d", tc.name, got, tc.want)
		}
	}
	// Paging returns every record once, in order.
	seen := map[int64]bool{}
	var prev time.Time
	for off := 0; ; off += 700 {
		page, err := s.List(ctx, store.Query{Limit: 700, Offset: off, OldestFirst: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, r := range page {
			if seen[r.ID] || r.CreatedAt.Before(prev) {
				t.Fatalf("paging repeated or reordered record %d", r.ID)
			}
			seen[r.ID], prev = true, r.CreatedAt
		}
	}
	if len(seen) != n {
		t.Errorf("paging saw %d records, want %d", len(seen), n)
	}
}

func TestLibraryOperationsNeverDestroyOtherFiles(t *testing.T) {
	t.Parallel()
	e := newEnv(t, apitest.Config{})
	e.start(TrackerOptions{})
	recs := e.downloadSome("first", "second")
	ctx := t.Context()
	live, _ := e.folder.Abs(recs[0].Files[0].Path)

	// Moving to the same folder by another name (a symlink) changes nothing.
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(e.folder.Dir(), link); err != nil {
		t.Fatal(err)
	}
	if _, err := e.library.Move(ctx, link, nil); err != nil {
		t.Fatal(err)
	}
	if !fileExists(live) {
		t.Fatal("moving the library onto itself deleted a video")
	}

	// A different file already where a video would go stops the move.
	other := filepath.Join(t.TempDir(), "other")
	clash := filepath.Join(other, filepath.FromSlash(recs[1].Files[0].Path))
	os.MkdirAll(filepath.Dir(clash), 0o755)
	os.WriteFile(clash, []byte("someone else's file"), 0o644)
	if _, err := e.library.Move(ctx, other, nil); err == nil {
		t.Fatal("a name clash in the new folder must stop the move")
	}
	if b, _ := os.ReadFile(clash); string(b) != "someone else's file" || !fileExists(live) {
		t.Fatal("a refused move changed files")
	}

	// Emptying the trash removes only what is in the trash folder, even if
	// a trashed record points elsewhere.
	if err := e.library.Trash(ctx, recs[1].ID); err != nil {
		t.Fatal(err)
	}
	trashed, _ := e.store.Get(ctx, recs[1].ID)
	f := trashed.Files[0]
	f.Path = recs[0].Files[0].Path
	if err := e.store.PutFile(ctx, recs[1].ID, f); err != nil {
		t.Fatal(err)
	}
	if _, err := e.library.EmptyTrash(ctx); err != nil {
		t.Fatal(err)
	}
	if !fileExists(live) {
		t.Fatal("emptying the trash deleted a video outside the trash")
	}
}

func TestCoverBecomesThumbnailWithoutFFmpeg(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // no ffmpeg, no ffprobe
	e := newEnv(t, apitest.Config{Covers: true})
	e.start(TrackerOptions{ThumbnailDir: filepath.Join(t.TempDir(), "thumbs")})
	rec := e.downloadSome("a covered fox")[0]
	f, err := os.Open(e.library.ThumbnailPath(rec.Files[0]))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	thumb, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	cover, err := png.Decode(bytes.NewReader(apitest.CoverPNG(rec.TaskID, 0)))
	if err != nil {
		t.Fatal(err)
	}
	if thumb.Bounds().Dx() != 320 || thumb.Bounds().Dy() != 180 {
		t.Fatalf("thumbnail is %v, want 320×180", thumb.Bounds())
	}
	// The cover's top and bottom halves differ in colour; so must the
	// thumbnail's, in the same colours.
	for _, p := range [][2]int{{10, 10}, {10, 170}} {
		want := cover.At(p[0]*480/320, p[1]*270/180)
		if !sameColour(thumb.At(p[0], p[1]), want) {
			t.Errorf("thumbnail pixel %v = %v, cover has %v", p, thumb.At(p[0], p[1]), want)
		}
	}
}

func sameColour(a, b color.Color) bool {
	r1, g1, b1, _ := a.RGBA()
	r2, g2, b2, _ := b.RGBA()
	d := func(x, y uint32) uint32 {
		if x > y {
			return x - y
		}
		return y - x
	}
	return d(r1, r2) < 0x300 && d(g1, g2) < 0x300 && d(b1, b2) < 0x300
}
