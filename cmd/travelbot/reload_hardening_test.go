package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"travelbot/config"
)

// TestSIGHUPDuringOpenIsLoggedAndIgnored is the in-process half of issue
// 15's SIGHUP at 10 ms after start (TestServeSIGHUPDuringStartup is the
// other: the process keeps starting and exits 0): a SIGHUP that arrived
// while Open loaded the FAQ is taken off the channel before Run reads it,
// with a warning that says it was ignored, so it never becomes a reload.
func TestSIGHUPDuringOpenIsLoggedAndIgnored(t *testing.T) {
	hup := make(chan os.Signal, 1)
	hup <- syscall.SIGHUP // as if it came while the FAQ was being compiled
	ts := startServer(t, func(_ *config.Config, s *server) { s.signals = hup })
	if len(hup) != 0 {
		t.Fatal("the SIGHUP that came during Open is still waiting: Run would reload on it")
	}
	if _, ok := ts.logs.find(map[string]any{"level": "WARN", "signal": "SIGHUP", "ignored": true}); !ok {
		t.Errorf("no warning that the SIGHUP was ignored:\n%s", ts.logs)
	}
}

// TestValidateRefusesAliasBomb is issue 15's alias bomb given to
// `travelbot validate`: 20,000 words behind one anchor, aliased 5,000
// times (about 144 KB, 100 million words expanded). It exits 1 with the
// expansion cap at FILE:LINE:COL. What it costs is faq's
// TestAliasBombRefusedCheaply (allocations) and BenchmarkAliasBomb (time).
func TestValidateRefusesAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("version: 1\nabout: &about ")
	for i := range 20_000 {
		fmt.Fprintf(&b, "w%d ", i%997)
	}
	b.WriteString("\nentries:\n  - {id: a, question: q, answer: x}\nnegatives:\n")
	b.WriteString(strings.Repeat("  - *about\n", 5_000))
	path := filepath.Join(t.TempDir(), "bomb.yaml")
	writeFile(t, path, b.String())
	out, _, code := run(t, "", "validate", path)
	if code != 1 || !strings.Contains(out, path+":") || !strings.Contains(out, "once its aliases are expanded") {
		t.Errorf("validate of the bomb: exit %d, want 1 with the expansion cap at its place:\n%.2000s", code, out)
	}
}
