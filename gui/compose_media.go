package gui

// This file is the compose form's reference video and reference sound:
// every input the create call takes besides the picture. Each is picked
// or dropped, read and checked in the background (kind, size, length),
// shown by its name and length, sent inline, and kept in the library by
// the tracker like a picture.

import (
	"context"
	"errors"
	"io"
	"os"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history/media"
)

// The extensions offered when picking a reference video or sound: the
// types a file's first bytes tell apart.
var (
	refVideoExtensions = []string{".mp4", ".m4v", ".webm"}
	refSoundExtensions = []string{".mp3", ".wav", ".ogg"}
)

// refInput is one optional reference file of the form. Its fields are
// used on the UI goroutine only.
type refInput struct {
	compose *composeView
	kind    string // client.KindVideo or client.KindAudio
	role    string // the role the request gives it
	exts    []string
	// url is the data: URL of a file picked now; kept names an earlier
	// request's file, kept in the library. At most one is set.
	url  string
	kept client.Media

	hint    string        // what the label says while no file is chosen
	preview *canvas.Image // a video's first frame, once one is chosen
	label   *widget.Label
	clear   *widget.Button
	problem *widget.Label
	box     fyne.CanvasObject
}

func newRefInput(c *composeView, kind string) *refInput {
	in := &refInput{compose: c, kind: kind}
	var pickText, hint string
	icon := theme.FileVideoIcon()
	switch kind {
	case client.KindVideo:
		in.role, in.exts = "reference_video", refVideoExtensions
		pickText = lang.L("Add a video…")
		hint = lang.L("Optional: a video whose movement or camera the new one follows. MP4 or WebM, up to {{.Size}} MB.",
			map[string]any{"Size": client.MaxInlineVideoSize >> 20})
	default:
		in.role, in.exts = "reference_audio", refSoundExtensions
		icon = theme.FileAudioIcon()
		pickText = lang.L("Add a sound…")
		hint = lang.L("Optional: a sound or song for the video, with a picture or a video. MP3, WAV or Ogg, up to {{.Size}} MB.",
			map[string]any{"Size": client.MaxInlineAudioSize >> 20})
	}
	pick := widget.NewButtonWithIcon(pickText, icon, in.onPick)
	in.hint = hint
	in.label = hintLabel(hint)
	in.clear = widget.NewButtonWithIcon("", theme.ContentClearIcon(), in.onClear)
	in.clear.Importance = widget.LowImportance
	in.clear.Hide()
	in.problem = errorLabel()
	in.preview = canvas.NewImageFromResource(nil)
	in.preview.FillMode = canvas.ImageFillContain
	in.preview.SetMinSize(fyne.NewSize(72, 40))
	in.preview.Hide()
	in.box = container.NewVBox(container.NewBorder(nil, nil, nil, container.NewCenter(in.clear), pick),
		container.NewBorder(nil, nil, in.preview, nil, in.label), in.problem)
	return in
}

// content is the form's row for the file.
func (in *refInput) content() fyne.CanvasObject { return in.box }

// media is what the request sends for the file: nothing, the file picked
// now, or the earlier request's.
func (in *refInput) media() []client.Media {
	switch {
	case in.url != "":
		return []client.Media{{Role: in.role, URL: in.url}}
	case in.kept.File != "":
		m := in.kept
		m.Role = in.role
		return []client.Media{m}
	}
	return nil
}

// fill takes an earlier request's file of this kind, for "Generate again".
func (in *refInput) fill(list []client.Media) {
	in.onClear()
	if len(list) == 0 {
		return
	}
	in.url, in.kept = list[0].URL, list[0]
	if in.kind == client.KindVideo {
		in.label.SetText(lang.L("The video of the earlier request"))
	} else {
		in.label.SetText(lang.L("The sound of the earlier request"))
	}
	in.clear.Show()
	in.box.Refresh()
}

func (in *refInput) onClear() {
	in.url, in.kept = "", client.Media{}
	in.showFrame(nil)
	setError(in.problem, "")
	in.clear.Hide()
	in.label.SetText(in.hint)
	in.box.Refresh()
}

func (in *refInput) onPick() {
	win := in.compose.win
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			in.compose.ui.showError(win, lang.L("Could not open the file"), err)
			return
		}
		if r == nil {
			return // cancelled
		}
		in.use(r.URI(), r)
	}, win)
	d.SetFilter(storage.NewExtensionFileFilter(in.exts))
	showFile(d, win)
}

// takes reports whether a file named so is one this input offers.
func (in *refInput) takes(uri fyne.URI) bool {
	return slices.Contains(in.exts, strings.ToLower(uri.Extension()))
}

// use reads the file at uri (from r when already open) in the background,
// checks it, and shows its name and length when it can be sent.
func (in *refInput) use(uri fyne.URI, r io.ReadCloser) {
	name := uri.Name()
	before := in.label.Text
	setError(in.problem, "")
	in.label.SetText(lang.L("Reading {{.File}}…", map[string]any{"File": userText(name)}))
	in.compose.ui.background(func(ctx context.Context) {
		url, length, err := in.read(ctx, uri, r)
		var frame []byte
		if err == nil && in.kind == client.KindVideo && uri.Scheme() == "file" {
			frame = firstFrame(ctx, uri.Path())
		}
		in.compose.ui.do(func() {
			if err != nil {
				in.label.SetText(before) // the file chosen before, if any, stays
				setError(in.problem, userText(name)+": "+err.Error())
				return
			}
			in.url, in.kept = url, client.Media{}
			text := userText(name)
			if length != "" {
				text += " · " + length
			}
			in.label.SetText(text)
			in.showFrame(frame)
			in.clear.Show()
			in.box.Refresh()
		})
	})
}

// showFrame shows a video's first frame (a PNG) beside its name, or none.
func (in *refInput) showFrame(png []byte) {
	if png == nil {
		in.preview.Resource = nil
		in.preview.Hide()
		return
	}
	in.preview.Resource = fyne.NewStaticResource("first-frame.png", png)
	in.preview.Refresh()
	in.preview.Show()
}

// firstFrame is the first frame of the video at path as a PNG, or nil
// when it cannot be taken (no ffmpeg: the name and length still show).
func firstFrame(ctx context.Context, path string) []byte {
	var frame []byte
	at0 := func(ctx context.Context, video, out string) error { return media.FrameAt(ctx, video, 0, out) }
	err := media.WithFrame(ctx, path, at0, func(png string) (err error) {
		frame, err = readFileLimited(png, client.MaxInlineImageSize)
		return err
	})
	if err != nil {
		return nil
	}
	return frame
}

// read reads and checks a reference file: its size, that its bytes are of
// this input's kind, and, where the file can be probed, its length.
func (in *refInput) read(ctx context.Context, uri fyne.URI, r io.ReadCloser) (url, length string, err error) {
	if r == nil {
		if r, err = storage.Reader(uri); err != nil {
			return "", "", sentence(lang.L("The file could not be opened: {{.Reason}}", map[string]any{"Reason": err}))
		}
	}
	defer r.Close()
	limit := client.MaxInlineSize(in.kind)
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return "", "", sentence(lang.L("The file could not be read: {{.Reason}}", map[string]any{"Reason": err}))
	}
	url, err = client.MediaDataURL(in.kind, data)
	switch {
	case errors.Is(err, client.ErrMediaTooLarge):
		return "", "", sentence(lang.L("The file is larger than {{.Size}} MB, more than the service takes. Pick a shorter or smaller one.",
			map[string]any{"Size": limit >> 20}))
	case err != nil && in.kind == client.KindVideo:
		return "", "", sentence(lang.L("That file is not a video Reelhouse can send. Pick an MP4 or WebM file."))
	case err != nil:
		return "", "", sentence(lang.L("That file is not a sound Reelhouse can send. Pick an MP3, WAV or Ogg file."))
	}
	if uri.Scheme() == "file" {
		info, perr := media.Describe(ctx, uri.Path())
		switch {
		case perr == nil && info.Duration > 0:
			length = minSec(info.Duration)
		case perr == nil && in.kind == client.KindVideo && info.Width == 0:
			return "", "", sentence(lang.L("That video has no picture Reelhouse can find. Pick another one."))
		}
	}
	return url, length, nil
}

// keptElsewhere reports whether m names a file kept in a library folder
// that this library does not hold (a video dropped from another one).
func (c *composeView) keptElsewhere(m client.Media) bool {
	if m.File == "" {
		return false
	}
	p, err := c.ui.deps.Library.Folder().Abs(m.File)
	if err != nil {
		return true
	}
	_, err = os.Stat(p)
	return err != nil
}
