package store

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/reelhouse/reelhouse/client"
)

// Words people type, with accents in both composed and decomposed form,
// mixed case, other scripts, digits and punctuation.
var promptWords = []string{
	"Café", "cafe", "CAFÉ", "cafe\u0301", "caféteria", "naïve", "NAIVE", "Ærø", "Straße", "STRASSE", "façade",
	"Zürich", "zurich", "jalapeño", "crème", "brûlée", "Ωmega", "ωμέγα", "Москва", "москва", "Ёлка", "東京", "東",
	"x²", "über", "ÜBER", "ǡ", "İstanbul", "ﬁsh", "µm", "ſun", "déjà-vu", "l'été", "rock'n'roll", "fox", "FOX",
	"a", "red", "ÆON", "Łódź", "lodz", "Ångström", "angstrom", "9:16", "4K", "🙂", "ok!", "«quoted»",
}

// Texts typed into the search box.
var searchTexts = []string{
	"", "  ", "cafe", "Café", "CAFE", "café", "cafe\u0301", "caf", "cafet", "naive", "naïve", "strasse", "straße",
	"zür", "ZUR", "москва", "МОСК", "ёлка", "елка", "東", "東京", "x", "2", "x²", "ub", "ü", "ist", "istanbul",
	"fish", "ﬁ", "μ", "µ", "sun", "ſ", "deja vu", "déjà", "l'ete", "ete", "rock", "n", "fox red", "red fox", "a",
	"ÆON", "æ", "lodz", "łódź", "ångström", "angstrom", "9", "16", "4k", "!!", "🙂", `"`, "*", "fox OR red",
	"NEAR(fox)", "-fox",
}

type genRecord struct {
	req      client.CreateRequest
	created  time.Time
	taskID   string
	state    State
	download DownloadState
	fav      bool
	tags     []string
	trashed  bool
	files    []bool // missing flags
}

// generateRecords makes n varied records in s and returns them as the
// store reads them back.
func generateRecords(t *testing.T, s *Store, n int, seed uint64) []Record {
	t.Helper()
	ctx := t.Context()
	rng := rand.New(rand.NewPCG(seed, seed))
	states := []State{StateSubmitting, StateUncertain, StateNotSent, StateLost, StateStale, StatePending, StateRunning,
		StateSuccess, StateSuccess, StateSuccess, StateFailed, StateCancelled, "queued_by_service"}
	downloads := []DownloadState{DownloadNone, DownloadWaiting, DownloadDone, DownloadDone, DownloadFailed, DownloadPaused}
	tags := []string{"Sea", "holiday", "Café", "café", "x", "Big Sky"}
	models := []string{"wan2.1-t2v-turbo", "doubao-seedance-2", "Doubao-Seedance-2", "m"}
	base := time.Date(2025, 3, 1, 12, 0, 0, 0, time.Local)
	for i := range n {
		var words []string
		for range 1 + rng.IntN(5) {
			words = append(words, promptWords[rng.IntN(len(promptWords))])
		}
		g := genRecord{
			req:     client.CreateRequest{Model: models[rng.IntN(len(models))], Prompt: strings.Join(words, " ")},
			created: base.Add(time.Duration(rng.IntN(400*24)) * time.Hour),
			state:   states[rng.IntN(len(states))],
			fav:     rng.IntN(4) == 0,
			trashed: rng.IntN(8) == 0,
		}
		if i%50 == 1 {
			g.created = base // many tasks at the same moment: order by id
		}
		if g.state != StateSubmitting && g.state != StateNotSent && g.state != StateUncertain {
			g.taskID = fmt.Sprintf("Task-%04d-AbC", i)
		}
		if g.state == StateSuccess {
			g.download = downloads[rng.IntN(len(downloads))]
			for range rng.IntN(4) {
				g.files = append(g.files, rng.IntN(5) == 0)
			}
		}
		for range rng.IntN(3) {
			g.tags = append(g.tags, tags[rng.IntN(len(tags))])
		}
		rec, err := s.AddSubmission(ctx, g.req, g.created)
		if err != nil {
			t.Fatal(err)
		}
		c := Change{State: &g.state, Favourite: &g.fav, Tags: &g.tags}
		if g.taskID != "" {
			c.TaskID = &g.taskID
		}
		if g.download != "" {
			c.Download = &g.download
		}
		if g.trashed {
			c.TrashedAt = &g.created
		}
		if rng.IntN(3) == 0 {
			title := promptWords[rng.IntN(len(promptWords))]
			c.Title = &title
		}
		if _, err := s.Update(ctx, rec.ID, c, g.created); err != nil {
			t.Fatal(err)
		}
		for j, missing := range g.files {
			if err := s.PutFile(ctx, rec.ID, File{Index: j, Path: fmt.Sprintf("v/%d-%d.mp4", rec.ID, j), Missing: missing}); err != nil {
				t.Fatal(err)
			}
		}
	}
	all, err := s.List(ctx, Query{Limit: n + 1})
	if err != nil {
		t.Fatal(err)
	}
	trash, err := s.List(ctx, Query{Trash: true, Limit: n + 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(all)+len(trash) != n {
		t.Fatalf("read back %d records, want %d", len(all)+len(trash), n)
	}
	return append(all, trash...)
}

// TestQueryMatchesAgreesWithSQL runs the same queries through the store's
// SQL and through Query.Matches and Query.Before, over generated records,
// and compares the ids and their order.
func TestQueryMatchesAgreesWithSQL(t *testing.T) {
	t.Parallel()
	s, _ := openTestStore(t)
	const n = 2000
	recs := generateRecords(t, s, n, 7)
	ids := make([]string, 0, 20)
	for _, r := range recs {
		if r.TaskID != "" && len(ids) < 20 {
			ids = append(ids, r.TaskID, strings.ToLower(r.TaskID), strings.ToUpper(r.TaskID)+" ", r.TaskID[:6])
		}
	}
	texts := append(slices.Clone(searchTexts), ids...)
	views := []View{ViewAll, ViewInProgress, ViewDownloaded, ViewAttention}
	stateSets := [][]State{nil, {StateSuccess}, {StateFailed, StateLost, "queued_by_service"}}
	base := time.Date(2025, 3, 1, 12, 0, 0, 0, time.Local)

	rng := rand.New(rand.NewPCG(1, 2))
	var queries []Query
	for _, text := range texts {
		for _, v := range views {
			queries = append(queries, Query{Text: text, View: v, Trash: rng.IntN(6) == 0, OldestFirst: rng.IntN(2) == 0})
		}
	}
	for range 250 {
		q := Query{
			Text:          texts[rng.IntN(len(texts))],
			View:          views[rng.IntN(len(views))],
			States:        stateSets[rng.IntN(len(stateSets))],
			Favourites:    rng.IntN(3) == 0,
			NotDownloaded: rng.IntN(3) == 0,
			Trash:         rng.IntN(5) == 0,
			OldestFirst:   rng.IntN(2) == 0,
		}
		if rng.IntN(3) == 0 {
			q.Text = ""
		}
		switch rng.IntN(4) {
		case 0:
			q.Model = []string{"wan2.1-t2v-turbo", "doubao-seedance-2", "m", "nope"}[rng.IntN(4)]
		case 1:
			q.Tag = []string{"sea", "SEA", "Café", "big  sky", "none"}[rng.IntN(5)]
		}
		if rng.IntN(3) == 0 {
			q.From = base.Add(time.Duration(rng.IntN(400*24)) * time.Hour)
		}
		if rng.IntN(3) == 0 {
			q.To = base.Add(time.Duration(rng.IntN(400*24)) * time.Hour)
		}
		if rng.IntN(10) == 0 {
			q.From, q.To = base, base.Add(time.Millisecond) // the tasks of one moment
		}
		queries = append(queries, q)
	}
	// Every filter on its own, so that none is only ever seen combined.
	queries = append(queries, Query{NotDownloaded: true}, Query{Favourites: true}, Query{Tag: "holiday"},
		Query{Model: "m"}, Query{Trash: true}, Query{States: []State{StatePending}}, Query{From: base.AddDate(0, 6, 0)})

	matched := 0
	for _, q := range queries {
		where, args := q.where()
		sqlIDs, err := s.strings(t.Context(), `SELECT id FROM tasks`+where+q.orderBy(), args...)
		if err != nil {
			t.Fatalf("%+v: %v", q, err)
		}
		var goRecs []Record
		for _, r := range recs {
			if q.Matches(r) {
				goRecs = append(goRecs, r)
			}
		}
		slices.SortFunc(goRecs, func(a, b Record) int {
			if q.Before(a, b) {
				return -1
			}
			return 1
		})
		goIDs := make([]string, len(goRecs))
		for i, r := range goRecs {
			goIDs[i] = fmt.Sprint(r.ID)
		}
		if !slices.Equal(sqlIDs, goIDs) {
			t.Errorf("query %+v: SQL finds %d records, Matches %d; first difference %s", q, len(sqlIDs), len(goIDs), firstDiff(sqlIDs, goIDs, recs))
		}
		if len(sqlIDs) > 0 {
			matched++
		}
	}
	// The queries must not be trivially empty.
	if matched < len(queries)/2 {
		t.Errorf("only %d of %d queries matched anything", matched, len(queries))
	}
}

func firstDiff(sqlIDs, goIDs []string, recs []Record) string {
	for i := range max(len(sqlIDs), len(goIDs)) {
		var a, b string
		if i < len(sqlIDs) {
			a = sqlIDs[i]
		}
		if i < len(goIDs) {
			b = goIDs[i]
		}
		if a != b {
			describe := func(id string) string {
				for _, r := range recs {
					if fmt.Sprint(r.ID) == id {
						return fmt.Sprintf("%s %q %s %s files %v trash %v", id, r.Request.Prompt, r.State, r.Download, r.Files, r.Trashed())
					}
				}
				return "none"
			}
			return fmt.Sprintf("at %d: SQL %s, Go %s", i, describe(a), describe(b))
		}
	}
	return ""
}

// TestSearchFindsTitles finds a video by a word of the title the user gave
// it, after a title change, and after the database is opened again.
func TestSearchFindsTitles(t *testing.T) {
	t.Parallel()
	s, _ := openTestStore(t)
	ctx := t.Context()
	rec, err := s.AddSubmission(ctx, client.CreateRequest{Model: "m", Prompt: "waves on rocks at dusk"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	find := func(text string) int {
		t.Helper()
		q := Query{Text: text}
		got, err := s.List(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		r, err := s.Get(ctx, rec.ID)
		if err != nil {
			t.Fatal(err)
		}
		if q.Matches(r) != (len(got) == 1) {
			t.Errorf("%q: the store finds %d, Matches says %v", text, len(got), q.Matches(r))
		}
		return len(got)
	}
	title := "Opening Shot für Lena"
	if _, err := s.Update(ctx, rec.ID, Change{Title: &title}, time.Now()); err != nil {
		t.Fatal(err)
	}
	for text, want := range map[string]int{"opening": 1, "fur len": 1, "dusk shot": 1, "waves": 1, "closing": 0} {
		if got := find(text); got != want {
			t.Errorf("search %q found %d, want %d", text, got, want)
		}
	}
	title = "Closing"
	if _, err := s.Update(ctx, rec.ID, Change{Title: &title}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if find("opening") != 0 || find("closing") != 1 {
		t.Error("a changed title is not searched as it now is")
	}
}

// TestTitleMigrationKeepsSearch opens a history made before titles
// existed: its prompts are still found, and a title given afterwards too.
func TestTitleMigrationKeepsSearch(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "history.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	const before = 6 // the schema before titles
	steps := append(slices.Clone(migrations[:before]), `CREATE TABLE schema_version (version INTEGER NOT NULL)`,
		fmt.Sprintf(`INSERT INTO schema_version (version) VALUES (%d)`, before),
		`INSERT INTO tasks (id, task_id, model, prompt, request, state, created_at, updated_at)
		VALUES (1, 'old-task', 'm', 'an old lighthouse', '{"model":"m","prompt":"an old lighthouse"}', 'success', 1719000000000, 1719000000000)`)
	for _, q := range steps {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got, err := s.List(ctx, Query{Text: "lighth"}); err != nil || len(got) != 1 || got[0].Title != "" {
		t.Fatalf("the old prompt after the upgrade: %+v (%v)", got, err)
	}
	title := "Keeper"
	if _, err := s.Update(ctx, 1, Change{Title: &title}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if got, err := s.List(ctx, Query{Text: "keep"}); err != nil || len(got) != 1 {
		t.Errorf("the new title after the upgrade: %d found (%v)", len(got), err)
	}
}

// A search reads only the rows its words or task id matched: SQLite must
// not walk the whole history by date testing each row, which took tens of
// milliseconds with 100,000 tasks.
func TestSearchStartsFromWhatMatched(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, q := range []Query{{Text: "zeppelin", Limit: 200}, {Text: "task-ABC", Limit: 200}, {Text: "zeppelin", OldestFirst: true, Limit: 200}} {
		where, args := q.where()
		args = append(args, q.Limit, q.Offset)
		rows, err := s.db.QueryContext(ctx, `EXPLAIN QUERY PLAN SELECT `+recordColumns+` FROM tasks`+where+q.orderBy()+` LIMIT ? OFFSET ?`, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		for _, step := range plan {
			if step == "SCAN tasks" || strings.HasPrefix(step, "SCAN tasks ") {
				t.Errorf("%q: the plan walks the history (%s):\n%s", q.Text, step, strings.Join(plan, "\n"))
			}
		}
	}
}
