package postgres

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/hearthlive/hearth"
)

// streamColumns are read and written in this order by upsertStreams,
// streamArrays and scanStream.
const streamColumns = `channel, seq, started_at, ended_at, source, messages, chatters, minutes`

// upsertStreams writes many whole rows in one statement, as upsertViewers
// does: a row for an existing (channel, seq) replaces every column of the
// stored one.
const upsertStreams = `INSERT INTO streams (` + streamColumns + `)
SELECT * FROM unnest($1::text[], $2::bigint[], $3::timestamptz[], $4::timestamptz[],
	$5::text[], $6::bigint[], $7::bigint[], $8::bigint[])
ON CONFLICT (channel, seq) DO UPDATE SET
	started_at = excluded.started_at,
	ended_at   = excluded.ended_at,
	source     = excluded.source,
	messages   = excluded.messages,
	chatters   = excluded.chatters,
	minutes    = excluded.minutes`

// streamKey names one stream session: a channel and a sequence number.
type streamKey struct {
	channel string
	seq     int64
}

func keyOfStream(s hearth.StreamSession) streamKey { return streamKey{s.Channel, s.Seq} }

func compareStreamKeys(a, b streamKey) int {
	return cmp.Or(cmp.Compare(a.channel, b.channel), cmp.Compare(a.seq, b.seq))
}

// streamArrays returns the arguments of upsertStreams for ss: one slice per
// column, in the order of streamColumns.
func streamArrays(ss []hearth.StreamSession) []any {
	type row = hearth.StreamSession
	return []any{
		column(ss, func(r row) string { return r.Channel }),
		column(ss, func(r row) int64 { return r.Seq }),
		column(ss, func(r row) time.Time { return r.StartedAt }),
		// A live stream's zero EndedAt is stored as NULL.
		column(ss, func(r row) pgtype.Timestamptz { return pgtype.Timestamptz{Time: r.EndedAt, Valid: !r.EndedAt.IsZero()} }),
		column(ss, func(r row) string { return r.Source }),
		column(ss, func(r row) int64 { return r.Messages }),
		column(ss, func(r row) int64 { return r.Chatters }),
		column(ss, func(r row) int64 { return r.Minutes }),
	}
}

// Streams returns up to n of a channel's stream sessions, newest (highest
// Seq) first, and an empty slice for a channel without any. n must be at
// least 1, otherwise it returns an EINVALID error.
func (db *DB) Streams(ctx context.Context, channel string, n int) ([]hearth.StreamSession, error) {
	if n < 1 {
		return nil, hearth.Errorf(hearth.EINVALID, "number of streams must be at least 1, got %d", n)
	}
	rows, err := db.pool.Query(ctx, `SELECT `+streamColumns+` FROM streams
		WHERE channel = $1
		ORDER BY seq DESC
		LIMIT $2`, channel, n)
	if err != nil {
		return nil, fmt.Errorf("postgres: unable to list streams: %w", err)
	}
	defer rows.Close()
	ss := []hearth.StreamSession{}
	for rows.Next() {
		s, err := scanStream(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: unable to list streams: %w", err)
		}
		ss = append(ss, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: unable to list streams: %w", err)
	}
	return ss, nil
}

// scanStream reads one row of streamColumns.
func scanStream(row pgx.Row) (hearth.StreamSession, error) {
	var s hearth.StreamSession
	var ended pgtype.Timestamptz
	if err := row.Scan(&s.Channel, &s.Seq, &s.StartedAt, &ended, &s.Source, &s.Messages, &s.Chatters, &s.Minutes); err != nil {
		return hearth.StreamSession{}, err
	}
	// pgx returns times in the process's local zone.
	s.StartedAt = s.StartedAt.UTC()
	if ended.Valid {
		s.EndedAt = ended.Time.UTC()
	}
	return s, nil
}
