package gui

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"github.com/reelhouse/reelhouse/client"
)

// Settings (in the store's settings table) that hold the compose pane's
// saved prompts, its recent prompts and the prices, each as JSON.
const (
	settingSavedPrompts  = "compose_saved_prompts"
	settingRecentPrompts = "compose_recent_prompts"
	settingPrices        = "compose_prices"
)

// maxRecent is how many recently sent prompts are kept.
const maxRecent = 10

// promptPreset is a prompt with its options, saved under a name or kept
// as a recent one. Reference images are not kept: a preset stays small.
type promptPreset struct {
	Name       string         `json:"name,omitempty"`
	Model      string         `json:"model"`
	Prompt     string         `json:"prompt"`
	Ratio      string         `json:"ratio,omitempty"`
	Resolution string         `json:"resolution,omitempty"`
	Duration   int            `json:"duration,omitempty"`
	Options    map[string]any `json:"options,omitempty"`
	Variations int            `json:"variations,omitempty"`
}

// presetOf keeps the prompt and options of req.
func presetOf(req client.CreateRequest) promptPreset {
	return promptPreset{Model: req.Model, Prompt: req.Prompt, Ratio: req.Ratio, Resolution: req.Resolution,
		Duration: req.Duration, Options: req.UpstreamOptions}
}

// request is the create request the preset describes, without an image.
func (p promptPreset) request() client.CreateRequest {
	return client.CreateRequest{Model: p.Model, Prompt: p.Prompt, Ratio: p.Ratio, Resolution: p.Resolution,
		Duration: p.Duration, UpstreamOptions: p.Options}
}

// withSaved is list with p saved under its name: a preset of the same name
// is replaced, and p comes first.
func withSaved(list []promptPreset, p promptPreset) []promptPreset {
	out := []promptPreset{p}
	for _, q := range list {
		if !strings.EqualFold(q.Name, p.Name) {
			out = append(out, q)
		}
	}
	return out
}

// withRecent is list with p as the newest recent prompt: an earlier entry
// with the same prompt is dropped, and at most maxRecent are kept.
func withRecent(list []promptPreset, p promptPreset) []promptPreset {
	p.Name = ""
	out := []promptPreset{p}
	for _, q := range list {
		if q.Prompt != p.Prompt && len(out) < maxRecent {
			out = append(out, q)
		}
	}
	return out
}

// settingSaver writes settings in the background, one at a time, so that
// of several quick changes the newest is the one that stays.
type settingSaver struct {
	mu    sync.Mutex // guards want
	want  map[string]uint64
	write sync.Mutex // held while writing
}

// promptShelf is what the compose pane's Prompts button and Batch dialog
// offer: prompts saved under a name, the recently sent ones, and many
// prompts sent at once. It fills and reads the compose form.
type promptShelf struct {
	c *composeView

	saved, recent []promptPreset
	batchEntry    *houseEntry // the Batch dialog's prompts, while it is open
}

// saveSetting saves value as JSON under key in the background.
func (v *composeView) saveSetting(key string, value any) {
	b, err := json.Marshal(value)
	if err != nil {
		fyne.LogError("encoding "+key, err)
		return
	}
	s := &v.saver
	s.mu.Lock()
	if s.want == nil {
		s.want = map[string]uint64{}
	}
	s.want[key]++
	n := s.want[key]
	s.mu.Unlock()
	v.ui.background(func(ctx context.Context) {
		s.write.Lock()
		defer s.write.Unlock()
		s.mu.Lock()
		stale := s.want[key] != n
		s.mu.Unlock()
		if stale {
			return // a newer value is waiting to be written
		}
		v.ui.showError(v.win, lang.L("Could not save your prompts and prices"), v.ui.deps.Store.SetSetting(ctx, key, string(b)))
	})
}

// loadSettings reads the saved prompts, recent prompts and prices from the
// store; it runs in the background, at start.
func (v *composeView) loadSettings(ctx context.Context) {
	var saved, recent []promptPreset
	var prices priceBook
	read := func(key string, into any) {
		text := v.ui.deps.Store.Setting(ctx, key, "")
		if text == "" {
			return
		}
		if err := json.Unmarshal([]byte(text), into); err != nil {
			fyne.LogError("reading the setting "+key, err)
		}
	}
	read(settingSavedPrompts, &saved)
	read(settingRecentPrompts, &recent)
	read(settingPrices, &prices)
	limit, hasLimit := v.spend.loadLimit(ctx)
	v.ui.do(func() {
		v.prompts.saved, v.prompts.recent = saved, recent
		if prices != nil {
			v.prices = prices
		}
		if hasLimit {
			v.spend.limit, v.spend.hasLimit = limit, true
		}
		v.spend.pricesChanged()
		if v.priceView != nil {
			v.priceView.refresh()
		}
		v.updateGenerate()
	})
}

// promptsMenu offers to save the prompt, and the saved and recent ones.
func (ps *promptShelf) promptsMenu() *fyne.Menu {
	items := []*fyne.MenuItem{fyne.NewMenuItem(lang.L("Save this prompt…"), ps.onSavePrompt)}
	if len(ps.saved) > 0 {
		items = append(items, fyne.NewMenuItemSeparator(), &fyne.MenuItem{Label: lang.L("Saved"), Disabled: true})
		for _, p := range ps.saved {
			items = append(items, fyne.NewMenuItem(firstLine(p.Name, 40), func() { ps.usePreset(p) }))
		}
	}
	items = append(items, fyne.NewMenuItemSeparator(), &fyne.MenuItem{Label: lang.L("Recent"), Disabled: true})
	if len(ps.recent) == 0 {
		items = append(items, &fyne.MenuItem{Label: lang.L("The prompts you send will be listed here"), Disabled: true})
	}
	for _, p := range ps.recent {
		items = append(items, fyne.NewMenuItem(firstLine(p.Prompt, 48), func() { ps.usePreset(p) }))
	}
	return fyne.NewMenu(lang.L("Prompts"), items...)
}

// onPrompts shows the prompts menu under its button.
func (ps *promptShelf) onPrompts() {
	widget.ShowPopUpMenuAtRelativePosition(ps.promptsMenu(), ps.c.win.Canvas(), fyne.NewPos(0, ps.c.promptsBtn.Size().Height), ps.c.promptsBtn)
}

// onSavePrompt asks for a name, then saves the prompt and its options.
func (ps *promptShelf) onSavePrompt() {
	if strings.TrimSpace(ps.c.prompt.Text) == "" {
		ps.c.status.fail(lang.L("Write a prompt first, then save it."), nil)
		return
	}
	name := newHouseEntry()
	name.SetText(firstLine(ps.c.prompt.Text, 30))
	d := dialog.NewForm(lang.L("Save this prompt"), lang.L("Save"), lang.L("Cancel"),
		[]*widget.FormItem{widget.NewFormItem(lang.L("Name"), name)}, func(ok bool) {
			if ok {
				ps.savePrompt(name.Text)
			}
		}, ps.c.win)
	showHouse(d, ps.c.win, houseOpts{size: fyne.NewSize(360, 160), focus: name})
}

// savePrompt saves the prompt and options of the form under name.
func (ps *promptShelf) savePrompt(name string) {
	name = strings.TrimSpace(name)
	if name == "" {
		name = firstLine(ps.c.prompt.Text, 30)
	}
	p := ps.preset()
	p.Name = name
	ps.saved = withSaved(ps.saved, p)
	ps.c.saveSetting(settingSavedPrompts, ps.saved)
	ps.c.status.say(lang.L("Saved as “{{.Name}}”. Find it under Prompts.", map[string]any{"Name": userText(name)}))
}

// preset is what the form holds, as a preset (extra options only when
// they are valid).
func (ps *promptShelf) preset() promptPreset {
	p := promptPreset{
		Model:      modelID(ps.c.model.Text),
		Prompt:     strings.TrimSpace(ps.c.prompt.Text),
		Ratio:      valueOf(ratioChoices, ps.c.ratio.Selected),
		Resolution: valueOf(resolutionChoices, ps.c.resolution.Selected),
		Duration:   ps.c.seconds(),
		Variations: ps.c.variationCount(),
	}
	p.Options, _ = extraOptions(ps.c.extra.Text)
	return p
}

// usePreset puts a saved or recent prompt and its options into the form;
// the reference image stays as it is.
func (ps *promptShelf) usePreset(p promptPreset) {
	ps.c.fillOptions(p.request())
	if p.Variations > 0 {
		ps.c.variations.SetSelectedIndex(min(p.Variations, maxVariations) - 1)
	}
	ps.c.status.say(lang.L("Prompt and options filled in. Change anything, then press Generate."))
}

// rememberSent adds the prompts of reqs to the recent ones and saves them.
func (ps *promptShelf) rememberSent(reqs []client.CreateRequest) {
	if len(reqs) == 0 {
		return
	}
	for _, r := range reqs {
		ps.recent = withRecent(ps.recent, presetOf(r))
	}
	ps.c.saveSetting(settingRecentPrompts, ps.recent)
}

// maxPromptFile bounds an imported list of prompts.
const maxPromptFile = 4 << 20

// errPromptFile is a list of prompts that cannot be read.
var errPromptFile = errors.New("prompt file unreadable")

// promptLines are the prompts in text, one a line, blank lines skipped.
func promptLines(text string) []string {
	var out []string
	for line := range strings.Lines(text) {
		if s := strings.TrimSpace(line); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// promptsFromFile reads the prompts of a .txt file (one a line) or a .csv
// file (the column named "prompt", else the first column).
func promptsFromFile(name string, data []byte) ([]string, error) {
	if !strings.EqualFold(path.Ext(name), ".csv") {
		return promptLines(string(data)), nil
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	rows, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errPromptFile, err)
	}
	col := 0
	if len(rows) > 0 {
		for i, h := range rows[0] {
			if strings.EqualFold(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")), "prompt") {
				col = i
				rows = rows[1:]
				break
			}
		}
	}
	var out []string
	for _, row := range rows {
		if col < len(row) {
			if s := strings.Join(strings.Fields(row[col]), " "); s != "" {
				out = append(out, s)
			}
		}
	}
	return out, nil
}

// onBatch asks for several prompts (typed, pasted or imported), then for
// confirmation, then sends one video for each.
func (ps *promptShelf) onBatch() {
	if ps.c.inFlight {
		return
	}
	ps.batchEntry = newHouseEntry() // Esc cancels the dialog, Enter starts a new line
	ps.batchEntry.MultiLine = true
	ps.batchEntry.Wrapping = fyne.TextWrap(fyne.TextTruncateClip)
	ps.batchEntry.SetPlaceHolder(lang.L("A fox running through snow\nA lighthouse at dusk\nRain on a city street at night"))
	ps.batchEntry.SetMinRowsVisible(8)
	entry := ps.batchEntry
	note := widget.NewLabel(lang.L("One prompt a line. The model and options of the form apply to each."))
	note.Wrapping = fyne.TextWrapWord
	problem := widget.NewLabel("")
	problem.Importance = widget.DangerImportance
	problem.Wrapping = fyne.TextWrapWord
	problem.Hide()
	importBtn := widget.NewButton(lang.L("Import a .txt or .csv file…"), func() { ps.onImportPrompts(entry, problem) })
	content := container.NewVBox(note, entry, importBtn, problem)
	d := dialog.NewCustomConfirm(lang.L("Make several videos"), lang.L("Next"), lang.L("Cancel"), content, func(ok bool) {
		if ok {
			ps.confirmBatch(promptLines(entry.Text))
		}
	}, ps.c.win)
	showHouse(d, ps.c.win, houseOpts{size: fyne.NewSize(560, 420), focus: entry})
}

// onImportPrompts adds the prompts of a picked file to entry.
func (ps *promptShelf) onImportPrompts(entry *houseEntry, problem *widget.Label) {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			ps.c.ui.showError(ps.c.win, lang.L("Could not open the file"), err)
			return
		}
		if r == nil {
			return
		}
		name := r.URI().Name()
		ps.c.ui.background(func(ctx context.Context) {
			defer r.Close()
			data, err := io.ReadAll(io.LimitReader(r, maxPromptFile+1))
			var prompts []string
			if err == nil && len(data) > maxPromptFile {
				err = errPromptFile
			}
			if err == nil {
				prompts, err = promptsFromFile(name, data)
			}
			ps.c.ui.do(func() {
				if err != nil || len(prompts) == 0 {
					fyne.LogError("importing prompts", err)
					problem.SetText(lang.L("No prompts could be read from {{.File}}. Use a text file with one prompt a line, or a CSV file whose first column (or a column named “prompt”) holds them.",
						map[string]any{"File": userText(name)}))
					problem.Show()
					return
				}
				problem.Hide()
				text := strings.TrimRight(entry.Text, "\n")
				if text != "" {
					text += "\n"
				}
				entry.SetText(text + strings.Join(prompts, "\n"))
			})
		})
	}, ps.c.win)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".txt", ".csv"}))
	showFile(d, ps.c.win)
}

// confirmBatch says how many videos a batch makes, and sends it once the
// user agrees.
func (ps *promptShelf) confirmBatch(prompts []string) {
	if len(prompts) == 0 {
		ps.c.status.say(lang.L("No prompts were given, so nothing was sent."))
		return
	}
	n := ps.c.variationCount()
	var reqs []client.CreateRequest
	for _, p := range prompts {
		req, err := ps.c.requestFor(p)
		if err != nil {
			ps.c.status.fail(err.Error(), nil)
			return
		}
		for range n {
			reqs = append(reqs, req)
		}
	}
	total := len(reqs)
	data := map[string]any{"Count": n, "Total": total}
	msg := lang.N("Each is sent once, one after another, with the options of the form ({{.Count}} videos a prompt).", n, data)
	if cost, ok := ps.c.prices.estimate(reqs[0].Model, reqs[0].Duration, total); ok {
		data["Price"] = formatMoney(cost)
		msg = lang.N("Each is sent once, one after another, with the options of the form ({{.Count}} videos a prompt). Estimated price: ≈ {{.Price}}.", n, data)
	}
	d := dialog.NewConfirm(lang.N("Make {{.Total}} videos?", total, data), msg, func(ok bool) {
		if ok && !ps.c.inFlight {
			ps.c.sendAll(reqs)
		}
	}, ps.c.win)
	d.SetConfirmText(lang.N("Make {{.Total}} videos", total, data))
	d.SetDismissText(lang.L("Cancel"))
	showHouse(d, ps.c.win, houseOpts{})
}
