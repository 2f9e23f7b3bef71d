package library

import (
	"path/filepath"
	"testing"

	"github.com/reelhouse/reelhouse/history/store"
)

// TestSidecarKeepsProblems: a sidecar carries a record's problem codes
// and the service's message, and an older sidecar's sentence, unchanged.
func TestSidecarKeepsProblems(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for i, msg := range []string{store.ProblemStale, store.ProblemUncertain + ": " + store.ErrClosedWhileSending.Error(),
		"Reelhouse sent this request but never heard back, so it cannot tell whether the video was started."} {
		video := filepath.Join(dir, "v"+string(rune('a'+i))+".mp4")
		r := store.Record{TaskID: "task-1", State: store.StateStale, ErrorMessage: msg}
		f := store.File{Path: filepath.Base(video), Size: 1}
		if err := WriteSidecar(video, NewSidecar(r, f)); err != nil {
			t.Fatal(err)
		}
		s, err := ReadSidecar(SidecarPath(video))
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Record(f.Path).ErrorMessage; got != msg {
			t.Errorf("read back %q, want %q", got, msg)
		}
	}
}
