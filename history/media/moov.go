// This file reads the movie header (moov) box: its mvhd and mvex, each track's
// tkhd and media header, and the sample table boxes (stsd, stts) the facts
// come from.

package media

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
)

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
