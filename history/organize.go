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
// While the library moves, the sidecars are written in the new folder once
// it is in use. A sidecar that cannot be written is not fatal: the
// database still holds everything, and the next change writes it again.
func (t *Tracker) writeSidecars(rec Record) error {
	t.sidecarMu.Lock()
	held := t.heldSidecars != nil
	if held {
		t.heldSidecars[rec.ID] = true
	}
	t.sidecarMu.Unlock()
	if held {
		return nil
	}
	t.libMu.Lock()
	defer t.libMu.Unlock()
	return t.writeSidecarsLocked(rec)
}

// writeSidecarsLocked is writeSidecars for a caller holding libMu.
func (t *Tracker) writeSidecarsLocked(rec Record) error {
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
		if err := WriteSidecar(p, NewSidecar(rec, f)); err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		// The next reconcile need not read back what was just written.
		t.store.stampSidecar(context.Background(), lib, rec.ID, f)
	}
	return firstErr
}

// holdSidecars makes writeSidecars keep the records it is given until
// releaseSidecars.
func (t *Tracker) holdSidecars() {
	t.sidecarMu.Lock()
	t.heldSidecars = make(map[int64]bool)
	t.sidecarMu.Unlock()
}

// releaseSidecars ends holdSidecars and writes the sidecars held meanwhile,
// as the records now are. The caller holds libMu.
func (t *Tracker) releaseSidecars(ctx context.Context) {
	t.sidecarMu.Lock()
	held := t.heldSidecars
	t.heldSidecars = nil
	t.sidecarMu.Unlock()
	for id := range held {
		if rec, err := t.store.Get(context.WithoutCancel(ctx), id); err == nil {
			_ = t.writeSidecarsLocked(rec)
		}
	}
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
		return rec, fmt.Errorf("%w: %v", errSidecarsBehind, err)
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
// and hides the task from the library; Untrash undoes it. Either happens
// for every file of the task or for none.
func (t *Tracker) Trash(ctx context.Context, id int64) error {
	if _, err := t.store.Get(ctx, id); err != nil {
		return err
	}
	t.mu.Lock()
	delete(t.watches, id)
	t.mu.Unlock()
	if err := t.stopDownload(ctx, id); err != nil {
		return err
	}
	t.libMu.Lock()
	defer t.libMu.Unlock()
	// Read under the lock: a reconcile or a move may have changed it.
	rec, err := t.store.Get(ctx, id)
	if err != nil {
		return err
	}
	if rec.Trashed() {
		return nil
	}
	now := time.Now()
	err = t.relocateAll(ctx, rec, Change{TrashedAt: &now, Watching: ptr(false)}, func(p string) (string, bool) {
		if strings.HasPrefix(p, trashDir+"/") {
			return "", false
		}
		return trashDir + "/" + p, true
	})
	if err != nil && !errors.Is(err, errSidecarsBehind) {
		return fmt.Errorf("Reelhouse could not move the video to the trash: %w", err)
	}
	return err
}

// Untrash puts a trashed task and its videos back in the library.
func (t *Tracker) Untrash(ctx context.Context, id int64) error {
	t.libMu.Lock()
	defer t.libMu.Unlock()
	rec, err := t.store.Get(ctx, id)
	if err != nil {
		return err
	}
	zero := time.Time{}
	err = t.relocateAll(ctx, rec, Change{TrashedAt: &zero}, func(p string) (string, bool) {
		return strings.CutPrefix(p, trashDir+"/")
	})
	if err != nil && !errors.Is(err, errSidecarsBehind) {
		return fmt.Errorf("Reelhouse could not take the video out of the trash: %w", err)
	}
	return err
}

// errSidecarsBehind marks a change that is saved in the history while a
// sidecar next to a video could not be updated.
var errSidecarsBehind = errors.New("the change is saved in the history, but the file next to the video could not be updated")

// relocateAll moves the files of rec to the places dest names (files it
// gives no place stay), records them there, and applies c. A file that is
// not where the history says is not moved but marked missing. If any step
// fails, the files already moved go back, so the history and the folder
// always agree. The caller holds libMu.
func (t *Tracker) relocateAll(ctx context.Context, rec Record, c Change, dest func(string) (string, bool)) error {
	lib := t.Library()
	ctx = context.WithoutCancel(ctx) // never stop half-way
	var moved []File                 // as they were, in the order moved
	undo := func() {
		for i := len(moved) - 1; i >= 0; i-- {
			t.unrelocate(ctx, lib, rec.ID, moved[i])
		}
	}
	for _, f := range rec.Files {
		want, ok := dest(f.Path)
		if !ok {
			continue
		}
		p, err := lib.Abs(f.Path)
		if err != nil {
			undo()
			return err
		}
		if _, err := os.Lstat(p); errors.Is(err, fs.ErrNotExist) {
			if !f.Missing {
				f.Missing = true
				if err := t.store.PutFile(ctx, rec.ID, f); err != nil {
					undo()
					return err
				}
			}
			continue
		}
		if err := t.relocate(ctx, lib, rec.ID, f, want); err != nil {
			undo()
			return err
		}
		moved = append(moved, f)
	}
	got, err := t.store.Update(ctx, rec.ID, c, time.Now())
	if err != nil {
		undo()
		return err
	}
	t.events.publish(Event{Kind: EventChanged, ID: rec.ID, Record: got})
	if err := t.writeSidecarsLocked(got); err != nil {
		return fmt.Errorf("%w: %v", errSidecarsBehind, err)
	}
	return nil
}

// relocate moves one file of a record (and its sidecar) to a free name
// near want, and records the new place. If the record cannot be updated,
// the file is moved back, so the history never points at the wrong place.
func (t *Tracker) relocate(ctx context.Context, lib *Library, id int64, f File, want string) error {
	dest, err := lib.freeName(want)
	if err != nil {
		return err
	}
	if err := lib.moveWithSidecar(f.Path, dest); err != nil {
		return errors.New(plainOSError(err))
	}
	from := f.Path
	f.Path = dest
	if err := t.store.PutFile(ctx, id, f); err != nil {
		_ = lib.moveWithSidecar(dest, from)
		return err
	}
	return nil
}

// unrelocate puts back a file that relocate moved from where was says.
func (t *Tracker) unrelocate(ctx context.Context, lib *Library, id int64, was File) {
	rec, err := t.store.Get(ctx, id)
	if err != nil {
		return
	}
	for _, now := range rec.Files {
		if now.Index == was.Index && now.Path != was.Path {
			if lib.moveWithSidecar(now.Path, was.Path) == nil {
				_ = t.store.PutFile(ctx, id, was)
			}
		}
	}
}

// EmptyTrash deletes every trashed task and its files for good. Only files
// inside the trash folder are removed.
func (t *Tracker) EmptyTrash(ctx context.Context) (int, error) {
	n := 0
	for {
		recs, err := t.store.List(ctx, Query{Trash: true, Limit: 200})
		if err != nil || len(recs) == 0 {
			return n, err
		}
		// A download ends outside the lock: it writes sidecars under it.
		for _, r := range recs {
			if err := t.stopDownload(ctx, r.ID); err != nil {
				return n, err
			}
		}
		done, err := t.emptyTrashed(ctx, recs)
		n += done
		if err != nil {
			return n, err
		}
	}
}

// emptyTrashed deletes the given trashed records and their trashed files.
func (t *Tracker) emptyTrashed(ctx context.Context, recs []Record) (int, error) {
	t.libMu.Lock()
	defer t.libMu.Unlock()
	lib := t.Library()
	n := 0
	for _, r := range recs {
		r, err := t.store.Get(ctx, r.ID)
		if errors.Is(err, ErrNotFound) || (err == nil && !r.Trashed()) {
			continue // deleted or taken out of the trash meanwhile
		}
		if err != nil {
			return n, err
		}
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
	return n, nil
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

// MoveLibrary moves every video and sidecar to a new library folder:
// each file is copied and verified first, then the new folder is saved as
// the library, and only then are the old files removed. A crash at any
// point leaves a complete library in the folder the settings name.
func (t *Tracker) MoveLibrary(ctx context.Context, dir string, progress func(done, total int)) (*Library, error) {
	// Nothing may land in the old folder once its files are copied: the
	// download queue and sidecar writes wait for the whole move, and then
	// go on in the folder in use (the new one, unless the move failed).
	t.holdSidecars()
	resume, err := t.PauseDownloads(ctx)
	if err != nil {
		t.libMu.Lock()
		t.releaseSidecars(ctx)
		t.libMu.Unlock()
		return nil, err
	}
	defer resume()
	t.libMu.Lock()
	defer t.libMu.Unlock()
	defer t.releaseSidecars(ctx)
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
	// The copy keeps the original's time, so a sidecar copied unchanged
	// still matches the stamp the history has of it.
	if info, err := in.Stat(); err == nil {
		_ = os.Chtimes(tmp.Name(), time.Time{}, info.ModTime())
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
		return dir, nil
	}
	zipPath := filepath.Join(dir, "Reelhouse export "+time.Now().Format("2006-01-02 15-04-05")+".zip")
	tmp, err := os.CreateTemp(dir, ".reelhouse-export-*.tmp")
	if err != nil {
		return "", fmt.Errorf("Reelhouse could not write in %s (%v).", dir, plainOSError(err))
	}
	defer os.Remove(tmp.Name())
	zw := zip.NewWriter(tmp)
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
