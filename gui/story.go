package gui

// This file is the Storyboard window: a story is a list of shots, made one
// after another, each from the last frame of the one before, then joined
// into one film. The tracker makes the shots (history.Stories); this
// window edits the story, shows how far it is and asks for the film.

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history"
	"github.com/reelhouse/reelhouse/history/media"
	"github.com/reelhouse/reelhouse/history/store"
)

// storyView is the Storyboard window. It is made once and reused.
type storyView struct {
	ui  *UI
	win fyne.Window

	list  []store.Story          // the kept stories, for the picker, newest first
	story store.Story            // the story shown; ID 0 for none
	recs  map[int64]store.Record // the records of its shots and film, by id
	got   map[int64]float64      // how much of each shot is downloaded, 0–1
	// ops are the user's edits not saved yet, in order; saving saves them.
	ops     []func(*store.Story)
	then    *storyAction // runs once ops are saved
	saving  rerun
	loading rerun
	ffmpeg  bool // ffmpeg is installed (looked up once the window opens)
	joining bool
	joinAt  float64 // how much of the film is written, 0–1
	// focusShot is the shot whose prompt gets the cursor once its card is
	// shown; -1 for none.
	focusShot int

	picker    *houseSelect
	newBtn    *widget.Button
	deleteBtn *widget.Button
	name      *houseEntry
	settings  *widget.Label
	takeBtn   *widget.Button
	cards     *fyne.Container
	shots     []*shotCard
	addBtn    *widget.Button
	summary   *widget.Label
	crossfade *houseCheck
	status    *widget.Label
	bar       *widget.ProgressBar
	makeBtn   *widget.Button
	stopBtn   *widget.Button
	joinBtn   *widget.Button
	filmBtn   *widget.Button
	body      *fyne.Container // the story; hidden while there is none
	none      *fyne.Container // what to do while there is no story
}

// storyWindowSize is the Storyboard's size on a large enough screen.
var storyWindowSize = fyne.NewSize(1100, 660)

func newStoryView(u *UI) *storyView {
	v := &storyView{ui: u, recs: map[int64]store.Record{}, got: map[int64]float64{}, focusShot: -1}
	v.win = secondaryWindow(u.app, lang.L("Storyboard"), storyWindowSize)
	v.picker = newHouseSelect(nil, v.onPick)
	v.picker.PlaceHolder = lang.L("Open a story")
	v.newBtn = widget.NewButtonWithIcon(lang.L("New story"), theme.ContentAddIcon(), v.onNew)
	v.deleteBtn = widget.NewButtonWithIcon(lang.L("Delete story…"), theme.DeleteIcon(), v.onDelete)
	v.name = newHouseEntry()
	v.name.SetPlaceHolder(lang.L("A name for the story"))
	v.name.OnChanged = func(s string) { v.edit(func(st *store.Story) { st.Name = strings.TrimSpace(s) }) }
	v.settings = hintLabel("")
	v.settings.Truncation = fyne.TextTruncateEllipsis
	v.takeBtn = widget.NewButton(lang.L("Use the compose pane’s settings"), v.onTakeSettings)
	v.cards = container.NewVBox()
	v.addBtn = widget.NewButtonWithIcon(lang.L("Add a shot"), theme.ContentAddIcon(), v.onAddShot)
	v.summary = widget.NewLabel("")
	v.crossfade = newHouseCheck(lang.L("Fade from each shot into the next"), func(on bool) {
		v.edit(func(st *store.Story) { st.Crossfade = on })
	})
	v.status = widget.NewLabel("")
	v.status.Wrapping = fyne.TextWrapWord
	v.bar = widget.NewProgressBar()
	v.bar.TextFormatter = func() string {
		return lang.L("Joining the shots into one film… {{.Percent}} %", map[string]any{"Percent": int(v.bar.Value * 100)})
	}
	v.bar.Hide()
	v.makeBtn = widget.NewButtonWithIcon(lang.L("Make the story"), theme.MediaPlayIcon(), v.onMake)
	v.makeBtn.Importance = widget.HighImportance
	v.stopBtn = widget.NewButtonWithIcon(lang.L("Stop after this shot"), theme.MediaStopIcon(), v.onStop)
	v.joinBtn = widget.NewButtonWithIcon(lang.L("Join into one film"), theme.MediaVideoIcon(), v.onJoin)
	v.filmBtn = widget.NewButtonWithIcon(lang.L("Show the film"), theme.NavigateNextIcon(), v.onShowFilm)

	top := container.NewBorder(nil, nil, widget.NewLabel(lang.L("Story")), container.NewHBox(v.newBtn, v.deleteBtn), v.picker)
	head := container.NewVBox(
		container.NewBorder(nil, nil, widget.NewLabel(lang.L("Name")), nil, v.name),
		container.NewBorder(nil, nil, nil, v.takeBtn, v.settings),
	)
	foot := container.NewVBox(
		widget.NewSeparator(),
		container.NewBorder(nil, nil, nil, v.crossfade, v.summary),
		// The bar stands in the status line's place while a film is
		// joined: nothing moves.
		container.NewStack(v.status, v.bar),
		container.NewHBox(layout.NewSpacer(), v.filmBtn, v.stopBtn, v.joinBtn, v.makeBtn),
	)
	shots := container.NewVScroll(container.NewVBox(v.cards, container.NewHBox(v.addBtn)))
	v.body = container.NewBorder(head, foot, nil, nil, shots)
	intro := widget.NewLabel(lang.L("A story is a list of shots made one after another: each shot starts from the last frame of the one before, " +
		"and at the end the shots are joined into one film. It uses the model, shape, quality and picture of the compose pane. Press New story to begin."))
	intro.Wrapping = fyne.TextWrapWord
	v.none = container.NewVBox(intro)
	v.win.SetContent(container.NewPadded(container.NewBorder(container.NewVBox(top, widget.NewSeparator()), nil, nil, nil,
		container.NewStack(v.body, v.none))))
	v.showStory()
	return v
}

// showStories opens the Storyboard, on story id when it is not 0.
func (u *UI) showStories(id int64) {
	if u.story == nil {
		u.story = newStoryView(u)
	}
	u.story.win.Show()
	u.story.win.RequestFocus()
	u.story.reloadList(id)
}

// reloadList reads the kept stories in the background and shows story id
// (the one shown, or the newest, when id is 0).
func (v *storyView) reloadList(id int64) {
	v.ui.background(func(ctx context.Context) {
		ffmpeg := haveFFmpeg()
		list, err := v.ui.deps.Store.Stories().List(ctx)
		if err != nil {
			v.ui.showError(v.win, lang.L("Could not read the stories"), err)
			return
		}
		v.ui.do(func() {
			v.ffmpeg = ffmpeg
			v.list = list
			v.fillPicker()
			switch {
			case id != 0:
				v.open(id)
			case v.story.ID != 0:
				v.open(v.story.ID)
			case len(list) > 0:
				v.open(list[0].ID)
			default:
				v.showStory()
			}
		})
	})
}

// fillPicker lists the kept stories by name, the shown one selected.
func (v *storyView) fillPicker() {
	names := make([]string, len(v.list))
	for i, st := range v.list {
		names[i] = storyName(st, i)
	}
	muted(&v.picker.OnChanged, func() {
		v.picker.SetOptions(names)
		v.picker.ClearSelected()
	})
	v.syncPicker()
}

// listed puts st, as just read, in the picker's list.
func (v *storyView) listed(st store.Story) {
	at := slices.IndexFunc(v.list, func(s store.Story) bool { return s.ID == st.ID })
	if at < 0 || storyName(v.list[at], at) == storyName(st, at) {
		return
	}
	v.list[at] = st
	v.fillPicker()
}

// syncPicker selects the story shown in the picker, and turns the picker
// off while there is nothing to pick.
func (v *storyView) syncPicker() {
	at := slices.IndexFunc(v.list, func(st store.Story) bool { return st.ID == v.story.ID })
	if at >= 0 && v.picker.SelectedIndex() != at {
		muted(&v.picker.OnChanged, func() { v.picker.SetSelectedIndex(at) })
	}
	if len(v.list) == 0 {
		v.picker.Disable()
	} else {
		v.picker.Enable()
	}
}

// storyName is how the picker names story st, the i-th listed.
func storyName(st store.Story, i int) string {
	name := firstLine(st.Name, 50)
	if strings.TrimSpace(st.Name) == "" {
		name = lang.L("Story {{.Number}}", map[string]any{"Number": st.ID})
	}
	return fmt.Sprintf("%s (%s)", name, lang.N("{{.Count}} shots", len(st.Shots), map[string]any{"Count": len(st.Shots)}))
}

func (v *storyView) onPick(string) {
	if i := v.picker.SelectedIndex(); i >= 0 && i < len(v.list) && v.list[i].ID != v.story.ID {
		v.open(v.list[i].ID)
	}
}

// open reads story id and its shots' records in the background and shows
// them; asked again while reading, it reads once more after.
func (v *storyView) open(id int64) {
	if id != v.story.ID {
		v.ops = nil
		v.story = store.Story{ID: id}
		v.shots = nil // new cards for another story
		v.cards.RemoveAll()
	}
	v.loading.ask(func(done func()) bool {
		// The story shown when the read starts: asked again meanwhile for
		// another story, the read after this one reads that one.
		id := v.story.ID
		return v.ui.background(func(ctx context.Context) {
			st, recs, err := v.read(ctx, id)
			v.ui.do(func() {
				defer done()
				if err != nil {
					if errors.Is(err, store.ErrNotFound) {
						return
					}
					v.ui.showError(v.win, lang.L("Could not read the story"), err)
					return
				}
				if v.story.ID != id {
					return
				}
				for _, op := range v.ops {
					op(&st) // edits typed while it was read
				}
				v.story = st
				replaceRecords(v.recs, recs)
				v.listed(st)
				v.showStory()
			})
		})
	})
}

// replaceRecords replaces what dst holds with src.
func replaceRecords(dst, src map[int64]store.Record) {
	clear(dst)
	for k, r := range src {
		dst[k] = r
	}
}

// read reads story id and the records of its shots and film.
func (v *storyView) read(ctx context.Context, id int64) (store.Story, map[int64]store.Record, error) {
	st, err := v.ui.deps.Store.Stories().Get(ctx, id)
	if err != nil {
		return st, nil, err
	}
	recs := map[int64]store.Record{}
	ids := []int64{st.Film}
	for _, sh := range st.Shots {
		ids = append(ids, sh.Record)
	}
	for _, rid := range ids {
		if rid == 0 {
			continue
		}
		if r, err := v.ui.deps.Store.Get(ctx, rid); err == nil {
			recs[rid] = r
		} else if !errors.Is(err, store.ErrNotFound) {
			return st, nil, err
		}
	}
	return st, recs, nil
}

// edit changes the story shown with op, at once on screen and in the
// background in the store, in the order of the edits.
func (v *storyView) edit(op func(*store.Story)) {
	if v.story.ID == 0 || v.story.Making {
		return
	}
	op(&v.story)
	v.ops = append(v.ops, op)
	v.save()
}

// save saves the edits not saved yet, one batch at a time, then runs the
// action that waited for them (see flushThen).
func (v *storyView) save() {
	v.saving.ask(func(done func()) bool {
		ops, id, then := v.ops, v.story.ID, v.then
		v.then = nil
		if len(ops) == 0 && then == nil {
			return false
		}
		return v.ui.background(func(ctx context.Context) {
			var err error
			if len(ops) > 0 {
				_, err = v.ui.deps.Tracker.Stories().Edit(ctx, id, func(st *store.Story) {
					for _, op := range ops {
						op(st)
					}
				})
			}
			title := lang.L("Could not save the story")
			if err == nil && then != nil {
				title = then.title
				err = then.fn(ctx)
			}
			v.ui.do(func() {
				defer done()
				if v.story.ID == id && len(v.ops) >= len(ops) {
					v.ops = v.ops[len(ops):]
				}
				if err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, context.Canceled) {
					v.ui.showError(v.win, title, err)
					v.showStory()
				}
			})
		})
	})
}

// storyAction is what runs once the edits before it are saved.
type storyAction struct {
	title string // of the error dialog
	fn    func(ctx context.Context) error
}

// onNew starts a story with the compose pane’s settings and one shot.
func (v *storyView) onNew() {
	v.withComposeSettings(lang.L("Could not start a story"), func(ctx context.Context, base client.CreateRequest) {
		st, err := v.ui.deps.Store.Stories().Save(ctx, store.Story{Base: base, Shots: []store.Shot{{}}})
		if err != nil {
			v.ui.showError(v.win, lang.L("Could not start a story"), err)
			return
		}
		v.ui.do(func() {
			v.focusShot = 0
			v.reloadList(st.ID)
		})
	})
}

func (v *storyView) onTakeSettings() {
	v.withComposeSettings(lang.L("Could not use the compose pane’s settings"), func(_ context.Context, base client.CreateRequest) {
		v.ui.do(func() {
			v.edit(func(st *store.Story) { st.Base = base })
			v.showStory()
		})
	})
}

// withComposeSettings gives use, in the background, what a story takes
// from the compose pane: the model, shape, quality and options, and its
// picture (kept in the library) for the first shot. A story sends no
// sound, so a sound without a picture is no error here; any other is
// shown titled title.
func (v *storyView) withComposeSettings(title string, use func(ctx context.Context, base client.CreateRequest)) {
	base, err := v.ui.compose.requestFor("-") // any prompt: each shot has its own
	if err != nil && base.CheckMedia() == nil {
		v.ui.showError(v.win, title, err)
		return
	}
	base.Prompt, base.Duration, base.Video, base.Audio = "", 0, nil, nil
	v.ui.background(func(ctx context.Context) {
		base, _ = v.ui.deps.Library.Folder().KeepRefImages(base)
		use(ctx, base)
	})
}

func (v *storyView) onDelete() {
	id := v.story.ID
	if id == 0 {
		return
	}
	askSafe(v.win, lang.L("Delete this story?"),
		lang.L("The story is forgotten. The videos it made, and its film, stay in the library."),
		lang.L("Delete the story"), lang.L("Keep it"), func() {
			v.ui.background(func(ctx context.Context) {
				if err := v.ui.deps.Store.Stories().Delete(ctx, id); err != nil {
					v.ui.showError(v.win, lang.L("Could not delete the story"), err)
					return
				}
				v.ui.do(func() {
					v.story, v.ops, v.shots = store.Story{}, nil, nil
					v.cards.RemoveAll()
					v.reloadList(0)
				})
			})
		})
}

func (v *storyView) onAddShot() {
	v.edit(func(st *store.Story) { st.Shots = append(st.Shots, store.Shot{}) })
	v.focusShot = len(v.story.Shots) - 1
	v.showStory()
}

// moveShot swaps shots i and j, neither made yet.
func (v *storyView) moveShot(i, j int) {
	v.edit(func(st *store.Story) {
		if i >= 0 && j >= 0 && i < len(st.Shots) && j < len(st.Shots) && st.Shots[i].Record == 0 && st.Shots[j].Record == 0 {
			st.Shots[i], st.Shots[j] = st.Shots[j], st.Shots[i]
		}
	})
	v.rebuildCards()
	v.showStory()
}

func (v *storyView) removeShot(i int) {
	v.edit(func(st *store.Story) {
		if i >= 0 && i < len(st.Shots) && st.Shots[i].Record == 0 {
			st.Shots = slices.Delete(st.Shots, i, i+1)
		}
	})
	v.rebuildCards()
	v.showStory()
}

// toMake are the requests of the shots not made yet, as they would be
// sent (without the frames they start from).
func (v *storyView) toMake() []client.CreateRequest {
	var reqs []client.CreateRequest
	for i, sh := range v.story.Shots {
		if sh.Record == 0 {
			reqs = append(reqs, v.story.Request(i))
		}
	}
	return reqs
}

func (v *storyView) onMake() {
	reqs, id := v.toMake(), v.story.ID
	if id == 0 || len(reqs) == 0 {
		return
	}
	v.ui.compose.spend.guardOn(v.win, reqs, func() {
		v.makeBtn.Disable()
		v.flushThen(lang.L("Could not make the story"), func(ctx context.Context) error { return v.ui.deps.Tracker.Stories().Make(ctx, id) })
	})
}

// flushThen saves the edits not saved yet, then runs fn, in the
// background and in order with the saves; an error is shown titled title.
func (v *storyView) flushThen(title string, fn func(ctx context.Context) error) {
	v.then = &storyAction{title: title, fn: fn}
	v.save()
}

func (v *storyView) onStop() {
	id := v.story.ID
	v.ui.background(func(ctx context.Context) {
		if err := v.ui.deps.Tracker.Stories().Stop(ctx, id); err != nil {
			v.ui.showError(v.win, lang.L("Could not stop the story"), err)
		}
	})
}

// onMakeAgain asks whether to make shot i again, with the shots after it
// (they start from its last frame), and does it.
func (v *storyView) onMakeAgain(i int) {
	id := v.story.ID
	later := len(v.story.Shots) - 1 - i
	again := func(withLater bool) {
		reqs := []client.CreateRequest{v.story.Request(i)}
		if withLater {
			for j := i + 1; j < len(v.story.Shots); j++ {
				reqs = append(reqs, v.story.Request(j))
			}
		}
		v.ui.compose.spend.guardOn(v.win, reqs, func() {
			v.flushThen(lang.L("Could not make the story"), func(ctx context.Context) error {
				return v.ui.deps.Tracker.Stories().MakeAgain(ctx, id, i, withLater)
			})
		})
	}
	n := map[string]any{"Number": i + 1, "Later": later}
	if later == 0 {
		showConfirm(lang.L("Make shot {{.Number}} again?", n),
			lang.L("A new video is made for this shot. The one made before stays in the library.", n),
			func(ok bool) {
				if ok {
					again(false)
				}
			}, v.win)
		return
	}
	msg := widget.NewLabel(lang.N("Shot {{.Number}} will be made again. The {{.Later}} shots after it started from its last frame: make them again too, so the story flows? The videos made before stay in the library.",
		later, n))
	msg.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustomWithoutButtons(lang.L("Make shot {{.Number}} again?", n), msg, v.win)
	both := func() {
		d.Hide()
		again(true)
	}
	all := widget.NewButton(lang.N("Make it and the {{.Later}} later shots again", later, n), both)
	all.Importance = widget.HighImportance
	only := widget.NewButton(lang.L("Only this shot"), func() { d.Hide(); again(false) })
	cancel := widget.NewButton(lang.L("Cancel"), d.Hide)
	d.SetButtons([]fyne.CanvasObject{cancel, only, all})
	showHouse(d, v.win, houseOpts{size: fyne.NewSize(errorDialogWidth+80, 0), enter: both})
}

func (v *storyView) onJoin() {
	id := v.story.ID
	if id == 0 || v.joining {
		return
	}
	v.joining, v.joinAt = true, 0
	if strings.TrimSpace(v.story.Name) == "" {
		// The film is named after its story: an unnamed one gets the
		// name the picker shows.
		name := lang.L("Story {{.Number}}", map[string]any{"Number": id})
		v.edit(func(st *store.Story) { st.Name = name })
	}
	v.showStory()
	v.flushThen(lang.L("Could not join the shots"), func(ctx context.Context) error {
		film, err := v.ui.deps.Tracker.Stories().Join(ctx, id)
		v.ui.do(func() {
			v.joining = false
			if err == nil {
				v.recs[film.ID] = film
			}
			v.showStory()
		})
		switch {
		case errors.Is(err, media.ErrNoFFmpeg):
			return &explained{text: lang.L(textJoinNeedsFFmpeg), cause: err}
		case errors.Is(err, history.ErrShotsNotMade):
			return &explained{text: lang.L("Every shot must be made, and in the library, before the shots can be joined."), cause: err}
		case err != nil && !errors.Is(err, context.Canceled):
			return &explained{text: lang.L("Reelhouse could not join the shots into one film. Check that each shot plays, and that the library’s disk has room, then try again."), cause: err}
		}
		return nil
	})
}

// textShotsNeedFFmpeg says what chaining shots needs.
const textShotsNeedFFmpeg = "Without FFmpeg (ffmpeg.org) each shot starts afresh, not from the last frame of the one before."

// textJoinNeedsFFmpeg says what joining shots needs.
const textJoinNeedsFFmpeg = "Joining the shots into one film needs FFmpeg (ffmpeg.org): install it, then start Reelhouse again."

func (v *storyView) onShowFilm() {
	if r, ok := v.recs[v.story.Film]; ok {
		v.ui.library.selectRecord(r)
		v.ui.main.RequestFocus()
	}
}

// onRecordChanged shows a change of a record the story shows.
func (v *storyView) onRecordChanged(r store.Record) {
	if _, ok := v.recs[r.ID]; !ok {
		return
	}
	v.recs[r.ID] = r
	if r.Download == store.DownloadDone {
		delete(v.got, r.ID)
	}
	v.showStory()
}

// onProgress shows how much of a shot is downloaded.
func (v *storyView) onProgress(id, done, total int64) {
	if _, ok := v.recs[id]; !ok || total <= 0 {
		return
	}
	v.got[id] = float64(done) / float64(total)
	v.showStory()
}

// onStoryChanged reads story id again when it is the one shown.
func (v *storyView) onStoryChanged(id int64) {
	if id == v.story.ID {
		v.open(id)
	}
}

// onJoinProgress shows how much of the film of story id is written.
func (v *storyView) onJoinProgress(id, done, total int64) {
	if id != v.story.ID || total <= 0 {
		return
	}
	v.joining, v.joinAt = true, float64(done)/float64(total)
	v.showStory()
}

// rebuildCards makes the cards anew for the story's shots.
func (v *storyView) rebuildCards() {
	v.shots = nil
	v.cards.RemoveAll()
}

// showStory shows the story as it now is: cards, summary, status and
// buttons. Cards are made only for new shots, so typing is never
// disturbed.
func (v *storyView) showStory() {
	st := v.story
	if st.ID == 0 {
		v.body.Hide()
		v.none.Show()
		v.deleteBtn.Disable()
		v.syncPicker()
		return
	}
	v.none.Hide()
	v.body.Show()
	v.deleteBtn.Enable()
	if v.name.Text != st.Name && v.win.Canvas().Focused() != v.name {
		muted(&v.name.OnChanged, func() { v.name.SetText(st.Name) })
	}
	v.settings.SetText(storySettingsText(st))
	if v.crossfade.Checked != st.Crossfade {
		muted(&v.crossfade.OnChanged, func() { v.crossfade.SetChecked(st.Crossfade) })
	}
	if len(v.shots) != len(st.Shots) {
		v.rebuildCards()
		for i := range st.Shots {
			c := newShotCard(v, i)
			v.shots = append(v.shots, c)
			v.cards.Add(c.box)
		}
	}
	for i, c := range v.shots {
		c.show(st, i)
	}
	if i := v.focusShot; i >= 0 && i < len(v.shots) {
		v.focusShot = -1
		v.win.Canvas().Focus(v.shots[i].prompt)
	}
	v.syncPicker()

	made, unmade, busy := v.count()
	total := len(st.Shots)
	summary := lang.N("{{.Count}} shots", total, map[string]any{"Count": total})
	if reqs := v.toMake(); len(reqs) > 0 {
		summary += " · " + lang.N("makes {{.Count}} videos", len(reqs), map[string]any{"Count": len(reqs)})
		if cost := costOf(reqs, v.ui.compose.prices); cost > 0 {
			summary += " · ≈ " + formatMoney(cost)
		}
	}
	v.summary.SetText(summary)
	ready := total > 0 && made == total
	v.status.SetText(v.statusText(made, unmade, busy))
	v.status.Importance = widget.MediumImportance
	if st.Stopped != "" && !st.Making {
		v.status.Importance = widget.DangerImportance
	}
	v.status.Refresh()
	if v.joining {
		v.bar.SetValue(v.joinAt)
		v.bar.Show()
		v.status.Hide()
	} else {
		v.bar.Hide()
		v.status.Show()
	}
	editing := !st.Making
	enable(v.takeBtn, editing)
	enable(v.addBtn, editing)
	// What is being made stays as it was asked; the name and the fade
	// wait too, as every edit of a story being made does.
	if editing {
		v.name.Enable()
		v.crossfade.Enable()
	} else {
		v.name.Disable()
		v.crossfade.Disable()
	}
	if st.Making {
		v.makeBtn.Hide()
		v.stopBtn.Show()
	} else {
		v.stopBtn.Hide()
		v.makeBtn.Show()
		enable(v.makeBtn, unmade > 0 && v.promptsWritten())
	}
	enable(v.joinBtn, ready && !v.joining && v.ffmpeg)
	if _, ok := v.recs[st.Film]; ok && st.Film != 0 {
		v.filmBtn.Show()
	} else {
		v.filmBtn.Hide()
	}
}

// count is how many shots are made, not sent yet, and sent but not made.
func (v *storyView) count() (made, unmade, busy int) {
	for _, sh := range v.story.Shots {
		r, ok := v.recs[sh.Record]
		switch {
		case sh.Record == 0:
			unmade++
		case ok && history.ShotMade(r):
			made++
		case ok && !r.State.Final() || ok && r.State == store.StateSuccess && r.Download != store.DownloadFailed:
			busy++
		}
	}
	return made, unmade, busy
}

// promptsWritten reports whether every shot to make has a prompt.
func (v *storyView) promptsWritten() bool {
	for _, sh := range v.story.Shots {
		if sh.Record == 0 && strings.TrimSpace(sh.Prompt) == "" {
			return false
		}
	}
	return true
}

// statusText says where the story stands and what to do next.
func (v *storyView) statusText(made, unmade, busy int) string {
	st := v.story
	total := len(st.Shots)
	n := map[string]any{"Number": st.StoppedAt + 1, "Total": total, "Made": made}
	switch {
	case v.joining:
		return lang.L("Joining the shots into one film…")
	case st.Making:
		next := made + 1
		text := lang.L("Making shot {{.Number}} of {{.Total}}. You may close this window: the story goes on, also after Reelhouse is started again.",
			map[string]any{"Number": min(next, total), "Total": total})
		if !v.ffmpeg {
			text += " " + lang.L(textShotsNeedFFmpeg)
		}
		return text
	case st.Stopped != "":
		return storyStoppedText(st.Stopped, n)
	case total == 0:
		return lang.L("Add a shot, and say what happens in it.")
	case made == total && !v.ffmpeg:
		return lang.L(textJoinNeedsFFmpeg)
	case made == total && st.Film != 0:
		return lang.L("The film is in the library. Join again after a shot is made again.")
	case made == total:
		return lang.L("Every shot is made. Press Join into one film.")
	case !v.promptsWritten():
		return lang.L("Say what happens in each shot, then press Make the story.")
	}
	if busy > 0 {
		return lang.L("A shot is still being made.")
	}
	return lang.L("Press Make the story: the shots are made one after another, each from the last frame of the one before.")
}

// storyStoppedText says why making a story stopped, and what to do.
func storyStoppedText(code string, n map[string]any) string {
	switch code {
	case store.StoryShotFailed:
		return lang.L("Shot {{.Number}} was not made, so the story stopped there. The library says why; press Make again on that shot to try again.", n)
	case store.StoryShotGone:
		return lang.L("Shot {{.Number}} is no longer in the library, so the story stopped there. Press Make again on it to make it anew.", n)
	case store.StoryNoFrame:
		return lang.L("Reelhouse could not take the last frame of the shot before shot {{.Number}}. Check that it plays, then press Make the story.", n)
	}
	return lang.L("Shot {{.Number}} could not be recorded, so it was not sent. Press Make the story to try again.", n)
}

// storySettingsText is the settings a story's shots share, in a line.
func storySettingsText(st store.Story) string {
	parts := []string{modelChoice(st.Base.Model)}
	if st.Base.Ratio != "" {
		parts = append(parts, nameOf(ratioChoices, st.Base.Ratio))
	}
	if st.Base.Resolution != "" {
		parts = append(parts, nameOf(resolutionChoices, st.Base.Resolution))
	}
	if len(st.Base.Image) > 0 {
		parts = append(parts, lang.L("shot 1 starts from a picture"))
	}
	return strings.Join(parts, " · ")
}

// shotCard is one shot on the Storyboard.
type shotCard struct {
	v           *storyView
	box         fyne.CanvasObject
	title       *widget.Label
	state       *widget.Label
	prompt      *shotPrompt
	length      *houseSelect
	first, last *canvas.Image
	lastFor     string // the video whose last frame is shown
	up, down    *widget.Button
	remove      *widget.Button
	again       *widget.Button
	open        *widget.Button
}

// shotFrameSize is the size of a shot's first and last frame on its card.
var shotFrameSize = fyne.NewSize(112, 63)

func newShotCard(v *storyView, i int) *shotCard {
	c := &shotCard{v: v}
	c.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	c.state = hintLabel("")
	c.prompt = newShotPrompt()
	c.prompt.SetMinRowsVisible(2)
	c.prompt.SetPlaceHolder(lang.L("What happens in this shot"))
	if i < len(v.story.Shots) {
		c.prompt.SetText(v.story.Shots[i].Prompt)
	}
	c.prompt.OnChanged = func(s string) {
		v.edit(func(st *store.Story) {
			if i < len(st.Shots) && st.Shots[i].Record == 0 {
				st.Shots[i].Prompt = strings.TrimSpace(s)
			}
		})
		v.showStory()
	}
	c.length = newHouseSelect(labels(durationChoices), func(s string) {
		secs, _ := strconv.Atoi(valueOf(durationChoices, s)) // the model's default: 0
		v.edit(func(st *store.Story) {
			if i < len(st.Shots) && st.Shots[i].Record == 0 {
				st.Shots[i].Duration = secs
			}
		})
		v.showStory()
	})
	c.first, c.last = shotFrame(), shotFrame()
	c.up = widget.NewButtonWithIcon("", theme.MoveUpIcon(), func() { v.moveShot(i, i-1) })
	c.down = widget.NewButtonWithIcon("", theme.MoveDownIcon(), func() { v.moveShot(i, i+1) })
	c.remove = widget.NewButtonWithIcon("", theme.DeleteIcon(), func() { v.removeShot(i) })
	c.again = widget.NewButtonWithIcon(lang.L("Make again…"), theme.ViewRefreshIcon(), func() { v.onMakeAgain(i) })
	c.open = widget.NewButtonWithIcon(lang.L("Show in library"), theme.NavigateNextIcon(), func() {
		if r, ok := v.recs[v.story.Shots[i].Record]; ok {
			v.ui.library.selectRecord(r)
			v.ui.main.RequestFocus()
		}
	})
	// Each frame keeps its room while hidden (nothing moves as a shot is
	// made); a hidden image draws nothing, where a cleared one may still
	// draw the picture it had.
	room := func(img *canvas.Image) fyne.CanvasObject {
		r := canvas.NewRectangle(color.Transparent)
		r.SetMinSize(shotFrameSize)
		return container.NewStack(r, img)
	}
	frames := container.NewHBox(room(c.first), room(c.last))
	// The buttons' column keeps one width whatever it shows, and the
	// frames keep their room before they are made: nothing moves under
	// the pointer as a shot is made.
	buttons := container.New(fixedWidth(170), container.NewVBox(container.NewHBox(c.up, c.down, c.remove), c.again, c.open))
	length := container.NewGridWrap(fyne.NewSize(210, c.length.MinSize().Height), c.length)
	middle := container.NewVBox(container.NewBorder(nil, nil, c.title, length, c.state), c.prompt)
	c.box = widget.NewCard("", "", container.NewBorder(nil, nil, container.NewCenter(frames), container.NewCenter(buttons), middle))
	return c
}

func shotFrame() *canvas.Image {
	img := canvas.NewImageFromResource(nil)
	img.FillMode = canvas.ImageFillContain
	img.SetMinSize(shotFrameSize)
	return img
}

// show fits the card to shot i of st.
func (c *shotCard) show(st store.Story, i int) {
	v := c.v
	sh := st.Shots[i]
	r, has := v.recs[sh.Record]
	n := map[string]any{"Number": i + 1}
	c.title.SetText(lang.L("Shot {{.Number}}", n))
	sent := sh.Record != 0
	if sent || st.Making {
		c.prompt.Disable()
		c.length.Disable()
	} else {
		c.prompt.Enable()
		c.length.Enable()
	}
	if sel := labelOf(durationChoices, fmt.Sprint(sh.Duration)); sel != "" && c.length.Selected != sel {
		muted(&c.length.OnChanged, func() { c.length.SetSelected(sel) })
	}
	c.state.SetText(v.shotState(st, i, r, has))
	editable := !sent && !st.Making
	for _, b := range []*widget.Button{c.up, c.down, c.remove} {
		b.Hidden = !editable
	}
	enable(c.up, editable && i > 0 && st.Shots[i-1].Record == 0)
	enable(c.down, editable && i+1 < len(st.Shots))
	c.again.Hidden = !sent || st.Making
	c.open.Hidden = !has
	c.showFrames(r, has && history.ShotMade(r))
}

// shotState is the state of shot i in a few words.
func (v *storyView) shotState(st store.Story, i int, r store.Record, has bool) string {
	sh := st.Shots[i]
	switch {
	case sh.Record == 0 && st.Making:
		if i == 0 || st.Shots[i-1].Record != 0 {
			return lang.L("Next: starts when the shot before is ready")
		}
		return lang.L("Waiting for the shots before it")
	case sh.Record == 0:
		return lang.L("Not made yet")
	case !has:
		return lang.L("No longer in the library")
	case history.ShotMade(r):
		if len(r.Files) > 0 && r.Files[0].Media.Duration > 0 {
			return lang.L("Made · {{.Length}}", map[string]any{"Length": minSec(r.Files[0].Media.Duration)})
		}
		return lang.L("Made")
	case r.State == store.StateSuccess && r.Download == store.DownloadWaiting:
		if got, ok := v.got[r.ID]; ok {
			return lang.L("Downloading… {{.Percent}} %", map[string]any{"Percent": int(got * 100)})
		}
	}
	return statusText(r)
}

// showFrames shows the first and last frame of a made shot; the last is
// taken once with ffmpeg, in the background, beside the thumbnail.
func (c *shotCard) showFrames(r store.Record, made bool) {
	if !made {
		c.first.File, c.last.File, c.lastFor = "", "", ""
		c.first.Hide()
		c.last.Hide()
		return
	}
	f := r.Files[slices.IndexFunc(r.Files, func(f store.File) bool { return !f.Missing })]
	thumb := c.v.ui.deps.Library.ThumbnailPath(f)
	if thumb == "" {
		return
	}
	if c.first.File != thumb {
		c.first.File = thumb
		c.first.Refresh()
	}
	c.first.Show()
	if c.lastFor == f.Path {
		return
	}
	c.lastFor = f.Path
	last := strings.TrimSuffix(thumb, filepath.Ext(thumb)) + ".last.png"
	c.v.ui.background(func(ctx context.Context) {
		if _, err := os.Stat(last); err != nil {
			video, err := c.v.ui.deps.Library.Folder().Abs(f.Path)
			if err != nil || media.LastFrame(ctx, video, last) != nil {
				return
			}
		}
		c.v.ui.do(func() {
			if c.lastFor == f.Path {
				c.last.File = last
				c.last.Refresh()
				c.last.Show()
			}
		})
	})
}

// fixedWidth lays out its one object at a fixed width and the object's
// own height.
type fixedWidth float32

func (w fixedWidth) MinSize(objects []fyne.CanvasObject) fyne.Size {
	h := float32(0)
	for _, o := range objects {
		h = max(h, o.MinSize().Height)
	}
	return fyne.NewSize(float32(w), h)
}

func (w fixedWidth) Layout(objects []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objects {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

// shotPrompt is a shot's prompt: several lines, in which Tab and
// Shift+Tab move to the next and the previous field, as in the rest of the
// window, instead of typing a tab no model wants; Esc closes the window.
type shotPrompt struct{ widget.Entry }

func newShotPrompt() *shotPrompt {
	e := &shotPrompt{}
	e.MultiLine = true
	e.Wrapping = fyne.TextWrapWord
	e.ExtendBaseWidget(e)
	return e
}

// AcceptsTab is false: Tab moves the focus on.
func (e *shotPrompt) AcceptsTab() bool { return false }

// TypedKey closes the window on Esc.
func (e *shotPrompt) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && houseFocusedKey(e, k) {
		return
	}
	e.Entry.TypedKey(k)
}
