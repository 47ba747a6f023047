package main

import (
	"context"
	"fmt"
	"io"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/export"
)

// auditPage is how many audit log entries one read of the store fetches.
const auditPage = 1000

// exportAudit writes a channel's whole audit log, newest first, for
// export --audit.
func exportAudit(ctx context.Context, inv *invocation, db hearth.Store, channel string, o exportOptions, w io.Writer) error {
	var all []hearth.AuditEntry
	var before int64
	for {
		page, err := db.Audit(ctx, channel, auditPage, before)
		if err != nil {
			return err
		}
		all = append(all, page...)
		if len(page) < auditPage {
			break
		}
		before = page[len(page)-1].Seq
	}
	if err := export.WriteAudit(w, o.format, all); err != nil {
		return err
	}
	if o.out != "" {
		fmt.Fprintf(inv.stderr, "exported %d audit log entries of #%s to %s\n", len(all), channel, o.out)
	}
	return nil
}
