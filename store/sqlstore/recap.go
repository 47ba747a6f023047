package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hearthlive/hearth"
)

// recaps is the recaps table: a recap of a stored (channel, seq) replaces
// every column of the stored one. Its lists are JSON text, kept as
// written; times are kept to the millisecond, inside the JSON too.
var recaps = newTable("recaps", 2,
	textColumn("channel", func(r hearth.StreamRecap) string { return r.Channel }),
	intColumn("seq", func(r hearth.StreamRecap) int64 { return r.Seq }),
	timeColumn("started_at", func(r hearth.StreamRecap) time.Time { return ms(r.StartedAt) }),
	// A live stream's zero EndedAt is stored as none.
	optionalTimeColumn("ended_at", func(r hearth.StreamRecap) time.Time { return ms(r.EndedAt) }),
	intColumn("messages", func(r hearth.StreamRecap) int64 { return r.Messages }),
	intColumn("chatters", func(r hearth.StreamRecap) int64 { return r.Chatters }),
	intColumn("verified_messages", func(r hearth.StreamRecap) int64 { return r.VerifiedMessages }),
	intColumn("verified_chatters", func(r hearth.StreamRecap) int64 { return r.VerifiedChatters }),
	intColumn("newcomers", func(r hearth.StreamRecap) int64 { return r.Newcomers }),
	intColumn("returners", func(r hearth.StreamRecap) int64 { return r.Returners }),
	intColumn("previous_attendees", func(r hearth.StreamRecap) int64 { return r.PreviousAttendees }),
	intColumn("retained", func(r hearth.StreamRecap) int64 { return r.Retained }),
	floatColumn("top10_share", func(r hearth.StreamRecap) float64 { return r.Top10Share }),
	intColumn("peak_viewers", func(r hearth.StreamRecap) int64 { return r.PeakViewers }),
	intColumn("avg_viewers", func(r hearth.StreamRecap) int64 { return r.AvgViewers }),
	floatColumn("participation", func(r hearth.StreamRecap) float64 { return r.Participation }),
	textColumn("activity", func(r hearth.StreamRecap) string { return jsonArray(r.Activity) }),
	textColumn("polls", func(r hearth.StreamRecap) string { return jsonArray(r.Polls) }),
	textColumn("segments", func(r hearth.StreamRecap) string {
		segments := make([]hearth.SegmentRecap, len(r.Segments))
		for i, s := range r.Segments {
			s.StartedAt, s.EndedAt = ms(s.StartedAt).UTC(), ms(s.EndedAt).UTC()
			segments[i] = s
		}
		return jsonArray(segments)
	}),
	textColumn("cohorts", func(r hearth.StreamRecap) string { return jsonArray(r.Cohorts) }),
)

// jsonArray encodes a recap's list; a nil one is stored as [], so that
// every recap reads back with empty lists rather than none. The values are
// validated before (no NaN or infinity), so encoding cannot fail.
func jsonArray[T any](xs []T) string {
	if xs == nil {
		xs = []T{}
	}
	b, _ := json.Marshal(xs)
	return string(b)
}

// Recap returns one stream's recap, or ENOTFOUND.
func (s *Store) Recap(ctx context.Context, channel string, seq int64) (hearth.StreamRecap, error) {
	rows, err := s.d.Query(ctx, `SELECT `+recaps.list+` FROM recaps WHERE channel = $1 AND seq = $2`, channel, seq)
	if err != nil {
		return hearth.StreamRecap{}, s.errorf("unable to read recap: %w", err)
	}
	rs, err := s.scanRecaps(rows)
	if err != nil {
		return hearth.StreamRecap{}, s.errorf("unable to read recap: %w", err)
	}
	if len(rs) == 0 {
		return hearth.StreamRecap{}, hearth.Errorf(hearth.ENOTFOUND, "#%s has no recap of stream %d", channel, seq)
	}
	return rs[0], nil
}

// Recaps returns up to limit of a channel's recaps, newest (highest seq)
// first; with before above 0, only those of streams before it. It returns
// an empty slice for a channel without any, and EINVALID for a limit below
// 1 or a negative before.
func (s *Store) Recaps(ctx context.Context, channel string, before int64, limit int) ([]hearth.StreamRecap, error) {
	if err := hearth.ValidRecapPage(before, limit); err != nil {
		return nil, err
	}
	// 0 means no bound: every seq is below the largest 64-bit integer.
	bound := before
	if bound == 0 {
		bound = 1<<63 - 1
	}
	rows, err := s.d.Query(ctx, `SELECT `+recaps.list+` FROM recaps WHERE channel = $1 AND seq < $2
		ORDER BY seq DESC LIMIT $3`, channel, bound, limit)
	if err != nil {
		return nil, s.errorf("unable to list recaps: %w", err)
	}
	rs, err := s.scanRecaps(rows)
	if err != nil {
		return nil, s.errorf("unable to list recaps: %w", err)
	}
	return rs, nil
}

// scanRecaps reads every row of recaps' columns and closes rows.
func (s *Store) scanRecaps(rows Rows) ([]hearth.StreamRecap, error) {
	defer rows.Close()
	rs := []hearth.StreamRecap{}
	for rows.Next() {
		var r hearth.StreamRecap
		var activity, polls, segments, cohorts string
		if err := rows.Scan(&r.Channel, &r.Seq, s.d.Time(&r.StartedAt), s.d.OptionalTime(&r.EndedAt), &r.Messages, &r.Chatters,
			&r.VerifiedMessages, &r.VerifiedChatters, &r.Newcomers, &r.Returners, &r.PreviousAttendees, &r.Retained,
			&r.Top10Share, &r.PeakViewers, &r.AvgViewers, &r.Participation, &activity, &polls, &segments, &cohorts); err != nil {
			return nil, err
		}
		if err := decodeRecapLists(&r, activity, polls, segments, cohorts); err != nil {
			return nil, err
		}
		rs = append(rs, r)
	}
	return rs, rows.Err()
}

// decodeRecapLists reads a recap's JSON columns into r.
func decodeRecapLists(r *hearth.StreamRecap, activity, polls, segments, cohorts string) error {
	for _, c := range []struct {
		name string
		text string
		into any
	}{{"activity", activity, &r.Activity}, {"polls", polls, &r.Polls}, {"segments", segments, &r.Segments}, {"cohorts", cohorts, &r.Cohorts}} {
		if err := json.Unmarshal([]byte(c.text), c.into); err != nil {
			return fmt.Errorf("recap %d: %s: %w", r.Seq, c.name, err)
		}
	}
	for i := range r.Segments {
		r.Segments[i].StartedAt = r.Segments[i].StartedAt.UTC()
		if !r.Segments[i].EndedAt.IsZero() {
			r.Segments[i].EndedAt = r.Segments[i].EndedAt.UTC()
		}
	}
	return nil
}
