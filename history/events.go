package history

import "sync"

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
)

// Event is one change the tracker made. Events of one subscriber arrive in
// the order they happened.
type Event struct {
	Kind        EventKind
	ID          int64
	Record      Record
	Done, Total int64
	Message     string // EventServiceUnreachable: the last failure's text
	Err         error  // EventServiceUnreachable: the last failure
}

// broker fans events out to subscribers. Each subscriber has its own
// unbounded queue, so a slow reader never stalls the tracker and never
// misses a change.
type broker struct {
	mu   sync.Mutex
	subs map[*subscriber]struct{}
}

type subscriber struct {
	mu     sync.Mutex
	queue  []Event
	signal chan struct{}
	out    chan Event
	done   chan struct{}
}

func (b *broker) publish(e Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs {
		s.mu.Lock()
		// Progress events are only a hint: keep just the newest one per
		// record so that a long download cannot grow the queue.
		if e.Kind == EventProgress && len(s.queue) > 0 {
			last := &s.queue[len(s.queue)-1]
			if last.Kind == EventProgress && last.ID == e.ID {
				*last = e
				s.mu.Unlock()
				continue
			}
		}
		s.queue = append(s.queue, e)
		s.mu.Unlock()
		select {
		case s.signal <- struct{}{}:
		default:
		}
	}
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
			if len(s.queue) == 0 {
				s.mu.Unlock()
				select {
				case <-s.signal:
					continue
				case <-s.done:
					return
				}
			}
			e := s.queue[0]
			s.queue = s.queue[1:]
			s.mu.Unlock()
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
