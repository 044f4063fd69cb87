package faq

import (
	"runtime"
	"syscall"
)

// lowPriorityNice is the nice value of a low-priority compile's thread:
// low enough that the matcher's threads win a contended core, not so low
// that a busy machine starves a reload past its deadline.
const lowPriorityNice = 10

// runLowPriority runs f on an OS thread of its own at a lower scheduling
// priority and waits for it. The thread is never unlocked, so it ends with
// the goroutine and its priority never reaches other goroutines. When the
// priority cannot be changed, f runs anyway.
func runLowPriority(f func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread() // never unlocked: see above
		_ = syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), lowPriorityNice)
		f()
	}()
	<-done
}
