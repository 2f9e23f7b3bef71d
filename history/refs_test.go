package history

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/client/apitest"
	"github.com/reelhouse/reelhouse/history/library"
	"github.com/reelhouse/reelhouse/history/store"
)

// testImage is n bytes that sniff as a PNG: the signature, then noise that
// no compression shrinks. Nothing in Reelhouse decodes a reference image.
func testImage(n int, seed uint64) []byte {
	var key [32]byte
	key[0], key[1] = byte(seed), byte(seed>>8)
	data := make([]byte, n)
	rand.NewChaCha8(key).Read(data)
	copy(data, "\x89PNG\r\n\x1a\n")
	return data
}

func imageRequest(t *testing.T, prompt string, img []byte) (client.CreateRequest, string) {
	t.Helper()
	dataURL, err := client.ImageDataURL(img)
	if err != nil {
		t.Fatal(err)
	}
	return client.CreateRequest{
		Model: "wan2.1-t2v-turbo", Prompt: prompt, Ratio: "16:9",
		Image: []client.Media{{Role: "first_frame", URL: dataURL}},
	}, dataURL
}

func sha(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:])
}

// checkKept asserts that a request names img kept in the library's refs
// folder, with no image bytes in the request itself.
func checkKept(t *testing.T, lib *library.Folder, req client.CreateRequest, img []byte) {
	t.Helper()
	if len(req.Image) != 1 {
		t.Fatalf("request images = %d, want 1", len(req.Image))
	}
	m := req.Image[0]
	if m.URL != "" || m.SHA256 != sha(img) || m.File != "refs/"+sha(img)+".png" || m.Role != "first_frame" {
		t.Fatalf("request image = {Role:%q URL:%.40q File:%q SHA256:%q}, want the kept file", m.Role, m.URL, m.File, m.SHA256)
	}
	p, err := lib.Abs(m.File)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(p)
	if err != nil || !bytes.Equal(got, img) {
		t.Fatalf("kept image %s: %d bytes (%v), want the %d picked", m.File, len(got), err, len(img))
	}
}

// A 9 MiB image-to-video task is sent with its image inline, yet its
// history row and sidecar only name the kept file, so the video survives
// losing the database.
func TestRefImageTaskSurvivesRebuild(t *testing.T) {
	t.Parallel()
	e := newEnv(t, apitest.Config{})
	// A 12 MiB request body under the race detector on a busy machine can
	// take longer than the 30 s a person would wait for it.
	api, err := client.New(e.sim.URL(), client.WithAPIKey(e.sim.Key()), client.WithCreateTimeout(5*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	e.api = api
	e.start(TrackerOptions{})
	ctx := t.Context()
	img := testImage(9<<20, 1)
	req, dataURL := imageRequest(t, "a fox from a 9 MiB picture", img)
	rec, err := e.tracker.Submit(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	rec = e.waitRecord(rec.ID, "described video", func(r store.Record) bool {
		return downloaded(r) && len(r.Files) > 0 && r.Files[0].MediaState != store.MediaUnknown
	})
	sent, ok := e.sim.Task(rec.TaskID)
	if !ok || len(sent.Image) != 1 || sent.Image[0].URL != dataURL || sent.Image[0].Role != "first_frame" || sent.Image[0].File != "" {
		t.Fatal("the service did not receive the image as the same data: URL")
	}
	checkKept(t, e.folder, rec.Request, img)
	p, _ := e.folder.Abs(rec.Files[0].Path)
	if st, err := os.Stat(library.SidecarPath(p)); err != nil {
		t.Fatal(err)
	} else if st.Size() > 16<<10 {
		t.Errorf("the sidecar has %d bytes; want a few kilobytes", st.Size())
	}
	e.stop()
	original, err := e.store.List(ctx, store.Query{})
	if err != nil {
		t.Fatal(err)
	}
	rep := e.rebuildFromFolder()
	if rep.Added != 1 || len(rep.Problems) != 0 {
		t.Fatalf("rebuild report %+v", rep)
	}
	rebuilt, err := e.store.List(ctx, store.Query{})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := comparable(original), comparable(rebuilt); !reflect.DeepEqual(a, b) {
		t.Fatalf("rebuilt record differs:\noriginal %+v\nrebuilt  %+v", a, b)
	}

	// "Generate again" from the rebuilt history sends the very same bytes.
	if again, err := e.folder.ExpandRefImages(rebuilt[0].Request); err != nil || !reflect.DeepEqual(again, req) {
		t.Errorf("the rebuilt record would not send the original request (%v)", err)
	}
}

// A page of 200 image tasks carries no image bytes: the rows name their
// kept files.
func TestListOfImageTasksReadsNoImageBytes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, apitest.Config{PendingFor: time.Hour})
	tr := NewTracker(e.store, library.New(e.store, e.folder), e.api, TrackerOptions{})
	ctx := t.Context()
	const n, size = 200, 16 << 10
	for i := range n {
		req, _ := imageRequest(t, "picture task", testImage(size, uint64(100+i%10)))
		if _, err := tr.Submit(ctx, req); err != nil {
			t.Fatal(err)
		}
	}
	page, err := e.store.List(ctx, store.Query{Limit: n})
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != n {
		t.Fatalf("page has %d records, want %d", len(page), n)
	}
	read := 0
	for _, r := range page {
		body, _ := json.Marshal(r.Request)
		read += len(body) + len(r.Raw)
		if len(r.Request.Image) != 1 || r.Request.Image[0].File == "" {
			t.Fatalf("record %d does not name its kept image: %.200s", r.ID, body)
		}
	}
	if limit := n * 1024; read > limit {
		t.Errorf("a page of %d image tasks read %d bytes of requests (%d of images were sent); want under %d", n, read, n*size, limit)
	}
	var largest int
	if err := rawDB(t, e.db).QueryRowContext(ctx, `SELECT max(length(request)) FROM tasks`).Scan(&largest); err != nil {
		t.Fatal(err)
	}
	if largest > 1024 {
		t.Errorf("the largest stored request is %d bytes", largest)
	}
}

// oldInlineLibrary makes what an older Reelhouse left behind: a database
// at schema 2 with an image-to-video task whose request holds its image
// inline, and that video's sidecar, inline image included.
func oldInlineLibrary(t *testing.T, img []byte) (dbPath string, lib *library.Folder, req client.CreateRequest, video string) {
	t.Helper()
	dir := t.TempDir()
	lib, err := library.OpenFolder(filepath.Join(dir, "Library"))
	if err != nil {
		t.Fatal(err)
	}
	dbPath = filepath.Join(dir, "history.db")
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: dbPath}).EscapedPath())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range append(store.OldSchema(2),
		`CREATE TABLE schema_version (version INTEGER NOT NULL)`, `INSERT INTO schema_version (version) VALUES (2)`) {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	req, _ = imageRequest(t, "an old picture task", img)
	body, _ := json.Marshal(req)
	if _, err := db.Exec(`INSERT INTO tasks (id, task_id, model, prompt, request, state, created_at, updated_at, download)
		VALUES (1, 'old-task', ?, ?, ?, 'success', 1719000000000, 1719000000000, 'done')`, req.Model, req.Prompt, string(body)); err != nil {
		t.Fatal(err)
	}
	rel := "2024/06/old.mp4"
	video, _ = lib.Abs(rel)
	os.MkdirAll(filepath.Dir(video), 0o755)
	if err := os.WriteFile(video, []byte("an old video"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO files (task_row, idx, path, size, sha256) VALUES (1, 0, ?, 12, ?)`, rel, sha([]byte("an old video"))); err != nil {
		t.Fatal(err)
	}
	r := store.Record{TaskID: "old-task", Request: req, State: store.StateSuccess, CreatedAt: time.UnixMilli(1719000000000), UpdatedAt: time.UnixMilli(1719000000000)}
	if err := library.WriteSidecar(video, library.NewSidecar(r, store.File{Path: rel, Size: 12, SHA256: sha([]byte("an old video"))})); err != nil {
		t.Fatal(err)
	}
	return dbPath, lib, req, video
}

func TestMigrateInlineImageRow(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	img := testImage(512<<10, 7)
	dbPath, lib, old, video := oldInlineLibrary(t, img)
	if sc, err := library.ReadSidecar(library.SidecarPath(video)); err != nil || sc.Request.Image[0].URL != old.Image[0].URL {
		t.Fatalf("an older sidecar with its image inline must still be read: %v", err)
	}
	st, err := store.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	// The refs folder cannot be made yet: the row keeps its image, and
	// still sends it as it is.
	blocker := filepath.Join(lib.Dir(), "refs")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := library.MigrateRefImages(ctx, st, lib); err == nil {
		t.Error("a failed move reported no error")
	}
	if r, _ := st.Get(ctx, 1); !reflect.DeepEqual(r.Request, old) {
		t.Fatal("a failed move changed the row")
	}
	os.Remove(blocker)

	n, err := library.MigrateRefImages(ctx, st, lib)
	if err != nil || n != 1 {
		t.Fatalf("MigrateRefImages = %d, %v; want 1 row", n, err)
	}
	r, err := st.Get(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	checkKept(t, lib, r.Request, img)
	if r.Request.Prompt != old.Prompt || r.Request.Model != old.Model || r.Request.Ratio != old.Ratio {
		t.Errorf("migrated request %+v lost fields of %+v", r.Request, old)
	}
	sent, err := lib.ExpandRefImages(r.Request)
	if err != nil || !reflect.DeepEqual(sent, old) {
		t.Errorf("the migrated row would not send the original request (%v)", err)
	}
	data, err := os.ReadFile(library.SidecarPath(video))
	if err != nil || bytes.Contains(data, []byte("data:")) || len(data) > 16<<10 {
		t.Errorf("the sidecar was not rewritten without its image (%d bytes, %v)", len(data), err)
	}
	if sc, err := library.ReadSidecar(library.SidecarPath(video)); err != nil || !reflect.DeepEqual(sc.Request, r.Request) {
		t.Errorf("rewritten sidecar: %v", err)
	}
	if n, err := library.MigrateRefImages(ctx, st, lib); n != 0 || err != nil {
		t.Errorf("a second run rewrote %d rows (%v)", n, err)
	}
}

func TestRebuildKeepsImagesOfOlderSidecars(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	img := testImage(512<<10, 8)
	_, lib, old, _ := oldInlineLibrary(t, img)
	st, _ := openTestStore(t)
	rep, err := library.Rebuild(ctx, st, lib)
	if err != nil || rep.Added != 1 || len(rep.Problems) != 0 {
		t.Fatalf("rebuild: %+v, %v", rep, err)
	}
	r, err := st.ByTaskID(ctx, "old-task")
	if err != nil {
		t.Fatal(err)
	}
	checkKept(t, lib, r.Request, img)
	if sent, err := lib.ExpandRefImages(r.Request); err != nil || !reflect.DeepEqual(sent, old) {
		t.Errorf("the rebuilt row would not send the original request (%v)", err)
	}
}

func TestRefImageKeptThroughTrashExportAndMove(t *testing.T) {
	t.Parallel()
	e := newEnv(t, apitest.Config{})
	e.start(TrackerOptions{})
	ctx := t.Context()
	img := testImage(300<<10, 9)
	var recs []store.Record
	for _, p := range []string{"first from the picture", "second from the picture"} {
		req, _ := imageRequest(t, p, img)
		rec, err := e.tracker.Submit(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, e.waitRecord(rec.ID, "described video", func(r store.Record) bool {
			return downloaded(r) && len(r.Files) > 0 && r.Files[0].MediaState != store.MediaUnknown
		}))
	}
	ref := recs[0].Request.Image[0]
	if recs[1].Request.Image[0] != ref {
		t.Fatalf("the same picture is kept twice: %+v, %+v", ref, recs[1].Request.Image[0])
	}

	// Emptying the trash of one task keeps the picture the other one uses.
	if err := e.library.Trash(ctx, recs[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.library.EmptyTrash(ctx); err != nil {
		t.Fatal(err)
	}
	kept, _ := e.store.Get(ctx, recs[1].ID)
	checkKept(t, e.folder, kept.Request, img)

	// An export carries the picture in its own refs folder, where its
	// sidecars name it, so it rebuilds as a library of its own.
	out := t.TempDir()
	if _, err := e.library.Export(ctx, []int64{kept.ID}, out, false); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(ref.File))); err != nil || !bytes.Equal(got, img) {
		t.Errorf("the export has no copy of %s (%v)", ref.File, err)
	}
	exported, err := library.OpenFolder(out)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := openTestStore(t)
	if rep, err := library.Rebuild(ctx, other, exported); err != nil || rep.Added != 1 || len(rep.Problems) != 0 {
		t.Errorf("rebuilding the export: %+v, %v", rep, err)
	}
	zipPath, err := e.library.Export(ctx, []int64{kept.ID}, t.TempDir(), true)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range zr.File {
		if f.Name == ref.File {
			rc, _ := f.Open()
			got, _ := io.ReadAll(rc)
			rc.Close()
			found = bytes.Equal(got, img)
		}
	}
	zr.Close()
	if !found {
		t.Errorf("the ZIP export has no %s", ref.File)
	}

	// Moving the library takes the picture along.
	oldDir := e.folder.Dir()
	next, err := e.library.Move(ctx, filepath.Join(t.TempDir(), "Moved"), nil)
	if err != nil {
		t.Fatal(err)
	}
	checkKept(t, next, kept.Request, img)
	if _, err := os.Stat(filepath.Join(oldDir, filepath.FromSlash(ref.File))); err == nil {
		t.Error("the picture was left behind in the old library")
	}
	if _, err := next.ExpandRefImages(kept.Request); err != nil {
		t.Error(err)
	}
}

// A kept image that is gone or changed is never sent in its place.
func TestExpandRefusesMissingOrChangedImage(t *testing.T) {
	t.Parallel()
	lib, err := library.OpenFolder(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	img := testImage(4096, 3)
	req, _ := imageRequest(t, "p", img)
	kept, err := lib.KeepRefImages(req)
	if err != nil {
		t.Fatal(err)
	}
	if req.Image[0].URL == "" {
		t.Fatal("keepRefImages changed the caller's request")
	}
	p, _ := lib.Abs(kept.Image[0].File)
	os.WriteFile(p, testImage(4096, 4), 0o644)
	if _, err := lib.ExpandRefImages(kept); err == nil || !strings.Contains(err.Error(), kept.Image[0].File) {
		t.Errorf("a changed image: %v", err)
	}
	os.Remove(p)
	if _, err := lib.ExpandRefImages(kept); err == nil {
		t.Error("a missing image was expanded")
	}
	outside := kept
	outside.Image = []client.Media{{File: "../secret.png", SHA256: kept.Image[0].SHA256}}
	if _, err := lib.ExpandRefImages(outside); err == nil {
		t.Error("a path outside refs/ was read")
	}
	web := client.CreateRequest{Model: "m", Prompt: "p", Image: []client.Media{{URL: "https://example.com/a.png"}}}
	if got, err := lib.KeepRefImages(web); err != nil || !reflect.DeepEqual(got, web) {
		t.Errorf("an http(s) image must stay a URL: %+v, %v", got, err)
	}
}

// A reference video and a reference sound are sent inline, kept in the
// refs folder like pictures (by their sha256, with their own extension),
// recorded by name only, and sent again as the same data: URLs when the
// recorded request is submitted again.
func TestRefVideoAndSoundKeptAndSentAgain(t *testing.T) {
	t.Parallel()
	e := newEnv(t, apitest.Config{})
	e.start(TrackerOptions{})
	ctx := t.Context()
	video, err := os.ReadFile("../client/apitest/testdata/testsrc-320x180.mp4")
	if err != nil {
		t.Fatal(err)
	}
	sound := append([]byte("RIFF\x24\x00\x00\x00WAVEfmt "), bytes.Repeat([]byte{1, 2, 3}, 4000)...)
	videoURL, err := client.MediaDataURL(client.KindVideo, video)
	if err != nil {
		t.Fatal(err)
	}
	soundURL, err := client.MediaDataURL(client.KindAudio, sound)
	if err != nil {
		t.Fatal(err)
	}
	req := client.CreateRequest{Model: "m", Prompt: "a dance to this song, moving like this video",
		Video: []client.Media{{Role: "reference_video", URL: videoURL}},
		Audio: []client.Media{{Role: "reference_audio", URL: soundURL}}}
	rec, err := e.tracker.Submit(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	rec = e.waitRecord(rec.ID, "the video downloaded", downloaded)
	sent, ok := e.sim.Task(rec.TaskID)
	if !ok || len(sent.Video) != 1 || sent.Video[0].URL != videoURL || len(sent.Audio) != 1 || sent.Audio[0].URL != soundURL {
		t.Fatal("the service did not receive the video and the sound as the same data: URLs")
	}
	for _, k := range []struct {
		list []client.Media
		data []byte
		ext  string
	}{{rec.Request.Video, video, ".mp4"}, {rec.Request.Audio, sound, ".wav"}} {
		if len(k.list) != 1 || k.list[0].URL != "" || k.list[0].File != "refs/"+sha(k.data)+k.ext || k.list[0].SHA256 != sha(k.data) {
			t.Fatalf("recorded %+v, want the kept %s file named by its sha256", k.list, k.ext)
		}
		p, err := e.folder.Abs(k.list[0].File)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := os.ReadFile(p); err != nil || !bytes.Equal(got, k.data) {
			t.Fatalf("kept %s: %d bytes (%v), want %d", k.list[0].File, len(got), err, len(k.data))
		}
	}
	again, err := e.tracker.Submit(ctx, rec.Request)
	if err != nil {
		t.Fatal(err)
	}
	again = e.waitRecord(again.ID, "the second video downloaded", downloaded)
	if sent, _ := e.sim.Task(again.TaskID); len(sent.Video) != 1 || sent.Video[0].URL != videoURL || len(sent.Audio) != 1 || sent.Audio[0].URL != soundURL {
		t.Fatal("made again, the request did not carry the same video and sound")
	}
}
