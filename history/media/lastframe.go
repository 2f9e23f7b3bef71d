package media

import (
	"context"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// lastFrameSpan is how far before the end decoding starts: far enough to
// hold a whole frame of any video, short enough to be quick. The image
// muxer keeps overwriting its one picture, so the last frame decoded stays.
const lastFrameSpan = "-1"

// LastFrame writes the last frame of the video at videoPath to outPNG, at
// the video's own size, replacing outPNG atomically. It needs ffmpeg
// (ErrNoFFmpeg without it). When ctx is done first it returns ctx.Err()
// and leaves no file behind.
func LastFrame(ctx context.Context, videoPath, outPNG string) error {
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		return ErrNoFFmpeg
	}
	return lastFrame(ctx, ffmpeg, videoPath, outPNG)
}

// FrameAt writes the frame of the video at videoPath that starts at t to
// outPNG, at the video's own size, replacing outPNG atomically; a frame
// that starts within a millisecond before t counts as starting at t, so
// the time of a frame as a player shows it finds that frame. It needs
// ffmpeg (ErrNoFFmpeg without it). When ctx is done first it returns
// ctx.Err() and leaves no file behind.
func FrameAt(ctx context.Context, videoPath string, t time.Duration, outPNG string) error {
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		return ErrNoFFmpeg
	}
	return frameAtTime(ctx, ffmpeg, videoPath, t, outPNG)
}

// frameAtTime is FrameAt with the ffmpeg binary given.
func frameAtTime(ctx context.Context, ffmpeg, videoPath string, t time.Duration, outPNG string) error {
	from := max(t-time.Millisecond, 0)
	// Before -i, -ss seeks in the input and then decodes exactly to it.
	return oneFrame(ctx, ffmpeg, videoPath, outPNG, fmt.Sprintf("frame at %v", t),
		[]string{"-ss", strconv.FormatFloat(from.Seconds(), 'f', 6, 64)}, []string{"-frames:v", "1"})
}

// WithFrame writes a frame of the video at videoPath with take (LastFrame,
// or FrameAt for a time) to a temporary PNG, calls use with its path and
// removes it: for a frame wanted as bytes, not as a file.
func WithFrame(ctx context.Context, videoPath string, take func(ctx context.Context, video, outPNG string) error, use func(png string) error) error {
	dir, err := os.MkdirTemp("", "reelhouse-frame-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "frame.png")
	if err := take(ctx, videoPath, out); err != nil {
		return err
	}
	return use(out)
}

// lastFrame is LastFrame with the ffmpeg binary given.
func lastFrame(ctx context.Context, ffmpeg, videoPath, outPNG string) error {
	return oneFrame(ctx, ffmpeg, videoPath, outPNG, "last frame", []string{"-sseof", lastFrameSpan}, []string{"-update", "1"})
}

// oneFrame runs ffmpeg on videoPath with seek before the input and pick
// after it, and moves the one picture it wrote to outPNG; which names the
// frame in the error when there is none.
func oneFrame(ctx context.Context, ffmpeg, videoPath, outPNG, which string, seek, pick []string) error {
	tmp, err := os.CreateTemp(filepath.Dir(outPNG), ".lastframe-*.png")
	if err != nil {
		return fmt.Errorf("media: writing %s: %w", outPNG, err)
	}
	tmpName := tmp.Name()
	tmp.Close()
	defer os.Remove(tmpName)
	args := append([]string{"-nostdin", "-y", "-loglevel", "error"}, seek...)
	args = append(args, "-i", "file:"+videoPath, // "file:" keeps odd names a local file
		"-map", "0:v:0",
		// Pixels that are not square are made square, as the video is shown.
		"-vf", "scale=iw*sar:ih,setsar=1")
	args = append(args, pick...)
	_, err = runTool(ctx, ffmpeg, maxToolStderr, append(args, "-f", "image2", "-c:v", "png", "file:"+tmpName)...)
	if err != nil {
		return err
	}
	f, err := os.Open(tmpName)
	if err != nil {
		return err
	}
	cfg, err := png.DecodeConfig(f)
	f.Close()
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return &toolError{msg: fmt.Sprintf("ffmpeg: no %s in %s", which, filepath.Base(videoPath))}
	}
	if err := os.Rename(tmpName, outPNG); err != nil {
		return fmt.Errorf("media: writing %s: %w", outPNG, err)
	}
	return nil
}
