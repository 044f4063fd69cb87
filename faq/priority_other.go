//go:build !linux

package faq

// runLowPriority runs f: this platform has no per-thread priority the
// runtime lets a goroutine keep, so only WithWorkers bounds a compile.
func runLowPriority(f func()) { f() }
