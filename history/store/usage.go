package store

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Usage is what one model made in one month.
type Usage struct {
	Month time.Time // the first moment of the month, in the location asked for
	Model string    // "" for tasks whose model is not known
	// Made counts the tasks that succeeded, Failed those the service
	// reported as failed. Tasks never sent, cancelled or lost count in
	// neither: they made nothing and, as far as is known, cost nothing.
	Made, Failed int
	// Seconds of video the successful tasks made: the length of their
	// downloaded files, or the length asked for while a task has no file
	// that says.
	Seconds float64
	// Making counts the tasks sent and not finished yet (being sent,
	// pending or running), which will be paid for if they succeed, and
	// MakingSeconds the length they asked for (0 for a model's default).
	Making        int
	MakingSeconds float64
}

// Usage adds up, per month (of when Generate was pressed, in loc) and per
// model, the videos made and failed and the seconds of video made, and
// those still being made,
// newest month first, then by model. The trash counts: its videos were
// made (and paid for) all the same.
func (s *Store) Usage(ctx context.Context, loc *time.Location) ([]Usage, error) {
	return s.UsageSince(ctx, loc, time.Time{})
}

// UsageSince is Usage of the tasks made at since or later (the zero time:
// all), which reads only those: the month so far is read in a moment
// however long the history.
func (s *Store) UsageSince(ctx context.Context, loc *time.Location, since time.Time) ([]Usage, error) {
	from := int64(0)
	if !since.IsZero() {
		from = since.UnixMilli()
	}
	rows, err := s.db.QueryContext(ctx, `SELECT t.created_at, t.model, t.state,
			COALESCE((SELECT SUM(f.duration_ms) FROM files f WHERE f.task_row = t.id), 0),
			COALESCE(json_extract(t.request, '$.duration'), 0)
		FROM tasks t WHERE t.created_at >= ? AND +t.state IN (?, ?, ?, ?, ?) AND t.film = ''`, // +: the range on created_at picks the rows
		from, StateSuccess, StateFailed, StateSubmitting, StatePending, StateRunning)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type key struct {
		month time.Time
		model string
	}
	sums := map[key]*Usage{}
	for rows.Next() {
		var (
			created, fileMS int64
			asked           float64
			model, state    string
		)
		if err := rows.Scan(&created, &model, &state, &fileMS, &asked); err != nil {
			return nil, err
		}
		at := time.UnixMilli(created).In(loc)
		k := key{time.Date(at.Year(), at.Month(), 1, 0, 0, 0, 0, loc), model}
		u := sums[k]
		if u == nil {
			u = &Usage{Month: k.month, Model: model}
			sums[k] = u
		}
		switch State(state) {
		case StateFailed:
			u.Failed++
			continue
		case StateSubmitting, StatePending, StateRunning:
			u.Making++
			u.MakingSeconds += asked
			continue
		}
		u.Made++
		if fileMS > 0 {
			u.Seconds += float64(fileMS) / 1000
		} else {
			u.Seconds += asked
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]Usage, 0, len(sums))
	for _, u := range sums {
		out = append(out, *u)
	}
	slices.SortFunc(out, func(a, b Usage) int {
		if c := b.Month.Compare(a.Month); c != 0 {
			return c
		}
		return strings.Compare(a.Model, b.Model)
	})
	return out, nil
}
