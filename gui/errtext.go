package gui

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"

	"fyne.io/fyne/v2/lang"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/client/keychain"
	"github.com/reelhouse/reelhouse/history/store"
)

// errText is the one place that turns an error from history, client or
// client/keychain into the sentence a person reads: what happened and what
// to do next, chosen by the error's code and translated. Those packages
// return codes and facts in English; the facts are not part of the
// sentence but are shown under "Details" (errDetails). An error that wraps
// one of client's reads as that error's sentence; an error nobody words
// reads as a sentence that says so.
func errText(err error) string {
	if err == nil {
		return ""
	}
	var ex *explained
	if errors.As(err, &ex) {
		return ex.text
	}
	var said sentence
	if errors.As(err, &said) {
		return string(said)
	}
	if s, ok := historySentence(err); ok {
		return s
	}
	if node := findClientError(err); node != nil {
		return clientSentence(node)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return lang.L("That took too long and was stopped. Check your connection and try again.")
	}
	return lang.L("Something went wrong that Reelhouse did not expect. Try again; if it happens again, “Details” says what the system reported.")
}

// errDetails is what err says in its own words, for "Details": the codes
// and facts errText leaves out, with secrets removed. It is "" when the
// sentence says it all.
func errDetails(err error) string {
	if err == nil {
		return ""
	}
	var said sentence
	if errors.As(err, &said) && err.Error() == string(said) {
		return ""
	}
	return client.RedactText(err.Error())
}

// explained is a failure with the sentence a person reads about it,
// chosen where it happened; its cause is shown under "Details".
type explained struct {
	text  string
	cause error
}

func (e *explained) Error() string { return e.cause.Error() }
func (e *explained) Unwrap() error { return e.cause }

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
		return lang.L("No API key is saved in the system keychain.")
	case errors.Is(kind, keychain.ErrTimeout):
		return lang.L("The system keychain did not unlock in time. Unlock it (it may be waiting for your password), then try again.")
	case errors.Is(kind, keychain.ErrLocked):
		return lang.L("The system keychain is locked. Unlock it, then try again.")
	case errors.Is(kind, keychain.ErrInvalidKey):
		return lang.L("An API key must be one line of text, not empty and not unusually long. Check that you copied only the key.")
	default: // ErrUnavailable, ErrNoSessionBus
		return lang.L("The system keychain is not available, so Reelhouse cannot read or store your API key safely. You can still use a key for this session only.")
	}
}

// apiSentence explains an error answer of the service, followed by the
// service's own words when they add something.
func apiSentence(e *client.APIError) string {
	create := e.Op == client.OpCreate
	status := map[string]any{"Status": e.StatusCode}
	var s string
	switch c := e.StatusCode; {
	case c == http.StatusUnauthorized || c == http.StatusForbidden:
		s = lang.L("The service refused the API key. Check the key in Settings.")
	case c == http.StatusTooManyRequests && create:
		s = lang.L("The service is busy (too many requests) and did not start the video. Wait a moment, then submit again.")
	case c == http.StatusTooManyRequests:
		s = lang.L("The service is busy (too many requests). Reelhouse will try again shortly.")
	case c == http.StatusNotFound && create:
		s = lang.L("The service does not offer video creation at this address (HTTP 404). Check the server address in Settings.")
	case c == http.StatusNotFound:
		s = lang.L("The service has no task with that id for this key.")
	case c == http.StatusRequestTimeout && create:
		s = lang.L("The service took too long to read the request (HTTP 408). Submit again in a moment.")
	case c == http.StatusRequestTimeout:
		s = lang.L("The service took too long to answer (HTTP 408). Reelhouse will try again.")
	case c >= 500 && create:
		s = lang.L("The service had a temporary problem (HTTP {{.Status}}). Reelhouse does not resubmit on its own; try again in a moment.", status)
	case c >= 500:
		s = lang.L("The service had a temporary problem (HTTP {{.Status}}). Reelhouse will try again.", status)
	case c == http.StatusBadRequest || c == http.StatusUnprocessableEntity:
		s = lang.L("The service rejected the request (HTTP {{.Status}}).", status)
	case c == http.StatusRequestEntityTooLarge:
		s = lang.L("The service rejected the request because it is too large (HTTP 413). Use smaller reference files.")
	default:
		s = lang.L("The service answered with an unexpected error (HTTP {{.Status}}).", status)
	}
	return s // the service's own code and message are under "Details"
}

// downloadSentence explains an error answer of the file host.
func downloadSentence(e *client.DownloadError) string {
	status := map[string]any{"Status": e.StatusCode}
	switch {
	case client.IsURLExpired(e):
		return lang.L("The video's download link has expired or is no longer valid (HTTP {{.Status}}). Ask the service for a fresh link.", status)
	case errors.Is(e, client.ErrTransient):
		return lang.L("The video host had a temporary problem (HTTP {{.Status}}). Try the download again in a moment.", status)
	default:
		return lang.L("The video host refused the download (HTTP {{.Status}}).", status)
	}
}

// codeSentence explains a failure the client found itself.
func codeSentence(e *client.Error) string {
	switch e.Code {
	case client.CodeUnauthorized:
		return lang.L("The service refused the API key. Check the key in Settings.")
	case client.CodeRateLimited:
		return lang.L("The service is busy (too many requests). Reelhouse will try again shortly.")
	case client.CodeNotFound:
		return lang.L("The service has no task with that id for this key.")
	case client.CodeTransient:
		return lang.L("The service could not be reached for a moment. Reelhouse will try again.")
	case client.CodeUnreachable:
		if e.Op == client.OpDownload {
			return lang.L("Reelhouse could not reach the video host. Try the download again in a moment.")
		}
		return lang.L("Reelhouse could not reach the service. Check the internet connection and the server address in Settings.")
	case client.CodeMalformed:
		if errors.Is(e, client.ErrTransient) {
			return lang.L("The service sent an answer Reelhouse could not read. Reelhouse will ask again.")
		}
		return lang.L("The service sent an answer Reelhouse could not read.")
	case client.CodeUncertain:
		return lang.L("Reelhouse sent the request but never heard back, so it cannot tell whether the video was started. " +
			"Look for it on the service, add it by its task id, or submit again on purpose.")
	case client.CodeNoModel:
		return lang.L("Choose a model before submitting.")
	case client.CodeNoPrompt:
		return lang.L("Write a prompt before submitting.")
	case client.CodeAudioAlone:
		return lang.L("The service takes a sound only together with a picture or a video. Add one, or take the sound away.")
	case client.CodeExtraNotJSON:
		return lang.L("The request's extra options cannot be sent as JSON.")
	case client.CodeRequestBuild:
		return lang.L("Reelhouse could not build the request.")
	case client.CodeNoTaskID:
		return lang.L("The task id is empty.")
	case client.CodeTaskIDTooLong:
		return lang.L("The task id is too long (more than 200 characters).")
	case client.CodeTaskIDControl:
		return lang.L("The task id contains invisible control characters.")
	case client.CodeInvalidOption:
		return lang.L("Reelhouse could not set up its connection to the service.")
	case client.CodeInvalidRequest:
		return lang.L("The request is incomplete.")
	case client.CodeNoAPIKey:
		return lang.L("No API key is set. Add your key in Settings.")
	case client.CodeKeyNotSendable:
		return lang.L("The API key contains characters that cannot be sent. Paste it again in Settings.")
	case client.CodeInvalidBaseURL:
		return lang.L("The server address is not valid.")
	case client.CodeBaseURLNotURL:
		return lang.L("The server address is not valid: it is not a web address.")
	case client.CodeBaseURLNoHost:
		return lang.L("The server address is not valid: it must start with https:// and name a server.")
	case client.CodeBaseURLUserInfo:
		return lang.L("The server address is not valid: it must not contain a user name or password.")
	case client.CodeBaseURLQuery:
		return lang.L("The server address is not valid: it must not contain '?' or '#'.")
	case client.CodeBaseURLInsecure:
		return lang.L("The server address is not valid: it must start with https:// (plain http:// is only allowed for this computer).")
	case client.CodeBaseURLScheme:
		return lang.L("The server address is not valid: it must start with https://.")
	case client.CodeRedirectLoop:
		return lang.L("The server tried to send Reelhouse to one address after another, which it does not follow for safety.")
	case client.CodeRedirectHost:
		// The detail is the other server's name, not words.
		return lang.L("The server tried to send Reelhouse to another server ({{.Detail}}), which it does not follow for safety.", map[string]any{"Detail": e.Detail})
	case client.CodeRedirectInsecure:
		return lang.L("The server tried to send Reelhouse to an insecure (http) address, which it does not follow for safety.")
	case client.CodeRedirectScheme:
		return lang.L("The server tried to send Reelhouse to a non-web address, which it does not follow for safety.")
	case client.CodeRedirectRefused:
		return lang.L("The server tried to send Reelhouse to another address, which it does not follow for safety.")
	case client.CodeNotVideo:
		return lang.L("The downloaded file is not a video (it does not look like an MP4 file).")
	case client.CodeStalled:
		return lang.L("The download stopped receiving data. Reelhouse will try again and continue where it left off.")
	case client.CodeIncomplete:
		return lang.L("The download was cut off before the end. Reelhouse will try again and continue where it left off.")
	case client.CodeTooLarge:
		return lang.L("The video is larger than the allowed maximum, so it was not downloaded.")
	case client.CodeLocalWrite:
		return lang.L("The library folder is full or cannot be written to. Free some space or pick another folder in Settings, then retry the download.")
	case client.CodeUnsupportedURL:
		return lang.L("The video address is not a secure web address, so Reelhouse will not download it.")
	case client.CodeUnsupportedScheme:
		return lang.L("The service sent a video address Reelhouse cannot download from; retrying will not help.")
	}
	return e.Error()
}

// historySentence is the sentence for an error of history, and whether
// err is one. History's own wrapping adds facts, not words, so the
// sentence stands alone.
func historySentence(err error) (string, bool) {
	var (
		fe *store.FolderError
		se *store.StoreError
	)
	switch {
	case errors.Is(err, store.ErrAlreadyRunning):
		return lang.L("Reelhouse is already running. Switch to the open window, or close it before starting Reelhouse again."), true
	case errors.Is(err, store.ErrNoLibraryFolder):
		return lang.L("No library folder is set. Choose one in Settings."), true
	case errors.Is(err, store.ErrNestedLibrary):
		return lang.L("The new library folder cannot be inside the old one, or the other way round. Choose a separate folder."), true
	case errors.Is(err, store.ErrNothingToExport):
		return lang.L("There is no downloaded video to export in what you selected."), true
	case errors.Is(err, store.ErrNoTaskIDYet):
		return lang.L("This request has no task id, so there is nothing to check. Add the task by its id if you found it on the service."), true
	case errors.Is(err, store.ErrNotFinished):
		return lang.L("This task has no finished video to download yet."), true
	case errors.Is(err, store.ErrSidecarsBehind):
		return lang.L("The change is saved in the history, but the file next to the video could not be updated. " +
			"Check that the library folder can be written to."), true
	case errors.Is(err, store.ErrNewerDatabase):
		return lang.L("The history was written by a newer version of Reelhouse. Please update Reelhouse."), true
	case errors.Is(err, store.ErrNotFound):
		return lang.L("That task is no longer in the history."), true
	case errors.As(err, &fe):
		return folderSentence(fe), true
	case errors.As(err, &se):
		return storeSentence(se), true
	}
	return "", false
}

// folderSentence explains a failure to use a folder or a file in it.
func folderSentence(e *store.FolderError) string {
	p := userText(e.Path)
	d := map[string]any{"Path": p, "Reason": osReason(e.Err), "Name": filepath.Base(p), "Folder": filepath.Dir(p)}
	exists := errors.Is(e.Err, fs.ErrExist)
	switch {
	case e.Op == store.OpOpenLibrary:
		return lang.L("Reelhouse cannot use the library folder {{.Path}} ({{.Reason}}). Choose another folder in Settings.", d)
	case e.Op == store.OpWriteLibrary:
		return lang.L("Reelhouse could not write in the library folder ({{.Reason}}). Check that it can be written to and has free space.", d)
	case e.Op == store.OpDelete:
		return lang.L("Reelhouse could not delete {{.Path}} ({{.Reason}}).", d)
	case e.Op == store.OpTrash:
		return lang.L("Reelhouse could not move the video to the trash ({{.Reason}}).", d)
	case e.Op == store.OpUntrash:
		return lang.L("Reelhouse could not take the video out of the trash ({{.Reason}}).", d)
	case e.Op == store.OpExport && exists:
		return lang.L("A file named {{.Name}} is already in {{.Folder}}. Choose an empty folder.", d)
	case e.Op == store.OpExport:
		return lang.L("Reelhouse could not export to {{.Path}} ({{.Reason}}). Check that the folder can be written to and has free space.", d)
	case e.Op == store.OpMoveLibrary && exists:
		return lang.L("A different file named {{.Name}} is already in the new folder, so nothing was moved. Choose an empty folder.", d)
	case e.Op == store.OpMoveLibrary:
		return lang.L("Reelhouse could not copy {{.Path}} to the new folder, so nothing was moved ({{.Reason}}).", d)
	case e.Op == store.OpReadLibraries:
		return lang.L("Reelhouse could not read the library folders ({{.Reason}}). Check that both exist.", d)
	case e.Op == store.OpDataFolder:
		return lang.L("Reelhouse could not use its data folder {{.Path}} ({{.Reason}}).", d)
	}
	return lang.L("Reelhouse could not use {{.Path}} ({{.Reason}}).", d)
}

// storeSentence explains a failure to read or write the history database.
func storeSentence(e *store.StoreError) string {
	// The database's own words are under "Details".
	switch e.Op {
	case store.OpOpenStore:
		return lang.L("Reelhouse could not open its history database.")
	case store.OpReadStore:
		return lang.L("Reelhouse could not read its history database.")
	case store.OpMigrateStore:
		return lang.L("Reelhouse could not update its history database.")
	case store.OpRecordRequest:
		return lang.L("Reelhouse could not record the request, so it was not sent.")
	case store.OpRecordVideo:
		return lang.L("Reelhouse could not record the downloaded video.")
	case store.OpRestore:
		return lang.L("Reelhouse could not restore a task from the library folder.")
	case store.OpSaveStory:
		return lang.L("Reelhouse could not save the story.")
	}
	return lang.L("Reelhouse could not save a change to its history.")
}

// osReason is the system's reason for a failed file operation, in the
// fewest words: the path is said by the sentence around it.
func osReason(err error) string {
	switch {
	case errors.Is(err, fs.ErrPermission):
		return lang.L("permission denied")
	case errors.Is(err, fs.ErrNotExist):
		return lang.L("it does not exist")
	case errors.Is(err, fs.ErrExist):
		return lang.L("a file of that name is already there")
	case errors.Is(err, syscall.ENOSPC):
		return lang.L("the disk is full")
	case errors.Is(err, syscall.EROFS):
		return lang.L("the disk can only be read")
	}
	// The system's own words are under "Details".
	return lang.L("the system reported an error")
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
// keeps about why when they are an error of the client, as that error's
// sentence. Other facts are the system's words, not the app's: they are
// shown under "Details" (problemError), not in the sentence.
func factsText(lead, facts string) string {
	if err, ok := clientErrorFromText(facts); ok {
		return lang.L("{{.Lead}}: {{.Reason}}", map[string]any{"Lead": lead, "Reason": errText(err)})
	}
	return lang.L("{{.Lead}}.", map[string]any{"Lead": lead})
}
