package media

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testVideo is one file in testdata and what is known about it from the
// ffmpeg command that made it (see testdata/README.md).
type testVideo struct {
	file          string
	width, height int // as shown
	pixelAspect   string
	frameRate     float64
	duration      time.Duration
	videoCodec    string
	audioCodec    string
	brand         string
	moovFirst     bool
	// encrypted pictures cannot be decoded without their key.
	encrypted bool
}

var testVideos = []testVideo{
	{file: "h264_320x180_24fps_2s_aac_faststart.mp4", width: 320, height: 180, frameRate: 24,
		duration: 2 * time.Second, videoCodec: "h264", audioCodec: "aac", brand: "isom", moovFirst: true},
	{file: "h264_160x120_30fps_1s_moovlast.mp4", width: 160, height: 120, frameRate: 30,
		duration: time.Second, videoCodec: "h264", brand: "isom"},
	{file: "h264_200x356_25fps_3s_aac_moovlast.mp4", width: 200, height: 356, frameRate: 25,
		duration: 3 * time.Second, videoCodec: "h264", audioCodec: "aac", brand: "isom"},
	{file: "hevc_320x180_25fps_1s.mp4", width: 320, height: 180, frameRate: 25,
		duration: time.Second, videoCodec: "hevc", brand: "isom"},
	// Stored 320×180 and shown turned a quarter turn.
	{file: "h264_320x180_30fps_1s_rotated90.mp4", width: 180, height: 320, frameRate: 30,
		duration: time.Second, videoCodec: "h264", brand: "isom"},
	{file: "h264_160x120_25fps_0.4s_short.mp4", width: 160, height: 120, frameRate: 25,
		duration: 400 * time.Millisecond, videoCodec: "h264", brand: "isom"},
	// Fragmented files keep their frame rate and length in the fragments.
	{file: "h264_160x90_30fps_2s_fragmented.mp4", width: 160, height: 90, frameRate: 30,
		duration: 2 * time.Second, videoCodec: "h264", brand: "isom", moovFirst: true},
	// The sound's fragments run to 2.08 s (45 AAC frames) and, with no edit
	// list to trim them, make the length.
	{file: "h264_160x90_25fps_2s_aac_fragmented_sidx.mp4", width: 160, height: 90, frameRate: 25,
		duration: 2080 * time.Millisecond, videoCodec: "h264", audioCodec: "aac", brand: "iso5", moovFirst: true},
	// The first second is in the movie header, the next in a fragment.
	{file: "h264_160x120_30fps_2s_fragmented_moovsamples.mp4", width: 160, height: 120, frameRate: 30,
		duration: 2 * time.Second, videoCodec: "h264", brand: "isom", moovFirst: true},
	{file: "h264_160x90_24fps_2s_fragmented_dash.mp4", width: 160, height: 90, frameRate: 24,
		duration: 2 * time.Second, videoCodec: "h264", brand: "iso5", moovFirst: true},
	// Stored 160×120 with pixels 64:45 wide: shown 227.56, rounded, wide.
	{file: "h264_160x120_25fps_1s_sar64x45.mp4", width: 228, height: 120, pixelAspect: "64:45", frameRate: 25,
		duration: time.Second, videoCodec: "h264", brand: "isom"},
	{file: "mjpeg_160x120_10fps_1s_pcm_s16be_sar64x45.mov", width: 228, height: 120, pixelAspect: "64:45",
		frameRate: 10, duration: time.Second, videoCodec: "mjpeg", audioCodec: "pcm_s16be", brand: "qt"},
	{file: "rawvideo_32x24_10fps_1s_pcm_u8.mov", width: 32, height: 24, frameRate: 10,
		duration: time.Second, videoCodec: "rawvideo", audioCodec: "pcm_u8", brand: "qt"},
	{file: "h264_160x120_25fps_1s_pcm_s16le.mov", width: 160, height: 120, frameRate: 25,
		duration: time.Second, videoCodec: "h264", audioCodec: "pcm_s16le", brand: "qt"},
	{file: "h263_176x144_15fps_1s_aac.3gp", width: 176, height: 144, frameRate: 15,
		duration: time.Second, videoCodec: "h263", audioCodec: "aac", brand: "3gp4"},
	// Both tracks encrypted (encv, enca): named by what they wrap.
	{file: "h264_160x90_25fps_1s_aac_encrypted.mp4", width: 160, height: 90, frameRate: 25,
		duration: time.Second, videoCodec: "h264", audioCodec: "aac", brand: "isom", encrypted: true},
}

// want is what the Go reader should say about tv.
func (tv testVideo) want() Info {
	return Info{
		Duration:    tv.duration,
		Width:       tv.width,
		Height:      tv.height,
		PixelAspect: tv.pixelAspect,
		FrameRate:   tv.frameRate,
		VideoCodec:  tv.videoCodec,
		AudioCodec:  tv.audioCodec,
		HasAudio:    tv.audioCodec != "",
		Brand:       tv.brand,
	}
}

const (
	frameRateTolerance = 0.01
	durationTolerance  = 50 * time.Millisecond
)

func testdataPath(name string) string { return filepath.Join("testdata", name) }

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(testdataPath(name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ffprobeBin returns the path of ffprobe, or "" when it is not installed.
func ffprobeBin() string {
	bin, _ := exec.LookPath("ffprobe")
	return bin
}

func TestProbe(t *testing.T) {
	t.Parallel()
	ffprobe := ffprobeBin()
	for _, tv := range testVideos {
		t.Run(tv.file, func(t *testing.T) {
			t.Parallel()
			crossCheck(t, ffprobe, testdataPath(tv.file), tv.want())
		})
	}
}

// crossCheck checks what the Go reader says about the file at path against
// want and, when ffprobe is installed, against what ffprobe says.
func crossCheck(t *testing.T, ffprobe, path string, want Info) {
	t.Helper()
	crossCheckExcept(t, ffprobe, path, want, "")
}

// crossCheckExcept is crossCheck but for the length, which ffprobe does
// not know for the reason given when that is not empty.
func crossCheckExcept(t *testing.T, ffprobe, path string, want Info, noLength string) {
	t.Helper()
	got, err := Probe(path)
	if err != nil {
		var ue *UnreadableError
		errors.As(err, &ue)
		t.Fatalf("Probe: %v (%+v)", err, ue)
	}
	assertInfo(t, "Go reader", got, want)
	if got.Truncated != want.Truncated {
		t.Errorf("Go reader: Truncated = %v, want %v", got.Truncated, want.Truncated)
	}
	if ffprobe == "" {
		t.Log("ffprobe not installed: no cross-check")
		return
	}
	byFFprobe, err := probeFFprobe(t.Context(), ffprobe, path)
	if err != nil {
		t.Fatalf("ffprobe: %v", err)
	}
	if noLength != "" {
		t.Logf("length not cross-checked: %s (ffprobe says %v)", noLength, byFFprobe.Duration)
		byFFprobe.Duration = got.Duration
	}
	assertInfo(t, "Go reader against ffprobe", got, byFFprobe)
}

func assertInfo(t *testing.T, what string, got, want Info) {
	t.Helper()
	if got.Width != want.Width || got.Height != want.Height || got.PixelAspect != want.PixelAspect {
		t.Errorf("%s: size = %d×%d (pixels %q), want %d×%d (pixels %q)", what,
			got.Width, got.Height, got.PixelAspect, want.Width, want.Height, want.PixelAspect)
	}
	if math.Abs(got.FrameRate-want.FrameRate) > frameRateTolerance {
		t.Errorf("%s: FrameRate = %v, want %v", what, got.FrameRate, want.FrameRate)
	}
	if d := got.Duration - want.Duration; d < -durationTolerance || d > durationTolerance {
		t.Errorf("%s: Duration = %v, want %v", what, got.Duration, want.Duration)
	}
	if got.VideoCodec != want.VideoCodec {
		t.Errorf("%s: VideoCodec = %q, want %q", what, got.VideoCodec, want.VideoCodec)
	}
	if got.AudioCodec != want.AudioCodec || got.HasAudio != want.HasAudio {
		t.Errorf("%s: audio = %q/%v, want %q/%v", what, got.AudioCodec, got.HasAudio, want.AudioCodec, want.HasAudio)
	}
	if got.Brand != want.Brand {
		t.Errorf("%s: Brand = %q, want %q", what, got.Brand, want.Brand)
	}
}

// TestTestdataCoversBothLayouts guards the point of having several files:
// the movie header both before and after the media data.
func TestTestdataCoversBothLayouts(t *testing.T) {
	t.Parallel()
	for _, tv := range testVideos {
		types := topLevelTypes(t, readTestdata(t, tv.file))
		moov, mdat := indexOf(types, "moov"), indexOf(types, "mdat")
		if moov < 0 || mdat < 0 {
			t.Fatalf("%s: top-level boxes %v", tv.file, types)
		}
		if gotFirst := moov < mdat; gotFirst != tv.moovFirst {
			t.Errorf("%s: moov before mdat = %v, want %v (boxes %v)", tv.file, gotFirst, tv.moovFirst, types)
		}
	}
}

func TestTestdataIsSmall(t *testing.T) {
	t.Parallel()
	for _, tv := range testVideos {
		st, err := os.Stat(testdataPath(tv.file))
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() >= 60<<10 {
			t.Errorf("%s is %d bytes; keep test videos under 60 KB", tv.file, st.Size())
		}
	}
}

func topLevelTypes(t *testing.T, b []byte) []string {
	t.Helper()
	var types []string
	for off := 0; off+8 <= len(b); {
		h, err := parseHeader(b[off:], int64(len(b)-off))
		if err != nil {
			t.Fatalf("box at %d: %v", off, err)
		}
		types = append(types, h.typ)
		off += int(h.size)
	}
	return types
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

func TestProbeReaderMatchesProbe(t *testing.T) {
	t.Parallel()
	for _, tv := range testVideos {
		b := readTestdata(t, tv.file)
		fromReader, err := ProbeReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatalf("%s: %v", tv.file, err)
		}
		fromFile, err := Probe(testdataPath(tv.file))
		if err != nil {
			t.Fatalf("%s: %v", tv.file, err)
		}
		if fromReader != fromFile {
			t.Errorf("%s: ProbeReader = %+v, Probe = %+v", tv.file, fromReader, fromFile)
		}
	}
}

func TestProbeMissingFile(t *testing.T) {
	t.Parallel()
	_, err := Probe(filepath.Join(t.TempDir(), "gone.mp4"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("err = %v, want fs.ErrNotExist", err)
	}
	if errors.Is(err, ErrUnreadable) {
		t.Fatalf("a missing file is not an unreadable one: %v", err)
	}
}

func TestProbeDirectory(t *testing.T) {
	t.Parallel()
	_, err := Probe(t.TempDir())
	if !errors.Is(err, ErrUnreadable) {
		t.Fatalf("err = %v, want ErrUnreadable", err)
	}
}

// corruptFiles are inputs that must all be refused as unreadable.
func corruptFiles(t testing.TB) map[string][]byte {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 512)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	ftyp := box("ftyp", []byte("isom\x00\x00\x02\x00isomiso2avc1mp41"))
	cases := map[string][]byte{
		"empty":         {},
		"seven bytes":   []byte("\x00\x00\x00\x08ft"),
		"random bytes":  random,
		"text":          []byte("Reelhouse keeps a history of the videos you made.\nThis is not one of them.\n"),
		"ftyp only":     ftyp,
		"ftyp and free": cat(ftyp, box("free", make([]byte, 100))),
		// A 64-bit size far beyond the file.
		"huge 64-bit size": cat(ftyp, []byte("\x00\x00\x00\x01mdat"), u64(1<<62), make([]byte, 64)),
		// A 64-bit size too big for int64.
		"64-bit size over int64":   cat(ftyp, []byte("\x00\x00\x00\x01moov"), u64(math.MaxUint64), make([]byte, 64)),
		"box bigger than the file": cat(ftyp, u32(0x7FFFFFF0), []byte("moov"), make([]byte, 64)),
		"box smaller than header":  cat(ftyp, u32(4), []byte("moov"), make([]byte, 64)),
		"64-bit size smaller than header": cat(ftyp, []byte("\x00\x00\x00\x01moov"), u64(8),
			make([]byte, 64)),
		"moov without video": cat(ftyp, box("moov", mvhd(0, 1000, 1000))),
		"child bigger than moov": cat(ftyp, box("moov", cat(mvhd(0, 1000, 1000),
			u32(1000), []byte("trak"), make([]byte, 16)))),
		"unknown mvhd version": cat(ftyp, box("moov", cat(fullBox("mvhd", 7, make([]byte, 96)),
			videoTrak(320, 180, 30, 900, 30)))),
		"stts count too big": cat(ftyp, box("moov", cat(mvhd(0, 1000, 1000),
			trak(tkhd(0, 320, 180), mdhd(0, 30, 30), hdlr("vide"), stsd("avc1", 320, 180),
				fullBox("stts", 0, cat(u32(0xFFFFFFFF), u32(1), u32(1))))))),
		"stsd count too big": cat(ftyp, box("moov", cat(mvhd(0, 1000, 1000),
			trak(tkhd(0, 320, 180), mdhd(0, 30, 30), hdlr("vide"),
				fullBox("stsd", 0, cat(u32(0x10000000), box("avc1", make([]byte, 78)))))))),
		"free to the end, no moov": cat(ftyp, u32(0), []byte("free"), make([]byte, 16)),
	}
	// Every real file cut in half: the second half of the data is gone, or
	// the start of the file is. Only a file whose movie header comes after
	// the media data loses it with the second half (see TestProbeCutShort).
	for _, tv := range testVideos {
		b := readTestdata(t, tv.file)
		if !tv.moovFirst {
			cases["first half of "+tv.file] = b[:len(b)/2]
		}
		cases["second half of "+tv.file] = b[len(b)/2:]
	}
	return cases
}

func TestProbeCorrupt(t *testing.T) {
	t.Parallel()
	for name, data := range corruptFiles(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			info, err := ProbeReader(bytes.NewReader(data), int64(len(data)))
			if !errors.Is(err, ErrUnreadable) {
				t.Fatalf("ProbeReader = %+v, %v; want ErrUnreadable", info, err)
			}
			if err.Error() != "This file is not a video Reelhouse can read." {
				t.Errorf("message = %q", err.Error())
			}
			var ue *UnreadableError
			if !errors.As(err, &ue) || ue.Reason == "" {
				t.Errorf("no reason for the log in %#v", err)
			}
			if info != (Info{}) {
				t.Errorf("info = %+v alongside an error", info)
			}
		})
	}
}

func TestProbeCorruptFileOnDisk(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "notes.mp4")
	if err := os.WriteFile(path, []byte("just text"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Probe(path); !errors.Is(err, ErrUnreadable) {
		t.Fatalf("err = %v, want ErrUnreadable", err)
	}
}

// sparseReader is a large file that is all zeros but for its first bytes,
// without taking the memory.
type sparseReader struct {
	head []byte
	size int64
}

func (r sparseReader) ReadAt(p []byte, off int64) (int, error) {
	if off >= r.size {
		return 0, io.EOF
	}
	n := copy(p, r.head[min(off, int64(len(r.head))):])
	clear(p[n:])
	if rest := r.size - off; int64(len(p)) > rest {
		return int(rest), io.EOF
	}
	return len(p), nil
}

func TestProbeReaderRefusesHugeMoov(t *testing.T) {
	t.Parallel()
	ftyp := box("ftyp", []byte("isom\x00\x00\x00\x00"))
	const moovSize = 1 << 40 // a terabyte: it must not be read into memory
	r := sparseReader{
		head: cat(ftyp, []byte("\x00\x00\x00\x01moov"), u64(moovSize)),
		size: int64(len(ftyp)) + moovSize,
	}
	_, err := ProbeReader(r, r.size)
	var ue *UnreadableError
	if !errors.As(err, &ue) || !strings.Contains(ue.Reason, "too large") {
		t.Fatalf("err = %v (%+v), want a moov too large", err, ue)
	}
}

// failingReader fails every read, like a disk that went away.
type failingReader struct{}

var errDisk = errors.New("disk gone")

func (failingReader) ReadAt([]byte, int64) (int, error) { return 0, errDisk }

func TestProbeReaderPassesOnReadErrors(t *testing.T) {
	t.Parallel()
	_, err := ProbeReader(failingReader{}, 1000)
	if !errors.Is(err, errDisk) || errors.Is(err, ErrUnreadable) {
		t.Fatalf("err = %v, want the read error", err)
	}
}
