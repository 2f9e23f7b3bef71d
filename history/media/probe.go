// This file holds Probe and ProbeReader, the Go reader's way in: the walk
// over the top-level boxes of a file, and the limits that keep an untrusted
// file from making the reader do too much.

package media

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
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
