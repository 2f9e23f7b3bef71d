# Reelhouse: build, run and test. `make help` lists the targets.
#
# Go settings come from the environment as usual (GOFLAGS, GOCACHE, ...);
# GO picks another go command, ARGS passes arguments to `make run`,
# TESTFLAGS adds flags to `go test` in `make test` (e.g. TESTFLAGS=-v),
# PKGS narrows vet, test, fuzz and bench to some packages (default ./...).
# PREFIX is where `make install` puts Reelhouse (default ~/.local).

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

GO ?= go
ARGS ?=
TESTFLAGS ?=
FUZZTIME ?= 100000x
PKGS ?= ./...
PREFIX ?= $(HOME)/.local

# Debian/Ubuntu packages: C toolchain and headers Fyne builds against, then
# what the tests use (a real keychain, a virtual display, media tools, a font
# with Chinese glyphs for the pictures in Simplified Chinese).
BUILD_PACKAGES := gcc pkg-config libgl1-mesa-dev xorg-dev libasound2-dev
# The fonts Reelhouse draws Chinese with, regular and bold (see gui/fonts.go).
RUN_PACKAGES := fonts-droid-fallback fonts-noto-cjk
TEST_PACKAGES := gnome-keyring dbus-x11 xvfb ffmpeg imagemagick xauth curl sqlite3 \
	appstream desktop-file-utils xz-utils xdotool fonts-wqy-microhei
# Making the Linux package (icons, metainfo check, tarball), and the
# cross-compiler for the Windows build.
PACKAGE_PACKAGES := imagemagick appstream xz-utils
WINDOWS_PACKAGES := gcc-mingw-w64-x86-64

# The fyne command (fyne.io/tools) that packages Reelhouse, pinned, in a
# folder of the project's own.
FYNE_TOOLS_VERSION := v1.7.4
FYNE := bin/tools/fyne-$(FYNE_TOOLS_VERSION)/fyne
PACKAGE_DIR := build/package

# A real Secret Service and a virtual display for the tests that need them,
# and ffmpeg, ffprobe and a Chinese font required (a test that needs one
# fails without it instead of skipping: see history/media/mediatest).
HARNESS := .ci/with-xvfb .ci/with-keyring env REELHOUSE_TEST_MEDIA=1

.PHONY: help deps test-deps run demo build vet lint fmt-check test fuzz bench reliability icon clean \
	package windows install install-only uninstall install-test licenses licenses-check screenshots

help:
	@echo 'make deps         install the system packages Fyne needs to build (Debian/Ubuntu)'
	@echo 'make run ARGS=..  run Reelhouse'
	@echo 'make demo         run Reelhouse in demo mode'
	@echo 'make build        build bin/reelhouse'
	@echo 'make package      the Linux package: build/package/Reelhouse-<version>-linux-amd64.tar.xz'
	@echo 'make windows      the Windows program: build/windows/Reelhouse-<version>-windows-amd64.exe'
	@echo 'make install      install Reelhouse for you (in ~/.local), with its menu entry'
	@echo 'make uninstall    remove what make install put there (your videos and history stay)'
	@echo 'make licenses     collect the licences of the modules built in (docs/licenses.txt)'
	@echo 'make lint         staticcheck'
	@echo 'make test         vet, staticcheck, gofmt check, all tests with a real keychain and Xvfb, short fuzzing'
	@echo 'make fuzz         run each fuzz target for FUZZTIME (default 100000x inputs; or a time, e.g. 1m)'
	@echo 'make bench        run the benchmarks'
	@echo 'make reliability  run the Reliability tests in full'
	@echo 'make icon         redraw Icon.png'
	@echo 'make clean        remove build output'

deps:
	@.ci/ensure-packages $(BUILD_PACKAGES) $(RUN_PACKAGES)

test-deps: deps
	@.ci/ensure-packages $(TEST_PACKAGES)

run: deps
	$(GO) run . $(ARGS)

demo: deps
	$(GO) run . --demo

build: deps
	$(GO) build -o bin/reelhouse .

vet: deps
	$(GO) vet $(PKGS) ./.ci/bench ./.ci/licenses

# staticcheck, pinned; the first run fetches it through the module proxy.
STATICCHECK_VERSION := v0.8.2
lint: deps
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) $(PKGS) ./.ci/bench ./.ci/licenses

fmt-check:
	@unformatted=$$(gofmt -l .); \
	if [[ -n $$unformatted ]]; then \
		echo 'These files need gofmt -w:'; echo "$$unformatted"; exit 1; \
	fi

test: test-deps vet lint fmt-check licenses-check
	@$(MAKE) --no-print-directory install-test
	.ci/with-xvfb .ci/package-smoke
	$(HARNESS) $(GO) test -race -count=1 -timeout 20m $(TESTFLAGS) $(PKGS)
	$(HARNESS) $(GO) test -count=1 -run '^$$' -bench 'TrackerPolling|StoreScale|VsFind|Download|ResumeWaste|LibraryView|LibraryGrid|TimeToPlay|PlayerSeek|TypingPrompt|AboutOpen|Join720p' -benchtime 1x ./history/ ./history/store/ ./history/media/ ./client/ ./gui/
	@GO='$(GO)' .ci/fuzz $(FUZZTIME) $(PKGS)

fuzz:
	@GO='$(GO)' .ci/fuzz $(FUZZTIME) $(PKGS)

# Every figure of docs/BENCHMARKS.md at full size, next to its reference
# (curl, sqlite3, find); BENCHFLAGS passes flags to .ci/bench, e.g.
# BENCHFLAGS='-note "The machine was busy."'. Takes about 15 minutes.
BENCHFLAGS ?=
bench: test-deps
	GO='$(GO)' $(HARNESS) $(GO) run ./.ci/bench $(BENCHFLAGS)

# The Reliability tests in their long form (REELHOUSE_RELIABILITY=full),
# ending with one line per scenario and "N passed, N failed".
reliability: test-deps
	GO='$(GO)' $(HARNESS) .ci/reliability $(PKGS)

# The recipe below is the exact command that drew the committed Icon.png (a
# film reel with a play button on a dark rounded square); it needs
# ImageMagick 6's convert:
#
# convert -size 1024x1024 gradient:'#2e2838'-'#16131b' -fill '#c2452d' -draw 'rectangle 484,686 1024,780' -fill '#16131b' -draw 'roundrectangle 590,700 620,718 4,4' -draw 'roundrectangle 590,748 620,766 4,4' -draw 'roundrectangle 656,700 686,718 4,4' -draw 'roundrectangle 656,748 686,766 4,4' -draw 'roundrectangle 722,700 752,718 4,4' -draw 'roundrectangle 722,748 752,766 4,4' -draw 'roundrectangle 788,700 818,718 4,4' -draw 'roundrectangle 788,748 818,766 4,4' -draw 'roundrectangle 854,700 884,718 4,4' -draw 'roundrectangle 854,748 884,766 4,4' -draw 'roundrectangle 920,700 950,718 4,4' -draw 'roundrectangle 920,748 950,766 4,4' -draw 'roundrectangle 986,700 1016,718 4,4' -draw 'roundrectangle 986,748 1016,766 4,4' -fill '#f5a623' -stroke '#d9731a' -strokewidth 22 -draw 'circle 484,472 784,472' -stroke none -fill '#231f2b' -draw 'circle 484,290 548,290' -draw 'circle 657,416 721,416' -draw 'circle 591,619 655,619' -draw 'circle 377,619 441,619' -draw 'circle 311,416 375,416' -fill '#ffd27a' -draw 'circle 484,472 592,472' -fill '#231f2b' -draw 'polygon 446,412 446,532 550,472' \( -size 1024x1024 xc:black -fill white -draw 'roundrectangle 64,64 959,959 200,200' \) -alpha off -compose CopyOpacity -composite -depth 8 -strip Icon.png
icon:
	convert -size 1024x1024 gradient:'#2e2838'-'#16131b' \
		-fill '#c2452d' -draw 'rectangle 484,686 1024,780' \
		-fill '#16131b' \
		-draw 'roundrectangle 590,700 620,718 4,4' -draw 'roundrectangle 590,748 620,766 4,4' \
		-draw 'roundrectangle 656,700 686,718 4,4' -draw 'roundrectangle 656,748 686,766 4,4' \
		-draw 'roundrectangle 722,700 752,718 4,4' -draw 'roundrectangle 722,748 752,766 4,4' \
		-draw 'roundrectangle 788,700 818,718 4,4' -draw 'roundrectangle 788,748 818,766 4,4' \
		-draw 'roundrectangle 854,700 884,718 4,4' -draw 'roundrectangle 854,748 884,766 4,4' \
		-draw 'roundrectangle 920,700 950,718 4,4' -draw 'roundrectangle 920,748 950,766 4,4' \
		-draw 'roundrectangle 986,700 1016,718 4,4' -draw 'roundrectangle 986,748 1016,766 4,4' \
		-fill '#f5a623' -stroke '#d9731a' -strokewidth 22 -draw 'circle 484,472 784,472' \
		-stroke none -fill '#231f2b' \
		-draw 'circle 484,290 548,290' -draw 'circle 657,416 721,416' -draw 'circle 591,619 655,619' \
		-draw 'circle 377,619 441,619' -draw 'circle 311,416 375,416' \
		-fill '#ffd27a' -draw 'circle 484,472 592,472' \
		-fill '#231f2b' -draw 'polygon 446,412 446,532 550,472' \
		\( -size 1024x1024 xc:black -fill white -draw 'roundrectangle 64,64 959,959 200,200' \) \
		-alpha off -compose CopyOpacity -composite -depth 8 -strip Icon.png

$(FYNE):
	GOBIN=$(abspath $(dir $(FYNE))) $(GO) install fyne.io/tools/cmd/fyne@$(FYNE_TOOLS_VERSION)

# The binary is built as `fyne package` would build it for a release (the
# tags of FyneApp.toml's migrations, no debug information), but by go build
# itself, so that it shares the build cache of the tests.
package: deps $(FYNE)
	@.ci/ensure-packages $(PACKAGE_PACKAGES)
	$(GO) build -tags migrated_fynedo,release -ldflags '-s -w' -o $(PACKAGE_DIR)/reelhouse .
	.ci/package-linux $(FYNE) $(PACKAGE_DIR)/reelhouse $(PACKAGE_DIR)

windows: deps $(FYNE)
	@.ci/ensure-packages $(WINDOWS_PACKAGES)
	.ci/package-windows $(FYNE) build/windows

install: package install-only

# install-only installs the package made last, without making it again.
install-only:
	.ci/desktop-install install $(PACKAGE_DIR)/root $(PREFIX)

uninstall:
	.ci/desktop-install uninstall $(PREFIX)

# Install and uninstall in a throw-away home, checking the menu entry.
install-test: package
	.ci/install-test

# The README's pictures: Reelhouse in demo mode in a real window under Xvfb
# at 1366x768, driven with xdotool, written to docs/screenshots/.
screenshots: test-deps build
	.ci/screenshots bin/reelhouse docs/screenshots

licenses:
	$(GO) run ./.ci/licenses -o docs/licenses.txt

# docs/licenses.txt must be what `make licenses` writes now.
licenses-check:
	@tmp=$$(mktemp); trap 'rm -f "$$tmp"' EXIT; \
	$(GO) run ./.ci/licenses -o "$$tmp"; \
	if ! diff -q docs/licenses.txt "$$tmp" >/dev/null; then \
		echo 'docs/licenses.txt is out of date: run make licenses and commit it.'; exit 1; \
	fi

clean:
	rm -rf bin $(PACKAGE_DIR) build/windows
