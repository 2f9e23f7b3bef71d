package library

// This file describes the videos of a task right after their download:
// their facts, their thumbnail (a frame, or the service's cover) and their
// sidecar.

import (
	"bytes"
	"context"
	"image"
	_ "image/gif" // covers may be GIF, JPEG or PNG
	_ "image/jpeg"
	"image/png"
	"os"
	"path/filepath"

	"golang.org/x/image/draw"

	"github.com/reelhouse/reelhouse/history/media"
	"github.com/reelhouse/reelhouse/history/store"
)

// Cover fetches the service's cover image of video idx of a task, or
// returns nil when there is none or it cannot be had.
type Cover func(ctx context.Context, idx int) []byte

// Describe reads the facts of each file of rec, makes its thumbnail and
// filmstrip in the thumbnail folder (see UseThumbnails) and writes its
// sidecar, then announces the record as it now is. A file that is not a
// readable video is marked so, never fatal. Where no frame can be taken
// (no ffmpeg), the image cover gives, if any, beats a placeholder; cover
// may be nil.
func (l *Library) Describe(ctx context.Context, rec store.Record, cover Cover) {
	lib := l.Folder()
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
		if dir := l.thumbnailDir(); dir != "" {
			if err := os.MkdirAll(dir, 0o755); err == nil {
				name := ThumbnailName(rec.TaskID, f.Index)
				out := filepath.Join(dir, name)
				ph := media.Placeholder{Model: rec.Request.Model, Date: rec.CreatedAt, Title: rec.Request.Prompt}
				src, err := media.Thumbnail(ctx, p, out, ph)
				if err == nil && src == media.SourcePlaceholder && cover != nil {
					// No frame could be taken (no ffmpeg): the service's
					// cover, when it sent one, beats a placeholder.
					coverThumbnail(cover(ctx, f.Index), out)
				}
				if err == nil {
					f.Thumbnail = name
				}
				if err == nil && src == media.SourceFrame {
					// ffmpeg is there: a filmstrip for scrubbing through
					// the video in the library. Failing is harmless: the
					// thumbnail stands alone.
					_ = media.Filmstrip(ctx, p, StripBeside(out), f.Media.Duration)
				}
			}
		}
		if err := l.store.PutFile(context.WithoutCancel(ctx), rec.ID, f); err != nil {
			return
		}
	}
	if rec, err := l.store.Get(context.WithoutCancel(ctx), rec.ID); err == nil {
		l.WriteSidecars(rec)
		l.announce(Notice{Kind: Changed, ID: rec.ID, Record: rec})
	}
}

// coverThumbnail replaces the thumbnail at out with a cover image, scaled
// to 320 pixels wide. Failing is harmless: the placeholder stays.
func coverThumbnail(data []byte, out string) {
	if len(data) == 0 {
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
		_ = writeFileAtomic(out, buf.Bytes())
	}
}
