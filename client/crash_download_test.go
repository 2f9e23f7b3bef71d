package client_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/client/apitest"
)

// killChildEnv carries the URL and the part path to
// TestDownloadKillChild.
const killChildEnv = "REELHOUSE_KILL_DOWNLOAD_CHILD"

// TestDownloadKillChild is the download that TestReliabilityDownloadResumesAfterKill
// kills: once the file holds half of the video, it says how much it holds
// and stops there until it is killed. It does nothing in an ordinary run.
func TestDownloadKillChild(t *testing.T) {
	spec := os.Getenv(killChildEnv)
	if spec == "" {
		t.Skip("run by TestReliabilityDownloadResumesAfterKill only")
	}
	url, part, _ := strings.Cut(spec, "\n")
	c, err := client.New("http://127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Download(context.Background(), url, part, client.DownloadOptions{Progress: func(done, total int64) {
		if total > 0 && done >= total/2 && done < total {
			fmt.Printf("killme %d\n", done)
			select {} // until the parent kills this process
		}
	}})
	t.Fatalf("the download ended before it could be killed: %v", err)
}

// TestReliabilityDownloadResumesAfterKill kills a downloading process (SIGKILL, as a
// crash would) half-way through and checks that the next download fetches
// only the tail: all that was written before the kill is kept.
func TestReliabilityDownloadResumesAfterKill(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/proc/sys/kernel/random/boot_id"); err != nil {
		t.Skip("this system does not name its boots, so only synced bytes are kept: ", err)
	}
	const size = 24 << 20
	sim := apitest.New(apitest.Config{Padding: size})
	t.Cleanup(sim.Close)
	c, err := client.New(sim.URL(), client.WithAPIKey(sim.Key()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.CloseIdleConnections)
	id, urls := finishedTask(t, sim, c)
	total := sim.VideoFile(id, 0).Size()
	part := filepath.Join(t.TempDir(), "v.mp4.part")
	// Slow the first transfer down so that the child reports its progress
	// before the end (progress is reported every 150 ms).
	sim.Inject(apitest.Fault{Kind: apitest.FaultTrickle, Target: apitest.TargetFiles, Delay: 200 * time.Microsecond})

	cmd := exec.Command(os.Args[0], "-test.run=^TestDownloadKillChild$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), killChildEnv+"="+urls[0]+"\n"+part)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var done int64 = -1
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "killme "); ok {
			fmt.Sscan(rest, &done)
			break
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	werr := cmd.Wait()
	if done < 0 {
		t.Fatalf("the child never reached half of the video: %v\n%s", werr, stderr.String())
	}

	sentBefore := sim.FileBytesSent()
	res, err := c.Download(t.Context(), urls[0], part, client.DownloadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Size != total {
		t.Fatalf("size %d, want %d", res.Size, total)
	}
	assertFile(t, part, sim.VideoBytes(id, 0))
	refetched := sim.FileBytesSent() - sentBefore
	// Nothing the child had written is fetched again: the computer did
	// not restart, so the bytes are in the file, synced or not. The count
	// may still take in the last write of the killed transfer, which the
	// host was sending as the child died.
	if limit := total - done + 1<<20; refetched > limit {
		t.Fatalf("the resumed download fetched %d bytes; the child had %d of %d, so at most %d were due",
			refetched, done, total, limit)
	}
	reqs := fileRequests(t, sim)
	var from int64 = -1
	fmt.Sscanf(reqs[len(reqs)-1].Range, "bytes=%d-", &from)
	if from < done {
		t.Errorf("the resumed download asked for %q; the child had written %d bytes", reqs[len(reqs)-1].Range, done)
	}
}

// TestResumeKeepsUnsyncedBytesOnlyInTheSameBoot: a part longer than its
// record says is kept whole while the computer has not restarted (a killed
// process loses no written byte), and only up to the recorded (synced)
// size after a restart (a power cut may have lost the rest).
func TestResumeKeepsUnsyncedBytesOnlyInTheSameBoot(t *testing.T) {
	t.Parallel()
	boot, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		t.Skip("this system does not name its boots: ", err)
	}
	sim := newSim(t, fast)
	c := simClient(t, sim)
	id, urls := finishedTask(t, sim, c)
	full := filepath.Join(t.TempDir(), "full.part")
	res, err := c.Download(t.Context(), urls[0], full, client.DownloadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	data := sim.VideoBytes(id, 0)
	total := int64(len(data))
	synced, written := total/4, total/2
	for _, tc := range []struct {
		name, boot string
		wantSent   int64
	}{
		{"same boot", strings.TrimSpace(string(boot)), total - written},
		{"after a restart", "another-boot", total - synced},
	} {
		part := filepath.Join(t.TempDir(), "v.part")
		if err := os.WriteFile(part, data[:written], 0o600); err != nil {
			t.Fatal(err)
		}
		meta := fmt.Sprintf(`{"etag":%q,"size":%d,"total":%d,"boot":%q}`, res.ETag, synced, total, tc.boot)
		if err := os.WriteFile(part+".meta", []byte(meta), 0o600); err != nil {
			t.Fatal(err)
		}
		before := sim.FileBytesSent()
		if _, err := c.Download(t.Context(), urls[0], part, client.DownloadOptions{}); err != nil {
			t.Fatal(err)
		}
		assertFile(t, part, data)
		if sent := sim.FileBytesSent() - before; sent != tc.wantSent {
			t.Errorf("%s: %d bytes fetched, want %d", tc.name, sent, tc.wantSent)
		}
	}
}
