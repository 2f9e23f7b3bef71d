package gui

// Typing into the prompt of the compose pane, with Fyne's test driver:
// the work of one typed key, from the key to the text redrawn, after a
// prompt of n characters.

import (
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// BenchmarkTypingPrompt types one key at the end of a prompt of n
// characters and waits for the pane to be redrawn (ns/op is per key).
func BenchmarkTypingPrompt(b *testing.B) {
	for _, n := range []int{10, 200, 2000, 5000} {
		b.Run(fmt.Sprintf("chars=%d", n), func(b *testing.B) {
			test.NewTempApp(b).Settings().SetTheme(theme.DefaultTheme())
			w := test.NewWindow(nil)
			b.Cleanup(w.Close)
			v := newCompose(&UI{main: w})
			w.SetContent(v.content())
			w.Resize(fyne.NewSize(420, 700))
			words := strings.Repeat("a lighthouse at dusk, waves on the rocks ", n/40+1)
			v.prompt.SetText(words[:n-1])
			w.Canvas().Focus(v.prompt)
			v.prompt.CursorRow, v.prompt.CursorColumn = 0, 0
			test.Type(v.prompt, "x") // the cursor to where typing goes on
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				typeRune(&v.prompt.Entry, 'e')
				if i%64 == 63 {
					b.StopTimer()
					v.prompt.SetText(words[:n-1]) // keep the length near n
					b.StartTimer()
				}
			}
			// A metric of its own per length, for make bench to read.
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1e6, fmt.Sprintf("key-ms-%d", n))
		})
	}
}

// typeKey is one key typed into e, as the driver delivers it: the rune,
// then the refresh the canvas does for the next frame.
func typeRune(e *widget.Entry, r rune) {
	e.TypedRune(r)
	test.WidgetRenderer(e).Layout(e.Size())
}
