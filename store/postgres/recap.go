package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/hearthlive/hearth"
)

// recapColumns are read and written in this order by upsertRecaps,
// recapArrays and scanRecap.
const recapColumns = `channel, seq, started_at, ended_at, messages, chatters, verified_messages, verified_chatters,
	newcomers, returners, previous_attendees, retained, top10_share, peak_viewers, avg_viewers, participation,
	activity, polls, segments, cohorts`

// upsertRecaps writes many whole recap rows in one statement; a recap of
// an existing (channel, seq) replaces every column of the stored one.
const upsertRecaps = `INSERT INTO recaps (` + recapColumns + `)
SELECT * FROM unnest($1::text[], $2::bigint[], $3::timestamptz[], $4::timestamptz[],
	$5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[], $12::bigint[],
	$13::double precision[], $14::bigint[], $15::bigint[], $16::double precision[], $17::text[], $18::text[], $19::text[], $20::text[])
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

func keyOfRecap(r hearth.StreamRecap) streamKey { return streamKey{r.Channel, r.Seq} }

// recapArrays returns the arguments of upsertRecaps for rs: one slice per
// column, in the order of recapColumns. Times are kept to the millisecond,
// inside the JSON columns too, as SQLite keeps them.
func recapArrays(rs []hearth.StreamRecap) []any {
	type row = hearth.StreamRecap
	return []any{
		column(rs, func(r row) string { return r.Channel }),
		column(rs, func(r row) int64 { return r.Seq }),
		column(rs, func(r row) time.Time { return ms(r.StartedAt) }),
		// A live stream's zero EndedAt is stored as NULL.
		column(rs, func(r row) pgtype.Timestamptz {
			return pgtype.Timestamptz{Time: ms(r.EndedAt), Valid: !r.EndedAt.IsZero()}
		}),
		column(rs, func(r row) int64 { return r.Messages }),
		column(rs, func(r row) int64 { return r.Chatters }),
		column(rs, func(r row) int64 { return r.VerifiedMessages }),
		column(rs, func(r row) int64 { return r.VerifiedChatters }),
		column(rs, func(r row) int64 { return r.Newcomers }),
		column(rs, func(r row) int64 { return r.Returners }),
		column(rs, func(r row) int64 { return r.PreviousAttendees }),
		column(rs, func(r row) int64 { return r.Retained }),
		column(rs, func(r row) float64 { return r.Top10Share }),
		column(rs, func(r row) int64 { return r.PeakViewers }),
		column(rs, func(r row) int64 { return r.AvgViewers }),
		column(rs, func(r row) float64 { return r.Participation }),
		column(rs, func(r row) string { return jsonArray(r.Activity) }),
		column(rs, func(r row) string { return jsonArray(r.Polls) }),
		column(rs, func(r row) string {
			segments := make([]hearth.SegmentRecap, len(r.Segments))
			for i, s := range r.Segments {
				s.StartedAt, s.EndedAt = ms(s.StartedAt).UTC(), ms(s.EndedAt).UTC()
				segments[i] = s
			}
			return jsonArray(segments)
		}),
		column(rs, func(r row) string { return jsonArray(r.Cohorts) }),
	}
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
	rows, err := db.pool.Query(ctx, `SELECT `+recapColumns+` FROM recaps WHERE channel = $1 AND seq = $2`, channel, seq)
	if err != nil {
		return hearth.StreamRecap{}, fmt.Errorf("postgres: unable to read recap: %w", err)
	}
	rs, err := scanRecaps(rows)
	if err != nil {
		return hearth.StreamRecap{}, fmt.Errorf("postgres: unable to read recap: %w", err)
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
	// 0 means no bound: every seq is below the largest bigint.
	bound := before
	if bound == 0 {
		bound = 1<<63 - 1
	}
	rows, err := db.pool.Query(ctx, `SELECT `+recapColumns+` FROM recaps WHERE channel = $1 AND seq < $2
		ORDER BY seq DESC LIMIT $3`, channel, bound, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: unable to list recaps: %w", err)
	}
	rs, err := scanRecaps(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres: unable to list recaps: %w", err)
	}
	return rs, nil
}

// scanRecaps reads every row of recapColumns and closes rows.
func scanRecaps(rows pgx.Rows) ([]hearth.StreamRecap, error) {
	defer rows.Close()
	rs := []hearth.StreamRecap{}
	for rows.Next() {
		var r hearth.StreamRecap
		var ended pgtype.Timestamptz
		var activity, polls, segments, cohorts string
		if err := rows.Scan(&r.Channel, &r.Seq, &r.StartedAt, &ended, &r.Messages, &r.Chatters,
			&r.VerifiedMessages, &r.VerifiedChatters, &r.Newcomers, &r.Returners, &r.PreviousAttendees, &r.Retained,
			&r.Top10Share, &r.PeakViewers, &r.AvgViewers, &r.Participation, &activity, &polls, &segments, &cohorts); err != nil {
			return nil, err
		}
		// pgx returns times in the process's local zone.
		r.StartedAt = r.StartedAt.UTC()
		if ended.Valid {
			r.EndedAt = ended.Time.UTC()
		}
		for _, c := range []struct {
			name string
			text string
			into any
		}{{"activity", activity, &r.Activity}, {"polls", polls, &r.Polls}, {"segments", segments, &r.Segments}, {"cohorts", cohorts, &r.Cohorts}} {
			if err := json.Unmarshal([]byte(c.text), c.into); err != nil {
				return nil, fmt.Errorf("recap %d: %s: %w", r.Seq, c.name, err)
			}
		}
		for i := range r.Segments {
			r.Segments[i].StartedAt = r.Segments[i].StartedAt.UTC()
			if !r.Segments[i].EndedAt.IsZero() {
				r.Segments[i].EndedAt = r.Segments[i].EndedAt.UTC()
			}
		}
		rs = append(rs, r)
	}
	return rs, rows.Err()
}
