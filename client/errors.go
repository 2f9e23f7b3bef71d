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

// Code names a kind of failure, for programs and logs. The sentence a
// person reads is chosen by the app from the code and the facts of the
// error, not from its text.
type Code string

// Codes of *Error. Several codes share a sentinel: every Code*Redirect*
// error matches ErrRedirectRefused, every CodeBaseURL* error matches
// ErrInvalidBaseURL, and so on.
const (
	CodeUnauthorized   Code = "unauthorized"
	CodeRateLimited    Code = "rate limited"
	CodeNotFound       Code = "task not found"
	CodeTransient      Code = "temporary failure"
	CodeUnreachable    Code = "unreachable"        // no answer at all; Detail says why
	CodeMalformed      Code = "malformed response" // Detail says how
	CodeUncertain      Code = "submission uncertain"
	CodeInvalidRequest Code = "invalid request"
	CodeInvalidOption  Code = "invalid option" // Detail names the option
	CodeRequestBuild   Code = "request not built"
	CodeNoModel        Code = "no model"
	CodeNoPrompt       Code = "no prompt"
	CodeExtraNotJSON   Code = "extra options not json"
	CodeNoTaskID       Code = "empty task id"
	CodeTaskIDTooLong  Code = "task id longer than 200 characters"
	CodeTaskIDControl  Code = "task id has control characters"
	CodeNoAPIKey       Code = "no api key"
	CodeKeyNotSendable Code = "api key has characters that cannot be sent"
	CodeLocalFile      Code = "local file not expanded"
	CodeAudioAlone     Code = "reference audio without an image or video"

	CodeInvalidBaseURL  Code = "invalid server address"
	CodeBaseURLNotURL   Code = "server address is not a url"
	CodeBaseURLNoHost   Code = "server address has no scheme or host"
	CodeBaseURLUserInfo Code = "server address has user info"
	CodeBaseURLQuery    Code = "server address has a query or fragment"
	CodeBaseURLInsecure Code = "server address is http but not loopback"
	CodeBaseURLScheme   Code = "server address scheme is not https"

	CodeRedirectRefused  Code = "redirect refused"
	CodeRedirectLoop     Code = "too many redirects"
	CodeRedirectHost     Code = "redirect to another host" // Detail is the host
	CodeRedirectInsecure Code = "redirect to http"
	CodeRedirectScheme   Code = "redirect to a non-web address"

	CodeNotVideo       Code = "not an mp4 file"
	CodeStalled        Code = "stalled" // Detail: how long no data came
	CodeIncomplete     Code = "incomplete"
	CodeTooLarge       Code = "too large" // Detail: the maximum
	CodeLocalWrite     Code = "local write failed"
	CodeUnsupportedURL Code = "unsupported video url"
	// CodeUnsupportedScheme: the video address is not a web address at all
	// (file:, ftp:, ...); no retry can help. Detail is the scheme.
	CodeUnsupportedScheme Code = "video url scheme not downloadable"
)

// Operations, the Op of *Error and *APIError.
const (
	OpNew      = "new client"
	OpBaseURL  = "set server address"
	OpCreate   = "create task"
	OpTask     = "get task"
	OpDownload = "download video"
)

// Error is a failure found by the client itself (answers of the service and
// the file host are *APIError and *DownloadError): the operation, a code and
// facts. It matches its sentinels with errors.Is and unwraps to Cause.
type Error struct {
	// Op is the operation, one of the Op constants; empty for sentinels.
	Op string
	// Code says what went wrong.
	Code Code
	// Detail holds facts: a limit, what the network said, a host. It never
	// holds the key or a URL's query string. It may be empty.
	Detail string
	// Cause is the failure underneath, if any; it is for logs and errors.Is.
	Cause error

	kinds []error
}

// Error returns "op: code: detail", leaving out what is empty.
func (e *Error) Error() string {
	s := string(e.Code)
	if e.Op != "" {
		s = e.Op + ": " + s
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// Unwrap gives errors.Is and errors.As the sentinels the error matches and
// its cause.
func (e *Error) Unwrap() []error {
	out := make([]error, 0, len(e.kinds)+1)
	out = append(out, e.kinds...)
	if e.Cause != nil {
		out = append(out, e.Cause)
	}
	return out
}

func sentinel(code Code, kinds ...error) *Error { return &Error{Code: code, kinds: kinds} }

// Kinds of failure. Match them with errors.Is.
var (
	// ErrUnauthorized: the service refused the key (HTTP 401 or 403).
	ErrUnauthorized = sentinel(CodeUnauthorized)
	// ErrRateLimited: the service asked us to slow down (HTTP 429).
	ErrRateLimited = sentinel(CodeRateLimited)
	// ErrNotFound: the service does not know the task (HTTP 404).
	ErrNotFound = sentinel(CodeNotFound)
	// ErrTransient: a temporary failure worth trying again later.
	ErrTransient = sentinel(CodeTransient)
	// ErrMalformedResponse: the answer was not JSON Reelhouse could read, or
	// was larger than 1 MiB.
	ErrMalformedResponse = sentinel(CodeMalformed)
	// ErrSubmissionUncertain: a create request was sent but its answer never
	// arrived, so the task may or may not exist. Never resend automatically.
	ErrSubmissionUncertain = sentinel(CodeUncertain)
	// ErrInvalidRequest: the request was refused before sending it.
	ErrInvalidRequest = sentinel(CodeInvalidRequest)
	// ErrNoAPIKey: no key is set; nothing was sent. It also matches
	// ErrUnauthorized, so callers that ask for a key after a bad key do the
	// same for a missing one.
	ErrNoAPIKey = sentinel(CodeNoAPIKey, ErrUnauthorized)
	// ErrInvalidBaseURL: the server address is unusable.
	ErrInvalidBaseURL = sentinel(CodeInvalidBaseURL, ErrInvalidRequest)
	// ErrRedirectRefused: the server tried to send Reelhouse somewhere it
	// will not follow (another host, an insecure address or an odd scheme).
	ErrRedirectRefused = sentinel(CodeRedirectRefused)
)

// APIError is an error answer (HTTP 4xx or 5xx) from the service.
type APIError struct {
	// Op is the call that was answered: OpCreate or OpTask.
	Op         string
	StatusCode int
	// Code is the service's machine-readable code, if it sent one.
	Code string
	// Message is the service's explanation, sanitised: no API key, no URL
	// query strings, no control characters, at most a few hundred characters.
	Message string
	// RetryAfter is how long the service asked us to wait (0 if it did not),
	// capped at one minute.
	RetryAfter time.Duration
}

// Error returns the call, the HTTP status and what the service said.
func (e *APIError) Error() string {
	op := e.Op
	if op == "" {
		op = "request"
	}
	s := fmt.Sprintf("%s: HTTP %d", op, e.StatusCode)
	if e.Code != "" {
		s += ", code " + strconv.Quote(e.Code)
	}
	if e.Message != "" {
		s += ", message " + strconv.Quote(e.Message)
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
		errors.Is(err, ErrCannotCancel), // a 501 refusal too: asking again is refused again
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
func newAPIError(resp *http.Response, key, op string) *APIError {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	code, msg := parseErrorBody(body)
	return &APIError{
		Op:         op,
		StatusCode: resp.StatusCode,
		Code:       sanitize(code, key, 80),
		Message:    sanitize(msg, key, maxMessageRunes),
		RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()),
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
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	if n := len(raw); n >= 2 && raw[0] == '"' && raw[n-1] == '"' && plainJSONText(raw[1:n-1]) {
		return string(raw[1 : n-1])
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

// plainJSONText reports whether b, the inside of a JSON string, reads as
// itself: no escape, quote or control character, and valid UTF-8.
func plainJSONText(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c == '"' || c == '\\' {
			return false
		}
	}
	return utf8.Valid(b)
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
func transportError(op string, cause error) error {
	return &Error{Op: op, Code: CodeUnreachable, Detail: describeCause(cause), Cause: cause, kinds: []error{ErrTransient}}
}

// uncertainError reports a create call whose request went out but whose
// answer never came (or could not be read). Detail says what happened,
// unless the caller cancelled.
func uncertainError(cause error, kinds ...error) error {
	e := &Error{Op: OpCreate, Code: CodeUncertain, Cause: cause, kinds: append([]error{ErrSubmissionUncertain}, kinds...)}
	if cause != nil && !errors.Is(cause, context.Canceled) {
		e.Detail = uncertainDetail(cause)
	}
	return e
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
func malformedError(op, detail string, query bool) error {
	kinds := []error{ErrMalformedResponse}
	if query {
		kinds = append(kinds, ErrTransient)
	}
	return &Error{Op: op, Code: CodeMalformed, Detail: detail, kinds: kinds}
}

// invalidRequest reports a request refused before sending.
func invalidRequest(op string, code Code, detail string) error {
	return &Error{Op: op, Code: code, Detail: detail, kinds: []error{ErrInvalidRequest}}
}
