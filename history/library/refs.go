package library

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history/store"
)

// refsDir holds the local reference images of the library's tasks, each
// named by the sha256 of its bytes. One file serves every task that used
// the same image, so Reelhouse never deletes one: a task in the trash, or
// one deleted for good, may share it with a task that stays.
const refsDir = "refs"

// ErrRefImage marks a reference image kept in the library that can no
// longer be sent: its file is gone or no longer holds the recorded bytes.
var ErrRefImage = errors.New("reference image unusable")

// refExts names the kept files by the media type of their bytes; any
// other image type is kept as .img.
var refExts = map[string]string{
	"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp",
	"image/bmp": ".bmp", "image/x-icon": ".ico", "image/avif": ".avif",
	"video/mp4": ".mp4", "video/webm": ".webm", "video/avi": ".avi",
	"audio/mpeg": ".mp3", "audio/wave": ".wav", "audio/aiff": ".aiff", "audio/basic": ".au",
	"audio/midi": ".mid", "application/ogg": ".ogg",
}

// refPath is the library-relative path of the kept image with this sum.
func refPath(sum, mime string) string {
	ext, ok := refExts[mime]
	if !ok {
		ext = ".img"
	}
	return refsDir + "/" + sum + ext
}

// validRef reports whether m names a kept image the way KeepRefImages
// does: refs/<sha256>.<ext>, and nothing else in the library.
func validRef(m client.Media) bool {
	if len(m.SHA256) != 64 || strings.Trim(m.SHA256, "0123456789abcdef") != "" {
		return false
	}
	dir, name := path.Split(m.File)
	return dir == refsDir+"/" && strings.TrimSuffix(name, path.Ext(name)) == m.SHA256 && path.Ext(name) != ""
}

// putRef keeps data in the refs folder under its sha256, unless an intact
// copy is there already, and returns its library-relative path and sum.
func (l *Folder) putRef(data []byte, mime string) (rel, sum string, err error) {
	h := sha256.Sum256(data)
	sum = hex.EncodeToString(h[:])
	rel = refPath(sum, mime)
	p, err := l.Abs(rel)
	if err != nil {
		return "", "", err
	}
	if got, err := FileSHA256(p); err == nil && got == sum {
		return rel, sum, nil
	}
	if !l.Available() {
		return "", "", ErrUnavailable // kept inline until the folder is back
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return "", "", fmt.Errorf("could not create %s (%v)", filepath.Dir(p), plainOSError(err))
	}
	if err := writeFileAtomic(p, data); err != nil {
		return "", "", err
	}
	return rel, sum, nil
}

// mediaLists are the reference media of req by kind, as pointers to its
// fields, so that they can be changed in place.
func mediaLists(req *client.CreateRequest) []struct {
	kind string
	list *[]client.Media
} {
	return []struct {
		kind string
		list *[]client.Media
	}{{client.KindImage, &req.Image}, {client.KindVideo, &req.Video}, {client.KindAudio, &req.Audio}}
}

// KeepRefImages returns req with each inline reference medium (a data:
// URL of an image, a video or a sound) kept as a file in the refs folder
// and named by its path and sha256 instead, so that neither the history
// row nor the sidecars carry its bytes. A medium that cannot be kept stays
// inline, which still works; the error says why. A data: URL Reelhouse
// would not have written the same way is left as it is, without an error.
// http(s) URLs are never fetched.
func (l *Folder) KeepRefImages(req client.CreateRequest) (client.CreateRequest, error) {
	if !req.HasDataURL() {
		return req, nil
	}
	var firstErr error
	for _, ml := range mediaLists(&req) {
		*ml.list = slices.Clone(*ml.list)
		for i, m := range *ml.list {
			if !strings.HasPrefix(m.URL, "data:") {
				continue
			}
			mime, data, err := client.ParseMediaDataURL(m.URL)
			if err != nil || client.KindOf(mime) != ml.kind {
				continue
			}
			rel, sum, err := l.putRef(data, mime)
			if err != nil {
				if firstErr == nil {
					firstErr = err
				}
				continue
			}
			(*ml.list)[i] = client.Media{Role: m.Role, File: rel, SHA256: sum}
		}
	}
	return req, firstErr
}

// ExpandRefImages returns req as it is sent: each medium kept in the refs
// folder becomes its data: URL again, once its file is checked to hold the
// bytes recorded.
func (l *Folder) ExpandRefImages(req client.CreateRequest) (client.CreateRequest, error) {
	for _, ml := range mediaLists(&req) {
		if !slices.ContainsFunc(*ml.list, func(m client.Media) bool { return m.File != "" || m.SHA256 != "" }) {
			continue
		}
		*ml.list = slices.Clone(*ml.list)
		for i, m := range *ml.list {
			if m.File == "" && m.SHA256 == "" {
				continue
			}
			url, err := l.expandRef(ml.kind, m)
			if err != nil {
				return req, err
			}
			(*ml.list)[i] = client.Media{Role: m.Role, URL: url}
		}
	}
	return req, nil
}

// expandRef is the data: URL of the kept medium m of kind.
func (l *Folder) expandRef(kind string, m client.Media) (string, error) {
	if !validRef(m) {
		return "", fmt.Errorf("%w: %q is not a reference file path", ErrRefImage, m.File)
	}
	p, err := l.Abs(m.File)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrRefImage, err)
	}
	data, err := readFileLimit(p, client.MaxInlineSize(kind))
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("%w: %s is missing from the library", ErrRefImage, m.File)
	}
	if err != nil {
		return "", fmt.Errorf("%w: %s could not be read (%v)", ErrRefImage, m.File, plainOSError(err))
	}
	if h := sha256.Sum256(data); hex.EncodeToString(h[:]) != m.SHA256 {
		return "", fmt.Errorf("%w: %s no longer holds the file that was recorded", ErrRefImage, m.File)
	}
	url, err := client.MediaDataURL(kind, data)
	if err != nil {
		return "", fmt.Errorf("%w: %s: %v", ErrRefImage, m.File, err)
	}
	return url, nil
}

// readFileLimit reads a file of at most limit bytes.
func readFileLimit(p string, limit int64) ([]byte, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("larger than %d bytes", limit)
	}
	return os.ReadFile(p)
}

// refImages lists the kept media (images, videos, sounds) a request
// names.
func refImages(req client.CreateRequest) []client.Media {
	var out []client.Media
	for _, list := range [][]client.Media{req.Image, req.Video, req.Audio} {
		for _, m := range list {
			if validRef(m) {
				out = append(out, m)
			}
		}
	}
	return out
}

// missingRefs describes each kept image of req that is not in the library.
func (l *Folder) missingRefs(taskID string, req client.CreateRequest) []string {
	var out []string
	for _, m := range refImages(req) {
		if p, err := l.Abs(m.File); err == nil {
			if _, err := os.Stat(p); err == nil {
				continue
			}
		}
		out = append(out, fmt.Sprintf("task %s: reference image %s is missing from the library", taskID, m.File))
	}
	return out
}

// copyRefs copies every kept image from one library to another, each
// checked against the copy's sha256, and returns the paths it copied.
func copyRefs(ctx context.Context, from, to *Folder) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(from.dir, refsDir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var copied []string
	for _, e := range entries {
		if !e.Type().IsRegular() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		rel := refsDir + "/" + e.Name()
		src, dst := filepath.Join(from.dir, refsDir, e.Name()), filepath.Join(to.dir, refsDir, e.Name())
		sum, err := FileSHA256(src)
		if err != nil {
			return copied, err
		}
		if got, err := FileSHA256(dst); err != nil || got != sum {
			if err := copyVerified(ctx, src, dst, sum); err != nil {
				return copied, fmt.Errorf("%s: %v", rel, err)
			}
		}
		copied = append(copied, rel)
	}
	return copied, nil
}

// MigrateRefImages moves the images that older versions stored inline in
// history rows (data: URLs of up to 10 MiB) into the refs folder of lib,
// rewrites each such row to name its file instead, and rewrites the
// sidecars of the row's videos. It runs when the library is opened rather
// than inside the schema migration, because only then is the library
// folder known. A row whose image cannot be kept yet keeps it inline (it
// is still sent as it is) and is tried again the next time. It returns how
// many rows it rewrote.
func MigrateRefImages(ctx context.Context, st *store.Store, lib *Folder) (int, error) {
	ids, err := st.InlineImageRows(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	var firstErr error
	for _, id := range ids {
		changed, err := migrateRefImagesOf(ctx, st, lib, id)
		if err != nil && firstErr == nil {
			firstErr = err
		}
		if changed {
			n++
		}
	}
	return n, firstErr
}

func migrateRefImagesOf(ctx context.Context, st *store.Store, lib *Folder, id int64) (bool, error) {
	text, req, err := st.RequestOf(ctx, id)
	if err != nil {
		return false, err
	}
	kept, keepErr := lib.KeepRefImages(req)
	changed, err := st.ReplaceRequest(ctx, id, text, kept, keepErr != nil)
	if err != nil || !changed {
		return false, errors.Join(keepErr, err)
	}
	rec, err := st.Get(ctx, id)
	if err != nil {
		return true, errors.Join(keepErr, err)
	}
	// The sidecars still carry the image; a failure here is not fatal, the
	// next change to the record writes them again.
	for _, f := range rec.Files {
		if p, err := lib.Abs(f.Path); err == nil && !f.Missing {
			if _, err := os.Stat(p); err == nil {
				_ = WriteSidecar(p, NewSidecar(rec, f))
			}
		}
	}
	return true, keepErr
}

// removeRefs deletes the kept images a library move copied away, and the
// refs folder itself once it is empty.
func removeRefs(l *Folder, rels []string) {
	for _, rel := range rels {
		if p, err := l.Abs(rel); err == nil {
			os.Remove(p)
		}
	}
	if len(rels) > 0 {
		os.Remove(filepath.Join(l.dir, refsDir)) // fails, as it should, if anything is left
	}
}

// uniqueRefs drops repeated kept images, keeping the first of each.
func uniqueRefs(refs []client.Media) []client.Media {
	seen := map[string]bool{}
	var out []client.Media
	for _, m := range refs {
		if !seen[m.File] {
			seen[m.File] = true
			out = append(out, m)
		}
	}
	return out
}

// exportRef copies a kept image into the refs folder of an export, where
// the exported sidecars name it. An image missing from the library is
// left out.
func exportRef(ctx context.Context, lib *Folder, m client.Media, dir string) error {
	src, err := lib.Abs(m.File)
	if err != nil {
		return err
	}
	dst := filepath.Join(dir, filepath.FromSlash(m.File))
	if _, err := os.Lstat(dst); err == nil {
		if sum, err := FileSHA256(dst); err == nil && sum == m.SHA256 {
			return nil
		}
		return &store.FolderError{Op: store.OpExport, Path: dst, Err: fs.ErrExist}
	}
	if err := copyVerified(ctx, src, dst, m.SHA256); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return &store.FolderError{Op: store.OpExport, Path: dst, Err: err}
	}
	return nil
}

// addZipRef adds a kept image to an export's ZIP file under its
// library-relative path. An image missing from the library is left out.
func addZipRef(ctx context.Context, zw *zip.Writer, lib *Folder, m client.Media) error {
	src, err := lib.Abs(m.File)
	if err != nil {
		return err
	}
	if _, err := os.Stat(src); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return addZipFile(ctx, zw, src, m.File)
}
