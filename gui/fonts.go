package gui

import (
	"os"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
)

// chineseFontFile is where Linux systems keep Droid Sans Fallback, the
// font Reelhouse draws Chinese with (Debian's and Ubuntu's package
// fonts-droid-fallback, which `make run` installs).
//
// Fyne draws a character with the theme's font when it has the glyph,
// then with its own Noto Sans, and only then asks the system for any
// font that has it, and that answer changes with what is installed: a
// Japanese font, or another Chinese one. Droid Sans Fallback has the
// Chinese glyphs and none of the Latin ones, so as the theme's font it
// draws every Chinese character the same way on every machine while
// Latin letters stay in Noto Sans.
var chineseFontFile = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"

// chineseFont is the font file Reelhouse draws Chinese with, read once;
// nil where it is not installed (Fyne's own choice applies then).
var chineseFont = sync.OnceValue(func() fyne.Resource {
	data, err := os.ReadFile(chineseFontFile)
	if err != nil {
		return nil
	}
	return fyne.NewStaticResource("DroidSansFallbackFull.ttf", data)
})

// speaksChinese reports whether the windows speak Chinese, chosen in
// Settings or followed from the system's language (see UseLanguage).
func speaksChinese() bool {
	languageMu.Lock()
	defer languageMu.Unlock()
	return chineseInUse
}

// isChinese reports whether language (a Language constant) is Chinese,
// the system's language being read from the locale environment.
func isChinese(language string) bool {
	switch language {
	case LanguageChinese:
		return true
	case LanguageEnglish:
		return false
	}
	return strings.HasPrefix(lang.SystemLocale().LanguageString(), "zh")
}

// chineseTheme is a theme that draws text with the Chinese font before
// its own fonts (see chineseFontFile).
type chineseTheme struct {
	fyne.Theme
	font fyne.Resource
}

func (t chineseTheme) Font(s fyne.TextStyle) fyne.Resource {
	if s.Monospace || s.Symbol {
		return t.Theme.Font(s)
	}
	return t.font
}

// useChineseFont makes a's theme draw Chinese with the Chinese font when
// the windows speak Chinese and the font is installed.
func useChineseFont(a fyne.App) {
	if !speaksChinese() {
		return
	}
	font := chineseFont()
	if font == nil {
		fyne.LogError("Chinese is drawn with the system's fonts: "+chineseFontFile+" is not installed (fonts-droid-fallback)", os.ErrNotExist)
		return
	}
	if _, done := a.Settings().Theme().(chineseTheme); done {
		return
	}
	a.Settings().SetTheme(chineseTheme{Theme: a.Settings().Theme(), font: font})
}
