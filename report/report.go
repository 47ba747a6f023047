// Package report turns a stream's recap into what people read: the JSON
// that the streams API and `hearth report --format json` return, and a
// one-page Markdown or HTML document a community manager can send. Every
// format carries the same figures.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/hearthlive/hearth"
)

// Formats are the formats Write knows.
var Formats = []string{"json", "md", "html"}

// Recap is one stream's recap with the figures derived from it, as the API
// and the report show it. It is the stored hearth.StreamRecap's JSON plus
// live, duration_seconds, retention, verified_share and, once Follow has
// seen the later streams, newcomers_returned.
type Recap struct {
	hearth.StreamRecap
	// Live is true while the stream has not ended; its figures still grow.
	Live bool `json:"live"`
	// DurationSeconds runs from the start to the end, or to the time the
	// recap was read while live.
	DurationSeconds int64 `json:"duration_seconds"`
	// Retention is Retained / PreviousAttendees: of the viewers who
	// attended the previous stream, the share who attended this one. Nil
	// (JSON null) when there was no previous stream with attendees.
	Retention *float64 `json:"retention"`
	// VerifiedShare is VerifiedMessages / Messages: how much of the chat
	// remains once bots and copy-paste bursts are left out. Nil without
	// messages.
	VerifiedShare *float64 `json:"verified_share"`
	// NewcomersReturned is this stream's newcomer cohort seen from the
	// streams 1, 2 and 4 later, as far as they happened: its retention
	// curve. Cohorts, the other way round, are earlier cohorts seen from
	// this stream.
	NewcomersReturned []CohortPoint `json:"newcomers_returned"`
}

// CohortPoint is how many of one stream's newcomers attended a later
// stream.
type CohortPoint struct {
	Stream    int64   `json:"stream"` // the later stream
	After     int64   `json:"after"`  // how many streams later: 1, 2 or 4
	Newcomers int64   `json:"newcomers"`
	Attended  int64   `json:"attended"`
	Share     float64 `json:"share"` // Attended / Newcomers, 0 without newcomers
}

// LaterStreams is how far Follow looks ahead: a cohort is seen from the
// streams 1, 2 and 4 after its own.
const LaterStreams = 4

// Follow fills r's NewcomersReturned from the recaps of the streams after
// it (any order; others are ignored), each of which says how many of r's
// newcomers attended it.
func (r *Recap) Follow(later []hearth.StreamRecap) {
	r.NewcomersReturned = []CohortPoint{}
	byStream := make(map[int64]hearth.StreamRecap, len(later))
	for _, l := range later {
		if l.Channel == r.Channel && l.Seq > r.Seq && l.Seq <= r.Seq+LaterStreams {
			byStream[l.Seq] = l
		}
	}
	for _, after := range []int64{1, 2, 4} {
		l, ok := byStream[r.Seq+after]
		if !ok {
			continue
		}
		for _, c := range l.Cohorts {
			if c.Cohort != r.Seq {
				continue
			}
			p := CohortPoint{Stream: l.Seq, After: after, Newcomers: c.Newcomers, Attended: c.Attended}
			if c.Newcomers > 0 {
				p.Share = float64(c.Attended) / float64(c.Newcomers)
			}
			r.NewcomersReturned = append(r.NewcomersReturned, p)
		}
	}
}

// New derives a Recap from r; now ends a live stream's duration.
func New(r hearth.StreamRecap, now time.Time) Recap {
	out := Recap{StreamRecap: r, Live: r.EndedAt.IsZero()}
	end := r.EndedAt
	if out.Live {
		end = now
	}
	if d := end.Sub(r.StartedAt); d > 0 {
		out.DurationSeconds = int64(d / time.Second)
	}
	if r.PreviousAttendees > 0 {
		v := float64(r.Retained) / float64(r.PreviousAttendees)
		out.Retention = &v
	}
	if r.Messages > 0 {
		v := float64(r.VerifiedMessages) / float64(r.Messages)
		out.VerifiedShare = &v
	}
	// Lists are never null in JSON, so that readers need no special case.
	if out.Activity == nil {
		out.Activity = []hearth.MinuteActivity{}
	}
	if out.Polls == nil {
		out.Polls = []hearth.PollRecap{}
	}
	if out.Segments == nil {
		out.Segments = []hearth.SegmentRecap{}
	}
	if out.Cohorts == nil {
		out.Cohorts = []hearth.CohortRetention{}
	}
	out.NewcomersReturned = []CohortPoint{}
	return out
}

// Duration returns the stream's duration as a time.Duration.
func (r Recap) Duration() time.Duration { return time.Duration(r.DurationSeconds) * time.Second }

// Write writes r to w as format: "json", "md" (Markdown) or "html" (one
// self-contained page with an inline chart, that loads nothing).
func Write(w io.Writer, format string, r Recap) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	case "md":
		return writeMarkdown(w, r)
	case "html":
		return writeHTML(w, r)
	}
	return hearth.Errorf(hearth.EINVALID, "unknown report format %q: use json, md or html", format)
}

// percent formats a ratio as a percentage with one decimal, "–" for none.
func percent(v *float64) string {
	if v == nil {
		return "–"
	}
	return fmt.Sprintf("%.1f%%", *v*100)
}

// ratioPtr returns a pointer to f, for percent.
func ratioPtr(f float64) *float64 { return &f }

// clock formats an instant of the report: UTC, to the minute.
func clock(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// hm formats a duration as hours and minutes, "1 h 05 min" or "42 min".
func hm(d time.Duration) string {
	m := int64(d.Round(time.Minute) / time.Minute)
	if m < 60 {
		return fmt.Sprintf("%d min", m)
	}
	return fmt.Sprintf("%d h %02d min", m/60, m%60)
}

// segmentDuration returns how long s ran, up to end for one still running.
func segmentDuration(s hearth.SegmentRecap, end time.Time) time.Duration {
	if !s.EndedAt.IsZero() {
		end = s.EndedAt
	}
	if end.Before(s.StartedAt) {
		return 0
	}
	return end.Sub(s.StartedAt)
}

// streamEnd is the end of r, or the end of its duration while live.
func (r Recap) streamEnd() time.Time { return r.StartedAt.Add(r.Duration()) }
