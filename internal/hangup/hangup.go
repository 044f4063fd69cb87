// Package hangup catches SIGHUP at package initialisation, ahead of every
// other package of travelbot and of most of its dependencies, so that a
// SIGHUP sent while `travelbot serve` starts does not end the process
// (SIGHUP's default action). cmd/travelbot imports it for that alone.
package hangup

import (
	"os"
	"os/signal"
	"syscall"
)

// early receives the SIGHUPs that arrive before Take is called.
var early = make(chan os.Signal, 1)

func init() { signal.Notify(early, syscall.SIGHUP) }

// Take returns the channel that has received every SIGHUP since the
// process started (one pending at most), for the caller to read from now
// on.
func Take() <-chan os.Signal { return early }

// Release stops catching SIGHUP, restoring its default action: for the
// subcommands that do not reload.
func Release() { signal.Reset(syscall.SIGHUP) }
