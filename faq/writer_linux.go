package faq

import (
	"errors"
	"os"
	"syscall"
)

// openForWriting reports whether some process has the file open for
// writing, on Linux by asking for a read lease, which the kernel grants
// only when nobody has: the lease is dropped at once. ok is false when the
// kernel cannot tell (a file of another owner, a file system without
// leases); the caller then relies on the file being quiet alone.
func openForWriting(f *os.File) (open, ok bool) {
	fd := int(f.Fd())
	_, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_SETLEASE, syscall.F_RDLCK)
	switch {
	case errno == 0:
		syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), syscall.F_SETLEASE, syscall.F_UNLCK)
		return false, true
	case errors.Is(errno, syscall.EAGAIN), errors.Is(errno, syscall.EBUSY):
		return true, true
	}
	return false, false
}
