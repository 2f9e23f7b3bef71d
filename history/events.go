package history

import (
	"sync"

	"github.com/reelhouse/reelhouse/history/library"
	"github.com/reelhouse/reelhouse/history/store"
)

// EventKind says what an Event reports.
type EventKind int

// The kinds of event the tracker publishes.
const (
	// EventChanged: Record is the record as it now is.
	EventChanged EventKind = iota + 1
	// EventDeleted: the record with ID was removed from the history.
	EventDeleted
	// EventProgress: a download of record ID has Done of Total bytes
	// (Total is 0 when unknown).
	EventProgress
	// EventKeyRefused: the service refused the API key; polling is paused
	// until a new key is given (Tracker.KeyChanged).
	EventKeyRefused
	// EventKeyAccepted: polling resumed after a new key was given.
	EventKeyAccepted
	// EventReloaded: many records changed at once (a rebuild, a library
	// move); views should read the history again.
	EventReloaded
	// EventServiceUnreachable: several queries in a row could not reach
	// the service (no connection, or server errors); the tracker keeps
	// trying. Err is the last failure.
	EventServiceUnreachable
	// EventServiceReachable: the service answered again after
	// EventServiceUnreachable.
	EventServiceReachable
	// EventLibraryUnavailable: the library folder is not there (a drive
	// not connected); downloads wait for it. Message is its path.
	EventLibraryUnavailable
	// EventLibraryAvailable: the library folder is back after
	// EventLibraryUnavailable; the downloads that waited start.
	EventLibraryAvailable
	// EventStory: the story with ID changed (a shot was sent, the shots
	// stopped or were all made, a film was joined); read it again.
	EventStory
	// EventJoin: the film of story ID is being joined, Done of Total
	// milliseconds written.
	EventJoin
)

// Event is one change the tracker made. Events of one subscriber arrive in
// the order they happened, except that progress is only a hint: a queued
// EventProgress that was not read yet is replaced by the newest one of its
// record, unless another event of that record came between them.
type Event struct {
	Kind        EventKind
	ID          int64
	Record      store.Record
	Done, Total int64
	Message     string // EventServiceUnreachable: the last failure's text; EventLibraryUnavailable: the folder
	Err         error  // EventServiceUnreachable: the last failure
}

// publishLibrary publishes a change its library made, in the one stream
// of the tracker's events.
func (t *Tracker) publishLibrary(n library.Notice) {
	switch n.Kind {
	case library.Changed:
		t.events.publish(Event{Kind: EventChanged, ID: n.ID, Record: n.Record})
	case library.Deleted:
		t.events.publish(Event{Kind: EventDeleted, ID: n.ID})
	case library.Reloaded:
		t.events.publish(Event{Kind: EventReloaded})
	}
}

// broker fans events out to subscribers. Each subscriber has its own
// unbounded queue, so a slow reader never stalls the tracker and never
// misses a change.
type broker struct {
	mu   sync.Mutex
	subs map[*subscriber]struct{}
}

type subscriber struct {
	mu    sync.Mutex
	queue []Event
	// popped counts the events taken from queue, so that a position
	// counted from the first event ever queued stays valid.
	popped int
	// progress is where each record's queued EventProgress is, while no
	// other event of that record was queued after it.
	progress map[int64]int
	signal   chan struct{}
	out      chan Event
	done     chan struct{}
}

func (b *broker) publish(e Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs {
		s.mu.Lock()
		queued := s.push(e)
		s.mu.Unlock()
		if !queued {
			continue
		}
		select {
		case s.signal <- struct{}{}:
		default:
		}
	}
}

// push queues e, or, for progress, replaces the record's queued progress
// so that downloads, several at once, cannot grow the queue. It reports
// whether the queue grew.
func (s *subscriber) push(e Event) bool {
	switch e.Kind {
	case EventProgress:
		if at, ok := s.progress[e.ID]; ok {
			s.queue[at-s.popped] = e
			return false
		}
		if s.progress == nil {
			s.progress = make(map[int64]int)
		}
		s.progress[e.ID] = s.popped + len(s.queue)
	case EventReloaded:
		clear(s.progress)
	default:
		delete(s.progress, e.ID)
	}
	s.queue = append(s.queue, e)
	return true
}

// pop takes the oldest queued event, if there is one.
func (s *subscriber) pop() (Event, bool) {
	if len(s.queue) == 0 {
		return Event{}, false
	}
	e := s.queue[0]
	s.queue[0] = Event{}
	s.queue = s.queue[1:]
	if at, ok := s.progress[e.ID]; ok && e.Kind == EventProgress && at == s.popped {
		delete(s.progress, e.ID)
	}
	s.popped++
	return e, true
}

// subscribe returns a channel of events and a function that ends the
// subscription and closes the channel.
func (b *broker) subscribe() (<-chan Event, func()) {
	s := &subscriber{
		signal: make(chan struct{}, 1),
		out:    make(chan Event),
		done:   make(chan struct{}),
	}
	b.mu.Lock()
	if b.subs == nil {
		b.subs = make(map[*subscriber]struct{})
	}
	b.subs[s] = struct{}{}
	b.mu.Unlock()

	finished := make(chan struct{})
	go func() {
		defer close(finished)
		defer close(s.out)
		for {
			s.mu.Lock()
			e, ok := s.pop()
			s.mu.Unlock()
			if !ok {
				select {
				case <-s.signal:
					continue
				case <-s.done:
					return
				}
			}
			select {
			case s.out <- e:
			case <-s.done:
				return
			}
		}
	}()
	var once sync.Once
	cancel := func() {
		once.Do(func() {
			b.mu.Lock()
			delete(b.subs, s)
			b.mu.Unlock()
			close(s.done)
			<-finished
		})
	}
	return s.out, cancel
}
