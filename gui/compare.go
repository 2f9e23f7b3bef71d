package gui

// This file is Compare: two to four videos side by side, with a table of
// only the settings that differ, "Keep this one" and "Trash the others".

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/reelhouse/reelhouse/history"
)

// maxCompare is how many videos Compare shows at once.
const maxCompare = 4

// batchGap is the longest pause between two videos of one Generate press:
// the compose pane sends its variations one after another, each as soon
// as the service has answered the one before.
const batchGap = 2 * time.Minute

// variationsOf finds the videos made by the same press of Generate as r
// among recs: the same request, each made within batchGap of the next.
// Only videos that can be watched are offered, at most maxCompare, oldest
// first; fewer than two means there is nothing to compare.
func variationsOf(recs []history.Record, r history.Record) []int64 {
	if !comparable(r) {
		return nil
	}
	var same []history.Record
	for _, o := range recs {
		if o.ID == r.ID || (o.CreatedAt.Sub(r.CreatedAt).Abs() <= maxVariations*batchGap && reflect.DeepEqual(o.Request, r.Request)) {
			same = append(same, o)
		}
	}
	slices.SortFunc(same, func(a, b history.Record) int { return a.CreatedAt.Compare(b.CreatedAt) })
	// Keep the unbroken run around r.
	at := slices.IndexFunc(same, func(o history.Record) bool { return o.ID == r.ID })
	lo, hi := at, at
	for lo > 0 && same[lo].CreatedAt.Sub(same[lo-1].CreatedAt) <= batchGap {
		lo--
	}
	for hi < len(same)-1 && same[hi+1].CreatedAt.Sub(same[hi].CreatedAt) <= batchGap {
		hi++
	}
	var ids []int64
	for _, o := range same[lo : hi+1] {
		if comparable(o) && len(ids) < maxCompare {
			ids = append(ids, o.ID)
		}
	}
	if len(ids) < 2 || !slices.Contains(ids, r.ID) {
		return nil
	}
	return ids
}

// comparable reports whether r has a video to show in Compare.
func comparable(r history.Record) bool {
	return r.State == history.StateSuccess && !r.Trashed() &&
		slices.ContainsFunc(r.Files, func(f history.File) bool { return !f.Missing })
}

// compareOffer is what the detail view offers to compare with r: the
// videos of the same Generate press among those the library shows.
func (u *UI) compareOffer(r history.Record) []int64 {
	return variationsOf(u.history.records, r)
}

// compareRow is one setting in which the compared videos differ.
type compareRow struct {
	Name   string
	Values []string // one per video, in the order compared
}

// differences lists the settings in which recs differ, in the order a
// person reads them; settings they share are left out.
func differences(recs []history.Record) []compareRow {
	var rows []compareRow
	add := func(name string, value func(history.Record) string) {
		vals := make([]string, len(recs))
		for i, r := range recs {
			if vals[i] = value(r); vals[i] == "" {
				vals[i] = "—"
			}
		}
		if slices.ContainsFunc(vals, func(v string) bool { return v != vals[0] }) {
			rows = append(rows, compareRow{Name: name, Values: vals})
		}
	}
	prompts := make([]string, len(recs))
	for i, r := range recs {
		prompts[i] = r.Request.Prompt
	}
	if words := promptDifferences(prompts); words != nil {
		rows = append(rows, compareRow{Name: lang.L("Prompt words"), Values: words})
	}
	add(lang.L("Model"), func(r history.Record) string { return r.Request.Model })
	add(lang.L("Shape"), func(r history.Record) string { return r.Request.Ratio })
	add(lang.L("Quality"), func(r history.Record) string { return r.Request.Resolution })
	add(lang.L("Length"), func(r history.Record) string {
		if r.Request.Duration > 0 {
			return lang.N("{{.Count}} seconds", r.Request.Duration, map[string]any{"Count": r.Request.Duration})
		}
		return lang.L("the model's")
	})
	add(lang.L("Picture"), func(r history.Record) string {
		if len(r.Request.Image) == 0 {
			return "none"
		}
		m := r.Request.Image[0]
		id := m.SHA256
		if id == "" {
			id = m.File + m.URL
		}
		if len(id) > 8 {
			id = id[len(id)-8:]
		}
		return strings.ReplaceAll(m.Role, "_", " ") + " " + id
	})
	keys := map[string]bool{}
	for _, r := range recs {
		for k := range r.Request.UpstreamOptions {
			keys[k] = true
		}
	}
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range keys {
			if !yield(k) {
				return
			}
		}
	}) {
		add(k, func(r history.Record) string {
			v, ok := r.Request.UpstreamOptions[k]
			if !ok {
				return ""
			}
			b, _ := json.Marshal(v)
			return strings.Trim(string(b), `"`)
		})
	}
	return rows
}

// promptDifferences gives, for each prompt, its words that are not in
// every other prompt, in its own order; nil when the prompts hold the
// same words.
func promptDifferences(prompts []string) []string {
	words := make([][]string, len(prompts))
	count := map[string]int{}
	for i, p := range prompts {
		seen := map[string]bool{}
		for _, w := range strings.Fields(p) {
			words[i] = append(words[i], w)
			k := wordKey(w)
			if !seen[k] {
				seen[k] = true
				count[k]++
			}
		}
	}
	out := make([]string, len(prompts))
	differ := false
	for i, ws := range words {
		var own []string
		for _, w := range ws {
			if count[wordKey(w)] < len(prompts) {
				own = append(own, w)
			}
		}
		if len(own) > 0 {
			differ = true
			out[i] = firstLine(strings.Join(own, " "), 60)
		}
	}
	if !differ {
		return nil
	}
	return out
}

// wordKey is a word as compared: without case or the punctuation around it.
func wordKey(w string) string {
	return strings.ToLower(strings.Trim(w, ".,;:!?\"'“”‘’()[]"))
}

// compareView is the Compare window. It is made once and reused.
type compareView struct {
	ui  *UI
	win fyne.Window

	title  *widget.Label
	cells  *fyne.Container
	table  *fyne.Container
	status *widget.Label

	recs    []history.Record
	thumbs  []*canvas.Image
	keep    []*widget.Button // "Keep this one", per video
	others  []*widget.Button // "Trash the others", per video
	trashed map[int64]bool
	loadSeq int
}

func newCompareView(u *UI) *compareView {
	c := &compareView{ui: u, trashed: map[int64]bool{}}
	c.win = secondaryWindow(u.app, lang.L("Compare"), fyne.NewSize(1366, 768))
	c.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	c.cells = container.NewGridWithRows(1)
	c.table = container.NewVBox()
	c.status = widget.NewLabel("")
	bottom := container.NewVBox(widget.NewSeparator(), c.table, c.status)
	c.win.SetContent(container.NewPadded(container.NewBorder(c.title, bottom, nil, nil, c.cells)))
	return c
}

// showCompare opens Compare with the videos of records ids (2 to 4;
// more are left out). The multi-select bar and the detail view call it.
func (u *UI) showCompare(ids []int64) {
	if len(ids) < 2 {
		return
	}
	ids = ids[:min(len(ids), maxCompare)]
	if u.compare == nil {
		u.compare = newCompareView(u)
	}
	c := u.compare
	c.loadSeq++
	seq := c.loadSeq
	c.title.SetText(lang.L("Comparing {{.Count}} videos", map[string]any{"Count": len(ids)}))
	c.status.SetText(lang.L("Reading the videos…"))
	c.win.Show()
	u.background(func(ctx context.Context) {
		var recs []history.Record
		var pictures [][]byte
		for _, id := range ids {
			r, err := u.deps.Store.Get(ctx, id)
			if err != nil {
				u.showError(c.win, lang.L("Could not compare the videos"), err)
				return
			}
			var pic []byte
			if i := slices.IndexFunc(r.Files, func(f history.File) bool { return !f.Missing }); i >= 0 {
				if p := u.deps.Tracker.ThumbnailPath(r.Files[i]); p != "" {
					pic, _ = os.ReadFile(p) // no picture: the cell says so
				}
			}
			recs = append(recs, r)
			pictures = append(pictures, pic)
		}
		u.do(func() {
			if seq == c.loadSeq {
				c.fill(recs, pictures)
			}
		})
	})
}

// fill shows recs side by side with their pictures, and what differs.
func (c *compareView) fill(recs []history.Record, pictures [][]byte) {
	c.recs, c.trashed = recs, map[int64]bool{}
	c.thumbs, c.keep, c.others = nil, nil, nil
	c.cells.RemoveAll()
	for i, r := range recs {
		c.cells.Add(c.cell(i, r, pictures[i]))
	}
	c.table.RemoveAll()
	rows := differences(recs)
	if len(rows) == 0 {
		c.table.Add(widget.NewLabel(lang.L("Made with the same settings: only chance tells these videos apart.")))
	} else {
		grid := container.NewGridWithColumns(len(recs) + 1)
		grid.Add(widget.NewLabelWithStyle(lang.L("What differs"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
		for i := range recs {
			grid.Add(widget.NewLabelWithStyle(lang.L("Video {{.Number}}", map[string]any{"Number": i + 1}), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
		}
		for _, row := range rows {
			grid.Add(widget.NewLabel(row.Name))
			for _, v := range row.Values {
				l := widget.NewLabel(v)
				l.Truncation = fyne.TextTruncateEllipsis
				grid.Add(l)
			}
		}
		c.table.Add(grid)
	}
	c.status.SetText("")
	c.win.Content().Refresh() // the table's height changed: lay the window out again
}

// cell is one video of Compare: its picture, the start of its prompt, and
// its buttons.
func (c *compareView) cell(i int, r history.Record, picture []byte) fyne.CanvasObject {
	img := canvas.NewImageFromResource(nil)
	img.FillMode = canvas.ImageFillContain
	img.SetMinSize(fyne.NewSize(240, 160))
	// screen is where the video is shown: its picture now, and the place
	// the in-app player takes when it is there.
	var screen fyne.CanvasObject = img
	if picture != nil {
		img.Resource = fyne.NewStaticResource(fmt.Sprintf("compare-%d.png", r.ID), picture)
	} else {
		screen = container.NewStack(img, container.NewCenter(widget.NewLabel(lang.L("No picture of this video yet"))))
	}
	c.thumbs = append(c.thumbs, img)
	heading := widget.NewLabelWithStyle(lang.L("Video {{.Number}}", map[string]any{"Number": i + 1}), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	prompt := widget.NewLabel(firstLine(r.Request.Prompt, 120))
	prompt.Truncation = fyne.TextTruncateEllipsis
	keep := widget.NewButtonWithIcon(lang.L("Keep this one"), theme.ConfirmIcon(), func() { c.onKeep(r.ID) })
	if r.Favourite {
		keep.SetText(lang.L("Kept"))
		keep.Disable()
	}
	c.keep = append(c.keep, keep)
	others := widget.NewButtonWithIcon(lang.L("Trash the others"), theme.DeleteIcon(), func() { c.onTrashOthers(r.ID) })
	others.Importance = widget.DangerImportance
	c.others = append(c.others, others)
	return container.NewBorder(heading, container.NewVBox(prompt, container.NewGridWithColumns(2, keep, others)), nil, nil, screen)
}

// onKeep marks the video of record id as a favourite.
func (c *compareView) onKeep(id int64) {
	i := slices.IndexFunc(c.recs, func(r history.Record) bool { return r.ID == id })
	if i < 0 {
		return
	}
	c.keep[i].Disable()
	c.ui.background(func(ctx context.Context) {
		err := c.ui.deps.Library.SetFavourite(ctx, id, true)
		c.ui.do(func() {
			if err != nil {
				c.keep[i].Enable()
				return
			}
			c.keep[i].SetText(lang.L("Kept"))
		})
		c.ui.showError(c.win, lang.L("Could not keep the video"), err)
	})
}

// onTrashOthers moves every compared video but the one of record id to
// the trash, with a way to undo.
func (c *compareView) onTrashOthers(id int64) {
	var others []int64
	for _, r := range c.recs {
		if r.ID != id && !c.trashed[r.ID] {
			others = append(others, r.ID)
		}
	}
	if len(others) == 0 {
		return
	}
	library := c.ui.deps.Library
	c.ui.background(func(ctx context.Context) {
		var done []int64
		var err error
		for _, o := range others {
			if err = library.Trash(ctx, o); err != nil {
				break
			}
			done = append(done, o)
		}
		c.ui.do(func() {
			c.setTrashed(done, true)
			if len(done) == 0 {
				return
			}
			msg := widget.NewLabel(lang.N("{{.Count}} videos are in the trash. They are deleted for good only when you empty the trash (Library ▸ Empty trash).", len(done), map[string]any{"Count": len(done)}))
			msg.Wrapping = fyne.TextWrapWord
			d := dialog.NewCustomConfirm(lang.L("Moved to trash"), lang.L("Undo"), lang.L("OK"), msg, func(undo bool) {
				if undo {
					c.undoTrash(done)
				}
			}, c.win)
			d.Resize(fyne.NewSize(460, 180))
			d.Show()
		})
		c.ui.showError(c.win, lang.L("Could not move the videos to the trash"), err)
	})
}

// undoTrash takes the videos of records ids out of the trash again.
func (c *compareView) undoTrash(ids []int64) {
	c.ui.background(func(ctx context.Context) {
		var back []int64
		var err error
		for _, id := range ids {
			if err = c.ui.deps.Library.Untrash(ctx, id); err != nil {
				break
			}
			back = append(back, id)
		}
		c.ui.do(func() { c.setTrashed(back, false) })
		c.ui.showError(c.win, lang.L("Could not undo"), err)
	})
}

// setTrashed dims the cells of videos moved to (or out of) the trash.
func (c *compareView) setTrashed(ids []int64, on bool) {
	for _, id := range ids {
		c.trashed[id] = on
		if i := slices.IndexFunc(c.recs, func(r history.Record) bool { return r.ID == id }); i >= 0 {
			if on {
				c.thumbs[i].Translucency = 0.7
				c.keep[i].Disable()
				c.others[i].Disable()
			} else {
				c.thumbs[i].Translucency = 0
				c.others[i].Enable()
				if c.keep[i].Text != lang.L("Kept") {
					c.keep[i].Enable()
				}
			}
			c.thumbs[i].Refresh()
		}
	}
	n := 0
	for _, on := range c.trashed {
		if on {
			n++
		}
	}
	if n > 0 {
		c.status.SetText(lang.N("{{.Count}} videos of these are in the trash.", n, map[string]any{"Count": n}))
	} else {
		c.status.SetText("")
	}
}
