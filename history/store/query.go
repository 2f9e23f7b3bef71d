package store

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Query selects records for List and Count. Zero fields select everything
// that is not in the trash.
//
// The store selects with the SQL of where(); Matches answers the same
// question for one record in Go, so that a window can place a record that
// changed without asking the store. The two must agree (query_test.go
// checks that they do over many generated records): change them together.
type Query struct {
	Text          string  // words that must each start a word of the prompt or title (accents and case aside), or a task id (case aside)
	States        []State // any of these states
	View          View    // one of the views people think in
	Model         string  // exactly this model
	Favourites    bool    // favourites only
	Tag           string  // tagged with this tag
	NotDownloaded bool    // successful tasks whose videos are not all in the library and are not downloading
	From, To      time.Time
	Trash         bool // the trash instead of the library
	OldestFirst   bool
	Limit         int // at most this many (default 500)
	Offset        int
}

// View selects records the way people think of them.
//
// Every successful task is in exactly one of three places: In progress
// while its videos download, Downloaded once they are all in the library,
// and Not downloaded (Query.NotDownloaded) otherwise: the download failed
// or paused, a file went missing, or it never started.
type View string

// Views.
const (
	ViewAll        View = ""
	ViewInProgress View = "in_progress" // not finished, or downloading
	ViewDownloaded View = "downloaded"  // every video is in the library
	ViewAttention  View = "attention"   // something for the user to do
)

// finalStates are the states State.Final reports, for SQL.
var finalStates = []State{StateSuccess, StateFailed, StateCancelled, StateNotSent, StateUncertain, StateLost, StateStale}

// attentionStates are the states that need the user, whatever the download.
var attentionStates = []State{StateUncertain, StateNotSent, StateFailed, StateLost, StateStale}

// hasMissing is the SQL for "a file of the task went missing".
const hasMissing = `id IN (SELECT task_row FROM files WHERE missing = 1)`

// where builds the WHERE clause of q. Matches mirrors it.
func (q Query) where() (string, []any) {
	var (
		where []string
		args  []any
	)
	in := func(col string, values ...any) string {
		args = append(args, values...)
		return col + " IN (" + strings.TrimSuffix(strings.Repeat("?,", len(values)), ",") + ")"
	}
	states := func(sts []State) []any {
		out := make([]any, len(sts))
		for i, st := range sts {
			out[i] = string(st)
		}
		return out
	}
	if text := strings.TrimSpace(q.Text); text != "" {
		// NOCASE folds ASCII letters only, as idEqual does.
		cond := `task_id = ? COLLATE NOCASE`
		args = append(args, text)
		if match := ftsQuery(text); match != "" {
			// One list of ids from both indexes: SQLite then reads only
			// the rows that matched, where an OR made it walk the whole
			// history by date to test each row.
			cond = `id IN (SELECT rowid FROM tasks_fts WHERE tasks_fts MATCH ? UNION ALL SELECT id FROM tasks WHERE task_id = ? COLLATE NOCASE)`
			args = append([]any{match}, args...)
		}
		where = append(where, cond)
	}
	if len(q.States) > 0 {
		where = append(where, in("state", states(q.States)...))
	}
	switch q.View {
	case ViewInProgress:
		where = append(where, `(NOT `+in("state", states(finalStates)...)+` OR (state = ? AND download = ?))`)
		args = append(args, StateSuccess, DownloadWaiting)
	case ViewDownloaded:
		where = append(where, `state = ? AND download = ? AND NOT `+hasMissing)
		args = append(args, StateSuccess, DownloadDone)
	case ViewAttention:
		cond := `(` + in("state", states(attentionStates)...)
		args = append(args, StateSuccess)
		cond += ` OR (state = ? AND ` + in("download", DownloadFailed, DownloadPaused) + `) OR ` + hasMissing + `)`
		where = append(where, cond)
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
		where = append(where, `state = ? AND download <> ? AND (download <> ? OR `+hasMissing+`)`)
		args = append(args, StateSuccess, DownloadWaiting, DownloadDone)
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

// Matches reports whether List would return r for q (paging aside). It is
// the same rule as where(), in Go.
func (q Query) Matches(r Record) bool {
	if text := strings.TrimSpace(q.Text); text != "" && !idEqual(r.TaskID, text) && !wordsMatch(r.Request.Prompt+"\n"+r.Title, text) {
		return false
	}
	if len(q.States) > 0 && !slices.Contains(q.States, r.State) {
		return false
	}
	success := r.State == StateSuccess
	missing := slices.ContainsFunc(r.Files, func(f File) bool { return f.Missing })
	switch q.View {
	case ViewInProgress:
		if slices.Contains(finalStates, r.State) && !(success && r.Download == DownloadWaiting) {
			return false
		}
	case ViewDownloaded:
		if !success || r.Download != DownloadDone || missing {
			return false
		}
	case ViewAttention:
		if !slices.Contains(attentionStates, r.State) && !(success && (r.Download == DownloadFailed || r.Download == DownloadPaused)) && !missing {
			return false
		}
	}
	if q.Model != "" && r.Request.Model != q.Model {
		return false
	}
	if q.Favourites && !r.Favourite {
		return false
	}
	if q.Tag != "" && !slices.Contains(r.Tags, normalizeTag(q.Tag)) {
		return false
	}
	if q.NotDownloaded && !(success && r.Download != DownloadWaiting && (r.Download != DownloadDone || missing)) {
		return false
	}
	created := r.CreatedAt.UnixMilli()
	if !q.From.IsZero() && created < q.From.UnixMilli() {
		return false
	}
	if !q.To.IsZero() && created >= q.To.UnixMilli() {
		return false
	}
	return q.Trash == r.Trashed()
}

// orderBy is the ORDER BY of List. Before mirrors it.
func (q Query) orderBy() string {
	if q.OldestFirst {
		return ` ORDER BY created_at ASC, id ASC`
	}
	return ` ORDER BY created_at DESC, id DESC`
}

// Before reports whether a comes before b in the order List returns.
func (q Query) Before(a, b Record) bool {
	ac, bc := a.CreatedAt.UnixMilli(), b.CreatedAt.UnixMilli()
	if ac == bc {
		ac, bc = a.ID, b.ID
	}
	if q.OldestFirst {
		return ac < bc
	}
	return ac > bc
}

// ftsQuery turns what the user typed into an FTS5 query: every word must
// start a word of the prompt or of the title (each word may be in either). Each word is quoted, so nothing the user
// types is read as FTS5 syntax.
func ftsQuery(text string) string {
	var terms []string
	for _, w := range words(text) {
		terms = append(terms, `"`+strings.ReplaceAll(w, `"`, `""`)+`"*`)
	}
	return strings.Join(terms, " AND ")
}

// wordsMatch is the full-text search of ftsQuery in Go: every word of text
// starts a word of prompt. Text without any word matches nothing.
func wordsMatch(prompt, text string) bool {
	want := words(text)
	if len(want) == 0 {
		return false
	}
	have := words(prompt)
	for _, w := range want {
		if !slices.ContainsFunc(have, func(h string) bool { return strings.HasPrefix(h, w) }) {
			return false
		}
	}
	return true
}

// idEqual compares task ids as SQLite's NOCASE does: ASCII letters
// without case, everything else exactly.
func idEqual(id, text string) bool {
	if id == "" || len(id) != len(text) {
		return false
	}
	for i := 0; i < len(id); i++ {
		a, b := id[i], text[i]
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if 'A' <= b && b <= 'Z' {
			b += 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	return true
}

// List returns records newest first (or oldest first).
func (s *Store) List(ctx context.Context, q Query) ([]Record, error) {
	where, args := q.where()
	limit := q.Limit
	if limit <= 0 {
		limit = 500
	}
	args = append(args, limit, q.Offset)
	return s.query(ctx, `SELECT `+recordColumns+` FROM tasks`+where+q.orderBy()+` LIMIT ? OFFSET ?`, args...)
}

// Count returns how many records List would return without a limit.
func (s *Store) Count(ctx context.Context, q Query) (int, error) {
	where, args := q.where()
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM tasks`+where, args...).Scan(&n)
	return n, err
}
