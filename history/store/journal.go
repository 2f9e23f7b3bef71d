package store

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/reelhouse/reelhouse/history/atomicfile"
)

// journalName is the file, beside the database, that keeps the task ids
// the service gave for submissions whose record could not be written. The
// next start puts them into the store (Tracker.resume), so a task that
// may have been billed is never lost because one write failed.
const journalName = "pending-task-ids.jsonl"

// UnrecordedTaskError says that the service created a task but the history
// could not record its id. The id is kept in the journal and the log and
// goes into the history at the next start; until then the task is not
// followed.
type UnrecordedTaskError struct {
	RecordID int64
	TaskID   string
	Err      error // why the store refused the write
}

func (e *UnrecordedTaskError) Error() string {
	return fmt.Sprintf("task %s was created but not recorded: %v", e.TaskID, e.Err)
}

func (e *UnrecordedTaskError) Unwrap() error { return e.Err }

// JournalEntry is one line of the journal.
type JournalEntry struct {
	Record int64  `json:"record"`
	TaskID string `json:"task_id"`
	State  State  `json:"state"`
	At     int64  `json:"at"` // Unix milliseconds
}

// JournalPath is where the journal of the store at s lives.
func (s *Store) JournalPath() string { return filepath.Join(filepath.Dir(s.path), journalName) }

// AppendJournal adds an entry and syncs it to disk before returning.
func (s *Store) AppendJournal(e JournalEntry) error {
	line, err := json.Marshal(e)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(s.JournalPath(), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ReplayJournal puts the journal's task ids into the store. Entries that
// cannot be applied stay in the journal for the next start; the journal
// is removed once it is empty. It returns how many entries were applied.
func (s *Store) ReplayJournal(ctx context.Context) (int, error) {
	data, err := os.ReadFile(s.JournalPath())
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var (
		keep     [][]byte
		applied  int
		firstErr error
	)
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var e JournalEntry
		if err := json.Unmarshal(line, &e); err != nil || e.TaskID == "" {
			continue // a line cut short by a crash: nothing to recover from it
		}
		if err := s.applyJournalEntry(ctx, e); err != nil {
			keep = append(keep, bytes.Clone(line))
			if firstErr == nil {
				firstErr = fmt.Errorf("journal entry for task %s: %w", e.TaskID, err)
			}
			continue
		}
		applied++
	}
	if err := sc.Err(); err != nil && firstErr == nil {
		firstErr = err
	}
	if len(keep) == 0 {
		if err := os.Remove(s.JournalPath()); err != nil && !errors.Is(err, os.ErrNotExist) && firstErr == nil {
			firstErr = err
		}
		return applied, firstErr
	}
	if applied > 0 {
		if err := atomicfile.WriteFile(s.JournalPath(), append(bytes.Join(keep, []byte{'\n'}), '\n'), 0o644); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	return applied, firstErr
}

// applyJournalEntry records one task id: on its submission when that still
// has none, or else as a task added by its id.
func (s *Store) applyJournalEntry(ctx context.Context, e JournalEntry) error {
	if _, err := s.ByTaskID(ctx, e.TaskID); err == nil {
		return nil // already recorded
	} else if !errors.Is(err, ErrNotFound) {
		return err
	}
	rec, err := s.Get(ctx, e.Record)
	if err == nil && rec.TaskID == "" {
		st := e.State
		if st == "" || st.Final() {
			st = StatePending
		}
		msg := ""
		_, err = s.Update(ctx, rec.ID, Change{TaskID: &e.TaskID, State: &st, Watching: ptr(true), ErrorMessage: &msg}, time.Now())
		return err
	}
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	// The submission is gone (deleted meanwhile): keep the task anyway.
	_, _, err = s.AddExisting(ctx, e.TaskID, time.UnixMilli(e.At))
	return err
}
