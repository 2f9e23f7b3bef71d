package gui

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"unicode"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history/store"
)

// isSentence reports whether s reads as the app's words: a capital first,
// a full stop (or the facts in brackets) last, and no code left in it.
func isSentence(s string) bool {
	if s == "" || !unicode.IsUpper([]rune(s)[0]) || strings.Contains(s, "_") {
		return false
	}
	return strings.HasSuffix(s, ".") || strings.HasSuffix(s, ")")
}

// TestEveryHistoryErrorHasASentence: each error history returns for the
// window to word becomes a sentence, however history wrapped it.
func TestEveryHistoryErrorHasASentence(t *testing.T) {
	t.Parallel()
	cause := &fs.PathError{Op: "open", Path: "/lib/x", Err: fs.ErrPermission}
	errs := []error{
		store.ErrAlreadyRunning, store.ErrNoLibraryFolder, store.ErrNestedLibrary,
		store.ErrNothingToExport, store.ErrNoTaskIDYet, store.ErrNotFinished,
		store.ErrSidecarsBehind, store.ErrNewerDatabase, store.ErrNotFound,
		&store.StoreError{Op: store.OpOpenStore, Err: fmt.Errorf("%w: version 9", store.ErrNewerDatabase)},
	}
	for _, op := range []store.Op{store.OpOpenLibrary, store.OpWriteLibrary, store.OpDelete,
		store.OpTrash, store.OpUntrash, store.OpExport, store.OpMoveLibrary, store.OpReadLibraries,
		store.OpDataFolder} {
		errs = append(errs, &store.FolderError{Op: op, Path: "/lib/x.mp4", Err: cause},
			&store.FolderError{Op: op, Path: "/lib/x.mp4", Err: fs.ErrExist})
	}
	for _, op := range []store.Op{store.OpOpenStore, store.OpReadStore, store.OpMigrateStore,
		store.OpRecordRequest, store.OpSaveChange, store.OpRecordVideo, store.OpRestore, store.OpSaveStory} {
		errs = append(errs, &store.StoreError{Op: op, Err: errors.New("disk I/O error")})
	}
	for _, err := range errs {
		wrapped := fmt.Errorf("record 7: %w", err)
		got := errText(wrapped)
		if !isSentence(got) || strings.Contains(got, "record 7") || got == err.Error() {
			t.Errorf("errText(%q) = %q, want a sentence", wrapped, got)
		}
	}
	// The facts a person can act on stay in the sentence.
	for err, want := range map[error]string{
		&store.FolderError{Op: store.OpExport, Path: "/out/a.mp4", Err: fs.ErrExist}:        "A file named a.mp4 is already in /out. Choose an empty folder.",
		&store.FolderError{Op: store.OpOpenLibrary, Path: "/lib", Err: cause}:               "Reelhouse cannot use the library folder /lib (permission denied). Choose another folder in Settings.",
		&store.StoreError{Op: store.OpRecordRequest, Err: errors.New("database is locked")}: "Reelhouse could not record the request, so it was not sent.",
	} {
		if got := errText(err); got != want {
			t.Errorf("errText(%q)\n got %q\nwant %q", err, got, want)
		}
	}
}

// TestEveryRecordProblemHasASentence: no problem code a record may hold
// reaches the user as a code, with or without facts.
func TestEveryRecordProblemHasASentence(t *testing.T) {
	t.Parallel()
	facts := []string{"", "download video: incomplete", "something odd happened", store.ErrClosedWhileSending.Error(),
		(&client.APIError{Op: client.OpCreate, StatusCode: 401}).Error()}
	for _, code := range store.Problems {
		for _, f := range facts {
			msg := code
			if f != "" {
				msg += ": " + f
			}
			r := store.Record{State: store.StateSuccess, Download: store.DownloadFailed, DownloadError: msg,
				Request: client.CreateRequest{Prompt: "a cat"}}
			if got := downloadProblem(r); !isSentence(got) {
				t.Errorf("download problem %q: %q", msg, got)
			}
			for _, st := range []store.State{store.StateNotSent, store.StateUncertain, store.StateLost, store.StateStale} {
				r := store.Record{State: st, ErrorMessage: msg}
				if got := messageText(r); !isSentence(got) {
					t.Errorf("%s with message %q: %q", st, msg, got)
				}
			}
		}
	}
}

// TestRecordProblemSentences: the words of a record's problem are the
// ones the user saw when it happened, and the service's words end a
// sentence properly.
func TestRecordProblemSentences(t *testing.T) {
	t.Parallel()
	refused := (&client.APIError{Op: client.OpCreate, StatusCode: 401}).Error()
	uncertain := (&client.Error{Op: client.OpCreate, Code: client.CodeUncertain, Detail: "no answer within 30 s"}).Error()
	tests := []struct {
		name string
		r    store.Record
		want string
	}{
		{"not sent, key refused", store.Record{State: store.StateNotSent, ErrorMessage: store.ProblemNotSent + ": " + refused},
			"The video was not started: The service refused the API key. Check the key in Settings."},
		{"uncertain, no answer", store.Record{State: store.StateUncertain, ErrorMessage: store.ProblemUncertain + ": " + uncertain},
			"Reelhouse sent this request but never heard back, so it cannot tell whether the video was started (and billed). " +
				"Look for it on the service's website and add it here by its task id, or generate again on purpose."},
		{"closed while sending", store.Record{State: store.StateUncertain, ErrorMessage: store.ProblemUncertain + ": " + store.ErrClosedWhileSending.Error()},
			"Reelhouse was closed while it was sending this request. Reelhouse sent this request but never heard back, so it cannot tell whether the video was started (and billed). " +
				"Look for it on the service's website and add it here by its task id, or generate again on purpose."},
		{"stale", store.Record{State: store.StateStale, ErrorMessage: store.ProblemStale},
			"This task has not finished after a very long time. Use “Check again” to ask the service once more."},
		{"failed, service's words", store.Record{State: store.StateFailed, ErrorCode: "upstream", ErrorMessage: "content policy"},
			"The service could not make this video. It said: “content policy”. You can change the prompt and generate again."},
		{"cancelled, no words", store.Record{State: store.StateCancelled},
			"The task was cancelled on the service. You can change the prompt and generate again."},
		// Rows of older versions hold sentences: shown as they are.
		{"legacy lost", store.Record{State: store.StateLost, ErrorMessage: "The service no longer knows this task."},
			"The service no longer knows this task."},
		{"legacy failed", store.Record{State: store.StateFailed, ErrorMessage: "The service could not make this video. You can change the prompt and generate again."},
			"The service could not make this video. You can change the prompt and generate again."},
	}
	for _, tt := range tests {
		if got := messageText(tt.r); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
		// The facts the sentence leaves out are under "Details".
		_, facts, problem := store.ParseProblem(tt.r.ErrorMessage)
		if got := errDetails(messageFailure(tt.r)); problem && facts != "" && got != tt.r.ErrorMessage {
			t.Errorf("%s: Details hold %q, want %q", tt.name, got, tt.r.ErrorMessage)
		}
	}

	downloads := []struct {
		name, stored, want string
	}{
		{"service's words left out", store.ProblemDownloadFailed + ": " + (&client.APIError{Op: client.OpTask, StatusCode: 400, Message: "refused"}).Error(),
			"The video could not be downloaded: The service rejected the request (HTTP 400). Use “Retry download” to try again."},
		{"facts of history", store.ProblemDownloadFailed + ": video 2 missing from the library after its download",
			"The video could not be downloaded. Use “Retry download” to try again."},
		{"disk full", store.ProblemLocalWrite + ": no space left on device",
			"The library folder is full or cannot be written to. Free some space or pick another folder in Settings, then use “Retry download”."},
		{"library full", store.ProblemLibraryFull + ": no space left on device",
			"The library folder is full. Free some space; the download goes on by itself."},
		{"library read-only", store.ProblemLibraryReadOnly + ": read-only file system",
			"The library folder cannot be written to (it is read-only or you may not write in it). " +
				"Make it writable again or pick another folder in Settings; the download goes on by itself."},
		{"legacy sentence", "The video could not be downloaded: it broke. Use “Retry download” to try again.",
			"The video could not be downloaded: it broke. Use “Retry download” to try again."},
	}
	for _, tt := range downloads {
		r := store.Record{State: store.StateSuccess, Download: store.DownloadFailed, DownloadError: tt.stored}
		if got := downloadProblem(r); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
		want := tt.stored
		if tt.name == "legacy sentence" {
			want = "" // a sentence says it all
		}
		if got := errDetails(downloadFailure(r)); got != want {
			t.Errorf("%s: Details hold %q, want %q", tt.name, got, want)
		}
	}
}
