// Package media tells Reelhouse what a downloaded video file is — its size,
// length, frame rate and codecs — and makes the small picture shown for it in
// the history.
//
// The facts come from a small reader of MP4 (ISO base media) headers written in
// Go, so they are available on every machine; when ffprobe is installed,
// Describe uses it to fill what the headers leave out. Thumbnails come from
// ffmpeg when it is installed and are otherwise drawn in Go. Nothing here
// touches the user interface.
package media

import "time"

// Info holds the facts about one video file that the history shows.
// A zero field means the file did not say.
type Info struct {
	// Duration is the length of the whole presentation.
	Duration time.Duration
	// Width and Height are the size of the picture as it is displayed, that
	// is after the rotation recorded in the file (a phone video shot upright
	// is taller than wide) and with its pixels at their recorded shape (see
	// PixelAspect), rounded to whole pixels.
	Width, Height int
	// PixelAspect is the shape of one stored pixel, width to height, such as
	// "64:45", when the pixels are not square; empty when they are square or
	// the file does not say. The width is already scaled by it.
	PixelAspect string
	// FrameRate is the average number of video frames per second.
	FrameRate float64
	// VideoCodec is a short codec name as ffprobe gives it, such as "h264",
	// "hevc", "av1" or "mjpeg", or the sample entry's four-character code
	// when it has no name here. An encrypted track is named by the format it
	// wraps.
	VideoCodec string
	// AudioCodec is a short codec name as ffprobe gives it, such as "aac",
	// "amr_nb" or "pcm_s16le", or the sample entry's four-character code;
	// empty when the file has no sound.
	AudioCodec string
	// HasAudio reports whether the file has a sound track.
	HasAudio bool
	// Brand is the major brand of the file type box, such as "isom" or "mp42",
	// without trailing spaces.
	Brand string
	// Truncated reports that the file looks cut short: it ends inside a box,
	// after a complete movie header. The facts above come from that header
	// and are what a player shows, but the file is not whole, so a check
	// that a download is complete must not accept it.
	Truncated bool
}

// unreadableMessage is what a user is shown for any file this package cannot read.
const unreadableMessage = "This file is not a video Reelhouse can read."

// ErrUnreadable is matched (with errors.Is) by every error that means the file
// is not a video this package can read: not an MP4 at all, not a video (such
// as an image sequence), cut short before its movie header ends, or damaged.
// Its message is meant to be shown to the user as it is.
var ErrUnreadable error = &UnreadableError{}

// UnreadableError is the error returned for a file that is not a readable video.
// Error gives the message for the user; Reason says what was wrong, for the log.
type UnreadableError struct {
	// Reason is a short technical description, for logs and bug reports.
	Reason string
}

// Error returns the message meant for the user.
func (e *UnreadableError) Error() string { return unreadableMessage }

// Is makes every UnreadableError match ErrUnreadable.
func (e *UnreadableError) Is(target error) bool { return target == ErrUnreadable }

func unreadable(reason string) error { return &UnreadableError{Reason: reason} }
