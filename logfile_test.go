package main

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history/store"
)

// TestLogRotates keeps each file under the cap and only the newest few.
func TestLogRotates(t *testing.T) {
	path := filepath.Join(t.TempDir(), logName)
	f, err := openRotating(path, 1000, 3)
	if err != nil {
		t.Fatal(err)
	}
	line := []byte(strings.Repeat("x", 99) + "\n")
	for i := range 60 {
		if _, err := fmt.Fprintf(f, "%02d%s", i, line[2:]); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{path, path + ".1", path + ".2", path + ".3"} {
		st, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() > 1000 {
			t.Errorf("%s has %d bytes, over the cap", filepath.Base(name), st.Size())
		}
	}
	if _, err := os.Stat(path + ".4"); !os.IsNotExist(err) {
		t.Errorf("a fourth old log was kept: %v", err)
	}
	newest, _ := os.ReadFile(path)
	if !bytes.HasPrefix(bytes.TrimSpace(newest[bytes.LastIndexByte(bytes.TrimSpace(newest), '\n')+1:]), []byte("59")) {
		t.Errorf("the newest line is not in the current log: %q", newest)
	}
}

// TestLogRedactsKeyAndSignedURLs: neither the API key nor a signed URL's
// query reaches the log file, whichever logger wrote the line.
func TestLogRedactsKeyAndSignedURLs(t *testing.T) {
	key := "sk-canary-" + rand.Text()
	c, err := client.New("https://api.example.com", client.WithAPIKey(key))
	if err != nil {
		t.Fatal(err)
	}
	_ = c
	path := filepath.Join(t.TempDir(), logName)
	l, closeLog, err := openLog(path)
	if err != nil {
		t.Fatal(err)
	}
	signed := "https://files.example.com/v/1.mp4?sig=s3cr3t&expires=99"
	l.Error("download failed", "err", "GET "+signed+" with key "+key)
	log.Printf("Fyne error: %s %s", key, signed)
	closeLog()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{key, "sig=", "s3cr3t", "expires="} {
		if bytes.Contains(data, []byte(secret)) {
			t.Errorf("the log holds %q:\n%s", secret, data)
		}
	}
	if !bytes.Contains(data, []byte("download failed")) || !bytes.Contains(data, []byte("https://files.example.com/v/1.mp4")) {
		t.Errorf("the log lost what it should say:\n%s", data)
	}
}

// TestOpenDemoAndDiagnostics: demo mode opens with its simulator, logs to
// its data folder, gathers diagnostics without the key, and leaves
// nothing behind.
func TestOpenDemoAndDiagnostics(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	s, err := Open(t.Context(), Options{Demo: true})
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	defer func() {
		if !closed {
			s.Close()
		}
	}()
	if s.Deps.Tracker == nil || s.Deps.Client == nil || s.Deps.Keys != nil || s.Deps.Diagnostics == nil {
		t.Fatalf("demo dependencies: %+v", s.Deps)
	}
	key := "sk-never-" + rand.Text()
	s.Deps.Client.SetAPIKey(key) // as Settings does with a typed key
	s.Log.Info("a line to find", "err", "refused key "+key)
	if err := s.Deps.Store.SetSetting(t.Context(), store.SettingInterval, "3"); err != nil {
		t.Fatal(err)
	}
	text, err := s.Deps.Diagnostics(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Go go1", "Fyne v2", "Demo mode: true", "poll_interval_seconds = 3", "a line to find"} {
		if !strings.Contains(text, want) {
			t.Errorf("diagnostics lack %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, key) || strings.Contains(text, "sk-") {
		t.Errorf("diagnostics hold a key:\n%s", text)
	}
	s.Close()
	closed = true
	if left, _ := filepath.Glob(filepath.Join(tmp, "reelhouse-demo-*")); len(left) > 0 {
		t.Errorf("demo folders left behind: %v", left)
	}
}
