package deathsig

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// helperEnv makes the test binary run helper instead of the tests.
const helperEnv = "DEATHSIG_TEST_HELPER"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) == "1" {
		helper()
	}
	os.Exit(m.Run())
}

// helper starts a long sleep with Start, handing it descriptor 3 (a pipe
// the test reads), prints the sleep's pid and waits to be killed.
func helper() {
	cmd := exec.Command("sleep", "600")
	cmd.ExtraFiles = []*os.File{os.NewFile(3, "pipe")}
	exited, err := Start(cmd)
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	fmt.Println(cmd.Process.Pid)
	<-exited
	os.Exit(1)
}

func TestChildDiesWithParent(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	parent := exec.Command(os.Args[0])
	parent.Env = append(os.Environ(), helperEnv+"=1")
	parent.ExtraFiles = []*os.File{w}
	out, err := parent.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close() // the parent and the child hold it now
	line, err := bufio.NewReader(out).ReadString('\n')
	pid, perr := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || perr != nil {
		_ = parent.Process.Kill()
		_ = parent.Wait()
		t.Fatalf("the parent did not start its child: %q %v", line, err)
	}
	_ = parent.Process.Kill()
	_ = parent.Wait()
	// The pipe ends (EOF) once the child has died too: nothing else holds
	// its write end. A child that outlived the parent holds it 600 s.
	_ = r.SetReadDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.ReadAll(r); err != nil {
		_ = syscall.Kill(pid, syscall.SIGKILL)
		t.Fatalf("the child outlived its parent: %v", err)
	}
}

func TestStartKeepsAttributesAndReportsExit(t *testing.T) {
	cmd := exec.Command("sh", "-c", "exit 3")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	exited, err := Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	<-exited
	if !cmd.SysProcAttr.Setpgid || cmd.SysProcAttr.Pdeathsig != syscall.SIGKILL {
		t.Errorf("SysProcAttr = %+v, want Setpgid kept and Pdeathsig SIGKILL", cmd.SysProcAttr)
	}
	if code := cmd.ProcessState.ExitCode(); code != 3 {
		t.Errorf("exit code %d, want 3", code)
	}
	if _, err := Start(exec.Command("/nonexistent/program")); err == nil {
		t.Error("Start of a missing program: no error")
	}
}
