package gui

import (
	"testing"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history/store"
)

// goldenStory saves a story of three shots over the golden videos: the
// lighthouse, then the kite, both made, and a third not made yet.
func (w *goldenWorld) goldenStory(t *testing.T) store.Story {
	t.Helper()
	st := store.Story{Name: "The lighthouse keeper",
		Base: client.CreateRequest{Model: defaultModel, Ratio: "16:9", Resolution: "720p"},
		Shots: []store.Shot{
			{Prompt: goldenResults[3].req.Prompt, Duration: 4, Record: w.ids[3]},
			{Prompt: goldenResults[2].req.Prompt, Duration: 8, Record: w.ids[2]},
			{Prompt: "The keeper climbs the stairs with a lamp, night falls", Duration: 4},
		}}
	st, err := w.ui.deps.Store.Stories().Save(t.Context(), st)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// goldenFilm adds a film of the story's two made shots to the library.
func (w *goldenWorld) goldenFilm(t *testing.T) int64 {
	t.Helper()
	ctx := t.Context()
	hist := w.ui.deps.Store
	var shots []store.FilmShot
	for _, id := range []int64{w.ids[3], w.ids[2]} {
		r, err := hist.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		shots = append(shots, store.FilmShot{TaskID: r.TaskID, SHA256: r.Files[0].SHA256})
	}
	rel := "2026-03/film-golden.mp4"
	_, data := putGoldenClip(t, w.ui.deps.Library.Folder(), rel, "sunset-16x9-854x480-8s.mp4")
	at := goldenAt(14, 9, 0)
	rec := store.Record{TaskID: "film-golden", State: store.StateSuccess, Title: "The lighthouse keeper",
		Request:   client.CreateRequest{Model: defaultModel, Prompt: goldenResults[3].req.Prompt + "\n" + goldenResults[2].req.Prompt, Ratio: "16:9"},
		CreatedAt: at, UpdatedAt: at, Download: store.DownloadDone, Film: shots,
		Files: []store.File{{Path: rel, Size: int64(len(data)), SHA256: "golden"}}}
	if _, err := hist.Restore(ctx, []store.SidecarRecord{{Record: rec}}); err != nil {
		t.Fatal(err)
	}
	rec, err := hist.ByTaskID(ctx, rec.TaskID)
	if err != nil {
		t.Fatal(err)
	}
	w.ui.deps.Library.Describe(ctx, rec, nil) // its facts and thumbnail
	hv := w.ui.library
	w.loop.until(t, "the film in the library", func() bool {
		i := hv.model.indexOf(rec.ID)
		return i >= 0 && hv.model.records[i].Files[0].Thumbnail != ""
	})
	return rec.ID
}

func TestGoldenStoryboardAndFilm(t *testing.T) {
	for _, tv := range goldenVariants {
		t.Run(tv.name, func(t *testing.T) {
			for _, tl := range goldenLanguages {
				t.Run("storyboard"+tl.suffix, func(t *testing.T) {
					w := newGoldenWorld(t, tv.variant, tl.language, &fakeKeys{saved: "sk-golden"}, goldenResults)
					st := w.goldenStory(t)
					w.ui.showStories(st.ID)
					v := w.ui.story
					w.loop.until(t, "the shots and their frames", func() bool {
						return len(v.shots) == 3 && v.shots[0].last.File != "" && v.shots[1].last.File != ""
					})
					w.settle(t, v.win)
					assertGolden(t, "storyboard"+tl.suffix+"-"+tv.name, v.win)
				})
				t.Run("film"+tl.suffix, func(t *testing.T) {
					w := newGoldenWorld(t, tv.variant, tl.language, &fakeKeys{saved: "sk-golden"}, goldenResults)
					film := w.goldenFilm(t)
					w.selectPaused(t, film)
					links := w.ui.library.detail.links
					w.loop.until(t, "the film's shots", func() bool { return len(links.shots.Objects) == 3 })
					w.settle(t, w.ui.main)
					assertGolden(t, "film-detail"+tl.suffix+"-"+tv.name, w.ui.main)
				})
			}
		})
	}
}
