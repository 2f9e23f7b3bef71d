package history

// This file describes a downloaded video: its facts, its thumbnail (a frame,
// or the service's cover) and its sidecar, right after the download.

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	_ "image/gif" // covers may be GIF, JPEG or PNG
	_ "image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/image/draw"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history/atomicfile"
	"github.com/reelhouse/reelhouse/history/library"
	"github.com/reelhouse/reelhouse/history/media"
	"github.com/reelhouse/reelhouse/history/store"
)

// describeFiles reads the facts of each file of a record, makes its
// thumbnail and writes its sidecar. It runs in the background after a
// download; a file that is not a readable video is marked so, never fatal.
func (t *Tracker) describeFiles(ctx context.Context, rec store.Record) {
	lib := t.lib.Folder()
	for _, f := range rec.Files {
		p, err := lib.Abs(f.Path)
		if err != nil {
			continue
		}
		info, err := media.Describe(ctx, p)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			f.MediaState, f.Media = store.MediaUnreadable, media.Info{}
		default:
			f.MediaState, f.Media = store.MediaOK, info
		}
		if dir := t.opts.ThumbnailDir; dir != "" {
			if err := os.MkdirAll(dir, 0o755); err == nil {
				name := library.ThumbnailName(rec.TaskID, f.Index)
				out := filepath.Join(dir, name)
				ph := media.Placeholder{Model: rec.Request.Model, Date: rec.CreatedAt, Title: rec.Request.Prompt}
				src, err := media.Thumbnail(ctx, p, out, ph)
				if err == nil && src == media.SourcePlaceholder {
					// No frame could be taken (no ffmpeg): the service's
					// cover, when it sent one, beats a placeholder.
					t.coverThumbnail(ctx, rec.ID, f.Index, out)
				}
				if err == nil {
					f.Thumbnail = name
				}
				if err == nil && src == media.SourceFrame {
					// ffmpeg is there: a filmstrip for scrubbing through
					// the video in the library. Failing is harmless: the
					// thumbnail stands alone.
					_ = media.Filmstrip(ctx, p, library.StripBeside(out), f.Media.Duration)
				}
			}
		}
		if err := t.store.PutFile(context.WithoutCancel(ctx), rec.ID, f); err != nil {
			return
		}
	}
	if rec, err := t.store.Get(context.WithoutCancel(ctx), rec.ID); err == nil {
		t.lib.WriteSidecars(rec)
		t.events.publish(Event{Kind: EventChanged, ID: rec.ID, Record: rec})
	}
}

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

// coverThumbnail replaces the thumbnail at out with the service's cover of
// video idx, scaled to 320 pixels wide, when there is one. Failing is
// harmless: the placeholder stays.
func (t *Tracker) coverThumbnail(ctx context.Context, id int64, idx int, out string) {
	t.mu.Lock()
	covers := t.covers[id]
	t.mu.Unlock()
	fetcher, ok := t.api.(imageFetcher)
	if !ok || idx >= len(covers) || covers[idx] == "" {
		return
	}
	data, err := fetcher.FetchImage(ctx, covers[idx])
	if err != nil {
		return
	}
	src, _, err := image.Decode(bytes.NewReader(data))
	if err != nil || src.Bounds().Dx() == 0 || src.Bounds().Dy() == 0 {
		return
	}
	b := src.Bounds()
	h := max(1, b.Dy()*320/b.Dx())
	dst := image.NewRGBA(image.Rect(0, 0, 320, min(h, 1280)))
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, b, draw.Src, nil)
	var buf bytes.Buffer
	if png.Encode(&buf, dst) == nil {
		_ = atomicfile.WriteFile(out, buf.Bytes(), 0o644)
	}
}
