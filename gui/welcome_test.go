package gui

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"github.com/zalando/go-keyring"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/client/keychain"
	"github.com/reelhouse/reelhouse/history"
)

// fakeKeys is a keychain that has no key yet, and records what is saved.
type fakeKeys struct {
	mu      sync.Mutex
	saved   string
	saveErr error // returned by Save instead of saving, when set
}

func (k *fakeKeys) Load(context.Context) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.saved == "" {
		return "", keychain.ErrNotFound
	}
	return k.saved, nil
}

func (k *fakeKeys) Save(_ context.Context, key string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.saveErr != nil {
		return k.saveErr
	}
	k.saved = key
	return nil
}

func (k *fakeKeys) Delete(context.Context) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.saved = ""
	return nil
}

func (k *fakeKeys) key() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.saved
}

// failingKeys is a keychain whose every call fails with err.
type failingKeys struct{ err error }

func (k failingKeys) Load(context.Context) (string, error) { return "", k.err }
func (k failingKeys) Save(context.Context, string) error   { return k.err }
func (k failingKeys) Delete(context.Context) error         { return k.err }

// mockKeychain is the real keychain wrapper in front of go-keyring's mock,
// failing every call with err when err is not nil. The mock stands in for
// go-keyring itself, so the session-bus guard is told a bus is there.
func mockKeychain(t *testing.T, err error) *keychain.Keychain {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
	if err == nil {
		keyring.MockInit()
	} else {
		keyring.MockInitWithError(err)
	}
	return keychain.New(keychain.WithService("Reelhouse-gui-test"))
}

// shownTexts gathers the texts of the visible labels and buttons in a tree
// of objects, whole (a rendering splits wrapped text into lines).
func shownTexts(o fyne.CanvasObject) []string {
	if o == nil || !o.Visible() {
		return nil
	}
	switch x := o.(type) {
	case *widget.Label:
		return []string{x.Text}
	case *widget.Button:
		return []string{x.Text}
	case *fyne.Container:
		var texts []string
		for _, c := range x.Objects {
			texts = append(texts, shownTexts(c)...)
		}
		return texts
	case fyne.Widget:
		var texts []string
		for _, c := range test.WidgetRenderer(x).Objects() {
			texts = append(texts, shownTexts(c)...)
		}
		return texts
	}
	return nil
}

// welcomeShown waits for the welcome and returns it.
func welcomeShown(t *testing.T, h *harness) *welcomeView {
	t.Helper()
	h.loop.until(t, "the welcome", func() bool { return h.ui.welcome != nil })
	return h.ui.welcome
}

// serviceTakesClientKey reports whether the service accepts the key the
// client sends now (a made-up task is not found rather than refused).
func serviceTakesClientKey(t *testing.T, h *harness) bool {
	t.Helper()
	_, err := h.deps.Client.Task(t.Context(), keyCheckTaskID)
	return client.IsNotFound(err)
}

func TestFirstRunShowsWelcome(t *testing.T) {
	h := newHarness(t, &fakeKeys{}, false)
	v := welcomeShown(t, h)
	win := h.ui.keys.welcomeParent()
	win.Resize(fyne.NewSize(1366, 768))
	capture(t, win, "welcome")
	said := shownTexts(win.Canvas().Overlays().Top())
	for _, want := range []string{"Try the demo (no account, nothing is kept)", "I have an API key"} {
		if !slices.Contains(said, want) {
			t.Errorf("the welcome does not offer %q: %q", want, said)
		}
	}
	if !v.keyPane.Hidden {
		t.Error("the key form shows before the user chose it")
	}
	test.Tap(v.haveKey)
	capture(t, win, "welcome-key")
	said = shownTexts(win.Canvas().Overlays().Top())
	for _, want := range []string{textKeyWhat, "Check and save", "Change…", libraryText(h.deps.Library.Dir())} {
		if !slices.Contains(said, want) {
			t.Errorf("the key form does not show %q: %q", want, said)
		}
	}
	if strings.Contains(h.ui.settings.keyNote.Text, "refused") {
		t.Errorf("Settings says %q before any key was sent", h.ui.settings.keyNote.Text)
	}
}

func TestWelcomeDemoRestartsInDemoMode(t *testing.T) {
	h := newHarness(t, &fakeKeys{}, false)
	v := welcomeShown(t, h)
	calls, quits := 0, 0
	h.ui.startDemo = func(string) error { calls++; return nil }
	h.ui.SetOnQuit(func() { quits++ })
	test.Tap(v.demo)
	if calls != 1 {
		t.Fatalf("the demo was started %d times, want 1", calls)
	}
	if quits != 1 {
		t.Errorf("starting the demo quit %d times through the app's own quit, want 1", quits)
	}
	if h.ui.welcome != nil {
		t.Error("the welcome is still open after starting the demo")
	}

	// When Reelhouse cannot start itself, it says how to.
	h.ui.keys.showWelcome(h.ui.keys.welcomeParent())
	v = h.ui.welcome
	h.ui.startDemo = func(string) error { return errors.New("exec: not found") }
	test.Tap(v.demo)
	if !strings.Contains(v.status.Text, "reelhouse --demo") {
		t.Errorf("status = %q, want how to start the demo", v.status.Text)
	}
}

func TestWelcomeChecksKeyBeforeSaving(t *testing.T) {
	keys := &fakeKeys{}
	h := newHarness(t, keys, false)
	v := welcomeShown(t, h)
	test.Tap(v.haveKey)

	test.Type(v.key, "sk-not-the-right-one")
	test.Tap(v.check)
	h.loop.until(t, "the refusal", func() bool { return v.status.Text != textKeyChecking })
	if v.status.Text != textKeyRefused {
		t.Errorf("status = %q, want %q", v.status.Text, textKeyRefused)
	}
	if keys.key() != "" || h.deps.Client.HasAPIKey() {
		t.Errorf("a refused key was kept: saved %q, client has key %v", keys.key(), h.deps.Client.HasAPIKey())
	}

	v.key.SetText("")
	test.Type(v.key, h.sim.Key())
	test.Tap(v.check)
	h.loop.until(t, "the welcome to close", func() bool { return h.ui.welcome == nil })
	if keys.key() != h.sim.Key() || !serviceTakesClientKey(t, h) {
		t.Errorf("saved %q; the client's key works: %v", keys.key(), serviceTakesClientKey(t, h))
	}
	if h.ui.settings.keyNote.Text != textKeyStored {
		t.Errorf("Settings says %q", h.ui.settings.keyNote.Text)
	}
	h.downloadOne(t, "with my new key") // the key works end to end
	if strings.Contains(test.RenderToMarkup(h.ui.settings.win.Canvas()), h.sim.Key()) {
		t.Error("the settings window shows the key in clear text")
	}
}

func TestKeychainUnavailableKeepsKeyForSessionAndAsksOnce(t *testing.T) {
	keys := mockKeychain(t, errors.New("org.freedesktop.DBus.Error.ServiceUnknown: The name org.freedesktop.secrets was not provided"))
	h := newHarness(t, keys, false)
	v := welcomeShown(t, h)
	win := h.ui.keys.welcomeParent()
	// The first choice says nothing of the keychain: it matters to a key
	// only.
	said := strings.Join(shownTexts(win.Canvas().Overlays().Top()), "\n")
	if strings.Contains(said, "keychain") {
		t.Errorf("the welcome's first choice speaks of the keychain:\n%s", said)
	}
	if !strings.Contains(v.problem.Text, "GNOME Keyring") {
		t.Errorf("no way to fix it is given: %q", v.problem.Text)
	}
	test.Tap(v.haveKey)
	said = strings.Join(shownTexts(win.Canvas().Overlays().Top()), "\n")
	if n := strings.Count(said, "kept only until Reelhouse closes"); n != 1 {
		t.Errorf("the welcome says %d times that the key is kept only until Reelhouse closes, want once:\n%s", n, said)
	}
	if strings.Contains(said, "keeps it in your system's keychain") {
		t.Errorf("the welcome says both that the key is kept only until Reelhouse closes and that it is kept in the keychain:\n%s", said)
	}
	test.Type(v.key, h.sim.Key())
	test.Tap(v.check)
	h.loop.until(t, "the welcome to close", func() bool { return h.ui.welcome == nil })
	if !serviceTakesClientKey(t, h) {
		t.Error("the key is not in use for this session")
	}
	if h.ui.settings.keyNote.Text != textKeySession {
		t.Errorf("Settings says %q", h.ui.settings.keyNote.Text)
	}
	for _, w := range []fyne.Window{win, h.ui.settings.win} {
		if n := len(w.Canvas().Overlays().List()); n != 0 {
			t.Errorf("%d more dialogs ask again: %s", n, overlayText(w))
		}
	}

	// Removing the key opens the welcome again: it still knows there is
	// no keychain.
	s := h.ui.settings
	test.Tap(s.removeKey)
	test.Tap(findButton(s.win.Canvas().Overlays().Top(), "Remove key"))
	h.loop.until(t, "the welcome again", func() bool { return h.ui.welcome != nil })
	v = h.ui.welcome
	test.Tap(v.haveKey)
	said = strings.Join(shownTexts(win.Canvas().Overlays().Top()), "\n")
	if strings.Count(said, "kept only until Reelhouse closes") != 1 || strings.Contains(said, "keeps it in your system's keychain") {
		t.Errorf("after the key was removed, the welcome says:\n%s", said)
	}
}

func TestKeychainThatCannotSaveKeepsKeyForSession(t *testing.T) {
	keys := &fakeKeys{saveErr: &keychain.Error{Op: "save", Kind: keychain.ErrUnavailable, Cause: errors.New("no secret service")}}
	h := newHarness(t, keys, false)
	v := welcomeShown(t, h)
	test.Tap(v.haveKey)
	test.Type(v.key, h.sim.Key())
	test.Tap(v.check)
	h.loop.until(t, "the outcome", func() bool { return v.later.Text == "Start" })
	if !strings.Contains(v.status.Text, "kept only until Reelhouse closes") || !strings.Contains(v.status.Text, "KWallet") {
		t.Errorf("status = %q", v.status.Text)
	}
	if !serviceTakesClientKey(t, h) {
		t.Error("the key is not in use for this session")
	}
	test.Tap(v.later)
	if h.ui.welcome != nil || len(h.ui.settings.win.Canvas().Overlays().List()) != 0 {
		t.Error("the key is asked for again")
	}
}

func TestMissingKeyIsNeverCalledRefused(t *testing.T) {
	h := newHarness(t, &fakeKeys{}, false)
	v := welcomeShown(t, h)
	v.close()
	// Nothing is sent without a key, but the tracker stops as for a refusal.
	if _, err := h.deps.Tracker.Submit(t.Context(), client.CreateRequest{Model: "m", Prompt: "no key yet"}); err == nil {
		t.Fatal("Submit without a key succeeded")
	}
	h.loop.until(t, "the tracker to stop", func() bool { return h.ui.settings.keyNote.Text != textKeyNone })
	s := h.ui.settings
	for _, text := range []string{s.keyNote.Text, s.status.Text, overlayText(s.win)} {
		if strings.Contains(text, "refused") {
			t.Errorf("Settings says %q although no key was sent", text)
		}
	}
	if s.keyNote.Text != textNoKeyPaused {
		t.Errorf("key note = %q, want %q", s.keyNote.Text, textNoKeyPaused)
	}
	if h.ui.welcome == nil {
		t.Error("the welcome is not offered again")
	}
}

func TestSettingsReplacesKeySavedAfterRefusal(t *testing.T) {
	keys := &fakeKeys{}
	h := newHarness(t, keys, false)
	welcomeShown(t, h).close()
	s := h.ui.settings
	test.Type(s.key, h.sim.Key())
	test.Tap(s.saveKey)
	h.loop.until(t, "the key to be saved", func() bool { return s.status.Text == textKeySaved })
	if s.status.Importance == widget.DangerImportance || s.status.details.Visible() {
		t.Error(`"Key saved." is shown as a failure`)
	}

	s.key.SetText("")
	test.Type(s.key, "sk-typo")
	test.Tap(s.saveKey)
	h.loop.until(t, "the check", func() bool { return s.status.Text != textKeyChecking })
	if s.status.Text != textKeyRefused || s.status.Importance != widget.DangerImportance {
		t.Errorf("status = %q (importance %v), want %q as a failure", s.status.Text, s.status.Importance, textKeyRefused)
	}
	if keys.key() != h.sim.Key() || !serviceTakesClientKey(t, h) {
		t.Errorf("the refused key replaced the working one (saved %q)", keys.key())
	}

	// A refusal found while polling also clears the status.
	s.status.SetText(textKeySaved)
	h.ui.apply(history.Event{Kind: history.EventKeyRefused, Message: "The service refused the API key."})
	if s.status.Text == textKeySaved {
		t.Error(`"Key saved." stays on screen after a refusal`)
	}
}

func TestSettingsRemovesKey(t *testing.T) {
	keys := &fakeKeys{}
	h := newHarness(t, keys, false)
	keys.Save(t.Context(), h.sim.Key())
	s := h.ui.settings
	h.ui.background(h.ui.keys.loadKey)
	h.loop.until(t, "the key", func() bool { return h.deps.Client.HasAPIKey() && !s.removeKey.Disabled() })
	if w := h.ui.welcome; w != nil {
		w.close()
	}

	test.Tap(s.removeKey)
	if !strings.Contains(overlayText(s.win), "Remove the API key?") {
		t.Fatalf("no confirmation: %s", overlayText(s.win))
	}
	keep := findButton(s.win.Canvas().Overlays().Top(), "Keep key")
	test.Tap(keep)
	if keys.key() == "" || !h.deps.Client.HasAPIKey() {
		t.Fatal("the key went although the user kept it")
	}

	test.Tap(s.removeKey)
	test.Tap(findButton(s.win.Canvas().Overlays().Top(), "Remove key"))
	h.loop.until(t, "the key to go", func() bool { return s.status.Text == "Key removed." })
	if keys.key() != "" || h.deps.Client.HasAPIKey() || s.key.Text != "" {
		t.Errorf("key left behind: saved %q, client has key %v", keys.key(), h.deps.Client.HasAPIKey())
	}
	if h.ui.welcome == nil {
		t.Error("the welcome is not offered again")
	}
}

func TestLockedKeychainSaysLockedAndTriesAgain(t *testing.T) {
	keys := mockKeychain(t, errors.New("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'"))
	h := newHarness(t, keys, false)
	v := welcomeShown(t, h)
	s := h.ui.settings
	for _, text := range []string{s.keyNote.Text, v.problem.Text} {
		if !strings.Contains(text, "locked") || strings.Contains(text, "not available") || strings.Contains(text, "no keychain") {
			t.Errorf("says %q, want that the keychain is locked", text)
		}
	}
	if s.retryKey.Hidden || v.retry.Hidden {
		t.Error("no Try again")
	}

	// Still locked: the cause goes to the log, not to the user.
	var logged bytes.Buffer
	h.ui.deps.Log = slog.New(slog.NewTextHandler(&logged, nil))
	test.Tap(s.retryKey)
	h.loop.until(t, "the second answer", func() bool { return h.ui.welcome != v })
	if !strings.Contains(logged.String(), "failed to unlock") {
		t.Errorf("log = %q, want the keychain's cause", logged.String())
	}

	// The user unlocks the keychain; Try again reads the key.
	keyring.MockInit()
	if err := keyring.Set("Reelhouse-gui-test", keychain.User, h.sim.Key()); err != nil {
		t.Fatal(err)
	}
	test.Tap(h.ui.welcome.retry)
	h.loop.until(t, "the key", func() bool { return h.ui.welcome == nil })
	if !serviceTakesClientKey(t, h) || s.keyNote.Text != textKeyStored || !s.retryKey.Hidden {
		t.Errorf("after unlocking: note %q, Try again hidden %v", s.keyNote.Text, s.retryKey.Hidden)
	}
}

func TestEnsureKeyReadsKeychainUnlockedSinceStart(t *testing.T) {
	keys := mockKeychain(t, errors.New("Cannot get secret of a locked object"))
	h := newHarness(t, keys, false)
	welcomeShown(t, h).close()
	if h.ui.keys.ensureKey(t.Context()) {
		t.Fatal("ensureKey found a key in a locked keychain")
	}
	keyring.MockInit()
	if err := keyring.Set("Reelhouse-gui-test", keychain.User, h.sim.Key()); err != nil {
		t.Fatal(err)
	}
	if !h.ui.keys.ensureKey(t.Context()) || !serviceTakesClientKey(t, h) {
		t.Error("ensureKey did not load the key")
	}
}

func TestKeychainTimeoutSaysItDidNotUnlock(t *testing.T) {
	err := &keychain.Error{Op: "load", Kind: keychain.ErrTimeout, Cause: context.DeadlineExceeded}
	h := newHarness(t, failingKeys{err}, false)
	v := welcomeShown(t, h)
	for _, text := range []string{v.problem.Text, h.ui.settings.keyNote.Text, errText(err), keychainSaveText(err)} {
		if !strings.Contains(text, "did not unlock") || strings.Contains(text, "connection") {
			t.Errorf("says %q, want that the keychain did not unlock", text)
		}
	}
}

func TestDemoBannerAndQuitConfirmation(t *testing.T) {
	h := newHarness(t, nil, true)
	if h.ui.mainWin.demoBanner().Visible() {
		t.Error("a banner shows outside demo mode")
	}
	quits := 0
	h.ui.mainWin.confirmQuit(h.ui.keys.welcomeParent(), func() { quits++ })
	if quits != 1 {
		t.Fatalf("quit called %d times outside demo mode, want 1", quits)
	}

	h.ui.deps.KeySource = KeyFromDemo
	banner := h.ui.mainWin.demoBanner()
	if texts := shownTexts(banner); !banner.Visible() || !slices.Contains(texts, textDemoBanner) {
		t.Errorf("banner says %q", texts)
	}
	// An empty demo quits without asking.
	h.ui.mainWin.confirmQuit(h.ui.keys.welcomeParent(), func() { quits++ })
	h.loop.until(t, "quit", func() bool { return quits == 2 })

	if _, err := h.deps.Tracker.Submit(t.Context(), client.CreateRequest{Model: "m", Prompt: "a sample"}); err != nil {
		t.Fatal(err)
	}
	win := h.ui.keys.welcomeParent()
	h.ui.mainWin.confirmQuit(win, func() { quits++ })
	h.loop.until(t, "the question", func() bool { return len(win.Canvas().Overlays().List()) > 0 })
	if quits != 2 || !strings.Contains(overlayText(win), "deleted when Reelhouse closes") {
		t.Fatalf("quit %d times; dialog: %s", quits, overlayText(win))
	}
	test.Tap(findButton(win.Canvas().Overlays().Top(), "Keep the demo open"))
	if quits != 2 {
		t.Error("quit although the user kept the demo open")
	}
	h.ui.mainWin.confirmQuit(win, func() { quits++ })
	h.loop.until(t, "the question", func() bool { return len(win.Canvas().Overlays().List()) > 0 })
	test.Tap(findButton(win.Canvas().Overlays().Top(), "Quit and delete"))
	if quits != 3 {
		t.Error("did not quit after the user agreed")
	}
}

// TestWelcomeKeyCheckFailureHasDetails: a key that cannot be checked
// because the service cannot be reached is said as a failure, with the
// connection's own words under "Details" and never the key.
func TestWelcomeKeyCheckFailureHasDetails(t *testing.T) {
	h := newHarness(t, &fakeKeys{}, false)
	v := welcomeShown(t, h)
	addr := closedAddr(t)
	if err := h.deps.Client.SetBaseURL("http://" + addr); err != nil {
		t.Fatal(err)
	}
	test.Tap(v.haveKey)
	if v.status.details.Visible() {
		t.Error("Details shows with nothing gone wrong")
	}
	test.Type(v.key, h.sim.Key())
	test.Tap(v.check)
	h.loop.until(t, "the check to end", func() bool { return !v.check.Disabled() })
	if v.status.Importance != widget.DangerImportance || !v.status.details.Visible() {
		t.Fatalf("the failure %q is not shown as one (importance %v), or has no Details", v.status.Text, v.status.Importance)
	}
	win := h.ui.keys.welcomeParent()
	test.Tap(v.status.details)
	_, details := dialogWords(win)
	all := strings.Join(details, "\n")
	if !strings.Contains(all, "refused") {
		t.Errorf("Details hold %q, want the connection's own words", details)
	}
	if strings.Contains(test.RenderToMarkup(win.Canvas()), h.sim.Key()) {
		t.Error("the welcome shows the key")
	}
	closeTopDialog(win.Canvas())

	// A line that tells of no failure takes Details away.
	if err := h.deps.Client.SetBaseURL(h.sim.URL()); err != nil {
		t.Fatal(err)
	}
	test.Tap(v.check)
	if v.status.Text != textKeyChecking || v.status.details.Visible() || v.status.Importance == widget.DangerImportance {
		t.Errorf("Details or the danger colour stay beside %q", v.status.Text)
	}
	h.loop.until(t, "the welcome to close", func() bool { return h.ui.welcome == nil })
}

// TestWelcomeRegistersKeyBeforeTheCheck: the welcome and Settings share
// one check-and-save flow, so a key the welcome cannot even send (it holds
// a space) is registered for redaction before the check fails, as in
// Settings, and no cause shown under "Details" can spell it.
func TestWelcomeRegistersKeyBeforeTheCheck(t *testing.T) {
	h := newHarness(t, &fakeKeys{}, false)
	v := welcomeShown(t, h)
	test.Tap(v.haveKey)
	const typed = "sk-welcome-only 7Qx9-unsendable"
	test.Type(v.key, typed)
	test.Tap(v.check)
	h.loop.until(t, "the check to end", func() bool { return !v.check.Disabled() })
	if !strings.Contains(v.status.Text, "spaces or characters") {
		t.Errorf("status = %q, want the key called unsendable", v.status.Text)
	}
	if got := client.RedactText("cause: " + typed); strings.Contains(got, typed) {
		t.Errorf("the key typed in the welcome is not redacted: %q", got)
	}
}

// A keychain that failed is told of on the way to a key only: the first
// choice, and so the way to the demo, says nothing of keychains.
func TestWelcomeSpeaksOfTheKeychainOnTheKeyPathOnly(t *testing.T) {
	keys := mockKeychain(t, errors.New("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'"))
	h := newHarness(t, keys, false)
	v := welcomeShown(t, h)
	win := h.ui.keys.welcomeParent()
	first := strings.Join(shownTexts(win.Canvas().Overlays().Top()), "\n")
	for _, word := range []string{"keychain", "Try again"} {
		if strings.Contains(first, word) {
			t.Errorf("the first choice says %q:\n%s", word, first)
		}
	}
	if !strings.Contains(first, "Try the demo") {
		t.Errorf("the first choice does not offer the demo:\n%s", first)
	}
	capture(t, win, "welcome-first")
	test.Tap(v.haveKey)
	capture(t, win, "welcome-key")
	onKeyPath := strings.Join(shownTexts(win.Canvas().Overlays().Top()), "\n")
	for _, word := range []string{"keychain is locked", "Try again"} {
		if !strings.Contains(onKeyPath, word) {
			t.Errorf("after “I have an API key” the welcome does not say %q:\n%s", word, onKeyPath)
		}
	}
}

// What was typed in the compose pane goes with "Try the demo" to the
// Reelhouse that starts, and no key with it.
func TestWelcomeDemoKeepsTheDraft(t *testing.T) {
	h := newHarness(t, &fakeKeys{}, false)
	c := h.ui.compose
	c.model.SetText(modelChoice("doubao-seedance-2-mini"))
	test.Type(c.prompt, "a paper boat on a river at dawn")
	c.ratio.SetSelected("Landscape 16:9")
	c.variations.SetSelectedIndex(1)
	c.extra.SetText(`{"seed": 7}`)
	h.ui.deps.Client.SetAPIKey("sk-typed-not-kept")
	v := welcomeShown(t, h)
	var draft string
	h.ui.startDemo = func(d string) error { draft = d; return nil }
	h.ui.SetOnQuit(func() {})
	test.Tap(v.demo)
	if strings.Contains(draft, "sk-") {
		t.Fatalf("the draft holds the key: %s", draft)
	}

	w := test.NewWindow(nil)
	t.Cleanup(w.Close)
	next := newCompose(&UI{main: w})
	next.restoreDraft(draft)
	for _, got := range []struct{ name, got, want string }{
		{"model", next.model.Text, c.model.Text},
		{"prompt", next.prompt.Text, "a paper boat on a river at dawn"},
		{"shape", next.ratio.Selected, "Landscape 16:9"},
		{"how many", next.variations.Selected, c.variations.Selected},
		{"advanced", next.extra.Text, `{"seed": 7}`},
	} {
		if got.got != got.want {
			t.Errorf("%s after the restart: %q, want %q", got.name, got.got, got.want)
		}
	}
}
