package gui

import (
	"embed"
	"os"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
)

// translations holds Reelhouse's words in each language it speaks, one
// file a language (en.json, zh-Hans.json). The English text is the key.
//
//go:embed translations
var translations embed.FS

// SettingLanguage is the setting (in the store's settings table) that
// holds the language chosen in Settings: one of the Language constants.
const SettingLanguage = "language"

// Languages Reelhouse speaks, as the language setting holds them.
const (
	LanguageSystem  = ""        // follow the system's locale
	LanguageEnglish = "en"      // English
	LanguageChinese = "zh-Hans" // Simplified Chinese
)

// languageLocales are the locales that pick each language, in the form of
// the LC_ALL environment variable that Fyne reads.
var languageLocales = map[string]string{
	LanguageEnglish: "en_US.UTF-8",
	LanguageChinese: "zh_CN.UTF-8",
}

var (
	languageMu sync.Mutex
	// chineseInUse says that the last UseLanguage chose Chinese.
	chineseInUse bool
)

func init() { UseLanguage(LanguageSystem) }

// UseLanguage loads Reelhouse's translations and makes language (one of
// the Language constants; anything else means the system's) the one its
// windows and Fyne's own dialogs speak. Call it before building windows:
// the words of those already built stay as they are.
func UseLanguage(language string) {
	languageMu.Lock()
	defer languageMu.Unlock()
	// Fyne picks the language from the locale environment when
	// translations are added; it is set for that moment only, so that
	// programs started later (a video player) keep the user's own.
	if locale, ok := languageLocales[language]; ok {
		restore := setEnv(map[string]string{"LC_ALL": locale, "LANGUAGE": ""})
		defer restore()
	}
	if err := lang.AddTranslationsFS(translations, "translations"); err != nil {
		fyne.LogError("loading translations", err)
	}
	chineseInUse = isChinese(language)
}

// setEnv sets the environment variables in vars ("" unsets one) and
// returns what puts them back as they were.
func setEnv(vars map[string]string) (restore func()) {
	type was struct {
		value string
		set   bool
	}
	old := map[string]was{}
	for k, v := range vars {
		value, set := os.LookupEnv(k)
		old[k] = was{value, set}
		if v == "" {
			os.Unsetenv(k)
		} else {
			os.Setenv(k, v)
		}
	}
	return func() {
		for k, w := range old {
			if w.set {
				os.Setenv(k, w.value)
			} else {
				os.Unsetenv(k)
			}
		}
	}
}

// languageNames are the choices of the language setting, each language
// named in its own words, after "System".
var languageNames = []struct{ Value, Name string }{
	{LanguageEnglish, "English"},
	{LanguageChinese, "简体中文"},
}

// translateLater marks text as a translation key in tables built before
// the language is chosen; the text is translated where it is shown, with
// lang.L(text).
func translateLater(text string) string { return text }

// translated is texts, each translated with lang.L.
func translated(texts []string) []string {
	out := make([]string, len(texts))
	for i, t := range texts {
		out[i] = lang.L(t)
	}
	return out
}
