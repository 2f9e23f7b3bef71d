package gui

// This file lets several videos be picked at once (Ctrl-click, Shift-click,
// Ctrl+A) in the list and the grid, and acts on them from a bar above the
// list.

import (
	"context"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// pickable is the part of a row or tile that takes clicks: it notes the
// modifier keys held when the button went down, so that the tap that
// follows can tell a click from Ctrl- or Shift-click.
type pickable struct {
	mods  fyne.KeyModifier
	onTap func(mods fyne.KeyModifier)
}

// MouseDown is part of desktop.Mouseable.
func (p *pickable) MouseDown(e *desktop.MouseEvent) { p.mods = e.Modifier }

// MouseUp is part of desktop.Mouseable.
func (p *pickable) MouseUp(*desktop.MouseEvent) {}

// Tapped is part of fyne.Tappable.
func (p *pickable) Tapped(*fyne.PointEvent) {
	mods := p.mods
	p.mods = 0
	if p.onTap != nil {
		p.onTap(mods)
	}
}

// pickBar is the bar offered while several videos are picked.
type pickBar struct {
	m          *libraryModel
	ui         *UI
	win        fyne.Window
	relayout   func() // the bar took room above the list, or gave it back
	box        *fyne.Container
	text       *widget.Label
	favourite  *widget.Button
	tag        *widget.Button
	export     *widget.Button
	saveCopy   *widget.Button
	trash      *widget.Button
	compare    *widget.Button // on for 2 to 4 picked videos that can be shown
	clear      *widget.Button
	busy       bool // an action on the picked videos is under way
	allFavours bool // every picked video is a favourite already
	inTrash    bool // some picked video is in the trash: the button restores
}

// newPickBar makes the bar; export and saveCopy are the menu's actions on
// the chosen videos, relayout makes room for the bar when it shows.
func newPickBar(m *libraryModel, export, saveCopy, relayout func()) *pickBar {
	b := &pickBar{m: m, ui: m.ui, win: m.win, relayout: relayout, text: widget.NewLabel("")}
	b.favourite = widget.NewButtonWithIcon(lang.L("Favourite"), theme.ConfirmIcon(), b.onFavouritePicked)
	b.tag = widget.NewButtonWithIcon(lang.L("Add tag…"), theme.ContentAddIcon(), b.onTagPicked)
	b.export = widget.NewButtonWithIcon(lang.L("Export…"), theme.UploadIcon(), export)
	b.saveCopy = widget.NewButtonWithIcon(lang.L("Save a copy as…"), theme.DocumentSaveIcon(), saveCopy)
	b.trash = widget.NewButtonWithIcon(lang.L("Move to trash"), theme.DeleteIcon(), b.onTrashPicked)
	b.trash.Importance = widget.DangerImportance
	b.compare = widget.NewButtonWithIcon(lang.L("Compare"), theme.ViewRestoreIcon(), func() { b.ui.showCompare(m.chosenIDs()) })
	b.clear = widget.NewButtonWithIcon("", theme.CancelIcon(), b.onClear)
	// Two columns: the bar must never be what makes the library too wide
	// to sit beside the compose pane.
	b.box = container.NewVBox(
		container.NewBorder(nil, nil, nil, b.clear, b.text),
		container.NewGridWithColumns(2, b.compare, b.favourite, b.tag, b.export, b.saveCopy, b.trash),
		widget.NewSeparator(),
	)
	b.box.Hide()
	m.watch(libraryWatcher{picks: b.update})
	return b
}

// onClear leaves only the selected video chosen.
func (b *pickBar) onClear() {
	if len(b.m.picked) == 0 {
		return
	}
	b.m.setPicked(nil)
}

// update shows the bar while more than one video is picked.
func (b *pickBar) update() {
	v := b.m
	n := len(v.picked)
	if n < 2 {
		if b.box.Visible() {
			b.box.Hide()
			b.relayout()
		}
		return
	}
	if !b.busy {
		b.text.SetText(lang.N("{{.Count}} videos selected", n, map[string]any{"Count": n}))
	}
	b.allFavours = true
	trash, shown := false, 0
	for _, r := range v.records {
		if v.picked[r.ID] {
			b.allFavours = b.allFavours && r.Favourite
			trash = trash || r.Trashed()
			if comparable(r) {
				shown++
			}
		}
	}
	if b.allFavours {
		b.favourite.SetText(lang.L("Unfavourite"))
	} else {
		b.favourite.SetText(lang.L("Favourite"))
	}
	b.inTrash = trash
	if trash {
		b.trash.SetText(lang.L("Restore"))
	} else {
		b.trash.SetText(lang.L("Move to trash"))
	}
	for _, btn := range []*widget.Button{b.favourite, b.tag, b.export, b.saveCopy, b.trash} {
		enable(btn, !b.busy)
	}
	enable(b.compare, !b.busy && shown == n && n <= maxCompare)
	if !b.box.Visible() {
		b.box.Show()
		b.relayout()
	}
}

// onPicked runs fn on each picked video in one background job, saying how
// far it got on the bar, then reports failures and calls after with the
// videos it was done to.
func (b *pickBar) onPicked(verb, failTitle string, fn func(ctx context.Context, id int64) error, after func(done []int64)) {
	ids := b.m.chosenIDs()
	if len(ids) == 0 || b.busy {
		return
	}
	v := b
	b.busy = true
	b.update()
	b.text.SetText(lang.L("{{.Action}} {{.Done}} of {{.Total}}…", map[string]any{"Action": verb, "Done": 0, "Total": len(ids)}))
	v.ui.background(func(ctx context.Context) {
		var (
			done  []int64
			first error
		)
		for k, id := range ids {
			if ctx.Err() != nil {
				return
			}
			if err := fn(ctx, id); err != nil {
				first = cmpOr(first, err)
			} else {
				done = append(done, id)
			}
			v.ui.do(func() {
				b.text.SetText(lang.L("{{.Action}} {{.Done}} of {{.Total}}…", map[string]any{"Action": verb, "Done": k + 1, "Total": len(ids)}))
			})
		}
		v.ui.do(func() {
			b.busy = false
			b.text.SetText("")
			b.update()
			if first != nil {
				v.ui.showError(v.win, failTitle, sentence(lang.L("{{.Failed}} of {{.Total}} could not be changed. {{.Reason}}",
					map[string]any{"Failed": len(ids) - len(done), "Total": len(ids), "Reason": plainError(first)})))
			}
			if after != nil {
				after(done)
			}
		})
	})
}

// cmpOr is a unless it is nil, else b.
func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

func (v *pickBar) onFavouritePicked() {
	on := !v.allFavours
	library := v.ui.deps.Library
	v.onPicked(lang.L("Changing"), lang.L("Could not change every favourite"), func(ctx context.Context, id int64) error {
		return library.SetFavourite(ctx, id, on)
	}, nil)
}

func (v *pickBar) onTagPicked() {
	entry := newHouseEntry()
	entry.SetPlaceHolder(lang.L("e.g. sunsets"))
	d := dialog.NewForm(lang.L("Add a tag"), lang.L("Add"), lang.L("Cancel"), []*widget.FormItem{widget.NewFormItem(lang.L("Tag"), entry)}, func(ok bool) {
		tag := strings.TrimSpace(entry.Text)
		if !ok || tag == "" {
			return
		}
		hist, library := v.ui.deps.Store, v.ui.deps.Library
		v.onPicked(lang.L("Tagging"), lang.L("Could not tag every video"), func(ctx context.Context, id int64) error {
			r, err := hist.Get(ctx, id)
			if err != nil {
				return err
			}
			if slices.Contains(r.Tags, tag) {
				return nil
			}
			return library.SetTags(ctx, id, append(r.Tags, tag))
		}, nil)
	}, v.win)
	showHouse(d, v.win, houseOpts{size: fyne.NewSize(400, 160), focus: entry})
}

// onTrashPicked moves the picked videos to the trash, with one Undo for
// all; in the trash view it restores them.
func (v *pickBar) onTrashPicked() {
	library := v.ui.deps.Library
	if v.inTrash {
		v.onPicked(lang.L("Restoring"), lang.L("Could not restore every video"), library.Untrash, nil)
		return
	}
	v.onPicked(lang.L("Moving to trash"), lang.L("Could not move every video to the trash"), library.Trash, func(done []int64) {
		if len(done) == 0 {
			return
		}
		showTrashed(v.win, len(done), func() { v.untrash(done) })
	})
}

// showTrashed says in win that n videos went to the trash, with Undo,
// which calls undo.
func showTrashed(win fyne.Window, n int, undo func()) {
	msg := widget.NewLabel(lang.N("{{.Count}} videos are in the trash. They are deleted for good only when you empty the trash (Library ▸ Empty trash).", n, map[string]any{"Count": n}))
	msg.Wrapping = fyne.TextWrapWord
	showUndo(win, lang.L("Moved to trash"), msg, undo)
}

// untrash brings videos back from the trash in the background.
func (v *pickBar) untrash(ids []int64) {
	library := v.ui.deps.Library
	v.ui.background(func(ctx context.Context) {
		var first error
		for _, id := range ids {
			first = cmpOr(first, library.Untrash(ctx, id))
		}
		v.ui.showError(v.win, lang.L("Could not undo"), first)
	})
}
