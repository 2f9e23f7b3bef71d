package library

import (
	"archive/zip"
	"context"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history/atomicfile"
	"github.com/reelhouse/reelhouse/history/store"
)

// Export copies the videos of the given records, each with its sidecar, to
// dir; with asZip, into one ZIP file there. It returns what it wrote.
func (l *Library) Export(ctx context.Context, ids []int64, dir string, asZip bool) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", &store.FolderError{Op: store.OpExport, Path: dir, Err: err}
	}
	var items []exportItem
	lib := l.Folder()
	used := map[string]bool{}
	for _, id := range ids {
		rec, err := l.store.Get(ctx, id)
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
			items = append(items, exportItem{src: src, name: name, rec: rec, file: f})
		}
	}
	if len(items) == 0 {
		return "", store.ErrNothingToExport
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
					return "", &store.FolderError{Op: store.OpExport, Path: p, Err: fs.ErrExist}
				}
			}
			if err := copyVerified(ctx, it.src, dst, it.file.SHA256); err != nil {
				return "", &store.FolderError{Op: store.OpExport, Path: dst, Err: err}
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
	var entryErr error // a failure to read or add an entry, said as it is
	err := atomicfile.Write(zipPath, 0o644, func(tmp *os.File) error {
		entryErr = writeZip(ctx, tmp, lib, refs, items)
		return entryErr
	})
	if err != nil && entryErr == nil {
		return "", &store.FolderError{Op: store.OpExport, Path: zipPath, Err: err}
	}
	if err != nil {
		return "", err
	}
	return zipPath, nil
}

// exportItem is one video of an export, with its record.
type exportItem struct {
	src  string // the video in the library
	name string // its name in the export
	rec  store.Record
	file store.File
}

// writeZip writes the kept images, then each video with its sidecar, as
// one ZIP file to w.
func writeZip(ctx context.Context, w io.Writer, lib *Folder, refs []client.Media, items []exportItem) error {
	zw := zip.NewWriter(w)
	for _, m := range refs {
		if err := addZipRef(ctx, zw, lib, m); err != nil {
			return err
		}
	}
	for _, it := range items {
		if err := addZipFile(ctx, zw, it.src, it.name); err != nil {
			return err
		}
		sw, err := zw.Create(strings.TrimSuffix(it.name, path.Ext(it.name)) + ".json")
		if err != nil {
			return err
		}
		if err := writeSidecarTo(sw, NewSidecar(it.rec, it.file)); err != nil {
			return err
		}
	}
	return zw.Close()
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
