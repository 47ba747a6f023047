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
	UserID         string `json:"user_id"`
	Login          string `json:"login"`
	DisplayName    string `json:"display_name"`
	Messages       int64  `json:"messages"`
	Points         int64  `json:"points"`
	LifetimePoints int64  `json:"lifetime_points"`
	Rank           string `json:"rank"`
	WatchMinutes   int64  `json:"watch_minutes"`
	Streak         int64  `json:"streak"`
	LongestStreak  int64  `json:"longest_streak"`
	FirstSeen      string `json:"first_seen"`
	LastSeen       string `json:"last_seen"`
}

var csvHeader = []string{"user_id", "login", "display_name", "messages", "points", "lifetime_points", "rank",
	"watch_minutes", "streak", "longest_streak", "first_seen", "last_seen"}

// Ranker names a viewer's rank and current streak, which depend on the
// channel's rules; nil leaves the rank empty and the streak as stored.
type Ranker interface {
	RankName(v hearth.ViewerStats) string
	CurrentStreak(v hearth.ViewerStats) int64
}

// NewRecord turns a viewer's stats into an export record.
func NewRecord(v hearth.ViewerStats, r Ranker) Record {
	rec := Record{
		UserID:         v.UserID,
		Login:          v.Login,
		DisplayName:    v.DisplayName,
		Messages:       v.Messages,
		Points:         v.Points,
		LifetimePoints: v.LifetimePoints,
		WatchMinutes:   v.WatchSeconds / 60,
		Streak:         v.Streak,
		LongestStreak:  v.LongestStreak,
		FirstSeen:      stamp(v.FirstSeen),
		LastSeen:       stamp(v.LastSeen),
	}
	if r != nil {
		rec.Rank = r.RankName(v)
		rec.Streak = r.CurrentStreak(v)
	}
	return rec
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// Write writes viewers to w in format ("json": one array; "csv": a header
// row then one row per viewer). An unknown format is an EINVALID error.
func Write(w io.Writer, format string, viewers []hearth.ViewerStats, r Ranker) error {
	switch format {
	case "json":
		recs := make([]Record, len(viewers))
		for i, v := range viewers {
			recs[i] = NewRecord(v, r)
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
			rec := NewRecord(v, r)
			n := func(i int64) string { return strconv.FormatInt(i, 10) }
			if err := cw.Write([]string{rec.UserID, rec.Login, csvSafe(rec.DisplayName), n(rec.Messages), n(rec.Points), n(rec.LifetimePoints),
				csvSafe(rec.Rank), n(rec.WatchMinutes), n(rec.Streak), n(rec.LongestStreak), rec.FirstSeen, rec.LastSeen}); err != nil {
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
