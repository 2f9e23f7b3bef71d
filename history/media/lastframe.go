package media

import (
	"context"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
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

// lastFrame is LastFrame with the ffmpeg binary given.
func lastFrame(ctx context.Context, ffmpeg, videoPath, outPNG string) error {
	tmp, err := os.CreateTemp(filepath.Dir(outPNG), ".lastframe-*.png")
	if err != nil {
		return fmt.Errorf("media: writing %s: %w", outPNG, err)
	}
	tmpName := tmp.Name()
	tmp.Close()
	defer os.Remove(tmpName)
	_, err = runTool(ctx, ffmpeg, maxToolStderr, "-nostdin", "-y", "-loglevel", "error",
		"-sseof", lastFrameSpan, "-i", "file:"+videoPath, // "file:" keeps odd names a local file
		"-map", "0:v:0",
		// Pixels that are not square are made square, as the video is shown.
		"-vf", "scale=iw*sar:ih,setsar=1",
		"-update", "1", "-f", "image2", "-c:v", "png", "file:"+tmpName)
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
		return &toolError{msg: fmt.Sprintf("ffmpeg: no last frame in %s", filepath.Base(videoPath))}
	}
	if err := os.Rename(tmpName, outPNG); err != nil {
		return fmt.Errorf("media: writing %s: %w", outPNG, err)
	}
	return nil
}
