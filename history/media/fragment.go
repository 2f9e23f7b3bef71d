// This file reads what a fragmented file adds after its movie header: the
// moof boxes with their track fragments, the sidx segment indexes, and the
// overall duration in mehd.

package media

import (
	"encoding/binary"
	"fmt"
	"math/bits"
)

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
