package client

import (
	"context"
	"net/http"
	"strings"
)

// OpCheckKey is the Op of errors of CheckKey and CheckAPIKey.
const OpCheckKey = "check api key"

// keyCheckTaskID is the task asked about to check a key: the nil UUID,
// shaped like the service's ids but never given to a task.
const keyCheckTaskID = "00000000-0000-0000-0000-000000000000"

// CheckKey asks the service whether it accepts the client's key, with one
// cheap query for a task that cannot exist; nothing is created or billed.
// It returns nil when the service answers 404 ("no such task": the key
// works). A refused key gives an *APIError matching ErrUnauthorized; no
// key at all gives ErrNoAPIKey (which also matches ErrUnauthorized, so
// tell them apart with errors.Is(err, ErrNoAPIKey): nothing was sent).
// Anything else is returned as it is: unreachable, rate limited, ...
func (c *Client) CheckKey(ctx context.Context) error {
	key, err := c.currentKey()
	if err != nil {
		return err
	}
	return c.probeKey(ctx, key)
}

// CheckAPIKey is CheckKey for a key that is not (yet) the client's own,
// such as one the user typed and that is to be saved only if it works.
// The client's key is left as it is; key is registered with
// RegisterSecret, so that no log line carries it.
func (c *Client) CheckAPIKey(ctx context.Context, key string) error {
	key = strings.TrimSpace(key)
	if key == "" {
		return ErrNoAPIKey
	}
	if err := checkKey(key); err != nil {
		return err
	}
	RegisterSecret(key)
	return c.probeKey(ctx, key)
}

func (c *Client) probeKey(ctx context.Context, key string) error {
	resp, done, err := c.query(ctx, OpCheckKey, http.MethodGet, "/video/v1/tasks/"+keyCheckTaskID, key)
	if err != nil {
		return err
	}
	defer done()
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return newAPIError(resp, key, OpCheckKey)
	}
	// A task that cannot exist was found: the key was accepted, but only a
	// task answer shows that this is the service at all.
	b, err := readLimited(resp.Body, maxJSONBody)
	if err != nil {
		return malformedError(OpCheckKey, "not a task", true)
	}
	if _, err := decodeTask(b, keyCheckTaskID); err != nil {
		return malformedError(OpCheckKey, "not a task", true)
	}
	return nil
}
