package faq

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// watchTimeout bounds every wait on the watcher; events normally arrive in
// milliseconds.
const watchTimeout = 10 * time.Second

// watched runs a Watcher on path and reports what it sees: each reload
// (with the file's content at that moment) and each finished check.
type watched struct {
	reloads chan string
	checks  chan struct{}
	logs    *syncBuffer
	done    chan error
}

func startWatch(t *testing.T, path string) *watched {
	t.Helper()
	w := &watched{reloads: make(chan string, 100), checks: make(chan struct{}, 100), logs: &syncBuffer{}, done: make(chan error, 1)}
	log := slog.New(slog.NewTextHandler(w.logs, nil))
	wt, err := NewWatcher(path, 10*time.Millisecond, func() {
		data, _ := os.ReadFile(path)
		w.reloads <- string(data)
	}, log)
	if err != nil {
		t.Fatal(err)
	}
	wt.checked = func() { w.checks <- struct{}{} }
	ctx, cancel := context.WithCancel(context.Background())
	go func() { w.done <- wt.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-w.done:
			if err != nil {
				t.Errorf("Run returned %v, want nil on cancel", err)
			}
		case <-time.After(watchTimeout):
			t.Errorf("Run did not return after cancel")
		}
	})
	return w
}

// wantReload waits for the next reload and checks the content it saw.
func (w *watched) wantReload(t *testing.T, content string) {
	t.Helper()
	select {
	case got := <-w.reloads:
		if got != content {
			t.Errorf("reloaded with %q, want %q", got, content)
		}
	case <-time.After(watchTimeout):
		t.Fatalf("no reload within %v; log:\n%s", watchTimeout, w.logs)
	}
}

// settled waits for a check, then makes sure it reloaded nothing.
func (w *watched) wantCheckWithoutReload(t *testing.T) {
	t.Helper()
	select {
	case <-w.checks:
	case <-time.After(watchTimeout):
		t.Fatalf("no check within %v", watchTimeout)
	}
	select {
	case got := <-w.reloads:
		t.Errorf("unexpected reload with %q", got)
	default:
	}
}

// drainChecks forgets checks so far.
func (w *watched) drainChecks() {
	for {
		select {
		case <-w.checks:
		default:
			return
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestWatchWriteInPlace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "faq.yaml")
	write(t, path, "one")
	w := startWatch(t, path)

	write(t, path, "two")
	w.wantReload(t, "two")

	w.drainChecks()
	write(t, path, "two") // same content: checked, not reloaded
	w.wantCheckWithoutReload(t)

	write(t, path, "three")
	w.wantReload(t, "three")
}

// TestWatchRenameOver saves the way many editors do: write a temporary file
// next to the original, then rename it over the original.
func TestWatchRenameOver(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "faq.yaml")
	write(t, path, "one")
	w := startWatch(t, path)

	for _, content := range []string{"two", "three"} { // twice: the watch survives the first replacement
		tmp := filepath.Join(dir, ".faq.yaml.swp")
		write(t, tmp, content)
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
		w.wantReload(t, content)
	}
}

// TestWatchConfigMapSwap updates the file the way the kubelet updates a
// ConfigMap volume: the file is a symlink through "..data", which is itself a
// symlink to a timestamped directory; an update writes a new directory, then
// atomically renames a new "..data" link over the old one and removes the old
// directory.
func TestWatchConfigMapSwap(t *testing.T) {
	dir := t.TempDir()
	version := func(name, content string) {
		if err := os.Mkdir(filepath.Join(dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(dir, name, "faq.yaml"), content)
	}
	swap := func(name, old string) {
		tmp := filepath.Join(dir, "..data_tmp")
		if err := os.Symlink(name, tmp); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, "..data")); err != nil {
			t.Fatal(err)
		}
		if err := os.RemoveAll(filepath.Join(dir, old)); err != nil {
			t.Fatal(err)
		}
	}
	version("..2026_01_01_00_00_00.1", "one")
	if err := os.Symlink("..2026_01_01_00_00_00.1", filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "faq.yaml")
	if err := os.Symlink(filepath.Join("..data", "faq.yaml"), path); err != nil {
		t.Fatal(err)
	}
	w := startWatch(t, path)

	version("..2026_01_01_00_01_00.2", "two")
	swap("..2026_01_01_00_01_00.2", "..2026_01_01_00_00_00.1")
	w.wantReload(t, "two")

	version("..2026_01_01_00_02_00.3", "three")
	swap("..2026_01_01_00_02_00.3", "..2026_01_01_00_01_00.2")
	w.wantReload(t, "three")
}

// TestWatchSymlinkIntoAnotherDirectory follows a file that is a symlink to
// a file elsewhere, edited in place there.
func TestWatchSymlinkIntoAnotherDirectory(t *testing.T) {
	real := filepath.Join(t.TempDir(), "faq.yaml")
	write(t, real, "one")
	path := filepath.Join(t.TempDir(), "faq.yaml")
	if err := os.Symlink(real, path); err != nil {
		t.Fatal(err)
	}
	w := startWatch(t, path)

	write(t, real, "two")
	w.wantReload(t, "two")
}

// TestWatchSurvivesAMissingFile removes the file (as a swap halfway through
// would), then brings it back with new content.
func TestWatchSurvivesAMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "faq.yaml")
	write(t, path, "one")
	w := startWatch(t, path)

	w.drainChecks()
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	w.wantCheckWithoutReload(t)
	if !strings.Contains(w.logs.String(), "cannot read the file") {
		t.Errorf("the missing file was not logged:\n%s", w.logs)
	}
	write(t, path, "two")
	w.wantReload(t, "two")
}

// TestWatchSurvivesTheDirectoryGoing removes the whole directory; the
// watcher re-adds its watch when the directory is back.
func TestWatchSurvivesTheDirectoryGoing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "conf")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "faq.yaml")
	write(t, path, "one")
	w := startWatch(t, path)

	w.drainChecks()
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	w.wantCheckWithoutReload(t)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, path, "two")
	w.wantReload(t, "two")
	write(t, path, "three") // and it is watching again, not just polling once
	w.wantReload(t, "three")
}

func TestWatchMissingDirectoryIsAnError(t *testing.T) {
	_, err := NewWatcher(filepath.Join(t.TempDir(), "nope", "faq.yaml"), time.Millisecond, func() {}, nil)
	if err == nil {
		t.Fatal("NewWatcher on a missing directory succeeded, want an error")
	}
}

func TestWatchRelevant(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "faq.yaml")
	write(t, path, "x")
	w, err := NewWatcher(path, time.Millisecond, func() {}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer w.fs.Close()
	tests := []struct {
		name string
		want bool
	}{
		{"faq.yaml", true},
		{"..data", true},
		{"..2026_01_01_00_00_00.1", true},
		{"..data_tmp", true},
		{"other.yaml", false},
		{".faq.yaml.swp", false}, // the rename onto faq.yaml is the event that matters
		{"faq.yaml~", false},
	}
	for _, tt := range tests {
		if got := w.relevant(filepath.Join(dir, tt.name)); got != tt.want {
			t.Errorf("relevant(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}
	if w.relevant(filepath.Join(t.TempDir(), "faq.yaml")) {
		t.Errorf("a file of the same name in another directory is relevant")
	}
}

// TestWatchAndReloadKeepServingThroughABadFile wires the watcher to the
// Reloader as serve does: a broken save keeps the old table and reports the
// line; the next good save is served.
func TestWatchAndReloadKeepServingThroughABadFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "faq.yaml")
	good := func(answer string) string {
		return "version: 1\nentries:\n  - id: water\n    question: Is tap water safe to drink in Milan?\n    answer: " + answer + "\n"
	}
	write(t, path, good("Yes."))
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	live := NewLive(mustCompile(t, f))
	results := make(chan ReloadResult, 10)
	r := NewReloader(live, func(context.Context) (*FAQ, error) { return Load(path) })
	r.OnReload = func(res ReloadResult) { results <- res }
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	wt, err := NewWatcher(path, 10*time.Millisecond, func() { r.Reload(ctx, "file") }, nil)
	if err != nil {
		t.Fatal(err)
	}
	go wt.Run(ctx)
	next := func() ReloadResult {
		t.Helper()
		select {
		case res := <-results:
			return res
		case <-time.After(watchTimeout):
			t.Fatal("no reload")
			return ReloadResult{}
		}
	}

	old := live.Current()
	write(t, path, "version: 1\nentries:\n  - id: water: [\n")
	res := next()
	if res.OK || len(res.Problems) == 0 || !mentionsLine(res.Problems[0].String(), 3) || res.Trigger != "file" {
		t.Errorf("broken save: %+v, want a failure reporting line 3", res)
	}
	if live.Current() != old {
		t.Errorf("a broken save replaced the table")
	}

	write(t, path, good("Yes, it is."))
	if res := next(); !res.OK || !res.Changed {
		t.Errorf("good save after a broken one: %+v", res)
	}
	if got := live.Current().Entry("water").Answer; got != "Yes, it is." {
		t.Errorf("serving answer %q after the fix", got)
	}
}
