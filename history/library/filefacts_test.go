package library

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history/media"
	"github.com/reelhouse/reelhouse/history/store"
)

// TestFileFactsBeyondTheBasicsSurvive checks that what the file reader
// learns about a pixel's shape and a cut-short end is kept by the history
// and by the sidecar, so that the library can show it and act on it.
func TestFileFactsBeyondTheBasicsSurvive(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dir := t.TempDir()

	sar, err := media.Probe(filepath.Join("..", "media", "testdata", "h264_160x120_25fps_1s_sar64x45.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	whole, err := os.ReadFile(filepath.Join("..", "media", "testdata", "h264_320x180_24fps_2s_aac_faststart.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(dir, "cut.mp4")
	if err := os.WriteFile(cut, whole[:len(whole)-1], 0o644); err != nil {
		t.Fatal(err)
	}
	short, err := media.Probe(cut)
	if err != nil {
		t.Fatal(err)
	}
	// The container's brand is not kept; everything else is.
	sar.Brand, short.Brand = "", ""
	if sar.PixelAspect == "" || !short.Truncated {
		t.Fatalf("the reader gave pixel shape %q and cut short %v; the test needs both", sar.PixelAspect, short.Truncated)
	}

	s, _ := openTestStore(t)
	rec, err := s.AddSubmission(ctx, client.CreateRequest{Model: "m", Prompt: "facts"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	files := []store.File{
		{Index: 0, Path: "a.mp4", MediaState: store.MediaOK, Media: sar},
		{Index: 1, Path: "b.mp4", MediaState: store.MediaOK, Media: short},
	}
	for _, f := range files {
		if err := s.PutFile(ctx, rec.ID, f); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Get(ctx, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	got.TaskID = "facts1" // a sidecar needs one
	all, err := s.LibraryFiles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range files {
		if got.Files[i].Media != f.Media {
			t.Errorf("file %d from the history: %+v, want %+v", i, got.Files[i].Media, f.Media)
		}
		if all[i].File.Media != f.Media {
			t.Errorf("file %d from the library list: %+v, want %+v", i, all[i].File.Media, f.Media)
		}
		video := filepath.Join(dir, f.Path)
		if err := WriteSidecar(video, NewSidecar(got, f)); err != nil {
			t.Fatal(err)
		}
		sc, err := ReadSidecar(SidecarPath(video))
		if err != nil {
			t.Fatal(err)
		}
		if back := sc.Record(f.Path).Files[0].Media; back != f.Media {
			t.Errorf("file %d from its sidecar: %+v, want %+v", i, back, f.Media)
		}
	}
}
