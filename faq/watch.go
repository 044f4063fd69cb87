package faq

import (
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
)

// Watcher calls a reload function when the content of an FAQ file changes.
//
// It watches the file's directory, not the file: editors that save by
// writing a temporary file and renaming it over the original replace the
// file (a watch on the old one would go quiet), and a Kubernetes ConfigMap
// volume swaps a "..data" symlink in the directory, with the file itself a
// symlink through it. After a burst of events has been quiet for the
// debounce interval, the Watcher hashes the file as it resolves now and
// calls reload only when the content differs from the last content it saw.
// A missing file (halfway through a swap) or an unreadable one is logged and
// waited out; when a directory watch is lost, it is re-added with backoff.
type Watcher struct {
	path     string // absolute; may be a symlink
	dir      string // the directory of path, watched always
	base     string
	debounce time.Duration
	reload   func()
	log      *slog.Logger
	fs       *fsnotify.Watcher

	// Only Run's goroutine touches these after NewWatcher returns.
	watched    map[string]bool // directories with a watch
	targetDir  string          // where path resolves, when that is another directory
	targetBase string
	last       [sha256.Size]byte // content last seen; zero when never read

	checked func() // tests: called after every check
}

// NewWatcher starts watching the directory of path: changes made after it
// returns are seen by Run. reload is called from Run's goroutine, one call at
// a time. Call Run once to deliver changes; it releases the watch when it
// returns. Close releases it when Run is never called.
func NewWatcher(path string, debounce time.Duration, reload func(), log *slog.Logger) (*Watcher, error) {
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
	w.last, _ = w.sum()
	return w, nil
}

// Close releases the watch without running; after Run it does nothing.
func (w *Watcher) Close() error { return w.fs.Close() }

// Retry delays for a directory watch that could not be (re-)added.
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
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	defer retry.Stop()
	backoff := minRetry

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
			if err := w.check(); err != nil {
				w.log.Warn("faq watch: cannot watch; retrying", "err", err, "retry_in", backoff)
				retry.Reset(backoff)
				backoff = min(2*backoff, maxRetry)
			} else {
				backoff = minRetry
			}
		case <-retry.C:
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

// check brings the directory watches up to date and calls reload when the
// content changed. Its error says a watch is missing and needs a retry.
func (w *Watcher) check() error {
	watchErr := w.sync()
	sum, err := w.sum()
	switch {
	case err != nil:
		w.log.Warn("faq watch: cannot read the file; still serving the last good FAQ", "err", err)
	case sum != w.last:
		w.last = sum
		w.reload()
	}
	if w.checked != nil {
		w.checked()
	}
	return watchErr
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

// sum hashes the file's content, following symlinks.
func (w *Watcher) sum() ([sha256.Size]byte, error) {
	data, err := os.ReadFile(w.path)
	if err != nil {
		return [sha256.Size]byte{}, err
	}
	return sha256.Sum256(data), nil
}
