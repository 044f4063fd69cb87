package main

import "context"

func (m *Main) serve(ctx context.Context, args []string) error    { return nil }
