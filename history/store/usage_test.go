package store

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history/media"
)

// TestUsageOverGeneratedRecords fills a store with records of every state,
// model, month and number of files, and checks the store's sums against
// the same sums worked out here one record at a time.
func TestUsageOverGeneratedRecords(t *testing.T) {
	t.Parallel()
	s, _ := openTestStore(t)
	ctx := t.Context()
	loc, err := time.LoadLocation("Asia/Kolkata") // +5:30 moves months' edges off whole hours
	if err != nil {
		loc = time.FixedZone("+0530", 5*3600+1800)
	}
	rng := rand.New(rand.NewPCG(9, 9))
	models := []string{"wan2.1-t2v-turbo", "kling-v2", "veo-3", ""}
	states := []State{StateSuccess, StateFailed, StateCancelled, StateNotSent, StateUncertain, StateLost, StateStale, StatePending, StateSubmitting}
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

	type key struct {
		month string
		model string
	}
	want := map[key]*Usage{}
	for i := range 250 {
		at := start.Add(time.Duration(rng.Int64N(int64(400 * 24 * time.Hour))))
		req := client.CreateRequest{Model: models[rng.IntN(len(models))], Prompt: fmt.Sprintf("video %d", i)}
		if rng.IntN(2) == 0 {
			req.Duration = 5 + rng.IntN(6)
		}
		rec, err := s.AddSubmission(ctx, req, at)
		if err != nil {
			t.Fatal(err)
		}
		st := states[rng.IntN(len(states))]
		if _, err := s.Update(ctx, rec.ID, Change{State: &st}, at); err != nil {
			t.Fatal(err)
		}
		var fileMS int64
		for n := range rng.IntN(3) {
			d := time.Duration(rng.IntN(12000)) * time.Millisecond
			fileMS += d.Milliseconds()
			if err := s.PutFile(ctx, rec.ID, File{Index: n, Path: fmt.Sprintf("v%d-%d.mp4", i, n), Media: media.Info{Duration: d}}); err != nil {
				t.Fatal(err)
			}
		}
		if rng.IntN(5) == 0 {
			if _, err := s.Update(ctx, rec.ID, Change{TrashedAt: &at}, at); err != nil {
				t.Fatal(err)
			}
		}
		making := st == StatePending || st == StateSubmitting
		if st != StateSuccess && st != StateFailed && !making {
			continue
		}
		local := at.In(loc)
		k := key{local.Format("2006-01"), req.Model}
		u := want[k]
		if u == nil {
			u = &Usage{Model: req.Model}
			want[k] = u
		}
		if st == StateFailed {
			u.Failed++
			continue
		}
		if making {
			u.Making++
			u.MakingSeconds += float64(req.Duration)
			continue
		}
		u.Made++
		if fileMS > 0 {
			u.Seconds += float64(fileMS) / 1000
		} else {
			u.Seconds += float64(req.Duration)
		}
	}

	got, err := s.Usage(ctx, loc)
	if err != nil {
		t.Fatal(err)
	}
	// UsageSince a month's start gives that month and the later ones, the
	// same as Usage gives them.
	since := time.Date(2025, 9, 1, 0, 0, 0, 0, loc)
	later, err := s.UsageSince(ctx, loc, since)
	if err != nil {
		t.Fatal(err)
	}
	var fromUsage []Usage
	for _, u := range got {
		if !u.Month.Before(since) {
			fromUsage = append(fromUsage, u)
		}
	}
	if len(later) == 0 || !reflect.DeepEqual(later, fromUsage) {
		t.Errorf("UsageSince %v gave %d rows, Usage has %d from then", since, len(later), len(fromUsage))
	}
	if len(got) != len(want) {
		t.Errorf("%d rows, want %d", len(got), len(want))
	}
	for i, u := range got {
		if u.Month.Location() != loc || u.Month.Day() != 1 || u.Month.Hour() != 0 {
			t.Errorf("row %d: month %v is not the start of a month in %v", i, u.Month, loc)
		}
		w := want[key{u.Month.Format("2006-01"), u.Model}]
		if w == nil {
			t.Errorf("row %d: unexpected %s %q", i, u.Month.Format("2006-01"), u.Model)
			continue
		}
		if u.Made != w.Made || u.Failed != w.Failed || math.Abs(u.Seconds-w.Seconds) > 1e-6 {
			t.Errorf("%s %q: made %d failed %d seconds %.3f, want %d %d %.3f",
				u.Month.Format("2006-01"), u.Model, u.Made, u.Failed, u.Seconds, w.Made, w.Failed, w.Seconds)
		}
		if u.Making != w.Making || math.Abs(u.MakingSeconds-w.MakingSeconds) > 1e-6 {
			t.Errorf("%s %q: making %d (%.0f s), want %d (%.0f s)", u.Month.Format("2006-01"), u.Model, u.Making, u.MakingSeconds, w.Making, w.MakingSeconds)
		}
		if i > 0 {
			prev := got[i-1]
			if prev.Month.Before(u.Month) || (prev.Month.Equal(u.Month) && prev.Model >= u.Model) {
				t.Errorf("rows %d and %d are out of order", i-1, i)
			}
		}
	}
}

// TestUsageMonthIsLocal counts a video made late on the last evening of
// January (UTC) in February where the clock already says February.
func TestUsageMonthIsLocal(t *testing.T) {
	t.Parallel()
	s, _ := openTestStore(t)
	ctx := t.Context()
	at := time.Date(2026, 1, 31, 20, 0, 0, 0, time.UTC)
	rec, err := s.AddSubmission(ctx, client.CreateRequest{Model: "m", Prompt: "p", Duration: 5}, at)
	if err != nil {
		t.Fatal(err)
	}
	st := StateSuccess
	if _, err := s.Update(ctx, rec.ID, Change{State: &st}, at); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		loc   *time.Location
		month time.Month
	}{{time.UTC, time.January}, {time.FixedZone("+0530", 5*3600+1800), time.February}} {
		got, err := s.Usage(ctx, tc.loc)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Month.Month() != tc.month || got[0].Made != 1 || got[0].Seconds != 5 {
			t.Errorf("in %v: %+v, want one video of 5 s in %v", tc.loc, got, tc.month)
		}
	}
}
