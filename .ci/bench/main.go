// Command bench runs Reelhouse's benchmarks at full size, each figure next
// to its reference, prints one line per figure and writes the table to
// docs/BENCHMARKS.md. Run it from the repository root under a display and a
// keychain (make bench does):
//
//	go run ./.ci/bench [-out docs/BENCHMARKS.md] [-note "..."] [-only history,client,gui,player,film,app]
//
// The group player is seeking and 1080p playback; film is joining a
// story's shots; app is start-up and idle,
// either of which runs alone as -only startup or -only idle. The rows of a
// run replace those of the same name in the docs file; the others stay.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// row is one figure of the table.
type row struct {
	name, value, ref, ratio, target string
	ok                              bool
	note                            string
	date                            string // the day it was measured
	// limit marks a target missed where the note shows what bounds it.
	limit bool
}

var (
	out   = flag.String("out", "docs/BENCHMARKS.md", "where to write the table")
	note  = flag.String("note", "", "a line to add under the table (e.g. that the machine was busy)")
	only  = flag.String("only", "history,client,gui,player,film,app", "which groups to run")
	goCmd = envOr("GO", "go")
	rows  []row
)

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func main() {
	flag.Parse()
	tmp, err := os.MkdirTemp("", "reelhouse-bench-")
	check(err)
	defer os.RemoveAll(tmp)
	groups := strings.Split(*only, ",")
	storeDir := filepath.Join(tmp, "data")
	check(os.MkdirAll(storeDir, 0o700))
	storeDB := filepath.Join(storeDir, "history.db")
	step("writing a store of 100,000 tasks")
	run([]string{"REELHOUSE_BENCH_STORE=" + storeDB}, goCmd, "test", "-count=1", "-run", "^TestWriteBenchStore$", "./history/store/")

	if slices.Contains(groups, "history") {
		m := goBench("./history/", "TrackerPolling|RebuildVsFind|ReconcileVsFind", "1x")
		maps.Copy(m, goBench("./history/store/", "StoreScale", "1x"))
		tracker(m)
		store(m)
		ratioRow("rebuild", m["rebuild-ms"], m["find-cat-ms"], "ms", 3, "≤ 3 × find + cat",
			"10,000 sidecars into an empty store; what is left is SQLite's insert work (rows, six indexes, the full-text index: about 60 % of the CPU) and decoding the sidecars' JSON (about 20 %), where find + cat only read")
		ratioRow("reconcile at start", m["reconcile-ms"], m["find-ms"], "ms", 3, "≤ 3 × find, off the UI's critical path",
			"runs in the background after the window is up (gui.UI.Start); what is left is one stat per sidecar, to notice one edited in place (find reads none), and reading the history's list of files")
	}
	if slices.Contains(groups, "client") {
		m := goBench("./client/", "DownloadAtLinkSpeed|DownloadSpeed|DownloadMemory|ResumeWaste", "1x")
		downloads(m)
	}
	if slices.Contains(groups, "gui") {
		copyDB := filepath.Join(tmp, "gui.db")
		data, err := os.ReadFile(storeDB)
		check(err)
		check(os.WriteFile(copyDB, data, 0o600))
		m := goBench("./gui/", "LibraryView", "5x", "REELHOUSE_BENCH_STORE="+copyDB)
		add(row{name: "library view build", value: f(m["build-ms"], "ms"), ref: "—", ratio: "—", target: "≤ 300 ms",
			ok: m["build-ms"] <= 300, note: "100,000 tasks; first page loaded, shown and drawn by the test driver"})
		add(row{name: "library view change", value: f(m["rows-redrawn"], "rows"), ref: "—", ratio: "—", target: "1 row",
			ok: m["rows-redrawn"] <= 1, note: "rows whose UpdateItem runs for one status change (Fyne's own RefreshItem refreshes every visible row; the library's list and grid update only the changed one)"})
		typing(goBench("./gui/", "TypingPrompt|AboutOpen", "200x"))
		scroll(goBench("./gui/", "LibraryGrid", "1x"))
	}
	if slices.Contains(groups, "player") {
		playback(tmp)
	}
	if slices.Contains(groups, "film") {
		film(goBench("./history/media/", "Join720p", "3x"))
	}
	startup := slices.Contains(groups, "app") || slices.Contains(groups, "startup")
	idle := slices.Contains(groups, "app") || slices.Contains(groups, "idle")
	if startup || idle {
		app(tmp, storeDir, startup, idle)
	}
	write()
}

func step(s string) { fmt.Fprintln(os.Stderr, "bench: "+s) }

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// run runs a command with extra environment, its output to stderr.
func run(env []string, name string, args ...string) {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	check(cmd.Run())
}

// goBench runs the benchmarks matching re in pkg at full size and returns
// their metrics by unit.
func goBench(pkg, re, benchtime string, env ...string) map[string]float64 {
	step("go test -bench " + re + " " + pkg)
	cmd := exec.Command(goCmd, "test", "-count=1", "-run", "^$", "-bench", re, "-benchtime", benchtime, "-timeout", "30m", pkg)
	cmd.Env = append(append(os.Environ(), "REELHOUSE_BENCH=full"), env...)
	var buf bytes.Buffer
	cmd.Stdout = &buf
	cmd.Stderr = os.Stderr
	err := cmd.Run()
	os.Stderr.Write(buf.Bytes())
	check(err)
	m := map[string]float64{}
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		for i := 2; i+1 < len(fields); i += 2 {
			if v, err := strconv.ParseFloat(fields[i], 64); err == nil {
				m[fields[i+1]] = v
			}
		}
	}
	return m
}

func f(v float64, unit string) string {
	switch {
	case v == 0:
		return "0 " + unit
	case v >= 100:
		return fmt.Sprintf("%.0f %s", v, unit)
	case v >= 10:
		return fmt.Sprintf("%.1f %s", v, unit)
	}
	return fmt.Sprintf("%.3g %s", v, unit)
}

func add(r row) {
	rows = append(rows, r)
	fmt.Println(r.line())
}

func (r row) verdict() string {
	switch {
	case r.ok:
		return "ok"
	case r.limit:
		return "limit (see notes)"
	}
	return "MISS"
}

func (r row) line() string {
	return fmt.Sprintf("bench %s: %s | reference %s | ratio %s | target %s | %s", r.name, r.value, r.ref, r.ratio, r.target, r.verdict())
}

// ratioRow is a figure whose target is at most max times its reference.
func ratioRow(name string, ours, ref float64, unit string, max float64, target, note string) {
	ratio := ours / ref
	add(row{name: name, value: f(ours, unit), ref: f(ref, unit), ratio: fmt.Sprintf("%.2f", ratio), target: target,
		ok: ratio <= max, note: note})
}

func tracker(m map[string]float64) {
	interval := m["interval-ms"]
	per := m["req/task/interval"]
	add(row{name: "poll efficiency", value: fmt.Sprintf("%.3f req/task/interval", per), ref: "1 req/task/interval",
		ratio: fmt.Sprintf("%.3f", per), target: "0.95–1.02, no task polled twice in one interval",
		ok:   per >= 0.95 && per <= 1.02 && m["double-polls"] == 0,
		note: fmt.Sprintf("1,000 tasks, 2 s, 60 s; %.0f tasks polled twice within 0.9 × the interval", m["double-polls"])})
	lag := m["p99-lag-ms"]
	add(row{name: "poll lag p99", value: f(lag, "ms"), ref: f(interval, "ms"), ratio: fmt.Sprintf("%.2f", lag/interval),
		target: "≤ interval + 250 ms", ok: lag <= interval+250 && m["changes-unseen"] == 0,
		note: fmt.Sprintf("simulator change to the tracker's event after the store write; %.0f changes unseen", m["changes-unseen"])})
	add(row{name: "tracker CPU", value: f(m["cpu-%"], "% of a core"), ref: "—", ratio: "—", target: "≤ 5 %",
		ok: m["cpu-%"] <= 5, note: fmt.Sprintf("1,000 tasks; the tracker's process alone (the simulator serves from another); "+
			"%.0f connections opened while measured. What is left is one HTTP request and answer per poll (system calls, the transport's goroutines) and the store writes of the tasks that changed", m["new-conns"])})
	add(row{name: "tracker heap", value: f(m["heap-KiB/task"], "KiB/task"), ref: "—", ratio: "—", target: "≤ 20 KiB/task",
		ok: m["heap-KiB/task"] <= 20, note: "live heap growth of the tracker's process after GC while tracking, per task"})
}

func store(m map[string]float64) {
	for _, s := range []struct {
		name, key string
		max       float64
	}{
		{"store open + first page", "open-page-ms", 50},
		{"store search", "search-ms", 30},
		{"store filtered page", "filter-ms", 0},
		{"store status update", "update-ms", 2},
	} {
		ours, ref := m[s.key], m["sqlite3-"+s.key]
		target, ok := "— (ratio printed)", true
		if s.max > 0 {
			target, ok = fmt.Sprintf("≤ %.0f ms", s.max), ours <= s.max
		}
		note := "100,000 tasks; sqlite3: the whole process for open + page, .timer's statement time otherwise"
		if s.key == "update-ms" {
			note = fmt.Sprintf("100,000 tasks; an update on the open store (the tracker's case); sqlite3: the mean of 50 UPDATEs after the first in one process "+
				"(.timer counts whole ms; synchronous=FULL, so each commit syncs). The first write after opening restarts the write-ahead log, which SQLite "+
				"syncs to the disk: %s (sqlite3 %s)", f(m["first-update-ms"], "ms"), f(m["sqlite3-first-update-ms"], "ms"))
		}
		add(row{name: s.name, value: f(ours, "ms"), ref: f(ref, "ms") + " (sqlite3)", ratio: fmt.Sprintf("%.2f", ours/ref),
			target: target, ok: ok, note: note})
	}
}

func downloads(m map[string]float64) {
	link, curlLink := m["link-MiB/s"], m["curl-link-MiB/s"]
	add(row{name: "download at a real link's speed", value: f(link, "MiB/s"), ref: f(curlLink, "MiB/s") + " (curl -o)",
		ratio: fmt.Sprintf("%.2f", link/curlLink), target: "≥ 0.98 × curl", ok: link >= 0.98*curlLink,
		note: "1 GiB served at 100 MiB/s (the upper end of home fibre), new process per run, alternating with curl; ours also hashes (SHA-256) and syncs the file, " +
			"and the sidecar holds the checksum before the record says Downloaded (history.TestSidecarHasTheChecksumBeforeDownloaded)"})
	ours, curl := m["MiB/s"], m["curl-MiB/s"]
	add(row{name: "download speed, loopback", value: f(ours, "MiB/s"), ref: f(curl, "MiB/s") + " (curl -o)", ratio: fmt.Sprintf("%.2f", ours/curl),
		target: "—, ratio printed", ok: true,
		note: fmt.Sprintf("1 GiB, loopback with no limit, new process per run, both served by the same simulator handler: the processor sets the pace. CPU per GiB: ours %.2f s, curl %.2f s. "+
			"Ours is curl's system time (the same reads and writes) plus SHA-256 of every byte (nearly all of our user time), which runs on a goroutine of its own "+
			"beside the I/O; with the simulator's server also busy, 2 cores have no idle one for it. No home link is this fast: at 100 MiB/s ours keeps up (the row above)", m["cpu-s/GiB"], m["curl-cpu-s/GiB"])})
	worst := max(m["rss100M-MiB"], m["rss1G-MiB"], m["rss4G-MiB"])
	add(row{name: "download memory", value: fmt.Sprintf("%.1f / %.1f / %.1f MiB", m["rss100M-MiB"], m["rss1G-MiB"], m["rss4G-MiB"]),
		ref: "—", ratio: "—", target: "≤ 32 MiB at 100 MiB, 1 GiB, 4 GiB", ok: worst <= 32,
		note: "peak RSS growth of the downloading process; the simulator generates the padding"})
	add(row{name: "resume waste", value: f(m["waste-bytes"]/1024, "KiB"), ref: "0 KiB (bytes on disk kept)", ratio: "—",
		target: "≤ 1 MiB fetched twice", ok: m["waste-bytes"] <= 1<<20,
		note: fmt.Sprintf("1 GiB cut by the host at a random byte; when the app quits mid-download instead, %.1f MiB (what was in flight in the sockets)", m["quit-waste-bytes"]/(1<<20))})
	add(row{name: "resume waste after SIGKILL", value: f(m["kill-waste-bytes"]/(1<<20), "MiB"), ref: "0 MiB (bytes on disk kept)", ratio: "—",
		target: "≤ 8 MiB fetched twice", ok: m["kill-waste-bytes"] <= 8<<20,
		note: "1 GiB, the downloading process killed (SIGKILL) at a random byte, then resumed: what was in flight in the sockets (every byte written is kept while the computer has not restarted; after a power cut, what was synced, at most 16 MiB back)"})
}

// app measures the start-up and idle cost of the real binary.
func app(tmp, storeDir string, startup, idle bool) {
	if os.Getenv("DISPLAY") == "" {
		fmt.Fprintln(os.Stderr, "bench: no DISPLAY: start-up and idle need .ci/with-xvfb")
		os.Exit(1)
	}
	bin := buildApp(tmp)
	lib := filepath.Join(tmp, "Library")
	emptyDir := filepath.Join(tmp, "empty")
	check(os.MkdirAll(lib, 0o755))
	check(os.MkdirAll(emptyDir, 0o700))

	// A first start settles the library: the generated videos are not in
	// the folder, so the first reconcile marks them missing.
	step("first start with 100,000 tasks (settling)")
	p := start(bin, storeDir, lib)
	waitQuiet(p, 120*time.Second)
	stop(p)

	if startup {
		startUpRow(bin, storeDir, lib, emptyDir)
	}
	if idle {
		idleRow(bin, storeDir, lib)
	}
}

// buildApp builds Reelhouse into tmp, once.
func buildApp(tmp string) string {
	bin := filepath.Join(tmp, "reelhouse")
	if _, err := os.Stat(bin); err != nil {
		step("building the app")
		run(nil, goCmd, "build", "-o", bin, ".")
	}
	return bin
}

// playback adds the rows of the player: a 60-second 1080p clip played by
// the real app under the display beside ffplay, and seeks in it.
// film adds the rows of joining three 10 s 720p shots into one film.
func film(m map[string]float64) {
	length := m["film-ms"]
	ratioRow("join 3 × 10 s 720p, copied", m["copied-ms"], m["ffmpeg-copy-ms"], "ms", 1.5, "≤ 1.5 × ffmpeg copying alone",
		"shots of the same size, frame rate and codecs are joined as they are; what is added is reading each shot’s facts (ffprobe) first")
	for _, k := range []struct{ name, key, note string }{
		{"join 3 × 10 s 720p, converted", "converted-ms", "one shot at 24 frames a second: all three are converted to the first one's size and rate (x264 veryfast, AAC)"},
		{"join 3 × 10 s 720p, crossfade", "crossfade-ms", "alike shots, each fading into the next over 0.5 s: converted"},
	} {
		add(row{name: k.name, value: f(m[k.key], "ms"), ref: f(length, "ms") + " (the film's length)",
			ratio: fmt.Sprintf("%.2f", m[k.key]/length), target: "— (ratio printed)", ok: true, note: k.note})
	}
}

func playback(tmp string) {
	m := goBench("./gui/", "PlayerSeek1080p|TimeToPlay", "1x")
	p50, p95, ref := m["play-p50-ms"], m["play-p95-ms"], m["ref-ms"]
	add(row{name: "time to play", value: fmt.Sprintf("p50 %s, p95 %s", f(p50, "ms"), f(p95, "ms")), ref: f(ref, "ms") + " (the poll interval + the transfer)",
		ratio: fmt.Sprintf("%.2f", p50/ref), target: "p50 ≤ reference + 500 ms, p95 ≤ reference + 1 s", ok: p50 <= ref+500 && p95 <= ref+1000,
		note: "20 videos of 20 MiB made one after another, each selected in the library while it is made; the file host sends at 50 MiB/s (0.4 s a video) " +
			"and the tracker polls every 2 s; from the service saying success (right after the task was made, so a whole interval passes before the poll) " +
			"to the first frame on show in the detail view's player, Fyne's test driver (which does not paint). After the download come the checksum, the " +
			"facts and thumbnail (ffprobe, ffmpeg) and the sidecar, then the player opens its ffmpeg"})
	p95, ref, key1s := m["seek-p95-ms"], m["ffmpeg-p95-ms"], m["key1s-seek-p95-ms"]
	r := row{name: "seek", value: fmt.Sprintf("p95 %s (p50 %s); key frame every second: p95 %s", f(p95, "ms"), f(m["seek-p50-ms"], "ms"), f(key1s, "ms")),
		ref:   fmt.Sprintf("p95 %s (ffmpeg alone); key frame every second: %s", f(ref, "ms"), f(m["key1s-ffmpeg-p95-ms"], "ms")),
		ratio: fmt.Sprintf("%.2f", p95/ref), target: "p95 ≤ 250 ms", ok: p95 <= 250,
		note: "20 random seeks in a 60-second 1080p30 H.264 clip, the player filling a 1366×768 window, paused, scrubber released until the frame of that time is on show " +
			"(Fyne's test driver, which does not paint); the reference is ffmpeg alone decoding the same frame at the same size, each seek in turn. A frame between " +
			"key frames is decoded from the key frame before it: x264's default puts one every 250 frames (8.3 s), so most seeks decode hundreds of 1080p frames, " +
			"on 2 cores as long as ffmpeg alone takes. With a key frame every second the target is met"}
	if !r.ok && key1s <= 250 && p95 <= 1.1*ref {
		r.limit = true
	}
	add(r)

	if os.Getenv("DISPLAY") == "" {
		fmt.Fprintln(os.Stderr, "bench: no DISPLAY: 1080p playback needs .ci/with-xvfb")
		os.Exit(1)
	}
	bin := buildApp(tmp)
	clip := filepath.Join(tmp, "1080p.mp4")
	step("making a 60-second 1080p clip")
	run(nil, "ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=1920x1080:r=30:d=60",
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000:duration=60",
		"-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", clip)
	home := filepath.Join(tmp, "home")
	check(os.MkdirAll(home, 0o700))
	var ours, ffplay, oursDrop, ffplayDrop []float64
	total := 0.0
	for range 2 {
		step("1080p: Reelhouse's player, 60 s")
		cmd := exec.Command(bin, "--play", clip)
		cmd.Env = append(os.Environ(), "HOME="+home, "REELHOUSE_PLAY_STATS=1")
		var stdout bytes.Buffer
		cmd.Stdout = &stdout
		ours = append(ours, cpuShare(cmd))
		var shown, all int
		_, err := fmt.Sscanf(strings.TrimSpace(stdout.String()), "frames shown %d of %d", &shown, &all)
		check(err)
		total = float64(all)
		oursDrop = append(oursDrop, float64(all-shown))

		step("1080p: ffplay, 60 s")
		cmd = exec.Command("ffplay", "-autoexit", "-stats", "-an", "-x", "1366", "-y", "660", "-loglevel", "info", clip)
		cmd.Env = append(os.Environ(), "HOME="+home)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		ffplay = append(ffplay, cpuShare(cmd))
		ffplayDrop = append(ffplayDrop, lastFrameDrops(stderr.String()))
	}
	cpu, refCPU, drop := median(ours), median(ffplay), median(oursDrop)
	add(row{name: "1080p playback", value: fmt.Sprintf("%.0f of %.0f frames dropped (%.2f %%), %.2f cores", drop, total, 100*drop/total, cpu),
		ref:   fmt.Sprintf("ffplay: %.0f dropped, %.2f cores", median(ffplayDrop), refCPU),
		ratio: fmt.Sprintf("%.2f", cpu/refCPU), target: "≤ 1 % of frames dropped; CPU ≤ 1.5 × ffplay's", ok: drop <= total/100 && cpu <= 1.5*refCPU,
		note: "a 60-second 1080p30 H.264 clip with AAC sound, `reelhouse --play` (the player in a 1366×660 window: the picture about 1000×560 above the controls) " +
			"and `ffplay -x 1366 -y 660` alternately, under Xvfb (software OpenGL); CPU is the process and its ffmpeg together over the play. Neither plays the sound " +
			"(Xvfb has no sound device; ffplay is given -an to match). Dropped: ours counts frames never put on show, ffplay's is its own count (fd)"})
}

// cpuShare runs cmd to its end and gives the processor time it and the
// children it waited for used, in cores: seconds per second of its life.
func cpuShare(cmd *exec.Cmd) float64 {
	start := time.Now()
	check(cmd.Run())
	wall := time.Since(start)
	return (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds() / wall.Seconds()
}

// lastFrameDrops is the last count of dropped frames ffplay's -stats
// line gave.
func lastFrameDrops(stats string) float64 {
	i := strings.LastIndex(stats, "fd=")
	if i < 0 {
		return 0
	}
	fields := strings.Fields(stats[i+3:])
	if len(fields) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(fields[0], 64)
	return v
}

func startUpRow(bin, storeDir, lib, emptyDir string) {
	var full, empty []float64
	for range 5 {
		full = append(full, startUp(bin, storeDir, lib))
		empty = append(empty, startUp(bin, emptyDir, lib))
	}
	fm, em := median(full), median(empty)
	add(row{name: "start-up", value: f(fm, "ms"), ref: f(em, "ms") + " (empty store)", ratio: fmt.Sprintf("%.2f", fm/em),
		target: "≤ 1.5 × empty and ≤ 1 s", ok: fm <= 1.5*em && fm <= 1000,
		note: "process start to the main window mapped (xwininfo), under Xvfb"})
}

func idleRow(bin, storeDir, lib string) {
	ref := filepath.Join(filepath.Dir(bin), "idleref")
	run(nil, goCmd, "build", "-o", ref, "./.ci/bench/idleref")
	var rss, refRSS, cpu, refCPU []float64
	for i := range 3 {
		step(fmt.Sprintf("idle for 60 s: a bare Fyne window (the reference), %d of 3", i+1))
		p := exec.Command(ref)
		check(p.Start())
		r, c := idle(p)
		refRSS, refCPU = append(refRSS, float64(r)/(1<<20)), append(refCPU, c)
		step(fmt.Sprintf("idle for 60 s with 100,000 tasks, %d of 3", i+1))
		r, c = idle(start(bin, storeDir, lib))
		rss, cpu = append(rss, float64(r)/(1<<20)), append(cpu, c)
	}
	m, rm, c, rc := median(rss), median(refRSS), median(cpu), median(refCPU)
	spread := func(xs []float64) float64 { return slices.Max(xs) - slices.Min(xs) }
	// CPU is compared within the spread of the reference's own runs.
	add(row{name: "idle cost", value: fmt.Sprintf("%.0f MiB, %.2f %% CPU", m, c),
		ref: fmt.Sprintf("%.0f MiB, %.2f %% CPU (a bare Fyne window)", rm, rc), ratio: fmt.Sprintf("%.2f", m/rm),
		target: "RSS ≤ 1.25 × the bare window's; CPU no more than the bare window's", ok: m <= 1.25*rm && c <= rc+spread(refCPU),
		note: fmt.Sprintf("medians of 3 runs each, alternating: RSS at the end and CPU over 60 s, none active, under Xvfb; the reference is a Fyne window "+
			"of the main window's size (1280×720) with one label. Its CPU ran from %.2f to %.2f %% (ours %.2f to %.2f %%): Fyne's event loop wakes 60 times "+
			"a second, and nothing of Reelhouse's wakes while idle. Both map Xvfb's software OpenGL (llvmpipe, LLVM about 58 MiB). Above the floor: Fyne's "+
			"fonts (about 20 MiB of Go heap: Fyne parses its 4.6 MiB emoji font and a system font again for each text style, and every button's text is "+
			"bold, a second style), Mesa's buffers for a full window's widgets and the larger binary's pages. The memory of the start-up work is given "+
			"back 5 s after the library check (the first frames drawn) and again 30 s later, which took about 20 MiB off each time it was left for a collection that never came",
			slices.Min(refCPU), slices.Max(refCPU), slices.Min(cpu), slices.Max(cpu))})
}

// idle waits until p is quiet, then measures its CPU over 60 s and its
// RSS at the end, and stops it.
func idle(p *exec.Cmd) (rss int64, cpu float64) {
	waitQuiet(p, 120*time.Second)
	c0, t0 := cpuOf(p.Process.Pid), time.Now()
	time.Sleep(60 * time.Second)
	c1, t1 := cpuOf(p.Process.Pid), time.Now()
	rss = rssOf(p.Process.Pid)
	stop(p)
	return rss, 100 * float64(c1-c0) / float64(t1.Sub(t0))
}

func start(bin, data, lib string) *exec.Cmd {
	cmd := exec.Command(bin, "--data", data, "--library", lib, "--server", "http://127.0.0.1:9")
	cmd.Stdout, cmd.Stderr = nil, nil
	check(cmd.Start())
	return cmd
}

func stop(cmd *exec.Cmd) {
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-done
	}
}

// startUp is the time from starting the app to its main window on screen.
func startUp(bin, data, lib string) float64 {
	t := time.Now()
	p := start(bin, data, lib)
	defer stop(p)
	for time.Since(t) < 30*time.Second {
		out, _ := exec.Command("xwininfo", "-root", "-tree").Output()
		// The main window's title: "Reelhouse", or "Reelhouse — 2 in progress".
		if bytes.Contains(out, []byte(`"Reelhouse":`)) || bytes.Contains(out, []byte(`"Reelhouse — `)) {
			return float64(time.Since(t)) / float64(time.Millisecond)
		}
		time.Sleep(5 * time.Millisecond)
	}
	check(fmt.Errorf("the main window did not appear in 30 s"))
	return 0
}

// waitQuiet waits until the process uses under 2 % of a core over 2 s.
func waitQuiet(p *exec.Cmd, limit time.Duration) {
	deadline := time.Now().Add(limit)
	time.Sleep(3 * time.Second)
	for time.Now().Before(deadline) {
		c0 := cpuOf(p.Process.Pid)
		time.Sleep(2 * time.Second)
		if float64(cpuOf(p.Process.Pid)-c0)/float64(2*time.Second) < 0.02 {
			return
		}
	}
}

// cpuOf is the CPU time process pid has used.
func cpuOf(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	check(err)
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	ut, _ := strconv.ParseInt(fields[11], 10, 64)
	st, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ
}

// rssOf is the resident memory of process pid.
func rssOf(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	check(err)
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}

// order is the order of the rows in the table; a row not named here goes
// at the end.
var order = []string{
	"poll efficiency", "poll lag p99", "tracker CPU", "tracker heap",
	"store open + first page", "store search", "store filtered page", "store status update", "rebuild", "reconcile at start",
	"download at a real link's speed", "download speed, loopback", "download memory", "resume waste", "resume waste after SIGKILL",
	"library view build", "library view change", "grid scroll",
	"typing at 200 characters", "typing at 2000 characters", "typing at 5000 characters", "About",
	"time to play", "1080p playback", "seek",
	"start-up", "idle cost",
}

// retired are names of rows of older tables that are measured under
// another name now.
var retired = []string{"download speed"}

// write puts the table into the docs file. The rows measured now replace
// those of the same name; the others stay as they were, with the day they
// were measured, so that one group can be run again alone.
func write() {
	today := time.Now().UTC().Format("2006-01-02")
	for i := range rows {
		rows[i].date = today
	}
	all := append(previous(), rows...)
	kept := map[string]row{}
	for _, r := range all {
		if slices.Contains(retired, r.name) {
			continue
		}
		kept[r.name] = r // the later, the newer
	}
	table := slices.Collect(maps.Values(kept))
	rank := func(name string) int {
		if i := slices.Index(order, name); i >= 0 {
			return i
		}
		return len(order)
	}
	slices.SortStableFunc(table, func(a, b row) int {
		if c := rank(a.name) - rank(b.name); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})

	var b strings.Builder
	b.WriteString("# Benchmarks\n\n")
	b.WriteString("Written by `make bench` (`.ci/bench`). Each figure is a median over several runs, with its\n")
	b.WriteString("reference run alternately in the same run on the same machine. A run of some groups alone\n")
	b.WriteString("(`make bench BENCHFLAGS=-only=gui`) replaces their rows and keeps the others; each row says\n")
	b.WriteString("the day it was measured.\n\n")
	fmt.Fprintf(&b, "Machine: %d cores, %s memory, %s, %s/%s. Last run: %s.\n\n", runtime.NumCPU(), memTotal(), goVersion(),
		runtime.GOOS, runtime.GOARCH, time.Now().UTC().Format("2006-01-02 15:04 MST"))
	if *note != "" {
		b.WriteString(*note + "\n\n")
	}
	b.WriteString("| figure | value | reference | ratio | target | result | measured | notes |\n|---|---|---|---|---|---|---|---|\n")
	for _, r := range table {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", r.name, r.value, r.ref, r.ratio, r.target, r.verdict(), r.date, r.note)
	}
	b.WriteString("\n```\n")
	for _, r := range table {
		b.WriteString(r.line() + "\n")
	}
	b.WriteString("```\n")
	check(os.MkdirAll(filepath.Dir(*out), 0o755))
	check(os.WriteFile(*out, []byte(b.String()), 0o644))
	step("wrote " + *out)
}

// previous reads the rows of the table already in the docs file. A table
// of the older form, without the measured column, takes the day of its
// "Date:" line.
func previous() []row {
	data, err := os.ReadFile(*out)
	if err != nil {
		return nil
	}
	var day string
	var got []row
	for line := range strings.Lines(string(data)) {
		line = strings.TrimSpace(line)
		if _, after, ok := strings.Cut(line, "Date: "); ok && len(after) >= 10 {
			day = after[:10]
		}
		if !strings.HasPrefix(line, "| ") || strings.HasPrefix(line, "| figure ") {
			continue
		}
		cells := strings.Split(strings.TrimSuffix(strings.TrimPrefix(line, "| "), " |"), " | ")
		var r row
		switch len(cells) {
		case 7:
			r = row{name: cells[0], value: cells[1], ref: cells[2], ratio: cells[3], target: cells[4], ok: cells[5] == "ok", date: day, note: cells[6]}
		case 8:
			r = row{name: cells[0], value: cells[1], ref: cells[2], ratio: cells[3], target: cells[4], ok: cells[5] == "ok", date: cells[6], note: cells[7],
				limit: strings.HasPrefix(cells[5], "limit")}
		default:
			continue
		}
		got = append(got, r)
	}
	return got
}

func memTotal() string {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return "unknown"
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
		}
	}
	return "unknown"
}

func goVersion() string {
	out, err := exec.Command(goCmd, "env", "GOVERSION").Output()
	if err != nil {
		return runtime.Version()
	}
	return strings.TrimSpace(string(out))
}

// scroll adds the row of the grid scrolled through 10,000 videos.
func scroll(m map[string]float64) {
	p95, growth, cache := m["frame-p95-ms"], m["growth-MiB"], m["cache-MiB"]
	add(row{name: "grid scroll", value: fmt.Sprintf("p95 %s (p50 %s); heap +%.1f MiB", f(p95, "ms"), f(m["frame-p50-ms"], "ms"), growth),
		ref: "—", ratio: "—", target: "p95 frame ≤ 33 ms; memory growth ≤ the thumbnail cache + 4 MiB", ok: p95 <= 33 && growth <= cache+4,
		note: fmt.Sprintf("10,000 videos, each with a thumbnail of its own, 200 screens scrolled one at a time, Fyne's test driver; a frame is the UI goroutine's "+
			"work for a scroll (layout, tiles bound, cached pictures set; painting is the graphics card's in the app and left out). The pictures are read "+
			"by two loaders off the UI goroutine and handed over in a frame of their own (at most %s). The heap grew by %.1f MiB; the cache held %.1f MiB "+
			"of pictures (it keeps at most 48 MiB)", f(m["handoff-max-ms"], "ms"), growth, cache)})
}

// typing adds the rows of a key typed into the prompt (at 200, 2,000 and
// 5,000 characters, beside the same at 10) and of About's licences.
func typing(m map[string]float64) {
	ref := m["key-ms-10"]
	for _, n := range []int{200, 2000, 5000} {
		v := m[fmt.Sprintf("key-ms-%d", n)]
		target, ok := "—, ratio printed", true
		if n == 2000 {
			// No model's prompt limit is known, so the target is at 2,000.
			target, ok = "≤ 16 ms at 2,000 characters (no model's limit is known)", v <= 16
		}
		add(row{name: fmt.Sprintf("typing at %d characters", n), value: f(v, "ms"), ref: f(ref, "ms") + " (10 characters)",
			ratio: fmt.Sprintf("%.2f", v/ref), target: target, ok: ok,
			note: "one key at the end of the prompt until the field is laid out again, Fyne's test driver; past 1,000 characters the prompt stops wrapping, since Fyne's Entry wraps a paragraph again on each key, measuring from each row to the paragraph's end"})
	}
	add(row{name: "About", value: f(m["open-ms"], "ms"), ref: "—", ratio: "—", target: "≤ 100 ms", ok: m["open-ms"] <= 100,
		note: "Help ▸ About until a licence line is drawn, Fyne's test driver; the licences are a list that makes only the lines on screen"})
}
