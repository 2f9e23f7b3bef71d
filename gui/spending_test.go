package gui

import (
	"math"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history/store"
)

// The month's spend adds the videos made in that month, priced per video
// or per second, and those still being made, at the length they asked
// for; other months and unpriced models add nothing.
func TestMonthSpend(t *testing.T) {
	dec := time.Date(2026, 12, 1, 0, 0, 0, 0, time.Local)
	nov := time.Date(2026, 11, 1, 0, 0, 0, 0, time.Local)
	prices := priceBook{"a": {Amount: 1.5}, "b": {Amount: 0.1, PerSecond: true}}
	usage := []store.Usage{
		{Month: dec, Model: "a", Made: 2, Failed: 3, Seconds: 10, Making: 1},        // 3 + 1.5
		{Month: dec, Model: "b", Made: 1, Seconds: 8, Making: 2, MakingSeconds: 10}, // 0.8 + 1.0
		{Month: dec, Model: "c", Made: 5, Seconds: 50, Making: 1},                   // no price
		{Month: nov, Model: "a", Made: 7, Seconds: 70},                              // another month
	}
	if got, want := monthSpend(usage, prices, dec), 3+1.5+0.8+1.0; math.Abs(got-want) > 1e-9 {
		t.Errorf("December's spend %v, want %v", got, want)
	}
	if got := monthSpend(usage, prices, nov); math.Abs(got-10.5) > 1e-9 {
		t.Errorf("November's spend %v, want 10.5", got)
	}
	reqs := []client.CreateRequest{{Model: "a"}, {Model: "b", Duration: 5}, {Model: "b"}, {Model: "c"}}
	if got := costOf(reqs, prices); math.Abs(got-2.0) > 1e-9 {
		t.Errorf("cost of the requests %v, want 2.0 (a per-second price without a length, and no price, add nothing)", got)
	}
}

// With a monthly limit, the month's spend shows beside Settings, and a
// Generate that would bring the month past the limit asks first: "Don't
// generate" sends nothing, "Generate … anyway" sends them all; within the
// limit nothing is asked. The Usage window names the limit.
func TestSpendingGuard(t *testing.T) {
	h := newHarness(t, nil, true)
	v := h.ui.compose
	const model = "wan2.1-t2v-turbo"
	test.Type(v.priceView.amounts[model], "1.00")
	test.Type(v.priceView.limit, "2,50")
	made, err := h.deps.Tracker.Submit(t.Context(), client.CreateRequest{Model: model, Prompt: "the first video of the month"})
	if err != nil {
		t.Fatal(err)
	}
	month := monthName(time.Now())
	want := month + " so far: ≈ 1.00 of your 2.50 limit"
	h.loop.until(t, "the month's spend", func() bool {
		r, err := h.deps.Store.Get(t.Context(), made.ID)
		return err == nil && r.State == store.StateSuccess && v.spend.line.Visible() && v.spend.line.Text == want
	})

	v.model.SetText(modelChoice(model))
	test.Type(v.prompt, "two foxes in the snow")
	v.variations.SetSelectedIndex(1)
	test.Tap(v.generate)
	h.loop.pump()
	top := h.ui.main.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("two more videos past the limit were sent without asking")
	}
	if b := findButton(top, "Generate 2 videos anyway"); b == nil || findButton(top, "Don't generate") == nil {
		t.Fatal("the question has no Generate anyway and Don't generate")
	}
	test.Tap(findButton(top, "Don't generate"))
	h.loop.pump()
	time.Sleep(50 * time.Millisecond)
	if n := h.sim.Counts().Create; n != 1 {
		t.Fatalf("%d creates after Don't generate, want the 1 made before", n)
	}

	test.Tap(v.generate)
	h.loop.pump()
	test.Tap(findButton(h.ui.main.Canvas().Overlays().Top(), "Generate 2 videos anyway"))
	h.loop.until(t, "the two videos sent", func() bool { return !v.inFlight && h.sim.Counts().Create == 3 })

	// Within the limit nothing is asked.
	v.priceView.limit.SetText("2500") // far above
	v.variations.SetSelectedIndex(0)
	h.loop.until(t, "the limit kept", func() bool { return v.spend.limit == 2500 })
	test.Type(v.prompt, " again")
	test.Tap(v.generate)
	h.loop.until(t, "the video sent without a question", func() bool { return !v.inFlight && h.sim.Counts().Create == 4 })
	if top := h.ui.main.Canvas().Overlays().Top(); top != nil {
		t.Error("a video within the limit was asked about")
	}

	h.ui.showUsage()
	h.loop.until(t, "the usage", func() bool { return h.ui.usage.save.Disabled() == false })
	if want := "Your monthly limit: 2500.00."; !strings.Contains(h.ui.usage.note.Text, want) {
		t.Errorf("the Usage note %q does not say %q", h.ui.usage.note.Text, want)
	}
}

// Esc in a price, its unit or the monthly limit closes Settings, as in
// every other field of the house.
func TestEscInThePricesClosesSettings(t *testing.T) {
	h := newHarness(t, nil, true)
	s, p := h.ui.settings, h.ui.compose.priceView
	const model = "wan2.1-t2v-turbo"
	c := s.win.Canvas()
	hide := houseWindowEsc[c]
	t.Cleanup(func() { houseWindowEsc[c] = hide })
	for name, field := range map[string]fyne.Focusable{"price": p.amounts[model], "unit": p.units[model], "limit": p.limit} {
		s.show()
		closed := false
		houseWindowEsc[c] = func() { closed = true; hide() }
		c.Focus(field)
		typeKey(c, fyne.KeyEscape)
		if !closed {
			t.Errorf("Esc in the %s left Settings open", name)
		}
	}
}
