package main

import (
	"os"
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
	if _, ok := ts.logs.find(map[string]any{"level": "WARN", "msg": "SIGHUP during start-up ignored: the FAQ was loaded just now; send it again to reload"}); !ok {
		t.Errorf("no warning that the SIGHUP was ignored:\n%s", ts.logs)
	}
}
