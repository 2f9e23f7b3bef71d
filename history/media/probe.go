package media

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"os"
	"slices"
	"strconv"
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
	// maxFragmentHeaderSize caps one moof or sidx box, each read whole into
	// memory. A fragment of a few seconds has a moof of a few KiB; a sidx
	// of 65535 references takes 768 KiB.
	maxFragmentHeaderSize = 16 << 20
)

// Probe reads the facts about the video at path from its MP4 headers.
// A file that is not an MP4 video, or that is damaged or cut short before its
// movie header ends, gives an error matching ErrUnreadable; a file that
// cannot be opened gives the error from the file system. A file cut short
// after a whole movie header gives its facts, with Info.Truncated set.
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
		brand     string
		mv        *movie
		truncated bool
		buf       []byte // reused for the bodies of moof and sidx boxes
		off       int64
	)
	for n := 0; off < size; n++ {
		if n == maxTopLevelBoxes {
			return Info{}, unreadable("too many top-level boxes")
		}
		remaining := size - off
		if remaining < 8 && n > 0 {
			// A few stray bytes after the last box carry nothing we need;
			// unless they are padding, they are a box header cut short.
			tail := make([]byte, remaining)
			if err := readAt(r, tail, off); err != nil {
				return Info{}, err
			}
			truncated = mv != nil && slices.ContainsFunc(tail, func(c byte) bool { return c != 0 })
			break
		}
		var buf16 [16]byte
		head := buf16[:min(remaining, int64(len(buf16)))]
		if err := readAt(r, head, off); err != nil {
			return Info{}, err
		}
		h, err := parseHeader(head, remaining)
		if n == 0 && (err != nil || !startsISOFile(h.typ)) {
			return Info{}, unreadable("does not start like an MP4 or QuickTime file")
		}
		if err != nil {
			if mv != nil && (errors.Is(err, errBoxTooLarge) || errors.Is(err, errShortHeader)) {
				// A box runs past the end of the file after a whole movie
				// header: the file was cut short. Players show what is
				// there, and so do we, with the file marked as cut.
				truncated = true
				break
			}
			return Info{}, unreadable(fmt.Sprintf("top-level box at offset %d: %v", off, err))
		}
		bodySize := h.size - h.hdr
		switch h.typ {
		case "ftyp":
			if n != 0 {
				break
			}
			if bodySize > maxFtypSize {
				return Info{}, unreadable("ftyp box is too large")
			}
			body := make([]byte, bodySize)
			if err := readAt(r, body, off+h.hdr); err != nil {
				return Info{}, err
			}
			if len(body) < 4 {
				return Info{}, unreadable("ftyp box is too short")
			}
			brand = fourCC(body[:4])
		case "moov":
			if mv != nil {
				break // a second movie header: ffprobe too uses the first
			}
			if bodySize > maxMoovSize {
				return Info{}, unreadable("moov box is too large")
			}
			moov := make([]byte, bodySize)
			if err := readAt(r, moov, off+h.hdr); err != nil {
				return Info{}, err
			}
			if mv, err = parseMoov(moov); err != nil {
				return Info{}, err
			}
		case "moof", "sidx":
			if mv == nil {
				break // fragments before the movie header belong to no known track
			}
			if bodySize > maxFragmentHeaderSize {
				return Info{}, unreadable(h.typ + " box is too large")
			}
			buf = slices.Grow(buf[:0], int(bodySize))[:bodySize]
			if err := readAt(r, buf, off+h.hdr); err != nil {
				return Info{}, err
			}
			if h.typ == "moof" {
				err = mv.addFragment(buf)
			} else {
				err = mv.addSegmentIndex(buf)
			}
			if err != nil {
				return Info{}, err
			}
		}
		off += h.size
	}
	if mv == nil {
		return Info{}, unreadable("no moov box (the file may be incomplete)")
	}
	info, err := mv.info()
	if err != nil {
		return Info{}, err
	}
	info.Brand = brand
	info.Truncated = truncated
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

// track is what one trak box, and the fragments for it, say.
type track struct {
	id            uint32
	handler       string
	width, height uint32 // display size from tkhd, 16.16 fixed point
	rotated       bool   // turned a quarter turn either way for display
	timescale     uint32
	duration      uint64
	code          string // four-character code of the first sample entry
	entry         []byte // body of the first sample entry
	codec         string
	entryW        int // stored picture size from the sample entry
	entryH        int
	paspH, paspV  uint32 // pixel shape from the sample entry's pasp box
	samples       uint64
	sampleTicks   uint64
	ticksOverflow bool
	// defaultDuration is the sample duration the movie header's trex box
	// gives the track's fragments.
	defaultDuration uint32
	fragSamples     uint64
	fragTicks       uint64
	fragOverflow    bool
}

// movie is what the moov box, and the fragments and indexes after it, say.
type movie struct {
	timescale    uint32 // of mvhd; 0 when there is none
	duration     uint64
	fragDuration uint64 // from mehd, in the mvhd timescale
	tracks       []track
	indexes      []segmentIndex
}

// segmentIndex totals the sidx boxes of one stream.
type segmentIndex struct {
	id, timescale uint32
	ticks         uint64
	overflow      bool
}

func parseMoov(moov []byte) (*movie, error) {
	m := &movie{}
	type trex struct{ id, duration uint32 }
	var defaults []trex
	err := eachBox(moov, func(typ string, body []byte) error {
		switch typ {
		case "mvhd":
			ts, d, err := parseTimeHeader(body, "mvhd")
			if err != nil {
				return err
			}
			m.timescale, m.duration = ts, d
		case "trak":
			if len(m.tracks) == maxTracks {
				return nil
			}
			t, err := parseTrak(body)
			if err != nil {
				return err
			}
			m.tracks = append(m.tracks, t)
		case "mvex":
			return eachBox(body, func(typ string, body []byte) error {
				switch typ {
				case "mehd":
					m.fragDuration = parseMehd(body)
				case "trex":
					if len(body) < 16 {
						return unreadable("trex box is too short")
					}
					defaults = append(defaults, trex{
						id:       binary.BigEndian.Uint32(body[4:8]),
						duration: binary.BigEndian.Uint32(body[12:16]),
					})
				}
				return nil
			})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, d := range defaults {
		if t := m.track(d.id); t != nil {
			t.defaultDuration = d.duration
		}
	}
	return m, nil
}

// track returns the track with the given ID, or nil.
func (m *movie) track(id uint32) *track {
	for i := range m.tracks {
		if m.tracks[i].id == id {
			return &m.tracks[i]
		}
	}
	return nil
}

// info turns what was read into the facts about the video.
func (m *movie) info() (Info, error) {
	var info Info
	var video *track
	pictures := false
	for i := range m.tracks {
		t := &m.tracks[i]
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
		case "pict":
			pictures = true
		}
	}
	if video == nil {
		if pictures {
			return Info{}, unreadable("not a video: an image sequence (pict track) and no video track")
		}
		return Info{}, unreadable("no video track")
	}
	info.VideoCodec = video.codec
	info.Width, info.Height, info.PixelAspect = displaySize(video)
	if video.rotated {
		info.Width, info.Height = info.Height, info.Width
	}
	info.FrameRate = frameRate(video)
	info.Duration = m.length(video)
	return info, nil
}

// length is the length of the presentation. The fragments in the file
// decide it when there are any, whatever the headers declare: a file cut
// between fragments lasts as long as what is left of it.
func (m *movie) length(video *track) time.Duration {
	var longest time.Duration
	for i := range m.tracks {
		t := &m.tracks[i]
		if t.fragSamples == 0 {
			continue
		}
		if ticks, ok := t.allTicks(); ok {
			if d, ok := ticksToDuration(ticks, t.timescale); ok && d > longest {
				longest = d
			}
		}
	}
	if longest > 0 {
		return longest
	}
	if d, ok := ticksToDuration(m.duration, m.timescale); ok && d > 0 {
		return d
	}
	if d, ok := ticksToDuration(m.fragDuration, m.timescale); ok && d > 0 {
		return d
	}
	for _, x := range m.indexes {
		if d, ok := ticksToDuration(x.ticks, x.timescale); ok && !x.overflow && d > longest {
			longest = d
		}
	}
	if longest > 0 {
		return longest
	}
	// No length in the movie header: the video's own, or else the longest
	// track's. (Sound often runs a little longer before the edit list,
	// which needs the movie header's timescale, trims it.)
	if d := video.ownLength(); d > 0 {
		return d
	}
	for i := range m.tracks {
		longest = max(longest, m.tracks[i].ownLength())
	}
	return longest
}

// ownLength is the length the track's media header gives, or the total of
// its samples' durations when that has none; 0 when unknown.
func (t *track) ownLength() time.Duration {
	ticks := t.duration
	if ticks == 0 && !t.ticksOverflow {
		ticks = t.sampleTicks
	}
	if d, ok := ticksToDuration(ticks, t.timescale); ok {
		return d
	}
	return 0
}

// allTicks is the duration of the samples in the movie header and in the
// fragments together, false when it does not fit 64 bits.
func (t *track) allTicks() (uint64, bool) {
	sum, carry := bits.Add64(t.sampleTicks, t.fragTicks, 0)
	return sum, carry == 0 && !t.ticksOverflow && !t.fragOverflow
}

// addFragment adds the samples of one moof box to their tracks.
func (m *movie) addFragment(moof []byte) error {
	return eachBox(moof, func(typ string, body []byte) error {
		if typ != "traf" {
			return nil
		}
		var (
			t        *track
			duration uint32
		)
		return eachBox(body, func(typ string, body []byte) error {
			switch typ {
			case "tfhd":
				id, d, hasDuration, err := parseTfhd(body)
				if err != nil {
					return err
				}
				if t = m.track(id); t != nil {
					duration = t.defaultDuration
					if hasDuration {
						duration = d
					}
				}
			case "trun":
				if t != nil {
					return parseTrun(body, t, duration)
				}
			}
			return nil
		})
	})
}

// parseTfhd reads a track fragment header: the track and, when it gives
// one, the duration of samples that do not give their own.
func parseTfhd(body []byte) (id, duration uint32, hasDuration bool, err error) {
	if len(body) < 8 {
		return 0, 0, false, unreadable("tfhd box is too short")
	}
	flags := uint32(body[1])<<16 | uint32(body[2])<<8 | uint32(body[3])
	id = binary.BigEndian.Uint32(body[4:8])
	if flags&0x08 == 0 { // no default-sample-duration
		return id, 0, false, nil
	}
	at := 8
	if flags&0x01 != 0 { // base-data-offset
		at += 8
	}
	if flags&0x02 != 0 { // sample-description-index
		at += 4
	}
	if len(body) < at+4 {
		return 0, 0, false, unreadable("tfhd box is too short")
	}
	return id, binary.BigEndian.Uint32(body[at:]), true, nil
}

// parseTrun adds the samples of one track fragment run to t; duration is
// the length of a sample that does not give its own.
func parseTrun(body []byte, t *track, duration uint32) error {
	if len(body) < 8 {
		return unreadable("trun box is too short")
	}
	flags := uint32(body[1])<<16 | uint32(body[2])<<8 | uint32(body[3])
	count := uint64(binary.BigEndian.Uint32(body[4:8]))
	p := body[8:]
	skip := 0
	if flags&0x001 != 0 { // data-offset
		skip += 4
	}
	if flags&0x004 != 0 { // first-sample-flags
		skip += 4
	}
	if len(p) < skip {
		return unreadable("trun box is too short")
	}
	p = p[skip:]
	// Each sample gives up to four 32-bit fields: duration, size, flags
	// and composition offset, duration first.
	record := 4 * bits.OnesCount32(flags&0xF00)
	if record > 0 && count > uint64(len(p)/record) {
		return unreadable("trun sample count does not fit the box")
	}
	var ticks uint64
	if flags&0x100 != 0 {
		// At most 2^22 samples of 2^32 ticks: no overflow.
		for i := range int(count) {
			ticks += uint64(binary.BigEndian.Uint32(p[i*record:]))
		}
	} else {
		hi, lo := bits.Mul64(count, uint64(duration))
		if hi != 0 {
			t.fragOverflow = true
		}
		ticks = lo
	}
	var c1, c2 uint64
	t.fragSamples, c1 = bits.Add64(t.fragSamples, count, 0)
	t.fragTicks, c2 = bits.Add64(t.fragTicks, ticks, 0)
	if c1 != 0 || c2 != 0 {
		t.fragOverflow = true
	}
	return nil
}

// addSegmentIndex adds the durations a sidx box declares for its stream.
// They are used only when no fragment can be read.
func (m *movie) addSegmentIndex(body []byte) error {
	if len(body) < 12 {
		return unreadable("sidx box is too short")
	}
	id := binary.BigEndian.Uint32(body[4:8])
	timescale := binary.BigEndian.Uint32(body[8:12])
	var times int // earliest presentation time and first offset
	switch body[0] {
	case 0:
		times = 8
	case 1:
		times = 16
	default:
		return unreadable(fmt.Sprintf("sidx box has unknown version %d", body[0]))
	}
	p := body[12:]
	if len(p) < times+4 {
		return unreadable("sidx box is too short")
	}
	count := int(binary.BigEndian.Uint16(p[times+2:]))
	refs := p[times+4:]
	if count > len(refs)/12 {
		return unreadable("sidx reference count does not fit the box")
	}
	var ticks uint64 // at most 65535 durations of 2^32 ticks: no overflow
	for i := range count {
		ref := refs[i*12:]
		if ref[0]&0x80 != 0 {
			continue // refers to another sidx, whose references count instead
		}
		ticks += uint64(binary.BigEndian.Uint32(ref[4:8]))
	}
	for i := range m.indexes {
		x := &m.indexes[i]
		if x.id == id && x.timescale == timescale {
			var carry uint64
			x.ticks, carry = bits.Add64(x.ticks, ticks, 0)
			x.overflow = x.overflow || carry != 0
			return nil
		}
	}
	if len(m.indexes) < maxTracks {
		m.indexes = append(m.indexes, segmentIndex{id: id, timescale: timescale, ticks: ticks})
	}
	return nil
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
	if err != nil {
		return track{}, err
	}
	// The handler may come after the sample description: only now is it
	// known what kind of entry that is.
	describeEntry(&t)
	return t, nil
}

func parseTkhd(body []byte, t *track) error {
	if len(body) < 4 {
		return unreadable("tkhd box is too short")
	}
	var id, matrix, size int
	switch body[0] {
	case 0:
		id, matrix, size = 12, 40, 76
	case 1:
		id, matrix, size = 20, 52, 88
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
	t.id = binary.BigEndian.Uint32(body[id:])
	t.width = binary.BigEndian.Uint32(body[size:])
	t.height = binary.BigEndian.Uint32(body[size+4:])
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

// parseStsd keeps the first sample entry, to be read once the handler is
// known, and its picture size.
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
	t.code = h.typ
	t.entry = entries[h.hdr:h.size]
	// A visual sample entry has its picture size 24 bytes in.
	if len(t.entry) >= 28 {
		t.entryW = int(binary.BigEndian.Uint16(t.entry[24:26]))
		t.entryH = int(binary.BigEndian.Uint16(t.entry[26:28]))
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
// the samples' own durations when mdhd has none, or the samples of the
// movie header and the fragments together), or 0 when unknown or absurd.
func frameRate(t *track) float64 {
	samples, ticks := t.samples, t.duration
	if t.fragSamples > 0 {
		var carry uint64
		samples, carry = bits.Add64(samples, t.fragSamples, 0)
		all, ok := t.allTicks()
		if carry != 0 || !ok {
			return 0
		}
		ticks = all
	} else if ticks == 0 && !t.ticksOverflow {
		ticks = t.sampleTicks
	}
	if samples == 0 || ticks == 0 || t.timescale == 0 {
		return 0
	}
	fps := float64(samples) * float64(t.timescale) / float64(ticks)
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

// displaySize is the picture size a player shows, before any rotation,
// and the pixel shape when it is not square. Like ffprobe, it takes the
// stored size from the sample entry and the pixel shape from its pasp box,
// or else from a track header size that differs from the stored one.
func displaySize(t *track) (width, height int, aspect string) {
	w, h := t.entryW, t.entryH
	if w == 0 || h == 0 {
		// No stored size: the track header's, rounded.
		return round1616(t.width), round1616(t.height), ""
	}
	num, den := uint64(t.paspH), uint64(t.paspV)
	if num == 0 || den == 0 {
		num, den = 1, 1
		tw, th := uint64(t.width>>16), uint64(t.height>>16)
		if tw != 0 && th != 0 && (tw != uint64(w) || th != uint64(h)) {
			num, den = uint64(h)*tw, uint64(w)*th
		}
	}
	g := gcd(num, den)
	num, den = num/g, den/g
	if num == den {
		return w, h, ""
	}
	shown := math.Round(float64(w) * float64(num) / float64(den))
	if shown < 1 || shown > math.MaxUint16 {
		return w, h, "" // not believable: show the stored size
	}
	return int(shown), h, strconv.FormatUint(num, 10) + ":" + strconv.FormatUint(den, 10)
}

// round1616 rounds a 16.16 fixed-point size to whole pixels, at most 65535.
func round1616(v uint32) int {
	return int(min((uint64(v)+0x8000)>>16, math.MaxUint16))
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// describeEntry names the codec of t's first sample entry and reads its
// pixel shape. An encrypted entry (encv, enca) is named by the format its
// sinf box says it wraps.
func describeEntry(t *track) {
	code := t.code
	sound := t.handler == "soun"
	switch code {
	case "encv":
		sound = false
	case "enca":
		sound = true
	}
	var children []byte
	if sound {
		children = soundEntryChildren(t.entry)
	} else if len(t.entry) > visualEntrySize {
		children = t.entry[visualEntrySize:]
	}
	if code == "encv" || code == "enca" {
		if orig, ok := originalFormat(children); ok {
			code = orig
		}
	}
	if !sound {
		t.paspH, t.paspV = pixelAspect(children)
	}
	t.codec = codecName(code, sound, t.entry)
}

// visualEntrySize is the length of a visual sample entry before its child
// boxes.
const visualEntrySize = 78

// soundEntryChildren returns the child boxes of a sound sample entry: after
// 28 bytes in version 0, and 16 or 36 more in QuickTime versions 1 and 2.
func soundEntryChildren(entry []byte) []byte {
	if len(entry) < 28 {
		return nil
	}
	start := 28
	switch binary.BigEndian.Uint16(entry[8:10]) {
	case 1:
		start += 16
	case 2:
		start += 36
	}
	if len(entry) < start {
		return nil
	}
	return entry[start:]
}

// originalFormat finds the frma box of a protected sample entry's sinf box.
func originalFormat(children []byte) (string, bool) {
	var (
		code  string
		found bool
	)
	_ = eachBox(children, func(typ string, body []byte) error {
		if typ != "sinf" || found {
			return nil
		}
		return eachBox(body, func(typ string, body []byte) error {
			if typ == "frma" && len(body) >= 4 && !found {
				code, found = string(body[:4]), true
			}
			return nil
		})
	})
	return code, found
}

// pixelAspect reads a visual sample entry's pasp box: the width and height
// of one pixel, in any unit; zeros when there is none.
func pixelAspect(children []byte) (h, v uint32) {
	_ = eachBox(children, func(typ string, body []byte) error {
		if typ == "pasp" && len(body) >= 8 && h == 0 {
			h, v = binary.BigEndian.Uint32(body[0:4]), binary.BigEndian.Uint32(body[4:8])
		}
		return nil
	})
	return h, v
}

// codecName names the codec of a sample entry as ffprobe does, trying the
// names of the track's kind first, or returns its four-character code.
func codecName(code string, sound bool, entry []byte) string {
	if sound {
		if name := audioCodecName(code, entry); name != "" {
			return name
		}
	}
	if name, ok := videoCodecs[code]; ok {
		return name
	}
	if !sound {
		if name := audioCodecName(code, entry); name != "" {
			return name
		}
	}
	return fourCC([]byte(code))
}

// videoCodecs names the video sample entries ffprobe also names this way.
var videoCodecs = map[string]string{
	"avc1": "h264", "avc3": "h264",
	"hvc1": "hevc", "hev1": "hevc", "dvh1": "hevc", "dvhe": "hevc",
	"av01": "av1",
	"vp09": "vp9",
	"vp08": "vp8",
	"mp4v": "mpeg4",
	"s263": "h263", "h263": "h263",
	"jpeg": "mjpeg", "mjpa": "mjpeg",
	"png ": "png",
	"raw ": "rawvideo",
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
	"samr": "amr_nb",
	"sawb": "amr_wb",
	"ulaw": "pcm_mulaw",
	"alaw": "pcm_alaw",
}

// audioCodecName names a sound sample entry, or returns "".
func audioCodecName(code string, entry []byte) string {
	switch code {
	case "mp4a":
		if isMP3(entry) {
			return "mp3"
		}
	case "raw ", "twos", "sowt":
		return pcmName(code, soundSampleBits(entry))
	}
	return audioCodecs[code]
}

// pcmName names uncompressed sound as ffprobe does: by its sample entry
// and the bits per sample recorded in it.
func pcmName(code string, bits int) string {
	switch code {
	case "raw ":
		if bits == 16 {
			return "pcm_s16be"
		}
		return "pcm_u8"
	case "twos":
		switch bits {
		case 8:
			return "pcm_s8"
		case 24:
			return "pcm_s24be"
		case 32:
			return "pcm_s32be"
		}
		return "pcm_s16be"
	default: // sowt
		switch bits {
		case 8:
			return "pcm_s8"
		case 24:
			return "pcm_s24le"
		case 32:
			return "pcm_s32le"
		}
		return "pcm_s16le"
	}
}

// soundSampleBits is the sample size a sound sample entry records, or 0.
func soundSampleBits(entry []byte) int {
	if len(entry) < 28 {
		return 0
	}
	if binary.BigEndian.Uint16(entry[8:10]) == 2 {
		// QuickTime version 2 keeps it in its own field.
		if len(entry) < 52 {
			return 0
		}
		return int(min(binary.BigEndian.Uint32(entry[48:52]), 64))
	}
	return int(binary.BigEndian.Uint16(entry[18:20]))
}

// isMP3 reports whether an mp4a sample entry carries MP3 rather than AAC, as
// its esds object type says. Anything it cannot make sense of counts as AAC.
func isMP3(entry []byte) bool {
	children := soundEntryChildren(entry)
	if children == nil {
		return false
	}
	oti, ok := findObjectType(children, 0)
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
