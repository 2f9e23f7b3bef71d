# Reelhouse: build, run and test. `make help` lists the targets.
#
# Go settings come from the environment as usual (GOFLAGS, GOCACHE, ...);
# GO picks another go command, ARGS passes arguments to `make run`,
# TESTFLAGS adds flags to `go test` in `make test` (e.g. TESTFLAGS=-v),
# PKGS narrows vet, test, fuzz and bench to some packages (default ./...).

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

GO ?= go
ARGS ?=
TESTFLAGS ?=
FUZZTIME ?= 10s
PKGS ?= ./...

# Debian/Ubuntu packages: C toolchain and headers Fyne builds against, then
# what the tests use (a real keychain, a virtual display, media tools, a font
# with Chinese glyphs for the pictures in Simplified Chinese).
BUILD_PACKAGES := gcc pkg-config libgl1-mesa-dev xorg-dev libasound2-dev
TEST_PACKAGES := gnome-keyring dbus-x11 xvfb ffmpeg imagemagick xauth curl sqlite3 fonts-wqy-microhei

# A real Secret Service and a virtual display for the tests that need them.
HARNESS := .ci/with-xvfb .ci/with-keyring

.PHONY: help deps test-deps run demo build vet fmt-check test fuzz bench reliability icon clean

help:
	@echo 'make deps         install the system packages Fyne needs to build (Debian/Ubuntu)'
	@echo 'make run ARGS=..  run Reelhouse'
	@echo 'make demo         run Reelhouse in demo mode'
	@echo 'make build        build bin/reelhouse'
	@echo 'make test         vet, gofmt check, all tests with a real keychain and Xvfb, short fuzzing'
	@echo 'make fuzz         run each fuzz target for FUZZTIME (default 10s)'
	@echo 'make bench        run the benchmarks'
	@echo 'make reliability  run the Reliability tests in full'
	@echo 'make icon         redraw Icon.png'
	@echo 'make clean        remove build output'

deps:
	@.ci/ensure-packages $(BUILD_PACKAGES)

test-deps: deps
	@.ci/ensure-packages $(TEST_PACKAGES)

run: deps
	$(GO) run . $(ARGS)

demo: deps
	$(GO) run . --demo

build: deps
	$(GO) build -o bin/reelhouse .

vet: deps
	$(GO) vet $(PKGS)

fmt-check:
	@unformatted=$$(gofmt -l .); \
	if [[ -n $$unformatted ]]; then \
		echo 'These files need gofmt -w:'; echo "$$unformatted"; exit 1; \
	fi

test: test-deps vet fmt-check
	$(HARNESS) $(GO) test -race -count=1 -timeout 20m $(TESTFLAGS) $(PKGS)
	$(HARNESS) $(GO) test -count=1 -run '^$$' -bench 'TrackerPolling|StoreScale|VsFind|Download|ResumeWaste|LibraryView' -benchtime 1x ./history/ ./client/ ./gui/
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

clean:
	rm -rf bin
