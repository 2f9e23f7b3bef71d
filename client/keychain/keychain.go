// Package keychain keeps the user's Reelhouse API key in the operating
// system's keychain (Secret Service on Linux, Keychain on macOS, Credential
// Manager on Windows) through go-keyring.
//
// Every call runs until a deadline because a keychain can hang: a locked
// collection may wait for a password prompt nobody sees, and a broken D-Bus
// session may never answer. The caller's context sets the deadline; without
// one, DefaultTimeout applies. Failures come back as ErrUnavailable or
// ErrTimeout, never as ErrNotFound, so the app never mistakes a keychain it
// cannot reach for a user who has no key. Error texts are facts for logs,
// never sentences for the user, and the key itself never appears in them.
// Calls block, so callers must not make them on the UI goroutine.
package keychain

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/zalando/go-keyring"
)

// Service is the keychain service name the API key is stored under.
const Service = "Reelhouse"

// User is the keychain account name the API key is stored under.
const User = "api-key"

// EnvVar names the environment variable that supplies an API key for one run
// without saving it.
const EnvVar = "REELHOUSE_API_KEY"

// DefaultTimeout is how long a call waits for the keychain when the caller's
// context has no deadline, unless WithTimeout says otherwise.
const DefaultTimeout = 5 * time.Second

// maxKeyBytes keeps keys within what every platform's keychain accepts
// (Windows limits a secret to 2560 bytes).
const maxKeyBytes = 2048

// kind is one of the package's error values: fixed text and, for the
// narrower kinds, the broader kind it also matches.
type kind struct {
	text   string
	parent error
}

func (k *kind) Error() string { return k.text }
func (k *kind) Unwrap() error { return k.parent }

// Errors returned by Keychain methods; test for them with errors.Is. Their
// texts are facts for logs; the sentence a person reads is chosen by the
// caller.
var (
	// ErrNotFound means the keychain answered and holds no API key.
	ErrNotFound error = &kind{text: "keychain: no api key saved"}

	// ErrUnavailable means the keychain could not be used: no Secret Service
	// is running, the keychain is locked, or D-Bus failed.
	ErrUnavailable error = &kind{text: "keychain: unavailable"}

	// ErrLocked means the keychain is there but stayed locked: its unlock
	// prompt was dismissed or failed. It also matches ErrUnavailable.
	ErrLocked error = &kind{text: "keychain: locked", parent: ErrUnavailable}

	// ErrNoSessionBus means there is no D-Bus session bus to reach the
	// Secret Service through. It also matches ErrUnavailable.
	ErrNoSessionBus error = &kind{text: "keychain: no d-bus session bus", parent: ErrUnavailable}

	// ErrTimeout means the keychain did not answer before the deadline.
	ErrTimeout error = &kind{text: "keychain: no answer before the deadline"}

	// ErrInvalidKey means Save was given something that cannot be an API key.
	ErrInvalidKey error = &kind{text: "keychain: invalid api key"}
)

// Error is a keychain failure: the operation, the kind of failure and what
// went wrong underneath.
type Error struct {
	// Op is the operation that failed: "load", "save" or "delete".
	Op string
	// Kind is ErrUnavailable, ErrLocked, ErrNoSessionBus, ErrTimeout or
	// ErrInvalidKey.
	Kind error
	// Cause is the underlying failure; it may be nil. It never holds the key.
	Cause error
}

// Error returns the operation, the kind and the cause, for logs.
func (e *Error) Error() string {
	s := e.Kind.Error()
	if e.Op != "" {
		s = strings.Replace(s, "keychain: ", "keychain: "+e.Op+": ", 1)
	}
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

// Unwrap lets errors.Is and errors.As see both Kind and Cause.
func (e *Error) Unwrap() []error {
	if e.Cause == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Cause}
}

// backend is the part of go-keyring that Keychain uses. It exists so tests can
// put a keychain that never answers in its place.
type backend interface {
	Get(service, user string) (string, error)
	Set(service, user, secret string) error
	Delete(service, user string) error
}

// goKeyring calls go-keyring's package functions, so keyring.MockInit in
// tests takes effect.
type goKeyring struct{}

func (goKeyring) Get(service, user string) (string, error) { return keyring.Get(service, user) }
func (goKeyring) Set(service, user, secret string) error   { return keyring.Set(service, user, secret) }
func (goKeyring) Delete(service, user string) error        { return keyring.Delete(service, user) }

// sessionBusGuard answers ErrNoSessionBus without calling go-keyring when
// the Secret Service would have to be reached through a D-Bus session bus
// that does not exist. Left to itself, go-keyring's D-Bus library then runs
// dbus-launch, whose dbus-daemon outlives Reelhouse: one more stray process
// per launch, and a bus without a Secret Service on it anyway.
type sessionBusGuard struct{ backend }

func (g sessionBusGuard) Get(service, user string) (string, error) {
	if !sessionBusReachable() {
		return "", ErrNoSessionBus
	}
	return g.backend.Get(service, user)
}

func (g sessionBusGuard) Set(service, user, secret string) error {
	if !sessionBusReachable() {
		return ErrNoSessionBus
	}
	return g.backend.Set(service, user, secret)
}

func (g sessionBusGuard) Delete(service, user string) error {
	if !sessionBusReachable() {
		return ErrNoSessionBus
	}
	return g.backend.Delete(service, user)
}

// Keychain stores one API key in the system keychain. It is safe for
// concurrent use; calls reach the keychain one at a time, so a late answer to
// an abandoned call cannot overwrite a newer one.
type Keychain struct {
	service string
	timeout time.Duration
	store   backend

	mu sync.Mutex // serialises calls into store
}

// Option changes how New builds a Keychain.
type Option func(*Keychain)

// WithTimeout sets how long a call waits for the keychain when the caller's
// context has no deadline of its own. A zero or negative d keeps
// DefaultTimeout.
func WithTimeout(d time.Duration) Option {
	return func(k *Keychain) {
		if d > 0 {
			k.timeout = d
		}
	}
}

// WithService stores the key under another service name, so tests never touch
// the user's real entry. An empty name keeps Service.
func WithService(name string) Option {
	return func(k *Keychain) {
		if name != "" {
			k.service = name
		}
	}
}

// New returns a Keychain for the API key.
func New(opts ...Option) *Keychain {
	var store backend = goKeyring{}
	if usesSessionBus {
		store = sessionBusGuard{store}
	}
	k := &Keychain{service: Service, timeout: DefaultTimeout, store: store}
	for _, opt := range opts {
		opt(k)
	}
	return k
}

// Load returns the saved API key. It returns an error matching ErrNotFound
// when none is saved, ErrUnavailable or ErrTimeout when the keychain fails
// or does not answer before the deadline (ctx's, or the Keychain's timeout
// when ctx has none), and context.Canceled when ctx is cancelled first.
func (k *Keychain) Load(ctx context.Context) (string, error) {
	var key string
	err := k.call(ctx, "load", "", func(s backend, _ *outcome) error {
		var err error
		key, err = s.Get(k.service, User)
		return err
	})
	if err != nil {
		return "", err
	}
	if key == "" {
		// An empty secret is no usable key; it is not a keychain failure.
		return "", ErrNotFound
	}
	return key, nil
}

// Save stores key, replacing any saved key. It returns an error matching
// ErrInvalidKey for an empty, multi-line or overlong key, ErrUnavailable or
// ErrTimeout when the keychain fails or does not answer before the deadline
// (ctx's, or the Keychain's timeout when ctx has none), and context.Canceled
// when ctx is cancelled first. When Save returns an error the keychain holds
// what it held before, even if it answers later (see replace).
func (k *Keychain) Save(ctx context.Context, key string) error {
	if !validKey(key) {
		return &Error{Op: "save", Kind: ErrInvalidKey}
	}
	err := k.call(ctx, "save", key, func(s backend, o *outcome) error {
		return k.replace(s, &key, o)
	})
	if errors.Is(err, ErrNotFound) {
		// Some keychains report a missing collection as "not found"; for a
		// write that means the keychain cannot be used.
		return &Error{Op: "save", Kind: ErrUnavailable, Cause: err}
	}
	return err
}

// Delete removes the saved key. Deleting a key that is not there succeeds;
// other failures are reported as for Save, and likewise leave the key in
// place.
func (k *Keychain) Delete(ctx context.Context) error {
	err := k.call(ctx, "delete", "", func(s backend, o *outcome) error {
		return k.replace(s, nil, o)
	})
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// outcome settles, exactly once, whether a call's change stands: either the
// caller is still waiting when the change is made (and will be told it
// succeeded), or the caller has given up (and was told it failed).
type outcome struct{ state atomic.Int32 }

const (
	waiting   int32 = iota // the caller waits for the answer
	kept                   // the change was made while the caller waited
	abandoned              // the caller stopped waiting and reported a failure
)

// abandoned reports whether the caller has stopped waiting.
func (o *outcome) abandoned() bool { return o.state.Load() == abandoned }

// keep claims the change for the caller; it is false when the caller has
// already given up, in which case the change must be undone.
func (o *outcome) keep() bool { return o.state.CompareAndSwap(waiting, kept) }

// giveUp marks the call abandoned; it is false when the change was kept
// first, in which case the caller must report the call's own result.
func (o *outcome) giveUp() bool { return o.state.CompareAndSwap(waiting, abandoned) }

// replace makes the saved key value, or removes it when value is nil, such
// that what the caller was told stays true.
//
// A keychain call cannot be cancelled: a Secret Service waiting on an unlock
// prompt may store the key minutes after the caller's deadline, when the
// window has already said "not saved" and offered a key for this session
// only. Reporting that late success would need a second channel back to the
// window, and the user may have acted on the first answer. So the decision is
// made here, once (outcome): a change made while the caller still waits
// stands and is reported as success; a change that lands after the caller
// gave up is undone by putting back the key read just before, or by deleting
// the new one when there was none. The undo runs under k.mu, so no other call
// of this Keychain sees the abandoned key in between.
func (k *Keychain) replace(s backend, value *string, o *outcome) error {
	if o.abandoned() {
		return nil // nobody waits for this change: leave the keychain alone
	}
	prev, prevErr := s.Get(k.service, User)
	if o.abandoned() {
		return nil
	}
	var err error
	if value != nil {
		err = s.Set(k.service, User, *value)
	} else if err = s.Delete(k.service, User); errors.Is(err, keyring.ErrNotFound) {
		err = nil
	}
	if err != nil || o.keep() {
		return err
	}
	switch {
	case prevErr == nil:
		err = s.Set(k.service, User, prev)
	case value == nil && errors.Is(prevErr, keyring.ErrNotFound):
		// Nothing was saved before the delete; nothing to put back.
	case value != nil:
		// Nothing (or nothing readable) was saved before.
		if err = s.Delete(k.service, User); errors.Is(err, keyring.ErrNotFound) {
			err = nil
		}
	default:
		// The key was unreadable before the delete; it cannot be put back.
		err = errors.New("the previous key could not be read, so it cannot be restored")
	}
	if err != nil {
		if value != nil {
			err = redact(err, *value)
		}
		slog.Warn("keychain: undoing a change that landed after its caller gave up failed",
			"service", k.service, "err", redact(err, prev).Error())
	}
	return nil
}

// call runs fn against the keychain in its own goroutine and waits for it
// until ctx ends. The deadline is ctx's own; only when ctx has none does the
// Keychain's timeout apply, so a caller that allows two minutes for an unlock
// prompt gets two minutes. When the wait ends first the goroutine keeps
// running until the keychain answers (go-keyring calls cannot be cancelled);
// fn learns from its outcome that nobody waits any more. secret, if not
// empty, is removed from any error text.
func (k *Keychain) call(ctx context.Context, op, secret string, fn func(backend, *outcome) error) error {
	if ctx.Err() != nil {
		return ended(ctx, op)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, k.timeout)
		defer cancel()
	}

	o := &outcome{}
	done := make(chan error, 1) // buffered: an abandoned goroutine must not block
	go func() {
		k.mu.Lock()
		defer k.mu.Unlock()
		done <- fn(k.store, o)
	}()

	select {
	case err := <-done:
		return classify(op, err, secret)
	case <-ctx.Done():
		if !o.giveUp() {
			// The change was made just as ctx ended; it stands, so say so.
			return classify(op, <-done, secret)
		}
		return ended(ctx, op)
	}
}

// ended reports why ctx ended: a passed deadline is a timeout, and still
// matches context.DeadlineExceeded; a cancellation is ctx.Err() as is.
func ended(ctx context.Context, op string) error {
	err := ctx.Err()
	if errors.Is(err, context.DeadlineExceeded) {
		return &Error{Op: op, Kind: ErrTimeout, Cause: err}
	}
	return err
}

// classify turns a go-keyring error into one of ours.
func classify(op string, err error, secret string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, keyring.ErrNotFound):
		return ErrNotFound
	case errors.Is(err, ErrNoSessionBus):
		return &Error{Op: op, Kind: ErrNoSessionBus}
	case errors.Is(err, keyring.ErrSetDataTooBig):
		return &Error{Op: op, Kind: ErrInvalidKey, Cause: redact(err, secret)}
	case isLocked(err):
		return &Error{Op: op, Kind: ErrLocked, Cause: redact(err, secret)}
	default:
		return &Error{Op: op, Kind: ErrUnavailable, Cause: redact(err, secret)}
	}
}

// isLocked reports whether err is the Secret Service's way of saying its
// collection stayed locked. go-keyring asks it to unlock the collection
// before each call; when the user dismisses the prompt (or it fails),
// go-keyring says "failed to unlock correct collection", and a call on a
// locked item answers org.freedesktop.Secret.Error.IsLocked, whose text is
// the service's own (gnome-keyring: "Cannot get secret of a locked
// object"). Neither has a type to test for, so the text decides.
func isLocked(err error) bool {
	text := strings.ToLower(err.Error())
	return strings.Contains(text, "failed to unlock") || strings.Contains(text, "islocked") ||
		strings.Contains(text, "locked object") || strings.Contains(text, "is locked")
}

// redact returns err, or a plain copy of its text with secret cut out if the
// text contains it. The copy does not unwrap, so the secret cannot be reached
// through the chain either.
func redact(err error, secret string) error {
	text := err.Error()
	if secret == "" || !strings.Contains(text, secret) {
		return err
	}
	text = strings.ReplaceAll(text, secret, "[redacted]")
	if strings.Contains(text, secret) {
		// The replacement and its neighbours spell the secret again.
		return errors.New("keychain error withheld because it contained the key")
	}
	return errors.New(text)
}

// validKey reports whether key can be saved: one line of printable text, not
// blank, within maxKeyBytes.
func validKey(key string) bool {
	if strings.TrimSpace(key) == "" || len(key) > maxKeyBytes {
		return false
	}
	for _, r := range key {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// FromEnv returns the API key set in EnvVar, trimmed, and whether there is
// one. The app uses it for the current run only and never saves it.
func FromEnv() (string, bool) {
	key := strings.TrimSpace(os.Getenv(EnvVar))
	return key, key != ""
}
