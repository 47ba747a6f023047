package export

import (
	"encoding/csv"
	"io"
	"strconv"

	"github.com/hearthlive/hearth"
)

// auditCSVHeader names the columns of an audit log export in CSV.
var auditCSVHeader = []string{"seq", "at", "actor", "role", "action", "target", "before", "after"}

// WriteAudit writes a channel's audit log entries to w in format: "json",
// one array of the entries as the API shows them; "csv", a header and a
// row per entry, each text cell defused. An unknown format is an EINVALID
// error.
func WriteAudit(w io.Writer, format string, entries []hearth.AuditEntry) error {
	switch format {
	case "json":
		if entries == nil {
			entries = []hearth.AuditEntry{}
		}
		return writeJSON(w, entries)
	case "csv":
		cw := csv.NewWriter(w)
		if err := cw.Write(auditCSVHeader); err != nil {
			return err
		}
		for _, e := range entries {
			if err := cw.Write([]string{strconv.FormatInt(e.Seq, 10), stamp(e.At), csvSafe(e.Actor), string(e.Role),
				csvSafe(e.Action), csvSafe(e.Target), csvSafe(e.Before), csvSafe(e.After)}); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	default:
		return hearth.Errorf(hearth.EINVALID, "unknown export format %q: use json or csv", format)
	}
}
