package history

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/client/apitest"
	"github.com/reelhouse/reelhouse/history/library"
	"github.com/reelhouse/reelhouse/history/store"
)

// The crash tests run a tracker in a child process (this test binary,
// started again to run TestCrashChild) against a simulator in this
// process, kill the child with SIGKILL at random points and check what it
// left behind.

// Settings of the child, passed in its environment.
const (
	crashChildEnv   = "REELHOUSE_CRASH_CHILD" // set: this process is the child
	crashSimEnv     = "REELHOUSE_CRASH_SIM"
	crashKeyEnv     = "REELHOUSE_CRASH_KEY"
	crashDBEnv      = "REELHOUSE_CRASH_DB"
	crashLibraryEnv = "REELHOUSE_CRASH_LIBRARY"
	crashSubmitEnv  = "REELHOUSE_CRASH_SUBMIT" // a prompt to submit at start
	crashRetryEnv   = "REELHOUSE_CRASH_RETRY"  // "1": retry paused downloads at start
	crashFSizeEnv   = "REELHOUSE_CRASH_FSIZE"  // bytes: the largest file the child may write
	crashSettleEnv  = "REELHOUSE_CRASH_SETTLE" // once done, wait for the tracker to settle
	crashEditsEnv   = "REELHOUSE_CRASH_EDITS"  // "1": keep editing notes and tags (store writes)
	crashLockEnv    = "REELHOUSE_CRASH_LOCK"   // a data folder to lock, and nothing else
	crashStoryEnv   = "REELHOUSE_CRASH_STORY"  // a story id: wait until it is no longer being made
	crashDoneLine   = "crash-child: done"
	crashLockedLine = "crash-child: locked"
	crashPausedLine = "crash-child: paused"
)

// TestCrashChild is the program the crash tests run in a child process;
// run on its own it does nothing. It follows the history in
// REELHOUSE_CRASH_DB until nothing is left to do, printing a line for each
// event so that the parent can pick a moment to kill it, and (with
// REELHOUSE_CRASH_EDITS) edits notes and tags all the while so that there
// are always store and sidecar writes under way.
func TestCrashChild(t *testing.T) {
	mode := os.Getenv(crashChildEnv)
	if mode == "" {
		t.Skip("a helper: the crash tests run it in a child process")
	}
	if dir := os.Getenv(crashLockEnv); dir != "" {
		if _, err := store.LockDataDir(dir); err != nil {
			t.Fatal(err)
		}
		fmt.Println(crashLockedLine)
		time.Sleep(time.Minute) // until killed
		return
	}
	if n, _ := strconv.ParseInt(os.Getenv(crashFSizeEnv), 10, 64); n > 0 {
		if err := limitFileSize(n); err != nil {
			t.Fatalf("cannot limit the file size: %v", err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := store.Open(ctx, os.Getenv(crashDBEnv))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	lib, err := library.OpenFolder(os.Getenv(crashLibraryEnv))
	if err != nil {
		t.Fatal(err)
	}
	library := library.New(st, lib)
	api, err := client.New(os.Getenv(crashSimEnv), client.WithAPIKey(os.Getenv(crashKeyEnv)))
	if err != nil {
		t.Fatal(err)
	}
	defer api.CloseIdleConnections()
	tr := NewTracker(st, library, api, TrackerOptions{
		Interval: 40 * time.Millisecond, MinInterval: 40 * time.Millisecond, MaxBackoff: 200 * time.Millisecond,
	})

	var out sync.Mutex
	say := func(format string, args ...any) {
		out.Lock()
		fmt.Printf(format+"\n", args...)
		out.Unlock()
	}
	events, unsubscribe := tr.Subscribe()
	defer unsubscribe()
	go func() {
		for ev := range events {
			switch ev.Kind {
			case EventProgress:
				say("event progress %d %d", ev.ID, ev.Done)
			case EventChanged:
				say("event changed %d %s %s", ev.ID, ev.Record.State, ev.Record.Download)
			case EventStory:
				say("event story %d", ev.ID)
			default:
				say("event %d", ev.Kind)
			}
		}
	}()
	runDone := make(chan error, 1)
	go func() { runDone <- tr.Run(ctx) }()
	defer func() {
		cancel()
		<-runDone
	}()

	if os.Getenv(crashRetryEnv) == "1" {
		recs, _ := st.List(ctx, store.Query{})
		for _, r := range recs {
			if r.Download == store.DownloadPaused {
				if err := tr.RetryDownload(ctx, r.ID); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if prompt := os.Getenv(crashSubmitEnv); prompt != "" {
		if _, err := tr.Submit(ctx, client.CreateRequest{Model: "wan2.1-t2v-turbo", Prompt: prompt}); err != nil {
			say("submit: %v", err)
		}
	}
	if os.Getenv(crashEditsEnv) == "1" {
		go func() {
			for i := 0; ctx.Err() == nil; i++ {
				recs, err := st.List(ctx, store.Query{})
				if err != nil || len(recs) == 0 {
					continue
				}
				r := recs[mrand.IntN(len(recs))]
				switch i % 3 {
				case 0:
					err = library.SetNote(ctx, r.ID, fmt.Sprintf("note %d", i))
				case 1:
					err = library.SetTags(ctx, r.ID, []string{"tag" + strconv.Itoa(i%7), "crash"})
				default:
					err = library.SetFavourite(ctx, r.ID, i%2 == 0)
				}
				if err == nil {
					say("write %d", r.ID)
				}
				time.Sleep(2 * time.Millisecond)
			}
		}()
	}

	story, _ := strconv.ParseInt(os.Getenv(crashStoryEnv), 10, 64)
	for {
		unfinished, err := st.Unfinished(ctx)
		if err != nil {
			t.Fatal(err)
		}
		making := false
		if story != 0 {
			s, err := st.Stories().Get(ctx, story)
			if err != nil {
				t.Fatal(err)
			}
			making = s.Making
		}
		if len(unfinished) == 0 && !making {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	recs, _ := st.List(ctx, store.Query{})
	for _, r := range recs {
		if r.Download == store.DownloadPaused {
			say("%s %d", crashPausedLine, r.ID)
		}
	}
	if os.Getenv(crashSettleEnv) == "1" {
		// A retry loop would show now, or keep the tracker from settling.
		for !tr.settled() {
			select {
			case <-tr.settledCh:
			case <-ctx.Done():
				t.Fatal(ctx.Err())
			}
		}
	}
	say("%s", crashDoneLine)
}

// killPoint says when to kill a child: after the n-th output line that
// starts with prefix, or after a delay if prefix is empty.
type killPoint struct {
	prefix string
	n      int
	delay  time.Duration
}

func (k killPoint) String() string {
	if k.prefix == "" {
		return "after " + k.delay.String()
	}
	return fmt.Sprintf("at %q line %d", k.prefix, k.n)
}

func randomKillPoint(rng *mrand.Rand) killPoint {
	switch rng.IntN(4) {
	case 0:
		return killPoint{prefix: "event progress", n: 1 + rng.IntN(10)} // mid-download
	case 1:
		return killPoint{prefix: "event changed", n: 1 + rng.IntN(20)} // right after a store write
	case 2:
		return killPoint{prefix: "write", n: 1 + rng.IntN(60)} // among note and tag writes
	}
	return killPoint{delay: time.Duration(20+rng.IntN(900)) * time.Millisecond}
}

// child is one run of TestCrashChild.
type child struct {
	output []byte
	killed bool // by us, with SIGKILL
	err    error
}

// runChild runs TestCrashChild with env until it ends, killing it at kill
// (if not nil) plus up to a few milliseconds.
func runChild(t *testing.T, env []string, kill *killPoint, rng *mrand.Rand) child {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1", "-test.timeout=2m")
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var (
		mu     sync.Mutex
		killed bool
	)
	doKill := func() {
		mu.Lock()
		defer mu.Unlock()
		if !killed {
			killed = cmd.Process.Kill() == nil // SIGKILL
		}
	}
	var jitter time.Duration
	if kill != nil {
		jitter = time.Duration(rng.IntN(5000)) * time.Microsecond
		if kill.prefix == "" {
			timer := time.AfterFunc(kill.delay+jitter, doKill)
			defer timer.Stop()
		}
	}
	var out bytes.Buffer
	seen := 0
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		out.WriteString(line + "\n")
		if kill != nil && kill.prefix != "" && strings.HasPrefix(line, kill.prefix) {
			if seen++; seen == kill.n {
				time.AfterFunc(jitter, doKill)
			}
		}
	}
	err = cmd.Wait()
	out.Write(stderr.Bytes())
	mu.Lock()
	defer mu.Unlock()
	// A child that ended by itself before the kill point was not killed,
	// even if the kill came just after.
	wasKilled := killed && cmd.ProcessState.ExitCode() == -1
	return child{output: out.Bytes(), killed: wasKilled, err: err}
}

// servedSums maps the sha256 of every video the simulator serves to its
// task and index.
func servedSums(sim *apitest.Sim) map[string]string {
	sums := make(map[string]string)
	for _, id := range sim.TaskIDs() {
		for i := 0; ; i++ {
			b := sim.VideoBytes(id, i)
			if b == nil {
				break
			}
			sum := sha256.Sum256(b)
			sums[hex.EncodeToString(sum[:])] = fmt.Sprintf("%s/%d", id, i)
		}
	}
	return sums
}

func fileSum(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// libraryVideos lists the videos and sidecars in the library (not in its
// hidden folders or its refs folder, and not hidden temp files),
// library-relative.
func libraryVideos(t *testing.T, dir string) (videos, sidecars []string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), ".") && p != dir {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if d.Name() == "refs" && filepath.Dir(p) == dir {
				return fs.SkipDir // the pictures requests start from
			}
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		switch filepath.Ext(p) {
		case ".mp4":
			videos = append(videos, filepath.ToSlash(rel))
		case ".json":
			sidecars = append(sidecars, filepath.ToSlash(rel))
		default:
			t.Errorf("unexpected file in the library: %s", rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return videos, sidecars
}

// crashRun is one sequence of the crash test: a fresh data folder and
// library, tasks to follow, child runs killed at random, then one that
// finishes.
type crashRun struct {
	t       *testing.T
	sim     *apitest.Sim
	db, lib string
	tasks   []string // seeded task ids
	videos  int      // per task
}

func (c *crashRun) env(first bool) []string {
	env := []string{
		crashChildEnv + "=run",
		crashSimEnv + "=" + c.sim.URL(),
		crashKeyEnv + "=" + c.sim.Key(),
		crashDBEnv + "=" + c.db,
		crashLibraryEnv + "=" + c.lib,
		crashEditsEnv + "=1",
	}
	if first {
		env = append(env, crashSubmitEnv+"=submitted by the child "+rand.Text()[:6])
	}
	return env
}

// checkAfterKill opens what a killed child left: the store is sound, and
// every video in the library is whole.
func (c *crashRun) checkAfterKill(what string) {
	t := c.t
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, c.db)
	if err != nil {
		t.Fatalf("%s: the st does not open: %v", what, err)
	}
	defer st.Close()
	if err := st.IntegrityCheck(ctx); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	sums := servedSums(c.sim)
	lib, err := library.OpenFolder(c.lib)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := st.List(ctx, store.Query{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		for _, f := range r.Files {
			p, _ := lib.Abs(f.Path)
			sum, err := fileSum(p)
			if err != nil || sum != f.SHA256 || sums[sum] != fmt.Sprintf("%s/%d", r.TaskID, f.Index) {
				t.Errorf("%s: recorded video %s is not the served file (%v)", what, f.Path, err)
			}
		}
	}
	videos, sidecars := libraryVideos(t, c.lib)
	for _, v := range videos {
		if sum, err := fileSum(filepath.Join(c.lib, v)); err != nil || sums[sum] == "" {
			t.Errorf("%s: %s is not a whole served video (a final path must hold a whole file or nothing)", what, v)
		}
	}
	for _, s := range sidecars {
		if _, err := library.ReadSidecar(filepath.Join(c.lib, s)); err != nil {
			t.Errorf("%s: sidecar %s is damaged: %v", what, s, err)
		}
	}
}

// checkFinished checks the end state after a child ran to the end.
func (c *crashRun) checkFinished(what string, submitRecords *int) {
	t := c.t
	t.Helper()
	c.checkAfterKill(what)
	ctx := context.Background()
	st, err := store.Open(ctx, c.db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	lib, _ := library.OpenFolder(c.lib)
	recs, err := st.List(ctx, store.Query{})
	if err != nil {
		t.Fatal(err)
	}
	seeded := map[string]bool{}
	for _, id := range c.tasks {
		seeded[id] = true
	}
	recorded := map[string]bool{}
	for _, r := range recs {
		if !seeded[r.TaskID] {
			*submitRecords++
		}
		switch {
		case r.State == store.StateUncertain && !seeded[r.TaskID]:
			// Killed while submitting: uncertain, never resent.
		case r.State == store.StateSuccess && r.Download == store.DownloadDone:
			if len(r.Files) != c.videos {
				t.Errorf("%s: task %s has %d videos, want %d", what, r.TaskID, len(r.Files), c.videos)
			}
			for _, f := range r.Files {
				recorded[f.Path] = true
				p, _ := lib.Abs(f.Path)
				got, err := os.ReadFile(p)
				if err != nil || !bytes.Equal(got, c.sim.VideoBytes(r.TaskID, f.Index)) {
					t.Errorf("%s: %s differs from the served video (%v)", what, f.Path, err)
				}
				if _, err := os.Stat(library.SidecarPath(p)); err != nil {
					t.Errorf("%s: %s has no sidecar", what, f.Path)
				}
			}
		default:
			t.Errorf("%s: task %q ended %s, download %s (%s): every unfinished task should have resumed and finished",
				what, r.TaskID, r.State, r.Download, r.DownloadError+r.ErrorMessage)
		}
		delete(seeded, r.TaskID)
	}
	for id := range seeded {
		t.Errorf("%s: task %s vanished from the history", what, id)
	}
	videos, _ := libraryVideos(t, c.lib)
	for _, v := range videos {
		if !recorded[v] {
			t.Errorf("%s: %s is in the library but not in the history (a duplicate or an orphan)", what, v)
		}
	}
	if entries, _ := os.ReadDir(filepath.Join(c.lib, ".incoming")); len(entries) != 0 {
		t.Errorf("%s: unfinished downloads left behind: %d files", what, len(entries))
	}
}

// TestReliabilityCrashAndRestart kills a tracker with SIGKILL at random moments
// during downloads and store writes (8 times; 50 with
// REELHOUSE_RELIABILITY=full). After each kill the store passes SQLite's
// integrity check and the library holds only whole videos; after a last run
// every task has finished, each video has the served bytes, nothing is
// duplicated or left half-done, nothing was submitted twice, and neither
// the key nor a signed link was written anywhere.
func TestReliabilityCrashAndRestart(t *testing.T) {
	t.Parallel()
	kills := 8
	if reliabilityFull() {
		kills = 50
	}
	// The seed is in the messages below; REELHOUSE_CRASH_SEED replays it.
	seed := mrand.Uint64()
	if s, err := strconv.ParseUint(os.Getenv("REELHOUSE_CRASH_SEED"), 10, 64); err == nil {
		seed = s
	}
	rng := mrand.New(mrand.NewPCG(seed, seed>>1))

	canary := "sk-canary-" + rand.Text()
	sim := apitest.New(apitest.Config{Key: canary, PendingFor: 50 * time.Millisecond, RunningFor: 100 * time.Millisecond, VideosPerTask: 2, Padding: 192 << 10})
	t.Cleanup(sim.Close)
	// Slow enough downloads that kills land in the middle of them.
	sim.Inject(apitest.Fault{Kind: apitest.FaultTrickle, Target: apitest.TargetFiles, Times: -1, Delay: 12 * time.Millisecond})

	var outputs [][]byte
	killed, runs, sequences, submitRecords := 0, 0, 0, 0
	var points []string
	for killed < kills {
		sequences++
		if sequences > 4*kills {
			t.Fatalf("only %d kills in %d sequences: the children finish before the kill points", killed, sequences)
		}
		dir := t.TempDir()
		c := &crashRun{t: t, sim: sim, db: filepath.Join(dir, "data", "history.db"), lib: filepath.Join(dir, "Library"), videos: 2}
		st, err := store.Open(context.Background(), c.db)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 3 {
			id := sim.AddTask(client.CreateRequest{Model: "m", Prompt: fmt.Sprintf("crash test %d, task %d", sequences, i)})
			rec, _, err := st.AddExisting(context.Background(), id, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			pending := store.StatePending
			if _, err := st.Update(context.Background(), rec.ID, store.Change{State: &pending, Watching: ptr(true)}, time.Now()); err != nil {
				t.Fatal(err)
			}
			c.tasks = append(c.tasks, id)
		}
		st.Close()

		for k := 0; k < 2 && killed < kills; k++ {
			point := randomKillPoint(rng)
			ch := runChild(t, c.env(k == 0), &point, rng)
			runs++
			outputs = append(outputs, ch.output)
			if !ch.killed {
				if ch.err != nil {
					t.Fatalf("sequence %d: the child failed before the kill (%v):\n%s", sequences, ch.err, ch.output)
				}
				break // it finished first; the last run below checks it
			}
			killed++
			points = append(points, point.String())
			c.checkAfterKill(fmt.Sprintf("sequence %d, kill %d (%s)", sequences, k+1, point))
		}
		ch := runChild(t, c.env(false), nil, nil)
		runs++
		outputs = append(outputs, ch.output)
		if ch.err != nil || !bytes.Contains(ch.output, []byte(crashDoneLine)) {
			t.Fatalf("sequence %d: the last run did not finish (%v):\n%s", sequences, ch.err, ch.output)
		}
		c.checkFinished(fmt.Sprintf("sequence %d, after the last run", sequences), &submitRecords)
		if t.Failed() {
			t.Fatalf("stopping after sequence %d (random seed %d); kill points so far: %v", sequences, seed, points)
		}
	}
	if creates := sim.Counts().Create; creates > submitRecords {
		t.Errorf("the service received %d create calls for %d submissions: something was sent twice", creates, submitRecords)
	}
	for i, out := range outputs {
		for _, bad := range []string{"DATA RACE", "panic:"} {
			if bytes.Contains(out, []byte(bad)) {
				t.Errorf("child run %d: %s:\n%s", i+1, bad, out)
			}
		}
	}
	// Everything the children wrote or printed, against the key and links.
	artifacts := map[string][]byte{}
	for i, out := range outputs {
		artifacts[fmt.Sprintf("child run %d output", i+1)] = out
	}
	readTree(t, artifacts, "test folders", filepath.Dir(t.TempDir()))
	for _, l := range leaks(artifacts, append([]secret{{"the API key", canary}}, signedURLSecrets(t, sim)...)) {
		t.Error(l)
	}
	t.Logf("%d kills (%s) in %d sequences, %d child runs; %d submissions made by the children; random seed %d",
		killed, strings.Join(points, ", "), sequences, runs, submitRecords, seed)
}

func testSecondCopyDetected(t *testing.T) {
	// A second Reelhouse on the same data folder is told that one is
	// running; when the first dies, even by SIGKILL, the folder is free.
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashChildEnv+"=lock", crashLockEnv+"="+dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	for sc.Scan() && sc.Text() != crashLockedLine {
	}
	if _, err := store.LockDataDir(dir); !errors.Is(err, store.ErrAlreadyRunning) {
		t.Errorf("with another copy running, LockDataDir = %v, want ErrAlreadyRunning", err)
	}
	cmd.Process.Kill()
	cmd.Wait()
	unlock, err := store.LockDataDir(dir)
	if err != nil {
		t.Fatalf("after the other copy died, LockDataDir = %v", err)
	}
	unlock()
}
