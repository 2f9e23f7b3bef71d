package gui

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/reelhouse/reelhouse/history"
)

func (v *historyView) onExport(all bool) {
	var ids []int64
	if all {
		for _, r := range v.records {
			ids = append(ids, r.ID)
		}
	} else {
		ids = v.chosenIDs() // the picked videos, or the selected one
	}
	if len(ids) == 0 {
		v.ui.showError(v.win, "Nothing to export", sentence("Select a video first."))
		return
	}
	asZip := widget.NewCheck("As one ZIP file", nil)
	msg := widget.NewLabel(fmt.Sprintf("Copy %d video(s), each with its description file, to a folder you choose.", len(ids)))
	msg.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustomConfirm("Export videos", "Choose folder…", "Cancel", container.NewVBox(msg, asZip),
		func(ok bool) {
			if !ok {
				return
			}
			zip := asZip.Checked
			dialog.ShowFolderOpen(func(dir fyne.ListableURI, err error) {
				if err != nil || dir == nil {
					v.ui.showError(v.win, "Could not open the folder", err)
					return
				}
				v.runExport(ids, dir.Path(), zip)
			}, v.win)
		}, v.win)
	d.Resize(fyne.NewSize(460, 200))
	d.Show()
}

func (v *historyView) runExport(ids []int64, dir string, zip bool) {
	progress := dialog.NewCustomWithoutButtons("Exporting…", widget.NewProgressBarInfinite(), v.win)
	progress.Show()
	v.ui.background(func(ctx context.Context) {
		where, err := v.ui.deps.Library.Export(ctx, ids, dir, zip)
		v.ui.do(func() {
			progress.Hide()
			if err != nil {
				v.ui.showError(v.win, "Could not export", err)
				return
			}
			dialog.ShowInformation("Export finished", "The videos were copied to "+userText(where)+".", v.win)
		})
	})
}

func (v *historyView) onReconcile() {
	v.ui.background(func(ctx context.Context) {
		rep, err := v.ui.deps.Library.Reconcile(ctx)
		if err != nil {
			v.ui.showError(v.win, "Could not check the library folder", err)
			return
		}
		v.reload(ctx)
		v.ui.do(func() { dialog.ShowInformation("Library folder checked", reportText(rep), v.win) })
	})
}

func (v *historyView) onRebuild() {
	dialog.ShowConfirm("Rebuild history from folder",
		"Reelhouse will read the description file next to every video in the library folder and add any video the history is missing. Nothing is deleted.",
		func(ok bool) {
			if ok {
				v.onReconcile()
			}
		}, v.win)
}

func (v *historyView) onEmptyTrash() {
	dialog.ShowConfirm("Empty trash", "Delete every video in the trash for good? This cannot be undone.", func(ok bool) {
		if !ok {
			return
		}
		v.ui.background(func(ctx context.Context) {
			n, err := v.ui.deps.Library.EmptyTrash(ctx)
			if err != nil {
				v.ui.showError(v.win, "Could not empty the trash", err)
				return
			}
			v.ui.do(func() {
				dialog.ShowInformation("Trash emptied", fmt.Sprintf("%d video(s) deleted for good.", n), v.win)
			})
		})
	}, v.win)
}

// reportText sums up a library check in plain words.
func reportText(rep history.LibraryReport) string {
	var parts []string
	if rep.Added > 0 {
		parts = append(parts, fmt.Sprintf("%d video(s) found in the folder were added to the history.", rep.Added))
	}
	if rep.Moved > 0 {
		parts = append(parts, fmt.Sprintf("%d video(s) were found in a new place.", rep.Moved))
	}
	if rep.Returned > 0 {
		parts = append(parts, fmt.Sprintf("%d missing video(s) are back.", rep.Returned))
	}
	if rep.Missing > 0 {
		parts = append(parts, fmt.Sprintf("%d video(s) are missing from the folder; use “Retry download” on them while the service still has them.", rep.Missing))
	}
	for i, p := range rep.Problems {
		if i == 5 {
			parts = append(parts, fmt.Sprintf("…and %d more problems.", len(rep.Problems)-5))
			break
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return "Everything in the history is in the library folder."
	}
	return strings.Join(parts, "\n")
}

func (v *historyView) onAddByID() {
	entry := widget.NewEntry()
	entry.SetPlaceHolder("e.g. a1b2c3d4-e5f6-…")
	d := dialog.NewForm("Add a task by its id", "Add", "Cancel",
		[]*widget.FormItem{widget.NewFormItem("Task id", entry)}, func(ok bool) {
			if ok {
				v.addByID(entry.Text)
			}
		}, v.win)
	d.Resize(fyne.NewSize(460, 160))
	d.Show()
}

// addByID asks the service about a task id and adds it to the history.
func (v *historyView) addByID(id string) {
	v.ui.background(func(ctx context.Context) {
		rec, err := v.ui.deps.Tracker.AddByID(ctx, id)
		if err != nil {
			v.ui.showError(v.win, "Could not add the task", taskIDError(err))
			return
		}
		v.ui.do(func() {
			v.selected = rec.ID
			v.onRecordChanged(rec)
			if i := v.indexOf(rec.ID); i >= 0 {
				v.list.Select(i)
			}
		})
	})
}
