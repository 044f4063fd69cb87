// Package deathsig starts child processes that the kernel kills when the
// process that started them dies, so that a test's servers (a PostgreSQL
// cluster, travelbot replicas) never outlive a test killed by its
// timeout's panic. It is Linux's parent-death signal (PR_SET_PDEATHSIG),
// as the test harnesses bot/store/pgtest and cmd/travelbot/internal/fleet
// and cmd/travelbot's TestCrash use it.
package deathsig

import (
	"os/exec"
	"runtime"
	"syscall"
)

// Start starts cmd with SIGKILL as its parent-death signal (keeping the
// rest of cmd.SysProcAttr) and returns a channel closed once cmd has
// exited and been waited for; do not call cmd.Wait.
//
// The kernel sends the signal when the thread that started the child
// ends, not the process: a thread the Go runtime retires (one a goroutine
// locked and left) would kill the child early. So cmd is started from a
// goroutine locked to its OS thread until cmd exits.
func Start(cmd *exec.Cmd) (exited <-chan struct{}, err error) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	started := make(chan error, 1)
	done := make(chan struct{})
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with this goroutine
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		_ = cmd.Wait()
		close(done)
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return done, nil
}
