// This file holds the ISO base media (MP4) box reader: decoding a box header
// and walking the boxes of a container, and naming their four-character codes.

package media

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

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
