// This file names the codec of a track's first sample entry as ffprobe does,
// reading the entry's pixel shape, sound sample size, esds object type and,
// for an encrypted entry, the format it wraps.

package media

import (
	"encoding/binary"
)

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
