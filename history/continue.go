package history

// This file links a video to the videos made from its last frame: the new
// task keeps the task id of the one it continues (tasks.continued_from and
// the sidecar's continued_from), and the store answers both ways.

import (
	"context"
	"errors"
	"fmt"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history/store"
)

// ErrNotContinuable is returned by SubmitContinuing when the video to
// continue has no task id, so the link could not be kept.
var ErrNotContinuable = errors.New("history: the video to continue has no task id")

// SubmitContinuing is Submit for a video that continues the video of
// record from (its last frame is in req as the first-frame picture). The
// link is recorded with the request, before anything is sent.
func (t *Tracker) SubmitContinuing(ctx context.Context, req client.CreateRequest, from int64) (store.Record, error) {
	src, err := t.store.Get(ctx, from)
	if err != nil {
		return store.Record{}, fmt.Errorf("history: the video to continue (record %d): %w", from, err)
	}
	if src.TaskID == "" {
		return store.Record{}, ErrNotContinuable
	}
	return t.submit(ctx, req, src.TaskID)
}
