package gui

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/reelhouse/reelhouse/history/library"
	"github.com/reelhouse/reelhouse/history/store"
)

// saveDelay is how long typing in the title, tags or note must pause
// before it is saved.
const saveDelay = 600 * time.Millisecond

// libraryEditor is the part of the detail pane where a person names the
// video shown: its title, its tags and a note, saved as they type.
type libraryEditor struct {
	m  *libraryModel
	ui *UI

	title    *draftEntry
	chips    *fyne.Container // one removable button per tag
	chipTags []string        // the tags the chips show: the draft of shownID
	tags     *draftEntry     // the entry that adds tags
	note     *draftEntry
	saved    *widget.Label // the quiet line that says the edits are saved

	// shownID is the record whose title, tags and note the entries hold,
	// as a draft until saved. editDirty says the draft differs from what
	// was last saved; editSeq tells the last keystroke's timer from stale
	// ones.
	shownID   int64
	editDirty bool
	editSeq   int
	stopEdit  func() bool
	filling   bool // the entries are being filled from a record, not typed in
	// saving counts each record's saves under way, so that a live update
	// read before a save landed does not put old text back.
	saving map[int64]int
	saver  labelSaver
}

func newLibraryEditor(m *libraryModel) *libraryEditor {
	v := &libraryEditor{m: m, ui: m.ui, saving: make(map[int64]int)}
	v.saver.pending = make(map[int64]videoLabels)
	v.title = newDraftEntry(false, v.flushEdits)
	v.title.SetPlaceHolder(lang.L("Give this video a title"))
	v.title.TextStyle.Bold = true
	v.title.OnChanged = func(string) { v.onDraftChanged() }
	v.title.OnSubmitted = func(string) { v.flushEdits() }
	v.chips = container.New(layout.NewRowWrapLayout())
	v.tags = newDraftEntry(false, v.flushEdits)
	v.tags.SetPlaceHolder(lang.L("Add a tag, then press Enter"))
	v.tags.OnSubmitted = func(text string) { v.onAddTags(text) }
	v.note = newDraftEntry(true, v.flushEdits)
	v.note.SetPlaceHolder(lang.L("A note about this video"))
	v.note.SetMinRowsVisible(3)
	v.note.Wrapping = fyne.TextWrapWord
	v.note.OnChanged = func(string) { v.onDraftChanged() }
	v.saved = widget.NewLabel("")
	v.saved.Importance = widget.LowImportance
	v.saved.Wrapping = fyne.TextWrapWord
	return v
}

// show puts r's title, tags and note in the entries, unless they hold a
// draft of r being typed or saved.
func (v *libraryEditor) show(r store.Record) {
	switch {
	case r.ID != v.shownID:
		v.shownID = r.ID
		v.fillDraft(r)
		if v.tags.Text != "" {
			v.filling = true
			v.tags.SetText("")
			v.filling = false
		}
		v.saved.SetText("")
	case !v.editDirty && v.saving[r.ID] == 0:
		// Changed elsewhere (several videos tagged at once, say) while
		// nothing is being typed here: show it as it now is. Text being
		// typed, or being saved, is never replaced by an older record.
		v.fillDraft(r)
	}
}

// videoLabels are the words a person gives a video: its title, tags and note.
type videoLabels struct {
	title, note string
	tags        []string
}

// labelSaver writes labels in the background, each record's newest draft
// last: a save takes the record's newest draft while holding mu, so a
// slower save of an older draft can never land after it.
type labelSaver struct {
	mu      sync.Mutex // held while a save writes
	pendMu  sync.Mutex // guards pending
	pending map[int64]videoLabels
}

// put makes l the draft of record id that the next save writes.
func (s *labelSaver) put(id int64, l videoLabels) {
	s.pendMu.Lock()
	s.pending[id] = l
	s.pendMu.Unlock()
}

// save writes the newest draft of record id, if any, changing only what
// differs from the history.
func (s *labelSaver) save(ctx context.Context, lib *library.Library, hist *store.Store, id int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pendMu.Lock()
	l, ok := s.pending[id]
	delete(s.pending, id)
	s.pendMu.Unlock()
	if !ok {
		return nil
	}
	// Saving finishes even when Reelhouse is quitting.
	ctx = context.WithoutCancel(ctx)
	r, err := hist.Get(ctx, id)
	if err != nil {
		return err
	}
	if l.title != r.Title {
		if err := lib.SetTitle(ctx, id, l.title); err != nil {
			return err
		}
	}
	if !slices.Equal(store.NormalizeTags(l.tags), r.Tags) {
		if err := lib.SetTags(ctx, id, l.tags); err != nil {
			return err
		}
	}
	if l.note != r.Note {
		return lib.SetNote(ctx, id, l.note)
	}
	return nil
}

// fillDraft puts r's title, tags and note in the entries; a tag being
// typed stays.
func (v *libraryEditor) fillDraft(r store.Record) {
	v.filling = true
	defer func() { v.filling = false }()
	if v.stopEdit != nil {
		v.stopEdit()
	}
	v.editDirty = false
	if v.title.Text != r.Title {
		v.title.SetText(r.Title)
	}
	if v.note.Text != r.Note {
		v.note.SetText(r.Note)
	}
	v.setChips(r.Tags)
}

// onDraftChanged starts, or starts again, the wait before the draft is
// saved.
func (v *libraryEditor) onDraftChanged() {
	if v.filling || v.shownID == 0 {
		return
	}
	v.editDirty = true
	v.saved.SetText("")
	v.editSeq++
	seq := v.editSeq
	if v.stopEdit != nil {
		v.stopEdit()
	}
	v.stopEdit = v.m.after(saveDelay, func() {
		v.ui.do(func() {
			if seq == v.editSeq {
				v.saveDraft()
			}
		})
	})
}

// flushEdits saves the draft now, a tag still being typed included: when
// an entry loses the focus, another video is selected, or Reelhouse quits.
func (v *libraryEditor) flushEdits() {
	if v.shownID == 0 || v.filling {
		return
	}
	if strings.TrimSpace(v.tags.Text) != "" {
		v.onAddTags(v.tags.Text)
	}
	v.saveDraft()
}

// saveDraft saves the draft of the record shown, if it changed, in the
// background.
func (v *libraryEditor) saveDraft() {
	if !v.editDirty || v.shownID == 0 {
		return
	}
	if v.stopEdit != nil {
		v.stopEdit()
	}
	v.editDirty = false
	id := v.shownID
	// As typed: a space at the end is where the next word goes, and a
	// record read back must not take it away.
	v.saver.put(id, videoLabels{title: v.title.Text, note: v.note.Text, tags: slices.Clone(v.chipTags)})
	cur, _ := v.m.current()
	tagsChanged := cur.ID != id || !slices.Equal(store.NormalizeTags(v.chipTags), cur.Tags)
	v.saving[id]++
	lib, hist := v.ui.deps.Library, v.ui.deps.Store
	v.ui.background(func(ctx context.Context) {
		err := v.saver.save(ctx, lib, hist, id)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			fyne.LogError("saving the title, tags and note", err)
		}
		v.ui.do(func() {
			if v.saving[id]--; v.saving[id] <= 0 {
				delete(v.saving, id)
			}
			if id != v.shownID {
				return
			}
			switch {
			case err == nil:
				if !v.editDirty {
					v.saved.Importance = widget.LowImportance
					v.saved.SetText(lang.L("Saved"))
				}
			case errors.Is(err, store.ErrNotFound):
			default:
				v.editDirty = true // saved again with the next change
				v.saved.Importance = widget.DangerImportance
				v.saved.SetText(lang.L("Not saved: Reelhouse could not write to its history. Your text stays here and is saved with your next change; if this goes on, check that the disk has free space."))
			}
			if tagsChanged && err == nil {
				// The tag filter may have a new choice.
				v.ui.background(v.m.reload)
			}
		})
	})
}

// onAddTags turns what was typed in the tag entry into tags.
func (v *libraryEditor) onAddTags(text string) {
	added := store.NormalizeTags(append(slices.Clone(v.chipTags), strings.Split(text, ",")...))
	slices.Sort(added) // in the order the history keeps them
	v.filling = true
	v.tags.SetText("")
	v.filling = false
	if !slices.Equal(added, v.chipTags) {
		v.setChips(added)
		v.onDraftChanged()
	}
}

// onRemoveTag removes a tag from the video shown.
func (v *libraryEditor) onRemoveTag(tag string) {
	v.setChips(slices.DeleteFunc(slices.Clone(v.chipTags), func(t string) bool { return t == tag }))
	v.onDraftChanged()
}

// setChips shows tags as small buttons that remove them.
func (v *libraryEditor) setChips(tags []string) {
	if slices.Equal(tags, v.chipTags) && len(v.chips.Objects) == len(tags) {
		return
	}
	v.chipTags = slices.Clone(tags)
	objs := make([]fyne.CanvasObject, len(tags))
	for i, tag := range tags {
		b := widget.NewButtonWithIcon(userText(tag), theme.CancelIcon(), func() { v.onRemoveTag(tag) })
		b.IconPlacement = widget.ButtonIconTrailingText
		objs[i] = b
	}
	v.chips.Objects = objs
	v.chips.Refresh()
}

// draftEntry is an entry that saves what was typed when it loses the
// focus.
type draftEntry struct {
	widget.Entry
	onLeave func()
}

func newDraftEntry(multiLine bool, onLeave func()) *draftEntry {
	e := &draftEntry{onLeave: onLeave}
	e.MultiLine = multiLine
	e.Wrapping = fyne.TextWrapOff
	e.ExtendBaseWidget(e)
	return e
}

// FocusLost is part of fyne.Focusable.
func (e *draftEntry) FocusLost() {
	e.Entry.FocusLost()
	if e.onLeave != nil {
		e.onLeave()
	}
}
