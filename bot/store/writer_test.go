package store_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"travelbot/bot/store"
)

// memStore is a store.Store that keeps batches in memory; block, when set,
// holds every Write until it is closed, and fail makes Writes fail.
type memStore struct {
	store.Store // nil: only Write and Purge are used by a Writer
	mu          sync.Mutex
	batches     []store.Batch
	block       chan struct{}
	fail        error
	purges      []time.Time
}

func (m *memStore) Write(_ context.Context, b store.Batch) error {
	if m.block != nil {
		<-m.block
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	m.batches = append(m.batches, b)
	return nil
}

func (m *memStore) Purge(_ context.Context, before time.Time) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.purges = append(m.purges, before)
	return 0, nil
}

func (m *memStore) total() (questions, events, batches int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, b := range m.batches {
		questions += len(b.Questions)
		events += len(b.Events)
	}
	return questions, events, len(m.batches)
}

func TestWriterBatchesAndFlushesOnClose(t *testing.T) {
	m := &memStore{}
	var flushes []int
	var mu sync.Mutex
	w := store.NewWriter(m, store.WriterOptions{BatchSize: 10, FlushInterval: time.Hour, OnFlush: func(n int, _ time.Duration, err error) {
		mu.Lock()
		defer mu.Unlock()
		if err == nil {
			flushes = append(flushes, n)
		}
	}})
	for i := range 25 {
		if !w.AddQuestion(store.Question{ID: fmt.Sprint(i)}) {
			t.Fatalf("question %d dropped", i)
		}
	}
	w.AddEvent(store.Event{QuestionID: "1", Kind: store.EventVote})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	q, e, b := m.total()
	if q != 25 || e != 1 {
		t.Errorf("written %d questions and %d events, want 25 and 1", q, e)
	}
	if b != 3 {
		t.Errorf("%d batches, want 3 (10, 10, then the rest at Close)", b)
	}
	if w.Written() != 26 || w.Dropped() != 0 {
		t.Errorf("Written %d, Dropped %d", w.Written(), w.Dropped())
	}
	mu.Lock()
	if fmt.Sprint(flushes) != "[10 10 6]" {
		t.Errorf("OnFlush saw %v", flushes)
	}
	mu.Unlock()
	if w.AddQuestion(store.Question{ID: "late"}) || w.Dropped() != 1 {
		t.Errorf("a question added after Close was taken, or not counted dropped")
	}
	if err := w.Flush(context.Background()); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Flush after Close = %v", err)
	}
	w.Close() // twice is fine
}

func TestWriterFullQueueDropsAndCounts(t *testing.T) {
	m := &memStore{block: make(chan struct{})}
	w := store.NewWriter(m, store.WriterOptions{QueueSize: 8, BatchSize: 1, FlushInterval: time.Hour})
	taken := 0
	const n = 100
	for i := range n {
		if w.AddQuestion(store.Question{ID: fmt.Sprint(i)}) {
			taken++
		}
	}
	// The writer holds at most one batch in flight plus the queue.
	if taken > 8+2 {
		t.Errorf("took %d questions with a queue of 8 and a blocked store", taken)
	}
	if int(w.Dropped()) != n-taken {
		t.Errorf("Dropped = %d, want %d", w.Dropped(), n-taken)
	}
	close(m.block)
	w.Close()
	if q, _, _ := m.total(); q != taken {
		t.Errorf("written %d, want every one of the %d taken", q, taken)
	}
}

func TestWriterFlushWaits(t *testing.T) {
	m := &memStore{}
	w := store.NewWriter(m, store.WriterOptions{FlushInterval: time.Hour})
	defer w.Close()
	w.AddQuestion(store.Question{ID: "a"})
	if err := w.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if q, _, _ := m.total(); q != 1 {
		t.Errorf("after Flush %d questions written, want 1", q)
	}
}

func TestWriterCountsFailedWrites(t *testing.T) {
	m := &memStore{fail: errors.New("disk full")}
	w := store.NewWriter(m, store.WriterOptions{FlushInterval: time.Hour})
	w.AddQuestion(store.Question{ID: "a"})
	w.AddEvent(store.Event{QuestionID: "a"})
	w.Close()
	if w.Failed() != 2 || w.Written() != 0 {
		t.Errorf("Failed %d, Written %d; want 2, 0", w.Failed(), w.Written())
	}
}

func TestWriterPurgesWithItsClock(t *testing.T) {
	m := &memStore{}
	now := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	w := store.NewWriter(m, store.WriterOptions{Retention: 30 * 24 * time.Hour, Now: func() time.Time { return now }})
	w.Flush(context.Background())
	w.Close()
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.purges) != 1 || !m.purges[0].Equal(now.Add(-30*24*time.Hour)) {
		t.Errorf("purges = %v, want one at now-30d", m.purges)
	}
}

// BenchmarkWriterBurst adds 10,000 questions at once to a Writer whose store
// takes its time, and reports how many were taken and the heap growth: a
// full queue drops, so memory stays bounded by the queue size.
func BenchmarkWriterBurst(b *testing.B) {
	for b.Loop() {
		m := &memStore{block: make(chan struct{})}
		w := store.NewWriter(m, store.WriterOptions{QueueSize: 4096})
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for i := range 10_000 {
			w.AddQuestion(store.Question{ID: fmt.Sprint(i), Text: "where can i buy a metro ticket in milan"})
		}
		runtime.ReadMemStats(&after)
		close(m.block)
		w.Close()
		q, _, _ := m.total()
		if uint64(q)+w.Dropped() != 10_000 {
			b.Fatalf("written %d + dropped %d != 10000", q, w.Dropped())
		}
		b.ReportMetric(float64(w.Dropped()), "dropped/burst")
		b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/1024, "heap-KiB/burst")
	}
}
