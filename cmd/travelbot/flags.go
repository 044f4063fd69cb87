package main

import (
	"errors"
	"flag"
	"fmt"
)

// parseFlags parses a subcommand's flags, with usage (its "usage: ..."
// lines) printed above the flags' defaults for -h or a mistake. done is
// true when the subcommand must return err at once: nil after -h, exit
// status 2 after a mistake (see flagError).
func (m *Main) parseFlags(fs *flag.FlagSet, args []string, usage string) (done bool, err error) {
	fs.Usage = func() {
		fmt.Fprintln(m.Stderr, usage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return true, flagError(err)
	}
	return false, nil
}

// usageError prints fs's usage and returns exit status 2: the operands
// after the flags are wrong.
func usageError(fs *flag.FlagSet) error {
	fs.Usage()
	return &exitError{code: 2}
}

// flagError maps -h to a clean exit and bad flags to status 2 (the flag
// package has already printed the problem).
func flagError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return &exitError{code: 2}
}
