package history

// Until gui/ and package main name the store's package (see the commit that
// follows), its names are also reachable here.

import "github.com/reelhouse/reelhouse/history/store"

type Change = store.Change

const DownloadDone = store.DownloadDone
const DownloadErrorTaskGone = store.DownloadErrorTaskGone
const DownloadFailed = store.DownloadFailed
const DownloadNone = store.DownloadNone
const DownloadPaused = store.DownloadPaused

type DownloadState = store.DownloadState

const DownloadWaiting = store.DownloadWaiting

var ErrAlreadyRunning = store.ErrAlreadyRunning
var ErrClosedWhileSending = store.ErrClosedWhileSending
var ErrNestedLibrary = store.ErrNestedLibrary
var ErrNewerDatabase = store.ErrNewerDatabase
var ErrNoLibraryFolder = store.ErrNoLibraryFolder
var ErrNoTaskIDYet = store.ErrNoTaskIDYet
var ErrNotFinished = store.ErrNotFinished
var ErrNotFound = store.ErrNotFound
var ErrNotUncertain = store.ErrNotUncertain
var ErrNothingToExport = store.ErrNothingToExport
var ErrSidecarsBehind = store.ErrSidecarsBehind
var ErrTaskIDInHistory = store.ErrTaskIDInHistory

type File = store.File
type FolderError = store.FolderError
type JournalEntry = store.JournalEntry
type LibraryFile = store.LibraryFile

var LockDataDir = store.LockDataDir

const MediaOK = store.MediaOK

type MediaState = store.MediaState

const MediaUnknown = store.MediaUnknown
const MediaUnreadable = store.MediaUnreadable

var NormalizeTags = store.NormalizeTags
var OldSchema = store.OldSchema

type Op = store.Op

const OpDataFolder = store.OpDataFolder
const OpDelete = store.OpDelete
const OpExport = store.OpExport
const OpMigrateStore = store.OpMigrateStore
const OpMoveLibrary = store.OpMoveLibrary
const OpOpenLibrary = store.OpOpenLibrary
const OpOpenStore = store.OpOpenStore
const OpReadLibraries = store.OpReadLibraries
const OpReadStore = store.OpReadStore
const OpRecordRequest = store.OpRecordRequest
const OpRecordVideo = store.OpRecordVideo
const OpRestore = store.OpRestore
const OpSaveChange = store.OpSaveChange
const OpTrash = store.OpTrash
const OpUntrash = store.OpUntrash
const OpWriteLibrary = store.OpWriteLibrary

var Open = store.Open
var ParseProblem = store.ParseProblem
var PathStem = store.PathStem
var Problem = store.Problem

const ProblemDownloadFailed = store.ProblemDownloadFailed
const ProblemLocalWrite = store.ProblemLocalWrite
const ProblemLost = store.ProblemLost
const ProblemNoFile = store.ProblemNoFile
const ProblemNotSent = store.ProblemNotSent
const ProblemStale = store.ProblemStale
const ProblemUncertain = store.ProblemUncertain

var Problems = store.Problems

type Query = store.Query
type Record = store.Record

const SettingInterval = store.SettingInterval
const SettingLibrary = store.SettingLibrary
const SettingMaxDownloads = store.SettingMaxDownloads
const SettingServer = store.SettingServer

type SidecarRecord = store.SidecarRecord
type Stamp = store.Stamp
type State = store.State

const StateCancelled = store.StateCancelled
const StateFailed = store.StateFailed
const StateLost = store.StateLost
const StateNotSent = store.StateNotSent
const StatePending = store.StatePending
const StateRunning = store.StateRunning
const StateStale = store.StateStale
const StateSubmitting = store.StateSubmitting
const StateSuccess = store.StateSuccess
const StateUncertain = store.StateUncertain

type Store = store.Store
type StoreError = store.StoreError
type UnrecordedTaskError = store.UnrecordedTaskError
type Usage = store.Usage
type View = store.View

const ViewAll = store.ViewAll
const ViewAttention = store.ViewAttention
const ViewDownloaded = store.ViewDownloaded
const ViewInProgress = store.ViewInProgress
