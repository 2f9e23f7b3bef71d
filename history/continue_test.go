package history

import (
	"errors"
	"os"
	"testing"
	"time"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/client/apitest"
	"github.com/reelhouse/reelhouse/history/library"
	"github.com/reelhouse/reelhouse/history/store"
)

// TestContinuedVideosLinkBothWaysAndSurviveRebuild continues a video, and
// checks the link from both ends, in the sidecar, and after the history is
// rebuilt from the folder alone.
func TestContinuedVideosLinkBothWaysAndSurviveRebuild(t *testing.T) {
	t.Parallel()
	e := newEnv(t, apitest.Config{})
	e.start(TrackerOptions{})
	ctx := t.Context()
	first := e.downloadSome("a fox runs into the woods")[0]

	req := client.CreateRequest{Model: first.Request.Model, Prompt: "the fox stops at a river", Ratio: "16:9"}
	rec, err := e.tracker.SubmitContinuing(ctx, req, first.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rec.ContinuedFrom != first.TaskID {
		t.Fatalf("the new task continues %q, want %q", rec.ContinuedFrom, first.TaskID)
	}
	next := e.waitRecord(rec.ID, "continuation downloaded", func(r store.Record) bool { return downloaded(r) && len(r.Files) > 0 })

	check := func(what string) {
		t.Helper()
		src, ok, err := e.store.ContinuedFrom(ctx, next)
		if err != nil || !ok || src.TaskID != first.TaskID {
			t.Errorf("%s: continued from %+v %v %v, want task %s", what, src.TaskID, ok, err, first.TaskID)
		}
		firstNow, err := e.store.ByTaskID(ctx, first.TaskID)
		if err != nil {
			t.Fatal(err)
		}
		later, err := e.store.Continuations(ctx, firstNow.ID)
		if err != nil || len(later) != 1 || later[0].TaskID != next.TaskID {
			t.Errorf("%s: continuations of the first video: %d %v, want the new one", what, len(later), err)
		}
		if _, ok, _ := e.store.ContinuedFrom(ctx, firstNow); ok {
			t.Errorf("%s: the first video continues another", what)
		}
		if later, _ := e.store.Continuations(ctx, next.ID); len(later) != 0 {
			t.Errorf("%s: the new video has continuations: %d", what, len(later))
		}
	}
	check("after submitting")

	p, err := e.folder.Abs(next.Files[0].Path)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := library.ReadSidecar(library.SidecarPath(p))
	if err != nil {
		t.Fatal(err)
	}
	if sc.ContinuedFrom != first.TaskID {
		t.Errorf("sidecar continued_from = %q, want %q", sc.ContinuedFrom, first.TaskID)
	}

	// Rebuild from the folder alone: the rows come back with new ids, in
	// the folder's order, and the link still holds.
	e.stop()
	e.rebuildFromFolder()
	if next, err = e.store.ByTaskID(ctx, next.TaskID); err != nil {
		t.Fatal(err)
	}
	check("after a rebuild")
}

// TestSubmitContinuingNeedsAKnownVideo refuses to continue a record that
// is not there or has no task id, and sends nothing.
func TestSubmitContinuingNeedsAKnownVideo(t *testing.T) {
	t.Parallel()
	e := newEnv(t, apitest.Config{})
	e.start(TrackerOptions{})
	ctx := t.Context()
	req := client.CreateRequest{Model: "wan2.1-t2v-turbo", Prompt: "next"}
	if _, err := e.tracker.SubmitContinuing(ctx, req, 999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown record: %v, want ErrNotFound", err)
	}
	unsent, err := e.store.AddSubmission(ctx, req, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.tracker.SubmitContinuing(ctx, req, unsent.ID); !errors.Is(err, ErrNotContinuable) {
		t.Errorf("record without task id: %v, want ErrNotContinuable", err)
	}
	if n := len(e.sim.TaskIDs()); n != 0 {
		t.Errorf("%d tasks created, want none", n)
	}
	if all, _ := e.store.List(ctx, store.Query{}); len(all) != 1 {
		t.Errorf("%d records, want only the one added by the test", len(all))
	}
}

// rebuildFromFolder throws the history database away and rebuilds it from
// the library folder alone, as after a lost or damaged database. The
// tracker must be stopped. It returns the rebuild's report.
func (e *env) rebuildFromFolder() library.Report {
	e.t.Helper()
	e.store.Close()
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(e.db + suffix)
	}
	e.openStore()
	rep, err := library.Rebuild(e.t.Context(), e.store, e.folder)
	if err != nil {
		e.t.Fatal(err)
	}
	return rep
}
