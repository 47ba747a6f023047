package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/hearthlive/hearth"
)

// recapColumns are read and written in this order by upsertRecap,
// recapArgs and scanRecaps.
const recapColumns = `channel, seq, started_at, ended_at, messages, chatters, verified_messages, verified_chatters,
	newcomers, returners, previous_attendees, retained, top10_share, peak_viewers, avg_viewers, participation,
	activity, polls, segments, cohorts`

// upsertRecap writes one whole recap row; a later recap of the same
// (channel, seq) replaces every column of the earlier one.
const upsertRecap = `INSERT INTO recaps (` + recapColumns + `)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (channel, seq) DO UPDATE SET
	started_at = excluded.started_at, ended_at = excluded.ended_at,
	messages = excluded.messages, chatters = excluded.chatters,
	verified_messages = excluded.verified_messages, verified_chatters = excluded.verified_chatters,
	newcomers = excluded.newcomers, returners = excluded.returners,
	previous_attendees = excluded.previous_attendees, retained = excluded.retained,
	top10_share = excluded.top10_share, peak_viewers = excluded.peak_viewers,
	avg_viewers = excluded.avg_viewers, participation = excluded.participation,
	activity = excluded.activity, polls = excluded.polls, segments = excluded.segments,
	cohorts = excluded.cohorts`

// recapArgs returns r's values in the order of recapColumns. Times inside
// the JSON columns are kept in UTC to the millisecond, like the others.
func recapArgs(r hearth.StreamRecap) []any {
	segments := make([]hearth.SegmentRecap, len(r.Segments))
	for i, s := range r.Segments {
		s.StartedAt = fromMillis(toMillis(s.StartedAt))
		s.EndedAt = endFromMillis(endToMillis(s.EndedAt))
		segments[i] = s
	}
	return []any{r.Channel, r.Seq, toMillis(r.StartedAt), endToMillis(r.EndedAt),
		r.Messages, r.Chatters, r.VerifiedMessages, r.VerifiedChatters,
		r.Newcomers, r.Returners, r.PreviousAttendees, r.Retained, r.Top10Share,
		r.PeakViewers, r.AvgViewers, r.Participation,
		jsonArray(r.Activity), jsonArray(r.Polls), jsonArray(segments), jsonArray(r.Cohorts)}
}

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
func (db *DB) Recap(ctx context.Context, channel string, seq int64) (hearth.StreamRecap, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+recapColumns+` FROM recaps WHERE channel = ? AND seq = ?`, channel, seq)
	if err != nil {
		return hearth.StreamRecap{}, fmt.Errorf("sqlite: unable to read recap: %w", err)
	}
	rs, err := scanRecaps(rows)
	if err != nil {
		return hearth.StreamRecap{}, fmt.Errorf("sqlite: unable to read recap: %w", err)
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
func (db *DB) Recaps(ctx context.Context, channel string, before int64, limit int) ([]hearth.StreamRecap, error) {
	if err := hearth.ValidRecapPage(before, limit); err != nil {
		return nil, err
	}
	var rows *sql.Rows
	var err error
	if before == 0 {
		rows, err = db.read.QueryContext(ctx, `SELECT `+recapColumns+` FROM recaps WHERE channel = ?
			ORDER BY seq DESC LIMIT ?`, channel, limit)
	} else {
		rows, err = db.read.QueryContext(ctx, `SELECT `+recapColumns+` FROM recaps WHERE channel = ? AND seq < ?
			ORDER BY seq DESC LIMIT ?`, channel, before, limit)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: unable to list recaps: %w", err)
	}
	rs, err := scanRecaps(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite: unable to list recaps: %w", err)
	}
	return rs, nil
}

// scanRecaps reads every row of recapColumns and closes rows.
func scanRecaps(rows *sql.Rows) ([]hearth.StreamRecap, error) {
	defer rows.Close()
	rs := []hearth.StreamRecap{}
	for rows.Next() {
		var r hearth.StreamRecap
		var started, ended int64
		var activity, polls, segments, cohorts string
		if err := rows.Scan(&r.Channel, &r.Seq, &started, &ended, &r.Messages, &r.Chatters,
			&r.VerifiedMessages, &r.VerifiedChatters, &r.Newcomers, &r.Returners, &r.PreviousAttendees, &r.Retained,
			&r.Top10Share, &r.PeakViewers, &r.AvgViewers, &r.Participation, &activity, &polls, &segments, &cohorts); err != nil {
			return nil, err
		}
		r.StartedAt, r.EndedAt = fromMillis(started), endFromMillis(ended)
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
