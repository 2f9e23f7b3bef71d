package gui

// This file is the spending guard: a monthly limit typed in Settings ▸
// Prices, the month's estimated spend beside the Settings button, and a
// question before a Generate, a batch or variations that would bring the
// month past the limit.

import (
	"context"
	"encoding/json"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history/store"
)

// settingSpendLimit holds the monthly limit, as JSON (a number); absent
// for none.
const settingSpendLimit = "compose_monthly_limit"

// spendReloadGap is the least time between two sums of the month's spend
// while tasks change.
const spendReloadGap = time.Second

// spending keeps the monthly limit and the month's estimated spend. Its
// fields are used on the UI goroutine only.
type spending struct {
	compose  *composeView
	limit    float64
	hasLimit bool
	// month is the first moment of the month spent is for, and spent the
	// estimated spend of its videos made and being made; known is false
	// until the first sum is in.
	month time.Time
	spent float64
	known bool
	// sums runs the sums one at a time.
	sums rerun
	line *widget.Label // beside the Settings button
	now  func() time.Time
}

func newSpending(c *composeView) *spending {
	s := &spending{compose: c, now: time.Now}
	s.line = hintLabel("")
	s.line.Wrapping = fyne.TextWrapOff
	s.line.Truncation = fyne.TextTruncateEllipsis
	s.line.Alignment = fyne.TextAlignTrailing
	s.line.Hide()
	return s
}

// monthSpend is the estimated spend of the month starting at month: the
// videos made, priced as the Usage window prices them, and those being
// made, priced at the length they asked for.
func monthSpend(usage []store.Usage, prices priceBook, month time.Time) float64 {
	total := 0.0
	for _, l := range usageLines(usage, prices) {
		if !l.Month.Equal(month) {
			continue
		}
		total += l.Spend
		p := prices[l.Model]
		if p.PerSecond {
			total += p.Amount * l.MakingSeconds
		} else {
			total += p.Amount * float64(l.Making)
		}
	}
	return total
}

// costOf is the estimated price of sending reqs; unpriced ones add
// nothing.
func costOf(reqs []client.CreateRequest, prices priceBook) float64 {
	total := 0.0
	for _, r := range reqs {
		if c, ok := prices.estimate(r.Model, r.Duration, 1); ok {
			total += c
		}
	}
	return total
}

// monthStart is the first moment of t's month, in t's location.
func monthStart(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, t.Location())
}

// monthName is the month of t in the language in use ("December").
func monthName(t time.Time) string { return t.Format(lang.L("January")) }

// reload sums the month's spend afresh in the background; asked again
// while a sum is under way, it sums once more after it, no sooner than
// spendReloadGap later.
func (s *spending) reload() {
	u := s.compose.ui
	s.sums.ask(func(done func()) bool {
		month := monthStart(s.now())
		return u.background(func(ctx context.Context) {
			usage, err := u.deps.Store.UsageSince(ctx, time.Local, month)
			if err != nil {
				if ctx.Err() == nil {
					fyne.LogError("adding up the month's spend", err)
				}
				u.do(done)
				return
			}
			u.do(func() {
				s.month = month
				s.spent = monthSpend(usage, s.compose.prices, s.month)
				s.known = true
				s.show()
			})
			u.idleWhile(func() {
				select {
				case <-ctx.Done():
				case <-time.After(spendReloadGap):
				}
			})
			u.do(done)
		})
	})
}

// pricesChanged sums again with the prices now set, or hides the spend
// when none is.
func (s *spending) pricesChanged() {
	if len(s.compose.prices) == 0 {
		s.show()
		return
	}
	s.reload()
}

// onRecordChanged sums again when a task was sent, finished or failed.
func (s *spending) onRecordChanged(r store.Record) {
	if len(s.compose.prices) > 0 {
		s.reload()
	}
}

// show puts the month's spend beside the Settings button where prices are
// set; over the limit it stands out.
func (s *spending) show() {
	if len(s.compose.prices) == 0 || !s.known {
		s.line.Hide()
		return
	}
	args := map[string]any{"Month": monthName(s.month), "Spent": formatMoney(s.spent), "Limit": formatMoney(s.limit)}
	text := lang.L("{{.Month}} so far: ≈ {{.Spent}}", args)
	s.line.Importance = widget.MediumImportance
	if s.hasLimit {
		text = lang.L("{{.Month}} so far: ≈ {{.Spent}} of your {{.Limit}} limit", args)
		if s.spent > s.limit {
			s.line.Importance = widget.DangerImportance
		}
	}
	s.line.SetText(text)
	s.line.Show()
}

// setLimit keeps a new monthly limit (ok false: none) and saves it.
func (s *spending) setLimit(limit float64, ok bool) {
	s.limit, s.hasLimit = limit, ok
	if ok {
		s.compose.saveSetting(settingSpendLimit, limit)
	} else {
		s.compose.saveSetting(settingSpendLimit, nil)
	}
	s.show()
}

// loadLimit reads the saved limit; it runs in the background.
func (s *spending) loadLimit(ctx context.Context) (float64, bool) {
	text := s.compose.ui.deps.Store.Setting(ctx, settingSpendLimit, "")
	var limit *float64
	if text == "" || json.Unmarshal([]byte(text), &limit) != nil || limit == nil {
		return 0, false
	}
	return *limit, true
}

// guard calls send at once, or, when sending reqs would bring the month
// past the limit, once the user says to go on.
func (s *spending) guard(reqs []client.CreateRequest, send func()) {
	s.guardOn(s.compose.win, reqs, send)
}

// guardOn is guard asking on win.
func (s *spending) guardOn(win fyne.Window, reqs []client.CreateRequest, send func()) {
	cost := costOf(reqs, s.compose.prices)
	if !s.hasLimit || !s.known || cost == 0 || s.spent+cost <= s.limit {
		send()
		return
	}
	text := lang.L("This would bring {{.Month}} to ≈ {{.Total}} of your {{.Limit}} limit.",
		map[string]any{"Month": monthName(s.month), "Total": formatMoney(s.spent + cost), "Limit": formatMoney(s.limit)})
	text += " " + lang.L("The limit is in Settings ▸ Prices.")
	act := lang.L("Generate anyway")
	if len(reqs) > 1 {
		act = lang.L("Generate {{.Count}} videos anyway", map[string]any{"Count": len(reqs)})
	}
	askSafe(win, lang.L("Over your monthly limit?"), text, act, lang.L("Don't generate"), send)
}
