package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// TestServeSIGHUPDuringStartup runs the test binary again as `travelbot
// serve`: at package init, as early as the real binary reaches main.
func init() {
	if os.Getenv("TRAVELBOT_TEST_HELPER") == "serve" {
		started := os.NewFile(3, "started")
		started.Write([]byte{1})
		started.Close()
		os.Exit(runMain([]string{"serve"}))
	}
}

// TestServeSIGHUPDuringStartup sends SIGHUP from the moment the process
// reaches its own code (it says so on a pipe, before reading its config or
// compiling the FAQ) and again every 2 ms until it listens: it keeps
// starting, serves, and exits 0 on SIGTERM, not 129. It serves a small FAQ:
// the embedded one would take seconds to compile under the race detector,
// and a SIGHUP during a compile meets the same handling as one during the
// rest of the start-up. (Before the Go runtime
// has installed its handlers the kernel's default applies whatever a
// program does; package hangup catches SIGHUP from the first package
// initialisation after os/signal's on.)
func TestServeSIGHUPDuringStartup(t *testing.T) {
	t.Parallel() // waits mostly on other processes or timers: beside the other parallel tests
	if testing.Short() {
		t.Skip("starts a process")
	}
	faqPath := filepath.Join(t.TempDir(), "faq.yaml")
	writeFile(t, faqPath, faqYAML("Yes."))
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(),
		"TRAVELBOT_FAQ="+faqPath,
		"TRAVELBOT_TEST_HELPER=serve",
		"TRAVELBOT_HTTP_ADDR=127.0.0.1:0",
		"TRAVELBOT_LOG_FORMAT=json",
		"TRAVELBOT_WATCH=false",
		"XDG_STATE_HOME="+t.TempDir(),
	)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	startedR, startedW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer startedR.Close()
	cmd.ExtraFiles = []*os.File{startedW}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	startedW.Close()
	exited := make(chan error, 1)

	// The log's records are read as they come; the one with "addr" says
	// the server is listening.
	listening := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		said := false
		for sc.Scan() {
			var rec map[string]any
			if json.Unmarshal(sc.Bytes(), &rec) == nil && rec["addr"] != nil && !said {
				close(listening)
				said = true
			}
		}
		exited <- cmd.Wait()
	}()
	if _, err := startedR.Read(make([]byte, 1)); err != nil {
		t.Fatalf("the process did not start: %v", err)
	}
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(time.Minute)
	for up := false; !up; {
		cmd.Process.Signal(syscall.SIGHUP)
		select {
		case <-listening:
			up = true
		case err := <-exited:
			t.Fatalf("serve ended during start-up after a SIGHUP: %v", err)
		case <-tick.C:
		case <-deadline:
			t.Fatal("the server did not start")
		}
	}
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil { // a reload, served
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err = <-exited:
	case <-time.After(time.Minute):
		t.Fatal("serve did not stop on SIGTERM")
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		t.Fatalf("serve exited with %v after SIGHUPs during start-up, want 0", ee)
	}
	if err != nil {
		t.Fatal(err)
	}
}
