package history

import (
	"context"
	"strings"
	"time"
	"unicode"
)

// Query selects records for List and Count. Zero fields select everything
// that is not in the trash.
type Query struct {
	Text          string  // words that must all start words of the prompt, or a task id
	States        []State // any of these states
	View          View    // one of the views people think in
	Model         string  // exactly this model
	Favourites    bool    // favourites only
	Tag           string  // tagged with this tag
	NotDownloaded bool    // successful tasks whose videos are not all in the library
	From, To      time.Time
	Trash         bool // the trash instead of the library
	OldestFirst   bool
	Limit         int // at most this many (default 500)
	Offset        int
}

// View selects records the way people think of them.
type View string

// Views.
const (
	ViewAll        View = ""
	ViewInProgress View = "in_progress" // not finished, or downloading
	ViewDownloaded View = "downloaded"  // every video is in the library
	ViewAttention  View = "attention"   // something for the user to do
)

// where builds the WHERE clause of q.
func (q Query) where() (string, []any) {
	var (
		where []string
		args  []any
	)
	if text := strings.TrimSpace(q.Text); text != "" {
		cond := `task_id = ?`
		args = append(args, text)
		if match := ftsQuery(text); match != "" {
			cond = `(id IN (SELECT rowid FROM tasks_fts WHERE tasks_fts MATCH ?) OR ` + cond + `)`
			args = append([]any{match}, args...)
		}
		where = append(where, cond)
	}
	if len(q.States) > 0 {
		marks := make([]string, len(q.States))
		for i, st := range q.States {
			marks[i] = "?"
			args = append(args, string(st))
		}
		where = append(where, "state IN ("+strings.Join(marks, ",")+")")
	}
	final := []any{StateSuccess, StateFailed, StateCancelled, StateNotSent, StateUncertain, StateLost, StateStale}
	switch q.View {
	case ViewInProgress:
		where = append(where, `(state NOT IN (?, ?, ?, ?, ?, ?, ?) OR (state = ? AND download = ?))`)
		args = append(append(args, final...), StateSuccess, DownloadWaiting)
	case ViewDownloaded:
		where = append(where, `state = ? AND download = ? AND id NOT IN (SELECT task_row FROM files WHERE missing = 1)`)
		args = append(args, StateSuccess, DownloadDone)
	case ViewAttention:
		where = append(where, `(state IN (?, ?, ?, ?, ?) OR (state = ? AND download IN (?, ?))
			OR id IN (SELECT task_row FROM files WHERE missing = 1))`)
		args = append(args, StateUncertain, StateNotSent, StateFailed, StateLost, StateStale, StateSuccess, DownloadFailed, DownloadPaused)
	}
	if q.Model != "" {
		where = append(where, "model = ?")
		args = append(args, q.Model)
	}
	if q.Favourites {
		where = append(where, "favourite = 1")
	}
	if q.Tag != "" {
		where = append(where, "id IN (SELECT task_row FROM tags WHERE tag = ?)")
		args = append(args, normalizeTag(q.Tag))
	}
	if q.NotDownloaded {
		where = append(where, `state = ? AND (download <> ? OR id IN (SELECT task_row FROM files WHERE missing = 1))`)
		args = append(args, StateSuccess, DownloadDone)
	}
	if !q.From.IsZero() {
		where = append(where, "created_at >= ?")
		args = append(args, q.From.UnixMilli())
	}
	if !q.To.IsZero() {
		where = append(where, "created_at < ?")
		args = append(args, q.To.UnixMilli())
	}
	if q.Trash {
		where = append(where, "trashed_at <> 0")
	} else {
		where = append(where, "trashed_at = 0")
	}
	return " WHERE " + strings.Join(where, " AND "), args
}

// ftsQuery turns what the user typed into an FTS5 query: every word must
// start a word of the prompt. Each word is quoted, so nothing the user
// types is read as FTS5 syntax.
func ftsQuery(text string) string {
	var terms []string
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		terms = append(terms, `"`+strings.ReplaceAll(w, `"`, `""`)+`"*`)
	}
	return strings.Join(terms, " AND ")
}

// List returns records newest first (or oldest first).
func (s *Store) List(ctx context.Context, q Query) ([]Record, error) {
	where, args := q.where()
	limit := q.Limit
	if limit <= 0 {
		limit = 500
	}
	order := ` ORDER BY created_at DESC, id DESC`
	if q.OldestFirst {
		order = ` ORDER BY created_at ASC, id ASC`
	}
	args = append(args, limit, q.Offset)
	return s.query(ctx, `SELECT `+recordColumns+` FROM tasks`+where+order+` LIMIT ? OFFSET ?`, args...)
}

// Count returns how many records List would return without a limit.
func (s *Store) Count(ctx context.Context, q Query) (int, error) {
	where, args := q.where()
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM tasks`+where, args...).Scan(&n)
	return n, err
}
