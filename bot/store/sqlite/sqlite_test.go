package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"travelbot/bot/store"
	"travelbot/bot/store/sqlite"
	"travelbot/bot/store/storetest"
)

func open(t *testing.T) store.Store {
	t.Helper()
	db, err := sqlite.OpenDir(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestContract(t *testing.T) {
	storetest.Run(t, open)
}

func TestReopenKeepsDataAndSchema(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlite.OpenDir(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	q := store.Question{ID: "q1", Time: time.Now(), Channel: "http", ChatKind: "http", Outcome: "none", Text: "hello"}
	if err := db.Write(ctx, store.Batch{Questions: []store.Question{q}}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	info, err := os.Stat(filepath.Join(dir, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		t.Errorf("database file mode %v, want no access for group and others", perm)
	}
	db, err = sqlite.OpenDir(ctx, dir)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer db.Close()
	rs, err := db.Records(ctx, store.Filter{})
	if err != nil || len(rs) != 1 || rs[0].Text != "hello" {
		t.Errorf("after reopen: %+v, %v", rs, err)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlite.OpenDir(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw, err := sqlite.Open(ctx, filepath.Join(dir, sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if err := raw.ExecForTest(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, 0)`, sqlite.SchemaVersion+1); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	if db, err := sqlite.OpenDir(ctx, dir); err == nil {
		db.Close()
		t.Fatal("a database from a newer travelbot was opened")
	} else if !strings.Contains(err.Error(), "newer") {
		t.Errorf("error %q does not say the schema is newer", err)
	}
}

func TestRetentionPurgeWithInjectedClock(t *testing.T) {
	ctx := context.Background()
	db := open(t)
	now := time.Date(2026, 2, 20, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	var qs []store.Question
	for _, age := range []time.Duration{45 * day, 31 * day, 29 * day, time.Hour} {
		qs = append(qs, store.Question{ID: age.String(), Time: now.Add(-age), Channel: "telegram", ChatKind: "private", Outcome: "none"})
	}
	if err := db.Write(ctx, store.Batch{Questions: qs}); err != nil {
		t.Fatal(err)
	}
	clock := now
	w := store.NewWriter(db, store.WriterOptions{Retention: 30 * day, Now: func() time.Time { return clock }})
	defer w.Close()
	if err := w.Flush(ctx); err != nil { // the start-up purge has run once Flush returns
		t.Fatal(err)
	}
	ids := func() []string {
		rs, err := db.Records(ctx, store.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out
	}
	if got := ids(); fmt.Sprint(got) != fmt.Sprint([]string{(29 * day).String(), time.Hour.String()}) {
		t.Errorf("after the start-up purge: %v, want the 29-day and 1-hour old questions", got)
	}
	clock = now.Add(2 * day) // the 29-day-old question is now 31 days old
	if n, err := w.PurgeNow(ctx); err != nil || n != 1 {
		t.Errorf("PurgeNow two days later = %d, %v; want 1 row", n, err)
	}
	if got := ids(); len(got) != 1 || got[0] != time.Hour.String() {
		t.Errorf("after two more days: %v", got)
	}
}

// TestKillNineMidWrite runs a child process that writes batches as fast as
// it can, kills it with SIGKILL mid-write, and checks that the store opens
// and holds every batch the child reported committed.
func TestKillNineMidWrite(t *testing.T) {
	if os.Getenv("TRAVELBOT_SQLITE_CHILD") != "" {
		childWriter(os.Getenv("TRAVELBOT_SQLITE_CHILD"))
		return
	}
	if testing.Short() {
		t.Skip("spawns a child process")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillNineMidWrite$")
	cmd.Env = append(os.Environ(), "TRAVELBOT_SQLITE_CHILD="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Read the child's "committed N" lines until it has done some work.
	buf := make([]byte, 0, 4096)
	committed := 0
	for committed < 200 {
		chunk := make([]byte, 512)
		n, err := out.Read(chunk)
		if err != nil {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("child stopped early: %v\n%s", err, buf)
		}
		buf = append(buf, chunk[:n]...)
		lines := strings.Split(string(buf), "\n")
		for _, l := range lines[:len(lines)-1] {
			if v, ok := strings.CutPrefix(l, "committed "); ok {
				committed, _ = strconv.Atoi(v)
			}
		}
		buf = []byte(lines[len(lines)-1])
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	cmd.Wait()

	db, err := sqlite.OpenDir(context.Background(), dir)
	if err != nil {
		t.Fatalf("open after kill -9: %v", err)
	}
	defer db.Close()
	rs, err := db.Records(context.Background(), store.Filter{})
	if err != nil {
		t.Fatalf("read after kill -9: %v", err)
	}
	if len(rs) < committed*10 {
		t.Errorf("%d questions after kill -9, want at least the %d committed", len(rs), committed*10)
	}
	if len(rs)%10 != 0 {
		t.Errorf("%d questions: a batch of 10 was half written", len(rs))
	}
	if db.Write(context.Background(), store.Batch{Questions: []store.Question{{ID: "after", Time: time.Now(), Outcome: "none"}}}) != nil {
		t.Errorf("cannot write after kill -9")
	}
}

func childWriter(dir string) {
	ctx := context.Background()
	db, err := sqlite.OpenDir(ctx, dir)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	for n := 1; ; n++ {
		var b store.Batch
		for i := range 10 {
			b.Questions = append(b.Questions, store.Question{ID: fmt.Sprintf("%d-%d", n, i), Time: time.Now(), Channel: "telegram", Outcome: "none", Text: strings.Repeat("x", 200)})
		}
		if err := db.Write(ctx, b); err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		fmt.Printf("committed %d\n", n)
	}
}

// BenchmarkWriteBatch writes batches of 512 questions, as the Writer does,
// and reports the cost per question.
func BenchmarkWriteBatch(b *testing.B) {
	db, err := sqlite.OpenDir(context.Background(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	n := 0
	for b.Loop() {
		var batch store.Batch
		for i := range 512 {
			batch.Questions = append(batch.Questions, store.Question{ID: fmt.Sprintf("%d-%d", n, i), Time: time.Now(), Channel: "telegram", ChatKind: "private",
				UserHash: "0123456789abcdef0123456789abcdef", Text: "where can I rent skis in Cortina", Outcome: "none", Urgency: "none", Language: "en", FAQVersion: "abc",
				Candidates: []store.Candidate{{Entry: "a", Confidence: 0.2}}})
		}
		if err := db.Write(context.Background(), batch); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n*512), "ns/question")
}
