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

// MaxInlineVideoSize and MaxInlineAudioSize bound a reference video and a
// reference sound sent inside a create request as data: URLs. The whole
// request must reach the service within the create call's timeout (30 s):
// 20 MiB of video, 27 MB as base64, take about 22 s at 10 Mbit/s.
const (
	MaxInlineVideoSize = 20 << 20
	MaxInlineAudioSize = 10 << 20
)

// The kinds of reference media a create request carries, by its field.
const (
	KindImage = "image"
	KindVideo = "video"
	KindAudio = "audio"
)

// Errors of ImageDataURL, MediaDataURL and ParseMediaDataURL.
var (
	ErrImageTooLarge = fmt.Errorf("image larger than %d bytes", MaxInlineImageSize)
	ErrMediaTooLarge = errors.New("file larger than the service takes inline")
	ErrNotImageData  = errors.New("not an image of a known type")
	ErrNotMediaData  = errors.New("not a file of a known type for its kind")
	ErrNotDataURL    = errors.New("not a base64 data: URL of an image, a video or a sound")
	// ErrAudioAlone: the service takes a reference sound only together
	// with a reference image or video.
	ErrAudioAlone = errors.New("a reference sound needs a reference image or video with it")
)

// MaxInlineSize is the largest file of kind a create request carries
// inline; 0 for an unknown kind.
func MaxInlineSize(kind string) int64 {
	switch kind {
	case KindImage:
		return MaxInlineImageSize
	case KindVideo:
		return MaxInlineVideoSize
	case KindAudio:
		return MaxInlineAudioSize
	}
	return 0
}

// KindOf is the kind of reference medium a media type (as sniffed from
// the bytes) is, "" for none.
func KindOf(mime string) string {
	switch {
	case strings.HasPrefix(mime, "image/"):
		return KindImage
	case strings.HasPrefix(mime, "video/"):
		return KindVideo
	case strings.HasPrefix(mime, "audio/"), mime == "application/ogg":
		return KindAudio
	}
	return ""
}

// ImageDataURL encodes an image as a data: URL, the form in which the
// create call takes a local image. The media type is read from the bytes,
// so the same bytes always give the same URL.
func ImageDataURL(data []byte) (string, error) {
	url, err := MediaDataURL(KindImage, data)
	switch {
	case errors.Is(err, ErrMediaTooLarge):
		return "", ErrImageTooLarge
	case errors.Is(err, ErrNotMediaData):
		return "", ErrNotImageData
	}
	return url, err
}

// MediaDataURL encodes a reference file of kind (KindImage, KindVideo or
// KindAudio) as a data: URL, the form in which the create call takes a
// local file. The media type is read from the bytes, so the same bytes
// always give the same URL; bytes of another kind are refused.
func MediaDataURL(kind string, data []byte) (string, error) {
	if int64(len(data)) > MaxInlineSize(kind) {
		return "", ErrMediaTooLarge
	}
	mime := http.DetectContentType(data)
	if KindOf(mime) != kind {
		return "", ErrNotMediaData
	}
	return "data:" + mime + ";base64," + base64.StdEncoding.EncodeToString(data), nil
}

// ParseImageDataURL is ParseMediaDataURL for images only.
func ParseImageDataURL(s string) (mime string, data []byte, err error) {
	mime, data, err = ParseMediaDataURL(s)
	if err == nil && KindOf(mime) != KindImage {
		return "", nil, ErrNotDataURL
	}
	return mime, data, err
}

// ParseMediaDataURL returns the bytes of a data: URL that MediaDataURL
// made, with their media type. A URL MediaDataURL would not write the same
// way (another media type, other parameters, unpadded base64) is refused,
// so that MediaDataURL(KindOf(mime), data) gives back exactly s.
func ParseMediaDataURL(s string) (mime string, data []byte, err error) {
	rest, ok := strings.CutPrefix(s, "data:")
	if !ok {
		return "", nil, ErrNotDataURL
	}
	mime, payload, ok := strings.Cut(rest, ";base64,")
	kind := KindOf(mime)
	if !ok || kind == "" || strings.ContainsAny(mime, ";,") {
		return "", nil, ErrNotDataURL
	}
	if int64(base64.StdEncoding.DecodedLen(len(payload))) > MaxInlineSize(kind)+3 {
		return "", nil, ErrNotDataURL
	}
	data, err = base64.StdEncoding.Strict().DecodeString(payload)
	if err != nil {
		return "", nil, ErrNotDataURL
	}
	// Strict padded base64 has one spelling per byte string, so only the
	// media type could make MediaDataURL write s differently.
	if int64(len(data)) > MaxInlineSize(kind) || http.DetectContentType(data) != mime {
		return "", nil, ErrNotDataURL
	}
	return mime, data, nil
}

// CheckMedia says what the service would refuse about r's reference
// media before anything is sent: a sound without an image or a video.
func (r CreateRequest) CheckMedia() error {
	if len(r.Audio) > 0 && len(r.Image) == 0 && len(r.Video) == 0 {
		return ErrAudioAlone
	}
	return nil
}

// HasDataURL reports whether any reference medium of r is sent inline.
func (r CreateRequest) HasDataURL() bool {
	for _, list := range [][]Media{r.Image, r.Video, r.Audio} {
		for _, m := range list {
			if strings.HasPrefix(m.URL, "data:") {
				return true
			}
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
