package client

import (
	"bytes"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"sync"
)

// RedactURL removes what makes a signed URL a secret: its query string,
// fragment and any user name or password. Scheme, host and path are kept so
// the URL still says where something came from. Text that is not a URL
// loses everything from the first '?' or '#'.
func RedactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || (u.Host == "" && u.Opaque != "") {
		if i := strings.IndexAny(s, "?#"); i >= 0 {
			return s[:i]
		}
		return s
	}
	clean := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}
	return clean.String()
}

// needsRedaction reports whether s holds a URL with a secret part.
func needsRedaction(s string) bool {
	lower := strings.ToLower(s)
	if !strings.Contains(lower, "http://") && !strings.Contains(lower, "https://") {
		return false
	}
	return strings.ContainsAny(s, "?#@")
}

// redactText redacts s if it is an http(s) URL, or else every http(s)
// URL found inside it.
func redactText(s string) string {
	if !needsRedaction(s) {
		return s
	}
	lower := strings.ToLower(s)
	if (strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://")) && !strings.ContainsAny(s, " \t\r\n") {
		return RedactURL(s) // the whole value is one URL
	}
	return urlInText.ReplaceAllStringFunc(s, func(m string) string {
		lower := strings.ToLower(m)
		if strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://") {
			return RedactURL(m)
		}
		return m
	})
}

// RedactJSON returns b with the query string (and fragment and user info)
// removed from every http(s) URL found in a string value, at any depth, so
// that a response can be stored without its signed URLs. Input that is not
// valid JSON, or that holds nothing to redact, is returned unchanged.
func RedactJSON(b []byte) []byte {
	if !mayHoldURL(b) {
		return b // the tracker's common answer: no link yet, nothing to decode
	}
	if !json.Valid(b) {
		return b
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return b
	}
	v, changed := redactValue(v)
	if !changed {
		return b
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return b
	}
	return bytes.TrimRight(out.Bytes(), "\n")
}

// mayHoldURL reports whether a string in the JSON text b could hold an
// http(s) URL: only if "http" appears in it in any case, or an escape
// \uXXXX could spell it.
func mayHoldURL(b []byte) bool {
	if bytes.Contains(b, []byte(`\u`)) {
		return true
	}
	for i := 0; i+4 <= len(b); i++ {
		if b[i]|0x20 == 'h' && b[i+1]|0x20 == 't' && b[i+2]|0x20 == 't' && b[i+3]|0x20 == 'p' {
			return true
		}
	}
	return false
}

func redactValue(v any) (any, bool) {
	switch x := v.(type) {
	case string:
		r := redactText(x)
		return r, r != x
	case []any:
		changed := false
		for i, e := range x {
			var c bool
			x[i], c = redactValue(e)
			changed = changed || c
		}
		return x, changed
	case map[string]any:
		changed := false
		for k, e := range x {
			var c bool
			x[k], c = redactValue(e)
			changed = changed || c
		}
		return x, changed
	}
	return v, false
}

// secrets are the API keys this process has used; RedactText removes them.
var secrets struct {
	sync.RWMutex
	list []string
}

// RegisterSecret makes RedactText remove s from now on. SetAPIKey
// registers every key it is given, so that a log line can never carry one.
func RegisterSecret(s string) {
	s = strings.TrimSpace(s)
	if len(s) < 4 {
		return // too short to be a key; replacing it would garble text
	}
	secrets.Lock()
	defer secrets.Unlock()
	if !slices.Contains(secrets.list, s) {
		secrets.list = append(secrets.list, s)
	}
}

// RedactText returns s without the secrets registered with RegisterSecret
// and without the query string, fragment or user info of any http(s) URL
// in it: what remains can be written to a log.
func RedactText(s string) string {
	secrets.RLock()
	for _, k := range secrets.list {
		s = strings.ReplaceAll(s, k, "[redacted]")
	}
	secrets.RUnlock()
	return redactText(s)
}
