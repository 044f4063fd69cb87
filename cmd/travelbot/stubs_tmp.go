package main

import "context"

func (m *Main) ask(ctx context.Context, args []string) error      { return nil }
func (m *Main) chat(ctx context.Context, args []string) error     { return nil }
func (m *Main) validate(ctx context.Context, args []string) error { return nil }
func (m *Main) eval(ctx context.Context, args []string) error     { return nil }
func (m *Main) serve(ctx context.Context, args []string) error    { return nil }
