package main

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"travelbot/bot"
	"travelbot/bot/store"
	"travelbot/bot/store/sqlite"
	"travelbot/faq"
	"travelbot/internal/testutil"
)

// benchQuestions are what travelers type, a few with personal data.
var benchQuestions = []string{
	"Is tap water safe to drink in Milan?",
	"which airport is closest to cortina",
	"where can I rent skis in Cortina",
	"what number do I call in an emergency",
	"lost my passport A12345678 what now",
	"call me at +39 333 123 4567 about the shuttle",
	"is the metro open at 23:45 on 10/02/2026?",
	"my email is john.smith@gmail.com, can you send the schedule",
}

func newBenchRecorder(tb testing.TB, queue int) (*recorder, *store.Writer, *sqlite.DB) {
	tb.Helper()
	db, err := sqlite.OpenDir(context.Background(), tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	w := store.NewWriter(db, store.WriterOptions{QueueSize: queue})
	tb.Cleanup(func() { w.Close(); db.Close() })
	return &recorder{w: w, h: store.NewHasher([]byte("0123456789abcdef0123456789abcdef")), logText: true}, w, db
}

// BenchmarkAsk measures the whole reply path with and without the
// learning loop's recorder; the difference of the medians is what
// recording adds to a reply. (The mean also carries the writer goroutine's
// SQLite work, which competes for the CPU on a small machine but never
// holds a reply.)
func BenchmarkAsk(b *testing.B) {
	t, err := loadTable("")
	if err != nil {
		b.Fatal(err)
	}
	for _, on := range []bool{false, true} {
		b.Run(fmt.Sprintf("recorder=%v", on), func(b *testing.B) {
			o := bot.Options{Tables: faq.NewLive(t)}
			if on {
				o.Recorder, _, _ = newBenchRecorder(b, 8192)
			}
			bt := bot.New(o)
			var took []time.Duration
			i := 0
			for b.Loop() {
				m := bot.Message{Channel: "telegram", ChatKind: "private", UserID: "12345", Chat: "12345", Text: benchQuestions[i%len(benchQuestions)]}
				start := time.Now()
				bt.Ask(context.Background(), m)
				took = append(took, time.Since(start))
				i++
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Nanoseconds()), "p50-ns")
		})
	}
}

// BenchmarkRecorderAddedLatency times each Recorder.Question call, the
// whole of what recording adds to a reply (redaction, hashing, the id,
// the queue), and reports the median and the 99th percentile.
func BenchmarkRecorderAddedLatency(b *testing.B) {
	rec, w, _ := newBenchRecorder(b, 8192)
	var took []time.Duration
	i := 0
	for b.Loop() {
		q := bot.QuestionRecord{Time: time.Now(), Channel: "telegram", ChatKind: "private", UserID: "12345", Chat: "12345",
			Text: benchQuestions[i%len(benchQuestions)], Outcome: "none", Urgency: "none", Language: "en", FAQVersion: "v"}
		start := time.Now()
		rec.Question(q)
		took = append(took, time.Since(start))
		i++
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(took[len(took)*99/100].Nanoseconds()), "p99-ns")
	b.ReportMetric(float64(w.Dropped()), "dropped")
}

// TestBurstIsRecordedOrCounted sends 10,000 questions at once from several
// goroutines: every one is written or counted as dropped, none is lost,
// and the heap grows by no more than the queue's bound allows. Under the
// race detector, which makes each question many times slower and needs no
// volume to see a race, 2,000.
func TestBurstIsRecordedOrCounted(t *testing.T) {
	n, queue := 10_000, 0 // the default queue, as serve uses
	if testutil.Race {
		n = 2_000
	}
	rec, w, db := newBenchRecorder(t, queue)
	var before, peak runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := g; i < n; i += 8 {
				rec.Question(bot.QuestionRecord{Time: time.Now(), Channel: "telegram", ChatKind: "group", UserID: fmt.Sprint(i % 97), Text: benchQuestions[i%len(benchQuestions)], Outcome: "none"})
			}
		})
	}
	wg.Wait()
	runtime.ReadMemStats(&peak)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	rs, err := db.Records(context.Background(), store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if got := uint64(len(rs)) + w.Dropped(); got != uint64(n) || w.Failed() != 0 {
		t.Errorf("%d written + %d dropped = %d, failed %d; want %d", len(rs), w.Dropped(), got, w.Failed(), n)
	}
	// A queued question is a few hundred bytes and the queue holds at most
	// 16384 of them: growth past 16 MiB would mean it is not bounded.
	if grew := int64(peak.HeapAlloc) - int64(before.HeapAlloc); grew > 16<<20 {
		t.Errorf("the heap grew by %d MiB during the burst", grew>>20)
	}
	t.Logf("burst of %d: %d written, %d dropped", n, len(rs), w.Dropped())
}
