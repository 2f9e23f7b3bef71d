package client

import (
	"context"
	"encoding/base64"
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

// MaxInlineImageSize bounds a reference image sent inside a create request
// as a data: URL.
const MaxInlineImageSize = 10 << 20

// Errors of ImageDataURL and ParseImageDataURL.
var (
	ErrImageTooLarge = fmt.Errorf("image larger than %d bytes", MaxInlineImageSize)
	ErrNotImageData  = errors.New("not an image of a known type")
	ErrNotDataURL    = errors.New("not a base64 data: URL of an image")
)

// ImageDataURL encodes an image as a data: URL, the form in which the
// create call takes a local image. The media type is read from the bytes,
// so the same bytes always give the same URL.
func ImageDataURL(data []byte) (string, error) {
	if len(data) > MaxInlineImageSize {
		return "", ErrImageTooLarge
	}
	mime := http.DetectContentType(data)
	if !strings.HasPrefix(mime, "image/") {
		return "", ErrNotImageData
	}
	return "data:" + mime + ";base64," + base64.StdEncoding.EncodeToString(data), nil
}

// ParseImageDataURL returns the bytes of a data: URL that ImageDataURL
// made, with their media type. A URL ImageDataURL would not write the same
// way (another media type, other parameters, unpadded base64) is refused,
// so that ImageDataURL(data) gives back exactly s.
func ParseImageDataURL(s string) (mime string, data []byte, err error) {
	rest, ok := strings.CutPrefix(s, "data:")
	if !ok {
		return "", nil, ErrNotDataURL
	}
	mime, payload, ok := strings.Cut(rest, ";base64,")
	if !ok || !strings.HasPrefix(mime, "image/") || strings.ContainsAny(mime, ";,") {
		return "", nil, ErrNotDataURL
	}
	data, err = base64.StdEncoding.Strict().DecodeString(payload)
	if err != nil {
		return "", nil, ErrNotDataURL
	}
	// Strict padded base64 has one spelling per byte string, so only the
	// media type could make ImageDataURL write s differently.
	if len(data) > MaxInlineImageSize || http.DetectContentType(data) != mime {
		return "", nil, ErrNotDataURL
	}
	return mime, data, nil
}

// HasDataURL reports whether any reference image of r is sent inline.
func (r CreateRequest) HasDataURL() bool {
	for _, m := range r.Image {
		if strings.HasPrefix(m.URL, "data:") {
			return true
		}
	}
	return false
}

// hasLocalFile reports whether a medium of r still names a local file
// instead of a URL: such a request must be expanded before it is sent.
func (r CreateRequest) hasLocalFile() bool {
	for _, list := range [][]Media{r.Image, r.Video, r.Audio} {
		for _, m := range list {
			if m.File != "" || m.SHA256 != "" {
				return true
			}
		}
	}
	return false
}
