package keychain

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
	"go.uber.org/goleak"
)

// canary is a key that must never show up in an error's text.
const canary = "rh-canary-5f3a9c1e7d"

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// dbus.SessionBus keeps one shared connection open for the process.
		goleak.IgnoreAnyFunction("github.com/godbus/dbus/v5.newConn.func1"),
		goleak.IgnoreAnyFunction("github.com/godbus/dbus/v5.(*Conn).inWorker"),
		goleak.IgnoreAnyFunction("github.com/godbus/dbus/v5.(*unixTransport).ReadMessage"),
		goleak.IgnoreAnyFunction("github.com/godbus/dbus/v5.(*defaultSignalHandler).DeliverSignal"),
	)
}

// mockInstalled records that go-keyring's provider has been replaced by its
// mock, which cannot be undone within the process.
var mockInstalled bool

// TestKeychain runs the real-keychain test before the mock tests, in that
// order and never in parallel: keyring.MockInit replaces go-keyring's global
// provider for the rest of the process.
func TestKeychain(t *testing.T) {
	t.Run("RealKeyring", testRealKeyring)
	if usesSessionBus {
		t.Run("NoSessionBus", testNoSessionBus)
	}
	t.Run("MockRoundTrip", testMockRoundTrip)
	t.Run("MockUnavailable", testMockUnavailable)
	t.Run("MockLocked", testMockLocked)
	t.Run("MockNotFound", testMockNotFound)
	t.Run("MockDataTooBig", testMockDataTooBig)
	t.Run("MockErrorNeverShowsKey", testMockErrorNeverShowsKey)
}

// testRealKeyring talks to a real Secret Service. `make test` (through
// .ci/with-keyring) provides one and sets REELHOUSE_TEST_KEYRING=1; from then
// on an unreachable keychain is a failure, not a reason to skip.
func testRealKeyring(t *testing.T) {
	if os.Getenv("REELHOUSE_TEST_KEYRING") != "1" {
		t.Skip("needs a real Secret Service: run `make test`, or `.ci/with-keyring go test ./client/keychain/`")
	}
	if mockInstalled {
		t.Skip("go-keyring's mock was installed earlier in this process (-count > 1?); the real keychain cannot be reached again")
	}

	k := New(WithService(testService(t)), WithTimeout(10*time.Second))
	ctx := t.Context()
	t.Cleanup(func() {
		if err := k.Delete(context.Background()); err != nil {
			t.Errorf("cleanup: Delete: %s", detail(err))
		}
	})

	if _, err := k.Load(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Load before Save: err = %s, want ErrNotFound", detail(err))
	}
	for _, key := range []string{
		canary,
		"sk-second-key-overwrites-the-first",
		"clé-ключ-鍵-🔑 with spaces",
	} {
		if err := k.Save(ctx, key); err != nil {
			t.Fatalf("Save(%q): %s", key, detail(err))
		}
		got, err := k.Load(ctx)
		if err != nil {
			t.Fatalf("Load after Save(%q): %s", key, detail(err))
		}
		if got != key {
			t.Fatalf("Load = %q, want %q", got, key)
		}
	}
	if err := k.Delete(ctx); err != nil {
		t.Fatalf("Delete: %s", detail(err))
	}
	if _, err := k.Load(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Load after Delete: err = %s, want ErrNotFound", detail(err))
	}
	if err := k.Delete(ctx); err != nil {
		t.Fatalf("Delete of a missing key: %s", detail(err))
	}
}

// detail returns err's text followed by its cause, which the text leaves out.
func detail(err error) string {
	var kerr *Error
	if errors.As(err, &kerr) && kerr.Cause != nil {
		return fmt.Sprintf("%v (cause: %v)", err, kerr.Cause)
	}
	return fmt.Sprint(err)
}

// testService returns a service name no real user has, so the test never
// reads or overwrites the user's own key.
func testService(t *testing.T) string {
	t.Helper()
	return "Reelhouse-test-" + rand.Text()[:12]
}

// useMock installs go-keyring's in-memory mock, failing every call with err
// when err is not nil, and returns a Keychain that reaches it. The mock
// replaces go-keyring itself, so that Keychain calls goKeyring without the
// session-bus guard (tested on its own), which would otherwise answer for
// it wherever the tests run without a session bus.
func useMock(t *testing.T, err error) *Keychain {
	mockInstalled = true
	if err == nil {
		keyring.MockInit()
	} else {
		keyring.MockInitWithError(err)
	}
	k := New(WithService(testService(t)))
	k.store = goKeyring{}
	return k
}

func testMockRoundTrip(t *testing.T) {
	k := useMock(t, nil)
	ctx := t.Context()

	if _, err := k.Load(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Load of empty keychain: err = %v, want ErrNotFound", err)
	}
	if err := k.Save(ctx, canary); err != nil {
		t.Fatalf("Save: %v", err)
	}
	if got, err := k.Load(ctx); err != nil || got != canary {
		t.Fatalf("Load = %q, %v; want %q, nil", got, err, canary)
	}
	if err := k.Delete(ctx); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if err := k.Delete(ctx); err != nil {
		t.Fatalf("Delete of a missing key: %v", err)
	}
	if _, err := k.Load(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Load after Delete: err = %v, want ErrNotFound", err)
	}
}

func testMockUnavailable(t *testing.T) {
	cause := errors.New("org.freedesktop.DBus.Error.ServiceUnknown: The name org.freedesktop.secrets was not provided")
	k := useMock(t, cause)
	ctx := t.Context()

	_, loadErr := k.Load(ctx)
	for name, err := range map[string]error{
		"Load":   loadErr,
		"Save":   k.Save(ctx, canary),
		"Delete": k.Delete(ctx),
	} {
		if !errors.Is(err, ErrUnavailable) {
			t.Errorf("%s: err = %v, want ErrUnavailable", name, err)
		}
		if errors.Is(err, ErrNotFound) {
			t.Errorf("%s: a keychain failure reads as ErrNotFound", name)
		}
		if !errors.Is(err, cause) {
			t.Errorf("%s: the cause is not wrapped: %v", name, err)
		}
		if err != nil && (!strings.HasPrefix(err.Error(), "keychain: ") || !strings.Contains(err.Error(), cause.Error())) {
			t.Errorf("%s: text = %q, want the keychain's kind and the cause", name, err)
		}
		var kerr *Error
		if !errors.As(err, &kerr) || kerr.Cause != cause {
			t.Errorf("%s: errors.As(*Error) does not give the cause: %#v", name, err)
		}
	}
}

// testMockLocked checks that what the Secret Service says about a
// collection that stays locked comes back as ErrLocked (which is also
// ErrUnavailable), with the service's words kept as the cause for the log.
func testMockLocked(t *testing.T) {
	for _, cause := range []error{
		// go-keyring, when the unlock prompt is dismissed or fails.
		errors.New("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'"),
		// gnome-keyring's org.freedesktop.Secret.Error.IsLocked.
		errors.New("Cannot get secret of a locked object"),
	} {
		k := useMock(t, cause)
		ctx := t.Context()
		_, loadErr := k.Load(ctx)
		for name, err := range map[string]error{
			"Load":   loadErr,
			"Save":   k.Save(ctx, canary),
			"Delete": k.Delete(ctx),
		} {
			if !errors.Is(err, ErrLocked) || !errors.Is(err, ErrUnavailable) {
				t.Errorf("%s (%q): err = %v, want ErrLocked and ErrUnavailable", name, cause, err)
			}
			if !errors.Is(err, cause) {
				t.Errorf("%s: the cause is not kept: %v", name, err)
			}
		}
	}
	// Other failures stay plain ErrUnavailable.
	k := useMock(t, errors.New("org.freedesktop.DBus.Error.ServiceUnknown"))
	if _, err := k.Load(t.Context()); errors.Is(err, ErrLocked) {
		t.Errorf("Load: err = %v reads as locked", err)
	}
}

func testMockNotFound(t *testing.T) {
	k := useMock(t, keyring.ErrNotFound)
	ctx := t.Context()

	if _, err := k.Load(ctx); !errors.Is(err, ErrNotFound) {
		t.Errorf("Load: err = %v, want ErrNotFound", err)
	}
	if err := k.Delete(ctx); err != nil {
		t.Errorf("Delete: err = %v, want nil", err)
	}
	if err := k.Save(ctx, canary); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Save: err = %v, want ErrUnavailable", err)
	}
}

func testMockDataTooBig(t *testing.T) {
	k := useMock(t, keyring.ErrSetDataTooBig)
	if err := k.Save(t.Context(), canary); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("Save: err = %v, want ErrInvalidKey", err)
	}
}

func testMockErrorNeverShowsKey(t *testing.T) {
	// A keychain whose own error message repeats the secret it was given.
	k := useMock(t, fmt.Errorf("cannot store secret %q for Reelhouse", canary))

	err := k.Save(t.Context(), canary)
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Save: err = %v, want ErrUnavailable", err)
	}
	assertNoKey(t, err, canary)
}

// assertNoKey fails if key appears in the text of err or anything it wraps.
func assertNoKey(t *testing.T, err error, key string) {
	t.Helper()
	var walk func(error)
	walk = func(err error) {
		if err == nil {
			return
		}
		if strings.Contains(err.Error(), key) {
			t.Errorf("error text contains the key: %s", err)
		}
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			walk(u.Unwrap())
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				walk(e)
			}
		}
	}
	walk(err)
}

// hangingStore is a keychain that answers only once release is closed, like
// a Secret Service waiting on a password prompt nobody sees.
type hangingStore struct{ release chan struct{} }

func newHangingStore(t *testing.T) hangingStore {
	h := hangingStore{release: make(chan struct{})}
	// Let the abandoned goroutines finish so goleak sees none left over.
	t.Cleanup(func() { close(h.release) })
	return h
}

func (h hangingStore) Get(string, string) (string, error) { <-h.release; return canary, nil }
func (h hangingStore) Set(string, string, string) error   { <-h.release; return nil }
func (h hangingStore) Delete(string, string) error        { <-h.release; return nil }

func TestTimeout(t *testing.T) {
	t.Parallel()
	const timeout = 100 * time.Millisecond
	k := New(WithTimeout(timeout))
	k.store = newHangingStore(t)
	ctx := t.Context()

	calls := map[string]func() error{
		"Load":   func() error { _, err := k.Load(ctx); return err },
		"Save":   func() error { return k.Save(ctx, canary) },
		"Delete": func() error { return k.Delete(ctx) },
	}
	for name, call := range calls {
		start := time.Now()
		err := call()
		elapsed := time.Since(start)
		if !errors.Is(err, ErrTimeout) {
			t.Errorf("%s: err = %v, want ErrTimeout", name, err)
		}
		if errors.Is(err, ErrNotFound) {
			t.Errorf("%s: a timeout reads as ErrNotFound", name)
		}
		if op := strings.ToLower(name); err != nil && !strings.HasPrefix(err.Error(), "keychain: "+op+": ") {
			t.Errorf("%s: text = %q, want it to name the operation", name, err)
		}
		if elapsed < timeout || elapsed > timeout+2*time.Second {
			t.Errorf("%s returned after %v, want about %v", name, elapsed, timeout)
		}
		assertNoKey(t, err, canary)
	}
}

func TestContextCancelled(t *testing.T) {
	t.Parallel()
	k := New(WithTimeout(time.Minute))
	k.store = newHangingStore(t)

	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := k.Load(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Load: err = %v, want context.Canceled", err)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("Load returned %v after cancel, want promptly", elapsed)
	}

	// An already-cancelled context does not reach the keychain at all.
	if err := k.Save(ctx, canary); !errors.Is(err, context.Canceled) {
		t.Errorf("Save with cancelled ctx: err = %v, want context.Canceled", err)
	}
}

func TestContextDeadline(t *testing.T) {
	t.Parallel()
	k := New(WithTimeout(time.Minute))
	k.store = newHangingStore(t)

	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := k.Delete(ctx)
	if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Delete: err = %v, want ErrTimeout wrapping context.DeadlineExceeded", err)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("Delete returned after %v, want about 50ms", elapsed)
	}
}

// recordingStore remembers the secrets it was asked to store.
type recordingStore struct{ saved []string }

func (r *recordingStore) Get(string, string) (string, error) { return "", keyring.ErrNotFound }
func (r *recordingStore) Set(_, _, secret string) error {
	r.saved = append(r.saved, secret)
	return nil
}
func (r *recordingStore) Delete(string, string) error { return nil }

func TestSaveRejectsInvalidKey(t *testing.T) {
	t.Parallel()
	for name, key := range map[string]string{
		"empty":          "",
		"blank":          " \t ",
		"newline":        canary + "\n",
		"two lines":      canary + "\n" + canary,
		"carriage":       canary + "\r",
		"nul":            canary + "\x00",
		"overlong":       strings.Repeat("k", maxKeyBytes+1),
		"overlong bytes": strings.Repeat("鍵", maxKeyBytes/3+1),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			store := &recordingStore{}
			k := New()
			k.store = store
			err := k.Save(t.Context(), key)
			if !errors.Is(err, ErrInvalidKey) {
				t.Errorf("err = %v, want ErrInvalidKey", err)
			}
			if len(store.saved) != 0 {
				t.Errorf("an invalid key reached the keychain")
			}
			if visible := strings.TrimSpace(key); visible != "" {
				assertNoKey(t, err, visible)
			}
		})
	}
}

func TestSaveAcceptsKey(t *testing.T) {
	t.Parallel()
	for _, key := range []string{canary, "clé 🔑 鍵", strings.Repeat("k", maxKeyBytes)} {
		store := &recordingStore{}
		k := New()
		k.store = store
		if err := k.Save(t.Context(), key); err != nil {
			t.Errorf("Save(%.20q…): %v", key, err)
		}
		if len(store.saved) != 1 || store.saved[0] != key {
			t.Errorf("Save(%.20q…) stored %q", key, store.saved)
		}
	}
}

func TestOptions(t *testing.T) {
	t.Parallel()
	k := New()
	if k.service != Service || k.timeout != DefaultTimeout {
		t.Errorf("defaults = %q, %v; want %q, %v", k.service, k.timeout, Service, DefaultTimeout)
	}
	k = New(WithService("Other"), WithTimeout(time.Second))
	if k.service != "Other" || k.timeout != time.Second {
		t.Errorf("with options = %q, %v; want Other, 1s", k.service, k.timeout)
	}
	k = New(WithService(""), WithTimeout(0), WithTimeout(-time.Second))
	if k.service != Service || k.timeout != DefaultTimeout {
		t.Errorf("empty options = %q, %v; want the defaults", k.service, k.timeout)
	}
}

// TestErrorTexts: error texts follow Go's conventions (lower case, no
// closing punctuation) and say which operation failed; the sentence a person
// reads is written by the app, not here.
func TestErrorTexts(t *testing.T) {
	t.Parallel()
	cause := errors.New("org.freedesktop.DBus.Error.ServiceUnknown")
	for _, err := range []error{
		ErrNotFound, ErrUnavailable, ErrLocked, ErrNoSessionBus, ErrTimeout, ErrInvalidKey,
		&Error{Op: "save", Kind: ErrUnavailable, Cause: cause},
		&Error{Op: "load", Kind: ErrTimeout, Cause: context.DeadlineExceeded},
	} {
		text := err.Error()
		if !strings.HasPrefix(text, "keychain: ") || strings.HasSuffix(text, ".") {
			t.Errorf("%q does not read like a Go error", text)
		}
	}
	err := &Error{Op: "save", Kind: ErrNoSessionBus}
	if got, want := err.Error(), "keychain: save: no d-bus session bus"; got != want {
		t.Errorf("text = %q, want %q", got, want)
	}
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, ErrNoSessionBus) {
		t.Errorf("%v does not match ErrNoSessionBus and ErrUnavailable", err)
	}
}

func TestFromEnv(t *testing.T) {
	// t.Setenv rules out t.Parallel.
	for _, tc := range []struct {
		value  string
		want   string
		wantOK bool
	}{
		{"", "", false},
		{"   \n", "", false},
		{"  sk-abc \n", "sk-abc", true},
		{"clé-🔑", "clé-🔑", true},
	} {
		t.Setenv(EnvVar, tc.value)
		got, ok := FromEnv()
		if got != tc.want || ok != tc.wantOK {
			t.Errorf("FromEnv with %q = %q, %v; want %q, %v", tc.value, got, ok, tc.want, tc.wantOK)
		}
	}
}

// failingStore records what it is asked to store and then fails with an error
// that quotes the secret, as a careless keychain might.
type failingStore struct{ saved []string }

func (f *failingStore) Get(string, string) (string, error) { return "", keyring.ErrNotFound }
func (f *failingStore) Set(_, _, secret string) error {
	f.saved = append(f.saved, secret)
	return fmt.Errorf("cannot store %s (%q)", secret, secret)
}
func (f *failingStore) Delete(string, string) error { return nil }

func FuzzSave(f *testing.F) {
	for _, seed := range []string{canary, "", " ", "a\nb", "clé 🔑 鍵", "]]", "[redacted]", `\`, ` "`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, key string) {
		store := &failingStore{}
		k := New()
		k.store = store
		err := k.Save(context.Background(), key)

		if validKey(key) {
			if !errors.Is(err, ErrUnavailable) {
				t.Fatalf("Save of a valid key to a failing keychain: err = %v, want ErrUnavailable", err)
			}
			if len(store.saved) != 1 || store.saved[0] != key {
				t.Fatalf("stored %q, want exactly the key", store.saved)
			}
		} else {
			if !errors.Is(err, ErrInvalidKey) {
				t.Fatalf("Save of an invalid key: err = %v, want ErrInvalidKey", err)
			}
			if len(store.saved) != 0 {
				t.Fatalf("an invalid key reached the keychain")
			}
		}

		// A key that is part of our own texts proves nothing; any other key
		// must be absent from every error text.
		ours := "keychain: save: unavailable: " + ErrInvalidKey.Error() +
			`cannot store [redacted] ("[redacted]")` +
			"keychain error withheld because it contained the key"
		if strings.Contains(ours, key) {
			t.Skip("the key is part of our own error texts")
		}
		assertNoKey(t, err, key)
	})
}
