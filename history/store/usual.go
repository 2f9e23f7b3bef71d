package store

import (
	"context"
	"slices"
	"time"
)

// usualSample is how many of a model's latest successes UsualDuration
// looks at: enough to smooth out one slow day, few enough to follow a
// service that got faster.
const usualSample = 20

// UsualDuration is the median time a model took, from the task's creation
// to the service saying it finished, over its last successes. It is zero
// when no success of the model has both times. The service's own clock is
// used for both ends when it sent a creation time, so that the two clocks
// are never mixed when they need not be.
func (s *Store) UsualDuration(ctx context.Context, model string) (time.Duration, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT server_completed -
			CASE WHEN server_created > 0 THEN server_created ELSE created_at END
		FROM tasks
		WHERE model = ? AND state = ? AND server_completed > 0
		ORDER BY server_completed DESC, id DESC
		LIMIT ?`, model, StateSuccess, usualSample)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var ms []int64
	for rows.Next() {
		var d int64
		if err := rows.Scan(&d); err != nil {
			return 0, err
		}
		if d > 0 {
			ms = append(ms, d)
		}
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if len(ms) == 0 {
		return 0, nil
	}
	slices.Sort(ms)
	mid := ms[len(ms)/2]
	if len(ms)%2 == 0 {
		mid = (ms[len(ms)/2-1] + mid) / 2
	}
	return time.Duration(mid) * time.Millisecond, nil
}
