package gui

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2/lang"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history"
	"github.com/reelhouse/reelhouse/history/store"
)

// statusText is a task's state in a few plain words.
func statusText(r store.Record) string {
	if r.IsFilm() && r.Download == store.DownloadDone && !slices.ContainsFunc(r.Files, func(f store.File) bool { return f.Missing }) {
		return lang.N("A film of {{.Count}} shots", len(r.Film), map[string]any{"Count": len(r.Film)})
	}
	switch r.State {
	case store.StateSubmitting:
		return lang.L("Sending…")
	case store.StateUncertain:
		return lang.L("Not sure it started")
	case store.StateNotSent:
		return lang.L("Not sent")
	case store.StatePending:
		if !r.Watching {
			return lang.L("Waiting (not watched)")
		}
		return lang.L("Waiting to start")
	case store.StateRunning:
		if !r.Watching {
			return lang.L("Generating (not watched)")
		}
		return lang.L("Generating…")
	case store.StateFailed:
		return lang.L("Failed")
	case store.StateCancelled:
		return lang.L("Cancelled")
	case store.StateLost:
		return lang.L("Lost by the service")
	case store.StateStale:
		return lang.L("Stale — check again")
	case store.StateSuccess:
		switch r.Download {
		case store.DownloadDone:
			for _, f := range r.Files {
				if f.Missing {
					return lang.L("File missing")
				}
			}
			return lang.L("Downloaded")
		case store.DownloadFailed:
			if r.DownloadError == store.DownloadErrorTaskGone {
				return lang.L("Gone from the service")
			}
			return lang.L("Download failed")
		case store.DownloadPaused:
			return lang.L("Download paused")
		default:
			return lang.L("Downloading…")
		}
	}
	return lang.L("Service says: {{.State}}", map[string]any{"State": string(r.State)})
}

// needsAttention reports whether the user has something to do about r.
func needsAttention(r store.Record) bool {
	switch r.State {
	case store.StateUncertain, store.StateNotSent, store.StateFailed, store.StateLost, store.StateStale:
		return true
	case store.StateSuccess:
		if r.Download == store.DownloadFailed || r.Download == store.DownloadPaused {
			return true
		}
	}
	for _, f := range r.Files {
		if f.Missing {
			return true
		}
	}
	return false
}

// humanSize is a byte count in the units people read.
func humanSize(n int64) string {
	switch {
	case n < 1024:
		return lang.N("{{.Count}} bytes", int(n), map[string]any{"Count": n})
	case n < 1024*1024:
		return fmt.Sprintf("%.1f KB", float64(n)/1024)
	case n < 1024*1024*1024:
		return fmt.Sprintf("%.1f MB", float64(n)/(1024*1024))
	}
	return fmt.Sprintf("%.2f GB", float64(n)/(1024*1024*1024))
}

// humanTime is a local date and time, or "—" when unknown.
func humanTime(t time.Time) string {
	if t.IsZero() || t.Unix() <= 0 {
		return "—"
	}
	return t.Local().Format(lang.L("2 Jan 2006, 15:04:05")) // a layout of package time
}

// firstLine shortens a prompt to one line of at most n runes, ready to
// show inside the app's words (see userText).
func firstLine(s string, n int) string {
	s = strings.Join(strings.Fields(userText(s)), " ")
	if s == "" {
		return lang.L("(no prompt)")
	}
	r := []rune(s)
	if len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// libraryGoneText is the banner of the library while its folder is not
// there; libraryGoneDetail says what that means for one video.
const (
	libraryGoneText   = "The library folder {{.Folder}} is not available. Is the drive connected?"
	libraryGoneDetail = "The library folder is not available, so this video cannot be opened now. Is the drive connected? Downloads wait until the folder is back."
)

// unreachableText is the status of a task, and the banner of the history
// window, while the service cannot be reached.
const unreachableText = "Can't reach the service — will keep trying"

// unusableText is the status of a task whose answers cannot be used
// (store.ProblemUnusableAnswer), on its row.
const unusableText = "Can't read the service's answers — will keep trying"

// unusableAnswers reports whether r is followed while the service's
// answers about it cannot be used.
func unusableAnswers(r store.Record) bool {
	code, _, _ := store.ParseProblem(r.ErrorMessage)
	return code == store.ProblemUnusableAnswer && r.Watching && !r.State.Final()
}

// keyRefusedText says why nothing moves while the service refuses the key.
const keyRefusedText = "The service refused the API key, so Reelhouse stopped checking on your videos. Enter a valid key in Settings and it will carry on."

// legacyFailure ends the sentence older versions stored for a failed or
// cancelled task, in place of the service's own message.
const legacyFailure = "You can change the prompt and generate again."

// messageText says what went wrong with task r and what will help, from
// its error message, or "" when nothing is wrong. A message stored by an
// older Reelhouse is already a sentence and is shown as it is.
func messageText(r store.Record) string {
	msg := r.ErrorMessage
	switch r.State {
	case store.StateFailed, store.StateCancelled:
		if strings.HasSuffix(msg, legacyFailure) {
			return msg
		}
		said := map[string]any{"Message": userText(strings.TrimSpace(msg))}
		switch {
		case r.State == store.StateCancelled && said["Message"] != "":
			return lang.L("The task was cancelled on the service. It said: “{{.Message}}”. "+legacyFailure, said)
		case r.State == store.StateCancelled:
			return lang.L("The task was cancelled on the service. " + legacyFailure)
		case said["Message"] != "":
			return lang.L("The service could not make this video. It said: “{{.Message}}”. "+legacyFailure, said)
		}
		return lang.L("The service could not make this video. " + legacyFailure)
	}
	code, facts, ok := store.ParseProblem(msg)
	if !ok {
		return msg
	}
	return problemText(code, facts, r)
}

// downloadProblem says why a task's videos are not in the library and
// what will help, or "" when nothing is wrong.
func downloadProblem(r store.Record) string {
	code, facts, ok := store.ParseProblem(r.DownloadError)
	if !ok {
		return r.DownloadError
	}
	return problemText(code, facts, r)
}

// problemError is the problem kept in stored, a record's ErrorMessage or
// DownloadError, as an error: its sentence is text, and its cause is the
// code and facts as recorded, shown under "Details" (errDetails). It is
// nil when stored keeps no facts beyond its code, or is a sentence written
// by an older Reelhouse.
func problemError(text, stored string) error {
	if _, facts, ok := store.ParseProblem(stored); !ok || facts == "" {
		return nil
	}
	return &explained{text: text, cause: errors.New(stored)}
}

// messageFailure is messageText's problem with the facts r keeps about it,
// or nil. A failed or cancelled task keeps the service's own message
// instead, which serviceError gives.
func messageFailure(r store.Record) error {
	if r.State == store.StateFailed || r.State == store.StateCancelled {
		return nil
	}
	return problemError(messageText(r), r.ErrorMessage)
}

// downloadFailure is downloadProblem's problem with the facts r keeps
// about it, or nil.
func downloadFailure(r store.Record) error {
	return problemError(downloadProblem(r), r.DownloadError)
}

// fullStop ends a sentence that may end in the service's quoted words.
func fullStop(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || strings.HasSuffix(s, ".") || strings.HasSuffix(s, "!") || strings.HasSuffix(s, "?") || strings.HasSuffix(s, "…") ||
		strings.HasSuffix(s, "。") || strings.HasSuffix(s, "！") || strings.HasSuffix(s, "？") {
		return s
	}
	return s + "."
}

// problemText is the sentence for a problem code of record r (see
// store.ParseProblem) with its facts.
func problemText(code, facts string, r store.Record) string {
	switch code {
	case store.ProblemNotSent:
		return factsText(lang.L("The video was not started"), facts)
	case store.ProblemUncertain:
		const uncertainText = "Reelhouse sent this request but never heard back, so it cannot tell whether the video was started (and billed). " +
			"Look for it on the service's website and add it here by its task id, or generate again on purpose."
		// What happened, in the system's words, is under "Details"
		// (problemError).
		cause, parsed := clientErrorFromText(facts)
		var cErr *client.Error
		switch {
		case facts == store.ErrClosedWhileSending.Error():
			return lang.L("Reelhouse was closed while it was sending this request. " + uncertainText)
		case parsed && !(errors.As(cause, &cErr) && cErr.Code == client.CodeUncertain):
			return lang.L("{{.Cause}} "+uncertainText, map[string]any{"Cause": fullStop(errText(cause))})
		}
		return lang.L(uncertainText)
	case store.ProblemLost:
		return lang.L("The service no longer knows this task. It may have been removed, or it belongs to another API key.")
	case store.ProblemStale:
		return lang.L("This task has not finished after a very long time. Use “Check again” to ask the service once more.")
	case store.ProblemUnusableAnswer:
		// What the answers were (too large, a web page, not JSON) is under
		// "Details" (problemError).
		return lang.L("The service's answers about this video cannot be used, so Reelhouse cannot tell how it is going. " +
			"It keeps asking. If this goes on, check the server address in Settings, or sign in to your network if it shows a login page.")
	case store.ProblemDownloadFailed:
		text := fullStop(factsText(lang.L("The video could not be downloaded"), facts))
		if addressUnusable(facts) {
			return text
		}
		return lang.L("{{.Problem}} Use “Retry download” to try again.", map[string]any{"Problem": text})
	case store.ProblemNoFile:
		return lang.L("The service says the video is ready but sent no file to download. Try “Retry download” later, or contact the service.")
	case store.ProblemLocalWrite:
		// The system's words ("no space left on device") are under
		// "Details" (problemError).
		return lang.L("The library folder is full or cannot be written to. Free some space or pick another folder in Settings, then use “Retry download”.")
	case store.ProblemLibraryFull:
		return lang.L("The library folder is full. Free some space; the download goes on by itself.")
	case store.ProblemLibraryReadOnly:
		return lang.L("The library folder cannot be written to (it is read-only or you may not write in it). " +
			"Make it writable again or pick another folder in Settings; the download goes on by itself.")
	case store.DownloadErrorTaskGone:
		const goneText = "The service no longer has this task, so its video cannot be downloaded any more; retrying will not help."
		if r.Request.Prompt != "" {
			return lang.L(goneText + " Use “Generate again” to make a new one from the same prompt.")
		}
		return lang.L(goneText)
	}
	return code + ": " + facts // a code without words: a test catches it
}

// addressUnusable reports whether a failed download's facts say that the
// service sent an address Reelhouse cannot download from: a retry would
// get the same address.
func addressUnusable(facts string) bool {
	err, ok := clientErrorFromText(facts)
	var cErr *client.Error
	return ok && errors.As(err, &cErr) && cErr.Code == client.CodeUnsupportedScheme
}

// canRetryDownload reports whether “Retry download” may fetch r's videos.
func canRetryDownload(r store.Record) bool {
	if r.State != store.StateSuccess || r.DownloadError == store.DownloadErrorTaskGone {
		return false
	}
	if code, facts, _ := store.ParseProblem(r.DownloadError); code == store.ProblemDownloadFailed && addressUnusable(facts) {
		return false
	}
	return r.Download == store.DownloadFailed || r.Download == store.DownloadPaused || missing(r)
}

// canAttachTaskID reports whether r is a submission that may not have
// started, waiting for the user to find its task id.
func canAttachTaskID(r store.Record) bool {
	return r.State == store.StateUncertain && r.TaskID == "" && !r.Trashed()
}

// sentence is an error that is already the words a person reads.
type sentence string

func (s sentence) Error() string { return string(s) }

// taskIDError is the sentence for a failure to add or attach a task id.
func taskIDError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, history.ErrNoTaskID):
		return sentence(lang.L("Paste a task id first."))
	case errors.Is(err, store.ErrNotUncertain):
		return sentence(lang.L("This entry already has a task id, or was never sent; there is nothing to attach."))
	case errors.Is(err, store.ErrTaskIDInHistory):
		return sentence(lang.L("That task id is already in the history, as another entry. Paste it in the search box to find that entry."))
	case client.IsNotFound(err):
		return sentence(lang.L("The service has no task with that id for this API key. Check the id, or the key in Settings."))
	}
	return err
}

// userText prepares text the user wrote (a prompt, tag, note or file name)
// to be shown inside a sentence of the app. Bidirectional controls are
// removed, so that a prompt holding, say, U+202E RIGHT-TO-LEFT OVERRIDE
// cannot reverse the app's own words around it ("Open it from History"
// read as "yrotsiH morf ti nepO"). Right-to-left letters stay as they are.
func userText(s string) string {
	if !strings.ContainsFunc(s, bidiControl) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if bidiControl(r) {
			return -1
		}
		return r
	}, s)
}

// bidiControl reports whether r is one of Unicode's explicit bidirectional
// formatting characters (embeddings, overrides, isolates and marks).
func bidiControl(r rune) bool {
	switch {
	case r == '\u061C', r == '\u200E', r == '\u200F':
		return true
	case r >= '\u202A' && r <= '\u202E':
		return true
	case r >= '\u2066' && r <= '\u2069':
		return true
	}
	return false
}

// displayName is what a video is called in the library: the title the
// user gave it, else the first words of its prompt, on one line and ready
// to show inside the app's words (see userText).
func displayName(r store.Record) string {
	if t := strings.Join(strings.Fields(userText(r.Title)), " "); t != "" {
		return t
	}
	const most = 80 // runes: a line of a list or the caption of a tile
	s := firstLine(r.Request.Prompt, most+1)
	if !strings.HasSuffix(s, "…") {
		return s
	}
	// Cut at a word's end rather than in the middle of one.
	s = strings.TrimSuffix(s, "…")
	if i := strings.LastIndex(s, " "); i > len(s)/2 {
		s = s[:i]
	}
	return strings.TrimRight(s, " ,.;:") + "…"
}
