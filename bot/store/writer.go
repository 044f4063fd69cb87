package store

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// WriterOptions configure a Writer. Zero values take the defaults.
type WriterOptions struct {
	QueueSize     int           // records waiting at most; default 16384 (a few MiB at most)
	BatchSize     int           // records per transaction at most; default 512
	FlushInterval time.Duration // how long a record waits at most; default 1s
	// Retention, when positive, makes the Writer purge records older than
	// that: once at start and then every PurgeEvery (default 1h).
	Retention  time.Duration
	PurgeEvery time.Duration
	Now        func() time.Time // default time.Now
	// OnFlush, when set, is told about every batch written: how many
	// records, how long the transaction took, and its error.
	OnFlush func(records int, took time.Duration, err error)
	Logger  *slog.Logger
}

// item is one queued record: a question or an event. Pointers keep the
// queue's buffer small (it is allocated whole when the Writer starts);
// the records themselves exist only while queued.
type item struct {
	q     *Question
	e     *Event
	flush chan struct{} // a Flush marker, not a record
}

// Writer queues records and writes them to a Store in batches on its own
// goroutine, so that the reply path never waits on storage. Add methods
// never block: when the queue is full the record is dropped and counted.
// A Writer is safe for concurrent use.
type Writer struct {
	st      Store
	o       WriterOptions
	queue   chan item
	mu      sync.RWMutex // held for writing only by Close
	closed  bool
	dropped atomic.Uint64
	written atomic.Uint64
	failed  atomic.Uint64
	stop    chan struct{}
	done    chan struct{}
}

// NewWriter starts a Writer on st. Close it to flush and stop.
func NewWriter(st Store, o WriterOptions) *Writer {
	if o.QueueSize <= 0 {
		o.QueueSize = 16384
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 512
	}
	if o.FlushInterval <= 0 {
		o.FlushInterval = time.Second
	}
	if o.PurgeEvery <= 0 {
		o.PurgeEvery = time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	w := &Writer{st: st, o: o, queue: make(chan item, o.QueueSize), stop: make(chan struct{}), done: make(chan struct{})}
	go w.run()
	return w
}

// AddQuestion queues a question. It reports false, and counts a drop, when
// the queue is full or the Writer is closed.
func (w *Writer) AddQuestion(q Question) bool {
	return w.add(item{q: &q})
}

// AddEvent queues an event, like AddQuestion.
func (w *Writer) AddEvent(e Event) bool {
	return w.add(item{e: &e})
}

func (w *Writer) add(it item) bool {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		w.dropped.Add(1)
		return false
	}
	select {
	case w.queue <- it:
		return true
	default:
		w.dropped.Add(1)
		return false
	}
}

// Dropped is how many records were dropped because the queue was full or
// the Writer closed.
func (w *Writer) Dropped() uint64 { return w.dropped.Load() }

// Written is how many records were written.
func (w *Writer) Written() uint64 { return w.written.Load() }

// Failed is how many records were lost to failed writes.
func (w *Writer) Failed() uint64 { return w.failed.Load() }

// Flush waits until every record queued before it is written, or ctx ends.
func (w *Writer) Flush(ctx context.Context) error {
	ch := make(chan struct{})
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		return ErrClosed
	}
	select {
	case w.queue <- item{flush: ch}:
	case <-ctx.Done():
		w.mu.RUnlock()
		return ctx.Err()
	}
	w.mu.RUnlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// PurgeNow deletes records older than the retention now, as the Writer
// does on its own every PurgeEvery. Without a retention it does nothing.
func (w *Writer) PurgeNow(ctx context.Context) (int64, error) {
	if w.o.Retention <= 0 {
		return 0, nil
	}
	n, err := w.st.Purge(ctx, w.o.Now().Add(-w.o.Retention))
	if err != nil {
		return n, fmt.Errorf("store: purge: %w", err)
	}
	return n, nil
}

// Close stops taking records, writes every record already queued, and
// stops the Writer. It does not close the Store. It is safe to call more
// than once.
func (w *Writer) Close() error {
	w.mu.Lock()
	already := w.closed
	w.closed = true
	w.mu.Unlock()
	if !already {
		close(w.stop)
	}
	<-w.done
	return nil
}

func (w *Writer) run() {
	defer close(w.done)
	ctx := context.Background()
	tick := time.NewTicker(w.o.FlushInterval)
	defer tick.Stop()
	purge := time.NewTicker(w.o.PurgeEvery)
	defer purge.Stop()
	w.purge(ctx)
	var b Batch
	var waiting []chan struct{}
	flush := func() {
		if b.Len() > 0 {
			w.write(ctx, b)
			b = Batch{}
		}
		for _, ch := range waiting {
			close(ch)
		}
		waiting = waiting[:0]
	}
	take := func(it item) {
		switch {
		case it.flush != nil:
			waiting = append(waiting, it.flush)
			flush()
		case it.q != nil:
			b.Questions = append(b.Questions, *it.q)
		default:
			b.Events = append(b.Events, *it.e)
		}
		if b.Len() >= w.o.BatchSize {
			flush()
		}
	}
	for {
		select {
		case it := <-w.queue:
			take(it)
		case <-tick.C:
			flush()
		case <-purge.C:
			flush()
			w.purge(ctx)
		case <-w.stop:
			// No Add can run now (Close holds the lock while it marks
			// the Writer closed), so the queue holds all there is.
			for {
				select {
				case it := <-w.queue:
					take(it)
				default:
					flush()
					return
				}
			}
		}
	}
}

func (w *Writer) purge(ctx context.Context) {
	if n, err := w.PurgeNow(ctx); err != nil {
		w.o.Logger.Error("store purge failed", "err", err)
	} else if n > 0 {
		w.o.Logger.Info("store purged expired records", "rows", n, "retention", w.o.Retention.String())
	}
}

// write stores a batch, retrying once: the store ignores what it already
// has, so a retry after a partial failure is safe.
func (w *Writer) write(ctx context.Context, b Batch) {
	start := time.Now()
	err := w.st.Write(ctx, b)
	if err != nil {
		err = w.st.Write(ctx, b)
	}
	if w.o.OnFlush != nil {
		w.o.OnFlush(b.Len(), time.Since(start), err)
	}
	if err != nil {
		w.failed.Add(uint64(b.Len()))
		w.o.Logger.Error("store write failed", "records", b.Len(), "err", err)
		return
	}
	w.written.Add(uint64(b.Len()))
}
