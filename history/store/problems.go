package store

import (
	"errors"
	"strings"
)

// History's errors are for programs: lower-case facts (what was done, to
// which path or task, and the cause, wrapped). The window chooses the
// sentence a person reads from the sentinels and types below.

// Kinds of failure the window words on its own. Match them with errors.Is.
var (
	// ErrAlreadyRunning: another Reelhouse holds the data folder's lock.
	ErrAlreadyRunning = errors.New("data folder is locked by another reelhouse process")
	// ErrNoLibraryFolder: no library folder is set.
	ErrNoLibraryFolder = errors.New("no library folder set")
	// ErrNestedLibrary: the new library folder is inside the old one, or
	// the other way round.
	ErrNestedLibrary = errors.New("library folders are nested")
	// ErrNothingToExport: the selection holds no downloaded video.
	ErrNothingToExport = errors.New("no downloaded video to export")
	// ErrNoTaskIDYet: the record was never given a task id (it was not
	// sent, or it is an uncertain submission), so the service cannot be
	// asked about it.
	ErrNoTaskIDYet = errors.New("record has no task id")
	// ErrNotFinished: the task has no finished video to download yet.
	ErrNotFinished = errors.New("task has no finished video")
	// ErrNewerDatabase: the history database was written by a newer
	// Reelhouse, whose schema this one does not know.
	ErrNewerDatabase = errors.New("history database has a newer schema")
	// ErrSidecarsBehind: a change is saved in the history, but a sidecar
	// next to a video could not be updated.
	ErrSidecarsBehind = errors.New("change saved but sidecar not updated")
	// ErrClosedWhileSending: Reelhouse stopped while a request was being
	// sent; the cause of an uncertain submission found at start-up.
	ErrClosedWhileSending = errors.New("closed while sending")
)

// Op names what history was doing when a FolderError or StoreError
// happened.
type Op string

// Operations on folders and files (FolderError).
const (
	OpOpenLibrary   Op = "open library folder"
	OpWriteLibrary  Op = "write in library folder" // a subfolder, a finished download, leftovers
	OpDelete        Op = "delete"
	OpTrash         Op = "move to trash"
	OpUntrash       Op = "restore from trash"
	OpExport        Op = "export"       // Path: the folder or file written
	OpMoveLibrary   Op = "move library" // Path: the file being copied
	OpReadLibraries Op = "read library folders"
	OpDataFolder    Op = "use data folder"
)

// Operations on the history database (StoreError).
const (
	OpOpenStore     Op = "open history database"
	OpReadStore     Op = "read history database"
	OpMigrateStore  Op = "update history database"
	OpRecordRequest Op = "record request"
	OpSaveChange    Op = "save change"
	OpRecordVideo   Op = "record downloaded video"
	OpRestore       Op = "restore task"
	OpSaveStory     Op = "save story"
)

// FolderError is a failure to use a folder or a file in it: the library,
// an export's destination, the data folder. Err is the cause (often an
// *fs.PathError); errors.Is(err, fs.ErrExist) means a different file is
// already where one was to be written.
type FolderError struct {
	Op   Op
	Path string
	Err  error
}

func (e *FolderError) Error() string {
	s := string(e.Op)
	if e.Path != "" {
		s += " " + e.Path
	}
	return s + ": " + e.Err.Error()
}

func (e *FolderError) Unwrap() error { return e.Err }

// StoreError is a failure to read or write the history database.
type StoreError struct {
	Op  Op
	Err error
}

func (e *StoreError) Error() string { return string(e.Op) + ": " + e.Err.Error() }

func (e *StoreError) Unwrap() error { return e.Err }

// Problems kept in a record: a code, or a code, ": " and facts (an error's
// text). ErrorMessage holds one for the states not_sent, uncertain, lost
// and stale, and for pending and running tasks whose answers cannot be used (for failed and cancelled tasks it holds the service's own
// message); DownloadError holds one when a download failed or paused. The
// window words them. Older versions stored sentences there instead; those
// do not parse as a problem (see ParseProblem) and are shown as they are.
const (
	ProblemNotSent        = "not_sent"        // facts: why the request was refused
	ProblemUncertain      = "uncertain"       // facts: what happened, if known
	ProblemLost           = "lost"            // the service no longer knows the task
	ProblemStale          = "stale"           // unfinished after a very long time
	ProblemDownloadFailed = "download_failed" // facts: why
	ProblemNoFile         = "no_file"         // finished, but the service sent no file
	ProblemLocalWrite     = "local_write"     // the library folder refused a write for another reason; facts: why
	// ProblemLibraryFull: the library folder's disk is full (or the
	// user's quota used up); facts: the system's words.
	ProblemLibraryFull = "library_full"
	// ProblemLibraryReadOnly: the library folder cannot be written at all
	// (a read-only file system, or no permission); facts: the system's words.
	ProblemLibraryReadOnly = "library_read_only"
	// ProblemUnusableAnswer: the service's last few answers about a task
	// that is still followed could not be used (too large, a web page,
	// not JSON); facts: the last one's error. It is cleared by the next
	// usable answer.
	ProblemUnusableAnswer = "unusable_answer"
	// DownloadErrorTaskGone: the service no longer knows the task, so its
	// videos cannot be fetched any more and retrying cannot help.
	DownloadErrorTaskGone = "task_gone"
)

// Problems lists every problem code, for the window's tests.
var Problems = []string{ProblemNotSent, ProblemUncertain, ProblemLost, ProblemStale,
	ProblemDownloadFailed, ProblemNoFile, ProblemLocalWrite, ProblemLibraryFull, ProblemLibraryReadOnly,
	DownloadErrorTaskGone, ProblemUnusableAnswer}

// Problem is code with the facts of err, if any.
func Problem(code string, err error) string {
	if err == nil {
		return code
	}
	facts := strings.TrimSpace(err.Error())
	if facts == "" {
		return code
	}
	return code + ": " + facts
}

// ParseProblem splits a record's problem into its code and facts. ok is
// false when msg is not a problem code: a sentence written by an older
// Reelhouse, or empty.
func ParseProblem(msg string) (code, facts string, ok bool) {
	code, facts, _ = strings.Cut(msg, ": ")
	for _, c := range Problems {
		if code == c {
			return code, facts, true
		}
	}
	return "", "", false
}

// Errors of AttachTaskID.
var (
	// ErrNotUncertain: the entry is not a submission waiting for its task
	// id (it has one, or it was never sent).
	ErrNotUncertain = errors.New("the entry is not an uncertain submission")
	// ErrTaskIDInHistory: another entry of the history has that task id.
	ErrTaskIDInHistory = errors.New("the task id belongs to another entry of the history")
)
