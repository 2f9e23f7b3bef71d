package media

import (
	"bytes"
	"context"
	"fmt"
	"image/jpeg"
	"io"
	"os/exec"
	"strconv"
	"time"
)

const (
	// StripFrames is how many frames a filmstrip holds, side by side.
	StripFrames = 6
	// StripFrameWidth is the width of each frame of a filmstrip, in pixels.
	StripFrameWidth = 160
	// maxStripJPEG caps the JPEG ffmpeg may hand back; six small frames
	// are tens of KiB.
	maxStripJPEG = 8 << 20
)

// Filmstrip writes to outJPEG, atomically, one JPEG holding StripFrames
// frames of the video side by side, each StripFrameWidth pixels wide,
// taken evenly over its length (length, or 10 s when unknown). It needs
// ffmpeg; without it, it returns ErrNoFFmpeg and writes nothing.
func Filmstrip(ctx context.Context, videoPath, outJPEG string, length time.Duration) error {
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		return ErrNoFFmpeg
	}
	return filmstrip(ctx, ffmpeg, videoPath, outJPEG, length)
}

func filmstrip(ctx context.Context, ffmpeg, videoPath, outJPEG string, length time.Duration) error {
	if length <= 0 {
		length = 10 * time.Second
	}
	rate := float64(StripFrames) / length.Seconds()
	out, err := runTool(ctx, ffmpeg, maxStripJPEG,
		"-nostdin", "-y", "-loglevel", "error",
		"-i", "file:"+videoPath,
		"-map", "0:v:0",
		// One frame every length/StripFrames, made square-pixelled and
		// small, then laid side by side into one picture.
		"-vf", fmt.Sprintf("scale=iw*sar:ih,setsar=1,fps=%s,scale=%d:-2,tile=%dx1",
			strconv.FormatFloat(rate, 'f', 6, 64), StripFrameWidth, StripFrames),
		"-frames:v", "1", "-f", "image2pipe", "-c:v", "mjpeg", "-q:v", "5", "pipe:1")
	if err != nil {
		return err
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(out))
	if err != nil {
		return &toolError{msg: fmt.Sprintf("ffmpeg: no filmstrip: %v", err)}
	}
	if cfg.Width != StripFrames*StripFrameWidth || cfg.Height <= 0 {
		return &toolError{msg: fmt.Sprintf("ffmpeg: filmstrip is %d×%d", cfg.Width, cfg.Height)}
	}
	return writeFileAtomic(outJPEG, func(w io.Writer) error {
		_, err := w.Write(out)
		return err
	})
}
