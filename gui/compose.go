package gui

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image/color"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history/store"
)

// imageExtensions are the kinds of picture the service takes.
var imageExtensions = []string{".png", ".jpg", ".jpeg", ".webp", ".gif"}

// composeView is the compose pane: write a prompt, pick options, Generate.
type composeView struct {
	ui   *UI
	win  fyne.Window // the main window, which dialogs belong to
	pane fyne.CanvasObject
	root fyne.CanvasObject

	model      *widget.SelectEntry
	modelHint  *widget.Label // under the model, only when there is something to say
	modelNote  *widget.Label // under Advanced: the id the model is sent as
	prompt     *textField
	promptSize *widget.Label // how many characters the prompt has, and the model's limit
	promptLen  int           // the characters promptSize says
	ratio      *widget.Select
	resolution *widget.Select
	duration   *widget.Select
	variations *widget.Select
	advanced   *widget.Accordion
	extra      *textField
	extraError *widget.Label
	imageLabel *widget.Label
	imageRole  *widget.Select
	roleHint   *widget.Label
	imageClear *widget.Button
	imageError *widget.Label
	preview    *canvas.Image
	pictureRow *fyne.Container // the preview, the name and the clear button
	scroll     *container.Scroll
	generate   *widget.Button
	why        *widget.Label // why Generate is off, beside it; hidden while it is on
	batchBtn   *widget.Button
	storyBtn   *widget.Button // opens the Storyboard
	promptsBtn *widget.Button
	status     *statusLine
	folderBtn  *widget.Button // "Show in folder", once a video of the last Generate is ready
	showBtn    *widget.Button // "Show in library", once one needs the user (showRec)
	showRec    store.Record   // the video showBtn selects in the library

	image     string // data: URL or http(s) URL; empty for none
	imageName string
	// refVideo and refSound are the optional reference video and sound.
	refVideo, refSound *refInput
	// keptImage is an earlier request's image kept in the library, used
	// when image is empty.
	keptImage client.Media
	extraErr  string // why the extra options are not valid; "" when they are
	// continueFrom is the record whose last frame is the picture named
	// continueName; see continuing.
	continueFrom int64
	continueName string
	// continueSaid is what the status line said when the frame was
	// given; it goes with the picture.
	continueSaid string

	inFlight bool
	lastSent []byte    // the last request that was sent, as JSON
	lastAt   time.Time // when it was sent
	lastID   int64     // the record of the last video sent
	// followID is the video sent last, to be shown when it is ready if
	// the library's selection is still followFrom (see follow).
	followID, followFrom int64
	watch                []int64          // the records of the last Generate or batch, to follow in the status line
	ready                map[int64]string // where each ready video of watch is saved
	latest               string           // the video the status line names as ready

	prompts   *promptShelf // the Prompts menu and Batch
	prices    priceBook
	priceView *priceSettings // the Prices section of Settings, once built
	spend     *spending      // the monthly limit and the month's spend
	saver     settingSaver
}

func newCompose(u *UI) *composeView {
	v := &composeView{ui: u, win: u.main, prices: priceBook{}, ready: map[int64]string{}}
	v.prompts = &promptShelf{c: v}
	v.modelHint = hintLabel("")
	v.modelNote = hintLabel("")
	v.model = widget.NewSelectEntry(modelChoices())
	v.model.SetPlaceHolder(lang.L("A model, or the id of another one"))
	v.model.SetText(modelChoice(defaultModel))
	v.prompt = newTextField()
	v.prompt.SetPlaceHolder(lang.L("Describe the video: what happens, where, the light, the camera…"))
	v.prompt.SetMinRowsVisible(5)
	v.promptSize = hintLabel("")
	v.promptLen = -1
	v.prompt.OnChanged = v.onPromptChanged
	v.onPromptChanged("")

	v.ratio = widget.NewSelect(labels(ratioChoices), nil)
	v.ratio.SetSelectedIndex(0)
	v.resolution = widget.NewSelect(labels(resolutionChoices), nil)
	v.resolution.SetSelectedIndex(0)
	v.duration = widget.NewSelect(labels(durationChoices), nil)
	v.duration.SetSelectedIndex(0)
	v.variations = widget.NewSelect(variationChoices(), nil)
	v.variations.SetSelectedIndex(0)

	v.extra = newTextField()
	v.extra.Wrapping = fyne.TextWrap(fyne.TextTruncateClip) // as NewMultiLineEntry has it
	v.extra.SetPlaceHolder(`{"seed": 42}`)
	v.extra.SetMinRowsVisible(3)
	v.extra.OnChanged = v.onExtraChanged
	v.extraError = errorLabel()
	extraNote := hintLabel(lang.L("Options for the model that have no field above, written as JSON. They are sent as they are."))
	v.advanced = widget.NewAccordion(widget.NewAccordionItem(lang.L("Advanced"),
		container.NewVBox(extraNote, v.extra.wheelToPane(), v.extraError, v.modelNote)))

	v.imageLabel = hintLabel(lang.L("Pick a picture, or drop one onto the window."))
	v.imageRole = widget.NewSelect(labels(roleChoices()), func(s string) { v.roleHint.SetText(roleHint(s)) })
	v.roleHint = hintLabel("")
	v.imageRole.SetSelectedIndex(0)
	v.imageClear = widget.NewButtonWithIcon("", theme.ContentClearIcon(), v.onImageCleared)
	v.imageClear.Hide()
	v.imageError = errorLabel()
	v.preview = canvas.NewImageFromResource(nil)
	v.preview.FillMode = canvas.ImageFillContain
	v.preview.SetMinSize(fyne.NewSize(72, 72))
	v.preview.Hide()
	pick := widget.NewButtonWithIcon(lang.L("Add a picture…"), theme.FileImageIcon(), v.onPickImage)

	v.generate = widget.NewButtonWithIcon(lang.L("Generate"), theme.MediaPlayIcon(), v.onGenerate)
	v.generate.Importance = widget.HighImportance
	v.why = hintLabel("")
	v.why.Importance = widget.DangerImportance
	v.why.Hide()
	v.batchBtn = widget.NewButtonWithIcon(lang.L("Batch…"), theme.ListIcon(), v.prompts.onBatch)
	v.storyBtn = widget.NewButtonWithIcon(lang.L("Story…"), theme.MediaVideoIcon(), func() { u.showStories(0) })
	v.promptsBtn = widget.NewButtonWithIcon(lang.L("Prompts"), theme.DocumentIcon(), v.prompts.onPrompts)
	v.folderBtn = widget.NewButtonWithIcon(lang.L("Show in folder"), theme.FolderOpenIcon(), v.onShowFolder)
	v.folderBtn.Importance = widget.LowImportance
	v.showBtn = widget.NewButtonWithIcon(lang.L("Show in library"), theme.NavigateNextIcon(), v.onShowInLibrary)
	v.showBtn.Importance = widget.LowImportance
	v.status = newStatusLine(func() fyne.Window { return v.win }, v.folderBtn, v.showBtn)
	v.model.OnChanged = v.onModelChanged
	v.duration.OnChanged = func(string) { v.updateGenerate() }
	v.variations.OnChanged = func(string) { v.updateGenerate() }
	v.onModelChanged(v.model.Text)

	v.refVideo, v.refSound = newRefInput(v, client.KindVideo), newRefInput(v, client.KindAudio)
	v.pictureRow = container.NewBorder(nil, nil, v.preview, container.NewCenter(v.imageClear), container.NewVBox(pick, v.imageLabel))
	picture := container.NewVBox(
		v.pictureRow,
		container.NewBorder(nil, nil, widget.NewLabel(lang.L("Use as")), nil, v.imageRole),
		v.roleHint,
		v.imageError,
	)
	form := widget.NewForm(
		widget.NewFormItem(lang.L("Model"), container.NewVBox(v.model, v.modelHint)),
		widget.NewFormItem(lang.L("Prompt"), container.NewVBox(v.prompt.wheelToPane(), v.promptSize)),
		widget.NewFormItem(lang.L("Picture"), picture),
		widget.NewFormItem(lang.L("Video"), v.refVideo.content()),
		widget.NewFormItem(lang.L("Sound"), v.refSound.content()),
		widget.NewFormItem(lang.L("Shape"), v.ratio),
		widget.NewFormItem(lang.L("Quality"), v.resolution),
		widget.NewFormItem(lang.L("Length"), v.duration),
		widget.NewFormItem(lang.L("How many"), v.variations),
	)
	v.scroll = container.NewVScroll(container.NewVBox(form, v.advanced))
	v.prompt.pane, v.extra.pane = v.scroll, v.scroll
	heading := widget.NewLabelWithStyle(lang.L("Turn an idea into a video"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	heading.Truncation = fyne.TextTruncateEllipsis
	v.pane = container.NewBorder(
		container.NewBorder(nil, nil, nil, v.promptsBtn, heading),
		// The status line goes above Generate, which stays at the foot of
		// the pane however long the line grows: nothing moves under the
		// pointer between two clicks.
		container.NewVBox(v.status.content, v.why,
			container.NewBorder(nil, nil, nil, container.NewHBox(v.storyBtn, v.batchBtn), v.generate)),
		nil, nil,
		v.scroll,
	)
	toolbar := container.NewHBox(
		widget.NewButtonWithIcon(lang.L("Settings"), theme.SettingsIcon(), func() { u.settings.show() }),
	)
	v.spend = newSpending(v)
	v.root = container.NewPadded(container.NewBorder(container.NewBorder(nil, nil, nil, toolbar, v.spend.line), nil, nil, nil, v.pane))
	return v
}

// content is the compose pane, for the main window to hold.
func (v *composeView) content() fyne.CanvasObject { return v.root }

// hintLabel is a small, quiet line that explains the field above it.
func hintLabel(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	l.SizeName = theme.SizeNameCaptionText
	return l
}

// errorLabel is a line that says what is wrong, in the error colour; it is
// hidden while nothing is.
func errorLabel() *widget.Label {
	l := widget.NewLabel("")
	l.Wrapping = fyne.TextWrapWord
	l.Importance = widget.DangerImportance
	l.Hide()
	return l
}

// setError shows text in l, or hides l when text is empty.
func setError(l *widget.Label, text string) {
	if text == l.Text && l.Visible() == (text != "") {
		return // as it is: nothing to draw again
	}
	l.SetText(text)
	if text == "" {
		l.Hide()
	} else {
		l.Show()
	}
}

// setReady says text, which names the ready video at path, in the status
// line, with "Show in folder" beside it.
func (v *composeView) setReady(text, path string) {
	v.status.say(text)
	v.latest = path
	v.status.offer(v.folderBtn)
}

// onShowFolder shows the video the status line names in its folder.
func (v *composeView) onShowFolder() {
	if v.latest != "" {
		v.ui.library.detail.actions.openPath(v.latest, true)
	}
}

// wrapLimit is the longest prompt whose lines are wrapped at words. Fyne's
// Entry measures a wrapped paragraph again from each of its rows to its end
// on every key (RichText.updateRowBounds), so one key costs in proportion
// to the square of the paragraph: 55 ms at 5,000 characters. Past this
// length the lines are left unwrapped (the field scrolls sideways), which
// costs about 3 ms a key at 5,000.
const wrapLimit = 1000

// onPromptChanged counts the prompt's characters as it is typed. Its work
// for one key is a count of the text, never a new layout of the pane.
func (v *composeView) onPromptChanged(text string) {
	n := utf8.RuneCountInString(text)
	if n == v.promptLen {
		return
	}
	long, wasLong := n > wrapLimit, v.promptLen > wrapLimit
	v.promptLen = n
	v.sayPromptSize()
	if long != wasLong {
		if long {
			v.prompt.Wrapping = fyne.TextWrapOff
		} else {
			v.prompt.Wrapping = fyne.TextWrapWord
		}
		v.prompt.Refresh()
	}
}

// sayPromptSize shows how long the prompt is, against the model's limit
// where one is known; in the error colour past it.
func (v *composeView) sayPromptSize() {
	n, limit := v.promptLen, promptLimit(modelID(v.model.Text))
	d := map[string]any{"Count": n, "Limit": limit}
	text := lang.N("{{.Count}} characters", n, d)
	if limit > 0 {
		text = lang.L("{{.Count}} / {{.Limit}} characters", d)
	}
	if n > wrapLimit {
		text = lang.L("{{.Text}} · long lines are no longer wrapped, so typing stays quick", map[string]any{"Text": text})
	}
	importance := widget.MediumImportance
	if limit > 0 && n > limit {
		importance = widget.DangerImportance
	}
	if n == 0 {
		text = "" // nothing to count yet
	}
	if importance != v.promptSize.Importance {
		v.promptSize.Importance = importance
		v.promptSize.Refresh()
	}
	setError(v.promptSize, text) // shows or hides it
}

func (v *composeView) onModelChanged(text string) {
	if v.promptLen >= 0 {
		v.sayPromptSize() // the new model's limit
	}
	setError(v.modelHint, modelHint(text)) // shows or hides it
	if note := modelIDNote(text); note != v.modelNote.Text {
		v.modelNote.SetText(note)
	}
	v.updateGenerate()
}

// extraOptions reads the Advanced options: nil for none, or a sentence
// saying what is wrong.
func extraOptions(text string) (map[string]any, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, nil
	}
	var opts map[string]any
	err := json.Unmarshal([]byte(text), &opts)
	var syntax *json.SyntaxError
	switch {
	case errors.As(err, &syntax):
		return nil, sentence(lang.L(`The options are not valid JSON (look near character {{.Offset}}). Write them like {"seed": 42}, or leave the box empty.`,
			map[string]any{"Offset": syntax.Offset}))
	case err != nil || opts == nil:
		return nil, sentence(lang.L(`The options are not valid JSON for this box: they must be written between { and }, like {"seed": 42}.`))
	}
	return opts, nil
}

// onExtraChanged checks the Advanced options as they are typed; Generate
// stays off while they cannot be sent.
func (v *composeView) onExtraChanged(text string) {
	v.extraErr = ""
	if _, err := extraOptions(text); err != nil {
		v.extraErr = err.Error()
	}
	setError(v.extraError, v.extraErr)
	if v.extraErr != "" && !v.advanced.Items[0].Open {
		v.openAdvanced() // never a disabled Generate without its reason in sight
	}
	v.updateGenerate()
}

// textNoKeyToSend is said when Generate is pressed without an API key.
const textNoKeyToSend = "Nothing was sent: Reelhouse has no API key yet. Add your key, or try the demo."

// variationCount is how many videos one press of Generate makes.
func (v *composeView) variationCount() int { return v.variations.SelectedIndex() + 1 }

// seconds is the chosen length, 0 for the model's default.
func (v *composeView) seconds() int {
	n, _ := strconv.Atoi(valueOf(durationChoices, v.duration.Selected))
	return n
}

// updateGenerate sets Generate's words (how many, and the estimated
// price) and whether it can be pressed.
func (v *composeView) updateGenerate() {
	n := v.variationCount()
	text := lang.L("Generate")
	if n > 1 {
		text = lang.L("Generate {{.Count}} videos", map[string]any{"Count": n})
	}
	if cost, ok := v.prices.estimate(modelID(v.model.Text), v.seconds(), n); ok {
		text = lang.L("{{.Action}} · ≈ {{.Price}}", map[string]any{"Action": text, "Price": formatMoney(cost)})
	}
	v.generate.SetText(text)
	why := v.whyOff()
	if why != "" {
		v.generate.Disable()
		v.batchBtn.Disable()
	} else {
		v.generate.Enable()
		v.batchBtn.Enable()
	}
	setError(v.why, why)
}

// whyOff says why Generate cannot be pressed, beside it, naming the
// section where the cause is; "" when it can.
func (v *composeView) whyOff() string {
	switch {
	case v.inFlight:
		return lang.L("Generate is off while your request is being sent.")
	case v.extraErr != "":
		return lang.L("Generate is off: the text under Advanced is not valid JSON. Fix it there, or empty it.")
	}
	return ""
}

// request builds the create request from the form, or says what is wrong.
func (v *composeView) request() (client.CreateRequest, error) {
	return v.requestFor(v.prompt.Text)
}

// requestFor builds the create request for prompt with the form's options.
func (v *composeView) requestFor(prompt string) (client.CreateRequest, error) {
	req := client.CreateRequest{
		Model:      modelID(v.model.Text),
		Prompt:     strings.TrimSpace(prompt),
		Ratio:      valueOf(ratioChoices, v.ratio.Selected),
		Resolution: valueOf(resolutionChoices, v.resolution.Selected),
		Duration:   v.seconds(),
	}
	if req.Prompt == "" {
		return req, sentence(lang.L("Write what the video should show first — the prompt is empty."))
	}
	if req.Model == "" {
		return req, sentence(lang.L("Choose a model first."))
	}
	opts, err := extraOptions(v.extra.Text)
	if err != nil {
		return req, err
	}
	req.UpstreamOptions = opts
	role := valueOf(roleChoices(), v.imageRole.Selected)
	if v.image != "" {
		req.Image = []client.Media{{Role: role, URL: v.image}}
	} else if v.keptImage.File != "" {
		img := v.keptImage
		img.Role = role
		req.Image = []client.Media{img}
	}
	req.Video, req.Audio = v.refVideo.media(), v.refSound.media()
	if req.CheckMedia() != nil {
		return req, sentence(lang.L("The service takes a sound only together with a picture or a video. Add one, or take the sound away."))
	}
	return req, nil
}

// repeatWindow is how soon after a request the same one is taken for a
// double press, to be confirmed before it is paid for again.
const repeatWindow = time.Minute

// onGenerate sends the request (as many times as videos were asked for)
// in the background. The button is off while requests are being sent; the
// same request again within a minute is sent only once the user confirms
// it.
func (v *composeView) onGenerate() {
	if v.inFlight || v.extraErr != "" {
		return
	}
	req, err := v.request()
	if err != nil {
		v.status.fail(err.Error(), nil)
		return
	}
	reqs := slices.Repeat([]client.CreateRequest{req}, v.variationCount())
	body, _ := json.Marshal(req)
	if v.lastSent != nil && bytes.Equal(body, v.lastSent) && time.Since(v.lastAt) < repeatWindow {
		question := lang.L("Make another video from the same prompt?")
		if len(reqs) > 1 {
			question = lang.L("Make {{.Count}} more videos from the same prompt?", map[string]any{"Count": len(reqs)})
		}
		showHouse(dialog.NewConfirm(lang.L("Generate again?"), question, func(ok bool) {
			if ok && !v.inFlight {
				v.sendAll(reqs)
			}
		}, v.win), v.win, houseOpts{})
		return
	}
	v.sendAll(reqs)
}

// sendingText is the status line while a batch is sent.
func sendingText(i, total int) string {
	if total == 1 {
		return lang.L("Sending your request…")
	}
	return lang.L("Sending {{.Number}} of {{.Total}}…", map[string]any{"Number": i, "Total": total})
}

// sendAll submits reqs one after another in the background, once the
// spending guard lets it (see spending.guard). The first failure stops the
// rest; nothing is sent again.
func (v *composeView) sendAll(reqs []client.CreateRequest) {
	if len(reqs) == 0 {
		return
	}
	v.spend.guard(reqs, func() {
		if !v.inFlight {
			v.send(reqs)
		}
	})
}

// send sends reqs, one after another, following them in the status line.
func (v *composeView) send(reqs []client.CreateRequest) {
	total := len(reqs)
	if body, err := json.Marshal(reqs[0]); err == nil && (total == 1 || reqs[0].Prompt == reqs[total-1].Prompt) {
		v.lastSent = body
	} else {
		v.lastSent = nil
	}
	v.lastAt = time.Now()
	from := v.continuing()
	v.inFlight = true
	v.watch, v.ready = nil, map[int64]string{}
	v.updateGenerate()
	v.status.say(sendingText(1, total))
	v.ui.background(func(ctx context.Context) {
		// A keychain unlocked since Reelhouse started gives its key now;
		// with no key at all nothing is sent (and nothing is "refused").
		if !v.ui.keys.ensureKey(ctx) {
			v.ui.do(func() {
				v.inFlight, v.lastSent = false, nil
				v.updateGenerate()
				v.status.fail(lang.L(textNoKeyToSend), nil)
				if v.ui.welcome == nil {
					v.ui.keys.showWelcome(v.ui.keys.welcomeParent())
				}
			})
			return
		}
		for i, req := range reqs {
			if i > 0 {
				v.ui.do(func() { v.status.say(sendingText(i+1, total)) })
			}
			rec, err := v.submit(ctx, req, from)
			v.ui.do(func() {
				if rec.ID != 0 && (err == nil || total == 1) {
					v.watch = append(v.watch, rec.ID)
					v.lastID = rec.ID
					v.follow(rec.ID)
				}
			})
			if err != nil {
				v.ui.do(func() { v.sendFailed(reqs[:i], total, rec, err) })
				return
			}
		}
		v.ui.do(func() {
			v.inFlight = false
			v.updateGenerate()
			v.prompts.rememberSent(reqs)
			if total == 1 {
				v.status.say(lang.L("Started — it will appear in your library when it is ready."))
			} else {
				v.status.say(lang.L("All {{.Count}} started — they will appear in your library when they are ready.", map[string]any{"Count": total}))
			}
		})
	})
}

// sendFailed ends a send that failed after sent were started.
func (v *composeView) sendFailed(sent []client.CreateRequest, total int, rec store.Record, err error) {
	v.inFlight = false
	v.updateGenerate()
	v.prompts.rememberSent(sent)
	var unrec *store.UnrecordedTaskError
	if rec.State != store.StateUncertain && !errors.As(err, &unrec) && len(sent) == 0 {
		v.lastSent = nil // nothing was made: sending it again is no repeat
	}
	if total == 1 {
		v.status.fail(submitFailedText(rec, err), err)
		return
	}
	v.status.fail(lang.L("Video {{.Number}} of {{.Total}}: {{.Problem}} {{.Rest}}", map[string]any{
		"Number": len(sent) + 1, "Total": total, "Problem": submitFailedText(rec, err), "Rest": batchStoppedText(len(sent), total)}), err)
}

// batchStoppedText says what became of a batch stopped by a failure after
// started videos were started.
func batchStoppedText(started, total int) string {
	rest := total - started - 1
	switch {
	case rest == 0 && started == 0:
		return ""
	case started == 0:
		return lang.N("The other {{.Rest}} were not sent.", rest, map[string]any{"Rest": rest})
	case rest == 0:
		return lang.N("The {{.Count}} videos before it were started.", started, map[string]any{"Count": started})
	}
	return lang.N("{{.Count}} videos were started before it; the other {{.Rest}} were not sent.", started, map[string]any{"Count": started, "Rest": rest})
}

// submitFailedText is the status line after a Generate that went wrong.
func submitFailedText(rec store.Record, err error) string {
	var unrec *store.UnrecordedTaskError
	switch {
	case errors.As(err, &unrec):
		return lang.L("Your video was started, but Reelhouse could not save it in its history. Its task id is {{.TaskID}} — please note it. "+
			"Reelhouse adds it to your library the next time it starts; if it does not, use File › Add by task id with that id.", map[string]any{"TaskID": unrec.TaskID})
	case rec.State == store.StateUncertain:
		return messageText(rec)
	}
	return lang.L("Not sent: {{.Reason}}", map[string]any{"Reason": plainError(err)})
}

// savedPath is where r's first video is in the library.
func (v *composeView) savedPath(r store.Record) string {
	if len(r.Files) == 0 {
		return v.ui.deps.Library.Dir()
	}
	return filepath.Join(v.ui.deps.Library.Dir(), filepath.FromSlash(r.Files[0].Path))
}

// onRecordChanged follows the videos of the last Generate in the status
// line. A ready video is named by its file name; "Show in folder" leads
// to the file.
func (v *composeView) onRecordChanged(r store.Record) {
	v.spend.onRecordChanged(r)
	i := slices.Index(v.watch, r.ID)
	if i < 0 {
		return
	}
	done := r.State == store.StateSuccess && r.Download == store.DownloadDone
	if _, said := v.ready[r.ID]; said && done {
		// A later change of a ready video (a favourite, a title) is no
		// news here; the line may say something newer by now.
		return
	}
	if done {
		v.ready[r.ID] = v.savedPath(r)
		v.showWhenReady(r)
	}
	if v.inFlight {
		return
	}
	name := userText(filepath.Base(v.ready[r.ID]))
	if len(v.watch) == 1 {
		switch {
		case done:
			v.setReady(lang.L("Your video “{{.Name}}” is ready in your library.", map[string]any{"Name": name}), v.ready[r.ID])
		case (r.State == store.StateNotSent || r.State == store.StateUncertain) && r.ErrorMessage != "":
			// Say why where it is shown, not only in History; the facts
			// are under "Details".
			v.status.fail(lang.L("{{.Status}}: {{.Message}}", map[string]any{"Status": statusText(r), "Message": messageText(r)}), messageFailure(r))
		case needsAttention(r):
			v.status.fail(lang.L("Your video: {{.Status}}. “Show in library” says why and what to do next.", map[string]any{"Status": statusText(r)}), nil)
			v.offerShow(r)
		default:
			v.status.say(lang.L("Your video: {{.Status}}", map[string]any{"Status": statusText(r)}))
		}
		return
	}
	total, ready := len(v.watch), len(v.ready)
	d := map[string]any{"Number": i + 1, "Ready": ready, "Total": total, "Name": name, "Status": statusText(r)}
	switch {
	case done && ready == total:
		v.setReady(lang.L("All {{.Total}} videos are ready in your library. The last one is “{{.Name}}”.", d), v.ready[r.ID])
	case done:
		v.setReady(lang.L("{{.Ready}} of {{.Total}} videos are ready in your library. The latest is “{{.Name}}”.", d), v.ready[r.ID])
	case needsAttention(r):
		v.status.fail(lang.L("Video {{.Number}} of {{.Total}}: {{.Status}}. “Show in library” says why and what to do next.", d), nil)
		v.offerShow(r)
	case ready == 0:
		v.status.say(lang.L("Video {{.Number}} of {{.Total}}: {{.Status}}", d))
	}
}

// follow has the library show the video just sent, id: its row comes into
// view now, and the video is selected once it is ready (showWhenReady),
// unless the user selects another meanwhile.
func (v *composeView) follow(id int64) {
	v.followID, v.followFrom = id, v.ui.library.model.selected
	v.ui.library.reveal(id)
}

// showWhenReady selects r, ready, in the library, the player on its first
// frame, if it is the video followed and the user has not selected
// another since it was sent.
func (v *composeView) showWhenReady(r store.Record) {
	if r.ID != v.followID || v.ui.library.model.selected != v.followFrom {
		return
	}
	v.followID = 0
	v.ui.library.selectRecord(r)
}

// offerShow has the status line offer to show r in the library.
func (v *composeView) offerShow(r store.Record) {
	v.showRec = r
	v.status.offer(v.showBtn)
}

// onShowInLibrary selects the video the status line tells of in the
// library, where its detail view says what went wrong and what to do.
func (v *composeView) onShowInLibrary() {
	if v.showRec.ID != 0 {
		v.ui.library.selectRecord(v.showRec)
	}
}

// fill copies a request into the form, for "Generate again".
func (v *composeView) fill(req client.CreateRequest) {
	v.fillOptions(req)
	v.onImageCleared()
	if len(req.Image) > 0 {
		v.image, v.keptImage = req.Image[0].URL, req.Image[0]
		v.imageRole.SetSelected(labelOf(roleChoices(), req.Image[0].Role))
		v.imageLabel.SetText(lang.L("The picture of the earlier video"))
		v.imageClear.Show()
		v.pictureRow.Refresh()
		v.previewKept(v.keptImage.File)
	}
	v.refVideo.fill(req.Video)
	v.refSound.fill(req.Audio)
	v.status.say(lang.L("Settings copied from the earlier video. Change anything, then press Generate."))
	v.ui.mainWin.showCompose()
}

// previewKept shows the picture kept in the library at rel (a path
// relative to it) as the preview, once read in the background.
func (v *composeView) previewKept(rel string) {
	if rel == "" {
		return
	}
	v.ui.background(func(ctx context.Context) {
		p, err := v.ui.deps.Library.Folder().Abs(rel)
		var data []byte
		if err == nil {
			data, err = readFileLimited(p, client.MaxInlineImageSize)
		}
		if err != nil {
			fyne.LogError("reading the kept picture for its preview", err)
			return
		}
		v.ui.do(func() {
			if v.keptImage.File != rel || v.image != "" {
				return // another picture was chosen meanwhile
			}
			v.preview.Resource = fyne.NewStaticResource(filepath.Base(rel), data)
			v.preview.Show()
			v.pictureRow.Refresh()
		})
	})
}

// readFileLimited reads a file of at most limit bytes.
func readFileLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err == nil && int64(len(data)) > limit {
		err = client.ErrImageTooLarge
	}
	return data, err
}

// fillOptions puts the prompt and options of req into the form.
func (v *composeView) fillOptions(req client.CreateRequest) {
	if req.Model != "" {
		v.model.SetText(modelChoice(req.Model))
	}
	v.prompt.SetText(req.Prompt)
	v.ratio.SetSelected(labelOf(ratioChoices, req.Ratio))
	v.resolution.SetSelected(labelOf(resolutionChoices, req.Resolution))
	if req.Duration > 0 && labelOf(durationChoices, strconv.Itoa(req.Duration)) == lang.L(automatic) {
		// A length the list does not offer (from another app) is kept.
		v.duration.Options = append(v.duration.Options, choice{Value: strconv.Itoa(req.Duration)}.text())
	}
	v.duration.SetSelected(labelOf(durationChoices, strconv.Itoa(req.Duration)))
	text := ""
	if len(req.UpstreamOptions) > 0 {
		if b, err := json.Marshal(req.UpstreamOptions); err == nil {
			text = string(b)
		}
	}
	v.extra.SetText(text)
	if text != "" {
		v.openAdvanced()
	}
}

// openAdvanced shows the Advanced section and makes room for it.
func (v *composeView) openAdvanced() {
	v.advanced.Open(0)
	v.scroll.Content.Refresh()
	v.scroll.Refresh()
}

func (v *composeView) onImageCleared() {
	v.image, v.imageName, v.keptImage = "", "", client.Media{}
	v.imageLabel.SetText(lang.L("Pick a picture, or drop one onto the window."))
	v.imageClear.Hide()
	v.preview.Resource = nil
	v.preview.Hide()
	v.pictureRow.Refresh()
	setError(v.imageError, "")
	if v.continueSaid != "" && v.status.Text == v.continueSaid {
		v.status.say("") // "The next video starts from this frame…" no longer holds
	}
	v.continueSaid = ""
}

func (v *composeView) onPickImage() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			v.ui.showError(v.win, lang.L("Could not open the picture"), err)
			return
		}
		if r == nil {
			return // cancelled
		}
		v.useImage(r.URI(), r)
	}, v.win)
	d.SetFilter(storage.NewExtensionFileFilter(imageExtensions))
	showFile(d, v.win)
}

// onDropped takes the first file dropped onto the window as the reference
// picture, or, for a video with its Reelhouse sidecar beside it, restores
// its prompt and settings. The main window passes its drops here.
func (v *composeView) onDropped(_ fyne.Position, uris []fyne.URI) {
	if len(uris) == 0 {
		return
	}
	uri := uris[0]
	if v.refSound.takes(uri) {
		v.refSound.use(uri, nil)
		return
	}
	if !slices.Contains(imageExtensions, strings.ToLower(uri.Extension())) {
		file := map[string]any{"File": userText(uri.Name())}
		if uri.Scheme() != "file" || !slices.Contains(videoExtensions, strings.ToLower(uri.Extension())) {
			setError(v.imageError, lang.L("{{.File}} is not a picture Reelhouse can send. Drop a PNG, JPEG, WebP or GIF file.", file))
			return
		}
		v.onVideoDropped(uri.Path(), func(ok bool) {
			switch {
			case ok:
			case v.refVideo.takes(uri):
				// Without a Reelhouse .json file beside it, the video is
				// the reference video.
				v.refVideo.use(uri, nil)
			default:
				setError(v.imageError, lang.L("{{.File}} is not a picture Reelhouse can send. Drop a PNG, JPEG, WebP or GIF file. "+
					"A video brings its prompt and settings along when its Reelhouse .json file is beside it.", file))
			}
		})
		return
	}
	v.useImage(uri, nil)
}

// useImage reads the picture at uri (from r when already open) in the
// background, and shows it when it can be sent.
func (v *composeView) useImage(uri fyne.URI, r io.ReadCloser) {
	name := uri.Name()
	before := v.imageLabel.Text
	setError(v.imageError, "")
	v.imageLabel.SetText(lang.L("Reading {{.File}}…", map[string]any{"File": userText(name)}))
	v.ui.background(func(ctx context.Context) {
		var data []byte
		var dataURL string
		err := func() error {
			if r == nil {
				var err error
				if r, err = storage.Reader(uri); err != nil {
					return sentence(lang.L("The picture could not be opened: {{.Reason}}", map[string]any{"Reason": err}))
				}
			}
			defer r.Close()
			var err error
			data, dataURL, err = readImage(r)
			return err
		}()
		v.ui.do(func() {
			if err != nil {
				v.imageLabel.SetText(before) // the picture chosen before, if any, stays
				setError(v.imageError, fmt.Sprintf("%s: %v", userText(name), err))
				return
			}
			v.image, v.imageName, v.keptImage = dataURL, name, client.Media{}
			v.imageLabel.SetText(userText(name))
			v.imageClear.Show()
			v.preview.Resource = fyne.NewStaticResource(name, data)
			v.preview.Show()
			v.pictureRow.Refresh() // lay out the preview and the clear button
		})
	})
}

// imageDataURL reads an image into a data: URL, refusing anything that is
// not an image or is too large to send. Submit keeps the image as a file
// in the library, so the history never holds its bytes.
func imageDataURL(r io.Reader) (string, error) {
	_, url, err := readImage(r)
	return url, err
}

// readImage reads an image and makes its data: URL (see imageDataURL).
func readImage(r io.Reader) ([]byte, string, error) {
	data, err := io.ReadAll(io.LimitReader(r, client.MaxInlineImageSize+1))
	if err != nil {
		return nil, "", sentence(lang.L("The picture could not be read: {{.Reason}}", map[string]any{"Reason": err}))
	}
	url, err := client.ImageDataURL(data)
	switch {
	case errors.Is(err, client.ErrImageTooLarge):
		return nil, "", sentence(lang.L("The picture is larger than {{.Size}} MB. Pick a smaller one.", map[string]any{"Size": client.MaxInlineImageSize >> 20}))
	case err != nil:
		return nil, "", sentence(lang.L("That file is not a picture Reelhouse can send. Pick a PNG, JPEG, WebP or GIF file."))
	}
	return data, url, nil
}

// DraftEnv names the environment variable through which Reelhouse, when it
// starts itself again in demo mode, hands over what the compose form
// holds (see composeDraft). It never holds the API key.
const DraftEnv = "REELHOUSE_DRAFT"

// composeDraft is what the compose form holds, carried over a restart: the
// prompt and options, not the picture (too large for the environment).
type composeDraft struct {
	Model      string `json:"model,omitempty"`
	Prompt     string `json:"prompt,omitempty"`
	Ratio      string `json:"ratio,omitempty"`
	Resolution string `json:"resolution,omitempty"`
	Duration   int    `json:"duration,omitempty"`
	Count      int    `json:"count,omitempty"`
	Advanced   string `json:"advanced,omitempty"`
}

// draft is the form as JSON, for DraftEnv; "" when nothing was typed.
func (v *composeView) draft() string {
	d := composeDraft{
		Model:      modelID(v.model.Text),
		Prompt:     v.prompt.Text,
		Ratio:      valueOf(ratioChoices, v.ratio.Selected),
		Resolution: valueOf(resolutionChoices, v.resolution.Selected),
		Duration:   v.seconds(),
		Count:      v.variationCount(),
		Advanced:   v.extra.Text,
	}
	if d.Prompt == "" && d.Advanced == "" {
		return ""
	}
	b, err := json.Marshal(d)
	if err != nil {
		return ""
	}
	return string(b)
}

// restoreDraft puts a draft made by draft back into the form; a draft that
// cannot be read is left out.
func (v *composeView) restoreDraft(text string) {
	if text == "" {
		return
	}
	var d composeDraft
	if err := json.Unmarshal([]byte(text), &d); err != nil {
		fyne.LogError("reading the compose draft", err)
		return
	}
	v.fillOptions(client.CreateRequest{Model: d.Model, Prompt: d.Prompt, Ratio: d.Ratio, Resolution: d.Resolution, Duration: d.Duration})
	if d.Count >= 1 && d.Count <= len(v.variations.Options) {
		v.variations.SetSelectedIndex(d.Count - 1)
	}
	v.extra.SetText(d.Advanced)
	if d.Advanced != "" {
		v.openAdvanced()
	}
}

// textField is a multi-line entry of the compose pane. Fyne's multi-line
// Entry scrolls its own text and takes the mouse wheel even when it has
// nothing to scroll, so the pane stood still under a wheel turned over a
// field. Here the wheel scrolls the pane, except over the field being
// typed in, where it scrolls the field's own text.
type textField struct {
	widget.Entry
	pane  *container.Scroll // what the wheel scrolls while the field is not typed in
	cover *wheelCover
}

func newTextField() *textField {
	f := &textField{}
	f.MultiLine = true
	f.Wrapping = fyne.TextWrapWord
	f.ExtendBaseWidget(f)
	f.cover = &wheelCover{field: f}
	f.cover.ExtendBaseWidget(f.cover)
	return f
}

// wheelToPane is the field as the pane holds it: under a cover that takes
// the wheel for the pane.
func (f *textField) wheelToPane() fyne.CanvasObject {
	return container.NewStack(f, f.cover)
}

// FocusGained lets the wheel scroll the field's own text while it is
// typed in.
func (f *textField) FocusGained() {
	f.Entry.FocusGained()
	f.cover.Hide()
}

// FocusLost gives the wheel back to the pane.
func (f *textField) FocusLost() {
	f.Entry.FocusLost()
	f.cover.Show()
}

// wheelCover lies over a textField and passes the wheel to the pane. It
// takes nothing else: taps, drags and the pointer's shape go to the field
// under it.
type wheelCover struct {
	widget.BaseWidget
	field *textField
}

// Scrolled scrolls the pane.
func (c *wheelCover) Scrolled(ev *fyne.ScrollEvent) {
	if c.field.pane != nil {
		c.field.pane.Scrolled(ev)
	}
}

func (c *wheelCover) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(canvas.NewRectangle(color.Transparent))
}
