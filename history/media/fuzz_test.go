package media

import (
	"bytes"
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
)

// headersOnly keeps a file's boxes in their order but cuts the media data
// to a few bytes, so the fuzzer spends its time on the headers: with seeds of
// tens of KiB it spends most of a short run minimizing them.
func headersOnly(t testing.TB, b []byte) []byte {
	t.Helper()
	var out []byte
	for off := 0; off+8 <= len(b); {
		h, err := parseHeader(b[off:], int64(len(b)-off))
		if err != nil {
			t.Fatalf("box at %d: %v", off, err)
		}
		if h.typ == "mdat" {
			out = append(out, box("mdat", make([]byte, 8))...)
		} else {
			out = append(out, b[off:off+int(h.size)]...)
		}
		off += int(h.size)
	}
	return out
}

// FuzzProbe checks that no input makes the reader panic, and that whatever it
// accepts it describes with believable values.
func FuzzProbe(f *testing.F) {
	for _, tv := range testVideos {
		b := headersOnly(f, readTestdata(f, tv.file))
		f.Add(b)
		f.Add(b[:len(b)/2])
		f.Add(b[:len(b)-1]) // cut short, after the moov when it comes first
	}
	// Shapes the test files do not have: an image sequence, no mvhd, two
	// moov boxes, fragments with every kind of default, segment indexes.
	f.Add(headersOnly(f, readTestdata(f, "av1_64x64_5fps_1s.avif")))
	faststart := headersOnly(f, readTestdata(f, testVideos[0].file))
	noMvhd := bytes.Clone(faststart)
	copy(noMvhd[bytes.Index(noMvhd, []byte("mvhd")):], "free")
	f.Add(noMvhd)
	f.Add(cat(faststart, box("moov", videoTrak(64, 64, 10, 10, 10))))
	ftyp := box("ftyp", []byte("isom\x00\x00\x00\x00"))
	f.Add(cat(ftyp, fragMoov(mehd(10000)),
		moof(traf(tfhd(0, 1), trun(0, 30))),
		moof(traf(tfhd(0x01|0x02|0x08, 1, u64(0), u32(1), u32(2)), trun(0x001|0x004, 15, u32(0), u32(0)))),
		moof(traf(tfhd(0x20000, 1), trun(0xF00, 2, make([]byte, 32))))))
	f.Add(cat(ftyp, fragMoov(), fullBox("sidx", 1, cat(u32(1), u32(1000), u64(0), u64(0), u16(0), u16(2),
		u32(0x80000000|52), u32(1500), u32(0), u32(100), u32(1500), u32(0)))))
	for _, b := range corruptFiles(f) {
		if len(b) <= 4<<10 { // not the real files cut in half: see headersOnly
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := ProbeReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			if !errors.Is(err, ErrUnreadable) {
				t.Fatalf("error %v does not match ErrUnreadable", err)
			}
			if info != (Info{}) {
				t.Fatalf("info %+v alongside an error", info)
			}
			return
		}
		if info.Duration < 0 || info.Duration > maxDuration {
			t.Errorf("Duration = %v", info.Duration)
		}
		if info.Width < 0 || info.Width > math.MaxUint16 || info.Height < 0 || info.Height > math.MaxUint16 {
			t.Errorf("size = %d×%d", info.Width, info.Height)
		}
		if math.IsNaN(info.FrameRate) || info.FrameRate < 0 || info.FrameRate > maxFrameRate {
			t.Errorf("FrameRate = %v", info.FrameRate)
		}
		if a := info.PixelAspect; a != "" {
			num, den, ok := strings.Cut(a, ":")
			n, err1 := strconv.ParseUint(num, 10, 64)
			d, err2 := strconv.ParseUint(den, 10, 64)
			if !ok || err1 != nil || err2 != nil || n == 0 || d == 0 || n == d {
				t.Errorf("PixelAspect = %q", a)
			}
		}
		for _, s := range []string{info.VideoCodec, info.AudioCodec, info.Brand} {
			if len(s) > 16 {
				t.Errorf("name %q is too long", s)
			}
			for _, c := range []byte(s) {
				if c < 0x20 || c > 0x7E {
					t.Errorf("name %q is not printable", s)
				}
			}
		}
		if info.AudioCodec != "" && !info.HasAudio {
			t.Errorf("audio codec %q without audio", info.AudioCodec)
		}
	})
}
