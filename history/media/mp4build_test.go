// This file builds MP4 boxes byte by byte, for tests of shapes of file that
// ffmpeg does not write.

package media

import (
	"bytes"
	"encoding/binary"
)

func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }
func u16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func box(typ string, body []byte) []byte {
	return cat(u32(uint32(8+len(body))), []byte(typ), body)
}

func fullBox(typ string, version byte, body []byte) []byte {
	return box(typ, cat([]byte{version, 0, 0, 0}, body))
}

func mvhd(version byte, timescale, duration uint32) []byte {
	return fullBox("mvhd", version, cat(u32(0), u32(0), u32(timescale), u32(duration), make([]byte, 80)))
}

func mvhdV1(timescale uint32, duration uint64) []byte {
	return fullBox("mvhd", 1, cat(u64(0), u64(0), u32(timescale), u64(duration), make([]byte, 80)))
}

var identityMatrix = cat(u32(0x10000), u32(0), u32(0), u32(0), u32(0x10000), u32(0), u32(0), u32(0), u32(0x40000000))

func tkhd(version byte, width, height int) []byte {
	var times []byte
	if version == 1 {
		times = cat(u64(0), u64(0), u32(1), u32(0), u64(0))
	} else {
		times = cat(u32(0), u32(0), u32(1), u32(0), u32(0))
	}
	return fullBox("tkhd", version, cat(times, make([]byte, 16), identityMatrix,
		u32(uint32(width)<<16), u32(uint32(height)<<16)))
}

func mdhd(version byte, timescale uint32, duration uint64) []byte {
	if version == 1 {
		return fullBox("mdhd", 1, cat(u64(0), u64(0), u32(timescale), u64(duration), make([]byte, 4)))
	}
	return fullBox("mdhd", 0, cat(u32(0), u32(0), u32(timescale), u32(uint32(duration)), make([]byte, 4)))
}

func hdlr(handler string) []byte {
	return fullBox("hdlr", 0, cat(u32(0), []byte(handler), make([]byte, 12), []byte("Handler\x00")))
}

// stsd makes a sample description with one visual sample entry.
func stsd(code string, width, height int) []byte {
	entry := box(code, cat(make([]byte, 6), u16(1), make([]byte, 16),
		u16(uint16(width)), u16(uint16(height)), make([]byte, 50)))
	return fullBox("stsd", 0, cat(u32(1), entry))
}

// stsdAudio makes a sample description with one sound sample entry.
func stsdAudio(code string, version uint16, children []byte) []byte {
	fixed := cat(make([]byte, 6), u16(1), u16(version), make([]byte, 6), u16(2), u16(16), make([]byte, 4), u32(48000<<16))
	switch version {
	case 1:
		fixed = append(fixed, make([]byte, 16)...)
	case 2:
		fixed = append(fixed, make([]byte, 36)...)
	}
	return fullBox("stsd", 0, cat(u32(1), box(code, cat(fixed, children))))
}

// esds makes an esds box whose decoder config has the given object type.
func esds(objectType byte) []byte {
	decoderConfig := cat([]byte{0x04, 13, objectType, 0x15}, make([]byte, 11))
	es := cat([]byte{0x03, 0x80, 0x80, 0x80, byte(3 + len(decoderConfig))}, u16(1), []byte{0}, decoderConfig)
	return fullBox("esds", 0, es)
}

// trak makes a trak box from its headers and its sample table's boxes.
func trak(tkhdBox, mdhdBox, hdlrBox []byte, stbl ...[]byte) []byte {
	minf := box("minf", box("stbl", cat(stbl...)))
	return box("trak", cat(tkhdBox, box("mdia", cat(mdhdBox, hdlrBox, minf))))
}

// stts makes a time-to-sample box of count samples of delta ticks each.
func stts(count, delta uint32) []byte {
	return fullBox("stts", 0, cat(u32(1), u32(count), u32(delta)))
}

// flagBox makes a full box with version 0 and the given flags.
func flagBox(typ string, flags uint32, body []byte) []byte {
	return box(typ, cat(u32(flags&0xFFFFFF), body))
}

// fragMoov makes the movie header of a fragmented file: an empty H.264
// track 1 at 30 ticks a second whose fragments' samples last 1 tick unless
// they say otherwise, and the given boxes in mvex.
func fragMoov(mvex ...[]byte) []byte {
	return box("moov", cat(mvhd(0, 1000, 0),
		trak(tkhd(0, 320, 180), mdhd(0, 30, 0), hdlr("vide"), stsd("avc1", 320, 180),
			fullBox("stts", 0, u32(0))),
		box("mvex", cat(cat(mvex...), fullBox("trex", 0, cat(u32(1), u32(1), u32(1), u32(0), u32(0)))))))
}

func mehd(duration uint32) []byte { return fullBox("mehd", 0, u32(duration)) }

func moof(trafs ...[]byte) []byte { return box("moof", cat(fullBox("mfhd", 0, u32(1)), cat(trafs...))) }

func traf(boxes ...[]byte) []byte { return box("traf", cat(boxes...)) }

func tfhd(flags, trackID uint32, fields ...[]byte) []byte {
	return flagBox("tfhd", flags, cat(u32(trackID), cat(fields...)))
}

func trun(flags, count uint32, fields ...[]byte) []byte {
	return flagBox("trun", flags, cat(u32(count), cat(fields...)))
}

// videoTrak makes an H.264 video trak of count frames lasting duration ticks.
func videoTrak(width, height int, timescale uint32, duration uint64, count uint32) []byte {
	return trak(tkhd(0, width, height), mdhd(0, timescale, duration), hdlr("vide"),
		stsd("avc1", width, height), stts(count, uint32(duration)/count))
}
