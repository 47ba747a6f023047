package main

import (
	"context"
	"fmt"
	"io"
)

type overlayResult struct{}

func profileIngest(ctx context.Context, bin, dir, dbURL string, capture []capLine, o options, runID string, logf func(string, ...any)) error {
	return nil
}
func runOverlay(ctx context.Context, bin, dir, dbURL string, capture []capLine, o options, prefix string, logf func(string, ...any)) ([]overlayResult, error) {
	return nil, nil
}
func writeTable(w io.Writer, r report) { fmt.Fprintf(w, "%+v\n", r) }
