package library

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history/atomicfile"
	"github.com/reelhouse/reelhouse/history/media"
	"github.com/reelhouse/reelhouse/history/store"
)

// Sidecar is the JSON file next to every video in the library. It holds
// everything needed to rebuild the video's history row, so the library
// folder describes itself even without the database. Its request names a
// local reference image by its file in the library's refs folder and its
// sha256, never by its bytes; sidecars of older versions may still hold
// one inline, and are read as they are.
type Sidecar struct {
	Format  string `json:"format"`
	Version int    `json:"version"`

	TaskID          string               `json:"task_id"`
	State           store.State          `json:"state"`
	Request         client.CreateRequest `json:"request"`
	CreatedAt       int64                `json:"created_at"` // ms since the epoch, local record time
	UpdatedAt       int64                `json:"updated_at"`
	ServerCreated   client.Millis        `json:"server_created,omitempty"`
	ServerUpdated   client.Millis        `json:"server_updated,omitempty"`
	ServerCompleted client.Millis        `json:"server_completed,omitempty"`
	ErrorCode       string               `json:"error_code,omitempty"`
	ErrorMessage    string               `json:"error_message,omitempty"`
	// Response is the service's last answer about the task, with signed
	// URLs' query strings removed.
	Response json.RawMessage `json:"response,omitempty"`

	File SidecarFile `json:"file"`

	Favourite bool     `json:"favourite"`
	Tags      []string `json:"tags"`
	Note      string   `json:"note"`

	// ContinuedFrom is the task id of the video this one continues from
	// its last frame.
	ContinuedFrom string `json:"continued_from,omitempty"`
	// Title is the name the user gave the video; absent in older sidecars.
	Title string `json:"title,omitempty"`
	// Film lists the shots of a film joined on this computer, by task id
	// and file checksum; absent for a video the service made.
	Film []store.FilmShot `json:"film,omitempty"`
}

// SidecarFile describes the video the sidecar sits next to.
type SidecarFile struct {
	Index      int              `json:"index"`
	Name       string           `json:"name"` // the video's file name, for checking
	Size       int64            `json:"size"`
	SHA256     string           `json:"sha256"`
	DurationMS int64            `json:"duration_ms"`
	Width      int              `json:"width"`
	Height     int              `json:"height"`
	FrameRate  float64          `json:"frame_rate"`
	VideoCodec string           `json:"video_codec,omitempty"`
	AudioCodec string           `json:"audio_codec,omitempty"`
	HasAudio   bool             `json:"has_audio"`
	MediaState store.MediaState `json:"media_state,omitempty"`
	// PixelAspect is the shape of a pixel when it is not square ("64:45").
	PixelAspect string `json:"pixel_aspect,omitempty"`
	// Truncated says the file looks cut short at its end.
	Truncated bool `json:"truncated,omitempty"`
}

const (
	sidecarFormat  = "reelhouse-sidecar"
	sidecarVersion = 1
	// maxSidecarSize bounds what is read from a sidecar; a real one is a
	// few kilobytes.
	maxSidecarSize = 4 << 20
)

// ErrBadSidecar marks a sidecar that cannot be read; it is reported and
// left where it is, never deleted.
var ErrBadSidecar = errors.New("not a Reelhouse sidecar")

// SidecarPath is the sidecar of a video path: same name, .json extension.
func SidecarPath(video string) string {
	return strings.TrimSuffix(video, filepath.Ext(video)) + ".json"
}

// NewSidecar describes one file of a record.
func NewSidecar(r store.Record, f store.File) Sidecar {
	return Sidecar{
		Format: sidecarFormat, Version: sidecarVersion,
		TaskID: r.TaskID, State: r.State, Request: r.Request,
		CreatedAt: r.CreatedAt.UnixMilli(), UpdatedAt: r.UpdatedAt.UnixMilli(),
		ServerCreated: r.ServerCreated, ServerUpdated: r.ServerUpdated, ServerCompleted: r.ServerCompleted,
		ErrorCode: r.ErrorCode, ErrorMessage: r.ErrorMessage,
		Response: json.RawMessage(client.RedactJSON(r.Raw)),
		File: SidecarFile{
			Index: f.Index, Name: filepath.Base(filepath.FromSlash(f.Path)), Size: f.Size, SHA256: f.SHA256,
			DurationMS: f.Media.Duration.Milliseconds(), Width: f.Media.Width, Height: f.Media.Height,
			FrameRate: f.Media.FrameRate, VideoCodec: f.Media.VideoCodec, AudioCodec: f.Media.AudioCodec,
			HasAudio: f.Media.HasAudio, MediaState: f.MediaState,
			PixelAspect: f.Media.PixelAspect, Truncated: f.Media.Truncated,
		},
		Favourite: r.Favourite, Tags: append([]string{}, r.Tags...), Note: r.Note,
		ContinuedFrom: r.ContinuedFrom,
		Title:         r.Title,
		Film:          r.Film,
	}
}

// Record turns a sidecar found at rel (the video's library-relative path)
// back into a history record with that one file.
func (s Sidecar) Record(rel string) store.Record {
	return store.Record{
		TaskID: s.TaskID, Request: s.Request, State: s.State,
		ErrorCode: s.ErrorCode, ErrorMessage: s.ErrorMessage, Raw: s.Response,
		CreatedAt: time.UnixMilli(s.CreatedAt), UpdatedAt: time.UnixMilli(s.UpdatedAt),
		ServerCreated: s.ServerCreated, ServerUpdated: s.ServerUpdated, ServerCompleted: s.ServerCompleted,
		Download:  store.DownloadDone,
		Favourite: s.Favourite, Tags: store.NormalizeTags(s.Tags), Note: s.Note, Title: s.Title,
		ContinuedFrom: s.ContinuedFrom, Film: s.Film,
		Files: []store.File{{
			Index: s.File.Index, Path: rel, Size: s.File.Size, SHA256: s.File.SHA256,
			Media: media.Info{
				Duration: time.Duration(s.File.DurationMS) * time.Millisecond, Width: s.File.Width, Height: s.File.Height,
				FrameRate: s.File.FrameRate, VideoCodec: s.File.VideoCodec, AudioCodec: s.File.AudioCodec, HasAudio: s.File.HasAudio,
				PixelAspect: s.File.PixelAspect, Truncated: s.File.Truncated,
			},
			MediaState: s.File.MediaState,
		}},
	}
}

// DecodeSidecar reads a sidecar, refusing anything that is not one.
func DecodeSidecar(r io.Reader) (Sidecar, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxSidecarSize+1))
	if err != nil {
		return Sidecar{}, err
	}
	return decodeSidecar(data)
}

// decodeSidecar is DecodeSidecar of what was read.
func decodeSidecar(data []byte) (Sidecar, error) {
	var s Sidecar
	if len(data) > maxSidecarSize {
		return s, fmt.Errorf("%w: larger than %d bytes", ErrBadSidecar, maxSidecarSize)
	}
	if err := json.Unmarshal(data, &s); err != nil {
		return Sidecar{}, fmt.Errorf("%w: %v", ErrBadSidecar, err)
	}
	switch {
	case s.Format != sidecarFormat:
		return Sidecar{}, fmt.Errorf("%w: format is %q", ErrBadSidecar, s.Format)
	case s.Version < 1 || s.Version > sidecarVersion:
		return Sidecar{}, fmt.Errorf("%w: version %d is not one this Reelhouse reads", ErrBadSidecar, s.Version)
	case strings.TrimSpace(s.TaskID) == "" || len(s.TaskID) > 200:
		return Sidecar{}, fmt.Errorf("%w: no task id", ErrBadSidecar)
	case s.File.Index < 0 || s.File.Index > 1000 || s.File.Size < 0 || len(s.ContinuedFrom) > 200:
		return Sidecar{}, fmt.Errorf("%w: impossible file description", ErrBadSidecar)
	}
	return s, nil
}

// ReadSidecar reads the sidecar at path.
func ReadSidecar(path string) (Sidecar, error) {
	f, err := os.Open(path)
	if err != nil {
		return Sidecar{}, err
	}
	defer f.Close()
	return DecodeSidecar(f)
}

// readSidecarStamped reads the sidecar at path and returns it with its
// stamp as it was when it was read, reading into *buf (kept for the next
// call: the decoded sidecar holds no part of it).
func readSidecarStamped(path string, buf *[]byte) (Sidecar, store.Stamp, error) {
	f, err := os.Open(path)
	if err != nil {
		return Sidecar{}, store.Stamp{}, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return Sidecar{}, store.Stamp{}, err
	}
	// Room for the whole file and the end-of-file read after it; a file
	// that grows meanwhile is read on up to the limit.
	data := (*buf)[:0]
	if want := int(min(info.Size(), maxSidecarSize)) + 512; cap(data) < want {
		data = make([]byte, 0, want)
	}
	for len(data) <= maxSidecarSize {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		n, err := f.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return Sidecar{}, store.Stamp{}, err
		}
	}
	*buf = data
	s, err := decodeSidecar(data)
	return s, stampOf(info), err
}

// WriteSidecar writes the sidecar of the video at videoPath atomically: a
// temp file in the same folder, synced, then renamed over the old one.
func WriteSidecar(videoPath string, s Sidecar) error {
	data, err := encodeSidecar(s)
	if err != nil {
		return err
	}
	return writeFileAtomic(SidecarPath(videoPath), data)
}

func encodeSidecar(s Sidecar) ([]byte, error) {
	data, err := json.MarshalIndent(s, "", "  ")
	return append(data, '\n'), err
}

func writeSidecarTo(w io.Writer, s Sidecar) error {
	data, err := encodeSidecar(s)
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// writeFileAtomic replaces path with data so that path always holds either
// the old or the whole new content, and no temp file is left behind.
func writeFileAtomic(path string, data []byte) error {
	if err := atomicfile.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("could not write %s (%v)", filepath.Base(path), plainOSError(err))
	}
	return nil
}
