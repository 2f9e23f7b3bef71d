package gui

import (
	"errors"
	"strings"
	"testing"

	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/test"
	"github.com/zalando/go-keyring"

	"github.com/reelhouse/reelhouse/client/apitest"
	"github.com/reelhouse/reelhouse/client/keychain"
)

// TestSettingsFailureHasDetails: in Chinese, a key the keychain would not
// remove is said in the status line as a translated sentence, with
// "Details" beside it holding the keychain's own words (never the key);
// once the key is removed, "Details" goes with the failure.
func TestSettingsFailureHasDetails(t *testing.T) {
	useChinese(t)
	keys := mockKeychain(t, nil)
	h := newHarness(t, keys, false)
	welcomeShown(t, h).close() // the first read of the keychain is over: the mock is not safe to change during one
	if err := keyring.Set("Reelhouse-gui-test", keychain.User, h.sim.Key()); err != nil {
		t.Fatal(err)
	}
	s := h.ui.settings
	h.ui.background(h.ui.keys.loadKey)
	h.loop.until(t, "the key", func() bool { return h.deps.Client.HasAPIKey() && !s.removeKey.Disabled() })
	if w := h.ui.welcome; w != nil {
		w.close()
	}
	if s.status.details.Visible() {
		t.Error("Details shows with nothing gone wrong")
	}

	remove := func() {
		t.Helper()
		test.Tap(s.removeKey)
		test.Tap(findButton(s.win.Canvas().Overlays().Top(), lang.L("Remove key")))
	}
	const cause = "the keychain daemon refused by policy"
	keyring.MockInitWithError(errors.New(cause + " for " + h.sim.Key()))
	remove()
	h.loop.until(t, "the failure", func() bool { return !s.removeKey.Disabled() })
	if englishWord.MatchString(strings.ReplaceAll(s.status.Text, "Reelhouse", "")) {
		t.Errorf("the status line shows English: %q", s.status.Text)
	}
	if !s.status.details.Visible() {
		t.Fatalf("no Details beside %q", s.status.Text)
	}
	test.Tap(s.status.details)
	shown, details := dialogWords(s.win)
	if len(details) != 1 || !strings.Contains(details[0], cause) {
		t.Errorf("Details hold %q, want the keychain's words %q", details, cause)
	}
	if all := strings.Join(append(shown, details...), "\n"); strings.Contains(all, h.sim.Key()) {
		t.Errorf("the dialog shows the API key: %q", all)
	}
	closeTopDialog(s.win.Canvas())

	keyring.MockInit()
	remove()
	h.loop.until(t, "the key to go", func() bool { return s.status.Text == lang.L("Key removed.") })
	if s.status.details.Visible() {
		t.Error("Details stays beside a line that tells of no failure")
	}
}

// TestSettingsSaveServerFailureLeavesNoSaving: when the history cannot
// keep the new server, the status line says so, with Details, instead of
// staying on "Saving…" for good.
func TestSettingsSaveServerFailureLeavesNoSaving(t *testing.T) {
	h := newHarness(t, nil, true)
	other := apitest.New(apitest.Config{Key: h.sim.Key()})
	t.Cleanup(other.Close)
	s := h.ui.settings
	if err := h.deps.Store.Close(); err != nil {
		t.Fatal(err)
	}
	s.server.SetText(other.URL())
	test.Tap(findButton(s.win.Content(), lang.L("Save server and folder")))
	h.loop.until(t, "the save to end", func() bool { return !s.apply.Disabled() })
	if s.status.Text == lang.L("Saving…") || s.status.Text == "" {
		t.Errorf("the status line says %q after the save failed", s.status.Text)
	}
	if strings.Contains(s.status.Text, "sql") {
		t.Errorf("the status line shows the database's own words: %q", s.status.Text)
	}
	if !s.status.details.Visible() {
		t.Errorf("no Details beside %q", s.status.Text)
	}
	if h.deps.Client.BaseURL() == other.URL() {
		t.Error("the server changed although it could not be kept")
	}
}
