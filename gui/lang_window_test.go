package gui

import (
	"os"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
)

// TestWindowsInChinese: under Simplified Chinese the windows, and Fyne's
// own buttons, speak Chinese.
func TestWindowsInChinese(t *testing.T) {
	useChinese(t)
	h := newHarness(t, nil, true)
	w := h.ui.MainWindow()
	w.Resize(fyne.NewSize(1366, 768))
	h.loop.pump()
	capture(t, w, "main-zh-1366x768")
	main := test.RenderObjectToMarkup(w.Content())
	for _, want := range []string{"生成", "提示词", "模型", "把想法变成视频", "设置"} {
		if !strings.Contains(main, want) {
			t.Errorf("the main window does not say %q", want)
		}
	}

	h.ui.settings.advanced.Open(0) // the server and checks are folded under Advanced
	settings := test.RenderObjectToMarkup(h.ui.settings.win.Content())
	h.ui.settings.advanced.Close(0)
	for _, want := range []string{"API 密钥", "服务器", "视频库文件夹", "检查间隔", "语言", "跟随系统", "关闭", "价格"} {
		if !strings.Contains(settings, want) {
			t.Errorf("Settings do not say %q", want)
		}
	}
	h.ui.settings.win.Resize(fyne.NewSize(640, 640))
	capture(t, h.ui.settings.win, "settings-zh")

	w.Resize(fyne.NewSize(800, 600))
	h.loop.pump()
	tabs := test.RenderObjectToMarkup(w.Content())
	for _, want := range []string{"创作", "视频库"} {
		if !strings.Contains(tabs, want) {
			t.Errorf("the narrow window's tabs do not say %q", want)
		}
	}
	if got := lang.L("Cancel"); got != "取消" {
		t.Errorf("Fyne's own Cancel reads %q", got)
	}
}

// TestLanguageSettingAppliesAtNextStart: choosing a language saves it and
// says that it applies the next time Reelhouse starts; the windows keep
// their language meanwhile.
func TestLanguageSettingAppliesAtNextStart(t *testing.T) {
	h := newHarness(t, nil, true)
	s := h.ui.settings
	if s.language.SelectedIndex() != 0 || s.languageNote.Visible() {
		t.Fatalf("a new Reelhouse follows the system: %q, note shown %v", s.language.Selected, s.languageNote.Visible())
	}
	s.language.SetSelected("简体中文")
	hist := h.deps.Store
	h.loop.until(t, "the language saved", func() bool {
		return hist.Setting(t.Context(), SettingLanguage, "") == LanguageChinese
	})
	if !s.languageNote.Visible() || s.languageNote.Text != "Reelhouse will use this language the next time it starts." {
		t.Errorf("note %q shown %v", s.languageNote.Text, s.languageNote.Visible())
	}
	if got := lang.L("Close"); got != "Close" {
		t.Errorf("the language changed at once: Close reads %q", got)
	}
	s.language.SetSelectedIndex(0)
	h.loop.until(t, "the system's language saved", func() bool {
		return hist.Setting(t.Context(), SettingLanguage, "x") == LanguageSystem
	})
	if s.languageNote.Visible() {
		t.Error("the note stays after going back to the language in use")
	}
}

// TestUseLanguageKeepsTheEnvironment: choosing a language does not change
// the locale that programs started later (a video player) inherit.
func TestUseLanguageKeepsTheEnvironment(t *testing.T) {
	t.Setenv("LC_ALL", "fr_FR.UTF-8")
	t.Setenv("LANGUAGE", "fr")
	useChinese(t)
	if got := lang.L("Close"); got != "关闭" {
		t.Errorf("Close reads %q under Chinese", got)
	}
	if got, _ := os.LookupEnv("LC_ALL"); got != "fr_FR.UTF-8" {
		t.Errorf("LC_ALL = %q afterwards", got)
	}
	if got, _ := os.LookupEnv("LANGUAGE"); got != "fr" {
		t.Errorf("LANGUAGE = %q afterwards", got)
	}
	UseLanguage(LanguageSystem) // French is not offered: English
	if got := lang.L("Close"); got != "Close" {
		t.Errorf("Close reads %q under French", got)
	}
}
