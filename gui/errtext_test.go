package gui

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/client/apitest"
	"github.com/reelhouse/reelhouse/client/keychain"
)

// TestErrText: every error of client and client/keychain reads as the plain
// sentence a person sees, with what to do next.
func TestErrText(t *testing.T) {
	t.Parallel()
	_, insecure := client.New("http://example.com")
	_, noHost := client.New("example.com/path")

	tests := []struct {
		name string
		err  error
		want string
	}{
		{"keychain unavailable", &keychain.Error{Op: "load", Kind: keychain.ErrUnavailable, Cause: errors.New("no secret service")},
			"The system keychain is not available, so Reelhouse cannot read or store your API key safely. You can still use a key for this session only."},
		{"keychain without session bus", &keychain.Error{Op: "load", Kind: keychain.ErrNoSessionBus},
			"The system keychain is not available, so Reelhouse cannot read or store your API key safely. You can still use a key for this session only."},
		{"keychain timeout", &keychain.Error{Op: "save", Kind: keychain.ErrTimeout, Cause: context.DeadlineExceeded},
			"The system keychain did not unlock in time. Unlock it (it may be waiting for your password), then try again."},
		{"keychain locked", &keychain.Error{Op: "load", Kind: keychain.ErrLocked, Cause: errors.New("failed to unlock correct collection '/'")},
			"The system keychain is locked. Unlock it, then try again."},
		{"keychain invalid key", &keychain.Error{Op: "save", Kind: keychain.ErrInvalidKey},
			"An API key must be one line of text, not empty and not unusually long. Check that you copied only the key."},
		{"keychain no key", keychain.ErrNotFound, "No API key is saved in the system keychain."},
		{"keychain sentinel joined", errors.Join(keychain.ErrUnavailable, errors.New("dbus")),
			"The system keychain is not available, so Reelhouse cannot read or store your API key safely. You can still use a key for this session only."},

		{"401", &client.APIError{Op: client.OpTask, StatusCode: 401, Message: "invalid api key"},
			"The service refused the API key. Check the key in Settings."},
		{"429 create", &client.APIError{Op: client.OpCreate, StatusCode: 429},
			"The service is busy (too many requests) and did not start the video. Wait a moment, then submit again."},
		{"429 query", &client.APIError{Op: client.OpTask, StatusCode: 429},
			"The service is busy (too many requests). Reelhouse will try again shortly."},
		{"404 create", &client.APIError{Op: client.OpCreate, StatusCode: 404},
			"The service does not offer video creation at this address (HTTP 404). Check the server address in Settings."},
		{"404 query, useless message", &client.APIError{Op: client.OpTask, StatusCode: 404, Message: "Not Found"},
			"The service has no task with that id for this key."},
		{"500 query", &client.APIError{Op: client.OpTask, StatusCode: 500, Message: "Internal Server Error"},
			"The service had a temporary problem (HTTP 500). Reelhouse will try again."},
		{"503 create", &client.APIError{Op: client.OpCreate, StatusCode: 503},
			"The service had a temporary problem (HTTP 503). Reelhouse does not resubmit on its own; try again in a moment."},
		{"400", &client.APIError{Op: client.OpCreate, StatusCode: 400, Message: "prompt is required"},
			"The service rejected the request (HTTP 400)."},
		{"413", &client.APIError{Op: client.OpCreate, StatusCode: 413},
			"The service rejected the request because it is too large (HTTP 413). Use smaller reference files."},
		{"418", &client.APIError{Op: client.OpTask, StatusCode: 418}, "The service answered with an unexpected error (HTTP 418)."},

		{"link expired", &client.DownloadError{StatusCode: 403},
			"The video's download link has expired or is no longer valid (HTTP 403). Ask the service for a fresh link."},
		{"file host 503", &client.DownloadError{StatusCode: 503},
			"The video host had a temporary problem (HTTP 503). Try the download again in a moment."},
		{"file host 451", &client.DownloadError{StatusCode: 451}, "The video host refused the download (HTTP 451)."},

		{"no key", client.ErrNoAPIKey, "No API key is set. Add your key in Settings."},
		{"insecure server", insecure,
			"The server address is not valid: it must start with https:// (plain http:// is only allowed for this computer)."},
		{"server without scheme", noHost, "The server address is not valid: it must start with https:// and name a server."},
		{"no prompt", &client.Error{Op: client.OpCreate, Code: client.CodeNoPrompt}, "Write a prompt before submitting."},
		{"a sound alone", &client.Error{Op: client.OpCreate, Code: client.CodeAudioAlone}, "The service takes a sound only together with a picture or a video. Add one, or take the sound away."},
		{"service unreachable", &client.Error{Op: client.OpTask, Code: client.CodeUnreachable, Detail: "the connection was refused"},
			"Reelhouse could not reach the service. Check the internet connection and the server address in Settings."},
		{"file host unreachable", &client.Error{Op: client.OpDownload, Code: client.CodeUnreachable, Detail: "the connection was reset"},
			"Reelhouse could not reach the video host. Try the download again in a moment."},
		{"uncertain", &client.Error{Op: client.OpCreate, Code: client.CodeUncertain, Detail: "no answer within 30 s"},
			"Reelhouse sent the request but never heard back, so it cannot tell whether the video was started. Look for it on the service, add it by its task id, or submit again on purpose."},
		{"redirect to another host", &client.Error{Code: client.CodeRedirectHost, Detail: "elsewhere.example"},
			"The server tried to send Reelhouse to another server (elsewhere.example), which it does not follow for safety."},
		{"not a video", client.ErrNotVideo, "The downloaded file is not a video (it does not look like an MP4 file)."},
		{"stalled", &client.Error{Op: client.OpDownload, Code: client.CodeStalled, Detail: "no data for 30 s"},
			"The download stopped receiving data. Reelhouse will try again and continue where it left off."},
		{"too large", &client.Error{Op: client.OpDownload, Code: client.CodeTooLarge, Detail: "maximum 1000 bytes"},
			"The video is larger than the allowed maximum, so it was not downloaded."},
		{"disk full", &client.Error{Op: client.OpDownload, Code: client.CodeLocalWrite, Detail: "no space left on device"},
			"The library folder is full or cannot be written to. Free some space or pick another folder in Settings, then retry the download."},

		{"wrapped reads as what it wraps", fmt.Errorf("use server %q: %w", "http://example.com", insecure),
			"The server address is not valid: it must start with https:// (plain http:// is only allowed for this computer)."},
		{"deadline", fmt.Errorf("reconcile: %w", context.DeadlineExceeded),
			"That took too long and was stopped. Check your connection and try again."},
		{"a sentence as it is", fmt.Errorf("open: %w", sentence("The folder cannot be created.")), "The folder cannot be created."},
		{"an explained failure", &explained{text: "The frame could not be taken.", cause: errors.New("exit status 1")}, "The frame could not be taken."},
		{"other errors say no English", errors.New("unexpected EOF"),
			"Something went wrong that Reelhouse did not expect. Try again; if it happens again, “Details” says what the system reported."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := errText(tt.err); got != tt.want {
				t.Errorf("errText(%q)\n got %q\nwant %q", tt.err, got, tt.want)
			}
		})
	}
}

// TestErrTextOfRealFailures: errors that come out of real calls to the
// simulator and to a closed port read as sentences too.
func TestErrTextOfRealFailures(t *testing.T) {
	t.Parallel()
	sim := apitest.New(apitest.Config{})
	t.Cleanup(sim.Close)
	c, err := client.New(sim.URL(), client.WithAPIKey(sim.Key()), client.WithCreateTimeout(2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()

	sim.Inject(apitest.Fault{Kind: apitest.FaultMalformedJSON, Target: apitest.TargetTask})
	res, err := c.Create(ctx, client.CreateRequest{Model: "m", Prompt: "p"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Task(ctx, res.TaskID)
	if got, want := errText(err), "The service sent an answer Reelhouse could not read. Reelhouse will ask again."; got != want {
		t.Errorf("malformed answer: %q, want %q", got, want)
	}

	sim.Inject(apitest.Fault{Kind: apitest.FaultDropAfterRead, Target: apitest.TargetCreate})
	_, err = c.Create(ctx, client.CreateRequest{Model: "m", Prompt: "p"})
	if got := errText(err); !strings.HasPrefix(got, "Reelhouse sent the request but never heard back") || !strings.HasSuffix(got, ".") {
		t.Errorf("dropped create: %q", got)
	}

	sim.Inject(apitest.Fault{Kind: apitest.FaultStatus401, Target: apitest.TargetTask})
	_, err = c.Task(ctx, res.TaskID)
	if got := errText(err); !strings.HasPrefix(got, "The service refused the API key. Check the key in Settings.") {
		t.Errorf("401: %q", got)
	}

	// A port nobody listens on.
	addr := closedAddr(t)
	closed, err := client.New("http://"+addr, client.WithAPIKey("sk-test"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = closed.Task(ctx, "x")
	want := "Reelhouse could not reach the service. Check the internet connection and the server address in Settings."
	if got := errText(err); got != want {
		t.Errorf("refused connection: %q, want %q", got, want)
	}
}

// closedAddr is a loopback address nobody listens on: a real connection
// to it is refused.
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}
