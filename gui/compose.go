package gui

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history"
)

// Models offered in the compose window; any other name can be typed.
var knownModels = []string{
	"wan2.1-t2v-turbo",
	"doubao-seedance-2",
	"doubao-seedance-2-mini",
	"doubao-seedance-2-0-fast-260128",
}

// defaultModel is preselected in the compose window.
const defaultModel = "wan2.1-t2v-turbo"

const automatic = "Automatic"

var imageRoles = map[string]string{
	"First frame":     "first_frame",
	"Last frame":      "last_frame",
	"Reference image": "reference_image",
}

// composeView is the main window: write a prompt, pick options, Generate.
type composeView struct {
	ui   *UI
	win  fyne.Window // the main window, which dialogs belong to
	root fyne.CanvasObject

	model      *widget.SelectEntry
	prompt     *widget.Entry
	ratio      *widget.Select
	resolution *widget.Select
	duration   *widget.Select
	extra      *widget.Entry
	imageLabel *widget.Label
	imageRole  *widget.Select
	imageClear *widget.Button
	generate   *widget.Button
	status     *widget.Label

	image     string // data: URL or http(s) URL; empty for none
	lastID    int64  // the record of the last Generate, to show its progress
	inFlight  bool
	lastSent  []byte    // the last request that was sent, as JSON
	lastAt    time.Time // when it was sent
	imageName string

	// keptImage is an earlier request's image kept in the library, used
	// when image is empty.
	keptImage client.Media
}

func newCompose(u *UI) *composeView {
	v := &composeView{ui: u, win: u.main}
	v.model = widget.NewSelectEntry(knownModels)
	v.model.SetText(defaultModel)
	v.prompt = widget.NewMultiLineEntry()
	v.prompt.SetPlaceHolder("Describe the video: what happens, where, the light, the camera…")
	v.prompt.Wrapping = fyne.TextWrapWord
	v.prompt.SetMinRowsVisible(6)

	v.ratio = widget.NewSelect([]string{automatic, "16:9", "9:16", "1:1", "4:3", "3:4", "21:9"}, nil)
	v.ratio.SetSelected(automatic)
	v.resolution = widget.NewSelect([]string{automatic, "480p", "720p", "1080p"}, nil)
	v.resolution.SetSelected(automatic)
	durations := []string{automatic}
	for s := 4; s <= 15; s++ {
		durations = append(durations, fmt.Sprintf("%d seconds", s))
	}
	v.duration = widget.NewSelect(durations, nil)
	v.duration.SetSelected(automatic)
	v.extra = widget.NewMultiLineEntry()
	v.extra.SetPlaceHolder(`Optional, for experts: options for the model as JSON, e.g. {"seed": 42}`)
	v.extra.SetMinRowsVisible(2)

	v.imageLabel = widget.NewLabel("No reference image")
	v.imageRole = widget.NewSelect([]string{"First frame", "Reference image", "Last frame"}, nil)
	v.imageRole.SetSelected("First frame")
	v.imageClear = widget.NewButtonWithIcon("", theme.ContentClearIcon(), v.onImageCleared)
	v.imageClear.Hide()
	pick := widget.NewButtonWithIcon("Add image…", theme.FileImageIcon(), v.onPickImage)

	v.generate = widget.NewButtonWithIcon("Generate", theme.MediaPlayIcon(), v.onGenerate)
	v.generate.Importance = widget.HighImportance
	v.status = widget.NewLabel("")
	v.status.Wrapping = fyne.TextWrapWord

	form := widget.NewForm(
		widget.NewFormItem("Model", v.model),
		widget.NewFormItem("Prompt", v.prompt),
		widget.NewFormItem("Image", container.NewBorder(nil, nil, pick, container.NewHBox(v.imageRole, v.imageClear), v.imageLabel)),
		widget.NewFormItem("Ratio", v.ratio),
		widget.NewFormItem("Resolution", v.resolution),
		widget.NewFormItem("Length", v.duration),
		widget.NewFormItem("Extra options", v.extra),
	)
	toolbar := container.NewHBox(
		widget.NewButtonWithIcon("Settings", theme.SettingsIcon(), func() { u.settings.show() }),
	)
	heading := widget.NewLabelWithStyle("Turn an idea into a video", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	v.root = container.NewPadded(container.NewBorder(
		container.NewBorder(nil, nil, heading, toolbar),
		container.NewVBox(v.generate, v.status),
		nil, nil,
		form,
	))
	return v
}

// content is the compose pane, for the main window to hold.
func (v *composeView) content() fyne.CanvasObject { return v.root }

// request builds the create request from the form, or says what is wrong.
func (v *composeView) request() (client.CreateRequest, error) {
	req := client.CreateRequest{
		Model:  strings.TrimSpace(v.model.Text),
		Prompt: strings.TrimSpace(v.prompt.Text),
	}
	if req.Prompt == "" {
		return req, errors.New("Write what the video should show first — the prompt is empty.")
	}
	if req.Model == "" {
		return req, errors.New("Choose a model first.")
	}
	if s := v.ratio.Selected; s != automatic {
		req.Ratio = s
	}
	if s := v.resolution.Selected; s != automatic {
		req.Resolution = s
	}
	if s := v.duration.Selected; s != automatic {
		n, err := strconv.Atoi(strings.Fields(s)[0])
		if err == nil {
			req.Duration = n
		}
	}
	if text := strings.TrimSpace(v.extra.Text); text != "" {
		if err := json.Unmarshal([]byte(text), &req.UpstreamOptions); err != nil || req.UpstreamOptions == nil {
			return req, errors.New(`The extra options are not valid JSON. Write them like {"seed": 42}, or leave the box empty.`)
		}
	}
	if v.image != "" {
		req.Image = []client.Media{{Role: imageRoles[v.imageRole.Selected], URL: v.image}}
	} else if v.keptImage.File != "" {
		img := v.keptImage
		img.Role = imageRoles[v.imageRole.Selected]
		req.Image = []client.Media{img}
	}
	return req, nil
}

// repeatWindow is how soon after a request the same one is taken for a
// double press, to be confirmed before it is paid for again.
const repeatWindow = time.Minute

// onGenerate sends the request once, in the background. The button is off
// while a request is being sent; the same request again within a minute
// is sent only once the user confirms it.
func (v *composeView) onGenerate() {
	if v.inFlight {
		return
	}
	req, err := v.request()
	if err != nil {
		v.status.SetText(err.Error())
		return
	}
	body, _ := json.Marshal(req)
	if v.lastSent != nil && bytes.Equal(body, v.lastSent) && time.Since(v.lastAt) < repeatWindow {
		dialog.NewConfirm("Generate again?", "Make another video from the same prompt?", func(ok bool) {
			if ok && !v.inFlight {
				v.send(req, body)
			}
		}, v.win).Show()
		return
	}
	v.send(req, body)
}

// send submits req (body is its JSON) in the background.
func (v *composeView) send(req client.CreateRequest, body []byte) {
	v.lastSent, v.lastAt = body, time.Now()
	v.inFlight = true
	v.generate.Disable()
	v.status.SetText("Sending your request…")
	v.ui.background(func(ctx context.Context) {
		rec, err := v.ui.deps.Tracker.Submit(ctx, req)
		v.ui.do(func() {
			v.inFlight = false
			v.generate.Enable()
			if rec.ID != 0 {
				v.lastID = rec.ID
			}
			if err != nil {
				v.status.SetText(submitFailedText(rec, err))
				var unrec *history.UnrecordedTaskError
				if rec.State != history.StateUncertain && !errors.As(err, &unrec) {
					v.lastSent = nil // nothing was made: sending it again is no repeat
				}
				return
			}
			v.status.SetText("Started. The video will appear in History and in your library when it is ready.")
		})
	})
}

// submitFailedText is the status line after a Generate that went wrong.
func submitFailedText(rec history.Record, err error) string {
	var unrec *history.UnrecordedTaskError
	switch {
	case errors.As(err, &unrec):
		return "Your video was started, but Reelhouse could not save it in its history. Its task id is " + unrec.TaskID +
			" — please note it. Reelhouse adds it to History the next time it starts; if it does not, use “Add by task id” in History with that id."
	case rec.State == history.StateUncertain:
		return rec.ErrorMessage
	}
	return "Not sent: " + plainError(err)
}

// onRecordChanged follows the task of the last Generate in the status line.
func (v *composeView) onRecordChanged(r history.Record) {
	if r.ID != v.lastID || v.inFlight {
		return
	}
	switch {
	case r.State == history.StateSuccess && r.Download == history.DownloadDone:
		v.status.SetText("Your video is ready: " + firstLine(r.Request.Prompt, 60) + ". Open it from History.")
	case (r.State == history.StateNotSent || r.State == history.StateUncertain) && r.ErrorMessage != "":
		// Say why where it is shown, not only in History.
		v.status.SetText(statusText(r) + ": " + r.ErrorMessage)
	case needsAttention(r):
		v.status.SetText("Your video: " + statusText(r) + ". See History for details.")
	default:
		v.status.SetText("Your video: " + statusText(r))
	}
}

// fill copies a request into the form, for "Generate again".
func (v *composeView) fill(req client.CreateRequest) {
	if req.Model != "" {
		v.model.SetText(req.Model)
	}
	v.prompt.SetText(req.Prompt)
	selectOr(v.ratio, req.Ratio)
	selectOr(v.resolution, req.Resolution)
	if req.Duration > 0 {
		selectOr(v.duration, fmt.Sprintf("%d seconds", req.Duration))
	} else {
		v.duration.SetSelected(automatic)
	}
	v.extra.SetText("")
	if len(req.UpstreamOptions) > 0 {
		if b, err := json.Marshal(req.UpstreamOptions); err == nil {
			v.extra.SetText(string(b))
		}
	}
	v.onImageCleared()
	if len(req.Image) > 0 {
		v.image, v.keptImage = req.Image[0].URL, req.Image[0]
		for label, role := range imageRoles {
			if role == req.Image[0].Role {
				v.imageRole.SetSelected(label)
			}
		}
		v.imageLabel.SetText("Image from the earlier request")
		v.imageClear.Show()
	}
	v.status.SetText("Settings copied from the earlier video. Change anything, then press Generate.")
	v.ui.showCompose()
}

func selectOr(s *widget.Select, value string) {
	for _, o := range s.Options {
		if o == value {
			s.SetSelected(value)
			return
		}
	}
	s.SetSelected(automatic)
}

func (v *composeView) onImageCleared() {
	v.image, v.imageName, v.keptImage = "", "", client.Media{}
	v.imageLabel.SetText("No reference image")
	v.imageClear.Hide()
}

func (v *composeView) onPickImage() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			v.ui.showError(v.win, "Could not open the image", err)
			return
		}
		if r == nil {
			return // cancelled
		}
		name := r.URI().Name()
		v.imageLabel.SetText("Reading " + userText(name) + "…")
		v.ui.background(func(ctx context.Context) {
			defer r.Close()
			dataURL, err := imageDataURL(r)
			v.ui.do(func() {
				if err != nil {
					v.onImageCleared()
					v.ui.showError(v.win, "Could not use the image", err)
					return
				}
				v.image, v.imageName = dataURL, name
				v.imageLabel.SetText(name)
				v.imageClear.Show()
			})
		})
	}, v.win)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".png", ".jpg", ".jpeg", ".webp", ".gif"}))
	d.Show()
}

// imageDataURL reads an image into a data: URL, refusing anything that is
// not an image or is too large to send. Submit keeps the image as a file
// in the library, so the history never holds its bytes.
func imageDataURL(r io.Reader) (string, error) {
	data, err := io.ReadAll(io.LimitReader(r, client.MaxInlineImageSize+1))
	if err != nil {
		return "", fmt.Errorf("The image could not be read: %v", err)
	}
	url, err := client.ImageDataURL(data)
	switch {
	case errors.Is(err, client.ErrImageTooLarge):
		return "", fmt.Errorf("The image is larger than %d MB. Pick a smaller one.", client.MaxInlineImageSize>>20)
	case err != nil:
		return "", errors.New("That file is not an image Reelhouse can send. Pick a PNG, JPEG, WebP or GIF file.")
	}
	return url, nil
}
