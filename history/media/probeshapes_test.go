// This file tests the Go reader on files built or patched byte by byte into
// shapes ffmpeg does not write for short clips: version 1 headers, files cut
// short, fragments against declared lengths, sound and pixel shapes ffmpeg
// leaves out, image sequences.

package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestProbeBuiltFile covers what ffmpeg does not write for short clips:
// version 1 headers, a 64-bit box size, a last box sized 0, a QuickTime file
// without ftyp, MP3 in mp4a, and a duration only the tracks know.
func TestProbeBuiltFile(t *testing.T) {
	t.Parallel()
	// 48 frames of 1/24 s in a timescale of 12288, with stsd before hdlr
	// as some writers put it.
	video := box("trak", cat(tkhd(1, 1920, 1080), box("mdia", cat(
		box("minf", box("stbl", cat(stsd("av01", 1920, 1080), stts(48, 256)))),
		mdhd(1, 12288, 24576), hdlr("vide")))))
	// 94 MP3 frames of 1024 samples.
	audio := trak(tkhd(0, 0, 0), mdhd(0, 48000, 96000), hdlr("soun"),
		stsdAudio("mp4a", 0, esds(0x6B)), stts(94, 1024))
	mdat := cat([]byte("\x00\x00\x00\x01mdat"), u64(16+1000), make([]byte, 1000))
	unknownDuration := fullBox("mvhd", 0, cat(u32(0), u32(0), u32(600), u32(0xFFFFFFFF), make([]byte, 80)))
	ftyp := box("ftyp", []byte("isom\x00\x00\x00\x00"))

	tests := []struct {
		name string
		file []byte
		want Info
	}{
		{
			name: "v1 headers, 64-bit mdat, moov sized 0",
			file: cat(box("ftyp", []byte("mp42\x00\x00\x00\x00mp42isom")), mdat,
				u32(0), []byte("moov"), mvhdV1(600, 1200), video, audio),
			want: Info{Duration: 2 * time.Second, Width: 1920, Height: 1080, FrameRate: 24,
				VideoCodec: "av1", AudioCodec: "mp3", HasAudio: true, Brand: "mp42"},
		},
		{
			name: "QuickTime without ftyp",
			file: cat(box("wide", nil), mdat,
				box("moov", cat(mvhd(0, 600, 1200), videoTrak(640, 480, 30000, 60060, 60)))),
			want: Info{Duration: 2 * time.Second, Width: 640, Height: 480, FrameRate: 30000.0 / 1001,
				VideoCodec: "h264"},
		},
		{
			name: "unknown movie duration, tkhd without size",
			file: cat(box("ftyp", []byte("qt  \x00\x00\x00\x00qt  ")), box("moov", cat(unknownDuration,
				trak(tkhd(0, 0, 0), mdhd(0, 25, 75), hdlr("vide"), stsd("vp09", 352, 288), stts(75, 1))))),
			want: Info{Duration: 3 * time.Second, Width: 352, Height: 288, FrameRate: 25,
				VideoCodec: "vp9", Brand: "qt"},
		},
		{
			name: "unnamed codec and padding after the last box",
			file: cat(box("ftyp", []byte("isom\x00\x00\x00\x00")), box("moov", cat(mvhd(0, 1000, 1000),
				trak(tkhd(0, 64, 64), mdhd(0, 10, 10), hdlr("vide"), stsd("xyz ", 64, 64), stts(10, 1)))),
				[]byte{0, 0, 0}),
			want: Info{Duration: time.Second, Width: 64, Height: 64, FrameRate: 10,
				VideoCodec: "xyz", Brand: "isom"},
		},
		{
			name: "no mvhd: the length from the video track",
			file: cat(ftyp, box("moov", videoTrak(320, 180, 30, 900, 30))),
			want: Info{Duration: 30 * time.Second, Width: 320, Height: 180, FrameRate: 1,
				VideoCodec: "h264", Brand: "isom"},
		},
		{
			// mehd declares 10 s; the fragments in the file last 3 s.
			// Their samples take their durations from trex, from tfhd
			// (after the fields before it) and from trun itself.
			name: "fragments against a declared length",
			file: cat(ftyp, fragMoov(mehd(10000)),
				moof(traf(tfhd(0, 1), trun(0, 30))),
				moof(traf(tfhd(0x01|0x02|0x08, 1, u64(0), u32(1), u32(2)), trun(0x001|0x004, 15, u32(0), u32(0)))),
				moof(traf(tfhd(0x20000, 1), trun(0x100|0x200, 3, u32(10), u32(0), u32(10), u32(0), u32(10), u32(0)))),
				moof(traf(tfhd(0x08, 7, u32(1000)), trun(0, 1000))), // no such track
				box("mdat", make([]byte, 16)), []byte{0, 0, 0, 0}),
			want: Info{Duration: 3 * time.Second, Width: 320, Height: 180, FrameRate: 16,
				VideoCodec: "h264", Brand: "isom"},
		},
		{
			name: "no fragments: the declared length",
			file: cat(ftyp, fragMoov(mehd(10000))),
			want: Info{Duration: 10 * time.Second, Width: 320, Height: 180, VideoCodec: "h264", Brand: "isom"},
		},
		{
			// Two indexes of 1.5 s each, one of them version 1 and with a
			// reference to another index (not counted twice); a fragment
			// before the movie header belongs to no track.
			name: "no fragments: the indexed length",
			file: cat(ftyp, moof(traf(tfhd(0x08, 1, u32(1)), trun(0, 3000))), fragMoov(),
				fullBox("sidx", 0, cat(u32(1), u32(1000), u32(0), u32(0), u16(0), u16(1),
					u32(100), u32(1500), u32(0))),
				fullBox("sidx", 1, cat(u32(1), u32(1000), u64(1500), u64(0), u16(0), u16(2),
					u32(0x80000000|52), u32(1500), u32(0), u32(100), u32(1500), u32(0)))),
			want: Info{Duration: 3 * time.Second, Width: 320, Height: 180, VideoCodec: "h264", Brand: "isom"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ProbeReader(bytes.NewReader(tt.file), int64(len(tt.file)))
			if err != nil {
				var ue *UnreadableError
				errors.As(err, &ue)
				t.Fatalf("ProbeReader: %v (%+v)", err, ue)
			}
			assertInfo(t, "built file", got, tt.want)
		})
	}
}

// TestProbeCutShort covers files whose end is missing after a whole movie
// header: the facts stay, with the file marked as cut short.
func TestProbeCutShort(t *testing.T) {
	t.Parallel()
	ffprobe := ffprobeBin()
	faststart, fragmented, dash := testVideos[0], testVideos[7], testVideos[9]
	cutShort := func(tv testVideo) Info {
		info := tv.want()
		info.Truncated = true
		return info
	}
	dashCut := cutShort(dash)
	dashCut.Duration = 1500 * time.Millisecond
	indexOnly := cutShort(dash)
	indexOnly.Duration, indexOnly.FrameRate = 500*time.Millisecond, 0
	tests := []struct {
		name     string
		tv       testVideo
		size     func(b []byte) int // how much of the file is left
		tail     []byte             // put after what is left
		want     Info
		noLength string // why ffprobe is not asked for the length, if it is not
	}{
		{
			name: "one byte missing after moov and mdat",
			tv:   faststart, size: func(b []byte) int { return len(b) - 1 }, want: cutShort(faststart),
		},
		{
			name: "one byte missing from the last fragment",
			tv:   fragmented, size: func(b []byte) int { return len(b) - 1 }, want: cutShort(fragmented),
		},
		{
			name: "a 64-bit box header cut after its type",
			tv:   faststart, size: func(b []byte) int { return len(b) }, tail: []byte("\x00\x00\x00\x01mdat\x00\x00"),
			want: cutShort(faststart),
		},
		{
			// Three of four fragments are whole; the fourth's moof is cut.
			name: "cut inside the last of four fragments",
			tv:   dash, size: func(b []byte) int { return nthBox(t, b, "moof", 3) + 20 }, want: dashCut,
			noLength: "ffprobe takes the length the last segment index declares, " +
				"though it decodes only the 36 frames (1.5 s) that are there",
		},
		{
			// No fragment at all, only the first segment index: its length.
			name: "cut in the header of the first fragment",
			tv:   dash, size: func(b []byte) int { return nthBox(t, b, "moof", 0) + 4 }, want: indexOnly,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := readTestdata(t, tt.tv.file)
			b = append(b[:tt.size(b)], tt.tail...)
			path := filepath.Join(t.TempDir(), tt.tv.file)
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			crossCheckExcept(t, ffprobe, path, tt.want, tt.noLength)
		})
	}
}

// TestProbePatchedFiles covers shapes of real-world files that ffmpeg does
// not write, made by changing a few bytes of the test files.
func TestProbePatchedFiles(t *testing.T) {
	t.Parallel()
	ffprobe := ffprobeBin()
	byName := func(name string) testVideo {
		for _, tv := range testVideos {
			if tv.file == name {
				return tv
			}
		}
		t.Fatalf("no test video %s", name)
		return testVideo{}
	}
	faststart := byName("h264_320x180_24fps_2s_aac_faststart.mp4")
	threeGP := byName("h263_176x144_15fps_1s_aac.3gp")
	sar := byName("h264_160x120_25fps_1s_sar64x45.mp4")
	mjpeg := byName("mjpeg_160x120_10fps_1s_pcm_s16be_sar64x45.mov")
	raw := byName("rawvideo_32x24_10fps_1s_pcm_u8.mov")

	with := func(tv testVideo, change func(*Info)) Info {
		info := tv.want()
		change(&info)
		return info
	}
	noMvhd := func(b []byte) { copy(b[fourCCAt(t, b, "mvhd", 0):], "free") }
	// An AMR sample entry has no esds, which ffprobe would take the codec from.
	amr := func(code string) func(b []byte) {
		return func(b []byte) {
			copy(b[fourCCAt(t, b, "mp4a", 0):], code)
			copy(b[fourCCAt(t, b, "esds", 0):], "free")
		}
	}
	tests := []struct {
		name     string
		tv       testVideo
		patch    func(b []byte)
		want     Info
		noLength string // why ffprobe is not asked for the length, if it is not
	}{
		{
			// The length comes from the video track's own header.
			name: "no mvhd", tv: faststart, patch: noMvhd, want: faststart.want(),
			noLength: "without mvhd ffprobe cannot apply the edit lists, and gives no length",
		},
		{
			name: "no mvhd, fragmented", tv: byName("h264_160x90_30fps_2s_fragmented.mp4"), patch: noMvhd,
			want: byName("h264_160x90_30fps_2s_fragmented.mp4").want(),
		},
		{
			name: "two moov boxes, the first one counts",
			tv:   faststart,
			want: faststart.want(),
		},
		{
			name:  "AMR narrow band",
			tv:    threeGP,
			patch: amr("samr"),
			want:  with(threeGP, func(i *Info) { i.AudioCodec = "amr_nb" }),
		},
		{
			name:  "AMR wide band",
			tv:    threeGP,
			patch: amr("sawb"),
			want:  with(threeGP, func(i *Info) { i.AudioCodec = "amr_wb" }),
		},
		{
			// Without pasp, a track header wider than the stored picture
			// gives the pixel shape, from its whole pixels as ffprobe does.
			name:  "pixel shape from the track header only",
			tv:    sar,
			patch: func(b []byte) { copy(b[fourCCAt(t, b, "pasp", 0):], "free") },
			want:  with(sar, func(i *Info) { i.Width, i.PixelAspect = 227, "227:160" }),
		},
		{
			name: "8-bit big-endian sound",
			tv:   mjpeg,
			// The sample size is 18 bytes into the sample entry's body.
			patch: func(b []byte) { binary.BigEndian.PutUint16(b[fourCCAt(t, b, "twos", 0)+4+18:], 8) },
			want:  with(mjpeg, func(i *Info) { i.AudioCodec = "pcm_s8" }),
		},
		{
			name:  "16-bit raw sound",
			tv:    raw,
			patch: func(b []byte) { binary.BigEndian.PutUint16(b[fourCCAt(t, b, "raw ", 1)+4+18:], 16) },
			want:  with(raw, func(i *Info) { i.AudioCodec = "pcm_s16be" }),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := readTestdata(t, tt.tv.file)
			if tt.patch != nil {
				tt.patch(b)
			}
			if tt.name == "two moov boxes, the first one counts" {
				other := readTestdata(t, "h264_160x120_30fps_1s_moovlast.mp4")
				at := nthBox(t, other, "moov", 0)
				size := int(binary.BigEndian.Uint32(other[at:]))
				b = append(b, other[at:at+size]...)
			}
			path := filepath.Join(t.TempDir(), tt.tv.file)
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			crossCheckExcept(t, ffprobe, path, tt.want, tt.noLength)
		})
	}
}

// TestProbeImageSequence checks that an AVIF image sequence, whose pictures
// are in a pict track, is refused as not a video.
func TestProbeImageSequence(t *testing.T) {
	t.Parallel()
	info, err := Probe(testdataPath("av1_64x64_5fps_1s.avif"))
	var ue *UnreadableError
	if !errors.As(err, &ue) || !strings.HasPrefix(ue.Reason, "not a video") {
		t.Fatalf("Probe = %+v, %v (%+v); want an error saying it is not a video", info, err, ue)
	}
}

// nthBox returns the offset of the top-level box of type typ that comes
// after n others of that type.
func nthBox(t *testing.T, b []byte, typ string, n int) int {
	t.Helper()
	for off := 0; off+8 <= len(b); {
		h, err := parseHeader(b[off:], int64(len(b)-off))
		if err != nil {
			t.Fatalf("box at %d: %v", off, err)
		}
		if h.typ == typ {
			if n == 0 {
				return off
			}
			n--
		}
		off += int(h.size)
	}
	t.Fatalf("no %s box number %d", typ, n)
	return 0
}

// fourCCAt returns the offset of the type of the box of type typ, inside
// the moov box, that comes after n others.
func fourCCAt(t *testing.T, b []byte, typ string, n int) int {
	t.Helper()
	at := nthBox(t, b, "moov", 0)
	moov := b[at : at+int(binary.BigEndian.Uint32(b[at:]))]
	for off := 0; ; {
		i := bytes.Index(moov[off:], []byte(typ))
		if i < 0 {
			t.Fatalf("no %q number %d in moov", typ, n)
		}
		if n == 0 {
			return at + off + i
		}
		n--
		off += i + 4
	}
}
