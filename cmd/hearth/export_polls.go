package main

import (
	"context"
	"fmt"
	"io"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/export"
)

// pollPage is how many polls one read of the store fetches.
const pollPage = 500

// exportPolls writes every poll of a channel, newest first, for export
// --polls.
func exportPolls(ctx context.Context, inv *invocation, db hearth.Store, channel string, o exportOptions, w io.Writer) error {
	var all []hearth.Poll
	before := ""
	for {
		page, err := db.Polls(ctx, channel, before, pollPage)
		if err != nil {
			return err
		}
		all = append(all, page...)
		if len(page) < pollPage {
			break
		}
		before = page[len(page)-1].ID
	}
	if err := export.WritePolls(w, o.format, all); err != nil {
		return err
	}
	if o.out != "" {
		fmt.Fprintf(inv.stderr, "exported %d polls of #%s to %s\n", len(all), channel, o.out)
	}
	return nil
}
