package gui

// This file is the creative loop around one video: continue it from its
// last frame in the compose pane, restore a dropped video's settings, and
// the detail view's links between a video, its variations and the videos
// that continue it.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history/library"
	"github.com/reelhouse/reelhouse/history/media"
	"github.com/reelhouse/reelhouse/history/store"
)

// textNeedsFFmpeg is said where continuing a video needs ffmpeg.
const textNeedsFFmpeg = "Continuing a video needs FFmpeg (ffmpeg.org) to take its last frame: install it, then start Reelhouse again."

// videoExtensions are the kinds of video whose sidecar a drop is read for.
var videoExtensions = []string{".mp4", ".mov", ".m4v", ".webm", ".mkv"}

// haveFFmpeg reports whether the ffmpeg program is installed. It looks at
// the disk once: call it off the UI goroutine. Tests replace it.
var haveFFmpeg = sync.OnceValue(func() bool {
	_, err := exec.LookPath("ffmpeg")
	return err == nil
})

// canContinue reports whether r has a video to take a last frame from.
func canContinue(r store.Record) bool {
	return r.State == store.StateSuccess && r.TaskID != "" && !r.Trashed() &&
		slices.ContainsFunc(r.Files, func(f store.File) bool { return !f.Missing })
}

// continueFlow starts a new video where one in the library ends, or from
// the frame the player shows ("Use this frame"): it takes the frame in the
// background and gives it to the compose pane as the first frame.
type continueFlow struct{ ui *UI }

// continueVideo takes the last frame of r's video number idx in the
// background and starts a new prompt from it in the compose pane.
func (cf *continueFlow) continueVideo(r store.Record, idx int) {
	prompt := map[string]any{"Prompt": firstLine(r.Request.Prompt, 40)}
	cf.continueFromFrame(r, idx, continueStart{
		name:      lang.L("Last frame of “{{.Prompt}}”.png", prompt),
		status:    lang.L("The next video starts where this one ends. Say what happens next, then press Generate."),
		failTitle: lang.L("Could not take the last frame"),
		failText:  lang.L("Reelhouse could not take the last frame of the video. Check that the video plays, then try again."),
		take:      media.LastFrame,
	})
}

// useFrame is continueVideo from the frame at `at` instead of the last:
// the player's "Use this frame".
func (cf *continueFlow) useFrame(r store.Record, idx int, at time.Duration) {
	frame := map[string]any{"Seconds": fmt.Sprintf("%.2f", at.Seconds()), "Time": minSec(at), "Prompt": firstLine(r.Request.Prompt, 40)}
	cf.continueFromFrame(r, idx, continueStart{
		name:      lang.L("Frame at {{.Seconds}} s of “{{.Prompt}}”.png", frame),
		status:    lang.L("The next video starts from this frame. Say what happens next, then press Generate."),
		failTitle: lang.L("Could not take the frame"),
		failText:  lang.L("Reelhouse could not take the frame at {{.Time}} of the video. Check that the video plays, then try again.", frame),
		take: func(ctx context.Context, video, out string) error {
			return media.FrameAt(ctx, video, at, out)
		},
	})
}

// continueStart is where a continuation starts: which frame, how the
// picture is named, what the compose pane says, and what is said when the
// frame cannot be taken.
type continueStart struct {
	name      string
	status    string
	failTitle string
	failText  string
	take      func(ctx context.Context, video, outPNG string) error
}

// continueFromFrame takes a frame of r's video number idx in the
// background and starts a new prompt from it in the compose pane.
func (cf *continueFlow) continueFromFrame(r store.Record, idx int, from continueStart) {
	if idx < 0 || idx >= len(r.Files) || !canContinue(r) {
		return
	}
	rel := r.Files[idx].Path
	cf.ui.background(func(ctx context.Context) {
		frame, err := cf.takeFrame(ctx, rel, from.take)
		if errors.Is(err, media.ErrNoFFmpeg) {
			cf.ui.do(func() { cf.ui.compose.status.fail(lang.L(textNeedsFFmpeg), nil) })
			return
		}
		if err != nil {
			cf.ui.showError(cf.ui.main, from.failTitle, &explained{text: from.failText, cause: err})
			return
		}
		cf.ui.do(func() { cf.ui.compose.startContinuing(r, frame, from.name, from.status) })
	})
}

// takeFrame returns a frame of the library's video at rel as a PNG, as
// take writes it.
func (cf *continueFlow) takeFrame(ctx context.Context, rel string, take func(ctx context.Context, video, outPNG string) error) ([]byte, error) {
	p, err := cf.ui.deps.Library.Folder().Abs(rel)
	if err != nil {
		return nil, err
	}
	var frame []byte
	err = media.WithFrame(ctx, p, take, func(png string) (err error) {
		frame, err = readFileLimited(png, client.MaxInlineImageSize)
		return err
	})
	return frame, err
}

// startContinuing fills the form from r and makes frame, a frame of r's
// video, the first frame of the next video, named name; status says so.
// What is sent then remembers r.
func (v *composeView) startContinuing(r store.Record, frame []byte, name, status string) {
	req := r.Request
	req.Image = nil
	v.fill(req)
	v.continueFrom, v.continueName = r.ID, name
	v.imageRole.SetSelected(labelOf(roleChoices(), "first_frame"))
	v.variations.SetSelectedIndex(0) // one next video, whatever the last Generate made
	v.useImage(storage.NewFileURI(filepath.Join(os.TempDir(), name)), io.NopCloser(bytes.NewReader(frame)))
	v.status.say(status)
	v.continueSaid = status
}

// continuing is the record the form continues, or 0 once its last frame
// is no longer the picture.
func (v *composeView) continuing() int64 {
	if v.continueFrom != 0 && v.image != "" && v.imageName == v.continueName {
		return v.continueFrom
	}
	return 0
}

// submit sends req, as a continuation of record from when it is not 0.
func (v *composeView) submit(ctx context.Context, req client.CreateRequest, from int64) (store.Record, error) {
	if from != 0 {
		return v.ui.deps.Tracker.SubmitContinuing(ctx, req, from)
	}
	return v.ui.deps.Tracker.Submit(ctx, req)
}

// onVideoDropped restores the prompt and settings of a dropped video from
// the Reelhouse sidecar beside it; it reports false (in the background,
// through done) when there is none, so the caller can say what to drop.
func (v *composeView) onVideoDropped(path string, done func(ok bool)) {
	v.ui.background(func(ctx context.Context) {
		sc, err := library.ReadSidecar(library.SidecarPath(path))
		if err != nil {
			v.ui.do(func() { done(false) })
			return
		}
		req := sc.Request
		// A file kept in another library folder is not in this one.
		req.Image = slices.DeleteFunc(slices.Clone(req.Image), v.keptElsewhere)
		req.Video = slices.DeleteFunc(slices.Clone(req.Video), v.keptElsewhere)
		req.Audio = slices.DeleteFunc(slices.Clone(req.Audio), v.keptElsewhere)
		v.ui.do(func() {
			v.fill(req)
			v.status.say(lang.L("Prompt and settings restored from {{.File}}. Change anything, then press Generate.",
				map[string]any{"File": userText(filepath.Base(path))}))
			done(true)
		})
	})
}

// recordLinks is the part of the detail view about compare and continue:
// "Compare the N variations", "Continue this video", and buttons to the
// video this one continues and the videos that continue it.
type recordLinks struct {
	ui  *UI
	box *fyne.Container

	compareBtn  *widget.Button
	continueBtn *widget.Button
	ffmpegHint  *widget.Label
	fromBtn     *widget.Button
	later       *fyne.Container // "Continued in" buttons
	shots       *fyne.Container // a film's shots, each a button to its video

	record     store.Record
	fileIdx    int
	compareIDs []int64
	seq        int // tells the last record's lookups from stale ones
}

func newRecordLinks(u *UI) *recordLinks {
	l := &recordLinks{ui: u}
	l.compareBtn = widget.NewButtonWithIcon("", theme.ViewRestoreIcon(), l.onCompare)
	l.continueBtn = widget.NewButtonWithIcon(lang.L("Continue this video"), theme.MediaSkipNextIcon(), l.onContinue)
	l.ffmpegHint = hintLabel(lang.L(textNeedsFFmpeg))
	l.fromBtn = widget.NewButtonWithIcon("", theme.NavigateBackIcon(), nil)
	l.fromBtn.Alignment = widget.ButtonAlignLeading
	l.later = container.NewVBox()
	l.shots = container.NewVBox()
	l.box = container.NewVBox(l.shots, l.compareBtn, l.continueBtn, l.ffmpegHint, l.fromBtn, l.later)
	for _, o := range l.box.Objects {
		o.Hide()
	}
	return l
}

// content is the links, for the detail view to hold.
func (l *recordLinks) content() fyne.CanvasObject { return l.box }

// show fits the links to r (its video number fileIdx); what needs the
// disk is looked up in the background.
func (l *recordLinks) show(r store.Record, fileIdx int) {
	same := r.ID == l.record.ID
	l.record, l.fileIdx = r, fileIdx
	l.compareIDs = l.ui.compareOffer(r)
	if len(l.compareIDs) >= 2 {
		l.compareBtn.SetText(lang.L("Compare the {{.Count}} variations", map[string]any{"Count": len(l.compareIDs)}))
		l.compareBtn.Show()
	} else {
		l.compareBtn.Hide()
	}
	if canContinue(r) {
		l.continueBtn.Show()
	} else {
		l.continueBtn.Hide()
		l.ffmpegHint.Hide()
	}
	if same {
		return // the links of a record change only when another is chosen
	}
	l.fromBtn.Hide()
	l.later.RemoveAll()
	l.later.Hide()
	l.shots.RemoveAll()
	l.shots.Hide()
	l.seq++
	seq := l.seq
	l.ui.background(func(ctx context.Context) {
		ffmpeg := haveFFmpeg()
		shots := filmShots(ctx, l.ui.deps.Store, r)
		src, hasSrc, err := l.ui.deps.Store.ContinuedFrom(ctx, r)
		if err != nil {
			fyne.LogError("reading which video a video continues", err)
		}
		next, err := l.ui.deps.Store.Continuations(ctx, r.ID)
		if err != nil {
			fyne.LogError("reading which videos continue a video", err)
		}
		l.ui.do(func() {
			if seq != l.seq {
				return
			}
			l.showLinks(ffmpeg, src, hasSrc, next)
			l.showShots(r, shots)
		})
	})
}

// showLinks shows what show looked up.
func (l *recordLinks) showLinks(ffmpeg bool, src store.Record, hasSrc bool, next []store.Record) {
	if canContinue(l.record) {
		enable(l.continueBtn, ffmpeg)
		if ffmpeg {
			l.ffmpegHint.Hide()
		} else {
			l.ffmpegHint.Show()
		}
	}
	if hasSrc {
		l.fromBtn.SetText(lang.L("Continued from “{{.Prompt}}”", map[string]any{"Prompt": firstLine(src.Request.Prompt, 50)}))
		l.fromBtn.OnTapped = func() { l.ui.library.selectRecord(src) }
		l.fromBtn.Show()
	}
	for _, n := range next {
		b := widget.NewButtonWithIcon(lang.L("Continued in “{{.Prompt}}”", map[string]any{"Prompt": firstLine(n.Request.Prompt, 50)}), theme.NavigateNextIcon(),
			func() { l.ui.library.selectRecord(n) })
		b.Alignment = widget.ButtonAlignLeading
		l.later.Add(b)
	}
	if len(next) > 0 {
		l.later.Show()
	}
	l.box.Refresh()
}

// filmShots are the records of the shots of film r, in order; a zero
// record stands for a shot no longer in the history.
func filmShots(ctx context.Context, st *store.Store, r store.Record) []store.Record {
	var out []store.Record
	for _, fs := range r.Film {
		rec, err := st.ByTaskID(ctx, fs.TaskID)
		if err != nil {
			rec = store.Record{}
		}
		out = append(out, rec)
	}
	return out
}

// showShots lists the shots of film r, each a button to its video.
func (l *recordLinks) showShots(r store.Record, shots []store.Record) {
	if !r.IsFilm() {
		return
	}
	l.shots.Add(widget.NewLabelWithStyle(lang.L("Shots"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
	for i, s := range shots {
		words := map[string]any{"Number": i + 1, "Prompt": firstLine(s.Request.Prompt, 50)}
		b := widget.NewButtonWithIcon(lang.L("Shot {{.Number}}: “{{.Prompt}}”", words), theme.MediaVideoIcon(), func() { l.ui.library.selectRecord(s) })
		b.Alignment = widget.ButtonAlignLeading
		if s.ID == 0 {
			b.SetText(lang.L("Shot {{.Number}}: no longer in the library", words))
			b.Disable()
		}
		l.shots.Add(b)
	}
	l.shots.Show()
	l.box.Refresh()
}

func (l *recordLinks) onCompare() {
	if len(l.compareIDs) >= 2 {
		l.ui.showCompare(l.compareIDs)
	}
}

func (l *recordLinks) onContinue() {
	l.ui.continueFlow.continueVideo(l.record, l.fileIdx)
}
