package gui

// This file is the Usage window: per month and per model, the videos made
// and failed, the seconds of video, and the estimated spend where a price
// was typed in Settings; exportable as CSV.

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/reelhouse/reelhouse/history/store"
)

// usageLine is one line of the Usage table.
type usageLine struct {
	store.Usage
	Spend    float64
	HasPrice bool // a price for the model was typed in Settings
}

// usageLines prices each month's usage with the prices typed in Settings.
func usageLines(usage []store.Usage, prices priceBook) []usageLine {
	out := make([]usageLine, len(usage))
	for i, u := range usage {
		out[i].Usage = u
		p, ok := prices[u.Model]
		if !ok {
			continue
		}
		out[i].HasPrice = true
		if p.PerSecond {
			out[i].Spend = p.Amount * u.Seconds
		} else {
			out[i].Spend = p.Amount * float64(u.Made)
		}
	}
	return out
}

// usageColumns name the columns of the table and of the CSV file; they
// are translated where they are shown, in the language chosen by then.
var usageColumns = []string{translateLater("Month"), translateLater("Model"), translateLater("Videos made"),
	translateLater("Failed"), translateLater("Seconds of video"), translateLater("Estimated spend")}

// usageHeader is usageColumns in the language in use.
func usageHeader() []string { return translated(usageColumns) }

// cells are a line's values as shown.
func (l usageLine) cells() []string {
	model := l.Model
	if model == "" {
		model = lang.L("(unknown)")
	}
	spend := ""
	if l.HasPrice {
		spend = formatMoney(l.Spend)
	}
	return []string{l.Month.Format(lang.L("January 2006")), model, strconv.Itoa(l.Made), strconv.Itoa(l.Failed),
		strconv.FormatFloat(l.Seconds, 'f', 1, 64), spend}
}

// writeUsageCSV writes lines as CSV, with a header: the month as
// YYYY-MM, numbers without thousands separators, an empty spend where
// no price is known.
func writeUsageCSV(w io.Writer, lines []usageLine) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(usageHeader()); err != nil {
		return err
	}
	for _, l := range lines {
		row := l.cells()
		row[0], row[1] = l.Month.Format("2006-01"), l.Model
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// usageView is the Usage window. It is made once and reused.
type usageView struct {
	ui    *UI
	win   fyne.Window
	table *widget.Table
	note  *widget.Label
	save  *widget.Button
	lines []usageLine // backs the table; changed on the UI goroutine only
}

func newUsageView(u *UI) *usageView {
	v := &usageView{ui: u}
	v.win = secondaryWindow(u.app, lang.L("Usage"), fyne.NewSize(820, 520))
	v.table = widget.NewTableWithHeaders(
		func() (int, int) { return len(v.lines), len(usageColumns) },
		func() fyne.CanvasObject { return widget.NewLabel(lang.L("September 2026")) },
		func(id widget.TableCellID, o fyne.CanvasObject) {
			if id.Row < len(v.lines) {
				o.(*widget.Label).SetText(v.lines[id.Row].cells()[id.Col])
			}
		})
	v.table.ShowHeaderColumn = false
	v.table.CreateHeader = func() fyne.CanvasObject {
		return widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	v.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Col >= 0 && id.Col < len(usageColumns) {
			o.(*widget.Label).SetText(lang.L(usageColumns[id.Col]))
		}
	}
	for col, w := range []float32{150, 200, 110, 80, 140, 130} {
		v.table.SetColumnWidth(col, w)
	}
	v.note = hintLabel("")
	v.save = widget.NewButtonWithIcon(lang.L("Export as CSV…"), theme.DocumentSaveIcon(), v.onExport)
	v.win.SetContent(container.NewPadded(container.NewBorder(nil,
		container.NewBorder(nil, nil, nil, v.save, v.note), nil, nil, v.table)))
	return v
}

// showUsage opens the Usage window and reads the numbers afresh.
func (u *UI) showUsage() {
	if u.usage == nil {
		u.usage = newUsageView(u)
	}
	u.usage.win.Show()
	u.usage.reload()
}

// reload reads the usage in the background and shows it.
func (v *usageView) reload() {
	v.note.SetText(lang.L("Adding up…"))
	v.save.Disable()
	v.ui.background(func(ctx context.Context) {
		usage, err := v.ui.deps.Store.Usage(ctx, time.Local)
		if err != nil {
			v.ui.showError(v.win, lang.L("Could not add up the usage"), err)
			return
		}
		v.ui.do(func() { v.show(usage) })
	})
}

// show puts usage in the table, priced with the prices in Settings.
func (v *usageView) show(usage []store.Usage) {
	var lines []usageLine // a new slice: an export may still be writing the old one
	for _, l := range usageLines(usage, v.ui.compose.prices) {
		if l.Made > 0 || l.Failed > 0 { // not only videos still being made
			lines = append(lines, l)
		}
	}
	v.lines = lines
	v.table.Refresh()
	switch {
	case len(v.lines) == 0:
		v.note.SetText(lang.L("No video has been made yet."))
	default:
		note := lang.L("Videos are counted in the month Generate was pressed. The spend is estimated from the prices in Settings ▸ Prices, where one was typed.")
		if sp := v.ui.compose.spend; sp.hasLimit {
			note += " " + lang.L("Your monthly limit: {{.Limit}}.", map[string]any{"Limit": formatMoney(sp.limit)})
		}
		v.note.SetText(note)
	}
	enable(v.save, len(v.lines) > 0)
}

// onExport saves the table as a CSV file the user picks.
func (v *usageView) onExport() {
	lines := v.lines
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			v.ui.showError(v.win, lang.L("Could not save the usage"), err)
			return
		}
		if w == nil {
			return // cancelled
		}
		v.ui.background(func(context.Context) {
			err := writeUsageCSV(w, lines)
			if cerr := w.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				v.ui.showError(v.win, lang.L("Could not save the usage"), sentence(lang.L("The file could not be written: {{.Reason}}.", map[string]any{"Reason": err})))
			}
		})
	}, v.win)
	d.SetFileName("reelhouse-usage.csv")
	d.SetFilter(storage.NewExtensionFileFilter([]string{".csv"}))
	showFile(d, v.win)
}
