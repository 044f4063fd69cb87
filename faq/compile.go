package faq

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
)

// Default thresholds. They are calibrated so that a confidence means the same
// on a small FAQ as on a large one; see matcher.go.
const (
	DefaultAnswerThreshold  = 0.25
	DefaultClarifyThreshold = 0.15
)

// Table is a compiled, immutable intent table. All methods are safe for
// concurrent use; nothing in a Table changes after Compile returns.
type Table struct {
	faq        *Document
	entries    []*Entry
	byID       map[string]*Entry
	sources    map[string]*Source
	emergency  *Entry
	version    string
	thresholds Thresholds
	m          *matcher
	suggest    suggestIndex
}

// Option adjusts how Compile builds a table.
type Option func(*compileOptions)

type compileOptions struct {
	thresholds Thresholds
	workers    int
	low        bool
	epochs     int // training epochs; 0: as many as defaultTrainParams gives (tests train fewer)
}

// WithThresholds overrides the thresholds (zero fields keep the FAQ's own or
// the defaults). Operators set these from config.
func WithThresholds(t Thresholds) Option {
	return func(o *compileOptions) { o.thresholds = t }
}

// WithWorkers bounds the goroutines that train the classifier to n; n <= 0
// (the default) means GOMAXPROCS, up to four. The table is the same
// whatever n is: only the time and the cores it takes change. A reload
// beside the matcher uses fewer (ReloadWorkers) so that questions keep a
// core; start-up, with nothing to serve yet, may use them all.
func WithWorkers(n int) Option {
	return func(o *compileOptions) { o.workers = n }
}

// WithLowPriority compiles on an OS thread of lower scheduling priority (on
// Linux; elsewhere it does nothing), so that on a contended machine the
// matcher's threads get the cores first. Only the goroutine that compiles
// is lowered: training workers beyond the first (WithWorkers) are not.
func WithLowPriority() Option {
	return func(o *compileOptions) { o.low = true }
}

// ReloadWorkers is the training parallelism a Reloader compiles with:
// half of GOMAXPROCS, at least one.
func ReloadWorkers() int { return max(1, runtime.GOMAXPROCS(0)/2) }

// Compile turns a validated FAQ into an intent table: it normalises and
// indexes every phrasing and trains the classifier. It does not modify f and
// the table does not share mutable state with it. It fails only on an FAQ
// that has no entries or whose thresholds are out of range. Its time and
// memory grow with the FAQ's phrasings, which Parse caps (MaxPhrasings,
// MaxFeatures); see the README for the cost per 10,000 phrasings.
func Compile(f *Document, opts ...Option) (*Table, error) {
	return CompileContext(context.Background(), f, opts...)
}

// CompileContext is Compile, given up when ctx ends: feature extraction
// and training look at ctx every few hundred phrasings, and once it has
// ended CompileContext returns its error (wrapped, with the cause) with
// every goroutine it started ended and nothing of the half-built table
// kept, so a cancelled compile frees its cores and memory promptly. Only
// the first compile of a process also trains the built-in emergency
// detector, which runs to its end.
func CompileContext(ctx context.Context, f *Document, opts ...Option) (*Table, error) {
	return compile(ctx, f, opts...)
}

func compile(ctx context.Context, f *Document, opts ...Option) (*Table, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("compile: %w", context.Cause(ctx))
	}
	if f == nil || len(f.Entries) == 0 {
		return nil, errors.New("compile: the FAQ has no entries")
	}
	var o compileOptions
	for _, opt := range opts {
		opt(&o)
	}
	if o.low {
		var t *Table
		var err error
		runLowPriority(func() { t, err = build(ctx, f, o) })
		return t, err
	}
	return build(ctx, f, o)
}

// build is compile once the options are known.
func build(ctx context.Context, f *Document, o compileOptions) (*Table, error) {
	th := Thresholds{Answer: DefaultAnswerThreshold, Clarify: DefaultClarifyThreshold}
	if f.Thresholds != nil {
		th = th.merge(*f.Thresholds)
	}
	th = th.merge(o.thresholds)
	if !(th.Clarify >= 0 && th.Clarify <= th.Answer && th.Answer <= 1) { // NaN fails too
		return nil, fmt.Errorf("compile: thresholds must satisfy 0 <= clarify (%g) <= answer (%g) <= 1", th.Clarify, th.Answer)
	}

	cp := cloneFAQ(f)
	t := &Table{
		faq:        cp,
		byID:       make(map[string]*Entry, len(cp.Entries)),
		sources:    make(map[string]*Source, len(cp.Sources)),
		thresholds: th,
		version:    hashFAQ(cp),
	}
	for i := range cp.Entries {
		e := &cp.Entries[i]
		t.entries = append(t.entries, e)
		t.byID[e.ID] = e
		if t.emergency == nil && e.HasTag(TagEmergency) {
			t.emergency = e
		}
	}
	for i := range cp.Sources {
		t.sources[cp.Sources[i].ID] = &cp.Sources[i]
	}
	p := defaultTrainParams
	if o.epochs > 0 {
		p.minEpoch, p.maxEpoch = o.epochs, o.epochs
	}
	m, err := newMatcher(ctx, cp, t.entries, p, o.workers)
	if err != nil {
		return nil, fmt.Errorf("compile: %w", err)
	}
	t.m = m
	t.suggest = newSuggestIndex(t.entries)
	return t, nil
}

func (t Thresholds) merge(o Thresholds) Thresholds {
	if o.Answer != 0 {
		t.Answer = o.Answer
	}
	if o.Clarify != 0 {
		t.Clarify = o.Clarify
	}
	return t
}

// cloneFAQ deep-copies the parts of f a table keeps, so later edits to f by
// the caller cannot reach a table that is serving.
func cloneFAQ(f *Document) *Document {
	cp := *f
	cp.Sources = append([]Source(nil), f.Sources...)
	cp.Entries = make([]Entry, len(f.Entries))
	for i, e := range f.Entries {
		e.Alternates = append([]string(nil), e.Alternates...)
		e.Citations = append([]Citation(nil), e.Citations...)
		e.Tags = append([]string(nil), e.Tags...)
		e.FollowUps = append([]string(nil), e.FollowUps...)
		cp.Entries[i] = e
	}
	if f.Synonyms != nil {
		cp.Synonyms = make([][]string, len(f.Synonyms))
		for i, s := range f.Synonyms {
			cp.Synonyms[i] = append([]string(nil), s...)
		}
	}
	cp.Negatives = append([]string(nil), f.Negatives...)
	cp.Warnings = append([]Problem(nil), f.Warnings...)
	return &cp
}

// hashFAQ is the content version: the same content always gives the same
// version, whatever file it came from or how it was formatted.
func hashFAQ(f *Document) string {
	b, err := json.Marshal(struct {
		Version    int
		About      string
		Sources    []Source
		Entries    []Entry
		Synonyms   [][]string
		Negatives  []string
		Thresholds *Thresholds
	}{f.Version, f.About, f.Sources, f.Entries, f.Synonyms, f.Negatives, f.Thresholds})
	if err != nil { // plain strings and numbers always marshal
		panic("faq: hashing: " + err.Error())
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// Version is a short content hash of the FAQ the table was compiled from:
// VersionOf the document given to Compile.
func (t *Table) Version() string { return t.version }

// VersionOf is the Version a table compiled from f has (whatever the
// compile options), without compiling: a hash of f's content, which costs
// a small fraction of a compile. A reload uses it to skip content that is
// already serving, and a replica to ask the database whether it knows a
// file version, without building a table only to learn its name.
func VersionOf(f *Document) string {
	// Hash what Compile hashes: its clone of f, whose empty lists are
	// spelled the same whatever the loader produced.
	return hashFAQ(cloneFAQ(f))
}

// File is the name the FAQ was loaded from ("" for an in-memory FAQ).
func (t *Table) File() string { return t.faq.File }

// Len is the number of entries.
func (t *Table) Len() int { return len(t.entries) }

// Entries returns the entries in file order. The caller must not modify them.
func (t *Table) Entries() []*Entry { return t.entries }

// Entry returns the entry with the given id, or nil.
func (t *Table) Entry(id string) *Entry { return t.byID[id] }

// Source returns the source with the given id, or nil.
func (t *Table) Source(id string) *Source { return t.sources[id] }

// Emergency returns the first entry tagged "emergency", or nil when the FAQ
// has none (callers then show a built-in 112 line).
func (t *Table) Emergency() *Entry { return t.emergency }

// Thresholds returns the thresholds in force.
func (t *Table) Thresholds() Thresholds { return t.thresholds }

// Warnings returns the non-fatal problems found when the FAQ was loaded.
func (t *Table) Warnings() []Problem { return t.faq.Warnings }

// About is the FAQ's own one-sentence description of what it covers ("" if
// it has none).
func (t *Table) About() string { return t.faq.About }
