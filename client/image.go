package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// maxImageSize bounds a cover image: a real one is a few hundred KB.
const maxImageSize = 10 << 20

// ErrNotImage means the file host sent something other than an image.
var ErrNotImage = errors.New("the file host did not send an image")

// FetchImage downloads a small image, such as the cover a service sends
// with a video, from the file host. Like Download it never sends the API
// key, and it accepts https only (http only for this computer).
func (c *Client) FetchImage(ctx context.Context, rawURL string) ([]byte, error) {
	u, err := checkDownloadURL(rawURL)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, ErrUnsupportedURL
	}
	// Built from scratch: only these headers, never the API key.
	req.Header.Set("User-Agent", c.userAgent)
	resp, err := c.files.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("the cover image could not be fetched from %s", u.Host)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, &DownloadError{StatusCode: resp.StatusCode}
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxImageSize+1))
	if err != nil {
		return nil, fmt.Errorf("the cover image could not be read from %s", u.Host)
	}
	if len(data) > maxImageSize {
		return nil, ErrTooLarge
	}
	if !strings.HasPrefix(http.DetectContentType(data), "image/") {
		return nil, ErrNotImage
	}
	return data, nil
}
