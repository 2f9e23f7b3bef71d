package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestAPIErrorFacts: an error answer says which call, the HTTP status and
// the service's code and message, and matches the sentinels of its status.
func TestAPIErrorFacts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		op           string
		status       int
		code, msg    string
		wantText     string
		unauthorized bool
		rateLimited  bool
		notFound     bool
		transient    bool
	}{
		{op: OpTask, status: 401, code: "invalid_key", msg: "invalid api key", wantText: `get task: HTTP 401, code "invalid_key", message "invalid api key"`, unauthorized: true},
		{op: OpTask, status: 403, wantText: "get task: HTTP 403", unauthorized: true},
		{op: OpTask, status: 429, wantText: "get task: HTTP 429", rateLimited: true, transient: true},
		{op: OpCreate, status: 429, msg: "slow down", wantText: `create task: HTTP 429, message "slow down"`, rateLimited: true, transient: true},
		{op: OpTask, status: 404, msg: "Not Found", wantText: `get task: HTTP 404, message "Not Found"`, notFound: true},
		{op: OpTask, status: 408, wantText: "get task: HTTP 408", transient: true},
		{op: OpTask, status: 500, wantText: "get task: HTTP 500", transient: true},
		{op: OpCreate, status: 503, wantText: "create task: HTTP 503", transient: true},
		{op: OpCreate, status: 400, code: "invalid_request", msg: "prompt is required", wantText: `create task: HTTP 400, code "invalid_request", message "prompt is required"`},
		{status: 418, wantText: "request: HTTP 418"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.op, tt.status), func(t *testing.T) {
			t.Parallel()
			err := error(&APIError{Op: tt.op, StatusCode: tt.status, Code: tt.code, Message: tt.msg})
			if text := err.Error(); text != tt.wantText {
				t.Errorf("text = %q, want %q", text, tt.wantText)
			}
			if IsUnauthorized(err) != tt.unauthorized || IsRateLimited(err) != tt.rateLimited ||
				IsNotFound(err) != tt.notFound || IsTransient(err) != tt.transient ||
				errors.Is(err, ErrTransient) != tt.transient {
				t.Errorf("kinds: unauthorized=%v rate=%v notfound=%v transient=%v",
					IsUnauthorized(err), IsRateLimited(err), IsNotFound(err), IsTransient(err))
			}
			wrapped := fmt.Errorf("polling: %w", err)
			if IsTransient(wrapped) != tt.transient || IsUnauthorized(wrapped) != tt.unauthorized {
				t.Error("kinds lost through wrapping")
			}
		})
	}
}

// TestErrorTextsAreGoErrors: every error the client makes reads like a Go
// error (lower case, no closing punctuation) and says no more than facts:
// nothing about windows or what to press.
func TestErrorTextsAreGoErrors(t *testing.T) {
	t.Parallel()
	opErr := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	errs := []error{
		ErrUnauthorized, ErrRateLimited, ErrNotFound, ErrTransient, ErrMalformedResponse,
		ErrSubmissionUncertain, ErrInvalidRequest, ErrNoAPIKey, ErrInvalidBaseURL, ErrRedirectRefused,
		ErrNotVideo, ErrStalled, ErrIncompleteDownload, ErrTooLarge, ErrLocalWrite, ErrUnsupportedURL,
		ErrUnsupportedScheme, func() error { _, err := checkDownloadURL("file:///x"); return err }(),
		transportError(OpTask, opErr),
		uncertainError(timeoutError{30 * time.Second}),
		malformedError(OpTask, "not a task", true),
		invalidRequest(OpCreate, CodeNoPrompt, ""),
		localWriteError(syscall.ENOSPC),
		redirectRefused(CodeRedirectHost, "elsewhere.example"),
		&APIError{Op: OpCreate, StatusCode: 500},
		&DownloadError{StatusCode: 410},
		checkKey("sk-\u00e9"),
	}
	_, err := checkBaseURL(OpNew, "http://example.com")
	errs = append(errs, err)
	for _, err := range errs {
		text := err.Error()
		if text == "" || strings.ToLower(text[:1]) != text[:1] || strings.HasSuffix(text, ".") {
			t.Errorf("%q does not read like a Go error", text)
		}
		for _, word := range []string{"Settings", "Reelhouse", "try again"} {
			if strings.Contains(text, word) {
				t.Errorf("%q speaks to the user (%q)", text, word)
			}
		}
	}
}

func TestParseErrorBody(t *testing.T) {
	t.Parallel()
	tests := []struct{ body, code, msg string }{
		{`{"error":{"code":"invalid_request","message":"prompt is required"}}`, "invalid_request", "prompt is required"},
		{`{"error":{"type":"auth","msg":"bad key"}}`, "auth", "bad key"},
		{`{"error":{"code":401}}`, "401", ""},
		{`{"error":"quota exceeded"}`, "", "quota exceeded"},
		{`{"error":"quota exceeded","code":"q1"}`, "q1", "quota exceeded"},
		{`{"message":"slow down","code":"rate"}`, "rate", "slow down"},
		{`{"detail":"Not authenticated"}`, "", "Not authenticated"},
		{`upstream connect error`, "", "upstream connect error"},
		{`<html><body>502 Bad Gateway</body></html>`, "", ""},
		{`{"error": {"code": "x", "mess`, "", ""},
		{``, "", ""},
		{`   `, "", ""},
	}
	for _, tt := range tests {
		code, msg := parseErrorBody([]byte(tt.body))
		if code != tt.code || msg != tt.msg {
			t.Errorf("parseErrorBody(%q) = %q, %q; want %q, %q", tt.body, code, msg, tt.code, tt.msg)
		}
	}
}

func TestNewAPIErrorReadsLimitedBody(t *testing.T) {
	t.Parallel()
	huge := `{"error":{"code":"x","message":"` + strings.Repeat("a", 2*maxErrorBody) + `"}}`
	resp := &http.Response{StatusCode: 500, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(huge))}
	e := newAPIError(resp, "", OpTask)
	if e.Code != "" || e.Message != "" {
		t.Errorf("an over-long body cut at the limit is not JSON; got %q %q", e.Code, e.Message)
	}
	resp = &http.Response{StatusCode: 500, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(strings.Repeat("b", 10000)))}
	e = newAPIError(resp, "", OpTask)
	if n := len([]rune(e.Message)); n != maxMessageRunes+1 || !strings.HasSuffix(e.Message, "…") {
		t.Errorf("message of %d runes, want capped at %d plus an ellipsis", n, maxMessageRunes)
	}
}

func TestSanitize(t *testing.T) {
	t.Parallel()
	const key = "my-secret-key-1234"
	tests := []struct{ in, want string }{
		{"bad key my-secret-key-1234 given", "bad key *** given"},
		{"key sk-abcDEF_123-xyz.9 is invalid", "key *** is invalid"},
		{"Authorization: Bearer abc.def-ghi", "Authorization: Bearer ***"},
		{"fetch https://cdn.example/v.mp4?sig=s3cr3t&exp=1 failed", "fetch https://cdn.example/v.mp4 failed"},
		{"line1\nline2\ttab\x00nul", "line1 line2 tab nul"},
		{"bad utf8 \xff here", "bad utf8 \uFFFD here"},
	}
	for _, tt := range tests {
		if got := sanitize(tt.in, key, 300); got != tt.want {
			t.Errorf("sanitize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := sanitize(strings.Repeat("é", 50), "", 10); got != strings.Repeat("é", 10)+"…" {
		t.Errorf("cap: got %q", got)
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		h    string
		want time.Duration
	}{
		{"", 0},
		{"3", 3 * time.Second},
		{" 1.5 ", 1500 * time.Millisecond},
		{"0", 0},
		{"-4", 0},
		{"3600", time.Minute},
		{"NaN", 0},
		{now.Add(10 * time.Second).Format(http.TimeFormat), 10 * time.Second},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{now.Add(time.Hour).Format(http.TimeFormat), time.Minute},
		{"tomorrow", 0},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.h, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.h, got, tt.want)
		}
	}
	if d, ok := RetryAfter(fmt.Errorf("x: %w", &APIError{StatusCode: 429, RetryAfter: 2 * time.Second})); !ok || d != 2*time.Second {
		t.Errorf("RetryAfter = %v, %v", d, ok)
	}
	if _, ok := RetryAfter(&APIError{StatusCode: 429}); ok {
		t.Error("RetryAfter reported a wait the server did not ask for")
	}
	if _, ok := RetryAfter(errors.New("plain")); ok {
		t.Error("RetryAfter on a plain error")
	}
}

func TestIsTransient(t *testing.T) {
	t.Parallel()
	opErr := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"plain", errors.New("x"), false},
		{"canceled", context.Canceled, false},
		{"deadline", fmt.Errorf("w: %w", context.DeadlineExceeded), false},
		{"dial refused", opErr, true},
		{"transport error", transportError(OpTask, opErr), true},
		{"our timeout", transportError(OpTask, timeoutError{time.Second}), true},
		{"unexpected EOF", io.ErrUnexpectedEOF, true},
		{"reset", fmt.Errorf("read: %w", syscall.ECONNRESET), true},
		{"malformed query answer", malformedError(OpTask, "x", true), true},
		{"malformed create answer", malformedError(OpCreate, "x", false), false},
		{"uncertain", uncertainError(io.ErrUnexpectedEOF), false},
		{"uncertain and canceled", uncertainError(context.Canceled), false},
		{"no key", ErrNoAPIKey, false},
		{"invalid", invalidRequest(OpCreate, CodeNoPrompt, ""), false},
		{"404", &APIError{StatusCode: 404}, false},
		{"502", &APIError{StatusCode: 502}, true},
		{"download 503", &DownloadError{StatusCode: 503}, true},
		{"download 403", &DownloadError{StatusCode: 403}, false},
		{"stalled", ErrStalled, true},
		{"not video", ErrNotVideo, false},
		{"local write", localWriteError(syscall.ENOSPC), false},
	}
	for _, tt := range tests {
		if got := IsTransient(tt.err); got != tt.want {
			t.Errorf("%s: IsTransient(%v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
}

func TestUncertainErrorKeepsCancellation(t *testing.T) {
	t.Parallel()
	err := uncertainError(context.Canceled)
	if !errors.Is(err, context.Canceled) || !errors.Is(err, ErrSubmissionUncertain) {
		t.Errorf("%v should match both context.Canceled and ErrSubmissionUncertain", err)
	}
	err = uncertainError(timeoutError{30 * time.Second})
	if got, want := err.Error(), "create task: submission uncertain: no answer within 30 s"; got != want {
		t.Errorf("text = %q, want %q", got, want)
	}
}

func TestNoAPIKeyIsUnauthorized(t *testing.T) {
	t.Parallel()
	if !IsUnauthorized(ErrNoAPIKey) || !errors.Is(ErrNoAPIKey, ErrNoAPIKey) {
		t.Error("ErrNoAPIKey should match ErrUnauthorized")
	}
	if IsUnauthorized(ErrNotFound) {
		t.Error("sentinels should not match each other")
	}
}

func TestLocalWriteErrors(t *testing.T) {
	t.Parallel()
	for _, errno := range []syscall.Errno{syscall.ENOSPC, syscall.EACCES, syscall.EROFS, syscall.EDQUOT} {
		err := localWriteError(&os.PathError{Op: "write", Path: "/library/x.part", Err: errno})
		if !errors.Is(err, ErrLocalWrite) || !errors.Is(err, errno) {
			t.Errorf("%v: kinds lost", errno)
		}
		if got, want := err.Error(), "download video: local write failed: "+errno.Error(); got != want {
			t.Errorf("text = %q, want %q", got, want)
		}
		if IsTransient(err) {
			t.Errorf("%v should not be retried automatically", errno)
		}
	}
}

func TestParseContentRange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		h                 string
		start, end, total int64
		ok                bool
	}{
		{"bytes 0-99/100", 0, 99, 100, true},
		{"bytes 50-99/100", 50, 99, 100, true},
		{"bytes 50-99/*", 50, 99, -1, true},
		{"bytes 50-99/60", 0, 0, 0, false},
		{"bytes 60-50/100", 0, 0, 0, false},
		{"bytes */100", 0, 0, 0, false},
		{"items 0-1/2", 0, 0, 0, false},
		{"bytes -1-5/10", 0, 0, 0, false},
		{"", 0, 0, 0, false},
	}
	for _, tt := range tests {
		s, e, tot, ok := parseContentRange(tt.h)
		if ok != tt.ok || (ok && (s != tt.start || e != tt.end || tot != tt.total)) {
			t.Errorf("parseContentRange(%q) = %d %d %d %v", tt.h, s, e, tot, ok)
		}
	}
}
