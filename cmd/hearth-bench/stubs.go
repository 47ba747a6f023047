package main

import (
	"context"
	"fmt"
	"io"
)


func profileIngest(ctx context.Context, bin, dir, dbURL string, capture []capLine, o options, runID string, logf func(string, ...any)) error {
	return nil
}
func writeTable(w io.Writer, r report) { fmt.Fprintf(w, "%+v\n", r) }
