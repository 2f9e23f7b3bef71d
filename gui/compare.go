package gui

// This file is Compare: two to four videos side by side, played in step
// with one set of controls, with a table of only the settings that differ,
// "Favourite this one" (with a star) and "Trash the others".

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/reelhouse/reelhouse/gui/playback"
	"github.com/reelhouse/reelhouse/history/media"
	"github.com/reelhouse/reelhouse/history/store"
)

// The words of the button that makes a compared video a favourite, before
// and after: it only marks it, so it says so.
const (
	compareFavourite = "Favourite this one"
	compareFavoured  = "In favourites"
)

// starIcon is the favourite's star (Material Design's, as Fyne's icons
// are), drawn in the theme's colours and dimmed on a disabled button.
var starIcon = theme.NewThemedResource(fyne.NewStaticResource("star.svg", []byte(
	`<svg xmlns="http://www.w3.org/2000/svg" width="24" height="24" viewBox="0 0 24 24">`+
		`<path d="M12 17.27 18.18 21l-1.64-7.03L22 9.24l-7.19-.61L12 2 9.19 8.63 2 9.24l5.46 4.73L5.82 21z"/></svg>`)))

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
func variationsOf(recs []store.Record, r store.Record) []int64 {
	if !comparable(r) {
		return nil
	}
	var same []store.Record
	for _, o := range recs {
		if o.ID == r.ID || (o.CreatedAt.Sub(r.CreatedAt).Abs() <= maxVariations*batchGap && reflect.DeepEqual(o.Request, r.Request)) {
			same = append(same, o)
		}
	}
	slices.SortFunc(same, func(a, b store.Record) int { return a.CreatedAt.Compare(b.CreatedAt) })
	// Keep the unbroken run around r.
	at := slices.IndexFunc(same, func(o store.Record) bool { return o.ID == r.ID })
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
func comparable(r store.Record) bool {
	return r.State == store.StateSuccess && !r.Trashed() &&
		slices.ContainsFunc(r.Files, func(f store.File) bool { return !f.Missing })
}

// compareOffer is what the detail view offers to compare with r: the
// videos of the same Generate press among those the library shows.
func (u *UI) compareOffer(r store.Record) []int64 {
	return variationsOf(u.library.model.records, r)
}

// compareRow is one setting in which the compared videos differ.
type compareRow struct {
	Name   string
	Values []string // one per video, in the order compared
}

// differences lists the settings in which recs differ, in the order a
// person reads them; settings they share are left out.
func differences(recs []store.Record) []compareRow {
	var rows []compareRow
	add := func(name string, value func(store.Record) string) {
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
	add(lang.L("Model"), func(r store.Record) string { return modelName(r.Request.Model) })
	add(lang.L("Shape"), func(r store.Record) string { return nameOf(ratioChoices, r.Request.Ratio) })
	add(lang.L("Quality"), func(r store.Record) string { return nameOf(resolutionChoices, r.Request.Resolution) })
	add(lang.L("Length"), func(r store.Record) string {
		if r.Request.Duration > 0 {
			return lang.N("{{.Count}} seconds", r.Request.Duration, map[string]any{"Count": r.Request.Duration})
		}
		return lang.L("the model's")
	})
	add(lang.L("Picture"), func(r store.Record) string {
		if len(r.Request.Image) == 0 {
			return lang.L("none")
		}
		m := r.Request.Image[0]
		id := m.SHA256
		if id == "" {
			id = m.File + m.URL
		}
		if len(id) > 8 {
			id = id[len(id)-8:]
		}
		return lang.L("{{.Role}} {{.Picture}}", map[string]any{"Role": nameOf(roleChoices(), m.Role), "Picture": id})
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
		add(k, func(r store.Record) string {
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

// compareNoFFmpeg is said in Compare where the videos cannot be played.
const compareNoFFmpeg = "Install FFmpeg to play the videos side by side inside Reelhouse."

// compareResyncFrames is how far, in frames, a silent player may drift
// from the one with sound before it is sent to the sound's time.
const compareResyncFrames = 2

// compareItem is one video to compare, as read off the UI goroutine.
type compareItem struct {
	rec     store.Record
	picture []byte     // its thumbnail, nil when it has none
	path    string     // the video file; empty when it cannot be found
	info    media.Info // its picture's size, rate and length
}

// compareView is the Compare window. It is made once and reused.
type compareView struct {
	ui  *UI
	win fyne.Window

	title  *widget.Label
	cells  *fyne.Container
	table  *fyne.Container
	status *widget.Label

	// The shared controls: they drive every player at once.
	bar     *fyne.Container
	playBtn *widget.Button
	loopBtn *widget.Button
	scrub   *widget.Slider
	clock   *widget.Label
	notice  *widget.Label

	recs     []store.Record
	items    []compareItem
	thumbs   []*canvas.Image
	screens  []*fyne.Container // each cell's screen: its picture, then its player
	speakers []*widget.Button  // "play this one's sound", per video
	keep     []*widget.Button  // "Favourite this one", per video
	others   []*widget.Button  // "Trash the others", per video
	trashed  map[int64]bool
	loadSeq  int

	// The players, one per video (nil where a video has no file); the one
	// at leader plays its sound, the others are silent and keep pace with
	// it through follow.
	players   []*playerView
	leader    int
	follow    *followClock
	opts      playback.Options // the sound device; tests replace it
	playing   bool             // the leader plays
	loop      bool
	dragging  bool
	length    time.Duration // of the longest video
	pos       time.Duration // the leader's time
	shown     int           // frames the leader has shown, to pace resyncs
	resyncAt  []int         // shown when a player was last sent somewhere
	startAt   time.Duration // where players opened by openPlayers start
	startPlay bool
}

func newCompareView(u *UI) *compareView {
	c := &compareView{ui: u, trashed: map[int64]bool{}}
	c.win = secondaryWindow(u.app, lang.L("Compare"), fyne.NewSize(1366, 768))
	// Hiding the window closes the players; secondaryWindow's ways to hide
	// it are taken over for that.
	c.win.SetCloseIntercept(c.onClose)
	c.win.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyW, Modifier: fyne.KeyModifierShortcutDefault},
		func(fyne.Shortcut) { c.onClose() })
	houseWindowEsc[c.win.Canvas()] = c.onClose
	c.win.Canvas().SetOnTypedKey(func(e *fyne.KeyEvent) {
		if houseKey(c.win.Canvas(), e) {
			return // a dialog's Enter or Esc, or Esc closing the window
		}
		if e.Name == fyne.KeySpace {
			c.onPlayPause()
		}
	})
	c.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	c.cells = container.NewGridWithRows(1)
	c.table = container.NewVBox()
	c.status = widget.NewLabel("")

	c.playBtn = widget.NewButtonWithIcon("", theme.MediaPlayIcon(), c.onPlayPause)
	c.loopBtn = widget.NewButtonWithIcon("", theme.MediaReplayIcon(), c.onLoop)
	c.loopBtn.Importance = widget.LowImportance
	c.scrub = widget.NewSlider(0, 0.01)
	c.scrub.Step = 0.01
	c.scrub.OnChanged = c.onScrub
	c.scrub.OnChangeEnded = c.onScrubEnded
	c.clock = widget.NewLabel(playTimeText(0, 0))
	c.bar = container.NewBorder(nil, nil, container.NewHBox(c.playBtn, c.loopBtn), c.clock, c.scrub)
	c.notice = widget.NewLabel("")
	c.notice.Hide()

	bottom := container.NewVBox(c.bar, c.notice, widget.NewSeparator(), c.table, c.status)
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
		var items []compareItem
		for _, id := range ids {
			r, err := u.deps.Store.Get(ctx, id)
			if err != nil {
				u.showError(c.win, lang.L("Could not compare the videos"), err)
				return
			}
			it := compareItem{rec: r}
			if i := slices.IndexFunc(r.Files, func(f store.File) bool { return !f.Missing }); i >= 0 {
				f := r.Files[i]
				if p := u.deps.Library.ThumbnailPath(f); p != "" {
					it.picture, _ = os.ReadFile(p) // no picture: the cell says so
				}
				if p, err := u.deps.Library.Folder().Abs(f.Path); err == nil {
					it.path, it.info = p, f.Media
					if it.info.Duration <= 0 {
						if info, err := media.Probe(p); err == nil {
							it.info = info
						}
					}
				}
			}
			items = append(items, it)
		}
		u.do(func() {
			if seq == c.loadSeq {
				c.fill(items)
			}
		})
	})
}

// fill shows the videos of items side by side, starts their players, and
// shows what differs.
func (c *compareView) fill(items []compareItem) {
	recs := make([]store.Record, len(items))
	for i, it := range items {
		recs[i] = it.rec
	}
	c.recs, c.items, c.trashed = recs, items, map[int64]bool{}
	c.thumbs, c.screens, c.speakers, c.keep, c.others = nil, nil, nil, nil, nil
	c.cells.RemoveAll()
	for i, it := range items {
		c.cells.Add(c.cell(i, it.rec, it.picture))
	}
	c.length = 0
	for _, it := range items {
		c.length = max(c.length, it.info.Duration)
	}
	c.scrub.Max = max(c.length.Seconds(), 0.01)
	c.notice.Hide()
	c.bar.Show()
	c.setPosition(0)
	// The first video that has a file is heard.
	c.openPlayers(max(slices.IndexFunc(items, func(it compareItem) bool { return it.path != "" }), 0), 0, false)
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
func (c *compareView) cell(i int, r store.Record, picture []byte) fyne.CanvasObject {
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
	screenBox := container.NewStack(screen)
	c.screens = append(c.screens, screenBox)
	speaker := widget.NewButtonWithIcon("", theme.VolumeUpIcon(), func() { c.onSpeaker(i) })
	c.speakers = append(c.speakers, speaker)
	heading := container.NewBorder(nil, nil, nil, speaker,
		widget.NewLabelWithStyle(lang.L("Video {{.Number}}", map[string]any{"Number": i + 1}), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	prompt := widget.NewLabel(firstLine(r.Request.Prompt, 120))
	prompt.Truncation = fyne.TextTruncateEllipsis
	keep := widget.NewButtonWithIcon(lang.L(compareFavourite), starIcon, func() { c.onKeep(r.ID) })
	if r.Favourite {
		keep.SetText(lang.L(compareFavoured))
		keep.Disable()
	}
	c.keep = append(c.keep, keep)
	others := widget.NewButtonWithIcon(lang.L("Trash the others"), theme.DeleteIcon(), func() { c.onTrashOthers(r.ID) })
	others.Importance = widget.DangerImportance
	c.others = append(c.others, others)
	return container.NewBorder(heading, container.NewVBox(prompt, container.NewGridWithColumns(2, keep, others)), nil, nil, screenBox)
}

// followClock is the clock of Compare's silent players: the time the
// player with sound has played, once it is open; until then it stands
// still (that player's time starts at 0 too).
type followClock struct {
	mu     sync.Mutex
	leader playback.Clock
}

func (f *followClock) set(c playback.Clock) {
	f.mu.Lock()
	f.leader = c
	f.mu.Unlock()
}

func (f *followClock) get() playback.Clock {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.leader
}

func (f *followClock) Now() time.Duration {
	if c := f.get(); c != nil {
		return c.Now()
	}
	return 0
}

func (f *followClock) After(d time.Duration) <-chan time.Time {
	if c := f.get(); c != nil {
		return c.After(d)
	}
	return time.After(d)
}

// openPlayers starts a player in every cell, the one of video leader
// with sound, at time at, playing when play is set. Players open in the
// background; each takes its cell's screen at its first frame.
func (c *compareView) openPlayers(leader int, at time.Duration, play bool) {
	c.closePlayers()
	c.leader, c.startAt, c.startPlay = leader, at, play
	c.follow = &followClock{}
	c.players = make([]*playerView, len(c.items))
	c.resyncAt = make([]int, len(c.items))
	c.shown = 0
	for i, it := range c.items {
		setToggled(c.speakers[i], i == leader)
		if it.path == "" {
			c.speakers[i].Disable()
			continue
		}
		opts := c.opts // each is decoded at the size it is shown at
		if i != leader {
			opts.Silent, opts.Clock = true, c.follow
		}
		var v *playerView
		v = newBarePlayerView(c.ui, it.path, it.info, "", opts, playerHooks{
			opened: func(err error) { c.onPlayerOpened(i, v, err) },
			shown:  func(f *playback.Frame) { c.onPlayerFrame(i, v, f) },
			status: func(s playback.Status) { c.onPlayerStatus(i, v, s) },
			tapped: c.onPlayPause,
			room:   c.screens[i].Size, // where it goes at its first frame
		})
		c.players[i] = v
	}
}

// closePlayers ends every player; their ffmpeg processes and goroutines
// end in the background.
func (c *compareView) closePlayers() {
	for i, v := range c.players {
		if v == nil {
			continue
		}
		v.close()
		if i < len(c.screens) && i < len(c.thumbs) {
			c.screens[i].Objects = []fyne.CanvasObject{c.thumbs[i]}
			c.screens[i].Refresh()
		}
	}
	c.players = nil
	c.playing = false
	c.playBtn.SetIcon(theme.MediaPlayIcon())
}

// onClose hides the window and closes the players.
func (c *compareView) onClose() {
	c.loadSeq++ // videos still being read are not shown
	c.closePlayers()
	c.win.Hide()
}

// current reports whether v is the player of cell i now, and not one
// closed since.
func (c *compareView) current(i int, v *playerView) bool {
	return i < len(c.players) && c.players[i] == v
}

func (c *compareView) onPlayerOpened(i int, v *playerView, err error) {
	if !c.current(i, v) {
		return
	}
	if err != nil {
		if errors.Is(err, playback.ErrNoFFmpeg) {
			c.bar.Hide()
			c.notice.SetText(lang.L(compareNoFFmpeg))
			c.notice.Show()
			c.win.Content().Refresh()
		}
		if i == c.leader {
			c.playBtn.Disable()
			c.scrub.Disable()
		}
		return
	}
	at, play, loop := c.startAt, c.startPlay, c.loop
	v.withPlayer(func(p *playback.Player) {
		if i == c.leader {
			c.follow.set(p.Clock())
		}
		p.SetLoop(loop)
		if at > 0 {
			p.Seek(at)
		}
		if play {
			p.Play()
		}
	})
}

// onPlayerFrame puts a player in its cell at its first frame, and follows
// the leader: its time moves the scrubber, and a silent player that has
// drifted from it is sent to its time.
func (c *compareView) onPlayerFrame(i int, v *playerView, f *playback.Frame) {
	if !c.current(i, v) {
		return
	}
	if c.screens[i].Objects[0] != v.content() {
		v.picture.Translucency = c.thumbs[i].Translucency
		c.screens[i].Objects = []fyne.CanvasObject{v.content()}
		c.screens[i].Refresh()
	}
	if i != c.leader {
		return
	}
	c.shown++
	if !c.dragging {
		c.setPosition(f.PTS)
	}
	if !c.playing {
		return
	}
	for j, o := range c.players {
		if j == i || o == nil || o.frame == nil || c.shown-c.resyncAt[j] < 25 || f.PTS >= o.info.Duration {
			continue
		}
		frames := (o.frame.PTS - f.PTS).Abs().Seconds() * o.info.FrameRate
		if frames > compareResyncFrames {
			c.resyncAt[j] = c.shown
			o.withPlayer(func(p *playback.Player) { p.Seek(f.PTS) })
		}
	}
}

func (c *compareView) onPlayerStatus(i int, v *playerView, s playback.Status) {
	if !c.current(i, v) || i != c.leader {
		return
	}
	c.playing = s.Playing
	if s.Playing {
		c.playBtn.SetIcon(theme.MediaPauseIcon())
	} else {
		c.playBtn.SetIcon(theme.MediaPlayIcon())
	}
}

// setPosition shows t on the scrubber and the clock.
func (c *compareView) setPosition(t time.Duration) {
	c.pos = t
	c.scrub.Value = min(t.Seconds(), c.scrub.Max)
	c.scrub.Refresh()
	c.clock.SetText(playTimeText(t, c.length))
}

// all calls fn with every open player.
func (c *compareView) all(fn func(p *playback.Player)) {
	for _, v := range c.players {
		if v != nil {
			v.withPlayer(fn)
		}
	}
}

// onPlayPause plays or pauses every video.
func (c *compareView) onPlayPause() {
	if c.playing {
		c.startPlay = false
		c.all((*playback.Player).Pause)
		return
	}
	c.startPlay = true // players still opening play too
	c.all((*playback.Player).Play)
}

func (c *compareView) onLoop() {
	c.loop = !c.loop
	setToggled(c.loopBtn, c.loop)
	on := c.loop
	c.all(func(p *playback.Player) { p.SetLoop(on) })
}

// onScrub sends every video to the scrubber's time.
func (c *compareView) onScrub(x float64) {
	c.dragging = true
	c.seekAll(time.Duration(x * float64(time.Second)))
}

func (c *compareView) onScrubEnded(x float64) {
	c.dragging = false
	c.seekAll(time.Duration(x * float64(time.Second)))
}

func (c *compareView) seekAll(at time.Duration) {
	c.startAt = at
	c.pos = at
	c.clock.SetText(playTimeText(at, c.length))
	for j := range c.resyncAt {
		c.resyncAt[j] = c.shown // each takes its time to get there
	}
	c.all(func(p *playback.Player) { p.Seek(at) })
}

// onSpeaker makes the sound of video i the one heard. The players open
// again, with that one leading, where they were.
func (c *compareView) onSpeaker(i int) {
	if i == c.leader || i >= len(c.items) || c.items[i].path == "" {
		return
	}
	c.openPlayers(i, c.pos, c.playing)
}

// onKeep marks the video of record id as a favourite, which is all it
// does: the others stay where they are. Its button then says so, dimmed.
func (c *compareView) onKeep(id int64) {
	i := slices.IndexFunc(c.recs, func(r store.Record) bool { return r.ID == id })
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
			c.keep[i].SetText(lang.L(compareFavoured))
		})
		c.ui.showError(c.win, lang.L("Could not make the video a favourite"), err)
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
			showTrashed(c.win, len(done), func() { c.undoTrash(done) })
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

// playerAt is the player of video i, if it has one.
func (c *compareView) playerAt(i int) *playerView {
	if i < len(c.players) {
		return c.players[i]
	}
	return nil
}

// setTrashed dims the cells of videos moved to (or out of) the trash.
func (c *compareView) setTrashed(ids []int64, on bool) {
	for _, id := range ids {
		c.trashed[id] = on
		if i := slices.IndexFunc(c.recs, func(r store.Record) bool { return r.ID == id }); i >= 0 {
			if v := c.playerAt(i); v != nil {
				if on {
					v.picture.Translucency = 0.7
				} else {
					v.picture.Translucency = 0
				}
				v.picture.Refresh()
			}
			if on {
				c.thumbs[i].Translucency = 0.7
				c.keep[i].Disable()
				c.others[i].Disable()
			} else {
				c.thumbs[i].Translucency = 0
				c.others[i].Enable()
				if c.keep[i].Text != lang.L(compareFavoured) {
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
