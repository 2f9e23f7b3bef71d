package gui

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/client/keychain"
)

// errText is the one place that turns an error from client or
// client/keychain into the sentence a person reads: what happened and what
// to do next. Those packages return codes and facts; the words are chosen
// here. An error that wraps one of theirs keeps its own words around the
// sentence (its text is expected to contain the wrapped error's text, as
// fmt.Errorf's %w gives); any other error is shown as it is.
func errText(err error) string {
	if err == nil {
		return ""
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

// ErrorText is the plain sentence for an error of the client, for the
// parts of Reelhouse that keep a message for the windows to show later.
func ErrorText(err error) string { return errText(err) }
