// Package export writes a channel's community as JSON or CSV, one record
// per viewer, for the streamer to keep or move elsewhere.
package export

import (
	"encoding/csv"
	"io"
	"strconv"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/internal/jsonlist"
)

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
	// Position is the viewer's place in the channel's ranking by points,
	// from 1, shared by equal points; 0 (left out of JSON, an empty CSV
	// cell) for bots and the broadcaster, who are never ranked.
	Position int `json:"position,omitempty"`
}

var csvHeader = []string{"user_id", "login", "display_name", "messages", "points", "lifetime_points", "rank",
	"watch_minutes", "streak", "longest_streak", "first_seen", "last_seen", "position"}

// Ranker names a viewer's rank, current streak and position, which depend
// on the channel's rules (community.Standing is one); nil leaves the rank
// empty, the streak as stored and no position.
type Ranker interface {
	RankName(v hearth.ViewerStats) string
	CurrentStreak(v hearth.ViewerStats) int64
	// Positions returns the position of each ranked viewer among vs, by
	// user id.
	Positions(vs []hearth.ViewerStats) map[string]int
}

// Records turns a channel's viewers into export records, in the same
// order, each with its position among vs.
func Records(vs []hearth.ViewerStats, r Ranker) []Record {
	var positions map[string]int
	if r != nil {
		positions = r.Positions(vs)
	}
	recs := make([]Record, len(vs))
	for i, v := range vs {
		recs[i] = NewRecord(v, r)
		recs[i].Position = positions[v.UserID]
	}
	return recs
}

// NewRecord turns one viewer's stats into an export record, with no
// position: that takes the whole channel (see Records).
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
		return writeJSON(w, Records(viewers, r))
	case "csv":
		cw := csv.NewWriter(w)
		if err := cw.Write(csvHeader); err != nil {
			return err
		}
		n := func(i int64) string { return strconv.FormatInt(i, 10) }
		for _, rec := range Records(viewers, r) {
			position := ""
			if rec.Position > 0 {
				position = strconv.Itoa(rec.Position)
			}
			if err := cw.Write([]string{rec.UserID, rec.Login, csvText(rec.DisplayName, rec.Login), n(rec.Messages), n(rec.Points), n(rec.LifetimePoints),
				csvSafe(rec.Rank), n(rec.WatchMinutes), n(rec.Streak), n(rec.LongestStreak), rec.FirstSeen, rec.LastSeen, position}); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	default:
		return hearth.Errorf(hearth.EINVALID, "unknown export format %q: use json or csv", format)
	}
}

// writeJSON writes v as an indented JSON document, with the API's encoder:
// an empty list is [], never null.
func writeJSON(w io.Writer, v any) error {
	b, err := jsonlist.MarshalIndent(v, "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// csvText is a CSV cell of text from Twitch or the API: as
// hearth.DisplayText shows it (fallback when nothing visible remains),
// isolated like any plain text so that a right-to-left name cannot reorder
// the cells around it when the file is read as text, and defused.
func csvText(s, fallback string) string {
	return csvSafe(hearth.IsolateText(hearth.DisplayText(s, fallback)))
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
