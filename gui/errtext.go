package gui

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/client/keychain"
	"github.com/reelhouse/reelhouse/history"
)

// errText is the one place that turns an error from history, client or
// client/keychain into the sentence a person reads: what happened and what
// to do next. Those packages return codes and facts; the words are chosen
// here. An error that wraps one of client's keeps its own words around the
// sentence (its text is expected to contain the wrapped error's text, as
// fmt.Errorf's %w gives); any other error is shown as it is.
func errText(err error) string {
	if err == nil {
		return ""
	}
	if s, ok := historySentence(err); ok {
		return s
	}
	node := findClientError(err)
	if node == nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return "That took too long and was stopped. Check your connection and try again."
		}
		return err.Error()
	}
	sentence := clientSentence(node)
	if node == err {
		return sentence
	}
	outer, inner := err.Error(), node.Error()
	if !strings.Contains(outer, inner) {
		return outer
	}
	return strings.Replace(outer, inner, sentence, 1)
}

// findClientError returns the outermost error in err's tree that client or
// client/keychain made, or nil.
func findClientError(err error) error {
	switch err.(type) {
	case *client.Error, *client.APIError, *client.DownloadError, *keychain.Error:
		return err
	}
	for _, k := range []error{keychain.ErrNotFound, keychain.ErrUnavailable, keychain.ErrLocked, keychain.ErrNoSessionBus,
		keychain.ErrTimeout, keychain.ErrInvalidKey} {
		if err == k {
			return err
		}
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		if inner := u.Unwrap(); inner != nil {
			return findClientError(inner)
		}
	case interface{ Unwrap() []error }:
		for _, inner := range u.Unwrap() {
			if found := findClientError(inner); found != nil {
				return found
			}
		}
	}
	return nil
}

// clientSentence is the sentence for an error that findClientError found.
func clientSentence(err error) string {
	var (
		kErr   *keychain.Error
		apiErr *client.APIError
		dlErr  *client.DownloadError
		cErr   *client.Error
	)
	switch {
	case errors.As(err, &kErr):
		return keychainSentence(kErr.Kind)
	case errors.As(err, &apiErr):
		return apiSentence(apiErr)
	case errors.As(err, &dlErr):
		return downloadSentence(dlErr)
	case errors.As(err, &cErr):
		return codeSentence(cErr)
	}
	return keychainSentence(err)
}

func keychainSentence(kind error) string {
	switch {
	case errors.Is(kind, keychain.ErrNotFound):
		return "No API key is saved in the system keychain."
	case errors.Is(kind, keychain.ErrTimeout):
		return "The system keychain did not unlock in time. Unlock it (it may be waiting for your password), then try again."
	case errors.Is(kind, keychain.ErrLocked):
		return "The system keychain is locked. Unlock it, then try again."
	case errors.Is(kind, keychain.ErrInvalidKey):
		return "An API key must be one line of text, not empty and not unusually long. Check that you copied only the key."
	default: // ErrUnavailable, ErrNoSessionBus
		return "The system keychain is not available, so Reelhouse cannot read or store your API key safely. You can still use a key for this session only."
	}
}

// apiSentence explains an error answer of the service, followed by the
// service's own words when they add something.
func apiSentence(e *client.APIError) string {
	create := e.Op == client.OpCreate
	var s string
	switch c := e.StatusCode; {
	case c == http.StatusUnauthorized || c == http.StatusForbidden:
		s = "The service refused the API key. Check the key in Settings."
	case c == http.StatusTooManyRequests && create:
		s = "The service is busy (too many requests) and did not start the video. Wait a moment, then submit again."
	case c == http.StatusTooManyRequests:
		s = "The service is busy (too many requests). Reelhouse will try again shortly."
	case c == http.StatusNotFound && create:
		s = "The service does not offer video creation at this address (HTTP 404). Check the server address in Settings."
	case c == http.StatusNotFound:
		s = "The service has no task with that id for this key."
	case c == http.StatusRequestTimeout && create:
		s = "The service took too long to read the request (HTTP 408). Submit again in a moment."
	case c == http.StatusRequestTimeout:
		s = "The service took too long to answer (HTTP 408). Reelhouse will try again."
	case c >= 500 && create:
		s = fmt.Sprintf("The service had a temporary problem (HTTP %d). Reelhouse does not resubmit on its own; try again in a moment.", c)
	case c >= 500:
		s = fmt.Sprintf("The service had a temporary problem (HTTP %d). Reelhouse will try again.", c)
	case c == http.StatusBadRequest || c == http.StatusUnprocessableEntity:
		s = fmt.Sprintf("The service rejected the request (HTTP %d).", c)
	case c == http.StatusRequestEntityTooLarge:
		s = "The service rejected the request because it is too large (HTTP 413). Use smaller reference files."
	default:
		s = fmt.Sprintf("The service answered with an unexpected error (HTTP %d).", c)
	}
	if m := e.Message; m != "" && !strings.EqualFold(m, http.StatusText(e.StatusCode)) {
		s += " The service said: " + strconv.Quote(m)
	}
	return s
}

// downloadSentence explains an error answer of the file host.
func downloadSentence(e *client.DownloadError) string {
	c := e.StatusCode
	switch {
	case client.IsURLExpired(e):
		return fmt.Sprintf("The video's download link has expired or is no longer valid (HTTP %d). Ask the service for a fresh link.", c)
	case errors.Is(e, client.ErrTransient):
		return fmt.Sprintf("The video host had a temporary problem (HTTP %d). Try the download again in a moment.", c)
	default:
		return fmt.Sprintf("The video host refused the download (HTTP %d).", c)
	}
}

// codeSentence explains a failure the client found itself.
func codeSentence(e *client.Error) string {
	const resume = " Reelhouse will try again and continue where it left off."
	switch e.Code {
	case client.CodeUnauthorized:
		return "The service refused the API key. Check the key in Settings."
	case client.CodeRateLimited:
		return "The service is busy (too many requests). Reelhouse will try again shortly."
	case client.CodeNotFound:
		return "The service has no task with that id for this key."
	case client.CodeTransient:
		return "The service could not be reached for a moment. Reelhouse will try again."
	case client.CodeUnreachable:
		if e.Op == client.OpDownload {
			return "Reelhouse could not reach the video host: " + e.Detail + ". Try the download again in a moment."
		}
		return "Reelhouse could not reach the service: " + e.Detail + ". Check the internet connection and the server address in Settings."
	case client.CodeMalformed:
		if e.Detail == "" {
			return "The service sent an answer Reelhouse could not read."
		}
		s := "The service sent an answer Reelhouse could not read (" + e.Detail + ")."
		if errors.Is(e, client.ErrTransient) {
			s += " Reelhouse will ask again."
		}
		return s
	case client.CodeUncertain:
		s := "Reelhouse sent the request but never heard back, so it cannot tell whether the video was started. Look for it on the service, add it by its task id, or submit again on purpose."
		if e.Detail != "" {
			s += " What happened: " + e.Detail + "."
		}
		return s
	case client.CodeNoModel:
		return "Choose a model before submitting."
	case client.CodeNoPrompt:
		return "Write a prompt before submitting."
	case client.CodeExtraNotJSON:
		return "The request's extra options cannot be sent as JSON."
	case client.CodeRequestBuild:
		return "Reelhouse could not build the request."
	case client.CodeNoTaskID:
		return "The task id is empty."
	case client.CodeTaskIDTooLong:
		return "The task id is too long (more than 200 characters)."
	case client.CodeTaskIDControl:
		return "The task id contains invisible control characters."
	case client.CodeInvalidOption:
		return "Reelhouse could not set up its connection to the service (" + e.Detail + ")."
	case client.CodeInvalidRequest:
		return "The request is incomplete."
	case client.CodeNoAPIKey:
		return "No API key is set. Add your key in Settings."
	case client.CodeKeyNotSendable:
		return "The API key contains characters that cannot be sent. Paste it again in Settings."
	case client.CodeInvalidBaseURL:
		return "The server address is not valid."
	case client.CodeBaseURLNotURL:
		return "The server address is not valid: it is not a web address."
	case client.CodeBaseURLNoHost:
		return "The server address is not valid: it must start with https:// and name a server."
	case client.CodeBaseURLUserInfo:
		return "The server address is not valid: it must not contain a user name or password."
	case client.CodeBaseURLQuery:
		return "The server address is not valid: it must not contain '?' or '#'."
	case client.CodeBaseURLInsecure:
		return "The server address is not valid: it must start with https:// (plain http:// is only allowed for this computer)."
	case client.CodeBaseURLScheme:
		return "The server address is not valid: it must start with https://."
	case client.CodeRedirectLoop:
		return "The server tried to send Reelhouse to one address after another, which it does not follow for safety."
	case client.CodeRedirectHost:
		return "The server tried to send Reelhouse to another server (" + e.Detail + "), which it does not follow for safety."
	case client.CodeRedirectInsecure:
		return "The server tried to send Reelhouse to an insecure (http) address, which it does not follow for safety."
	case client.CodeRedirectScheme:
		return "The server tried to send Reelhouse to a non-web address, which it does not follow for safety."
	case client.CodeRedirectRefused:
		return "The server tried to send Reelhouse to another address, which it does not follow for safety."
	case client.CodeNotVideo:
		return "The downloaded file is not a video (it does not look like an MP4 file)."
	case client.CodeStalled:
		if e.Detail != "" {
			return "The download stopped receiving data (" + e.Detail + ")." + resume
		}
		return "The download stopped receiving data." + resume
	case client.CodeIncomplete:
		return "The download was cut off before the end." + resume
	case client.CodeTooLarge:
		if e.Detail != "" {
			return "The video is larger than allowed (" + e.Detail + "), so it was not downloaded."
		}
		return "The video is larger than the allowed maximum, so it was not downloaded."
	case client.CodeLocalWrite:
		s := "The library folder is full or cannot be written to. Free some space or pick another folder in Settings, then retry the download."
		if e.Detail != "" {
			s += " (" + e.Detail + ")"
		}
		return s
	case client.CodeUnsupportedURL:
		return "The video address is not a secure web address, so Reelhouse will not download it."
	}
	return e.Error()
}

// historySentence is the sentence for an error of history, and whether
// err is one. History's own wrapping adds facts, not words, so the
// sentence stands alone.
func historySentence(err error) (string, bool) {
	var (
		fe *history.FolderError
		se *history.StoreError
	)
	switch {
	case errors.Is(err, history.ErrAlreadyRunning):
		return "Reelhouse is already running. Switch to the open window, or close it before starting Reelhouse again.", true
	case errors.Is(err, history.ErrNoLibraryFolder):
		return "No library folder is set. Choose one in Settings.", true
	case errors.Is(err, history.ErrNestedLibrary):
		return "The new library folder cannot be inside the old one, or the other way round. Choose a separate folder.", true
	case errors.Is(err, history.ErrNothingToExport):
		return "There is no downloaded video to export in what you selected.", true
	case errors.Is(err, history.ErrNoTaskIDYet):
		return "This request has no task id, so there is nothing to check. Add the task by its id if you found it on the service.", true
	case errors.Is(err, history.ErrNotFinished):
		return "This task has no finished video to download yet.", true
	case errors.Is(err, history.ErrSidecarsBehind):
		return "The change is saved in the history, but the file next to the video could not be updated. " +
			"Check that the library folder can be written to.", true
	case errors.Is(err, history.ErrNewerDatabase):
		return "The history was written by a newer version of Reelhouse. Please update Reelhouse.", true
	case errors.Is(err, history.ErrNotFound):
		return "That task is no longer in the history.", true
	case errors.As(err, &fe):
		return folderSentence(fe), true
	case errors.As(err, &se):
		return storeSentence(se), true
	}
	return "", false
}

// folderSentence explains a failure to use a folder or a file in it.
func folderSentence(e *history.FolderError) string {
	p, why := userText(e.Path), osReason(e.Err)
	exists := errors.Is(e.Err, fs.ErrExist)
	switch {
	case e.Op == history.OpOpenLibrary:
		return fmt.Sprintf("Reelhouse cannot use the library folder %s (%s). Choose another folder in Settings.", p, why)
	case e.Op == history.OpWriteLibrary:
		return fmt.Sprintf("Reelhouse could not write in the library folder (%s). Check that it can be written to and has free space.", why)
	case e.Op == history.OpDelete:
		return fmt.Sprintf("Reelhouse could not delete %s (%s).", p, why)
	case e.Op == history.OpTrash:
		return fmt.Sprintf("Reelhouse could not move the video to the trash (%s).", why)
	case e.Op == history.OpUntrash:
		return fmt.Sprintf("Reelhouse could not take the video out of the trash (%s).", why)
	case e.Op == history.OpExport && exists:
		return fmt.Sprintf("A file named %s is already in %s. Choose an empty folder.", filepath.Base(p), filepath.Dir(p))
	case e.Op == history.OpExport:
		return fmt.Sprintf("Reelhouse could not export to %s (%s). Check that the folder can be written to and has free space.", p, why)
	case e.Op == history.OpMoveLibrary && exists:
		return fmt.Sprintf("A different file named %s is already in the new folder, so nothing was moved. Choose an empty folder.", filepath.Base(p))
	case e.Op == history.OpMoveLibrary:
		return fmt.Sprintf("Reelhouse could not copy %s to the new folder, so nothing was moved (%s).", p, why)
	case e.Op == history.OpReadLibraries:
		return fmt.Sprintf("Reelhouse could not read the library folders (%s). Check that both exist.", why)
	case e.Op == history.OpDataFolder:
		return fmt.Sprintf("Reelhouse could not use its data folder %s (%s).", p, why)
	}
	return fmt.Sprintf("Reelhouse could not use %s (%s).", p, why)
}

// storeSentence explains a failure to read or write the history database.
func storeSentence(e *history.StoreError) string {
	why := e.Err.Error()
	switch e.Op {
	case history.OpOpenStore:
		return "Reelhouse could not open its history database (" + why + ")."
	case history.OpReadStore:
		return "Reelhouse could not read its history database (" + why + ")."
	case history.OpMigrateStore:
		return "Reelhouse could not update its history database (" + why + ")."
	case history.OpRecordRequest:
		return "Reelhouse could not record the request, so it was not sent (" + why + ")."
	case history.OpRecordVideo:
		return "Reelhouse could not record the downloaded video (" + why + ")."
	case history.OpRestore:
		return "Reelhouse could not restore a task from the library folder (" + why + ")."
	}
	return "Reelhouse could not save a change to its history (" + why + ")."
}

// osReason is the system's reason for a failed file operation, in the
// fewest words: the path is said by the sentence around it.
func osReason(err error) string {
	switch {
	case errors.Is(err, fs.ErrPermission):
		return "permission denied"
	case errors.Is(err, fs.ErrNotExist):
		return "it does not exist"
	case errors.Is(err, fs.ErrExist):
		return "a file of that name is already there"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err.Error()
	}
	return err.Error()
}

// clientErrorFromText rebuilds an error of the client from its text, as a
// record keeps it (its facts), so that the sentence shown later is the one
// shown when it happened. ok is false for any other text.
func clientErrorFromText(s string) (error, bool) {
	if m := apiErrorText.FindStringSubmatch(s); m != nil {
		status, _ := strconv.Atoi(m[2])
		e := &client.APIError{Op: m[1], StatusCode: status}
		if m[3] != "" {
			e.Code, _ = strconv.Unquote(m[3])
		}
		if m[4] != "" {
			e.Message, _ = strconv.Unquote(m[4])
		}
		return e, true
	}
	if m := fileHostErrorText.FindStringSubmatch(s); m != nil {
		status, _ := strconv.Atoi(m[1])
		return &client.DownloadError{StatusCode: status}, true
	}
	e := &client.Error{}
	rest := s
	for _, op := range []string{client.OpNew, client.OpBaseURL, client.OpCreate, client.OpTask, client.OpDownload} {
		if r, ok := strings.CutPrefix(s, op+": "); ok {
			e.Op, rest = op, r
			break
		}
	}
	code, detail, _ := strings.Cut(rest, ": ")
	e.Code, e.Detail = client.Code(code), detail
	if codeSentence(e) == e.Error() {
		return nil, false // not a code of the client
	}
	return e, true
}

var (
	quoted            = `"(?:[^"\\]|\\.)*"`
	apiErrorText      = regexp.MustCompile(`^(` + client.OpCreate + `|` + client.OpTask + `|request): HTTP (\d{3})(?:, code (` + quoted + `))?(?:, message (` + quoted + `))?$`)
	fileHostErrorText = regexp.MustCompile(`^file host: HTTP (\d{3})$`)
)

// factsText joins lead, which says what failed, with the facts a record
// keeps about why: the sentence of a client error when the facts are one,
// otherwise the facts themselves in brackets.
func factsText(lead, facts string) string {
	switch err, ok := clientErrorFromText(facts); {
	case facts == "":
		return lead + "."
	case ok:
		return lead + ": " + errText(err)
	}
	return lead + " (" + facts + ")."
}
