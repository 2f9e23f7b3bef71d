package media

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// ErrNoFFmpeg is returned where a picture or a frame needs the ffmpeg
// program and it is not installed.
var ErrNoFFmpeg = errors.New("media: ffmpeg is not installed")

const (
	// maxToolStderr is how much of a tool's error output is kept for the message.
	maxToolStderr = 4 << 10
	// toolWaitDelay bounds the wait for a killed tool's output to close.
	toolWaitDelay = 2 * time.Second
)

// toolError is a run of ffmpeg or ffprobe that exited with a failure or
// printed more than it should have.
type toolError struct {
	msg string
}

func (e *toolError) Error() string { return e.msg }

// runTool runs bin with args and returns what it printed on standard output,
// which may be at most limit bytes. The tool is killed when ctx is done, and
// ctx.Err() is returned then.
func runTool(ctx context.Context, bin string, limit int, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	stdout := &cappedBuffer{limit: limit}
	stderr := &cappedBuffer{limit: maxToolStderr}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	cmd.WaitDelay = toolWaitDelay
	err := cmd.Run()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	name := filepath.Base(bin)
	if err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			return nil, err // it did not start
		}
		msg := name + ": " + exitErr.String()
		if line := firstLine(stderr.buf.String()); line != "" {
			msg += ": " + line
		}
		return nil, &toolError{msg: msg}
	}
	if stdout.overflow {
		return nil, &toolError{msg: name + ": printed too much"}
	}
	return stdout.buf.Bytes(), nil
}

// cappedBuffer keeps the first limit bytes written to it and drops the rest,
// without failing the writer, so a chatty tool is not killed by a broken pipe.
type cappedBuffer struct {
	buf      bytes.Buffer
	limit    int
	overflow bool
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	room := b.limit - b.buf.Len()
	if len(p) > room {
		b.overflow = true
		b.buf.Write(p[:max(room, 0)])
		return len(p), nil
	}
	b.buf.Write(p)
	return len(p), nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	line, _, _ := strings.Cut(s, "\n")
	return strings.TrimSpace(line)
}
