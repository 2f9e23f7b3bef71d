package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
)

// OpCancel is the Op of errors of Cancel.
const OpCancel = "cancel task"

// CodeCannotCancel is the Code of errors matching ErrCannotCancel.
const CodeCannotCancel Code = "task cannot be cancelled" // Detail: the HTTP status or the task's state

// ErrCannotCancel: the service will not cancel the task. It answered the
// cancel with 404, 405, 409 or 501 (the task has started or finished, is
// unknown, or the service offers no cancel), or said the task had already
// ended another way. The task goes on (or has ended) on the service.
var ErrCannotCancel = sentinel(CodeCannotCancel)

// Codes of the two refusals a caller words apart (see ErrCancelTooLate and
// ErrCancelUnsupported).
const (
	CodeCancelTooLate     Code = "too late to cancel"
	CodeCancelUnsupported Code = "cancel not supported"
)

// ErrCancelTooLate: the task has started or ended, so the service will not
// cancel it (HTTP 409, or an answer saying the task already succeeded or
// failed). It also matches ErrCannotCancel. Another task may still be
// cancelled.
var ErrCancelTooLate = sentinel(CodeCancelTooLate, ErrCannotCancel)

// ErrCancelUnsupported: the service cancels no task at all (HTTP 405 or
// 501). It also matches ErrCannotCancel. Asking again, for any task of
// that server, is refused the same way.
var ErrCancelUnsupported = sentinel(CodeCancelUnsupported, ErrCannotCancel)

// Cancel asks the service to cancel a task by sending DELETE on the task's
// URL. The service does not document cancelling, so the answer is read
// liberally: any 2xx means the task is cancelled, unless the answer is a
// task that says it already succeeded or failed. 404, 405, 409 and 501
// give an *Error matching ErrCannotCancel, whose Detail holds the status and
// whose Cause is the service's *APIError; 409 (and a task already ended)
// also matches ErrCancelTooLate, 405 and 501 ErrCancelUnsupported. Other
// refusals are an *APIError (401 and 403 match ErrUnauthorized). Cancel is never retried: a failure to
// get an answer is a transient error, and the caller may ask again.
func (c *Client) Cancel(ctx context.Context, id string) error {
	if err := checkTaskID(id); err != nil {
		return withOp(err, OpCancel)
	}
	key, err := c.currentKey()
	if err != nil {
		return err
	}
	resp, done, err := c.query(ctx, OpCancel, http.MethodDelete, "/video/v1/tasks/"+url.PathEscape(id), key)
	if err != nil {
		return err
	}
	defer done()
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound,
		resp.StatusCode == http.StatusMethodNotAllowed,
		resp.StatusCode == http.StatusNotImplemented,
		resp.StatusCode == http.StatusConflict:
		apiErr := newAPIError(resp, key, OpCancel)
		return &Error{Op: OpCancel, Code: CodeCannotCancel, Detail: fmt.Sprintf("HTTP %d", resp.StatusCode),
			Cause: apiErr, kinds: refusalKinds(resp.StatusCode)}
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return newAPIError(resp, key, OpCancel)
	case resp.Request != nil && resp.Request.Method != http.MethodDelete:
		// A 301/302/303 turned the DELETE into a GET: nothing was cancelled.
		return &Error{Op: OpCancel, Code: CodeCannotCancel, Detail: "redirected to a " + resp.Request.Method,
			kinds: []error{ErrCannotCancel}}
	}
	b, err := readLimited(resp.Body, maxJSONBody)
	if err != nil {
		return nil // the service said yes; what follows is not needed
	}
	if t, err := decodeTask(b, id); err == nil && (t.Status == StatusSuccess || t.Status == StatusFailed) {
		return &Error{Op: OpCancel, Code: CodeCannotCancel, Detail: "task " + string(t.Status),
			kinds: []error{ErrCannotCancel, ErrCancelTooLate}}
	}
	return nil
}

// refusalKinds are the sentinels a refused cancel with HTTP status matches.
func refusalKinds(status int) []error {
	switch status {
	case http.StatusConflict:
		return []error{ErrCannotCancel, ErrCancelTooLate}
	case http.StatusMethodNotAllowed, http.StatusNotImplemented:
		return []error{ErrCannotCancel, ErrCancelUnsupported}
	}
	return []error{ErrCannotCancel}
}

// withOp returns err with its Op set to op when it is an *Error of this
// package (the checks shared by several calls name one of them).
func withOp(err error, op string) error {
	var e *Error
	if errors.As(err, &e) {
		cp := *e
		cp.Op = op
		return &cp
	}
	return err
}
