package media

// This file joins videos into one with ffmpeg: as they are when they are
// alike, converted to the first one's size and frame rate otherwise.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// JoinOptions says how Join joins.
type JoinOptions struct {
	// Crossfade is how long each shot fades into the next; 0 cuts. A fade
	// longer than half of any shot is not done (the shots are cut).
	Crossfade time.Duration
	// Progress, when set, is called from time to time with how much of the
	// film is written and how long it will be.
	Progress func(done, total time.Duration)
}

// JoinResult says how a film was joined.
type JoinResult struct {
	// Reencoded reports that the shots were converted, not copied.
	Reencoded bool
	// Length is the film's expected length.
	Length time.Duration
}

// ErrNothingToJoin is returned by Join for fewer than one input.
var ErrNothingToJoin = errors.New("media: no videos to join")

// joinFrameRate is the frame rate of a conversion when the first shot's is
// unknown.
const joinFrameRate = 30

// Join writes the videos at inputs, one after another, to out as an MP4,
// replacing out atomically. Videos of the same size, frame rate and codecs
// are joined without converting them (quick, and nothing is lost);
// otherwise, or with a crossfade, each is converted to the first one's
// size and frame rate (letterboxed where its shape differs), and a video
// without sound gets silence so the sound stays in step. It needs ffmpeg
// (ErrNoFFmpeg without it). When ctx is done first it returns ctx.Err() and
// leaves no file behind.
func Join(ctx context.Context, inputs []string, out string, opts JoinOptions) (JoinResult, error) {
	ffmpeg, err := exec.LookPath("ffmpeg")
	if err != nil {
		return JoinResult{}, ErrNoFFmpeg
	}
	if len(inputs) == 0 {
		return JoinResult{}, ErrNothingToJoin
	}
	infos := make([]Info, len(inputs))
	for i, in := range inputs {
		if infos[i], err = Describe(ctx, in); err != nil {
			return JoinResult{}, fmt.Errorf("media: video %d of %d: %w", i+1, len(inputs), err)
		}
	}
	fade := opts.Crossfade
	var length time.Duration
	for _, info := range infos {
		length += info.Duration
		if info.Duration < 2*fade {
			fade = 0
		}
	}
	if len(inputs) < 2 {
		fade = 0
	}
	length -= time.Duration(len(inputs)-1) * fade
	res := JoinResult{Length: length, Reencoded: fade > 0 || !alike(infos)}

	tmp, err := os.CreateTemp(filepath.Dir(out), ".join-*.mp4")
	if err != nil {
		return JoinResult{}, fmt.Errorf("media: writing %s: %w", out, err)
	}
	tmpName := tmp.Name()
	tmp.Close()
	defer os.Remove(tmpName)

	args := []string{"-nostdin", "-y", "-loglevel", "error", "-nostats", "-progress", "pipe:1"}
	if res.Reencoded {
		args = append(args, convertArgs(inputs, infos, fade, length)...)
	} else {
		list, err := writeConcatList(filepath.Dir(out), inputs)
		if err != nil {
			return JoinResult{}, err
		}
		defer os.Remove(list)
		args = append(args, "-f", "concat", "-safe", "0", "-i", "file:"+list, "-map", "0", "-c", "copy")
	}
	args = append(args, "-movflags", "+faststart", "-f", "mp4", "file:"+tmpName)
	if err := runWithProgress(ctx, ffmpeg, args, length, opts.Progress); err != nil {
		return JoinResult{}, err
	}
	if err := os.Rename(tmpName, out); err != nil {
		return JoinResult{}, fmt.Errorf("media: writing %s: %w", out, err)
	}
	return res, nil
}

// alike reports whether videos can be joined as they are: the same size,
// shape of pixel, frame rate and codecs, and all with sound or none.
func alike(infos []Info) bool {
	a := infos[0]
	for _, b := range infos[1:] {
		if b.Width != a.Width || b.Height != a.Height || b.PixelAspect != a.PixelAspect ||
			math.Abs(b.FrameRate-a.FrameRate) > 0.01 || b.VideoCodec != a.VideoCodec ||
			b.HasAudio != a.HasAudio || b.AudioCodec != a.AudioCodec {
			return false
		}
	}
	return true
}

// writeConcatList writes the list of inputs ffmpeg's concat reader takes,
// in dir, and returns its path.
func writeConcatList(dir string, inputs []string) (string, error) {
	f, err := os.CreateTemp(dir, ".join-*.txt")
	if err != nil {
		return "", fmt.Errorf("media: writing the list of videos: %w", err)
	}
	var b strings.Builder
	b.WriteString("ffconcat version 1.0\n")
	for _, in := range inputs {
		abs, err := filepath.Abs(in)
		if err != nil {
			abs = in
		}
		// In the list, a quote is ended, escaped and started again.
		b.WriteString("file 'file:" + strings.ReplaceAll(abs, "'", `'\''`) + "'\n")
	}
	_, err = f.WriteString(b.String())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("media: writing the list of videos: %w", err)
	}
	return f.Name(), nil
}

// convertArgs are ffmpeg's inputs, filters and encoders that convert the
// videos to the first one's size and frame rate and join them, each
// fading into the next over fade when fade is not 0, for a film of length.
func convertArgs(inputs []string, infos []Info, fade, length time.Duration) []string {
	w, h := even(infos[0].Width), even(infos[0].Height)
	if w == 0 || h == 0 {
		w, h = 1280, 720
	}
	fps := infos[0].FrameRate
	if fps <= 0 {
		fps = joinFrameRate
	}
	rate := strconv.FormatFloat(fps, 'f', -1, 64)
	sound := false
	for _, info := range infos {
		sound = sound || info.HasAudio
	}
	var args []string
	for _, in := range inputs {
		args = append(args, "-i", "file:"+in)
	}
	var g []string // the filter graph's chains
	for i, info := range infos {
		secs := seconds(info.Duration)
		g = append(g, fmt.Sprintf("[%d:v:0]scale=%d:%d:force_original_aspect_ratio=decrease,pad=%d:%d:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=%s,format=yuv420p,trim=duration=%s,setpts=PTS-STARTPTS[v%d]",
			i, w, h, w, h, rate, secs, i))
		if !sound {
			continue
		}
		if info.HasAudio {
			g = append(g, fmt.Sprintf("[%d:a:0]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,apad,atrim=duration=%s,asetpts=PTS-STARTPTS[a%d]", i, secs, i))
		} else {
			g = append(g, fmt.Sprintf("anullsrc=channel_layout=stereo:sample_rate=48000,aformat=sample_fmts=fltp,atrim=duration=%s[a%d]", secs, i))
		}
	}
	if fade > 0 {
		offset := time.Duration(0)
		v, a := "[v0]", "[a0]"
		for i := 1; i < len(infos); i++ {
			offset += infos[i-1].Duration - fade
			g = append(g, fmt.Sprintf("%s[v%d]xfade=transition=fade:duration=%s:offset=%s[x%d]", v, i, seconds(fade), seconds(offset), i))
			v = fmt.Sprintf("[x%d]", i)
			if sound {
				g = append(g, fmt.Sprintf("%s[a%d]acrossfade=d=%s[y%d]", a, i, seconds(fade), i))
				a = fmt.Sprintf("[y%d]", i)
			}
		}
		// xfade may end a frame late; the film is as long as it says.
		g = append(g, v+"trim=duration="+seconds(length)+"[v]")
		if sound {
			g = append(g, a+"atrim=duration="+seconds(length)+"[a]")
		}
	} else {
		var pads strings.Builder
		for i := range infos {
			fmt.Fprintf(&pads, "[v%d]", i)
			if sound {
				fmt.Fprintf(&pads, "[a%d]", i)
			}
		}
		g = append(g, fmt.Sprintf("%sconcat=n=%d:v=1:a=%d[v]%s", pads.String(), len(infos), boolDigit(sound), map[bool]string{true: "[a]"}[sound]))
	}
	args = append(args, "-filter_complex", strings.Join(g, ";"), "-map", "[v]")
	args = append(args, "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p", "-r", rate)
	if sound {
		args = append(args, "-map", "[a]", "-c:a", "aac", "-b:a", "160k")
	}
	return args
}

func even(n int) int { return n &^ 1 }

func boolDigit(b bool) int {
	if b {
		return 1
	}
	return 0
}

// seconds is d in seconds, as ffmpeg reads them.
func seconds(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 6, 64) }

// runWithProgress runs ffmpeg with args, which write its progress to
// standard output, and reports it to progress against total.
func runWithProgress(ctx context.Context, ffmpeg string, args []string, total time.Duration, progress func(done, total time.Duration)) error {
	cmd := exec.CommandContext(ctx, ffmpeg, args...)
	stderr := &cappedBuffer{limit: maxToolStderr}
	cmd.Stderr = stderr
	cmd.WaitDelay = toolWaitDelay
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	readProgress(stdout, total, progress)
	err = cmd.Wait()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil {
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			return err
		}
		msg := "ffmpeg: " + exitErr.String()
		if line := firstLine(stderr.buf.String()); line != "" {
			msg += ": " + line
		}
		return &toolError{msg: msg}
	}
	if progress != nil {
		progress(total, total)
	}
	return nil
}

// readProgress reads ffmpeg's -progress lines until the end and calls
// progress with each position written (out_time_us, in microseconds).
func readProgress(r io.Reader, total time.Duration, progress func(done, total time.Duration)) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		v, ok := strings.CutPrefix(sc.Text(), "out_time_us=")
		if !ok || progress == nil {
			continue
		}
		if us, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && us >= 0 {
			progress(min(time.Duration(us)*time.Microsecond, total), total)
		}
	}
	_, _ = io.Copy(io.Discard, r)
}
