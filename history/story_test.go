package history

import (
	"bytes"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/client/apitest"
	"github.com/reelhouse/reelhouse/history/library"
	"github.com/reelhouse/reelhouse/history/media"
	"github.com/reelhouse/reelhouse/history/media/mediatest"
	"github.com/reelhouse/reelhouse/history/store"
)

// newStory saves a story of the given shots, the first from a picture.
func (e *env) newStory(making bool, prompts ...string) (store.Story, []byte) {
	e.t.Helper()
	img := testImage(2000, 7)
	req, _ := imageRequest(e.t, "", img)
	st := store.Story{Name: "A fox's day", Base: req, Making: making}
	for _, p := range prompts {
		st.Shots = append(st.Shots, store.Shot{Prompt: p, Duration: 2})
	}
	st, err := e.store.Stories().Save(e.t.Context(), st)
	if err != nil {
		e.t.Fatal(err)
	}
	return st, img
}

// storyDone waits until story id is no longer being made and returns it
// with the records of its shots.
func (e *env) storyDone(id int64) (store.Story, []store.Record) {
	e.t.Helper()
	var st store.Story
	e.waitUntil("the story made", func() bool {
		var err error
		st, err = e.store.Stories().Get(e.t.Context(), id)
		return err == nil && !st.Making
	})
	var recs []store.Record
	for _, sh := range st.Shots {
		rec, err := e.store.Get(e.t.Context(), sh.Record)
		if err != nil {
			e.t.Fatalf("shot %q: %v (story %+v)", sh.Prompt, err, st)
		}
		recs = append(recs, rec)
	}
	return st, recs
}

// creates counts the create calls the service received for each prompt.
func creates(sim *apitest.Sim) map[string]int {
	n := map[string]int{}
	for _, req := range sim.Requests() {
		n[req.Prompt]++
	}
	return n
}

// TestStoryMakesItsShotsInOrder makes a story of three shots: the first
// from the story's picture, each later one from the last frame of the one
// before, each once; then one shot again with the ones after it.
func TestStoryMakesItsShotsInOrder(t *testing.T) {
	mediatest.Need(t, "ffmpeg")
	t.Parallel()
	e := newEnv(t, apitest.Config{})
	e.start(TrackerOptions{})
	ctx := t.Context()
	st, img := e.newStory(false, "a fox wakes up", "the fox runs to the river", "the fox drinks")
	if err := e.tracker.Stories().Make(ctx, st.ID); err != nil {
		t.Fatal(err)
	}
	st, recs := e.storyDone(st.ID)
	if st.Stopped != "" {
		t.Fatalf("the story stopped at shot %d: %s", st.StoppedAt+1, st.Stopped)
	}
	for i, rec := range recs {
		if !ShotMade(rec) {
			t.Fatalf("shot %d is %s/%s", i+1, rec.State, rec.Download)
		}
		if rec.Request.Prompt != st.Shots[i].Prompt || rec.Request.Duration != 2 || rec.Request.Model != st.Base.Model {
			t.Errorf("shot %d was sent as %+v", i+1, rec.Request)
		}
	}
	sent := e.sim.Requests()
	if len(sent) != 3 {
		t.Fatalf("%d create calls, want 3", len(sent))
	}
	if len(sent[0].Image) != 1 || sent[0].Image[0].URL != mustDataURL(t, img) {
		t.Errorf("the first shot did not start from the story's picture: %d images", len(sent[0].Image))
	}
	for i := 1; i < 3; i++ {
		if len(sent[i].Image) != 1 || sent[i].Image[0].Role != "first_frame" {
			t.Fatalf("shot %d was sent without a first frame", i+1)
		}
		if sent[i].Image[0].URL == sent[0].Image[0].URL {
			t.Errorf("shot %d started from the story's picture, not the last frame", i+1)
		}
		if recs[i].ContinuedFrom != recs[i-1].TaskID {
			t.Errorf("shot %d continues %q, want %q", i+1, recs[i].ContinuedFrom, recs[i-1].TaskID)
		}
	}

	// Shot 2 again, and shot 3 with it: shot 1 stays.
	if err := e.tracker.Stories().MakeAgain(ctx, st.ID, 1, true); err != nil {
		t.Fatal(err)
	}
	again, recs2 := e.storyDone(st.ID)
	if again.Shots[0].Record != st.Shots[0].Record || again.Shots[1].Record == st.Shots[1].Record || again.Shots[2].Record == st.Shots[2].Record {
		t.Errorf("shots before %v, after %v: want the first kept and the others new", st.Shots, again.Shots)
	}
	if recs2[2].ContinuedFrom != recs2[1].TaskID || recs2[1].ContinuedFrom != recs2[0].TaskID {
		t.Errorf("the new shots are not chained")
	}
	if n := creates(e.sim); len(e.sim.Requests()) != 5 || n["a fox wakes up"] != 1 {
		t.Errorf("create calls %v, want 5 with the first shot once", n)
	}
	// The earlier videos stay in the library.
	if _, err := e.store.Get(ctx, st.Shots[1].Record); err != nil {
		t.Errorf("the earlier shot 2: %v", err)
	}
}

func mustDataURL(t *testing.T, img []byte) string {
	t.Helper()
	u, err := client.ImageDataURL(img)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestStoryStopsAtAFailedShot: a shot the service fails stops the story
// there, and nothing after it is sent.
func TestStoryStopsAtAFailedShot(t *testing.T) {
	mediatest.Need(t, "ffmpeg")
	t.Parallel()
	e := newEnv(t, apitest.Config{})
	e.start(TrackerOptions{})
	st, _ := e.newStory(true, "a fox wakes up", "the fox drinks [fail]", "the fox sleeps")
	e.tracker.Stories().advance(t.Context(), st.ID)
	st, _ = e.waitStopped(st.ID)
	if st.Stopped != store.StoryShotFailed || st.StoppedAt != 1 {
		t.Errorf("stopped %q at %d, want %q at 1", st.Stopped, st.StoppedAt, store.StoryShotFailed)
	}
	if n := creates(e.sim); n["the fox sleeps"] != 0 || n["the fox drinks [fail]"] != 1 {
		t.Errorf("create calls %v", n)
	}
}

// waitStopped waits until story id is no longer being made.
func (e *env) waitStopped(id int64) (store.Story, error) {
	e.t.Helper()
	var st store.Story
	var err error
	e.waitUntil("the story stopped", func() bool {
		st, err = e.store.Stories().Get(e.t.Context(), id)
		return err == nil && !st.Making
	})
	return st, err
}

// TestStoryResumesAfterARestart stops the tracker while the second shot
// is being made; the next tracker goes on from there, and no shot is sent
// twice.
func TestStoryResumesAfterARestart(t *testing.T) {
	mediatest.Need(t, "ffmpeg")
	t.Parallel()
	e := newEnv(t, apitest.Config{RunningFor: 600 * time.Millisecond})
	e.start(TrackerOptions{})
	st, _ := e.newStory(false, "one", "two", "three")
	if err := e.tracker.Stories().Make(t.Context(), st.ID); err != nil {
		t.Fatal(err)
	}
	e.waitUntil("the second shot sent", func() bool {
		now, err := e.store.Stories().Get(t.Context(), st.ID)
		if err != nil || now.Shots[1].Record == 0 {
			return false
		}
		rec, err := e.store.Get(t.Context(), now.Shots[1].Record)
		return err == nil && rec.TaskID != ""
	})
	e.stop()
	e.start(TrackerOptions{})
	st, recs := e.storyDone(st.ID)
	if st.Stopped != "" || len(recs) != 3 || !ShotMade(recs[2]) {
		t.Fatalf("after the restart: stopped %q, %d shots", st.Stopped, len(recs))
	}
	for p, n := range creates(e.sim) {
		if n != 1 {
			t.Errorf("%q was created %d times", p, n)
		}
	}
}

// TestFilmOfAStory joins the shots (the simulator's videos differ in size,
// so they are converted) into a film that is a library item of its own:
// its sidecar lists the shots, trashing a shot leaves it whole, and a
// rebuild from the folder finds it again.
func TestFilmOfAStory(t *testing.T) {
	mediatest.Need(t, "ffmpeg")
	t.Parallel()
	e := newEnv(t, apitest.Config{})
	e.start(TrackerOptions{})
	ctx := t.Context()
	st, _ := e.newStory(true, "a", "b", "c")
	e.tracker.Stories().advance(ctx, st.ID)
	st, shots := e.storyDone(st.ID)
	var length time.Duration
	for _, r := range shots {
		length += r.Files[0].Media.Duration
	}

	var progress int
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range e.events {
			if ev.Kind == EventJoin && ev.ID == st.ID {
				progress++
			}
		}
	}()
	film, err := e.tracker.Stories().Join(ctx, st.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !film.IsFilm() || film.Title != st.Name || len(film.Film) != 3 || len(film.Files) != 1 {
		t.Fatalf("film %+v", film)
	}
	for i, fs := range film.Film {
		if fs.TaskID != shots[i].TaskID || fs.SHA256 != shots[i].Files[0].SHA256 {
			t.Errorf("film shot %d is %+v, want %s", i+1, fs, shots[i].TaskID)
		}
	}
	if d := film.Files[0].Media.Duration - length; d < -150*time.Millisecond || d > 150*time.Millisecond {
		t.Errorf("the film is %v long, the shots %v", film.Files[0].Media.Duration, length)
	}
	if now, _ := e.store.Stories().Get(ctx, st.ID); now.Film != film.ID {
		t.Errorf("the story names film %d, want %d", now.Film, film.ID)
	}
	p, err := e.folder.Abs(film.Files[0].Path)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := library.ReadSidecar(library.SidecarPath(p))
	if err != nil || !slices.Equal(sc.Film, film.Film) {
		t.Errorf("the film's sidecar lists %v (%v), want %v", sc.Film, err, film.Film)
	}
	// A film costs nothing.
	usage, err := e.store.Usage(ctx, time.Local)
	if err != nil {
		t.Fatal(err)
	}
	videos := 0
	for _, u := range usage {
		videos += u.Made
	}
	if videos != 3 {
		t.Errorf("usage counts %d videos, want the 3 shots", videos)
	}

	if err := e.library.Trash(ctx, shots[1].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Errorf("trashing a shot took the film: %v", err)
	}

	e.stop()
	<-done
	if progress == 0 {
		t.Errorf("no progress of the join was published")
	}
	e.rebuildFromFolder()
	back, err := e.store.ByTaskID(ctx, film.TaskID)
	if err != nil {
		t.Fatalf("the film after a rebuild: %v", err)
	}
	if !slices.Equal(back.Film, film.Film) || back.Title != st.Name {
		t.Errorf("after a rebuild the film lists %v titled %q", back.Film, back.Title)
	}
	if _, err := e.store.ByTaskID(ctx, shots[1].TaskID); err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
}

// TestStorySurvivesSIGKILL kills a tracker making a story of three shots
// with SIGKILL, again and again at each change of the story, and starts it
// again each time: the story is made in the end, and the service received
// one create call per shot.
func TestStorySurvivesSIGKILL(t *testing.T) {
	mediatest.Need(t, "ffmpeg")
	t.Parallel()
	sim := apitest.New(apitest.Config{PendingFor: 50 * time.Millisecond, RunningFor: 150 * time.Millisecond})
	t.Cleanup(sim.Close)
	dir := t.TempDir()
	c := &crashRun{t: t, sim: sim, db: filepath.Join(dir, "data", "history.db"), lib: filepath.Join(dir, "Library")}
	st, err := store.Open(t.Context(), c.db)
	if err != nil {
		t.Fatal(err)
	}
	story := store.Story{Name: "killed", Base: client.CreateRequest{Model: "wan2.1-t2v-turbo", Ratio: "16:9"}, Making: true,
		Shots: []store.Shot{{Prompt: "shot one"}, {Prompt: "shot two"}, {Prompt: "shot three"}}}
	if story, err = st.Stories().Save(t.Context(), story); err != nil {
		t.Fatal(err)
	}
	st.Close()
	env := []string{
		crashChildEnv + "=run", crashSimEnv + "=" + sim.URL(), crashKeyEnv + "=" + sim.Key(),
		crashDBEnv + "=" + c.db, crashLibraryEnv + "=" + c.lib, crashStoryEnv + "=" + strconv.FormatInt(story.ID, 10),
	}
	rng := mrand.New(mrand.NewPCG(1, 2))
	kills := 0
	for n := 1; n <= 6; n++ {
		// The n-th change of the story in this run: a shot sent, or the
		// end. Each run starts where the last was killed.
		ch := runChild(t, env, &killPoint{prefix: "event story", n: 1}, rng)
		if !ch.killed {
			if ch.err != nil {
				t.Fatalf("run %d failed (%v):\n%s", n, ch.err, ch.output)
			}
			break
		}
		kills++
		c.checkAfterKill(fmt.Sprintf("kill %d", kills))
	}
	ch := runChild(t, env, nil, nil)
	if ch.err != nil || !bytes.Contains(ch.output, []byte(crashDoneLine)) {
		t.Fatalf("the last run did not finish (%v):\n%s", ch.err, ch.output)
	}
	if kills < 2 {
		t.Errorf("only %d kills: the story was made before the kill points", kills)
	}
	st, err = store.Open(t.Context(), c.db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	story, err = st.Stories().Get(t.Context(), story.ID)
	if err != nil {
		t.Fatal(err)
	}
	for i, sh := range story.Shots {
		rec, err := st.Get(t.Context(), sh.Record)
		if err != nil || !ShotMade(rec) {
			t.Errorf("shot %d: %v %s/%s (story stopped %q at %d)", i+1, err, rec.State, rec.Download, story.Stopped, story.StoppedAt)
		}
	}
	for p, n := range creates(sim) {
		if n != 1 {
			t.Errorf("%q was created %d times", p, n)
		}
	}
	if n := len(sim.Requests()); n != 3 {
		t.Errorf("%d create calls for 3 shots", n)
	}
}

// TestStoryWithoutFFmpeg: without ffmpeg no last frame can be taken, so
// each later shot starts afresh from its prompt; the story is still made,
// and joining says it needs ffmpeg.
func TestStoryWithoutFFmpeg(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // no ffmpeg, no ffprobe
	e := newEnv(t, apitest.Config{})
	e.start(TrackerOptions{})
	st, _ := e.newStory(true, "one", "two")
	e.tracker.Stories().advance(t.Context(), st.ID)
	st, recs := e.storyDone(st.ID)
	if st.Stopped != "" || !ShotMade(recs[1]) {
		t.Fatalf("stopped %q at %d; shot 2 is %s/%s", st.Stopped, st.StoppedAt, recs[1].State, recs[1].Download)
	}
	sent := e.sim.Requests()
	if len(sent) != 2 || len(sent[0].Image) != 1 || len(sent[1].Image) != 0 {
		t.Errorf("%d creates; the second with %d pictures, want none", len(sent), len(sent[len(sent)-1].Image))
	}
	if recs[1].ContinuedFrom != "" {
		t.Errorf("shot 2 says it continues %q without starting from its last frame", recs[1].ContinuedFrom)
	}
	if _, err := e.tracker.Stories().Join(t.Context(), st.ID); !errors.Is(err, media.ErrNoFFmpeg) {
		t.Errorf("Join without ffmpeg: %v", err)
	}
}
