package gui

import (
	"net/url"
	"os"
	"runtime"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// ffmpegDownloadPage is where FFmpeg is downloaded by hand.
const ffmpegDownloadPage = "https://ffmpeg.org/download.html"

// ffmpegHowTo is how to install FFmpeg on one system: what to do, in
// words, and the command to type where there is one.
type ffmpegHowTo struct {
	text    string // translated
	command string // "" where FFmpeg is downloaded from its website
}

// ffmpegInstall says how to install FFmpeg on the system goos names
// (runtime.GOOS); on Linux, osRelease is /etc/os-release's text, which
// names the distribution and those it is built on.
func ffmpegInstall(goos, osRelease string) ffmpegHowTo {
	terminal := lang.L("Open a terminal, type this command and press Enter; it asks for your password. Then start Reelhouse again.")
	switch goos {
	case "windows":
		return ffmpegHowTo{lang.L("Open the Terminal (or PowerShell), type this command and press Enter. Then start Reelhouse again. You can also download FFmpeg from ffmpeg.org."), shellCommand("winget", "install", "ffmpeg")}
	case "darwin":
		return ffmpegHowTo{lang.L("If you use Homebrew, open the Terminal, type this command and press Enter, then start Reelhouse again. Otherwise download FFmpeg from ffmpeg.org."), shellCommand("brew", "install", "ffmpeg")}
	case "linux":
		ids := osReleaseIDs(osRelease)
		like := func(names ...string) bool {
			return slices.ContainsFunc(ids, func(id string) bool { return slices.Contains(names, id) })
		}
		switch {
		case like("debian", "ubuntu"):
			return ffmpegHowTo{terminal, shellCommand("sudo", "apt", "install", "ffmpeg")}
		case like("fedora", "rhel", "centos"):
			return ffmpegHowTo{lang.L("Open a terminal, type this command and press Enter; it asks for your password. Then start Reelhouse again. If it finds no ffmpeg, turn on the RPM Fusion software source (rpmfusion.org) first."), shellCommand("sudo", "dnf", "install", "ffmpeg")}
		case like("arch"):
			return ffmpegHowTo{terminal, shellCommand("sudo", "pacman", "-S", "ffmpeg")}
		case like("opensuse", "suse"):
			return ffmpegHowTo{terminal, shellCommand("sudo", "zypper", "install", "ffmpeg")}
		}
	}
	return ffmpegHowTo{lang.L("Download FFmpeg from ffmpeg.org and install it, then start Reelhouse again."), ""}
}

// shellCommand is a command to type, from its words: a command, not a
// sentence, so it is the same in every language.
func shellCommand(words ...string) string { return strings.Join(words, " ") }

// osReleaseIDs are the distribution's ID and its ID_LIKE names, from
// os-release's text.
func osReleaseIDs(text string) []string {
	var ids []string
	for _, line := range strings.Split(text, "\n") {
		key, value, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok || (key != "ID" && key != "ID_LIKE") {
			continue
		}
		value = strings.Trim(value, `"'`)
		for _, id := range strings.Fields(value) {
			ids = append(ids, strings.ToLower(id))
		}
	}
	return ids
}

// thisSystemFFmpegInstall is ffmpegInstall for the system Reelhouse runs
// on.
func thisSystemFFmpegInstall() ffmpegHowTo {
	var release []byte
	if runtime.GOOS == "linux" {
		release, _ = os.ReadFile("/etc/os-release") // none: the website
		if release == nil {
			release, _ = os.ReadFile("/usr/lib/os-release")
		}
	}
	return ffmpegInstall(runtime.GOOS, string(release))
}

// showFFmpegInstall says, over win, how to install FFmpeg on this system,
// with the command ready to copy.
func (u *UI) showFFmpegInstall(win fyne.Window) {
	how := thisSystemFFmpegInstall()
	intro := widget.NewLabel(lang.L("Reelhouse plays videos with FFmpeg, a free program that is not installed on this computer."))
	intro.Wrapping = fyne.TextWrapWord
	text := widget.NewLabel(how.text)
	text.Wrapping = fyne.TextWrapWord
	box := container.NewVBox(intro, text)
	if how.command != "" {
		command := widget.NewLabelWithStyle(how.command, fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
		command.Selectable = true
		var copyBtn *widget.Button
		copyBtn = widget.NewButtonWithIcon(lang.L("Copy"), theme.ContentCopyIcon(), func() {
			u.app.Clipboard().SetContent(how.command)
			copyBtn.SetText(lang.L("Copied"))
		})
		box.Add(container.NewBorder(nil, nil, nil, copyBtn, command))
	}
	if page, err := url.Parse(ffmpegDownloadPage); err == nil {
		box.Add(widget.NewHyperlink(lang.L("FFmpeg's download page"), page))
	}
	d := dialog.NewCustom(lang.L("Install FFmpeg"), lang.L("Close"), box, win)
	showHouse(d, win, houseOpts{size: fyne.NewSize(560, 320)})
}
