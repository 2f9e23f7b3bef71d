package gui

import (
	"context"
	"slices"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"github.com/reelhouse/reelhouse/history/store"
)

// libraryModel is what the library's views share: the query shown, the
// page of records loaded for it, the selected and the picked videos, the
// download progress and whether the service answers. It changes only on
// the UI goroutine. The views watch it and draw what it holds; they do not
// reach into each other.
type libraryModel struct {
	ui  *UI
	win fyne.Window // the main window, which dialogs belong to

	// query is the query the filter bar asks for, read when a load starts.
	query func() store.Query

	// records backs the list and the grid; it changes only on the UI
	// goroutine.
	records    []store.Record
	total      int
	shown      store.Query // the query records and total answer
	pageSize   int
	cancelLoad context.CancelFunc // stops the load under way, if any
	loadSeq    int
	// missed holds the changes that came while a load was reading the
	// store; nil when no load is under way.
	missed   []missedChange
	selected int64
	// picked holds the videos chosen with Ctrl/Shift-click or Ctrl+A;
	// more than one shows the bar of picked videos.
	picked   map[int64]bool
	progress map[int64]float64
	// The service could not be reached by the last few checks.
	unreachable bool
	// The library folder is not there (a drive not connected).
	libraryGone bool

	videos    int // videos of the shown query, when videosSeq == loadSeq
	videosSeq int // the load the video count belongs to
	// videoCounts and recounts run the counts of videos and of tasks one
	// at a time.
	videoCounts, recounts rerun

	// after runs f once d has passed (time.AfterFunc; tests replace it),
	// for the pauses of the views that wait for typing to stop.
	after func(d time.Duration, f func()) (stop func() bool)

	watchers []libraryWatcher
}

// libraryWatcher is how a view follows the model: each func set is called
// when what it names happens. Watchers are called in the order they were
// added.
type libraryWatcher struct {
	loaded      func(models, tags []string) // a page was read; these are the choices of the filters
	changed     func(r store.Record)        // r changed, before it is drawn again
	rows        func()                      // every row is to be drawn again
	row         func(i int)                 // row i is to be drawn again
	unselect    func()                      // no row is selected any more
	selectRow   func(i int)                 // row i is to be selected (the list does, and tells selectRow)
	rowSelected func(i int)                 // row i became the selected one
	current     func()                      // the selected record, or what it holds, is to be shown again
	status      func(r store.Record)        // the status of the selected record r moved on
	picks       func()                      // the picked videos changed
	count       func()                      // the number of records or videos changed
	reachable   func()                      // the service became reachable, or stopped being
	folder      func()                      // the library folder became available, or stopped being
}

func newLibraryModel(u *UI) *libraryModel {
	return &libraryModel{
		ui:       u,
		win:      u.main,
		progress: make(map[int64]float64),
		pageSize: pageSize,
		after:    func(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop },
	}
}

// watch adds a watcher.
func (m *libraryModel) watch(w libraryWatcher) { m.watchers = append(m.watchers, w) }

// tell calls fn with each watcher, in order.
func (m *libraryModel) tell(fn func(w *libraryWatcher)) {
	for i := range m.watchers {
		fn(&m.watchers[i])
	}
}

// drawRows has every row drawn again.
func (m *libraryModel) drawRows() {
	m.tell(func(w *libraryWatcher) {
		if w.rows != nil {
			w.rows()
		}
	})
}

// drawRow has row i drawn again.
func (m *libraryModel) drawRow(i int) {
	m.tell(func(w *libraryWatcher) {
		if w.row != nil {
			w.row(i)
		}
	})
}

// showCurrent has the selected record shown again.
func (m *libraryModel) showCurrent() {
	m.tell(func(w *libraryWatcher) {
		if w.current != nil {
			w.current()
		}
	})
}

// picksChanged tells the views that the picked videos changed.
func (m *libraryModel) picksChanged() {
	m.tell(func(w *libraryWatcher) {
		if w.picks != nil {
			w.picks()
		}
	})
}

// selectRow selects row i, as a click on it does.
func (m *libraryModel) selectRow(i int) {
	m.tell(func(w *libraryWatcher) {
		if w.selectRow != nil {
			w.selectRow(i)
		}
	})
}

// onRowSelected makes row i the selected one, when the list selected it.
func (m *libraryModel) onRowSelected(i int) {
	if i >= len(m.records) {
		return
	}
	m.selected = m.records[i].ID
	m.tell(func(w *libraryWatcher) {
		if w.rowSelected != nil {
			w.rowSelected(i)
		}
	})
	m.showCurrent()
}

// unselectRows leaves no row selected.
func (m *libraryModel) unselectRows() {
	m.tell(func(w *libraryWatcher) {
		if w.unselect != nil {
			w.unselect()
		}
	})
}

// reload reads the first page from the store in the background. A newer
// load cancels an older one still under way.
func (m *libraryModel) reload(ctx context.Context) { m.load(ctx, 0) }

// loadMore reads the next page of the shown query in the background.
func (m *libraryModel) loadMore() {
	offset := len(m.records)
	m.ui.background(func(ctx context.Context) { m.load(ctx, offset) })
}

func (m *libraryModel) load(ctx context.Context, offset int) {
	var (
		q   store.Query
		seq int
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	m.ui.do(func() {
		m.loadSeq++
		seq = m.loadSeq
		q = m.query()
		if offset > 0 {
			q = m.shown // more of the same list, even if the filters changed since
		}
		if m.cancelLoad != nil {
			m.cancelLoad()
		}
		m.cancelLoad = cancel
		// Changes that arrive while the hist is read are applied again
		// to what it returns, which may have been read before them.
		m.missed = []missedChange{}
		close(done)
	})
	select {
	case <-done:
	case <-ctx.Done():
		return
	}
	q.Offset = offset
	hist := m.ui.deps.Store
	recs, err := hist.List(ctx, q)
	if ctx.Err() != nil {
		return // a newer load took over
	}
	stopTracking := func() {
		m.ui.do(func() {
			if seq == m.loadSeq {
				m.missed = nil
			}
		})
	}
	if err != nil {
		stopTracking()
		m.ui.showError(m.win, lang.L("Could not read the history"), err)
		return
	}
	total, err := hist.Count(ctx, q)
	if ctx.Err() != nil {
		return
	}
	if err != nil {
		stopTracking()
		m.ui.showError(m.win, lang.L("Could not read the history"), err)
		return
	}
	models, _ := hist.Models(ctx)
	tags, _ := hist.AllTags(ctx)
	m.ui.do(func() {
		if seq != m.loadSeq {
			return
		}
		m.tell(func(w *libraryWatcher) {
			if w.loaded != nil {
				w.loaded(models, tags)
			}
		})
		if offset == 0 {
			m.records = m.records[:0]
		}
		q.Offset = 0
		m.shown = q
		for _, r := range recs {
			if m.indexOf(r.ID) < 0 {
				m.records = append(m.records, r)
			}
		}
		m.total = total
		missed := m.missed
		m.missed = nil
		for _, c := range missed {
			if c.deleted {
				m.onRecordDeleted(c.rec.ID)
			} else {
				m.onRecordChanged(c.rec)
			}
		}
		if len(missed) > 0 {
			m.recount() // the count read may or may not hold them
		}
		m.unselectRows()
		m.prunePicks()
		m.drawRows()
		m.updateCount()
		if i := m.indexOf(m.selected); i >= 0 {
			m.selectRow(i)
		} else {
			m.selected = 0
			m.showCurrent()
		}
	})
}

// updateCount tells the views how many tasks the list shows, and counts
// the videos again in the background.
func (m *libraryModel) updateCount() {
	m.countChanged()
	m.countVideos()
}

func (m *libraryModel) countChanged() {
	m.tell(func(w *libraryWatcher) {
		if w.count != nil {
			w.count()
		}
	})
}

// countVideos counts the videos of the shown query in the background.
// Calls made while a count runs fold into one more count after it.
func (m *libraryModel) countVideos() {
	if m.ui.ctx.Err() != nil {
		return // the windows are closing
	}
	m.videoCounts.ask(func(done func()) bool {
		q, seq := m.shown, m.loadSeq
		return m.ui.background(func(ctx context.Context) {
			n, err := m.ui.deps.Store.CountVideos(ctx, q)
			m.ui.do(func() {
				if err == nil && seq == m.loadSeq {
					m.videos, m.videosSeq = n, seq
					m.countChanged()
				}
				done()
			})
		})
	})
}

// recount reads the number of matching records again in the background;
// asked again while a count is under way, it counts once more after it.
func (m *libraryModel) recount() {
	m.recounts.ask(func(done func()) bool {
		q, seq := m.shown, m.loadSeq
		return m.ui.background(func(ctx context.Context) {
			n, err := m.ui.deps.Store.Count(ctx, q)
			if err != nil {
				m.ui.showError(m.win, lang.L("Could not read the history"), err)
			}
			m.ui.do(func() {
				if err == nil && seq == m.loadSeq {
					m.total = n
					m.updateCount()
				}
				done()
			})
		})
	})
}

func (m *libraryModel) indexOf(id int64) int {
	return slices.IndexFunc(m.records, func(r store.Record) bool { return r.ID == id })
}

// current is the selected record, if it is loaded.
func (m *libraryModel) current() (store.Record, bool) {
	if i := m.indexOf(m.selected); i >= 0 {
		return m.records[i], true
	}
	return store.Record{}, false
}

// onRecordChanged updates, adds or removes one row, where the list's
// query and order put it. A task's place in the order never changes (it
// sorts by creation), so a row only ever appears or disappears.
func (m *libraryModel) onRecordChanged(r store.Record) {
	if m.missed != nil {
		m.missed = append(m.missed, missedChange{rec: r})
	}
	if r.Download != store.DownloadWaiting {
		delete(m.progress, r.ID)
	}
	m.tell(func(w *libraryWatcher) {
		if w.changed != nil {
			w.changed(r)
		}
	})
	i := m.indexOf(r.ID)
	matches := m.shown.Matches(r)
	switch {
	case i >= 0 && !matches:
		m.onRecordDeleted(r.ID) // moved into or out of the trash, or no longer matches
		return
	case i >= 0:
		m.records[i] = r
		m.drawRow(i)
	case matches:
		at, _ := slices.BinarySearchFunc(m.records, r, func(e, r store.Record) int {
			if m.shown.Before(e, r) {
				return -1
			}
			return 1
		})
		if at == len(m.records) && len(m.records) < m.total {
			// It belongs on a page not loaded yet, where it may have been
			// counted already: ask the store.
			m.recount()
			return
		}
		m.records = slices.Insert(m.records, at, r)
		m.total++
		m.drawRows()
		if i := m.indexOf(m.selected); i >= 0 {
			m.selectRow(i)
		}
		m.updateCount()
	}
	if r.ID == m.selected {
		m.showCurrent()
	}
	if m.picked[r.ID] {
		m.picksChanged() // the bar's words may depend on r
	}
}

func (m *libraryModel) onRecordDeleted(id int64) {
	if m.missed != nil {
		m.missed = append(m.missed, missedChange{rec: store.Record{ID: id}, deleted: true})
	}
	delete(m.progress, id)
	i := m.indexOf(id)
	if i < 0 {
		return
	}
	m.records = slices.Delete(m.records, i, i+1)
	m.total--
	if m.selected == id {
		m.selected = 0
		m.unselectRows()
		m.showCurrent()
	}
	if m.picked[id] {
		delete(m.picked, id)
		m.picksChanged()
	}
	m.drawRows()
	m.updateCount()
}

func (m *libraryModel) onProgress(id, done, total int64) {
	if total <= 0 {
		return
	}
	m.progress[id] = float64(done) / float64(total)
	if i := m.indexOf(id); i >= 0 {
		m.drawRow(i)
		if id == m.selected {
			m.statusChanged(m.records[i])
		}
	}
}

// statusChanged tells the views that the status of the selected record r
// moved on.
func (m *libraryModel) statusChanged(r store.Record) {
	m.tell(func(w *libraryWatcher) {
		if w.status != nil {
			w.status(r)
		}
	})
}

// setUnreachable notes whether the service answers the checks.
func (m *libraryModel) setUnreachable(down bool) {
	if m.unreachable == down {
		return
	}
	m.unreachable = down
	m.tell(func(w *libraryWatcher) {
		if w.reachable != nil {
			w.reachable()
		}
	})
	m.drawRows()
	if _, ok := m.current(); ok {
		m.showCurrent()
	}
}

// setLibraryGone notes whether the library folder is there.
func (m *libraryModel) setLibraryGone(gone bool) {
	if m.libraryGone == gone {
		return
	}
	m.libraryGone = gone
	m.tell(func(w *libraryWatcher) {
		if w.folder != nil {
			w.folder()
		}
	})
	if _, ok := m.current(); ok {
		m.showCurrent()
	}
}

// prunePicks forgets picked videos that left the list.
func (m *libraryModel) prunePicks() {
	if len(m.picked) == 0 {
		return
	}
	shown := make(map[int64]bool, len(m.records))
	for _, r := range m.records {
		shown[r.ID] = true
	}
	for id := range m.picked {
		if !shown[id] {
			delete(m.picked, id)
		}
	}
	m.picksChanged()
}

// setPicked makes picked the picked videos and has the rows and the bar
// drawn again.
func (m *libraryModel) setPicked(picked map[int64]bool) {
	m.picked = picked
	m.drawRows()
	m.picksChanged()
}

// chosenIDs are the videos an action applies to: the picked ones, in the
// list's order, or else the selected one.
func (m *libraryModel) chosenIDs() []int64 {
	var ids []int64
	if len(m.picked) > 1 {
		for _, r := range m.records {
			if m.picked[r.ID] {
				ids = append(ids, r.ID)
			}
		}
		return ids
	}
	if r, ok := m.current(); ok {
		ids = append(ids, r.ID)
	}
	return ids
}

// isPicked reports whether r is highlighted as picked.
func (m *libraryModel) isPicked(r store.Record) bool {
	return len(m.picked) > 1 && m.picked[r.ID]
}

// missedChange is a change of one record that came while the list was
// being read from the store.
type missedChange struct {
	rec     store.Record
	deleted bool
}
