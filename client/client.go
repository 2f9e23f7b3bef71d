package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
)

// DefaultBaseURL is the service's address unless the user picks another.
const DefaultBaseURL = "https://51kik.com"

// Defaults of the options.
const (
	DefaultCreateTimeout   = 30 * time.Second
	DefaultRequestTimeout  = 20 * time.Second
	DefaultMaxDownloadSize = 2 << 30
	DefaultUserAgent       = "Reelhouse (+https://github.com/reelhouse/reelhouse)"
	DefaultPollInterval    = 2 * time.Second
)

// maxJSONBody is the largest answer the client reads as JSON.
const maxJSONBody = 1 << 20

// Client talks to one instance of the service. It is safe for concurrent
// use; the key can be changed at any time with SetAPIKey.
type Client struct {
	api            *http.Client
	files          *http.Client
	createTimeout  time.Duration
	requestTimeout time.Duration
	userAgent      string
	maxDownload    int64

	mu   sync.RWMutex
	key  string
	base string // no trailing slash
}

// Option configures a Client. Options check their input and New reports
// the first error.
type Option func(*Client) error

// WithAPIKey sets the key sent to the service. An empty key means none.
func WithAPIKey(key string) Option {
	return func(c *Client) error {
		key = strings.TrimSpace(key)
		if err := checkKey(key); err != nil {
			return err
		}
		RegisterSecret(key)
		c.key = key
		return nil
	}
}

// WithHTTPClient sets the HTTP client used for API calls. Its redirect
// policy is replaced by the client's own (the caller's value is not
// modified). Downloads always use a separate client that never sees the key.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) error {
		if hc == nil {
			return invalidRequest(OpNew, CodeInvalidOption, "WithHTTPClient: nil client")
		}
		cp := *hc
		cp.CheckRedirect = apiRedirectPolicy
		c.api = &cp
		return nil
	}
}

// WithCreateTimeout sets how long a create call may take (default 30 s).
func WithCreateTimeout(d time.Duration) Option {
	return func(c *Client) error {
		if d <= 0 {
			return invalidRequest(OpNew, CodeInvalidOption, "WithCreateTimeout: "+d.String()+" is not positive")
		}
		c.createTimeout = d
		return nil
	}
}

// WithRequestTimeout sets how long a query may take (default 20 s).
func WithRequestTimeout(d time.Duration) Option {
	return func(c *Client) error {
		if d <= 0 {
			return invalidRequest(OpNew, CodeInvalidOption, "WithRequestTimeout: "+d.String()+" is not positive")
		}
		c.requestTimeout = d
		return nil
	}
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(s string) Option {
	return func(c *Client) error {
		s = strings.TrimSpace(s)
		if s == "" || strings.IndexFunc(s, unicode.IsControl) >= 0 {
			return invalidRequest(OpNew, CodeInvalidOption, "WithUserAgent: not a non-empty line of text")
		}
		c.userAgent = s
		return nil
	}
}

// WithMaxDownloadSize sets the largest video Download accepts (default
// 2 GiB).
func WithMaxDownloadSize(n int64) Option {
	return func(c *Client) error {
		if n <= 0 {
			return invalidRequest(OpNew, CodeInvalidOption, fmt.Sprintf("WithMaxDownloadSize: %d is not positive", n))
		}
		c.maxDownload = n
		return nil
	}
}

// New returns a client for the service at baseURL (DefaultBaseURL when
// empty). The address must be https, or http for this computer only
// (localhost, 127.0.0.0/8, ::1).
func New(baseURL string, opts ...Option) (*Client, error) {
	if strings.TrimSpace(baseURL) == "" {
		baseURL = DefaultBaseURL
	}
	base, err := checkBaseURL(OpNew, baseURL)
	if err != nil {
		return nil, err
	}
	c := &Client{
		base:           base,
		api:            &http.Client{Transport: newTransport(), CheckRedirect: apiRedirectPolicy},
		files:          &http.Client{Transport: newTransport(), CheckRedirect: fileRedirectPolicy},
		createTimeout:  DefaultCreateTimeout,
		requestTimeout: DefaultRequestTimeout,
		userAgent:      DefaultUserAgent,
		maxDownload:    DefaultMaxDownloadSize,
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// maxIdlePerHost is how many kept-alive connections to one host stay
// open. Go's default, 2, is fewer than the queries the tracker makes at
// once: every round of polls then closed connections and opened new ones.
const maxIdlePerHost = 16

func newTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.ResponseHeaderTimeout = 0 // callers' contexts and the stall watchdog decide
	t.MaxIdleConnsPerHost = maxIdlePerHost
	return t
}

// checkBaseURL returns the address without a trailing slash, or an error
// matching ErrInvalidBaseURL whose Code says why; op is the operation that
// was given it.
func checkBaseURL(op, raw string) (string, error) {
	bad := func(code Code) error {
		return &Error{Op: op, Code: code, kinds: []error{ErrInvalidBaseURL, ErrInvalidRequest}}
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", bad(CodeBaseURLNotURL)
	}
	if u.Scheme == "" || u.Host == "" || u.Opaque != "" {
		return "", bad(CodeBaseURLNoHost)
	}
	if u.User != nil {
		return "", bad(CodeBaseURLUserInfo)
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return "", bad(CodeBaseURLQuery)
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return "", bad(CodeBaseURLInsecure)
		}
	default:
		return "", bad(CodeBaseURLScheme)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	return strings.TrimRight(u.String(), "/"), nil
}

// isLoopback reports whether host names this computer.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func checkKey(key string) error {
	if strings.IndexFunc(key, func(r rune) bool { return r < 0x21 || r > 0x7e }) >= 0 {
		return &Error{Code: CodeKeyNotSendable, kinds: []error{ErrUnauthorized, ErrInvalidRequest}}
	}
	return nil
}

// SetAPIKey replaces the key; an empty key means none.
func (c *Client) SetAPIKey(key string) {
	RegisterSecret(key)
	c.mu.Lock()
	c.key = strings.TrimSpace(key)
	c.mu.Unlock()
}

// HasAPIKey reports whether a key is set.
func (c *Client) HasAPIKey() bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.key != ""
}

// BaseURL returns the service address, without a trailing slash.
func (c *Client) BaseURL() string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.base
}

// SetBaseURL points the client at another server, with the same checks as
// New; calls already under way finish with the old one.
func (c *Client) SetBaseURL(raw string) error {
	base, err := checkBaseURL(OpBaseURL, raw)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.base = base
	c.mu.Unlock()
	return nil
}

// CloseIdleConnections closes kept-alive connections of both the API and
// query sends one request without a body under the query timeout. A
// failure to get any answer becomes the caller's context error, a refused
// redirect, or a transport error of op. On success the caller reads and
// closes the body, then calls done.
func (c *Client) query(ctx context.Context, op, method, path, key string) (resp *http.Response, done context.CancelFunc, err error) {
	qctx, cancel := context.WithTimeout(ctx, c.requestTimeout)
	req, err := c.newAPIRequest(qctx, op, method, path, key, nil)
	if err != nil {
		cancel()
		return nil, nil, err
	}
	resp, err = c.api.Do(req)
	if err == nil {
		return resp, cancel, nil
	}
	defer cancel()
	if errors.Is(err, ErrRedirectRefused) {
		return nil, nil, unwrapURLError(err)
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return nil, nil, ctxErr
	}
	cause := unwrapURLError(err)
	if qctx.Err() != nil {
		cause = timeoutError{c.requestTimeout}
	}
	return nil, nil, transportError(op, cause)
}

// the download clients.
func (c *Client) CloseIdleConnections() {
	c.api.CloseIdleConnections()
	c.files.CloseIdleConnections()
}

func (c *Client) currentKey() (string, error) {
	c.mu.RLock()
	key := c.key
	c.mu.RUnlock()
	if key == "" {
		return "", ErrNoAPIKey
	}
	if err := checkKey(key); err != nil {
		return "", err
	}
	return key, nil
}

func (c *Client) newAPIRequest(ctx context.Context, op, method, path, key string, body []byte) (*http.Request, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL()+path, rd)
	if err != nil {
		return nil, invalidRequest(op, CodeRequestBuild, "")
	}
	req.Header = make(http.Header, 4) // sized once: a query is made every few seconds per task
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// Create starts a generation task. It is never retried: after an ambiguous
// failure (the request went out but no readable answer came back) the
// error matches ErrSubmissionUncertain, and the caller must not resubmit
// automatically. A failure before anything was sent (for example a refused
// connection) is a transient error that does not match it. If ctx is
// cancelled after the request went out, the error matches both
// context.Canceled and ErrSubmissionUncertain.
func (c *Client) Create(ctx context.Context, req CreateRequest) (CreateResult, error) {
	if strings.TrimSpace(req.Model) == "" {
		return CreateResult{}, invalidRequest(OpCreate, CodeNoModel, "")
	}
	if strings.TrimSpace(req.Prompt) == "" {
		return CreateResult{}, invalidRequest(OpCreate, CodeNoPrompt, "")
	}
	if req.hasLocalFile() {
		return CreateResult{}, invalidRequest(OpCreate, CodeLocalFile, "a local reference file must be sent as a data: URL")
	}
	if req.CheckMedia() != nil {
		return CreateResult{}, invalidRequest(OpCreate, CodeAudioAlone, "")
	}
	key, err := c.currentKey()
	if err != nil {
		return CreateResult{}, err
	}
	body, err := json.Marshal(req)
	if err != nil {
		return CreateResult{}, invalidRequest(OpCreate, CodeExtraNotJSON, "")
	}

	cctx, cancel := context.WithTimeout(ctx, c.createTimeout)
	defer cancel()
	var wrote atomic.Bool
	trace := &httptrace.ClientTrace{
		// Fired once the whole request has been handed to the connection,
		// even if that failed part-way: from then on the server may have it.
		WroteRequest: func(httptrace.WroteRequestInfo) { wrote.Store(true) },
	}
	httpReq, err := c.newAPIRequest(httptrace.WithClientTrace(cctx, trace), OpCreate, http.MethodPost, "/video/v1/generations", key, body)
	if err != nil {
		return CreateResult{}, err
	}

	// failed turns a failure after the request was attempted into the right
	// error: the caller's cancellation, uncertain, or plain transient.
	failed := func(cause error) error {
		if ctxErr := ctx.Err(); ctxErr != nil {
			if wrote.Load() {
				return uncertainError(ctxErr)
			}
			return ctxErr
		}
		if cctx.Err() != nil {
			cause = timeoutError{c.createTimeout}
		}
		if wrote.Load() {
			return uncertainError(cause)
		}
		return transportError(OpCreate, cause)
	}

	resp, err := c.api.Do(httpReq)
	if err != nil {
		if errors.Is(err, ErrRedirectRefused) {
			return CreateResult{}, unwrapURLError(err)
		}
		return CreateResult{}, failed(unwrapURLError(err))
	}
	defer resp.Body.Close()

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		apiErr := newAPIError(resp, key, OpCreate)
		if resp.StatusCode == http.StatusBadGateway || resp.StatusCode == http.StatusGatewayTimeout {
			// A gateway gave up waiting for the service, which may have
			// started the task anyway.
			return CreateResult{}, uncertainError(apiErr)
		}
		return CreateResult{}, apiErr
	}
	b, err := readLimited(resp.Body, maxJSONBody)
	switch {
	case errors.Is(err, errTooLarge):
		return CreateResult{}, uncertainError(malformedError(OpCreate, "larger than 1 MiB", false), ErrMalformedResponse)
	case err != nil:
		return CreateResult{}, failed(err)
	}
	res, err := decodeCreate(b)
	if err != nil {
		return CreateResult{}, uncertainError(malformedError(OpCreate, "no task id", false), ErrMalformedResponse)
	}
	return res, nil
}

// Task asks the service for the current state of a task. It is sent like
// every query (see query): under the query timeout, with the same redirect
// rules and errors, and its answer is read through the same size limit.
func (c *Client) Task(ctx context.Context, id string) (*Task, error) {
	if err := checkTaskID(id); err != nil {
		return nil, err
	}
	key, err := c.currentKey()
	if err != nil {
		return nil, err
	}
	resp, done, err := c.query(ctx, OpTask, http.MethodGet, "/video/v1/tasks/"+url.PathEscape(id), key)
	if err != nil {
		return nil, err
	}
	defer done()
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, newAPIError(resp, key, OpTask)
	}
	b, err := c.readAnswer(ctx, OpTask, resp)
	if err != nil {
		return nil, err
	}
	t, err := decodeTask(b, id)
	if err != nil {
		return nil, malformedError(OpTask, unusableDetail(resp.Header.Get("Content-Type"), b), true)
	}
	return t, nil
}

// readAnswer reads the body of a successful query's answer, at most
// maxJSONBody bytes. A failure part-way is told apart like a failure of
// the query itself: the caller's context error, the query timeout, or a
// transport error of op.
func (c *Client) readAnswer(ctx context.Context, op string, resp *http.Response) ([]byte, error) {
	b, err := readLimited(resp.Body, maxJSONBody)
	switch {
	case err == nil:
		return b, nil
	case errors.Is(err, errTooLarge):
		return nil, malformedError(op, "larger than 1 MiB", true)
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return nil, ctxErr
	}
	if resp.Request != nil && resp.Request.Context().Err() != nil {
		return nil, transportError(op, timeoutError{c.requestTimeout})
	}
	return nil, transportError(op, unwrapURLError(err))
}

// unusableDetail says what an answer that is not a task was: a web page
// (a captive portal's, say), something else than JSON, or JSON that is not
// a task. It never quotes the answer.
func unusableDetail(contentType string, body []byte) string {
	mt, _, _ := mime.ParseMediaType(contentType)
	trimmed := bytes.TrimSpace(body)
	switch {
	case mt == "text/html" || bytes.HasPrefix(trimmed, []byte("<")):
		return "an HTML page, not a task"
	case !json.Valid(trimmed):
		return "not JSON"
	}
	return "not a task"
}

func checkTaskID(id string) error {
	switch {
	case strings.TrimSpace(id) == "":
		return invalidRequest(OpTask, CodeNoTaskID, "")
	case len(id) > 200:
		return invalidRequest(OpTask, CodeTaskIDTooLong, "")
	case strings.IndexFunc(id, unicode.IsControl) >= 0:
		return invalidRequest(OpTask, CodeTaskIDControl, "")
	}
	return nil
}

var errTooLarge = errors.New("answer too large")

// readLimited reads all of r, failing with errTooLarge past limit bytes.
func readLimited(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, errTooLarge
	}
	return b, nil
}

// unwrapURLError drops the *url.Error layer, whose text holds the URL.
func unwrapURLError(err error) error {
	var uErr *url.Error
	if errors.As(err, &uErr) && uErr.Err != nil {
		return uErr.Err
	}
	return err
}

func redirectRefused(code Code, detail string) error {
	return &Error{Code: code, Detail: detail, kinds: []error{ErrRedirectRefused}}
}

// apiRedirectPolicy follows redirects on the same host only, never from
// https to http, and only to http(s).
func apiRedirectPolicy(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return redirectRefused(CodeRedirectLoop, "")
	}
	first := via[0].URL
	if err := checkRedirectScheme(first, req.URL); err != nil {
		return err
	}
	if !strings.EqualFold(req.URL.Host, first.Host) {
		return redirectRefused(CodeRedirectHost, req.URL.Hostname())
	}
	return nil
}

// fileRedirectPolicy lets the file host hand over to another host (as
// storage services do) but never to an insecure or odd address.
func fileRedirectPolicy(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return redirectRefused(CodeRedirectLoop, "")
	}
	if err := checkRedirectScheme(via[len(via)-1].URL, req.URL); err != nil {
		return err
	}
	if req.URL.Scheme == "http" && !isLoopback(req.URL.Hostname()) {
		return redirectRefused(CodeRedirectInsecure, "")
	}
	req.Header.Del("Authorization")
	return nil
}

func checkRedirectScheme(from, to *url.URL) error {
	switch to.Scheme {
	case "https":
	case "http":
		if from.Scheme == "https" {
			return redirectRefused(CodeRedirectInsecure, "")
		}
	default:
		return redirectRefused(CodeRedirectScheme, "")
	}
	return nil
}

// WaitOptions tunes Wait.
type WaitOptions struct {
	// Interval between queries; DefaultPollInterval (2 s) when zero.
	Interval time.Duration
	// OnUpdate, if set, is called with every answer, on Wait's goroutine.
	OnUpdate func(*Task)
	// OnRetry, if set, is called after a transient failure with the error
	// and how long Wait will pause before asking again.
	OnRetry func(err error, delay time.Duration)
}

// maxBackoff caps the pause after repeated transient failures.
const maxBackoff = 30 * time.Second

// Wait queries the task until it reaches a terminal status and returns it.
// Transient failures (including rate limiting and unreadable answers) are
// retried with capped exponential backoff and jitter, honouring
// Retry-After; other failures are returned. When ctx ends, Wait returns
// ctx.Err() promptly. Stopping Wait does not cancel the task on the service.
func (c *Client) Wait(ctx context.Context, id string, opts WaitOptions) (*Task, error) {
	interval := opts.Interval
	if interval <= 0 {
		interval = DefaultPollInterval
	}
	failures := 0
	for {
		t, err := c.Task(ctx, id)
		var delay time.Duration
		switch {
		case err == nil:
			failures = 0
			if opts.OnUpdate != nil {
				opts.OnUpdate(t)
			}
			if t.Status.Terminal() {
				return t, nil
			}
			delay = interval
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case !IsTransient(err):
			return nil, err
		default:
			failures++
			delay = Backoff{Base: interval, Max: maxBackoff}.Delay(failures, err)
			if opts.OnRetry != nil {
				opts.OnRetry(err, delay)
			}
		}
		if err := sleep(ctx, delay); err != nil {
			return nil, err
		}
	}
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// String describes the client without its key.
func (c *Client) String() string {
	return fmt.Sprintf("client.Client{base: %s, key set: %t}", c.BaseURL(), c.HasAPIKey())
}
