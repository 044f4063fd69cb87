package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"travelbot/config"
)

// TestAskLimitsAndOddPaths covers issue 15's smaller points on the HTTP API.
func TestAskLimitsAndOddPaths(t *testing.T) {
	ts := startServer(t, func(cfg *config.Config, _ *server) { cfg.AdminToken = config.NewSecret("admin-token-value") })
	tests := []struct {
		name, method, path, body string
		code                     int
	}{
		{"66 KB body: a small object, then spaces", "POST", "/v1/ask", `{"question": "water"}` + strings.Repeat(" ", 66<<10), 413},
		{"only zero-width characters", "POST", "/v1/ask", `{"question": "\u200b\u200c\u200d\u2060\ufeff"}`, 400},
		{"zero-width around a question is still a question", "POST", "/v1/ask", `{"question": "\u200bwater\u200b"}`, 200},
		{"an escaped slash is another path", "POST", "/admin%2Freload", "", 404},
	}
	for _, tt := range tests {
		code, body, _ := call(t, tt.method, ts.url+tt.path, tt.body, nil)
		if code != tt.code {
			t.Errorf("%s: status %d, want %d (%v)", tt.name, code, tt.code, body)
		}
	}
}

// TestReloadOfWhatIsNotAFile points the served FAQ at a FIFO, /dev/zero
// and a 2 GiB sparse file in turn: each reload fails at once with the old
// FAQ serving, a reload after the file is back works, and shutdown is
// clean.
func TestReloadOfWhatIsNotAFile(t *testing.T) {
	ts := startServer(t, nil)
	dir := filepath.Dir(ts.faqPath)
	good, err := os.ReadFile(ts.faqPath)
	if err != nil {
		t.Fatal(err)
	}
	version := ts.server.live.Current().Version()
	put := func(make func(tmp string) error) {
		t.Helper()
		tmp := filepath.Join(dir, "tmp")
		os.Remove(tmp)
		if err := make(tmp); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, ts.faqPath); err != nil {
			t.Fatal(err)
		}
	}
	for name, make := range map[string]func(string) error{
		"fifo":        func(p string) error { return syscall.Mkfifo(p, 0o644) },
		"/dev/zero":   func(p string) error { return os.Symlink("/dev/zero", p) },
		"sparse 2GiB": func(p string) error { return os.WriteFile(p, nil, 0o644) },
	} {
		put(make)
		if name == "sparse 2GiB" {
			if err := os.Truncate(ts.faqPath, 2<<30); err != nil {
				t.Fatal(err)
			}
		}
		res := ts.server.reloader.Reload(context.Background(), "signal")
		if res.OK || ts.server.live.Current().Version() != version {
			t.Errorf("%s: reload = %+v, want a failure with the old FAQ serving", name, res)
		}
	}
	put(func(p string) error {
		return os.WriteFile(p, []byte(strings.Replace(string(good), "Yes.", "Yes, still.", 1)), 0o644)
	})
	if res := ts.server.reloader.Reload(context.Background(), "signal"); !res.OK || !res.Changed {
		t.Errorf("reload of a regular file after them = %+v, want it served", res)
	}
	if err := ts.stop(t); err != nil {
		t.Errorf("shutdown after the bad files: %v", err)
	}
}
