package history

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // covers may be GIF, JPEG or PNG
	_ "image/jpeg"
	"image/png"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/image/draw"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history/media"
)

// trashDir holds deleted videos until the trash is emptied.
const trashDir = ".trash"

// describeFiles reads the facts of each file of a record, makes its
// thumbnail and writes its sidecar. It runs in the background after a
// download; a file that is not a readable video is marked so, never fatal.
func (t *Tracker) describeFiles(ctx context.Context, rec Record) {
	lib := t.Library()
	for _, f := range rec.Files {
		p, err := lib.Abs(f.Path)
		if err != nil {
			continue
		}
		info, err := media.Describe(ctx, p)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			f.MediaState, f.Media = MediaUnreadable, media.Info{}
		default:
			f.MediaState, f.Media = MediaOK, info
		}
		if dir := t.opts.ThumbnailDir; dir != "" {
			if err := os.MkdirAll(dir, 0o755); err == nil {
				name := fmt.Sprintf("%s-%d.png", safeID(rec.TaskID, 64), f.Index)
				out := filepath.Join(dir, name)
				ph := media.Placeholder{Model: rec.Request.Model, Date: rec.CreatedAt, Title: rec.Request.Prompt}
				src, err := media.Thumbnail(ctx, p, out, ph)
				if err == nil && src == media.SourcePlaceholder {
					// No frame could be taken (no ffmpeg): the service's
					// cover, when it sent one, beats a placeholder.
					t.coverThumbnail(ctx, rec.ID, f.Index, out)
				}
				if err == nil {
					f.Thumbnail = name
				}
			}
		}
		if err := t.store.PutFile(context.WithoutCancel(ctx), rec.ID, f); err != nil {
			return
		}
	}
	if rec, err := t.store.Get(context.WithoutCancel(ctx), rec.ID); err == nil {
		t.writeSidecars(rec)
		t.events.publish(Event{Kind: EventChanged, ID: rec.ID, Record: rec})
	}
}

// coverKeys are the data-item fields services use for a cover image.
var coverKeys = []string{"cover_url", "cover_image_url", "thumbnail_url", "poster_url", "cover", "thumbnail", "poster"}

// coverURLs lists the cover image URL of each video of a task ("" for a
// video without one).
func coverURLs(task *client.Task) []string {
	var out []string
	for _, it := range task.Data {
		if it.URL == "" {
			continue // not a video: URLs() skips it too
		}
		cover := ""
		for _, k := range coverKeys {
			var s string
			if json.Unmarshal(it.Fields[k], &s) == nil && strings.HasPrefix(s, "http") {
				cover = s
				break
			}
		}
		out = append(out, cover)
	}
	return out
}

// imageFetcher is what coverThumbnail needs; *client.Client has it.
type imageFetcher interface {
	FetchImage(ctx context.Context, rawURL string) ([]byte, error)
}

// coverThumbnail replaces the thumbnail at out with the service's cover of
// video idx, scaled to 320 pixels wide, when there is one. Failing is
// harmless: the placeholder stays.
func (t *Tracker) coverThumbnail(ctx context.Context, id int64, idx int, out string) {
	t.mu.Lock()
	covers := t.covers[id]
	t.mu.Unlock()
	fetcher, ok := t.api.(imageFetcher)
	if !ok || idx >= len(covers) || covers[idx] == "" {
		return
	}
	data, err := fetcher.FetchImage(ctx, covers[idx])
	if err != nil {
		return
	}
	src, _, err := image.Decode(bytes.NewReader(data))
	if err != nil || src.Bounds().Dx() == 0 || src.Bounds().Dy() == 0 {
		return
	}
	b := src.Bounds()
	h := max(1, b.Dy()*320/b.Dx())
	dst := image.NewRGBA(image.Rect(0, 0, 320, min(h, 1280)))
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, b, draw.Src, nil)
	var buf bytes.Buffer
	if png.Encode(&buf, dst) == nil {
		_ = writeFileAtomic(out, buf.Bytes())
	}
}

// ThumbnailPath is the cached thumbnail of a file, or "" when it has none.
func (t *Tracker) ThumbnailPath(f File) string {
	if f.Thumbnail == "" || t.opts.ThumbnailDir == "" || strings.ContainsAny(f.Thumbnail, `/\`) {
		return ""
	}
	return filepath.Join(t.opts.ThumbnailDir, f.Thumbnail)
}

// writeSidecars rewrites the sidecar of every file of rec that is present.
// A sidecar that cannot be written is not fatal: the database still holds
// everything, and the next change writes it again.
func (t *Tracker) writeSidecars(rec Record) error {
	lib := t.Library()
	var firstErr error
	for _, f := range rec.Files {
		p, err := lib.Abs(f.Path)
		if err != nil || f.Missing {
			continue
		}
		if _, err := os.Stat(p); err != nil {
			continue
		}
		if err := WriteSidecar(p, NewSidecar(rec, f)); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	return firstErr
}

// edit applies a change the user made to a record and keeps its sidecars
// in step.
func (t *Tracker) edit(ctx context.Context, id int64, c Change) (Record, error) {
	rec, err := t.store.Update(ctx, id, c, time.Now())
	if err != nil {
		return Record{}, err
	}
	t.events.publish(Event{Kind: EventChanged, ID: id, Record: rec})
	if err := t.writeSidecars(rec); err != nil {
		return rec, fmt.Errorf("The change is saved in the history, but the file next to the video could not be updated: %v", err)
	}
	return rec, nil
}

// SetFavourite marks or unmarks a video as a favourite.
func (t *Tracker) SetFavourite(ctx context.Context, id int64, on bool) error {
	_, err := t.edit(ctx, id, Change{Favourite: &on})
	return err
}

// SetTags replaces the tags of a video.
func (t *Tracker) SetTags(ctx context.Context, id int64, tags []string) error {
	_, err := t.edit(ctx, id, Change{Tags: &tags})
	return err
}

// SetNote replaces the note of a video.
func (t *Tracker) SetNote(ctx context.Context, id int64, note string) error {
	_, err := t.edit(ctx, id, Change{Note: &note})
	return err
}

// Trash moves a task's videos and sidecars into the library's trash folder
// and hides the task from the library; Untrash undoes it.
func (t *Tracker) Trash(ctx context.Context, id int64) error {
	rec, err := t.store.Get(ctx, id)
	if err != nil {
		return err
	}
	if rec.Trashed() {
		return nil
	}
	t.mu.Lock()
	delete(t.watches, id)
	t.mu.Unlock()
	if err := t.stopDownload(ctx, id); err != nil {
		return err
	}
	t.libMu.Lock()
	defer t.libMu.Unlock()
	for _, f := range rec.Files {
		if strings.HasPrefix(f.Path, trashDir+"/") {
			continue
		}
		if err := t.relocate(ctx, id, f, trashDir+"/"+f.Path); err != nil {
			return fmt.Errorf("Reelhouse could not move the video to the trash: %v", err)
		}
	}
	now := time.Now()
	_, err = t.edit(ctx, id, Change{TrashedAt: &now, Watching: ptr(false)})
	return err
}

// Untrash puts a trashed task and its videos back in the library.
func (t *Tracker) Untrash(ctx context.Context, id int64) error {
	rec, err := t.store.Get(ctx, id)
	if err != nil {
		return err
	}
	t.libMu.Lock()
	defer t.libMu.Unlock()
	for _, f := range rec.Files {
		orig, ok := strings.CutPrefix(f.Path, trashDir+"/")
		if !ok {
			continue
		}
		if err := t.relocate(ctx, id, f, orig); err != nil {
			return fmt.Errorf("Reelhouse could not take the video out of the trash: %v", err)
		}
	}
	zero := time.Time{}
	_, err = t.edit(ctx, id, Change{TrashedAt: &zero})
	return err
}

// relocate moves one file of a record (and its sidecar) to a free name
// near want, and records the new place. If the record cannot be updated,
// the file is moved back, so the history never points at the wrong place.
func (t *Tracker) relocate(ctx context.Context, id int64, f File, want string) error {
	lib := t.Library()
	dest, err := lib.freeName(want)
	if err != nil {
		return err
	}
	err = lib.moveWithSidecar(f.Path, dest)
	moved := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return errors.New(plainOSError(err))
	}
	from := f.Path
	f.Path = dest
	if err := t.store.PutFile(context.WithoutCancel(ctx), id, f); err != nil {
		if moved {
			_ = lib.moveWithSidecar(dest, from)
		}
		return err
	}
	return nil
}

// EmptyTrash deletes every trashed task and its files for good. Only files
// inside the trash folder are removed.
func (t *Tracker) EmptyTrash(ctx context.Context) (int, error) {
	t.libMu.Lock()
	defer t.libMu.Unlock()
	lib := t.Library()
	n := 0
	for {
		recs, err := t.store.List(ctx, Query{Trash: true, Limit: 200})
		if err != nil || len(recs) == 0 {
			return n, err
		}
		for _, r := range recs {
			for _, f := range r.Files {
				if strings.HasPrefix(f.Path, trashDir+"/") {
					if err := lib.removeWithSidecar(f.Path); err != nil {
						return n, err
					}
				}
			}
			if err := t.Delete(ctx, r.ID, false); err != nil {
				return n, err
			}
			n++
		}
	}
}

// removeWithSidecar deletes a video (library-relative) and its sidecar; a
// file already gone is not an error.
func (l *Library) removeWithSidecar(rel string) error {
	p, err := l.Abs(rel)
	if err != nil {
		return err
	}
	for _, f := range []string{p, SidecarPath(p)} {
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("Reelhouse could not delete %s: %v", f, plainOSError(err))
		}
	}
	return nil
}

// moveWithSidecar renames a video (library-relative) and its sidecar.
func (l *Library) moveWithSidecar(from, to string) error {
	src, err := l.Abs(from)
	if err != nil {
		return err
	}
	dst, err := l.Abs(to)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	if err := os.Rename(src, dst); err != nil {
		return err
	}
	if err := os.Rename(SidecarPath(src), SidecarPath(dst)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		_ = os.Rename(dst, src) // keep the pair together
		return err
	}
	syncDir(filepath.Dir(dst))
	syncDir(filepath.Dir(src))
	return nil
}

// freeName returns rel, or rel with -2, -3, … when rel is taken.
func (l *Library) freeName(rel string) (string, error) {
	for n := 1; n < maxNameTries; n++ {
		cand := numbered(rel, n)
		p, err := l.Abs(cand)
		if err != nil {
			return "", err
		}
		if _, err := os.Lstat(p); errors.Is(err, fs.ErrNotExist) {
			return cand, nil
		}
	}
	return "", fmt.Errorf("too many videos are named %s", rel)
}

// foundSidecar is a sidecar found in the library, with its video's path.
type foundSidecar struct {
	rel     string // the video's library-relative path
	sidecar Sidecar
}

// scanSidecars walks the library (not its trash or unfinished downloads)
// for sidecars. Sidecars that cannot be read are reported, not touched.
func (l *Library) scanSidecars(ctx context.Context) (map[string][]foundSidecar, []string, error) {
	found := map[string][]foundSidecar{}
	var problems []string
	err := filepath.WalkDir(l.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s could not be read (%v)", p, plainOSError(err)))
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if d.IsDir() {
			if p != l.dir && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir // .incoming, .trash and hidden folders
			}
			return nil
		}
		if !strings.EqualFold(filepath.Ext(p), ".json") || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		sc, err := ReadSidecar(p)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s is not a readable Reelhouse file (%v); it was left as it is", p, err))
			return nil
		}
		video := strings.TrimSuffix(p, filepath.Ext(p)) + filepath.Ext(sc.File.Name)
		if filepath.Ext(sc.File.Name) == "" {
			video = strings.TrimSuffix(p, filepath.Ext(p)) + ".mp4"
		}
		if _, err := os.Stat(video); err != nil {
			return nil // the video is gone: Reconcile marks it missing
		}
		rel, err := filepath.Rel(l.dir, video)
		if err != nil {
			return nil
		}
		found[sc.TaskID] = append(found[sc.TaskID], foundSidecar{rel: filepath.ToSlash(rel), sidecar: sc})
		return nil
	})
	return found, problems, err
}

// LibraryReport says what a rebuild or reconcile found.
type LibraryReport struct {
	Added    int      // tasks picked up from sidecars
	Moved    int      // files found at a new place
	Missing  int      // files that are gone
	Returned int      // files that were missing and are back
	Problems []string // sidecars that could not be read, and similar
}

// Rebuild recreates history rows from the sidecars in the library folder
// alone; rows that exist are kept. Used on an empty database it restores
// every downloaded video with its metadata.
func Rebuild(ctx context.Context, store *Store, lib *Library) (LibraryReport, error) {
	var rep LibraryReport
	found, problems, err := lib.scanSidecars(ctx)
	rep.Problems = problems
	if err != nil {
		return rep, err
	}
	for _, list := range found {
		for _, fs := range list {
			rec := fs.sidecar.Record(fs.rel)
			// An older sidecar may carry its image inline: keep it in refs/.
			rec.Request, _ = lib.keepRefImages(rec.Request)
			if _, created, err := store.Restore(ctx, rec); err != nil {
				rep.Problems = append(rep.Problems, err.Error())
			} else if created {
				rep.Added++
				rep.Problems = append(rep.Problems, lib.missingRefs(rec.TaskID, rec.Request)...)
			}
		}
	}
	return rep, nil
}

// Reconcile compares the history with the library folder: files deleted or
// moved outside Reelhouse are marked missing or followed to their new
// place, and videos copied in with their sidecars are added.
func (t *Tracker) Reconcile(ctx context.Context) (LibraryReport, error) {
	t.libMu.Lock()
	defer t.libMu.Unlock()
	lib := t.Library()
	rep, err := Rebuild(ctx, t.store, lib)
	if err != nil {
		return rep, err
	}
	found, _, err := lib.scanSidecars(ctx)
	if err != nil {
		return rep, err
	}
	files, err := t.store.LibraryFiles(ctx)
	if err != nil {
		return rep, err
	}
	changed := map[int64]bool{}
	for _, lf := range files {
		f := lf.File
		p, err := lib.Abs(f.Path)
		if err != nil {
			continue
		}
		_, statErr := os.Stat(p)
		switch {
		case statErr == nil && f.Missing:
			f.Missing = false
			rep.Returned++
		case statErr == nil:
			continue
		default:
			moved := false
			for _, fs := range found[lf.TaskID] {
				if fs.sidecar.File.Index == f.Index && fs.rel != f.Path {
					f.Path, f.Missing, moved = fs.rel, false, true
					rep.Moved++
					break
				}
			}
			if !moved {
				if f.Missing {
					continue
				}
				f.Missing = true
				rep.Missing++
			}
		}
		if err := t.store.SetFileLocation(ctx, lf.RecordID, f.Index, lf.File.Path, f.Path, f.Missing); err != nil {
			return rep, err
		}
		changed[lf.RecordID] = true
	}
	for id := range changed {
		if rec, err := t.store.Get(ctx, id); err == nil {
			t.events.publish(Event{Kind: EventChanged, ID: id, Record: rec})
		}
	}
	if rep.Added > 0 {
		t.events.publish(Event{Kind: EventReloaded})
	}
	return rep, nil
}

// MoveLibrary moves every video and sidecar to a new library folder:
// each file is copied and verified first, then the new folder is saved as
// the library, and only then are the old files removed. A crash at any
// point leaves a complete library in the folder the settings name.
func (t *Tracker) MoveLibrary(ctx context.Context, dir string, progress func(done, total int)) (*Library, error) {
	t.libMu.Lock()
	defer t.libMu.Unlock()
	old := t.Library()
	next, err := OpenLibrary(dir)
	if err != nil {
		return nil, err
	}
	oldInfo, err1 := os.Stat(old.dir)
	nextInfo, err2 := os.Stat(next.dir)
	if next.dir == old.dir || (err1 == nil && err2 == nil && os.SameFile(oldInfo, nextInfo)) {
		return old, nil
	}
	oldReal, err1 := filepath.EvalSymlinks(old.dir)
	nextReal, err2 := filepath.EvalSymlinks(next.dir)
	if err1 != nil || err2 != nil {
		return nil, errors.New("Reelhouse could not read the library folders. Check that both exist.")
	}
	if within(nextReal, oldReal) || within(oldReal, nextReal) {
		return nil, errors.New("The new library folder cannot be inside the old one, or the other way round. Choose a separate folder.")
	}
	// Downloads under way would land in the old folder: stop them, and
	// start them again in the new one afterwards.
	t.mu.Lock()
	var downloading []int64
	for id := range t.fetches {
		downloading = append(downloading, id)
	}
	t.mu.Unlock()
	for _, id := range downloading {
		if err := t.stopDownload(ctx, id); err != nil {
			return nil, err
		}
	}
	defer func() {
		for _, id := range downloading {
			t.queueDownload(id)
		}
	}()
	files, err := t.store.LibraryFiles(ctx)
	if err != nil {
		return nil, err
	}
	var todo []File
	for _, lf := range files {
		if !lf.File.Missing {
			todo = append(todo, lf.File)
		}
	}
	for i, f := range todo {
		if progress != nil {
			progress(i, len(todo))
		}
		src, err := old.Abs(f.Path)
		if err != nil {
			return nil, err
		}
		dst, err := next.Abs(f.Path)
		if err != nil {
			return nil, err
		}
		if _, err := os.Lstat(dst); err == nil {
			if sum, err := fileSHA256(dst); err != nil || sum != f.SHA256 {
				return nil, fmt.Errorf("A different file named %s is already in the new folder, so nothing was moved. Choose an empty folder.", f.Path)
			}
		}
		if err := copyVerified(ctx, src, dst, f.SHA256); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue // reconcile will show it as missing
			}
			return nil, fmt.Errorf("Reelhouse could not copy %s to the new folder, so nothing was moved: %v", f.Path, err)
		}
		if err := copyVerified(ctx, SidecarPath(src), SidecarPath(dst), ""); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("Reelhouse could not copy %s to the new folder, so nothing was moved: %v", SidecarPath(f.Path), err)
		}
	}
	refs, err := copyRefs(ctx, old, next)
	if err != nil {
		return nil, fmt.Errorf("Reelhouse could not copy the reference images to the new folder, so nothing was moved: %v", err)
	}
	if err := t.store.SetSetting(ctx, SettingLibrary, next.dir); err != nil {
		return nil, err
	}
	t.SetLibrary(next)
	// The new library is complete and in use; the old copies can go.
	for _, f := range todo {
		if src, err := old.Abs(f.Path); err == nil {
			os.Remove(src)
			os.Remove(SidecarPath(src))
		}
	}
	removeRefs(old, refs)
	if progress != nil {
		progress(len(todo), len(todo))
	}
	t.events.publish(Event{Kind: EventReloaded})
	return next, nil
}

// within reports whether dir is inside parent.
func within(dir, parent string) bool {
	rel, err := filepath.Rel(parent, dir)
	return err == nil && rel != "." && !strings.HasPrefix(rel, "..")
}

// copyVerified copies src to dst through a temp file, checking the copy's
// sha256 against want (when given) before renaming it into place.
func copyVerified(ctx context.Context, src, dst, want string) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	if _, err = io.Copy(io.MultiWriter(tmp, h), &ctxReader{ctx: ctx, r: in}); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if want != "" && hex.EncodeToString(h.Sum(nil)) != want {
		return errors.New("the copy does not match the original")
	}
	if err = os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), dst); err != nil {
		return err
	}
	syncDir(filepath.Dir(dst))
	return nil
}

// fileSHA256 is the hex sha256 of a file's content.
func fileSHA256(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// ctxReader stops a long copy when its context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// Export copies the videos of the given records, each with its sidecar, to
// dir; with asZip, into one ZIP file there. It returns what it wrote.
func (t *Tracker) Export(ctx context.Context, ids []int64, dir string, asZip bool) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("Reelhouse could not use the folder %s (%v).", dir, plainOSError(err))
	}
	type item struct {
		src  string
		name string
		rec  Record
		file File
	}
	var items []item
	lib := t.Library()
	used := map[string]bool{}
	for _, id := range ids {
		rec, err := t.store.Get(ctx, id)
		if err != nil {
			return "", err
		}
		for _, f := range rec.Files {
			src, err := lib.Abs(f.Path)
			if err != nil || f.Missing {
				continue
			}
			// A video and its sidecar share a stem, so stems must be unique.
			base := path.Base(f.Path)
			name := base
			stem := func(n string) string { return strings.TrimSuffix(n, path.Ext(n)) }
			for n := 2; used[stem(name)]; n++ {
				name = numbered(base, n)
			}
			used[stem(name)] = true
			items = append(items, item{src: src, name: name, rec: rec, file: f})
		}
	}
	if len(items) == 0 {
		return "", errors.New("There is no downloaded video to export in what you selected.")
	}
	var refs []client.Media
	for _, it := range items {
		refs = append(refs, refImages(it.rec.Request)...)
	}
	refs = uniqueRefs(refs)
	if !asZip {
		for _, it := range items {
			dst := filepath.Join(dir, it.name)
			for _, p := range []string{dst, SidecarPath(dst)} {
				if _, err := os.Lstat(p); err == nil {
					return "", fmt.Errorf("%s already exists in %s; choose an empty folder.", filepath.Base(p), dir)
				}
			}
			if err := copyVerified(ctx, it.src, dst, it.file.SHA256); err != nil {
				return "", fmt.Errorf("Reelhouse could not export %s: %v", it.name, err)
			}
			if err := WriteSidecar(dst, NewSidecar(it.rec, it.file)); err != nil {
				return "", err
			}
		}
		for _, m := range refs {
			if err := exportRef(ctx, lib, m, dir); err != nil {
				return "", err
			}
		}
		return dir, nil
	}
	zipPath := filepath.Join(dir, "Reelhouse export "+time.Now().Format("2006-01-02 15-04-05")+".zip")
	tmp, err := os.CreateTemp(dir, ".reelhouse-export-*.tmp")
	if err != nil {
		return "", fmt.Errorf("Reelhouse could not write in %s (%v).", dir, plainOSError(err))
	}
	defer os.Remove(tmp.Name())
	zw := zip.NewWriter(tmp)
	for _, m := range refs {
		if err := addZipRef(ctx, zw, lib, m); err != nil {
			tmp.Close()
			return "", err
		}
	}
	for _, it := range items {
		if err := addZipFile(ctx, zw, it.src, it.name); err != nil {
			tmp.Close()
			return "", err
		}
		w, err := zw.Create(strings.TrimSuffix(it.name, path.Ext(it.name)) + ".json")
		if err != nil {
			tmp.Close()
			return "", err
		}
		if err := writeSidecarTo(w, NewSidecar(it.rec, it.file)); err != nil {
			tmp.Close()
			return "", err
		}
	}
	if err := zw.Close(); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	if err := os.Rename(tmp.Name(), zipPath); err != nil {
		return "", err
	}
	return zipPath, nil
}

func addZipFile(ctx context.Context, zw *zip.Writer, src, name string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	// Videos are already compressed: store them as they are.
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store, Modified: time.Now()})
	if err != nil {
		return err
	}
	_, err = io.Copy(w, &ctxReader{ctx: ctx, r: in})
	return err
}
