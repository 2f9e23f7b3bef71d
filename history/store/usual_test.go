package store

import (
	"testing"
	"time"

	"github.com/reelhouse/reelhouse/client"
)

// TestUsualDurationIsTheMedianOfRecentSuccesses: only successes of the
// model count, only the latest twenty of them, and the middle one wins.
func TestUsualDurationIsTheMedianOfRecentSuccesses(t *testing.T) {
	t.Parallel()
	s, _ := openTestStore(t)
	ctx := t.Context()
	base := time.UnixMilli(1719000000000)
	add := func(model string, st State, created, took time.Duration) {
		t.Helper()
		rec, err := s.AddSubmission(ctx, client.CreateRequest{Model: model, Prompt: "p"}, base)
		if err != nil {
			t.Fatal(err)
		}
		start := base.Add(created)
		task := &client.Task{Status: client.StatusSuccess, Model: model,
			Created: client.Millis(start.UnixMilli()), Completed: client.Millis(start.Add(took).UnixMilli())}
		if _, err := s.Update(ctx, rec.ID, Change{State: &st, Task: task}, base); err != nil {
			t.Fatal(err)
		}
	}
	if d, err := s.UsualDuration(ctx, "m"); err != nil || d != 0 {
		t.Fatalf("with no successes: %v, %v", d, err)
	}
	// Old and slow: pushed out by the twenty newer ones below.
	for i := range 5 {
		add("m", StateSuccess, time.Duration(i)*time.Minute, time.Hour)
	}
	for i := range 20 {
		add("m", StateSuccess, time.Duration(10+i)*time.Hour, time.Duration(60+i)*time.Second)
	}
	add("m", StateFailed, 40*time.Hour, 10*time.Hour)
	add("other", StateSuccess, 41*time.Hour, 5*time.Second)
	d, err := s.UsualDuration(ctx, "m")
	if err != nil {
		t.Fatal(err)
	}
	if want := 69500 * time.Millisecond; d != want { // the median of 60…79 s
		t.Errorf("usual duration = %v, want %v", d, want)
	}
	if d, _ := s.UsualDuration(ctx, "other"); d != 5*time.Second {
		t.Errorf("other model: %v", d)
	}
}
