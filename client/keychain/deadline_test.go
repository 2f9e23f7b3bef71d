package keychain

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

// memStore is an in-memory keychain holding at most one secret per service.
type memStore struct {
	mu   sync.Mutex
	keys map[string]string
	sets int
}

func newMemStore() *memStore { return &memStore{keys: map[string]string{}} }

func (m *memStore) Get(service, _ string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	key, ok := m.keys[service]
	if !ok {
		return "", keyring.ErrNotFound
	}
	return key, nil
}

func (m *memStore) Set(service, _, secret string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.keys[service] = secret
	m.sets++
	return nil
}

func (m *memStore) Delete(service, _ string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.keys[service]; !ok {
		return keyring.ErrNotFound
	}
	delete(m.keys, service)
	return nil
}

// slowStore answers every call after delay, like a keychain waiting for the
// user to type the password of an unlock prompt.
type slowStore struct {
	backend
	delay time.Duration
}

func (s slowStore) Get(service, user string) (string, error) {
	time.Sleep(s.delay)
	return s.backend.Get(service, user)
}

func (s slowStore) Set(service, user, secret string) error {
	time.Sleep(s.delay)
	return s.backend.Set(service, user, secret)
}

// gatedStore holds every write until release is closed, and says on entered
// that a write is waiting.
type gatedStore struct {
	backend
	entered chan struct{}
	release chan struct{}
}

func newGatedStore(t *testing.T, b backend) *gatedStore {
	g := &gatedStore{backend: b, entered: make(chan struct{}, 10), release: make(chan struct{})}
	t.Cleanup(func() {
		select {
		case <-g.release:
		default:
			close(g.release)
		}
	})
	return g
}

func (g *gatedStore) Set(service, user, secret string) error {
	g.entered <- struct{}{}
	<-g.release
	return g.backend.Set(service, user, secret)
}

func (g *gatedStore) Delete(service, user string) error {
	g.entered <- struct{}{}
	<-g.release
	return g.backend.Delete(service, user)
}

// TestCallerDeadlineGoverns: a caller that allows a minute for an unlock
// prompt gets it, although the Keychain's own timeout is far shorter.
func TestCallerDeadlineGoverns(t *testing.T) {
	t.Parallel()
	store := newMemStore()
	k := New(WithTimeout(10 * time.Millisecond))
	k.store = slowStore{backend: store, delay: 200 * time.Millisecond}

	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if err := k.Save(ctx, canary); err != nil {
		t.Fatalf("Save within the caller's deadline: %v", err)
	}
	if got, err := k.Load(ctx); err != nil || got != canary {
		t.Fatalf("Load = %q, %v; want %q, nil", got, err, canary)
	}
}

// TestLateSaveIsUndone: a Save whose caller was told "timed out" must not
// leave its key behind when the keychain answers afterwards; the keychain
// holds what it held before.
func TestLateSaveIsUndone(t *testing.T) {
	t.Parallel()
	for name, before := range map[string]string{"no key before": "", "a key before": "sk-the-old-key"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			store := newMemStore()
			if before != "" {
				store.keys[Service] = before
			}
			gate := newGatedStore(t, store)
			k := New()
			k.store = gate

			ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
			defer cancel()
			err := k.Save(ctx, canary)
			if !errors.Is(err, ErrTimeout) {
				t.Fatalf("Save past the caller's deadline: err = %v, want ErrTimeout", err)
			}
			<-gate.entered      // the write reached the keychain
			close(gate.release) // and the keychain answers after all

			// Load waits for the abandoned Save to finish.
			got, err := k.Load(t.Context())
			switch {
			case before == "" && !errors.Is(err, ErrNotFound):
				t.Errorf("after the late save: Load = %q, %v; want ErrNotFound", got, err)
			case before != "" && (err != nil || got != before):
				t.Errorf("after the late save: Load = %q, %v; want %q", got, err, before)
			}
		})
	}
}

// TestAbandonedSaveNeverWrites: a Save that gives up while another call
// still holds the keychain never writes once its turn comes.
func TestAbandonedSaveNeverWrites(t *testing.T) {
	t.Parallel()
	store := newMemStore()
	gate := newGatedStore(t, store)
	k := New()
	k.store = gate

	// A Delete holds the keychain until the gate opens.
	deleted := make(chan error, 1)
	go func() { deleted <- k.Delete(context.Background()) }()
	<-gate.entered

	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if err := k.Save(ctx, canary); !errors.Is(err, ErrTimeout) {
		t.Fatalf("Save behind a hanging call: err = %v, want ErrTimeout", err)
	}
	close(gate.release)
	if err := <-deleted; err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := k.Load(t.Context()); !errors.Is(err, ErrNotFound) {
		t.Errorf("Load after the abandoned Save: err = %v, want ErrNotFound", err)
	}
	if store.sets != 0 {
		t.Errorf("the abandoned Save wrote to the keychain %d times", store.sets)
	}
}
