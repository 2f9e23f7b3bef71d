package gui

import (
	"context"
	"errors"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/reelhouse/reelhouse/history/library"
)

// libraryMenu is what the Library and File menus do to the library:
// export, save a copy, check the library folder, empty the trash, add a
// task by its id.
type libraryMenu struct {
	m   *libraryModel
	ui  *UI
	win fyne.Window
}

func newLibraryMenu(m *libraryModel) *libraryMenu {
	return &libraryMenu{m: m, ui: m.ui, win: m.win}
}

// onExport exports the chosen videos, or all shown ones, to a folder the
// user picks.
func (v *libraryMenu) onExport(all bool) {
	var ids []int64
	if all {
		for _, r := range v.m.records {
			ids = append(ids, r.ID)
		}
	} else {
		ids = v.m.chosenIDs() // the picked videos, or the selected one
	}
	if len(ids) == 0 {
		v.ui.showError(v.win, lang.L("Nothing to export"), sentence(lang.L("Select a video first.")))
		return
	}
	asZip := widget.NewCheck(lang.L("As one ZIP file"), nil)
	msg := widget.NewLabel(lang.N("Copy {{.Count}} videos, each with its description file, to a folder you choose.", len(ids), map[string]any{"Count": len(ids)}))
	msg.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustomConfirm(lang.L("Export videos"), lang.L("Choose folder…"), lang.L("Cancel"), container.NewVBox(msg, asZip),
		func(ok bool) {
			if !ok {
				return
			}
			zip := asZip.Checked
			showFolderOpen(func(dir fyne.ListableURI, err error) {
				if err != nil || dir == nil {
					v.ui.showError(v.win, lang.L("Could not open the folder"), err)
					return
				}
				v.runExport(ids, dir.Path(), zip)
			}, v.win)
		}, v.win)
	showHouse(d, v.win, houseOpts{size: fyne.NewSize(460, 200)})
}

func (v *libraryMenu) runExport(ids []int64, dir string, zip bool) {
	progress := dialog.NewCustomWithoutButtons(lang.L("Exporting…"), widget.NewProgressBarInfinite(), v.win)
	progress.Show()
	v.ui.background(func(ctx context.Context) {
		where, err := v.ui.deps.Library.Export(ctx, ids, dir, zip)
		v.ui.do(func() {
			progress.Hide()
			if err != nil {
				v.ui.showError(v.win, lang.L("Could not export"), err)
				return
			}
			showInfo(lang.L("Export finished"), lang.L("The videos were copied to {{.Place}}.", map[string]any{"Place": userText(where)}), v.win)
		})
	})
}

func (v *libraryMenu) onReconcile() {
	v.ui.background(func(ctx context.Context) {
		rep, err := v.ui.deps.Library.Reconcile(ctx)
		if errors.Is(err, library.ErrUnavailable) {
			v.ui.do(v.ui.library.onLibraryUnavailable) // the banner says what to do
			return
		}
		if err != nil {
			v.ui.showError(v.win, lang.L("Could not check the library folder"), err)
			return
		}
		v.m.reload(ctx)
		v.ui.do(func() { showInfo(lang.L("Library folder checked"), reportText(rep), v.win) })
	})
}

func (v *libraryMenu) onRebuild() {
	showConfirm(lang.L("Rebuild history from folder"),
		lang.L("Reelhouse will read the description file next to every video in the library folder and add any video the history is missing. Nothing is deleted."),
		func(ok bool) {
			if ok {
				v.onReconcile()
			}
		}, v.win)
}

func (v *libraryMenu) onEmptyTrash() {
	askSafe(v.win, lang.L("Empty trash"), lang.L("Delete every video in the trash for good? This cannot be undone."),
		lang.L("Delete for good"), lang.L("Keep them"), func() {
			v.ui.background(func(ctx context.Context) {
				n, err := v.ui.deps.Library.EmptyTrash(ctx)
				if err != nil {
					v.ui.showError(v.win, lang.L("Could not empty the trash"), err)
					return
				}
				v.ui.do(func() {
					showInfo(lang.L("Trash emptied"), lang.N("{{.Count}} videos deleted for good.", n, map[string]any{"Count": n}), v.win)
				})
			})
		})
}

// reportText sums up a library check in plain words.
func reportText(rep library.Report) string {
	// Each line is a sentence of its own.
	var parts []string
	count := func(n int) map[string]any { return map[string]any{"Count": n} }
	if rep.Added > 0 {
		parts = append(parts, lang.N("{{.Count}} videos found in the folder were added to the history.", rep.Added, count(rep.Added)))
	}
	if rep.Moved > 0 {
		parts = append(parts, lang.N("{{.Count}} videos were found in a new place.", rep.Moved, count(rep.Moved)))
	}
	if rep.Returned > 0 {
		parts = append(parts, lang.N("{{.Count}} missing videos are back.", rep.Returned, count(rep.Returned)))
	}
	if rep.Missing > 0 {
		parts = append(parts, lang.N("{{.Count}} videos are missing from the folder; use “Retry download” on them while the service still has them.", rep.Missing, count(rep.Missing)))
	}
	for i, p := range rep.Problems {
		if i == 5 {
			more := len(rep.Problems) - 5
			parts = append(parts, lang.N("…and {{.Count}} more problems.", more, count(more)))
			break
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return lang.L("Everything in the history is in the library folder.")
	}
	return strings.Join(parts, "\n")
}

func (v *libraryMenu) onAddByID() {
	entry := newHouseEntry()
	entry.SetPlaceHolder(lang.L("e.g. a1b2c3d4-e5f6-…"))
	d := dialog.NewForm(lang.L("Add a task by its id"), lang.L("Add"), lang.L("Cancel"),
		[]*widget.FormItem{widget.NewFormItem(lang.L("Task id"), entry)}, func(ok bool) {
			if ok {
				v.addByID(entry.Text)
			}
		}, v.win)
	showHouse(d, v.win, houseOpts{size: fyne.NewSize(460, 160), focus: entry})
}

// addByID asks the service about a task id and adds it to the history.
func (v *libraryMenu) addByID(id string) {
	v.ui.background(func(ctx context.Context) {
		rec, err := v.ui.deps.Tracker.AddByID(ctx, id)
		if err != nil {
			v.ui.showError(v.win, lang.L("Could not add the task"), taskIDError(err))
			return
		}
		v.ui.do(func() {
			m := v.m
			m.selected = rec.ID
			m.onRecordChanged(rec)
			if i := m.indexOf(rec.ID); i >= 0 {
				m.selectRow(i)
			}
		})
	})
}

// onSaveCopy copies the chosen videos, each with its description file, to
// a folder the user picks.
func (v *libraryMenu) onSaveCopy() {
	ids := v.m.chosenIDs()
	if len(ids) == 0 {
		v.ui.showError(v.win, lang.L("Nothing to save"), sentence(lang.L("Select a video first.")))
		return
	}
	showFolderOpen(func(dir fyne.ListableURI, err error) {
		if err != nil || dir == nil {
			v.ui.showError(v.win, lang.L("Could not open the folder"), err)
			return
		}
		v.saveCopy(ids, dir.Path())
	}, v.win)
}

// saveCopy copies the videos ids to dir in the background and says where
// they went.
func (v *libraryMenu) saveCopy(ids []int64, dir string) {
	v.ui.background(func(ctx context.Context) {
		where, err := v.ui.deps.Library.Export(ctx, ids, dir, false)
		if err != nil {
			v.ui.showError(v.win, lang.L("Could not save a copy"), err)
			return
		}
		v.ui.do(func() {
			msg := lang.N("The {{.Count}} videos and their description files were copied to {{.Place}}.", len(ids),
				map[string]any{"Count": len(ids), "Place": userText(where)})
			showInfo(lang.L("Copy saved"), msg, v.win)
		})
	})
}
