package gui

import (
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"
)

// price is what one video of a model costs the user, in their own
// currency: per video, or per second of video.
type price struct {
	Amount    float64 `json:"amount"`
	PerSecond bool    `json:"per_second,omitempty"`
}

// priceBook holds the prices the user typed, by model id.
type priceBook map[string]price

// estimate is the price of n videos of model, each seconds long (0: the
// model's default length). It is false when no price is known, or when
// the price is per second and the length is not.
func (b priceBook) estimate(model string, seconds, n int) (float64, bool) {
	p, ok := b[model]
	if !ok || n <= 0 {
		return 0, false
	}
	if !p.PerSecond {
		return p.Amount * float64(n), true
	}
	if seconds <= 0 {
		return 0, false
	}
	return p.Amount * float64(seconds) * float64(n), true
}

// formatMoney writes an amount with two decimals, without a currency: the
// user typed the prices in their own.
func formatMoney(x float64) string { return strconv.FormatFloat(x, 'f', 2, 64) }

// parsePrice reads a typed price: empty for none, a decimal point or a
// decimal comma.
func parsePrice(s string) (float64, bool, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, false, nil
	}
	x, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", "."), 64)
	if err != nil || x < 0 || x > 1e9 {
		return 0, false, fmt.Errorf("not a price: %q", s)
	}
	return x, true, nil
}

// The units of a price, in the order offered.
const (
	perVideo  = "per video"
	perSecond = "per second"
)

// priceSettings is the Prices section of Settings: a price for each known
// model, saved as it is typed.
type priceSettings struct {
	compose *composeView
	amounts map[string]*houseEntry
	units   map[string]*houseSelect
	problem *widget.Label
	filling bool // set while refresh writes the fields
	// limit is the monthly limit (see spending), and limitProblem says
	// when it does not read as an amount.
	limit        *houseEntry
	limitProblem *widget.Label
}

// newPricesItem builds the Prices section of Settings. The prices are
// kept by the compose pane, which shows the estimate on Generate.
func newPricesItem(u *UI) *widget.FormItem {
	p := &priceSettings{compose: u.compose, amounts: map[string]*houseEntry{}, units: map[string]*houseSelect{}}
	u.compose.priceView = p
	note := hintLabel(lang.L("Optional: what a video costs you, in your own currency. Generate then shows an estimate. Leave a box empty for no estimate."))
	p.problem = errorLabel()
	grid := container.New(layout.NewFormLayout())
	for _, m := range knownModels {
		// The house's fields: Esc in any of them closes Settings.
		amount := newHouseEntry()
		amount.SetPlaceHolder(lang.L("e.g. 1.20"))
		unit := newHouseSelect([]string{lang.L(perVideo), lang.L(perSecond)}, nil)
		unit.SetSelectedIndex(0)
		amount.OnChanged = func(string) { p.onChanged(m.ID) }
		unit.OnChanged = func(string) { p.onChanged(m.ID) }
		p.amounts[m.ID], p.units[m.ID] = amount, unit
		grid.Add(widget.NewLabel(m.Name))
		grid.Add(container.NewBorder(nil, nil, nil, unit, amount))
	}
	p.limit = newHouseEntry()
	p.limit.SetPlaceHolder(lang.L("e.g. 20.00"))
	p.limit.OnChanged = func(string) { p.onLimitChanged() }
	p.limitProblem = errorLabel()
	grid.Add(widget.NewLabel(lang.L("Monthly limit")))
	grid.Add(p.limit)
	limitNote := hintLabel(lang.L("Optional: Reelhouse asks first when a Generate, a batch or several variations would bring the month's estimated spend past this limit."))
	p.refresh()
	return widget.NewFormItem(lang.L("Prices"), container.NewVBox(note, grid, p.problem, limitNote, p.limitProblem))
}

// onLimitChanged keeps the monthly limit as typed, when it reads as an
// amount (empty: no limit).
func (p *priceSettings) onLimitChanged() {
	if p.filling {
		return
	}
	x, ok, err := parsePrice(p.limit.Text)
	if err != nil {
		setError(p.limitProblem, lang.L("“{{.Text}}” is not an amount. Type a number such as 20.00, or leave the box empty for no limit.",
			map[string]any{"Text": userText(strings.TrimSpace(p.limit.Text))}))
		return
	}
	setError(p.limitProblem, "")
	p.compose.spend.setLimit(x, ok)
}

// refresh shows the compose pane's prices in the fields.
func (p *priceSettings) refresh() {
	p.filling = true
	defer func() {
		p.filling = false
		p.showProblem()
	}()
	if sp := p.compose.spend; sp.hasLimit {
		p.limit.SetText(strconv.FormatFloat(sp.limit, 'f', -1, 64))
	} else {
		p.limit.SetText("")
	}
	for id, amount := range p.amounts {
		pr, ok := p.compose.prices[id]
		if !ok {
			amount.SetText("")
			p.units[id].SetSelectedIndex(0)
			continue
		}
		amount.SetText(strconv.FormatFloat(pr.Amount, 'f', -1, 64))
		if pr.PerSecond {
			p.units[id].SetSelectedIndex(1)
		} else {
			p.units[id].SetSelectedIndex(0)
		}
	}
}

// showProblem names the first box, in the order shown, that does not
// hold a price.
func (p *priceSettings) showProblem() {
	for _, m := range knownModels {
		text := p.amounts[m.ID].Text
		if _, _, err := parsePrice(text); err != nil {
			setError(p.problem, lang.L("“{{.Text}}” ({{.Model}}) is not a price. Type a number such as 1.20, or leave the box empty.",
				map[string]any{"Text": userText(strings.TrimSpace(text)), "Model": m.Name}))
			return
		}
	}
	setError(p.problem, "")
}

// onChanged keeps the price of model as typed, when it reads as one.
func (p *priceSettings) onChanged(model string) {
	if p.filling {
		return
	}
	p.showProblem()
	x, ok, err := parsePrice(p.amounts[model].Text)
	if err != nil {
		return // the price kept is the last one that read as a price
	}
	book := priceBook{}
	for id, pr := range p.compose.prices {
		book[id] = pr
	}
	if ok {
		book[model] = price{Amount: x, PerSecond: p.units[model].SelectedIndex() == 1}
	} else {
		delete(book, model)
	}
	p.compose.prices = book
	p.compose.saveSetting(settingPrices, book)
	p.compose.updateGenerate()
	p.compose.spend.pricesChanged()
}
