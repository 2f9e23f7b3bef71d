package library

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"github.com/reelhouse/reelhouse/history/atomicfile"
	"github.com/reelhouse/reelhouse/history/store"
)

// Folder is the library folder on disk, where the finished videos live.
type Folder struct {
	dir string
}

// incomingDir holds downloads that are not finished yet. It sits inside the
// library so that the final rename never crosses file systems.
const incomingDir = ".incoming"

// DefaultDir is the user's Videos folder plus /Reelhouse.
func DefaultDir() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "Reelhouse")
	}
	videos := filepath.Join(home, "Videos")
	if dir := xdgVideosDir(home); dir != "" {
		videos = dir
	}
	return filepath.Join(videos, "Reelhouse")
}

// xdgVideosDir reads XDG_VIDEOS_DIR from the user's user-dirs.dirs, if any.
func xdgVideosDir(home string) string {
	config := os.Getenv("XDG_CONFIG_HOME")
	if config == "" {
		config = filepath.Join(home, ".config")
	}
	data, err := os.ReadFile(filepath.Join(config, "user-dirs.dirs"))
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(data), "\n") {
		v, ok := strings.CutPrefix(strings.TrimSpace(line), "XDG_VIDEOS_DIR=")
		if !ok {
			continue
		}
		v = strings.Trim(v, `"`)
		v = strings.Replace(v, "$HOME", home, 1)
		if filepath.IsAbs(v) && filepath.Clean(v) != filepath.Clean(home) {
			return v
		}
	}
	return ""
}

// OpenFolder uses dir as the library folder, creating it if needed.
func OpenFolder(dir string) (*Folder, error) {
	if dir == "" {
		return nil, store.ErrNoLibraryFolder
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(abs, incomingDir), 0o755); err != nil {
		return nil, &store.FolderError{Op: store.OpOpenLibrary, Path: abs, Err: err}
	}
	return &Folder{dir: abs}, nil
}

// ErrUnavailable is the error of work that needs the library folder while
// it is not there (see Folder.Available): a drive that is not connected,
// say. Nothing is written in its place.
var ErrUnavailable = errors.New("the library folder is not available")

// ReopenFolder uses dir as the library folder of an earlier run. When used
// says videos were downloaded into it, it creates nothing: a folder that is
// missing, or empty and without the unfinished-downloads folder Reelhouse
// keeps in every library it uses (the mount point of a drive that is not
// connected), is returned as it is and reports itself unavailable until it
// is back. Otherwise it is OpenFolder.
func ReopenFolder(dir string, used bool) (*Folder, error) {
	if !used {
		return OpenFolder(dir)
	}
	if dir == "" {
		return nil, store.ErrNoLibraryFolder
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	l := &Folder{dir: abs}
	l.Available()
	return l, nil
}

// Available reports whether the library folder is there: a folder that
// holds the unfinished-downloads folder, or holds anything at all (then the
// unfinished-downloads folder is made again in it). A missing folder, or an
// empty one, is a drive that is not connected and is never written to.
func (l *Folder) Available() bool {
	info, err := os.Stat(filepath.Join(l.dir, incomingDir))
	if err == nil {
		return info.IsDir()
	}
	d, err := os.Open(l.dir)
	if err != nil {
		return false
	}
	names, _ := d.Readdirnames(1)
	d.Close()
	if len(names) == 0 {
		return false
	}
	return os.Mkdir(filepath.Join(l.dir, incomingDir), 0o755) == nil
}

// Dir is the library folder's absolute path.
func (l *Folder) Dir() string { return l.dir }

// PartPath is where the download of one video of a task is written until it
// is complete.
func (l *Folder) PartPath(taskID string, idx int) string {
	return filepath.Join(l.dir, incomingDir, fmt.Sprintf("%s-%d.mp4.part", safeID(taskID, 64), idx))
}

// Abs turns a library-relative path into an absolute one, refusing any
// path that would leave the library folder.
func (l *Folder) Abs(rel string) (string, error) {
	if rel == "" || strings.ContainsRune(rel, 0) || path.IsAbs(rel) || filepath.IsAbs(rel) {
		return "", fmt.Errorf("%q is not a path inside the library", rel)
	}
	clean := path.Clean(strings.ReplaceAll(rel, `\`, "/"))
	if clean == "." || clean == ".." || strings.HasPrefix(clean, "../") || strings.HasPrefix(clean, "/") {
		return "", fmt.Errorf("%q is not a path inside the library", rel)
	}
	return filepath.Join(l.dir, filepath.FromSlash(clean)), nil
}

// Place moves a finished download into the library under name (a
// library-relative path from FileName), choosing another name if that one
// is taken. It returns the relative path used.
func (l *Folder) Place(part, name string) (string, error) {
	for n := 1; n < maxNameTries; n++ {
		rel := numbered(name, n)
		dst, err := l.Abs(rel)
		if err != nil {
			return "", err
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return "", &store.FolderError{Op: store.OpWriteLibrary, Path: filepath.Dir(dst), Err: err}
		}
		// A hard link never replaces an existing file, so two videos can
		// never overwrite each other; the rename fallback covers file
		// systems without links.
		err = os.Link(part, dst)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			if _, statErr := os.Lstat(dst); statErr == nil {
				continue
			}
			if err := os.Rename(part, dst); err != nil {
				return "", &store.FolderError{Op: store.OpWriteLibrary, Path: dst, Err: err}
			}
		} else if err := os.Remove(part); err != nil {
			return "", &store.FolderError{Op: store.OpWriteLibrary, Path: part, Err: err}
		}
		atomicfile.SyncDir(filepath.Dir(dst))
		atomicfile.SyncDir(filepath.Dir(part))
		return rel, nil
	}
	return "", fmt.Errorf("too many videos are named %s", name)
}

// maxNameTries bounds the search for a free name.
const maxNameTries = 1000

// numbered is rel for n == 1, and rel with -n before its extension after
// that: the names tried, in order, when rel is taken.
func numbered(rel string, n int) string {
	if n <= 1 {
		return rel
	}
	ext := path.Ext(rel)
	return fmt.Sprintf("%s-%d%s", strings.TrimSuffix(rel, ext), n, ext)
}

// FileName builds the library-relative name of a video from what the user
// asked for, never from anything the service sends:
// YYYY/MM/YYYY-MM-DD_<prompt-slug>_<short-task-id>.mp4, with -N for the
// second and later videos of a task.
func FileName(created time.Time, prompt, taskID string, idx int) string {
	day := created.Format("2006-01-02")
	name := day + "_" + Slug(prompt) + "_" + safeID(taskID, 8)
	if idx > 0 {
		name += fmt.Sprintf("-%d", idx+1)
	}
	return created.Format("2006") + "/" + created.Format("01") + "/" + name + ".mp4"
}

// Slug turns a prompt into a short, safe piece of a file name: letters and
// digits of any script, lower-cased, joined by dashes, at most 40 runes.
func Slug(prompt string) string {
	var (
		b       strings.Builder
		n       int
		pending bool
	)
	for _, r := range prompt {
		if n >= 40 {
			break
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if pending && n > 0 {
				b.WriteByte('-')
				n++
			}
			pending = false
			b.WriteRune(unicode.ToLower(r))
			n++
			continue
		}
		pending = true
	}
	s := strings.Trim(b.String(), "-")
	if s == "" {
		return "video"
	}
	return s
}

// safeID keeps the ASCII letters and digits of a task id, at most max of
// them, so that an id can never add a path separator or a dot.
func safeID(id string, max int) string {
	var b strings.Builder
	for _, r := range id {
		if b.Len() >= max {
			break
		}
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "task"
	}
	return b.String()
}

// plainOSError describes a file-system error without Go's wrapping.
func plainOSError(err error) string {
	switch {
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	case errors.Is(err, fs.ErrNotExist):
		return "the folder does not exist"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// removeWithSidecar deletes a video (library-relative) and its sidecar; a
// file already gone is not an error.
func (l *Folder) removeWithSidecar(rel string) error {
	p, err := l.Abs(rel)
	if err != nil {
		return err
	}
	for _, f := range []string{p, SidecarPath(p)} {
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return &store.FolderError{Op: store.OpDelete, Path: f, Err: err}
		}
	}
	return nil
}

// moveWithSidecar renames a video (library-relative) and its sidecar.
func (l *Folder) moveWithSidecar(from, to string) error {
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
	atomicfile.SyncDir(filepath.Dir(dst))
	atomicfile.SyncDir(filepath.Dir(src))
	return nil
}

// freeName returns rel, or rel with -2, -3, … when rel is taken.
func (l *Folder) freeName(rel string) (string, error) {
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

// FileSHA256 is the hex sha256 of a file's content: the one way history
// hashes a file, to record, compare or verify it.
func FileSHA256(p string) (string, error) {
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

// Present says which videos of rec are in the folder already.
func (l *Folder) Present(rec store.Record) map[int]bool {
	have := make(map[int]bool)
	for _, f := range rec.Files {
		if p, err := l.Abs(f.Path); err == nil {
			if _, err := os.Stat(p); err == nil {
				have[f.Index] = true
			}
		}
	}
	return have
}

// PlaceVideo moves a finished download of size bytes with the hex sha256
// sum into the folder under name (see Place) and returns where it went. A
// crash between placing a video and recording it leaves the video under
// its name; the same bytes downloaded again take that place instead of a
// second one.
func (l *Folder) PlaceVideo(part, name string, size int64, sum string) (string, error) {
	if p, err := l.Abs(name); err == nil && sameContent(p, size, sum) {
		os.Remove(part)
		return name, nil
	}
	return l.Place(part, name)
}

// sameContent reports whether the file at path has the given size and
// sha256.
func sameContent(path string, size int64, sum string) bool {
	info, err := os.Stat(path)
	if err != nil || !info.Mode().IsRegular() || info.Size() != size {
		return false
	}
	got, err := FileSHA256(path)
	return err == nil && got == sum
}
