package history

// This file finds the service's cover image of a downloaded video, which
// the library uses as its thumbnail where no frame can be taken.

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/reelhouse/reelhouse/client"
)

// coverKeys are the data-item fields services use for a cover image.
var coverKeys = []string{"cover_url", "cover_image_url", "thumbnail_url", "poster_url", "cover", "thumbnail", "poster"}

// coverURLs lists the cover image URL of each video of a task ("" for a
// video without one).
func coverURLs(task *client.Task) []string {
	var out []string
	for _, it := range task.Data {
		if it.URL == "" {
			continue // not a video: URLs() skips it too
		}
		cover := ""
		for _, k := range coverKeys {
			var s string
			if json.Unmarshal(it.Fields[k], &s) == nil && strings.HasPrefix(s, "http") {
				cover = s
				break
			}
		}
		out = append(out, cover)
	}
	return out
}

// imageFetcher is what coverThumbnail needs; *client.Client has it.
type imageFetcher interface {
	FetchImage(ctx context.Context, rawURL string) ([]byte, error)
}

// cover fetches the service's cover image of video idx of record id, or
// returns nil when the service sent none or it cannot be had.
func (t *Tracker) cover(ctx context.Context, id int64, idx int) []byte {
	t.mu.Lock()
	covers := t.covers[id]
	t.mu.Unlock()
	fetcher, ok := t.api.(imageFetcher)
	if !ok || idx >= len(covers) || covers[idx] == "" {
		return nil
	}
	data, err := fetcher.FetchImage(ctx, covers[idx])
	if err != nil {
		return nil
	}
	return data
}
