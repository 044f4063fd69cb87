package faq

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"travelbot/internal/testutil"
)

// watchTimeout bounds every wait on the watcher; events normally arrive in
// milliseconds.
const watchTimeout = 10 * time.Second

// watched runs a Watcher on path and reports what it sees: each reload
// (with the file's content at that moment) and each finished check.
type watched struct {
	reloads chan string
	checks  chan checkOutcome
	logs    *testutil.SyncBuffer
	done    chan error
}

func startWatch(t *testing.T, path string) *watched {
	t.Helper()
	w := &watched{reloads: make(chan string, 100), checks: make(chan checkOutcome, 100), logs: &testutil.SyncBuffer{}, done: make(chan error, 1)}
	log := slog.New(slog.NewTextHandler(w.logs, nil))
	wt, err := NewWatcher(path, 10*time.Millisecond, func(context.Context) {
		data, _ := os.ReadFile(path)
		w.reloads <- string(data)
	}, log)
	if err != nil {
		t.Fatal(err)
	}
	wt.checked = func(o checkOutcome) { w.checks <- o }
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

// wantCheckWithoutReload waits for a check that came to a conclusion (the
// file is not still changing), makes sure nothing was reloaded and returns
// what the check concluded.
func (w *watched) wantCheckWithoutReload(t *testing.T) checkOutcome {
	t.Helper()
	o := checkChanging
	for o == checkChanging {
		select {
		case o = <-w.checks:
		case <-time.After(watchTimeout):
			t.Fatalf("no check within %v", watchTimeout)
		}
	}
	select {
	case got := <-w.reloads:
		t.Errorf("unexpected reload with %q", got)
	default:
	}
	return o
}

// loggedWarningWithErr reports whether the watcher logged a warning that
// carries an err field: found by the text handler's fields, not by the
// message's wording.
func (w *watched) loggedWarningWithErr() bool {
	for line := range strings.Lines(w.logs.String()) {
		if strings.Contains(line, "level=WARN ") && strings.Contains(line, " err=") {
			return true
		}
	}
	return false
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

func TestWatchWriteInPlace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "faq.yaml")
	write(t, path, "one\n")
	w := startWatch(t, path)

	write(t, path, "two\n")
	w.wantReload(t, "two\n")

	// The same content again is handed over too: the Reloader, not the
	// watcher, knows what is serving (TestReloadSameContentSkipsCompile).
	write(t, path, "two\n")
	w.wantReload(t, "two\n")

	write(t, path, "three\n")
	w.wantReload(t, "three\n")
}

// TestWatchRenameOver saves the way many editors do: write a temporary file
// next to the original, then rename it over the original.
func TestWatchRenameOver(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "faq.yaml")
	write(t, path, "one\n")
	w := startWatch(t, path)

	for _, content := range []string{"two\n", "three\n"} { // twice: the watch survives the first replacement
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
	version("..2026_01_01_00_00_00.1", "one\n")
	if err := os.Symlink("..2026_01_01_00_00_00.1", filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "faq.yaml")
	if err := os.Symlink(filepath.Join("..data", "faq.yaml"), path); err != nil {
		t.Fatal(err)
	}
	w := startWatch(t, path)

	version("..2026_01_01_00_01_00.2", "two\n")
	swap("..2026_01_01_00_01_00.2", "..2026_01_01_00_00_00.1")
	w.wantReload(t, "two\n")

	version("..2026_01_01_00_02_00.3", "three\n")
	swap("..2026_01_01_00_02_00.3", "..2026_01_01_00_01_00.2")
	w.wantReload(t, "three\n")
}

// TestWatchSymlinkIntoAnotherDirectory follows a file that is a symlink to
// a file elsewhere, edited in place there.
func TestWatchSymlinkIntoAnotherDirectory(t *testing.T) {
	real := filepath.Join(t.TempDir(), "faq.yaml")
	write(t, real, "one\n")
	path := filepath.Join(t.TempDir(), "faq.yaml")
	if err := os.Symlink(real, path); err != nil {
		t.Fatal(err)
	}
	w := startWatch(t, path)

	write(t, real, "two\n")
	w.wantReload(t, "two\n")
}

// TestWatchSurvivesAMissingFile removes the file (as a swap halfway through
// would), then brings it back with new content.
func TestWatchSurvivesAMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "faq.yaml")
	write(t, path, "one\n")
	w := startWatch(t, path)

	w.drainChecks()
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if o := w.wantCheckWithoutReload(t); o != checkUnreadable {
		t.Errorf("the check after the removal concluded %v, want checkUnreadable (%v)", o, checkUnreadable)
	}
	if !w.loggedWarningWithErr() {
		t.Errorf("the missing file was not logged as a warning with its err:\n%s", w.logs)
	}
	write(t, path, "two\n")
	w.wantReload(t, "two\n")
}

// TestWatchSurvivesTheDirectoryGoing removes the whole directory; the
// watcher re-adds its watch when the directory is back.
func TestWatchSurvivesTheDirectoryGoing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "conf")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "faq.yaml")
	write(t, path, "one\n")
	w := startWatch(t, path)

	w.drainChecks()
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	w.wantCheckWithoutReload(t)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, path, "two\n")
	w.wantReload(t, "two\n")
	write(t, path, "three\n") // and it is watching again, not just polling once
	w.wantReload(t, "three\n")
}

func TestWatchMissingDirectoryIsAnError(t *testing.T) {
	_, err := NewWatcher(filepath.Join(t.TempDir(), "nope", "faq.yaml"), time.Millisecond, func(context.Context) {}, nil)
	if err == nil {
		t.Fatal("NewWatcher on a missing directory succeeded, want an error")
	}
}

func TestWatchRelevant(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "faq.yaml")
	write(t, path, "x")
	w, err := NewWatcher(path, time.Millisecond, func(context.Context) {}, nil)
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
	r := NewReloader(live, func(context.Context) (*Document, error) { return Load(path) })
	r.OnReload = func(res ReloadResult) { results <- res }
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	wt, err := NewWatcher(path, 10*time.Millisecond, func(ctx context.Context) { r.Reload(ctx, "file") }, nil)
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

// sampleFAQ is a valid FAQ of n entries, one line per field, so that many
// of its prefixes cut at a line boundary are valid FAQs too.
func sampleFAQ(v string, n int) string {
	var b strings.Builder
	b.WriteString("version: 1\nentries:\n")
	for i := range n {
		fmt.Fprintf(&b, "  - id: %s-e%d\n    question: %s question number %d\n    answer: %s answer %d\n", v, i, v, i, v, i)
	}
	return b.String()
}

// TestWatchNeverHandsOverAWriteInProgress rewrites the file in place the
// slow way, one line at a time with the file held open, letting the
// watcher check at every line boundary: nothing is handed over until the
// writer closes the file, and then the whole file is.
func TestWatchNeverHandsOverAWriteInProgress(t *testing.T) {
	path := filepath.Join(t.TempDir(), "faq.yaml")
	write(t, path, sampleFAQ("a", 3))
	w := startWatch(t, path)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	nextCheck := func() checkOutcome {
		t.Helper()
		select {
		case o := <-w.checks:
			return o
		case <-time.After(watchTimeout):
			t.Fatalf("no check within %v", watchTimeout)
			return 0
		}
	}
	if o := nextCheck(); o != checkWriting {
		t.Skipf("the kernel does not tell open writers here (check outcome %d)", o)
	}
	want := sampleFAQ("b", 5)
	for _, line := range strings.SplitAfter(want, "\n") {
		if _, err := f.WriteString(line); err != nil {
			t.Fatal(err)
		}
		// Two checks: at least one saw the file cut at this line.
		for range 2 {
			if o := nextCheck(); o != checkWriting {
				t.Fatalf("check outcome %d while the writer has the file open, want checkWriting", o)
			}
		}
		select {
		case got := <-w.reloads:
			t.Fatalf("handed over a file still being written: %q", got)
		default:
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	w.wantReload(t, want)
}

// TestWatchRefusesCutShortWrites drives the checks by hand: a copy cut
// short at a block boundary (cp on a full disk) and a file caught shorter
// than a version seen while it changed are never handed over, at whatever
// line the cut falls; the whole file then is.
func TestWatchRefusesCutShortWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "faq.yaml")
	write(t, path, sampleFAQ("a", 3))
	var handed []string
	wt, err := NewWatcher(path, time.Hour, func(ctx context.Context) {
		// What the load parses: the bytes the checks passed.
		data, ok := WatchedContent(ctx)
		if !ok {
			t.Error("reload called without the watched content")
		}
		handed = append(handed, string(data))
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer wt.Close()
	check := func() checkOutcome {
		var got checkOutcome
		wt.checked = func(o checkOutcome) { got = o }
		wt.check(context.Background())
		return got
	}
	// settle checks until the file is judged, as Run would.
	settle := func() checkOutcome {
		for {
			if o := check(); o != checkChanging {
				return o
			}
		}
	}
	b := sampleFAQ("b", 80)

	write(t, path, b[:4096]) // ENOSPC after one block
	if o := settle(); o != checkMidLine {
		t.Errorf("a copy cut at a block boundary: outcome %d, want checkMidLine", o)
	}

	// Caught mid-rewrite at its full length, then cut back at each line
	// boundary: each cut is a valid FAQ, none is handed over.
	write(t, path, b)
	if o := check(); o != checkChanging {
		t.Fatalf("outcome %d after a change, want checkChanging", o)
	}
	for i := len(b) - 2; i > 0; i-- {
		if b[i] != '\n' {
			continue
		}
		write(t, path, b[:i+1])
		if o := settle(); o != checkPrefix {
			t.Fatalf("cut at byte %d: outcome %d, want checkPrefix", i+1, o)
		}
	}
	if len(handed) != 0 {
		t.Fatalf("handed over %d cut files", len(handed))
	}

	write(t, path, b)
	if o := settle(); o != checkHandedOver || len(handed) != 1 || handed[0] != b {
		t.Errorf("the whole file: outcome %d, handed over %d", o, len(handed))
	}
	// A shorter version after a hand-over is an edit, not a cut write.
	write(t, path, sampleFAQ("b", 79))
	if o := settle(); o != checkHandedOver {
		t.Errorf("the last entry deleted: outcome %d, want it handed over", o)
	}
}

// TestWatchRefusesWhatIsNotAFile points the watched path at a FIFO and at
// /dev/zero: each check ends at once without reading; a regular file put
// back is handed over, and Run still stops on cancel.
func TestWatchRefusesWhatIsNotAFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "faq.yaml")
	write(t, path, sampleFAQ("a", 2))
	w := startWatch(t, path)
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	for _, target := range []string{fifo, "/dev/zero"} {
		tmp := filepath.Join(dir, "tmp-link")
		if err := os.Symlink(target, tmp); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			t.Fatal(err)
		}
		w.wantCheckWithoutReload(t)
	}
	os.Remove(path)
	write(t, path, sampleFAQ("b", 2))
	w.wantReload(t, sampleFAQ("b", 2))
}
