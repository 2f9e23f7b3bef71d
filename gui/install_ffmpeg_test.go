package gui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

// "Install FFmpeg…" gives the command of the system's own package tool,
// found from /etc/os-release, and the website where there is none.
func TestFFmpegInstallPerSystem(t *testing.T) {
	for _, tc := range []struct {
		name, goos, release, command string
	}{
		{"Debian", "linux", "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nID=debian\n", "sudo apt install ffmpeg"},
		{"Ubuntu", "linux", "NAME=\"Ubuntu\"\nID=ubuntu\nID_LIKE=debian\n", "sudo apt install ffmpeg"},
		{"Linux Mint", "linux", "NAME=\"Linux Mint\"\nID=linuxmint\nID_LIKE=\"ubuntu debian\"\n", "sudo apt install ffmpeg"},
		{"Fedora", "linux", "NAME=\"Fedora Linux\"\nID=fedora\nVERSION_ID=41\n", "sudo dnf install ffmpeg"},
		{"Rocky", "linux", "NAME=\"Rocky Linux\"\nID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\n", "sudo dnf install ffmpeg"},
		{"Arch", "linux", "NAME=\"Arch Linux\"\nID=arch\n", "sudo pacman -S ffmpeg"},
		{"Manjaro", "linux", "NAME=\"Manjaro Linux\"\nID=manjaro\nID_LIKE=arch\n", "sudo pacman -S ffmpeg"},
		{"openSUSE", "linux", "NAME=\"openSUSE Tumbleweed\"\nID=\"opensuse-tumbleweed\"\nID_LIKE=\"opensuse suse\"\n", "sudo zypper install ffmpeg"},
		{"another Linux", "linux", "NAME=\"Gentoo\"\nID=gentoo\n", ""},
		{"no os-release", "linux", "", ""},
		{"Windows", "windows", "", "winget install ffmpeg"},
		{"macOS", "darwin", "", "brew install ffmpeg"},
		{"FreeBSD", "freebsd", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			how := ffmpegInstall(tc.goos, tc.release)
			if how.command != tc.command {
				t.Errorf("command %q, want %q", how.command, tc.command)
			}
			if tc.command == "" && !strings.Contains(how.text, "ffmpeg.org") {
				t.Errorf("no command, and no website: %q", how.text)
			}
			if tc.command != "" && !strings.Contains(how.text, "command") {
				t.Errorf("the text does not say what to do with the command: %q", how.text)
			}
		})
	}
}

// The dialog shows this system's command and copies it.
func TestFFmpegInstallDialogCopiesTheCommand(t *testing.T) {
	a := test.NewTempApp(t)
	w := a.NewWindow("main")
	w.Resize(fyne.NewSize(800, 600))
	u := &UI{app: a, main: w}
	u.showFFmpegInstall(w)
	top := w.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no dialog")
	}
	capture(t, w, "install-ffmpeg")
	how := thisSystemFFmpegInstall()
	shown := strings.Join(shownTexts(top), "\n")
	if !strings.Contains(shown, how.text) {
		t.Errorf("the dialog does not say %q:\n%s", how.text, shown)
	}
	if how.command == "" {
		return
	}
	if !strings.Contains(shown, how.command) {
		t.Errorf("the dialog does not show %q:\n%s", how.command, shown)
	}
	test.Tap(findButton(top, "Copy"))
	if got := a.Clipboard().Content(); got != how.command {
		t.Errorf("copied %q, want %q", got, how.command)
	}
}
