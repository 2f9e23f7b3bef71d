package media

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"io"
	"os"
	"os/exec"
	"strconv"
	"time"

	"github.com/reelhouse/reelhouse/history/atomicfile"
)

// Source says where a thumbnail's picture came from.
type Source string

const (
	// SourceFrame is a frame of the video, taken by ffmpeg.
	SourceFrame Source = "frame"
	// SourcePlaceholder is a picture drawn from the video's details, used
	// when no frame could be taken.
	SourcePlaceholder Source = "placeholder"
)

const (
	// thumbnailWidth is the width of every thumbnail, in pixels.
	thumbnailWidth = 320
	// maxFramePNG caps the PNG ffmpeg may hand back; 320 px wide is tens of KiB.
	maxFramePNG = 32 << 20
	// frameAt is when the thumbnail frame is taken, past any fade-in.
	frameAt = time.Second
)

// Thumbnail writes a PNG 320 pixels wide for the video at videoPath to
// outPNG, replacing it atomically. With ffmpeg installed it is a frame from
// about one second in (halfway through a video shorter than two seconds),
// keeping the video's shape; otherwise, or when ffmpeg fails, it is a 320×180
// placeholder drawn from p. It reports which one it wrote. When ctx is done
// before the file is written, it returns ctx.Err() and leaves no file behind.
func Thumbnail(ctx context.Context, videoPath, outPNG string, p Placeholder) (Source, error) {
	ffmpeg, _ := exec.LookPath("ffmpeg")
	return thumbnail(ctx, ffmpeg, videoPath, outPNG, p)
}

// thumbnail is Thumbnail with the ffmpeg binary given; "" means none.
func thumbnail(ctx context.Context, ffmpeg, videoPath, outPNG string, p Placeholder) (Source, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if ffmpeg != "" {
		frame, err := extractFrame(ctx, ffmpeg, videoPath)
		if err == nil {
			if err := writeFileAtomic(outPNG, func(w io.Writer) error {
				_, err := w.Write(frame)
				return err
			}); err != nil {
				return "", err
			}
			return SourceFrame, nil
		}
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		// ffmpeg could not take a frame: the placeholder still tells the user
		// which video this is.
	}
	if err := writeFileAtomic(outPNG, func(w io.Writer) error {
		return PlaceholderPNG(w, p)
	}); err != nil {
		return "", err
	}
	return SourcePlaceholder, nil
}

// extractFrame returns one frame of the video as a PNG 320 pixels wide.
func extractFrame(ctx context.Context, ffmpeg, videoPath string) ([]byte, error) {
	at := frameAt
	if info, err := Probe(videoPath); err == nil && info.Duration > 0 && info.Duration < 2*frameAt {
		at = info.Duration / 2
	}
	frame, err := runFrame(ctx, ffmpeg, videoPath, at)
	if err == nil || ctx.Err() != nil {
		return frame, err
	}
	// Seeking can miss (a length the headers got wrong, a file ffmpeg reads
	// but Probe does not): the first frame is better than none.
	return runFrame(ctx, ffmpeg, videoPath, 0)
}

// runFrame runs ffmpeg once for the frame at (or the first frame when at is
// 0) and checks that what came back is a PNG of the right width.
func runFrame(ctx context.Context, ffmpeg, videoPath string, at time.Duration) ([]byte, error) {
	args := []string{"-nostdin", "-y", "-loglevel", "error"}
	if at > 0 {
		// Before -i, -ss seeks in the input instead of decoding up to it.
		args = append(args, "-ss", strconv.FormatFloat(at.Seconds(), 'f', 3, 64))
	}
	args = append(args,
		"-i", "file:"+videoPath, // "file:" keeps odd names a local file
		"-map", "0:v:0", "-frames:v", "1",
		// Pixels that are not square are first made square, so that the
		// picture keeps the shape it is shown with.
		"-vf", "scale=iw*sar:ih,setsar=1,scale="+strconv.Itoa(thumbnailWidth)+":-2",
		"-f", "image2pipe", "-c:v", "png", "pipe:1")
	out, err := runTool(ctx, ffmpeg, maxFramePNG, args...)
	if err != nil {
		return nil, err
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(out))
	if err != nil {
		return nil, &toolError{msg: fmt.Sprintf("ffmpeg: no frame at %v: %v", at, err)}
	}
	if cfg.Width != thumbnailWidth || cfg.Height <= 0 {
		return nil, &toolError{msg: fmt.Sprintf("ffmpeg: frame is %d×%d", cfg.Width, cfg.Height)}
	}
	return out, nil
}

// writeFileAtomic writes a file through write so that path holds either its
// old content or all of the new one, never a part.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	err := atomicfile.Write(path, 0o644, func(f *os.File) error { return write(f) })
	if err != nil {
		return fmt.Errorf("media: writing %s: %w", path, err)
	}
	return nil
}
