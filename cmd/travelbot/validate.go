package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"travelbot/faq"
)

// validate checks FAQ files and prints every problem as FILE:LINE:COL. It
// exits 1 when any file has an error; warnings alone exit 0.
func (m *Main) validate(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	if done, err := m.parseFlags(fs, args, "usage: travelbot validate FILE..."); done {
		return err
	}
	if fs.NArg() == 0 {
		return usageError(fs)
	}
	failed := 0
	for _, path := range fs.Args() {
		f, err := faq.Load(path)
		var ve *faq.ValidationError
		switch {
		case errors.As(err, &ve):
			failed++
			for _, p := range ve.Problems {
				fmt.Fprintln(m.Stdout, p.String())
			}
		case err != nil:
			failed++
			fmt.Fprintf(m.Stdout, "%s: %v\n", path, err)
		default:
			for _, p := range f.Warnings {
				fmt.Fprintln(m.Stdout, p.String())
			}
			fmt.Fprintf(m.Stderr, "%s: ok, %d entries\n", path, len(f.Entries))
		}
	}
	if failed > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("%d of %d files failed validation", failed, fs.NArg())}
	}
	return nil
}
