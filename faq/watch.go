package faq

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"

	"travelbot/internal/retry"
)

// Watcher calls a reload function when the content of an FAQ file changes.
//
// It watches the file's directory, not the file: editors that save by
// writing a temporary file and renaming it over the original replace the
// file (a watch on the old one would go quiet), and a Kubernetes ConfigMap
// volume swaps a "..data" symlink in the directory, with the file itself a
// symlink through it. A missing file (halfway through a swap) or an
// unreadable one is logged and waited out; when a directory watch is lost,
// it is re-added with backoff.
//
// It hands over only content that has stopped changing, since a reload of
// a half-written file would serve what is left of it:
//   - the file must look the same (size, mtime and content) at two checks
//     one debounce interval apart, with no event in between;
//   - on Linux, no process may still have it open for writing (asked with
//     a read lease, which the kernel grants only then);
//   - it must end with a newline, as every editor and generator writes it:
//     a write cut short (cp onto a full disk stops at a block boundary)
//     almost never does;
//   - it must not be a strict prefix of a longer version seen since the last
//     hand-over (a file being rewritten in place, caught mid-way).
//
// Refused content is logged and the last good FAQ keeps serving; a reload
// by SIGHUP, HTTP or chat loads it anyway. The Watcher does not remember
// what it handed over: the Reloader compares what it loads with what is
// serving, so content seen before (B, then A by SIGHUP, then B again) is
// reloaded. Reads are bounded as ReadFile's: no FIFO, device or file over
// MaxFileSize is ever read. The content checked travels with the context
// reload is called with (WatchedContent), so the load need not read the
// file again.
type Watcher struct {
	path     string // absolute; may be a symlink
	dir      string // the directory of path, watched always
	base     string
	debounce time.Duration
	reload   func(context.Context)
	log      *slog.Logger
	fs       *fsnotify.Watcher

	// Only Run's goroutine touches these after NewWatcher returns.
	watched    map[string]bool // directories with a watch
	targetDir  string          // where path resolves, when that is another directory
	targetBase string
	pending    snapshot // the file at the last check, to compare with the next
	longest    []byte   // the longest content seen changing since the last hand-over

	checked func(checkOutcome) // tests: called after every check
}

// checkOutcome is what one check did.
type checkOutcome int

const (
	checkUnreadable checkOutcome = iota // missing, unreadable, not a regular file, too big
	checkWriting                        // a writer still has it open
	checkChanging                       // it changed since the last check
	checkMidLine                        // refused: it ends mid-line
	checkPrefix                         // refused: a prefix of a longer version
	checkHandedOver                     // reload was called
)

// snapshot is what a check saw of the file.
type snapshot struct {
	size  int64
	mtime time.Time
	sum   [sha256.Size]byte
}

// NewWatcher starts watching the directory of path: changes made after it
// returns are seen by Run. reload is called from Run's goroutine, one call at
// a time, with Run's context. Call Run once to deliver changes; it releases
// the watch when it returns. Close releases it when Run is never called.
func NewWatcher(path string, debounce time.Duration, reload func(context.Context), log *slog.Logger) (*Watcher, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("watch %s: %w", path, err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	fs, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch %s: %w", path, err)
	}
	w := &Watcher{
		path: abs, dir: filepath.Dir(abs), base: filepath.Base(abs),
		debounce: debounce, reload: reload, log: log.With("file", abs), fs: fs,
		watched: make(map[string]bool),
	}
	if err := w.sync(); err != nil && !w.watched[w.dir] {
		fs.Close()
		return nil, fmt.Errorf("watch %s: %w", w.dir, err)
	}
	if _, snap, err := w.read(); err == nil {
		w.pending = snap
	}
	return w, nil
}

// Close releases the watch without running; after Run it does nothing.
func (w *Watcher) Close() error { return w.fs.Close() }

// Retry delays for a directory watch that could not be (re-)added: the
// project's backoff (internal/retry) from minRetry doubling to maxRetry.
const (
	minRetry = 100 * time.Millisecond
	maxRetry = 30 * time.Second
)

// Run delivers changes until ctx is done, then releases the watch and
// returns nil. Errors along the way are logged and watching goes on.
func (w *Watcher) Run(ctx context.Context) error {
	defer w.fs.Close()
	settle := time.NewTimer(time.Hour)
	settle.Stop()
	defer settle.Stop()
	rewatch := time.NewTimer(time.Hour)
	rewatch.Stop()
	defer rewatch.Stop()
	failures := retry.New(minRetry, maxRetry)

	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.fs.Events:
			if !ok {
				return nil
			}
			if w.watched[ev.Name] && ev.Has(fsnotify.Remove|fsnotify.Rename) {
				// A watched directory itself went away (or moved): its
				// watch is gone or points elsewhere; the next check
				// re-adds what exists.
				_ = w.fs.Remove(ev.Name)
				delete(w.watched, ev.Name)
			}
			if w.relevant(ev.Name) {
				settle.Reset(w.debounce)
			}
		case err, ok := <-w.fs.Errors:
			if !ok {
				return nil
			}
			w.log.Warn("faq watch: event error; checking the file", "err", err)
			settle.Reset(w.debounce)
		case <-settle.C:
			again, err := w.check(ctx)
			if again {
				settle.Reset(w.debounce)
			}
			if err != nil {
				d := failures.NextBackOff()
				w.log.Warn("faq watch: cannot watch; retrying", "err", err, "retry_in", d)
				rewatch.Reset(d)
			} else {
				failures.Reset()
			}
		case <-rewatch.C:
			settle.Reset(0)
		}
	}
}

// relevant reports whether an event on name may change what path resolves
// to: path itself, the file it resolves to, or a name starting with ".."
// (the ConfigMap's "..data" link and its timestamped directories).
func (w *Watcher) relevant(name string) bool {
	dir, base := filepath.Dir(name), filepath.Base(name)
	switch {
	case w.watched[name]:
		return true
	case dir == w.dir:
		return base == w.base || strings.HasPrefix(base, "..") || (w.targetDir == "" && base == w.targetBase)
	case dir == w.targetDir:
		return base == w.targetBase
	}
	return false
}

// check brings the directory watches up to date and hands the file over
// to reload once it has stopped changing. again asks for another check
// after the debounce interval (the file was still changing); the error says
// a watch is missing and needs a retry.
func (w *Watcher) check(ctx context.Context) (again bool, watchErr error) {
	watchErr = w.sync()
	data, snap, err := w.read()
	var outcome checkOutcome
	switch {
	case errors.Is(err, errStillWriting):
		outcome = checkWriting
		w.log.Debug("faq watch: the file is still open for writing; waiting")
		again = true
	case err != nil:
		outcome = checkUnreadable
		w.log.Warn("faq watch: cannot read the file; still serving the last good FAQ", "err", err)
	case snap != w.pending:
		outcome = checkChanging
		// Changed since the last look: wait for it to stay put.
		w.pending = snap
		if len(data) > len(w.longest) {
			w.longest = data
		}
		again = true
	case len(data) > 0 && data[len(data)-1] != '\n':
		outcome = checkMidLine
		w.log.Warn("faq watch: the file ends mid-line, as a write cut short does; not loading it (save it with a final newline, or reload by SIGHUP or the admin call)", "bytes", len(data))
	case len(data) < len(w.longest) && bytes.HasPrefix(w.longest, data):
		outcome = checkPrefix
		w.log.Warn("faq watch: the file is a strict prefix of a longer version seen during the write; not loading it (reload by SIGHUP or the admin call to load it anyway)", "bytes", len(data), "longest_bytes", len(w.longest))
	default:
		outcome = checkHandedOver
		w.longest = nil
		w.reload(withWatchedContent(ctx, data))
	}
	if w.checked != nil {
		w.checked(outcome)
	}
	return again, watchErr
}

// sync watches the file's directory and, when the file is a symlink into
// another directory, that one too; it drops watches no longer needed.
func (w *Watcher) sync() error {
	want := map[string]bool{w.dir: true}
	w.targetDir, w.targetBase = "", w.base
	if target, err := filepath.EvalSymlinks(w.path); err == nil {
		w.targetBase = filepath.Base(target)
		realDir, _ := filepath.EvalSymlinks(w.dir)
		if td := filepath.Dir(target); td != w.dir && td != realDir {
			w.targetDir = td
			want[td] = true
		}
	}
	for d := range w.watched {
		if !want[d] {
			_ = w.fs.Remove(d)
			delete(w.watched, d)
		}
	}
	var errs []error
	for d := range want {
		if w.watched[d] {
			continue
		}
		if err := w.fs.Add(d); err != nil {
			errs = append(errs, err)
			continue
		}
		w.watched[d] = true
	}
	return errors.Join(errs...)
}

// errStillWriting is read's error for a file some process has open for
// writing.
var errStillWriting = errors.New("the file is open for writing")

// read reads the file as ReadFile does (following symlinks, bounded, never
// a FIFO or a device), unless a writer still has it open.
func (w *Watcher) read() ([]byte, snapshot, error) {
	data, info, err := readFile(w.path, func(f *os.File, _ os.FileInfo) error {
		if open, ok := openForWriting(f); ok && open {
			return errStillWriting
		}
		return nil
	})
	if err != nil {
		return nil, snapshot{}, err
	}
	return data, snapshot{size: info.Size(), mtime: info.ModTime(), sum: sha256.Sum256(data)}, nil
}

type watchedContentKey struct{}

func withWatchedContent(ctx context.Context, data []byte) context.Context {
	return context.WithValue(ctx, watchedContentKey{}, data)
}

// WatchedContent returns the content a Watcher checked (settled, whole)
// before it called reload with ctx, so that the load parses those very
// bytes rather than reading the file again, which could be mid-write by
// then: a load function given to NewReloader calls it first and falls back
// to reading the file when ok is false (a SIGHUP, the admin call).
func WatchedContent(ctx context.Context) (data []byte, ok bool) {
	data, ok = ctx.Value(watchedContentKey{}).([]byte)
	return data, ok
}
