package gui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"github.com/reelhouse/reelhouse/history/media/mediatest"
)

// TestChineseIsDrawnWithItsOwnFont: windows that speak Chinese draw text
// with Droid Sans Fallback first, whatever other fonts the machine has;
// English windows keep the theme's fonts, and monospace text keeps its
// own in both.
func TestChineseIsDrawnWithItsOwnFont(t *testing.T) {
	if chineseFont() == nil {
		mediatest.Failed(t, chineseFontFile+" is not installed (fonts-droid-fallback)")
	}
	def := theme.DefaultTheme()
	for _, language := range []string{LanguageEnglish, LanguageChinese} {
		t.Run(language, func(t *testing.T) {
			UseLanguage(language)
			t.Cleanup(func() { UseLanguage(LanguageSystem) })
			a := test.NewTempApp(t)
			a.Settings().SetTheme(def)
			useChineseFont(a) // as New does
			th := a.Settings().Theme()
			for _, style := range []fyne.TextStyle{{}, {Bold: true}, {Italic: true}} {
				want := def.Font(style)
				if language == LanguageChinese {
					want = chineseFont()
				}
				if got := th.Font(style); got != want {
					t.Errorf("%+v text is drawn with %s, want %s", style, got.Name(), want.Name())
				}
			}
			mono := fyne.TextStyle{Monospace: true}
			if got := th.Font(mono); got != def.Font(mono) {
				t.Errorf("monospace text is drawn with %s, want %s", got.Name(), def.Font(mono).Name())
			}
			if th.Color(theme.ColorNameBackground, theme.VariantDark) != def.Color(theme.ColorNameBackground, theme.VariantDark) {
				t.Error("the theme's colours changed with the font")
			}
		})
	}
}
