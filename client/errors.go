package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"
)

// plainError is an error whose text is a sentence meant for the user. It
// matches the sentinels in kinds with errors.Is and also unwraps to cause,
// whose own text is never shown (it may be technical).
type plainError struct {
	msg   string
	kinds []error
	cause error
}

func (e *plainError) Error() string { return e.msg }

func (e *plainError) Unwrap() []error {
	out := make([]error, 0, len(e.kinds)+1)
	out = append(out, e.kinds...)
	if e.cause != nil {
		out = append(out, e.cause)
	}
	return out
}

func sentinel(msg string, kinds ...error) error { return &plainError{msg: msg, kinds: kinds} }

// Kinds of failure. Match them with errors.Is; the texts are written for the
// user and may be shown as they are.
var (
	// ErrUnauthorized: the service refused the key (HTTP 401 or 403).
	ErrUnauthorized = sentinel("The service refused the API key. Check the key in Settings.")
	// ErrRateLimited: the service asked us to slow down (HTTP 429).
	ErrRateLimited = sentinel("The service is busy (too many requests). Reelhouse will try again shortly.")
	// ErrNotFound: the service does not know the task (HTTP 404).
	ErrNotFound = sentinel("The service has no task with that id for this key.")
	// ErrTransient: a temporary failure worth trying again later.
	ErrTransient = sentinel("The service could not be reached for a moment. Reelhouse will try again.")
	// ErrMalformedResponse: the answer was not JSON Reelhouse could read, or
	// was larger than 1 MiB.
	ErrMalformedResponse = sentinel("The service sent an answer Reelhouse could not read.")
	// ErrSubmissionUncertain: a create request was sent but its answer never
	// arrived, so the task may or may not exist. Never resend automatically.
	ErrSubmissionUncertain = sentinel("Reelhouse sent the request but never heard back, so it cannot tell whether the video was started. Look for it on the service, add it by its task id, or submit again on purpose.")
	// ErrInvalidRequest: the request was refused before sending it.
	ErrInvalidRequest = sentinel("The request is incomplete.")
	// ErrNoAPIKey: no key is set; nothing was sent. It also matches
	// ErrUnauthorized, so callers that send the user to Settings for a bad
	// key do the same for a missing one.
	ErrNoAPIKey = sentinel("No API key is set. Add your key in Settings.", ErrUnauthorized)
	// ErrInvalidBaseURL: the server address is unusable.
	ErrInvalidBaseURL = sentinel("The server address is not valid.", ErrInvalidRequest)
	// ErrRedirectRefused: the server tried to send Reelhouse somewhere it
	// will not follow (another host, an insecure address or an odd scheme).
	ErrRedirectRefused = sentinel("The server tried to send Reelhouse to another address, which it does not follow for safety.")
)

// APIError is an error answer (HTTP 4xx or 5xx) from the service.
type APIError struct {
	StatusCode int
	// Code is the service's machine-readable code, if it sent one.
	Code string
	// Message is the service's explanation, sanitised: no API key, no URL
	// query strings, no control characters, at most a few hundred characters.
	Message string
	// RetryAfter is how long the service asked us to wait (0 if it did not),
	// capped at one minute.
	RetryAfter time.Duration

	create bool // the answer to a create call, which Reelhouse never resends
}

// Error returns a plain sentence, followed by the service's own words when
// they add something.
func (e *APIError) Error() string {
	var s string
	switch c := e.StatusCode; {
	case c == http.StatusUnauthorized || c == http.StatusForbidden:
		s = "The service refused the API key. Check the key in Settings."
	case c == http.StatusTooManyRequests && e.create:
		s = "The service is busy (too many requests) and did not start the video. Wait a moment, then submit again."
	case c == http.StatusTooManyRequests:
		s = "The service is busy (too many requests). Reelhouse will try again shortly."
	case c == http.StatusNotFound && e.create:
		s = "The service does not offer video creation at this address (HTTP 404). Check the server address in Settings."
	case c == http.StatusNotFound:
		s = "The service has no task with that id for this key."
	case c == http.StatusRequestTimeout && e.create:
		s = "The service took too long to read the request (HTTP 408). Submit again in a moment."
	case c == http.StatusRequestTimeout:
		s = "The service took too long to answer (HTTP 408). Reelhouse will try again."
	case c >= 500 && e.create:
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

// Is maps the HTTP status to the sentinel errors of this package.
func (e *APIError) Is(target error) bool {
	c := e.StatusCode
	switch target {
	case ErrUnauthorized:
		return c == http.StatusUnauthorized || c == http.StatusForbidden
	case ErrRateLimited:
		return c == http.StatusTooManyRequests
	case ErrNotFound:
		return c == http.StatusNotFound
	case ErrTransient:
		return transientStatus(c)
	}
	return false
}

func transientStatus(c int) bool {
	return c == http.StatusRequestTimeout || c == http.StatusTooManyRequests || c >= 500
}

// IsUnauthorized reports whether err means the key is missing, wrong or
// lacks access.
func IsUnauthorized(err error) bool { return errors.Is(err, ErrUnauthorized) }

// IsRateLimited reports whether the service asked Reelhouse to slow down.
func IsRateLimited(err error) bool { return errors.Is(err, ErrRateLimited) }

// IsNotFound reports whether the service does not know the task.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// IsTransient reports whether trying the same thing again later may work:
// HTTP 408, 429 and 5xx, connection failures, timeouts of queries and
// downloads, cut-off answers, and unreadable answers to queries (a query can
// be repeated; an unreadable answer to a create is never transient). It is
// false for cancellation by the caller and for uncertain submissions, which
// must never be resent automatically.
func IsTransient(err error) bool {
	switch {
	case err == nil,
		errors.Is(err, context.Canceled),
		errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, ErrSubmissionUncertain),
		errors.Is(err, ErrInvalidRequest),
		errors.Is(err, ErrUnauthorized),
		errors.Is(err, ErrLocalWrite):
		return false
	case errors.Is(err, ErrTransient),
		errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNABORTED),
		errors.Is(err, syscall.EPIPE),
		errors.Is(err, syscall.ETIMEDOUT),
		errors.Is(err, syscall.EHOSTUNREACH),
		errors.Is(err, syscall.ENETUNREACH):
		return true
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return transientStatus(apiErr.StatusCode)
	}
	// Errors of the network layer, but not any syscall.Errno (which also
	// satisfies net.Error).
	var opErr *net.OpError
	var dnsErr *net.DNSError
	var netErr net.Error
	return errors.As(err, &opErr) || errors.As(err, &dnsErr) ||
		(errors.As(err, &netErr) && netErr.Timeout())
}

// RetryAfter returns how long the service asked Reelhouse to wait before
// trying again, if it said so.
func RetryAfter(err error) (time.Duration, bool) {
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.RetryAfter > 0 {
		return apiErr.RetryAfter, true
	}
	var dlErr *DownloadError
	if errors.As(err, &dlErr) && dlErr.RetryAfter > 0 {
		return dlErr.RetryAfter, true
	}
	return 0, false
}

// maxRetryAfter caps what a server can make us wait for.
const maxRetryAfter = 60 * time.Second

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP-date.
func parseRetryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseFloat(h, 64); err == nil {
		if secs <= 0 || secs != secs { // also rejects NaN
			return 0
		}
		if secs >= maxRetryAfter.Seconds() {
			return maxRetryAfter
		}
		d = time.Duration(secs * float64(time.Second))
	} else if t, err := http.ParseTime(h); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), maxRetryAfter)
}

const (
	maxErrorBody    = 64 << 10 // how much of an error answer is read
	maxMessageRunes = 300      // how much of a server message is kept
)

// newAPIError reads an error answer. The body is read through a limit and
// the message is sanitised against key.
func newAPIError(resp *http.Response, key string, create bool) *APIError {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	code, msg := parseErrorBody(body)
	return &APIError{
		StatusCode: resp.StatusCode,
		Code:       sanitize(code, key, 80),
		Message:    sanitize(msg, key, maxMessageRunes),
		RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()),
		create:     create,
	}
}

// parseErrorBody understands {"error":{"code":..,"message":..}},
// {"error":"text"}, {"message":..} and plain text.
func parseErrorBody(body []byte) (code, msg string) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return "", ""
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) == nil {
		if raw, ok := top["error"]; ok {
			var obj map[string]json.RawMessage
			if json.Unmarshal(raw, &obj) == nil {
				code = jsonText(obj["code"])
				if code == "" {
					code = jsonText(obj["type"])
				}
				msg = jsonText(obj["message"])
				if msg == "" {
					msg = jsonText(obj["msg"])
				}
				return code, msg
			}
			if s := jsonText(raw); s != "" {
				return jsonText(top["code"]), s
			}
		}
		code = jsonText(top["code"])
		msg = jsonText(top["message"])
		if msg == "" {
			msg = jsonText(top["msg"])
		}
		if msg == "" {
			msg = jsonText(top["detail"])
		}
		return code, msg
	}
	if body[0] == '<' { // an HTML error page says nothing useful
		return "", ""
	}
	if body[0] == '{' || body[0] == '[' { // broken JSON
		return "", ""
	}
	return "", string(body)
}

// jsonText turns a JSON string or number into text; anything else is "".
func jsonText(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

var (
	keyShape  = regexp.MustCompile(`sk-[A-Za-z0-9_\-.]+`)
	bearer    = regexp.MustCompile(`(?i)bearer\s+[^\s"',;]+`)
	urlInText = regexp.MustCompile(`(?i)\b[a-z][a-z0-9+.\-]*://[^\s"'<>]+`)
)

// sanitize makes server-provided text safe to show and log: the key and
// anything shaped like a key become ***, URLs lose their query strings,
// control characters become spaces, and the length is capped.
func sanitize(s, key string, maxRunes int) string {
	if s == "" {
		return ""
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if k := strings.TrimSpace(key); k != "" {
		s = strings.ReplaceAll(s, k, "***")
	}
	s = bearer.ReplaceAllString(s, "Bearer ***")
	s = keyShape.ReplaceAllString(s, "***")
	s = urlInText.ReplaceAllStringFunc(s, RedactURL)
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) > maxRunes {
		r := []rune(s)
		s = string(r[:maxRunes]) + "…"
	}
	return s
}

// describeCause gives a short, safe description of a transport failure for
// use inside a sentence. It never contains a URL.
func describeCause(err error) string {
	var dnsErr *net.DNSError
	var netErr net.Error
	var tErr timeoutError
	switch {
	case errors.As(err, &tErr):
		return tErr.Error()
	case errors.Is(err, syscall.ECONNREFUSED):
		return "the connection was refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNABORTED), errors.Is(err, syscall.EPIPE):
		return "the connection was reset"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the connection closed before the answer arrived"
	case errors.As(err, &dnsErr):
		return "the server name could not be found"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "the network is unreachable"
	case errors.As(err, &netErr) && netErr.Timeout():
		return "the connection timed out"
	}
	msg := err.Error()
	if strings.Contains(strings.ToLower(msg), "tls") || strings.Contains(strings.ToLower(msg), "certificate") {
		return "the secure connection could not be set up"
	}
	return sanitize(msg, "", 120)
}

// timeoutError is the cause recorded when one of our own per-request time
// limits ran out (as opposed to the caller's context).
type timeoutError struct{ limit time.Duration }

func (e timeoutError) Error() string {
	return "no answer within " + formatDuration(e.limit)
}

func (e timeoutError) Is(target error) bool { return target == errTimedOut }

var errTimedOut = errors.New("timed out")

func formatDuration(d time.Duration) string {
	if d >= time.Second && d%time.Second == 0 {
		return fmt.Sprintf("%d s", d/time.Second)
	}
	return d.String()
}

// transportError is a failure to get an answer at all, with nothing sent
// that matters (or for requests that may safely be repeated).
func transportError(cause error) error {
	return &plainError{
		msg:   "Reelhouse could not reach the service: " + describeCause(cause) + ". Check the internet connection and the server address in Settings.",
		kinds: []error{ErrTransient},
		cause: cause,
	}
}

// uncertainError reports a create call whose request went out but whose
// answer never came (or could not be read).
func uncertainError(cause error, kinds ...error) error {
	msg := ErrSubmissionUncertain.Error()
	if cause != nil && !errors.Is(cause, context.Canceled) {
		msg += " What happened: " + uncertainDetail(cause) + "."
	}
	return &plainError{msg: msg, kinds: append([]error{ErrSubmissionUncertain}, kinds...), cause: cause}
}

func uncertainDetail(cause error) string {
	var apiErr *APIError
	if errors.As(cause, &apiErr) {
		return fmt.Sprintf("a gateway in front of the service gave up waiting (HTTP %d)", apiErr.StatusCode)
	}
	if errors.Is(cause, ErrMalformedResponse) {
		return "the answer could not be read"
	}
	return describeCause(cause)
}

// malformedError reports an unreadable answer. Answers to queries are worth
// asking again, so those also match ErrTransient.
func malformedError(detail string, query bool) error {
	msg := "The service sent an answer Reelhouse could not read (" + detail + ")."
	kinds := []error{ErrMalformedResponse}
	if query {
		msg += " Reelhouse will ask again."
		kinds = append(kinds, ErrTransient)
	}
	return &plainError{msg: msg, kinds: kinds}
}

// invalidRequest reports a request refused before sending.
func invalidRequest(msg string) error {
	return &plainError{msg: msg, kinds: []error{ErrInvalidRequest}}
}
