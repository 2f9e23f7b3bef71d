package store_test

// Benchmarks of the store at the scale of a big library: 100,000 tasks
// next to the same SQL through the sqlite3 command-line tool. Full size
// only with REELHOUSE_BENCH=full.

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/reelhouse/reelhouse/client"
	"github.com/reelhouse/reelhouse/history/library"
	"github.com/reelhouse/reelhouse/history/store"
)

// rareWord is in 1 % of the generated prompts and in no other word.
const rareWord = "zeppelin"

var (
	benchSubjects = []string{"a lighthouse keeper", "an old fisherman", "a red fox", "two children", "a paper boat",
		"a street musician", "a snow leopard", "an astronaut", "a vintage tram", "a hummingbird", "a dancer in silk",
		"a baker at dawn", "a humpback whale", "a cyclist", "a lantern festival crowd", "a tabby cat"}
	benchActions = []string{"walking slowly through", "drifting above", "running across", "resting beside",
		"spinning in", "looking out over", "emerging from", "crossing"}
	benchPlaces = []string{"a foggy harbour", "neon-lit Tokyo streets", "a field of sunflowers", "the Sahara at noon",
		"a misty pine forest", "a frozen lake", "a crowded market in Marrakesh", "the rooftops of Paris",
		"an abandoned greenhouse", "a coral reef"}
	benchStyles = []string{"cinematic, 35mm film grain", "golden hour, soft light", "handheld camera, documentary style",
		"slow motion, shallow depth of field", "aerial drone shot", "watercolour animation", "black and white, high contrast",
		"time-lapse", "macro lens", "wide establishing shot"}
	benchModels = []string{"wan2.1-t2v-turbo", "wan2.1-t2v-plus", "kling-v2-master", "hailuo-02"}
)

// benchPrompt is the prompt of generated task i: realistic, varied, and
// with rareWord in exactly every hundredth.
func benchPrompt(r *rand.Rand, i int) string {
	p := fmt.Sprintf("%s %s %s, %s", benchSubjects[r.IntN(len(benchSubjects))], benchActions[r.IntN(len(benchActions))],
		benchPlaces[r.IntN(len(benchPlaces))], benchStyles[r.IntN(len(benchStyles))])
	if i%100 == 0 {
		p += ", a " + rareWord + " in the sky"
	}
	return p
}

// writeBenchStore creates a store at path with n finished tasks, as a heavy
// user's history after a few years: mostly downloaded, some failed, 10 %
// with 2–4 videos. The rows go in in one transaction, which the store's
// own methods cannot do; the schema is the store's.
func writeBenchStore(tb testing.TB, path string, n int) {
	tb.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, path)
	if err != nil {
		tb.Fatal(err)
	}
	defer s.Close()
	tx, err := store.DBOf(s).BeginTx(ctx, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer tx.Rollback()
	addTask, err := tx.PrepareContext(ctx, `INSERT INTO tasks (id, task_id, model, prompt, request, state, created_at, updated_at,
		server_created, server_updated, server_completed, download, favourite) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		tb.Fatal(err)
	}
	addFile, err := tx.PrepareContext(ctx, `INSERT INTO files (task_row, idx, path, size, sha256, duration_ms, width, height,
		frame_rate, video_codec, media_state) VALUES (?, ?, ?, ?, ?, 5000, 1280, 720, 24, 'h264', 'ok')`)
	if err != nil {
		tb.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		req := client.CreateRequest{Model: benchModels[r.IntN(len(benchModels))], Prompt: benchPrompt(r, i),
			Duration: 5, Ratio: "16:9", Resolution: "720p"}
		body, _ := json.Marshal(req)
		created := start.Add(time.Duration(i) * 15 * time.Minute)
		ms := created.UnixMilli()
		state, download := store.StateSuccess, store.DownloadDone
		switch r.IntN(20) {
		case 0:
			state, download = store.StateFailed, store.DownloadNone
		case 1:
			state = store.StateCancelled
			download = store.DownloadNone
		}
		id := int64(i + 1)
		taskID := fmt.Sprintf("task_%016x", r.Uint64())
		if _, err := addTask.ExecContext(ctx, id, taskID, req.Model, req.Prompt, string(body), state, ms, ms+90_000,
			ms, ms+90_000, ms+90_000, download, store.BoolInt(r.IntN(30) == 0)); err != nil {
			tb.Fatal(err)
		}
		if state != store.StateSuccess {
			continue
		}
		videos := 1
		if r.IntN(10) == 0 {
			videos = 2 + r.IntN(3)
		}
		for k := range videos {
			p := library.FileName(created, req.Prompt, taskID, k)
			if _, err := addFile.ExecContext(ctx, id, k, p, 4<<20+r.IntN(1<<20), fmt.Sprintf("%064x", r.Uint64())); err != nil {
				tb.Fatal(err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
}

// TestWriteBenchStore writes the 100,000-task store the whole-app
// benchmarks start with, when REELHOUSE_BENCH_STORE names where.
func TestWriteBenchStore(t *testing.T) {
	path := os.Getenv("REELHOUSE_BENCH_STORE")
	if path == "" {
		t.Skip("REELHOUSE_BENCH_STORE is not set")
	}
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("REELHOUSE_BENCH_TASKS")); err == nil {
		n = v
	}
	writeBenchStore(t, path, n)
}

// sqlText inlines args into query for the sqlite3 tool.
func sqlText(query string, args ...any) string {
	var b strings.Builder
	for _, a := range args {
		before, after, ok := strings.Cut(query, "?")
		if !ok {
			break
		}
		b.WriteString(before)
		switch v := a.(type) {
		case string:
			b.WriteString("'" + strings.ReplaceAll(v, "'", "''") + "'")
		case store.State:
			b.WriteString("'" + string(v) + "'")
		case store.DownloadState:
			b.WriteString("'" + string(v) + "'")
		default:
			fmt.Fprint(&b, v)
		}
		query = after
	}
	b.WriteString(query)
	return b.String()
}

// listSQL is the SQL Store.List runs for q with the ids it returned: the
// page, then the files and tags of its records.
func listSQL(q store.Query, page []store.Record) string {
	where, args := store.QueryWhere(q)
	args = append(args, q.Limit, q.Offset)
	text := sqlText(`SELECT `+store.RecordColumns+` FROM tasks`+where+store.QueryOrderBy(q)+` LIMIT ? OFFSET ?`, args...) + ";\n"
	ids := make([]string, len(page))
	for i, r := range page {
		ids[i] = strconv.FormatInt(r.ID, 10)
	}
	in := strings.Join(ids, ",")
	text += `SELECT ` + store.FileColumns + ` FROM files WHERE task_row IN (` + in + `) ORDER BY task_row, idx;` + "\n"
	text += `SELECT task_row, tag FROM tags WHERE task_row IN (` + in + `) ORDER BY task_row, tag;` + "\n"
	return text
}

// sqlite3 runs script on db with the sqlite3 tool. It returns the wall
// time of the whole process and the sum of the statements' own "real"
// times as .timer reports them.
func sqlite3(tb testing.TB, db, script string) (wall, statements time.Duration) {
	tb.Helper()
	wall, statements, _ = sqlite3First(tb, db, script)
	return wall, statements
}

// sqlite3First is sqlite3 that also returns the first statement's time.
func sqlite3First(tb testing.TB, db, script string) (wall, statements, first time.Duration) {
	tb.Helper()
	start := time.Now()
	cmd := exec.Command("sqlite3", db)
	cmd.Stdin = strings.NewReader(".timer on\n" + script)
	out, err := cmd.CombinedOutput()
	wall = time.Since(start)
	if err != nil || strings.Contains(string(out), "Error") {
		tb.Fatalf("sqlite3: %v\n%.2000s", err, out)
	}
	n := 0
	for line := range strings.Lines(string(out)) {
		if rest, ok := strings.CutPrefix(line, "Run Time: real "); ok {
			f, _, _ := strings.Cut(rest, " ")
			if s, err := strconv.ParseFloat(f, 64); err == nil {
				d := time.Duration(s * float64(time.Second))
				if n == 0 {
					first = d
				}
				statements += d
				n++
			}
		}
	}
	return wall, statements, first
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// BenchmarkStoreScale measures, over 100,000 tasks (tiny: 2,000): open and
// the first page of 200, a full-text search for a word in 1 % of the
// prompts, a filtered page, and one status update; each alternated with
// the same SQL through sqlite3 on the same file (open+page: the whole
// sqlite3 process; the others: the statements' time as sqlite3 reports).
func BenchmarkStoreScale(b *testing.B) {
	if _, err := exec.LookPath("sqlite3"); err != nil {
		if benchFull() {
			b.Fatal("sqlite3 is needed for the reference: ", err)
		}
		b.Skip("no sqlite3: ", err)
	}
	n := pick(100_000, 2_000)
	rounds := pick(7, 1)
	db := filepath.Join(b.TempDir(), "history.db")
	writeBenchStore(b, db, n)
	ctx := context.Background()
	var (
		open, search, filter, update         []float64
		refOpen, refSearch, refFilter, refUp []float64
		firstUpdate, refFirstUp              []float64
	)
	first := store.Query{Limit: 200}
	text := store.Query{Text: rareWord, Limit: 200}
	filtered := store.Query{View: store.ViewDownloaded, Model: benchModels[1], Limit: 200}
	for b.Loop() {
		for round := range rounds {
			t := time.Now()
			s, err := store.Open(ctx, db)
			if err != nil {
				b.Fatal(err)
			}
			page, err := s.List(ctx, first)
			if err != nil || len(page) != 200 {
				b.Fatalf("first page: %d, %v", len(page), err)
			}
			open = append(open, ms(time.Since(t)))

			t = time.Now()
			found, err := s.List(ctx, text)
			if err != nil || len(found) == 0 {
				b.Fatalf("search: %d, %v", len(found), err)
			}
			search = append(search, ms(time.Since(t)))

			t = time.Now()
			fpage, err := s.List(ctx, filtered)
			if err != nil || len(fpage) == 0 {
				b.Fatalf("filtered page: %d, %v", len(fpage), err)
			}
			filter = append(filter, ms(time.Since(t)))

			// The first write after opening restarts the write-ahead log,
			// which SQLite syncs to the disk; the tracker's updates are the
			// ones after it, on the store it keeps open.
			id := int64(1 + (round*7919)%n)
			st := []store.State{store.StateFailed, store.StateSuccess}[round%2]
			t = time.Now()
			if _, err := s.Update(ctx, id, store.Change{State: &st}, time.Now()); err != nil {
				b.Fatal(err)
			}
			firstUpdate = append(firstUpdate, ms(time.Since(t)))
			id2 := int64(1 + (round*7919+4999)%n)
			t = time.Now()
			if _, err := s.Update(ctx, id2, store.Change{State: &st}, time.Now()); err != nil {
				b.Fatal(err)
			}
			update = append(update, ms(time.Since(t)))
			s.Close()

			wall, _ := sqlite3(b, db, listSQL(first, page))
			refOpen = append(refOpen, ms(wall))
			_, stmts := sqlite3(b, db, listSQL(text, found))
			refSearch = append(refSearch, ms(stmts))
			_, stmts = sqlite3(b, db, listSQL(filtered, fpage))
			refFilter = append(refFilter, ms(stmts))
			// sqlite3's .timer counts in whole milliseconds: the first
			// UPDATE, then the mean of many more in the same process.
			script := sqlText("UPDATE tasks SET state = ?, updated_at = ? WHERE id = ?;\n", string(st), time.Now().UnixMilli(), id)
			const more = 50
			for k := range more {
				script += sqlText("UPDATE tasks SET state = ?, updated_at = ? WHERE id = ?;\n",
					string(st), time.Now().UnixMilli(), int64(1+(round*7919+4999+k*101)%n))
			}
			_, stmts, first := sqlite3First(b, db, script)
			refFirstUp = append(refFirstUp, ms(first))
			refUp = append(refUp, ms(stmts-first)/more)
		}
	}
	b.ReportMetric(median(open), "open-page-ms")
	b.ReportMetric(median(refOpen), "sqlite3-open-page-ms")
	b.ReportMetric(median(search), "search-ms")
	b.ReportMetric(median(refSearch), "sqlite3-search-ms")
	b.ReportMetric(median(filter), "filter-ms")
	b.ReportMetric(median(refFilter), "sqlite3-filter-ms")
	b.ReportMetric(median(update), "update-ms")
	b.ReportMetric(median(refUp), "sqlite3-update-ms")
	b.ReportMetric(median(firstUpdate), "first-update-ms")
	b.ReportMetric(median(refFirstUp), "sqlite3-first-update-ms")
}

func benchFull() bool { return os.Getenv("REELHOUSE_BENCH") == "full" }

// pick returns full at full size, else tiny.
func pick[T any](full, tiny T) T {
	if benchFull() {
		return full
	}
	return tiny
}

// median is the middle of xs (nearest rank).
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[min(max(int(float64(len(s))*0.5+0.5)-1, 0), len(s)-1)]
}
