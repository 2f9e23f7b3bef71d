package history

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reelhouse/reelhouse/client/apitest"
	"github.com/reelhouse/reelhouse/history/library"
	"github.com/reelhouse/reelhouse/history/store"
)

// smallLibrary mounts a tmpfs of the given size and opens it as the
// library folder of e, skipping where this machine lets no test mount.
func smallLibrary(t *testing.T, e *env, size string) string {
	t.Helper()
	mnt := filepath.Join(t.TempDir(), "small")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := mountTmpfs(mnt, size, false); err != nil {
		t.Skipf("cannot mount a tmpfs here (%v); the injected write error covers the pause", err)
	}
	t.Cleanup(func() { unmountTmpfs(mnt) })
	lib, err := library.OpenFolder(mnt)
	if err != nil {
		t.Fatal(err)
	}
	e.folder = lib
	return mnt
}

// forgetBoot makes a part file's record look written before the computer
// last started, and returns the bytes it vouches for.
func forgetBoot(t *testing.T, metaPath string) int64 {
	t.Helper()
	b, err := os.ReadFile(metaPath)
	if err != nil {
		t.Fatalf("no record beside the part file: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	m["boot"] = "an-earlier-boot"
	if b, err = json.Marshal(m); err != nil {
		t.Fatal(err)
	}
	// In place: the full disk has no room for a new file.
	if err := os.WriteFile(metaPath, b, 0o600); err != nil {
		t.Fatal(err)
	}
	size, _ := m["size"].(float64)
	return int64(size)
}

func isPaused(r store.Record) bool { return r.Download == store.DownloadPaused }

// checkProblem checks that a paused download says which trouble it is,
// in the system's own words.
func checkProblem(t *testing.T, r store.Record, wantCode, wantFacts string) {
	t.Helper()
	code, facts, _ := store.ParseProblem(r.DownloadError)
	if code != wantCode || !strings.Contains(facts, wantFacts) {
		t.Errorf("problem %q; want %s with the system's words %q", r.DownloadError, wantCode, wantFacts)
	}
}

func testDiskFullResumesByItself(t *testing.T) {
	// The library fills up half-way through a video; once there is room
	// again the download goes on by itself, and the file host is asked
	// only for the bytes not already kept.
	e := newEnv(t, apitest.Config{Padding: 512 << 10})
	mnt := smallLibrary(t, e, "192k")
	e.start(TrackerOptions{})
	rec := e.submit("more than the disk holds")
	paused := e.waitRecord(rec.ID, "the download to pause", isPaused)
	checkProblem(t, paused, store.ProblemLibraryFull, "no space left")
	// The computer restarts before room is made: what the part file's
	// record says was written is all that can be trusted.
	kept := forgetBoot(t, e.folder.PartPath(paused.TaskID, 0)+".meta")
	if kept == 0 {
		t.Fatal("the paused download kept no record of the bytes it received; they would be fetched again")
	}
	sent := e.sim.FileBytesSent()

	if err := mountTmpfs(mnt, "8m", true); err != nil {
		t.Fatalf("could not make room: %v", err)
	}
	e.checkFiles(e.waitRecord(rec.ID, "the download to go on by itself", downloaded), 1)
	size := int64(len(e.sim.VideoBytes(paused.TaskID, 0)))
	if fetched := e.sim.FileBytesSent() - sent; fetched != size-kept {
		t.Errorf("after room was made, %d bytes were fetched; want the %d not kept (%d of %d kept)", fetched, size-kept, kept, size)
	}
}

func testReadOnlyResumesByItself(t *testing.T) {
	// The library's file system is read-only: the download pauses saying
	// so, and goes on by itself once it can be written again.
	e := newEnv(t, apitest.Config{})
	mnt := smallLibrary(t, e, "8m")
	if err := remountReadOnly(mnt, "8m", true); err != nil {
		t.Skipf("cannot make the tmpfs read-only here (%v)", err)
	}
	e.start(TrackerOptions{})
	rec := e.submit("nowhere to write")
	paused := e.waitRecord(rec.ID, "the download to pause", isPaused)
	checkProblem(t, paused, store.ProblemLibraryReadOnly, "read-only file system")

	if err := remountReadOnly(mnt, "8m", false); err != nil {
		t.Fatalf("could not make the library writable again: %v", err)
	}
	e.checkFiles(e.waitRecord(rec.ID, "the download to go on by itself", downloaded), 1)
}
