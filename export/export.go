// Package export writes a channel's community as JSON or CSV, one record
// per viewer, for the streamer to keep or move elsewhere.
package export

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"
	"time"

	"github.com/hearthlive/hearth"
)

// Formats lists the formats Write accepts.
var Formats = []string{"json", "csv"}

// Record is one viewer in an export. Times are RFC 3339 in UTC.
type Record struct {
	UserID      string `json:"user_id"`
	Login       string `json:"login"`
	DisplayName string `json:"display_name"`
	Messages    int64  `json:"messages"`
	Points      int64  `json:"points"`
	FirstSeen   string `json:"first_seen"`
	LastSeen    string `json:"last_seen"`
}

var csvHeader = []string{"user_id", "login", "display_name", "messages", "points", "first_seen", "last_seen"}

// NewRecord turns a viewer's stats into an export record.
func NewRecord(v hearth.ViewerStats) Record {
	return Record{
		UserID:      v.UserID,
		Login:       v.Login,
		DisplayName: v.DisplayName,
		Messages:    v.Messages,
		Points:      v.Points,
		FirstSeen:   stamp(v.FirstSeen),
		LastSeen:    stamp(v.LastSeen),
	}
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// Write writes viewers to w in format ("json": one array; "csv": a header
// row then one row per viewer). An unknown format is an EINVALID error.
func Write(w io.Writer, format string, viewers []hearth.ViewerStats) error {
	switch format {
	case "json":
		recs := make([]Record, len(viewers))
		for i, v := range viewers {
			recs[i] = NewRecord(v)
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(recs)
	case "csv":
		cw := csv.NewWriter(w)
		if err := cw.Write(csvHeader); err != nil {
			return err
		}
		for _, v := range viewers {
			r := NewRecord(v)
			if err := cw.Write([]string{r.UserID, r.Login, csvSafe(r.DisplayName), strconv.FormatInt(r.Messages, 10), strconv.FormatInt(r.Points, 10), r.FirstSeen, r.LastSeen}); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	default:
		return hearth.Errorf(hearth.EINVALID, "unknown export format %q: use json or csv", format)
	}
}

// csvSafe defuses a cell that a spreadsheet would run as a formula; display
// names come from chat and can start with anything.
func csvSafe(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}
