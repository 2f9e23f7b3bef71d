package gui

import (
	"bytes"
	"os"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

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
					if style.Bold && chineseBoldFont() != nil {
						want = chineseBoldFont()
					}
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

// TestChineseBoldIsBold: bold Chinese is drawn with a bold Chinese font
// (Droid Sans Fallback has no bold, so bold labels looked like the
// others), which puts more ink on the screen than the regular one.
func TestChineseBoldIsBold(t *testing.T) {
	if chineseFont() == nil {
		mediatest.Failed(t, chineseFontFile+" is not installed (fonts-droid-fallback)")
	}
	if chineseBoldFont() == nil {
		mediatest.Failed(t, chineseBoldFontFile+" is not installed (fonts-noto-cjk)")
	}
	useChinese(t)
	a := test.NewTempApp(t)
	a.Settings().SetTheme(theme.DefaultTheme())
	useChineseFont(a)
	th := a.Settings().Theme()
	bold, regular := th.Font(fyne.TextStyle{Bold: true}), th.Font(fyne.TextStyle{})
	if bold == regular || bytes.Equal(bold.Content(), regular.Content()) {
		t.Fatalf("bold Chinese is drawn with %s, like regular Chinese", bold.Name())
	}
	ink := func(style fyne.TextStyle) int {
		w := a.NewWindow("")
		defer w.Close()
		w.SetContent(widget.NewLabelWithStyle("视频库文件夹", fyne.TextAlignLeading, style))
		w.Resize(fyne.NewSize(200, 40))
		img := w.Canvas().Capture()
		bg := th.Color(theme.ColorNameBackground, a.Settings().ThemeVariant())
		br, bgG, bb, _ := bg.RGBA()
		n := 0
		for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
			for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
				r, g, b, _ := img.At(x, y).RGBA()
				if r != br || g != bgG || b != bb {
					n++
				}
			}
		}
		return n
	}
	if b, r := ink(fyne.TextStyle{Bold: true}), ink(fyne.TextStyle{}); b <= r*11/10 {
		t.Errorf("bold Chinese covers %d pixels, regular %d: want bold to put clearly more ink down", b, r)
	}
}

// A face is taken out of a font collection whole: its tables, found again
// in the file made of them.
func TestCollectionFace(t *testing.T) {
	if _, err := os.Stat(chineseBoldFontFile); err != nil {
		mediatest.Failed(t, chineseBoldFontFile+" is not installed (fonts-noto-cjk)")
	}
	ttc, err := os.ReadFile(chineseBoldFontFile)
	if err != nil {
		t.Fatal(err)
	}
	face, err := collectionFace(ttc, "SC")
	if err != nil {
		t.Fatal(err)
	}
	tables, err := fontTables(face, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := fontFamily(tables["name"]); got != "Noto Sans CJK SC" {
		t.Errorf("took out %q", got)
	}
	for _, tag := range []string{"cmap", "head", "hhea", "hmtx", "maxp", "name", "OS/2", "post"} {
		if len(tables[tag]) == 0 {
			t.Errorf("no %s table", tag)
		}
	}
	if _, err := collectionFace(ttc, "XX"); err == nil {
		t.Error("found a face that is not there")
	}
	if _, err := collectionFace([]byte("not a font"), "SC"); err == nil {
		t.Error("read a collection from text")
	}
}
