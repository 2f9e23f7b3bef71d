package gui

import (
	"embed"
	"os"
	"slices"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"
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
	if err := addTranslations(); err != nil {
		fyne.LogError("loading translations", err)
	}
	chineseInUse = isChinese(language)
}

// addTranslations gives Fyne the translation files, the Chinese one with
// its places to break lines marked (see markChineseBreaks).
func addTranslations() error {
	files, err := translations.ReadDir("translations")
	if err != nil {
		return err
	}
	for _, f := range files {
		data, err := translations.ReadFile("translations/" + f.Name())
		if err != nil {
			return err
		}
		if f.Name() == LanguageChinese+".json" {
			if data, err = markChineseBreaksJSON(data); err != nil {
				return err
			}
		}
		if err := lang.AddTranslations(fyne.NewStaticResource(f.Name(), data)); err != nil {
			return err
		}
	}
	return nil
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

// filePlaces are the places Fyne's file dialog lists on its left, in the
// words it shows them in: Fyne 2.7.1 shows these names as they are, not
// through its translations.
var filePlaces = []string{translateLater("Home"), translateLater("Computer"), translateLater("App Files"),
	translateLater("Desktop"), translateLater("Documents"), translateLater("Downloads"), translateLater("Music"),
	translateLater("Pictures"), translateLater("Videos"), translateLater("Movies")}

// translatePlaces finds the list of places in a file dialog's tree and
// makes it show each place's name translated.
func translatePlaces(o fyne.CanvasObject) {
	if o == nil {
		return
	}
	switch o := o.(type) {
	case *widget.List:
		update := o.UpdateItem
		if update == nil || !isPlacesList(o) {
			return
		}
		o.UpdateItem = func(id widget.ListItemID, item fyne.CanvasObject) {
			update(id, item)
			if l := placeLabel(item); l != nil && slices.Contains(filePlaces, l.Text) {
				l.SetText(lang.L(l.Text))
			}
		}
		o.Refresh()
		return
	case *widget.PopUp:
		translatePlaces(o.Content)
	case *container.Split:
		translatePlaces(o.Leading)
		translatePlaces(o.Trailing)
	case *fyne.Container:
		for _, c := range o.Objects {
			translatePlaces(c)
		}
	}
}

// isPlacesList tells the file dialog's list of places by its rows: an
// icon and a label.
func isPlacesList(l *widget.List) bool {
	return l.CreateItem != nil && placeLabel(l.CreateItem()) != nil
}

// placeLabel is the label of a row of the places list, or nil.
func placeLabel(item fyne.CanvasObject) *widget.Label {
	row, ok := item.(*fyne.Container)
	if !ok || len(row.Objects) != 2 {
		return nil
	}
	icon, ok := row.Objects[0].(*fyne.Container)
	if !ok || len(icon.Objects) != 1 {
		return nil
	}
	if _, ok := icon.Objects[0].(*widget.Icon); !ok {
		return nil
	}
	l, _ := row.Objects[1].(*widget.Label)
	return l
}
