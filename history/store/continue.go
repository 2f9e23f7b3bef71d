package store

// This file is the store's side of continued videos: a task keeps the task
// id of the one it continues (tasks.continued_from), and the store answers
// both ways.

import (
	"context"
	"database/sql"
	"errors"
)

// ContinuedFrom returns the record of the video r continues, and false
// when r continues none or that video is not in the history (any more).
func (s *Store) ContinuedFrom(ctx context.Context, r Record) (Record, bool, error) {
	if r.ContinuedFrom == "" {
		return Record{}, false, nil
	}
	src, err := s.ByTaskID(ctx, r.ContinuedFrom)
	if errors.Is(err, ErrNotFound) {
		return Record{}, false, nil
	}
	if err != nil {
		return Record{}, false, err
	}
	return src, true, nil
}

// Continuations lists the records that continue the video of record id,
// oldest first, trash included (the caller may say so).
func (s *Store) Continuations(ctx context.Context, id int64) ([]Record, error) {
	var taskID string
	err := s.db.QueryRowContext(ctx, `SELECT COALESCE(task_id, '') FROM tasks WHERE id = ?`, id).Scan(&taskID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil || taskID == "" {
		return nil, err
	}
	return s.query(ctx, `SELECT `+recordColumns+` FROM tasks WHERE continued_from = ? ORDER BY id`, taskID)
}
