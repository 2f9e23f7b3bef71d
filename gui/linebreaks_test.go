package gui

import (
	"fmt"
	"strings"
	"testing"
	"unicode"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// labelRows are the lines a wrapped label shows.
func labelRows(l *widget.Label) []string {
	var out []string
	rt := test.WidgetRenderer(l).Objects()[0].(*widget.RichText)
	for _, o := range test.WidgetRenderer(rt).Objects() {
		if t, ok := o.(*canvas.Text); ok {
			out = append(out, t.Text)
		}
	}
	return out
}

// wrongBreak says where rows, the lines text was wrapped into, break
// inside a Latin word or a number, between a number and its measure
// word, or at a word joiner; "" when they break nowhere wrong.
func wrongBreak(text string, rows []string) string {
	latin := func(r rune) bool { return r > ' ' && r < unicode.MaxASCII }
	rest := []rune(text)
	for _, row := range rows {
		r := []rune(row)
		if len(r) > len(rest) || string(rest[:len(r)]) != row {
			return fmt.Sprintf("the line %q is not the text's next", row)
		}
		rest = rest[len(r):]
		if len(rest) == 0 {
			break
		}
		if rest[0] == '\n' {
			rest = rest[1:]
			continue
		}
		if len(r) == 0 {
			continue
		}
		left, right := r[len(r)-1], rest[0]
		if unicode.IsSpace(right) {
			// A break at a space, which the wrapper drops.
			rest = rest[1:]
			if len(rest) > 0 && unicode.IsDigit(left) && strings.ContainsRune(measureWords, rest[0]) {
				return fmt.Sprintf("between a number and its measure word: %q | %q", row, string(rest))
			}
			continue
		}
		switch {
		case latin(left) && latin(right) && !startsLine(row):
			return fmt.Sprintf("inside a word: %q | %q", row, string(rest))
		case unicode.IsDigit(left) && strings.ContainsRune(measureWords, right):
			return fmt.Sprintf("between a number and its measure word: %q | %q", row, string(rest))
		case left == noBreak || right == noBreak:
			return fmt.Sprintf("at a word joiner: %q | %q", row, string(rest))
		}
	}
	return ""
}

// startsLine reports whether the Latin word that row ends with takes the
// whole line: such a word is wider than a line and has to break.
func startsLine(row string) bool {
	return !strings.ContainsFunc(row, func(r rune) bool { return r <= ' ' || r >= unicode.MaxASCII })
}

// wrapRows wraps text in l at width and returns its lines.
func wrapRows(w fyne.Window, l *widget.Label, text string, width float32) []string {
	l.SetText(text)
	w.Resize(fyne.NewSize(width, 3000))
	return labelRows(l)
}

// No Chinese sentence of Reelhouse's breaks, at any width from a narrow
// column up, inside a Latin word or between a number and its measure
// word ("12 个视频"). Fyne breaks at spaces, the no-break space too, so
// the sentences carry marks of their own (markChineseBreaks).
func TestChineseLinesBreakBetweenWords(t *testing.T) {
	useChinese(t)
	a := test.NewTempApp(t)
	useChineseFont(a)
	w := a.NewWindow("")
	l := widget.NewLabel("")
	l.Wrapping = fyne.TextWrapWord
	w.SetContent(l)

	// What Fyne does: it breaks at a no-break space like at a space, and
	// not at a word joiner.
	plain, nbsp, joined := "这将生成 12 个视频，每个视频都会计费。", "这将生成 12\u00a0个视频，每个视频都会计费。", markChineseBreaks("这将生成 12 个视频，每个视频都会计费。")
	if joined != "这将生成 12\u2060个视频，每个视频都会计费。" {
		t.Errorf("marked %q", joined)
	}
	for _, text := range []string{plain, nbsp} {
		if wrongBreak(text, wrapRows(w, l, text, 100)) == "" {
			t.Errorf("%q did not break between 12 and 个 at 100 px: Fyne's wrapping changed, look again at markChineseBreaks", text)
		}
	}

	numeric := map[string]bool{"Count": true, "Total": true, "Number": true, "Seconds": true, "Shown": true, "Offset": true, "Rest": true, "Failed": true, "Done": true}
	wrong := 0
	for key, v := range readTranslations(t, "zh-Hans.json") {
		var texts []string
		switch v := v.(type) {
		case string:
			texts = append(texts, v)
		case map[string]any:
			for _, x := range v {
				texts = append(texts, x.(string))
			}
		}
		for _, text := range texts {
			// The text as lang gives it, with numbers and words in its fields.
			text = templateField.ReplaceAllStringFunc(markChineseBreaks(text), func(f string) string {
				if numeric[templateField.FindStringSubmatch(f)[1]] {
					return "12"
				}
				return "Reelhouse"
			})
			for width := float32(110); width <= 420; width += 15 {
				if why := wrongBreak(text, wrapRows(w, l, text, width)); why != "" {
					t.Errorf("%q at %v px breaks %s", key, width, why)
					wrong++
					break
				}
			}
		}
		if wrong > 20 {
			t.Fatal("and more")
		}
	}

	// lang gives the marked sentences.
	if got := lang.N("{{.Count}} videos", 12, map[string]any{"Count": 12}); !strings.Contains(got, "12\u2060个") {
		t.Errorf("lang gives %q", got)
	}
}
