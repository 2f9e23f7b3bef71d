package history

import (
	"reflect"
	"testing"
)

// TestProgressCoalescedPerVideo: with three downloads at once, their
// progress events interleave; a reader that falls behind gets one progress
// event per video (the newest), in the place of that video's first, while
// an event of another kind stays between a video's progress before and
// after it. (The queue is driven directly: through a broker, the reader's
// goroutine may already hold the first event, which is then not merged.)
func TestProgressCoalescedPerVideo(t *testing.T) {
	t.Parallel()
	var s subscriber
	progress := func(id, done int64) Event { return Event{Kind: EventProgress, ID: id, Done: done, Total: 100} }
	for done := int64(1); done <= 50; done++ {
		for id := int64(1); id <= 3; id++ {
			s.push(progress(id, done))
		}
	}
	s.push(Event{Kind: EventChanged, ID: 2})
	for done := int64(51); done <= 60; done++ {
		for id := int64(1); id <= 3; id++ {
			s.push(progress(id, done))
		}
	}
	want := []Event{
		progress(1, 60), progress(2, 50), progress(3, 60),
		{Kind: EventChanged, ID: 2},
		progress(2, 60),
	}
	var got []Event
	for e, ok := s.pop(); ok; e, ok = s.pop() {
		got = append(got, e)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("events read\n%+v\nwant\n%+v", got, want)
	}

	// Read as they come, nothing is merged: a progress event already read
	// is not replaced, and the next one is queued again.
	for _, done := range []int64{70, 80} {
		if !s.push(progress(1, done)) {
			t.Fatalf("progress %d of a video with nothing queued was merged into one already read", done)
		}
		if e, ok := s.pop(); !ok || !reflect.DeepEqual(e, progress(1, done)) {
			t.Fatalf("read %+v, want %+v", e, progress(1, done))
		}
	}
	// A reload ends merging for every video.
	s.push(progress(1, 90))
	s.push(Event{Kind: EventReloaded})
	if !s.push(progress(1, 95)) {
		t.Fatal("progress after a reload was merged into one before it")
	}
}

// TestBrokerDeliversProgress: through a broker, a subscriber reads the
// newest progress of each of three videos downloading at once.
func TestBrokerDeliversProgress(t *testing.T) {
	t.Parallel()
	var b broker
	events, cancel := b.subscribe()
	defer cancel()
	for done := int64(1); done <= 20; done++ {
		for id := int64(1); id <= 3; id++ {
			b.publish(Event{Kind: EventProgress, ID: id, Done: done, Total: 20})
		}
	}
	last := map[int64]int64{}
	for e := range events {
		if e.Done < last[e.ID] {
			t.Fatalf("video %d: progress went back from %d to %d", e.ID, last[e.ID], e.Done)
		}
		last[e.ID] = e.Done
		if len(last) == 3 && last[1] == 20 && last[2] == 20 && last[3] == 20 {
			break
		}
	}
}
