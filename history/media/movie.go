// This file holds what the reader learns about a movie and its tracks, and
// how those facts become an Info: length, frame rate and picture size.

package media

import (
	"math"
	"math/bits"
	"strconv"
	"time"
)

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
