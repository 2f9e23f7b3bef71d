package library

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/reelhouse/reelhouse/history/store"
)

// Report says what a rebuild or reconcile found.
type Report struct {
	Added    int      // tasks picked up from sidecars
	Moved    int      // files found at a new place
	Missing  int      // files that are gone
	Returned int      // files that were missing and are back
	Problems []string // sidecars that could not be read, and similar
}

func stampOf(info fs.FileInfo) store.Stamp {
	return store.Stamp{Size: info.Size(), Mtime: info.ModTime().UnixNano()}
}

// stampSidecar records the stamp of the sidecar of f, as it is on disk now.
func stampSidecar(ctx context.Context, s *store.Store, lib *Folder, id int64, f store.File) {
	p, err := lib.Abs(f.Path)
	if err != nil {
		return
	}
	if info, err := os.Stat(SidecarPath(p)); err == nil {
		_ = s.SetSidecarStamp(ctx, id, f.Index, f.Path, stampOf(info))
	}
}

// foundSidecar is a sidecar found in the library, with its video's path.
type foundSidecar struct {
	rel     string // the video's library-relative path
	sidecar Sidecar
	stamp   store.Stamp
}

// libraryScan is what one walk of the library found.
type libraryScan struct {
	sidecars map[string][]foundSidecar // read (changed or new) sidecars, by task id
	present  map[string]bool           // library-relative paths of the files seen, sidecars aside
	problems []string
}

// sidecarOnDisk is a sidecar the walk saw, not read yet.
type sidecarOnDisk struct {
	p, rel  string
	stamp   store.Stamp
	stamped bool // stamp was taken
}

// scan walks the library (not its trash or unfinished downloads) once: it
// notes every file there and reads the sidecars whose stamp differs from
// the one in known (by pathStem). Sidecars that cannot be read are
// reported, not touched.
func (l *Folder) scan(ctx context.Context, known map[string]store.Stamp) (libraryScan, error) {
	sc, seen, err := l.walk(ctx, known != nil)
	if err != nil {
		return sc, err
	}
	l.readSidecars(&sc, seen, known)
	return sc, nil
}

// walk notes every file in the library and every sidecar, with its stamp
// if stamps is set. It reads each folder once, in the order the system
// lists it, and asks nothing else about the files: the kind of each comes
// with the listing. filepath.WalkDir sorted every folder and cleaned every
// path it built. The stamps, one system call per sidecar and most of a
// reconcile, are taken by name in the folder (by full path they cost
// twice as much), on a few goroutines while the walk goes on.
func (l *Folder) walk(ctx context.Context, stamps bool) (libraryScan, []sidecarOnDisk, error) {
	sc := libraryScan{sidecars: map[string][]foundSidecar{}, present: map[string]bool{}}
	var (
		found   [][]sidecarOnDisk // by folder
		stamper = newStamper(stamps)
	)
	var visit func(dir, rel string) error
	visit = func(dir, rel string) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		f, err := os.Open(dir)
		if err != nil {
			sc.problems = append(sc.problems, fmt.Sprintf("%s could not be read (%v)", dir, plainOSError(err)))
			return nil
		}
		entries, err := f.ReadDir(-1)
		if err != nil {
			sc.problems = append(sc.problems, fmt.Sprintf("%s could not be read (%v)", dir, plainOSError(err)))
		}
		var here []sidecarOnDisk
		for _, d := range entries {
			name := d.Name()
			if d.IsDir() || !strings.EqualFold(filepath.Ext(name), ".json") || strings.HasPrefix(name, ".") {
				continue
			}
			r := name
			if rel != "" {
				r = rel + "/" + name
			}
			here = append(here, sidecarOnDisk{p: dir + string(filepath.Separator) + name, rel: r})
		}
		if len(here) > 0 {
			found = append(found, here)
		}
		stamper.stamp(f, here) // closes f
		for _, d := range entries {
			name := d.Name()
			r := name
			if rel != "" {
				r = rel + "/" + name
			}
			switch {
			case d.IsDir():
				if strings.HasPrefix(name, ".") {
					continue // .incoming, .trash and hidden folders
				}
				if err := visit(dir+string(filepath.Separator)+name, r); err != nil {
					return err
				}
			case !strings.EqualFold(filepath.Ext(name), ".json") || strings.HasPrefix(name, "."):
				sc.present[r] = true
			}
		}
		return nil
	}
	err := visit(l.dir, "")
	stamper.wait()
	return sc, slices.Concat(found...), err
}

// stamper takes the stamps of sidecars on a few goroutines, and on the
// caller's when they are all busy.
type stamper struct {
	on      bool
	jobs    chan stampJob
	workers sync.WaitGroup
}

// stampJob is some of the sidecars of an open folder.
type stampJob struct {
	dir  *openDir
	list []sidecarOnDisk
}

// openDir is a folder open for stampAt, closed after its last job.
type openDir struct {
	f    *os.File
	jobs atomic.Int32
}

func (j stampJob) run() {
	stampAt(j.dir.f, j.list)
	if j.dir.jobs.Add(-1) == 0 {
		j.dir.f.Close()
	}
}

// stampsAtOnce is how many sidecars one stampJob stamps.
const stampsAtOnce = 256

func newStamper(on bool) *stamper {
	st := &stamper{on: on}
	if on {
		st.jobs = make(chan stampJob)
		for range min(runtime.GOMAXPROCS(0), 4) - 1 {
			st.workers.Go(func() {
				for j := range st.jobs {
					j.run()
				}
			})
		}
	}
	return st
}

// stamp takes the stamps of the sidecars in dir, now or later, and closes
// dir when that is done.
func (st *stamper) stamp(dir *os.File, list []sidecarOnDisk) {
	if !st.on || len(list) == 0 {
		dir.Close()
		return
	}
	od := &openDir{f: dir}
	od.jobs.Store(int32((len(list) + stampsAtOnce - 1) / stampsAtOnce))
	for start := 0; start < len(list); start += stampsAtOnce {
		j := stampJob{od, list[start:min(start+stampsAtOnce, len(list))]}
		select {
		case st.jobs <- j:
		default:
			j.run()
		}
	}
}

// wait waits for every stamp.
func (st *stamper) wait() {
	if st.on {
		close(st.jobs)
		st.workers.Wait()
	}
}

// readSidecars reads the sidecars of seen whose stamp differs from the one
// in known, on as many goroutines as there are cores (a rebuild reads
// thousands), and adds those whose video is there to sc.
func (l *Folder) readSidecars(sc *libraryScan, seen []sidecarOnDisk, known map[string]store.Stamp) {
	var toRead []sidecarOnDisk
	for _, r := range seen {
		if have, ok := known[store.PathStem(r.rel)]; ok && r.stamped && have == r.stamp {
			continue // read before, and unchanged since
		}
		toRead = append(toRead, r)
	}
	type result struct {
		s     Sidecar
		stamp store.Stamp
		err   error
	}
	results := make([]result, len(toRead))
	workers := min(runtime.GOMAXPROCS(0), 4, len(toRead)/64+1)
	var (
		next atomic.Int64
		wg   sync.WaitGroup
	)
	for range workers {
		wg.Go(func() {
			var buf []byte
			for i := int(next.Add(1) - 1); i < len(toRead); i = int(next.Add(1) - 1) {
				res := &results[i]
				res.s, res.stamp, res.err = readSidecarStamped(toRead[i].p, &buf)
			}
		})
	}
	wg.Wait()
	for i, r := range toRead {
		s, err := results[i].s, results[i].err
		if errors.Is(err, fs.ErrNotExist) {
			continue // gone since the walk, like its video
		}
		if err != nil {
			sc.problems = append(sc.problems, fmt.Sprintf("%s is not a readable Reelhouse file (%v); it was left as it is", r.p, err))
			continue
		}
		ext := filepath.Ext(s.File.Name)
		if ext == "" {
			ext = ".mp4"
		}
		video := strings.TrimSuffix(r.rel, filepath.Ext(r.rel)) + ext
		if !sc.present[video] {
			continue // the video is gone: Reconcile marks it missing
		}
		sc.sidecars[s.TaskID] = append(sc.sidecars[s.TaskID], foundSidecar{rel: video, sidecar: s, stamp: results[i].stamp})
	}
}

// restore puts back what the sidecars found describe: new tasks, and files
// the history does not know yet. It records the stamp of each sidecar whose
// file is recorded where the sidecar is.
func restore(ctx context.Context, st *store.Store, lib *Folder, found map[string][]foundSidecar, rep *Report) {
	// Oldest first: new rows get ids in the order the tasks were made, as
	// in the history the sidecars were written from, and each index of the
	// tasks table grows at its end instead of all over.
	tasks := slices.Collect(maps.Keys(found))
	slices.SortFunc(tasks, func(a, b string) int {
		return cmp.Or(cmp.Compare(found[a][0].sidecar.CreatedAt, found[b][0].sidecar.CreatedAt), strings.Compare(a, b))
	})
	var batch []foundSidecar
	for _, task := range tasks {
		batch = append(batch, found[task]...)
		if len(batch) >= restoreBatch {
			restoreSome(ctx, st, lib, batch, rep)
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		restoreSome(ctx, st, lib, batch, rep)
	}
}

// restoreBatch is how many sidecars restore puts back in one transaction:
// one per sidecar made a rebuild spend most of its time committing (and
// flushing the full-text index), while a long one keeps other writers
// waiting.
const restoreBatch = 500

// restoreSome is restore for a few sidecars, in one transaction (see
// Store.Restore). If one of them cannot be put back, it puts them back one
// at a time instead, so that the failure is reported and leaves the others
// alone.
func restoreSome(ctx context.Context, st *store.Store, lib *Folder, list []foundSidecar, rep *Report) {
	recs := make([]store.SidecarRecord, len(list))
	var problems []string
	for i, fs := range list {
		rec := fs.sidecar.Record(fs.rel)
		// An older sidecar may carry its image inline: keep it in refs/.
		// One that cannot be kept stays inline, where the request still
		// has it.
		var err error
		if rec.Request, err = lib.KeepRefImages(rec.Request); err != nil {
			problems = append(problems, fmt.Sprintf("task %s: a reference image stays inline in the history: %v", rec.TaskID, err))
		}
		recs[i] = store.SidecarRecord{Record: rec, Stamp: fs.stamp}
	}
	created, err := st.Restore(ctx, recs)
	if err != nil {
		if len(list) > 1 && ctx.Err() == nil {
			for i := range list {
				restoreSome(ctx, st, lib, list[i:i+1], rep)
			}
			return
		}
		rep.Problems = append(rep.Problems, err.Error())
		return
	}
	for i, c := range created {
		if c {
			rep.Added++
			problems = append(problems, lib.missingRefs(recs[i].Record.TaskID, recs[i].Record.Request)...)
		}
	}
	rep.Problems = append(rep.Problems, problems...)
}

// Rebuild recreates history rows from the sidecars in the library folder
// alone; rows that exist are kept. Used on an empty database it restores
// every downloaded video with its metadata.
//
// The sidecars are read a batch ahead of the one being put back, so that
// reading them (on the other cores) and writing the rows (on one) overlap.
func Rebuild(ctx context.Context, st *store.Store, lib *Folder) (Report, error) {
	var rep Report
	sc, seen, err := lib.walk(ctx, false)
	rep.Problems = sc.problems
	if err != nil || len(seen) == 0 {
		return rep, err
	}
	// By name, which begins with the date: roughly oldest first, and the
	// videos of one task together.
	slices.SortFunc(seen, func(a, b sidecarOnDisk) int { return strings.Compare(a.rel, b.rel) })
	read := func(part []sidecarOnDisk) <-chan libraryScan {
		done := make(chan libraryScan, 1)
		go func() {
			one := libraryScan{sidecars: map[string][]foundSidecar{}, present: sc.present}
			lib.readSidecars(&one, part, nil)
			done <- one
		}()
		return done
	}
	next := read(seen[:min(restoreBatch, len(seen))])
	for start := 0; start < len(seen); start += restoreBatch {
		one := <-next
		if end := start + restoreBatch; end < len(seen) {
			next = read(seen[end:min(end+restoreBatch, len(seen))])
		}
		rep.Problems = append(rep.Problems, one.problems...)
		if err := ctx.Err(); err != nil {
			if start+restoreBatch < len(seen) {
				<-next
			}
			return rep, err
		}
		restore(ctx, st, lib, one.sidecars, &rep)
	}
	return rep, nil
}

// reconcileBatch is how many changes a reconcile makes per turn of the
// library lock, so that the user's trash or move waits only briefly.
const reconcileBatch = 100

// Reconcile compares the history with the library folder: files deleted or
// moved outside Reelhouse are marked missing or followed to their new
// place, and videos copied in with their sidecars are added. It walks the
// folder once, reads only the sidecars that changed since they were last
// written or read, and holds the library lock only while it applies what
// it found, a batch at a time.
func (l *Library) Reconcile(ctx context.Context) (Report, error) {
	var rep Report
	lib := l.Folder()
	if !lib.Available() {
		// A drive that is not connected: its videos are not missing.
		return rep, &store.FolderError{Op: store.OpOpenLibrary, Path: lib.Dir(), Err: ErrUnavailable}
	}
	// Read what the history knows while the folder is walked.
	type facts struct {
		files []store.LibraryFile
		known map[string]store.Stamp
		err   error
	}
	got := make(chan facts, 1)
	go func() {
		var f facts
		f.files, f.known, f.err = l.store.LibraryFacts(ctx)
		got <- f
	}()
	sc, seen, err := lib.walk(ctx, true)
	f := <-got
	if err == nil {
		err = f.err
	}
	if err != nil {
		rep.Problems = sc.problems
		return rep, err
	}
	files := f.files
	lib.readSidecars(&sc, seen, f.known)
	rep.Problems = sc.problems
	// New tasks and files first, in batches under the lock, and only while
	// the library is still the one walked.
	var batch map[string][]foundSidecar
	n := 0
	flush := func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.Folder() != lib {
			return false
		}
		restore(ctx, l.store, lib, batch, &rep)
		batch, n = nil, 0
		return true
	}
	for task, list := range sc.sidecars {
		if batch == nil {
			batch = map[string][]foundSidecar{}
		}
		batch[task], n = list, n+len(list)
		if n >= reconcileBatch && !flush() {
			return rep, nil
		}
	}
	if n > 0 && !flush() {
		return rep, nil
	}

	if len(sc.sidecars) > 0 { // files may have been added: read them again
		if files, _, err = l.store.LibraryFacts(ctx); err != nil {
			return rep, err
		}
	}
	// What the walk suggests has changed; each is checked again under the
	// lock before it is recorded.
	var suspects []store.LibraryFile
	for _, lf := range files {
		present := sc.present[lf.File.Path]
		if present && !lf.File.Missing {
			continue // where the history says it is
		}
		if !present && lf.File.Missing && len(sc.sidecars) == 0 {
			continue // still gone, and no sidecar anywhere to say it moved
		}
		suspects = append(suspects, lf)
	}
	if len(sc.sidecars) > 0 { // a file may be one of them at a new place
		if err := l.store.FillTaskIDs(ctx, suspects); err != nil {
			return rep, err
		}
	}
	suspects = slices.DeleteFunc(suspects, func(lf store.LibraryFile) bool {
		// Still gone, and nowhere else either.
		return !sc.present[lf.File.Path] && lf.File.Missing && len(sc.sidecars[lf.TaskID]) == 0
	})
	changed := map[int64]bool{}
	for start := 0; start < len(suspects); start += reconcileBatch {
		ok, err := l.reconcileFiles(ctx, lib, suspects[start:min(start+reconcileBatch, len(suspects))], sc.sidecars, &rep, changed)
		if err != nil || !ok {
			return rep, err
		}
	}
	for id := range changed {
		if rec, err := l.store.Get(ctx, id); err == nil {
			l.announce(Notice{Kind: Changed, ID: id, Record: rec})
		}
	}
	if rep.Added > 0 {
		l.announce(Notice{Kind: Reloaded})
	}
	return rep, nil
}

// reconcileFiles records where each of files is now, under the library
// lock. It reports false when the library changed since it was walked.
func (l *Library) reconcileFiles(ctx context.Context, lib *Folder, files []store.LibraryFile, found map[string][]foundSidecar,
	rep *Report, changed map[int64]bool) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.Folder() != lib {
		return false, nil
	}
	for _, lf := range files {
		f := lf.File
		p, err := lib.Abs(f.Path)
		if err != nil {
			continue
		}
		_, statErr := os.Stat(p)
		var stamp *store.Stamp
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
					stamp = &fs.stamp
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
		// Only if the file is still recorded where it was read: a change
		// made meanwhile wins.
		if err := l.store.SetFileLocation(ctx, lf.RecordID, f.Index, lf.File.Path, f.Path, f.Missing); err != nil {
			return true, err
		}
		if stamp != nil {
			_ = l.store.SetSidecarStamp(ctx, lf.RecordID, f.Index, f.Path, *stamp)
		}
		changed[lf.RecordID] = true
	}
	return true, nil
}

// pathStem is p without its extension.

// stampByPath takes the stamp of each of sidecars by its path.
func stampByPath(sidecars []sidecarOnDisk) {
	for i := range sidecars {
		if info, err := os.Lstat(sidecars[i].p); err == nil {
			sidecars[i].stamp, sidecars[i].stamped = stampOf(info), true
		}
	}
}
