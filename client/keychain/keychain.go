// Package keychain keeps the user's Reelhouse API key in the operating
// system's keychain (Secret Service on Linux, Keychain on macOS, Credential
// Manager on Windows) through go-keyring.
//
// Every call runs with a time limit because a keychain can hang: a locked
// collection may wait for a password prompt nobody sees, and a broken D-Bus
// session may never answer. Failures come back as ErrUnavailable or
// ErrTimeout, never as ErrNotFound, so the app never mistakes a keychain it
// cannot reach for a user who has no key. The key itself never appears in an
// error. Calls block, so callers must not make them on the UI goroutine.
package keychain

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
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

// DefaultTimeout is how long a call waits for the keychain unless WithTimeout
// says otherwise.
const DefaultTimeout = 5 * time.Second

// maxKeyBytes keeps keys within what every platform's keychain accepts
// (Windows limits a secret to 2560 bytes).
const maxKeyBytes = 2048

// sentence is an error whose text is a complete sentence meant for the user,
// which is why it is capitalised and punctuated unlike most Go errors.
type sentence string

func (s sentence) Error() string { return string(s) }

// Errors returned by Keychain methods; test for them with errors.Is.
var (
	// ErrNotFound means the keychain answered and holds no API key.
	ErrNotFound error = sentence("No API key is saved in the system keychain.")

	// ErrUnavailable means the keychain could not be used: no Secret Service
	// is running, the keychain is locked, or D-Bus failed.
	ErrUnavailable error = sentence("The system keychain is not available, so Reelhouse cannot read or store your API key safely. You can still use a key for this session only.")

	// ErrTimeout means the keychain did not answer within the time limit.
	ErrTimeout error = sentence("The system keychain did not answer in time. It may be locked or waiting for a password; unlock it and try again, or use a key for this session only.")

	// ErrInvalidKey means Save was given something that cannot be an API key.
	ErrInvalidKey error = sentence("An API key must be one line of text, not empty and not unusually long. Check that you copied only the key.")
)

// Error is a keychain failure. Its text is the sentence of Kind, fit to show
// the user; Cause holds what went wrong underneath, for the log.
type Error struct {
	// Kind is ErrUnavailable, ErrTimeout or ErrInvalidKey.
	Kind error
	// Cause is the underlying failure; it may be nil.
	Cause error
}

// Error returns the user-facing sentence of e.Kind.
func (e *Error) Error() string { return e.Kind.Error() }

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

// Keychain stores one API key in the system keychain. It is safe for
// concurrent use; calls reach the keychain one at a time, so a late answer to
// an abandoned Save cannot overwrite a newer one.
type Keychain struct {
	service string
	timeout time.Duration
	store   backend

	mu sync.Mutex // serialises calls into store
}

// Option changes how New builds a Keychain.
type Option func(*Keychain)

// WithTimeout sets how long each call waits for the keychain. A zero or
// negative d keeps DefaultTimeout.
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
	k := &Keychain{service: Service, timeout: DefaultTimeout, store: goKeyring{}}
	for _, opt := range opts {
		opt(k)
	}
	return k
}

// Load returns the saved API key. It returns an error matching ErrNotFound
// when none is saved, ErrUnavailable or ErrTimeout when the keychain fails
// (ErrTimeout also when ctx's deadline passes), and context.Canceled when ctx
// is cancelled first.
func (k *Keychain) Load(ctx context.Context) (string, error) {
	var key string
	err := k.call(ctx, "", func(s backend) error {
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
// ErrTimeout when the keychain fails or ctx's deadline passes, and
// context.Canceled when ctx is cancelled first.
func (k *Keychain) Save(ctx context.Context, key string) error {
	if !validKey(key) {
		return &Error{Kind: ErrInvalidKey}
	}
	err := k.call(ctx, key, func(s backend) error {
		return s.Set(k.service, User, key)
	})
	if errors.Is(err, ErrNotFound) {
		// Some keychains report a missing collection as "not found"; for a
		// write that means the keychain cannot be used.
		return &Error{Kind: ErrUnavailable, Cause: err}
	}
	return err
}

// Delete removes the saved key. Deleting a key that is not there succeeds;
// other failures are reported as for Save.
func (k *Keychain) Delete(ctx context.Context) error {
	err := k.call(ctx, "", func(s backend) error {
		return s.Delete(k.service, User)
	})
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// call runs op against the keychain in its own goroutine and waits for it, for
// ctx, or for the timeout, whichever comes first. When the wait ends early the
// goroutine keeps running until the keychain answers (go-keyring calls cannot
// be cancelled); its result is then dropped. secret, if not empty, is removed
// from any error text.
func (k *Keychain) call(ctx context.Context, secret string, op func(backend) error) error {
	if ctx.Err() != nil {
		return ended(ctx)
	}
	timer := time.NewTimer(k.timeout)
	defer timer.Stop()

	done := make(chan error, 1) // buffered: an abandoned goroutine must not block
	go func() {
		k.mu.Lock()
		defer k.mu.Unlock()
		done <- op(k.store)
	}()

	select {
	case err := <-done:
		return classify(err, secret)
	case <-ctx.Done():
		return ended(ctx)
	case <-timer.C:
		return &Error{Kind: ErrTimeout, Cause: context.DeadlineExceeded}
	}
}

// ended reports why ctx ended: a passed deadline is a timeout like our own,
// and still matches context.DeadlineExceeded; a cancellation is ctx.Err() as is.
func ended(ctx context.Context) error {
	err := ctx.Err()
	if errors.Is(err, context.DeadlineExceeded) {
		return &Error{Kind: ErrTimeout, Cause: err}
	}
	return err
}

// classify turns a go-keyring error into one of ours.
func classify(err error, secret string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, keyring.ErrNotFound):
		return ErrNotFound
	case errors.Is(err, keyring.ErrSetDataTooBig):
		return &Error{Kind: ErrInvalidKey, Cause: redact(err, secret)}
	default:
		return &Error{Kind: ErrUnavailable, Cause: redact(err, secret)}
	}
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
