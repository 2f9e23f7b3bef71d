package media

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// ErrNoFFprobe is returned by ProbeFFprobe when ffprobe is not installed.
var ErrNoFFprobe = errors.New("media: ffprobe is not installed")

// Limits on what ffprobe may print before it is thought broken.
const (
	maxFFprobeOutput = 4 << 20
	// describeFFprobeTimeout bounds the optional ffprobe run in Describe, so
	// a stuck ffprobe cannot hold up facts the Go reader already has.
	describeFFprobeTimeout = 15 * time.Second
)

// ProbeFFprobe asks ffprobe for the facts about the video at path. It returns
// ErrNoFFprobe when ffprobe is not on the PATH, and an error matching
// ErrUnreadable when ffprobe cannot read the file or finds no video in it.
func ProbeFFprobe(ctx context.Context, path string) (Info, error) {
	bin, err := exec.LookPath("ffprobe")
	if err != nil {
		return Info{}, ErrNoFFprobe
	}
	return probeFFprobe(ctx, bin, path)
}

// Describe reads the facts about the video at path with the Go reader (see
// Probe) and, when ffprobe is installed, fills in whatever the headers left
// out, such as the frame rate of a fragmented file. The Go reader decides
// whether the file is readable; ffprobe failing only means nothing is filled in.
func Describe(ctx context.Context, path string) (Info, error) {
	bin, _ := exec.LookPath("ffprobe")
	return describe(ctx, bin, path)
}

// describe is Describe with the ffprobe binary given; "" means none.
func describe(ctx context.Context, ffprobe, path string) (Info, error) {
	if err := ctx.Err(); err != nil {
		return Info{}, err
	}
	info, err := Probe(path)
	if err != nil {
		return Info{}, err
	}
	if ffprobe == "" || complete(info) {
		return info, nil
	}
	fctx, cancel := context.WithTimeout(ctx, describeFFprobeTimeout)
	defer cancel()
	more, err := probeFFprobe(fctx, ffprobe, path)
	if err != nil {
		if ctx.Err() != nil {
			return Info{}, ctx.Err()
		}
		return info, nil
	}
	return fillMissing(info, more), nil
}

// complete reports whether info has every fact ffprobe could add.
func complete(info Info) bool {
	return info.Duration > 0 && info.Width > 0 && info.Height > 0 &&
		info.FrameRate > 0 && info.VideoCodec != "" && info.Brand != "" &&
		(!info.HasAudio || info.AudioCodec != "")
}

// fillMissing returns info with its zero fields taken from more.
func fillMissing(info, more Info) Info {
	if info.Duration == 0 {
		info.Duration = more.Duration
	}
	if info.Width == 0 || info.Height == 0 {
		info.Width, info.Height, info.PixelAspect = more.Width, more.Height, more.PixelAspect
	}
	if info.FrameRate == 0 {
		info.FrameRate = more.FrameRate
	}
	if info.VideoCodec == "" {
		info.VideoCodec = more.VideoCodec
	}
	if !info.HasAudio && more.HasAudio {
		info.HasAudio = true
	}
	if info.HasAudio && info.AudioCodec == "" {
		info.AudioCodec = more.AudioCodec
	}
	if info.Brand == "" {
		info.Brand = more.Brand
	}
	return info
}

// ffprobeOutput is the part of ffprobe's JSON that Info needs.
type ffprobeOutput struct {
	Streams []struct {
		CodecType    string `json:"codec_type"`
		CodecName    string `json:"codec_name"`
		Width        int    `json:"width"`
		Height       int    `json:"height"`
		SampleAspect string `json:"sample_aspect_ratio"`
		AvgFrameRate string `json:"avg_frame_rate"`
		RFrameRate   string `json:"r_frame_rate"`
		Duration     string `json:"duration"`
		Disposition  struct {
			AttachedPic int `json:"attached_pic"`
		} `json:"disposition"`
		Tags struct {
			Rotate string `json:"rotate"`
		} `json:"tags"`
		SideDataList []struct {
			Rotation float64 `json:"rotation"`
		} `json:"side_data_list"`
	} `json:"streams"`
	Format struct {
		Duration string `json:"duration"`
		Tags     struct {
			MajorBrand string `json:"major_brand"`
		} `json:"tags"`
	} `json:"format"`
}

func probeFFprobe(ctx context.Context, ffprobe, path string) (Info, error) {
	// "file:" keeps a name that starts with "-" or looks like a URL a local file.
	out, err := runTool(ctx, ffprobe, maxFFprobeOutput,
		"-v", "error", "-print_format", "json", "-show_streams", "-show_format", "file:"+path)
	if err != nil {
		if ctx.Err() != nil {
			return Info{}, ctx.Err()
		}
		var toolErr *toolError
		if errors.As(err, &toolErr) {
			return Info{}, unreadable("ffprobe: " + toolErr.Error())
		}
		return Info{}, err
	}
	var doc ffprobeOutput
	if err := json.Unmarshal(out, &doc); err != nil {
		return Info{}, fmt.Errorf("media: reading ffprobe output: %w", err)
	}

	var info Info
	videoFound := false
	var longest time.Duration
	for _, s := range doc.Streams {
		if d, ok := secondsToDuration(s.Duration); ok && d > longest {
			longest = d
		}
		switch s.CodecType {
		case "video":
			if videoFound || s.Disposition.AttachedPic != 0 {
				continue // cover art is not the video
			}
			videoFound = true
			info.VideoCodec = s.CodecName
			info.Width, info.Height, info.PixelAspect = shownSize(s.Width, s.Height, s.SampleAspect)
			if quarterTurn(s.Tags.Rotate, s.SideDataList) {
				info.Width, info.Height = info.Height, info.Width
			}
			info.FrameRate = parseRate(s.AvgFrameRate)
			if info.FrameRate == 0 {
				info.FrameRate = parseRate(s.RFrameRate)
			}
		case "audio":
			if !info.HasAudio {
				info.HasAudio = true
				info.AudioCodec = s.CodecName
			}
		}
	}
	if !videoFound {
		return Info{}, unreadable("ffprobe found no video stream")
	}
	if d, ok := secondsToDuration(doc.Format.Duration); ok {
		info.Duration = d
	} else {
		info.Duration = longest
	}
	info.Brand = strings.TrimRight(doc.Format.Tags.MajorBrand, " ")
	return info, nil
}

// shownSize is the size a picture stored width×height is shown at when its
// pixels have the shape aspect ("64:45"), rounded as the Go reader does, and
// that shape when it is not square.
func shownSize(width, height int, aspect string) (int, int, string) {
	num, den, ok := strings.Cut(aspect, ":")
	if !ok {
		return width, height, ""
	}
	n, err1 := strconv.ParseUint(num, 10, 32)
	d, err2 := strconv.ParseUint(den, 10, 32)
	if err1 != nil || err2 != nil || n == 0 || d == 0 || n == d {
		return width, height, ""
	}
	shown := math.Round(float64(width) * float64(n) / float64(d))
	if shown < 1 || shown > math.MaxUint16 {
		return width, height, ""
	}
	return int(shown), height, aspect
}

// quarterTurn reports whether ffprobe says the picture is displayed turned by
// 90 or 270 degrees, through the display matrix or the older rotate tag.
func quarterTurn(tag string, sideData []struct {
	Rotation float64 `json:"rotation"`
}) bool {
	turned := func(deg float64) bool {
		r := math.Mod(math.Abs(math.Round(deg)), 180)
		return r == 90
	}
	for _, sd := range sideData {
		if sd.Rotation != 0 {
			return turned(sd.Rotation)
		}
	}
	if deg, err := strconv.ParseFloat(tag, 64); err == nil {
		return turned(deg)
	}
	return false
}

// parseRate reads a rate such as "30000/1001"; 0 when missing or absurd.
func parseRate(s string) float64 {
	num, den, ok := strings.Cut(s, "/")
	if !ok {
		return 0
	}
	n, err1 := strconv.ParseFloat(num, 64)
	d, err2 := strconv.ParseFloat(den, 64)
	if err1 != nil || err2 != nil || d == 0 {
		return 0
	}
	r := n / d
	if math.IsNaN(r) || r <= 0 || r > maxFrameRate {
		return 0
	}
	return r
}

// secondsToDuration reads a duration such as "2.000000"; false when missing or absurd.
func secondsToDuration(s string) (time.Duration, bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || f <= 0 || f > maxDuration.Seconds() {
		return 0, false
	}
	return time.Duration(math.Round(f * float64(time.Second))), true
}
