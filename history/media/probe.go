package media

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"os"
	"strings"
	"time"
)

// Limits on what an untrusted file can make the reader do. Real files stay far
// below each of them.
const (
	// maxMoovSize caps the movie header, the only box read whole into memory.
	// An hour of 60 fps video has a moov of a few MiB.
	maxMoovSize = 64 << 20
	// maxFtypSize caps the file type box; it holds a handful of brands.
	maxFtypSize = 4 << 10
	// maxTopLevelBoxes bounds the walk over the file's top level; a fragmented
	// file has two boxes per fragment.
	maxTopLevelBoxes = 1 << 17
	// maxTracks bounds the tracks looked at; later ones are ignored.
	maxTracks = 64
	// maxDuration is the longest length believed; longer is treated as unknown.
	maxDuration = 1000 * time.Hour
	// maxFrameRate is the highest frame rate believed; higher is treated as unknown.
	maxFrameRate = 1000
	// maxSampleEntryDepth bounds the descent into a sound sample entry's
	// children (QuickTime nests its esds inside a wave box).
	maxSampleEntryDepth = 2
)

// Probe reads the facts about the video at path from its MP4 headers.
// A file that is not an MP4 video, or that is cut short or damaged, gives an
// error matching ErrUnreadable; a file that cannot be opened gives the error
// from the file system.
func Probe(path string) (Info, error) {
	f, err := os.Open(path)
	if err != nil {
		return Info{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Info{}, err
	}
	if !st.Mode().IsRegular() {
		return Info{}, unreadable("not a regular file")
	}
	info, err := ProbeReader(f, st.Size())
	if err != nil && !errors.Is(err, ErrUnreadable) {
		return Info{}, fmt.Errorf("media: reading %s: %w", path, err)
	}
	return info, err
}

// ProbeReader is Probe for size bytes read from r.
func ProbeReader(r io.ReaderAt, size int64) (Info, error) {
	if size < 8 {
		return Info{}, unreadable("file is too small")
	}
	var (
		brand string
		moov  []byte
		off   int64
	)
	for n := 0; off < size; n++ {
		if n == maxTopLevelBoxes {
			return Info{}, unreadable("too many top-level boxes")
		}
		remaining := size - off
		if remaining < 8 && n > 0 {
			// A few stray bytes after the last box carry nothing we need.
			break
		}
		var buf [16]byte
		head := buf[:min(remaining, int64(len(buf)))]
		if err := readAt(r, head, off); err != nil {
			return Info{}, err
		}
		h, err := parseHeader(head, remaining)
		if n == 0 && (err != nil || !startsISOFile(h.typ)) {
			return Info{}, unreadable("does not start like an MP4 or QuickTime file")
		}
		if err != nil {
			return Info{}, unreadable(fmt.Sprintf("top-level box at offset %d: %v", off, err))
		}
		switch h.typ {
		case "ftyp":
			if n != 0 {
				break
			}
			if h.size-h.hdr > maxFtypSize {
				return Info{}, unreadable("ftyp box is too large")
			}
			body := make([]byte, h.size-h.hdr)
			if err := readAt(r, body, off+h.hdr); err != nil {
				return Info{}, err
			}
			if len(body) < 4 {
				return Info{}, unreadable("ftyp box is too short")
			}
			brand = fourCC(body[:4])
		case "moov":
			if moov != nil {
				return Info{}, unreadable("more than one moov box")
			}
			if h.size-h.hdr > maxMoovSize {
				return Info{}, unreadable("moov box is too large")
			}
			moov = make([]byte, h.size-h.hdr)
			if err := readAt(r, moov, off+h.hdr); err != nil {
				return Info{}, err
			}
		}
		// Keep walking after moov: a box that runs past the end of the file
		// means the download was cut short, wherever the moov is.
		off += h.size
	}
	if moov == nil {
		return Info{}, unreadable("no moov box (the file may be incomplete)")
	}
	info, err := parseMoov(moov)
	if err != nil {
		return Info{}, err
	}
	info.Brand = brand
	return info, nil
}

// readAt fills p from r at off. Running out of data is reported as an
// unreadable file; any other failure is passed on as it is.
func readAt(r io.ReaderAt, p []byte, off int64) error {
	n, err := r.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return unreadable(fmt.Sprintf("file ends early at offset %d", off+int64(n)))
	}
	return err
}

// startsISOFile reports whether a file whose first box has type typ can be an
// MP4 or QuickTime file. Old QuickTime files have no ftyp.
func startsISOFile(typ string) bool {
	switch typ {
	case "ftyp", "moov", "mdat", "free", "skip", "wide":
		return true
	}
	return false
}

// boxHeader is the decoded start of one box.
type boxHeader struct {
	typ  string
	hdr  int64 // length of the header, where the payload starts
	size int64 // length of the whole box, header included
}

var (
	errShortHeader = errors.New("box header is cut short")
	errBoxTooSmall = errors.New("box is smaller than its header")
	errBoxTooLarge = errors.New("box runs past the end of its container")
)

// parseHeader decodes the box header at the start of p. avail is how many
// bytes the enclosing container (or the file) has left from that point; p may
// be shorter than avail but must hold the whole header.
func parseHeader(p []byte, avail int64) (boxHeader, error) {
	if avail < 8 || len(p) < 8 {
		return boxHeader{}, errShortHeader
	}
	h := boxHeader{typ: string(p[4:8]), hdr: 8}
	switch size32 := binary.BigEndian.Uint32(p); size32 {
	case 0: // the box runs to the end of its container
		h.size = avail
	case 1: // a 64-bit size follows the type
		if avail < 16 || len(p) < 16 {
			return boxHeader{}, errShortHeader
		}
		size64 := binary.BigEndian.Uint64(p[8:16])
		if size64 > uint64(avail) {
			return boxHeader{}, errBoxTooLarge
		}
		h.size, h.hdr = int64(size64), 16
	default:
		h.size = int64(size32)
	}
	if h.typ == "uuid" {
		h.hdr += 16 // extended type
	}
	if h.size < h.hdr {
		return boxHeader{}, errBoxTooSmall
	}
	if h.size > avail {
		return boxHeader{}, errBoxTooLarge
	}
	return h, nil
}

// eachBox calls fn with the type and payload of every box in p, in order.
// It stops at the first error.
func eachBox(p []byte, fn func(typ string, body []byte) error) error {
	for len(p) >= 8 {
		h, err := parseHeader(p, int64(len(p)))
		if err != nil {
			return unreadable(fmt.Sprintf("box %q: %v", fourCC(p[4:8]), err))
		}
		if err := fn(h.typ, p[h.hdr:h.size]); err != nil {
			return err
		}
		p = p[h.size:]
	}
	// Fewer than 8 bytes left: QuickTime ends some lists with a 4-byte zero.
	return nil
}

// track is what one trak box says.
type track struct {
	handler       string
	width, height int
	rotated       bool // turned a quarter turn either way for display
	timescale     uint32
	duration      uint64
	codec         string
	entryW        int // picture size from the sample entry, used when tkhd has none
	entryH        int
	samples       uint64
	sampleTicks   uint64
	ticksOverflow bool
}

func parseMoov(moov []byte) (Info, error) {
	var (
		timescale    uint32
		duration     uint64
		sawMvhd      bool
		fragDuration uint64
		tracks       []track
	)
	err := eachBox(moov, func(typ string, body []byte) error {
		switch typ {
		case "mvhd":
			ts, d, err := parseTimeHeader(body, "mvhd")
			if err != nil {
				return err
			}
			timescale, duration, sawMvhd = ts, d, true
		case "trak":
			if len(tracks) == maxTracks {
				return nil
			}
			t, err := parseTrak(body)
			if err != nil {
				return err
			}
			tracks = append(tracks, t)
		case "mvex":
			return eachBox(body, func(typ string, body []byte) error {
				if typ == "mehd" {
					fragDuration = parseMehd(body)
				}
				return nil
			})
		}
		return nil
	})
	if err != nil {
		return Info{}, err
	}
	if !sawMvhd || timescale == 0 {
		return Info{}, unreadable("moov has no usable mvhd")
	}

	var info Info
	var video *track
	for i := range tracks {
		t := &tracks[i]
		switch t.handler {
		case "vide":
			if video == nil {
				video = t
			}
		case "soun":
			if !info.HasAudio {
				info.HasAudio = true
				info.AudioCodec = t.codec
			}
		}
	}
	if video == nil {
		return Info{}, unreadable("no video track")
	}
	info.VideoCodec = video.codec
	info.Width, info.Height = video.width, video.height
	if info.Width == 0 || info.Height == 0 {
		info.Width, info.Height = video.entryW, video.entryH
	}
	if video.rotated {
		info.Width, info.Height = info.Height, info.Width
	}
	info.FrameRate = frameRate(video)

	if d, ok := ticksToDuration(duration, timescale); ok && d > 0 {
		info.Duration = d
	} else if d, ok := ticksToDuration(fragDuration, timescale); ok && d > 0 {
		info.Duration = d
	} else {
		// No length in the movie header: take the longest track.
		for _, t := range tracks {
			if d, ok := ticksToDuration(t.duration, t.timescale); ok && d > info.Duration {
				info.Duration = d
			}
		}
	}
	return info, nil
}

// parseTimeHeader reads the timescale and duration of an mvhd or mdhd box,
// which share their layout up to the duration. An all-ones duration means
// "unknown" and is returned as 0.
func parseTimeHeader(body []byte, name string) (timescale uint32, duration uint64, err error) {
	if len(body) < 4 {
		return 0, 0, unreadable(name + " box is too short")
	}
	switch body[0] {
	case 0:
		if len(body) < 20 {
			return 0, 0, unreadable(name + " box is too short")
		}
		timescale = binary.BigEndian.Uint32(body[12:16])
		d := binary.BigEndian.Uint32(body[16:20])
		if d != math.MaxUint32 {
			duration = uint64(d)
		}
	case 1:
		if len(body) < 32 {
			return 0, 0, unreadable(name + " box is too short")
		}
		timescale = binary.BigEndian.Uint32(body[20:24])
		d := binary.BigEndian.Uint64(body[24:32])
		if d != math.MaxUint64 {
			duration = d
		}
	default:
		return 0, 0, unreadable(fmt.Sprintf("%s box has unknown version %d", name, body[0]))
	}
	return timescale, duration, nil
}

// parseMehd reads a fragmented file's overall duration, or 0.
func parseMehd(body []byte) uint64 {
	switch {
	case len(body) >= 8 && body[0] == 0:
		return uint64(binary.BigEndian.Uint32(body[4:8]))
	case len(body) >= 12 && body[0] == 1:
		return binary.BigEndian.Uint64(body[4:12])
	}
	return 0
}

func parseTrak(trak []byte) (track, error) {
	var t track
	err := eachBox(trak, func(typ string, body []byte) error {
		switch typ {
		case "tkhd":
			return parseTkhd(body, &t)
		case "mdia":
			return parseMdia(body, &t)
		}
		return nil
	})
	return t, err
}

func parseTkhd(body []byte, t *track) error {
	if len(body) < 4 {
		return unreadable("tkhd box is too short")
	}
	var matrix, size int
	switch body[0] {
	case 0:
		matrix, size = 40, 76
	case 1:
		matrix, size = 52, 88
	default:
		return unreadable(fmt.Sprintf("tkhd box has unknown version %d", body[0]))
	}
	if len(body) < size+8 {
		return unreadable("tkhd box is too short")
	}
	// The matrix is {a b u; c d v; x y w}; a quarter turn has a = d = 0.
	a := int32(binary.BigEndian.Uint32(body[matrix:]))
	b := int32(binary.BigEndian.Uint32(body[matrix+4:]))
	c := int32(binary.BigEndian.Uint32(body[matrix+12:]))
	d := int32(binary.BigEndian.Uint32(body[matrix+16:]))
	t.rotated = a == 0 && d == 0 && b != 0 && c != 0
	// Width and height are 16.16 fixed point; the fraction is never used.
	t.width = int(binary.BigEndian.Uint32(body[size:]) >> 16)
	t.height = int(binary.BigEndian.Uint32(body[size+4:]) >> 16)
	return nil
}

func parseMdia(mdia []byte, t *track) error {
	return eachBox(mdia, func(typ string, body []byte) error {
		switch typ {
		case "mdhd":
			ts, d, err := parseTimeHeader(body, "mdhd")
			if err != nil {
				return err
			}
			t.timescale, t.duration = ts, d
		case "hdlr":
			if len(body) < 12 {
				return unreadable("hdlr box is too short")
			}
			t.handler = string(body[8:12])
		case "minf":
			return eachBox(body, func(typ string, body []byte) error {
				if typ != "stbl" {
					return nil
				}
				return eachBox(body, func(typ string, body []byte) error {
					switch typ {
					case "stsd":
						return parseStsd(body, t)
					case "stts":
						return parseStts(body, t)
					}
					return nil
				})
			})
		}
		return nil
	})
}

// parseStsd reads the codec of the first sample entry. The handler is not
// known yet when stsd comes before hdlr, so both kinds of names are tried.
func parseStsd(body []byte, t *track) error {
	if len(body) < 8 {
		return unreadable("stsd box is too short")
	}
	count := binary.BigEndian.Uint32(body[4:8])
	entries := body[8:]
	if uint64(count)*8 > uint64(len(entries)) {
		return unreadable("stsd entry count does not fit the box")
	}
	if count == 0 {
		return nil
	}
	h, err := parseHeader(entries, int64(len(entries)))
	if err != nil {
		return unreadable(fmt.Sprintf("stsd entry: %v", err))
	}
	entry := entries[h.hdr:h.size]
	code := entries[4:8]
	if name, ok := videoCodecs[string(code)]; ok {
		t.codec = name
	} else if name, ok := audioCodecs[string(code)]; ok {
		t.codec = name
		if string(code) == "mp4a" && isMP3(entry) {
			t.codec = "mp3"
		}
	} else {
		t.codec = fourCC(code)
	}
	// A visual sample entry has its picture size 24 bytes in.
	if len(entry) >= 28 {
		t.entryW = int(binary.BigEndian.Uint16(entry[24:26]))
		t.entryH = int(binary.BigEndian.Uint16(entry[26:28]))
	}
	return nil
}

// parseStts totals the samples of a track and their durations.
func parseStts(body []byte, t *track) error {
	if len(body) < 8 {
		return unreadable("stts box is too short")
	}
	count := binary.BigEndian.Uint32(body[4:8])
	entries := body[8:]
	if uint64(count) > uint64(len(entries))/8 {
		return unreadable("stts entry count does not fit the box")
	}
	for i := range int(count) {
		e := entries[i*8 : i*8+8]
		n := uint64(binary.BigEndian.Uint32(e[0:4]))
		delta := uint64(binary.BigEndian.Uint32(e[4:8]))
		t.samples += n // at most 2^32 * 2^23 entries: cannot overflow
		hi, lo := bits.Mul64(n, delta)
		sum, carry := bits.Add64(t.sampleTicks, lo, 0)
		if hi != 0 || carry != 0 {
			t.ticksOverflow = true
		}
		t.sampleTicks = sum
	}
	return nil
}

// frameRate is the number of samples over the media duration (from mdhd, or
// the samples' own durations when mdhd has none), or 0 when unknown or absurd.
func frameRate(t *track) float64 {
	ticks := t.duration
	if ticks == 0 && !t.ticksOverflow {
		ticks = t.sampleTicks
	}
	if t.samples == 0 || ticks == 0 || t.timescale == 0 {
		return 0
	}
	fps := float64(t.samples) * float64(t.timescale) / float64(ticks)
	if math.IsNaN(fps) || math.IsInf(fps, 0) || fps > maxFrameRate {
		return 0
	}
	return fps
}

// ticksToDuration converts a count of timescale units to a Duration,
// reporting false when the timescale is 0 or the result is not believable.
func ticksToDuration(ticks uint64, timescale uint32) (time.Duration, bool) {
	if timescale == 0 {
		return 0, false
	}
	ts := uint64(timescale)
	secs, rem := ticks/ts, ticks%ts
	if secs > uint64(maxDuration/time.Second) {
		return 0, false
	}
	// rem < 2^32, so rem*1e9 fits in 64 bits.
	d := time.Duration(secs)*time.Second + time.Duration(rem*uint64(time.Second)/ts)
	return d, d <= maxDuration
}

// videoCodecs names the video sample entries ffprobe also names this way.
var videoCodecs = map[string]string{
	"avc1": "h264", "avc3": "h264",
	"hvc1": "hevc", "hev1": "hevc", "dvh1": "hevc", "dvhe": "hevc",
	"av01": "av1",
	"vp09": "vp9",
	"vp08": "vp8",
	"mp4v": "mpeg4",
	"apch": "prores", "apcn": "prores", "apcs": "prores", "apco": "prores", "ap4h": "prores",
}

// audioCodecs names the sound sample entries ffprobe also names this way.
var audioCodecs = map[string]string{
	"mp4a": "aac",
	".mp3": "mp3",
	"ac-3": "ac3",
	"ec-3": "eac3",
	"Opus": "opus",
	"fLaC": "flac",
	"alac": "alac",
}

// isMP3 reports whether an mp4a sample entry carries MP3 rather than AAC, as
// its esds object type says. Anything it cannot make sense of counts as AAC.
func isMP3(entry []byte) bool {
	// The sound sample entry's fixed part is 28 bytes in version 0; QuickTime
	// versions 1 and 2 add 16 and 36 bytes.
	if len(entry) < 28 {
		return false
	}
	start := 28
	switch binary.BigEndian.Uint16(entry[8:10]) {
	case 1:
		start += 16
	case 2:
		start += 36
	}
	if len(entry) < start {
		return false
	}
	oti, ok := findObjectType(entry[start:], 0)
	return ok && (oti == 0x69 || oti == 0x6B)
}

// findObjectType looks for an esds box among boxes (or inside a QuickTime
// wave box) and returns its object type indication.
func findObjectType(boxes []byte, depth int) (byte, bool) {
	var (
		oti   byte
		found bool
	)
	_ = eachBox(boxes, func(typ string, body []byte) error {
		switch {
		case found:
		case typ == "esds" && len(body) > 4:
			oti, found = esdsObjectType(body[4:])
		case typ == "wave" && depth < maxSampleEntryDepth:
			oti, found = findObjectType(body, depth+1)
		}
		return nil
	})
	return oti, found
}

// esdsObjectType walks an ES descriptor to its decoder config and returns the
// object type indication.
func esdsObjectType(p []byte) (byte, bool) {
	tag, body, ok := descriptor(p)
	if !ok || tag != 0x03 || len(body) < 3 {
		return 0, false
	}
	flags := body[2]
	body = body[3:]
	if flags&0x80 != 0 { // depends on another stream
		if len(body) < 2 {
			return 0, false
		}
		body = body[2:]
	}
	if flags&0x40 != 0 { // URL
		if len(body) < 1 || len(body) < 1+int(body[0]) {
			return 0, false
		}
		body = body[1+int(body[0]):]
	}
	if flags&0x20 != 0 { // OCR stream
		if len(body) < 2 {
			return 0, false
		}
		body = body[2:]
	}
	tag, body, ok = descriptor(body)
	if !ok || tag != 0x04 || len(body) < 1 {
		return 0, false
	}
	return body[0], true
}

// descriptor splits off one MPEG-4 descriptor: a tag, a length of up to four
// 7-bit groups, and that many bytes.
func descriptor(p []byte) (tag byte, body []byte, ok bool) {
	if len(p) < 2 {
		return 0, nil, false
	}
	tag = p[0]
	var n int
	i := 1
	for ; i < len(p) && i <= 4; i++ {
		n = n<<7 | int(p[i]&0x7F)
		if p[i]&0x80 == 0 {
			break
		}
	}
	if i >= len(p) || i > 4 {
		return 0, nil, false
	}
	rest := p[i+1:]
	if n > len(rest) {
		return 0, nil, false
	}
	return tag, rest[:n], true
}

// fourCC turns a four-character code into text, without trailing spaces, or
// "" when it is not printable ASCII.
func fourCC(b []byte) string {
	for _, c := range b {
		if c < 0x20 || c > 0x7E {
			return ""
		}
	}
	return strings.TrimRight(string(b), " ")
}
