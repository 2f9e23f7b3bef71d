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
	// is taller than wide).
	Width, Height int
	// FrameRate is the average number of video frames per second.
	FrameRate float64
	// VideoCodec is a short codec name such as "h264", "hevc", "av1" or
	// "vp9", or the sample entry's four-character code when it has no name here.
	VideoCodec string
	// AudioCodec is a short codec name such as "aac", or the sample entry's
	// four-character code; empty when the file has no sound.
	AudioCodec string
	// HasAudio reports whether the file has a sound track.
	HasAudio bool
	// Brand is the major brand of the file type box, such as "isom" or "mp42",
	// without trailing spaces.
	Brand string
}

// unreadableMessage is what a user is shown for any file this package cannot read.
const unreadableMessage = "This file is not a video Reelhouse can read."

// ErrUnreadable is matched (with errors.Is) by every error that means the file
// is not a video this package can read: not an MP4 at all, cut short, or damaged.
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
