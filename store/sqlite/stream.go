package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/hearthlive/hearth"
)

// streamColumns are read and written in this order by upsertStream,
// streamArgs and scanStream.
const streamColumns = `channel, seq, started_at, ended_at, source, messages, chatters, minutes`

// upsertStream writes one whole row; a later row for the same (channel,
// seq) replaces every column of the earlier one.
const upsertStream = `INSERT INTO streams (` + streamColumns + `)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (channel, seq) DO UPDATE SET
	started_at = excluded.started_at,
	ended_at   = excluded.ended_at,
	source     = excluded.source,
	messages   = excluded.messages,
	chatters   = excluded.chatters,
	minutes    = excluded.minutes`

// streamArgs returns s's values in the order of streamColumns.
func streamArgs(s hearth.StreamSession) []any {
	return []any{s.Channel, s.Seq, toMillis(s.StartedAt), endToMillis(s.EndedAt), s.Source, s.Messages, s.Chatters, s.Minutes}
}

// Streams returns up to n of a channel's stream sessions, newest (highest
// Seq) first, and an empty slice for a channel without any. n must be at
// least 1, otherwise it returns an EINVALID error.
func (db *DB) Streams(ctx context.Context, channel string, n int) ([]hearth.StreamSession, error) {
	if n < 1 {
		return nil, hearth.Errorf(hearth.EINVALID, "number of streams must be at least 1, got %d", n)
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+streamColumns+` FROM streams
		WHERE channel = ?
		ORDER BY seq DESC
		LIMIT ?`, channel, n)
	if err != nil {
		return nil, fmt.Errorf("sqlite: unable to list streams: %w", err)
	}
	ss, err := scanStreams(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite: unable to list streams: %w", err)
	}
	return ss, nil
}

// scanStreams reads every row of streamColumns and closes rows.
func scanStreams(rows *sql.Rows) ([]hearth.StreamSession, error) {
	defer rows.Close()
	ss := []hearth.StreamSession{}
	for rows.Next() {
		var s hearth.StreamSession
		var started, ended int64
		if err := rows.Scan(&s.Channel, &s.Seq, &started, &ended, &s.Source, &s.Messages, &s.Chatters, &s.Minutes); err != nil {
			return nil, err
		}
		s.StartedAt = fromMillis(started)
		s.EndedAt = endFromMillis(ended)
		ss = append(ss, s)
	}
	return ss, rows.Err()
}

// endToMillis stores the end of a stream: 0 for a live stream (zero
// EndedAt), Unix milliseconds otherwise.
func endToMillis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return toMillis(t)
}

// endFromMillis reverses endToMillis. An end at exactly the Unix epoch
// therefore reads back as zero, live; no stream ended in 1970.
func endFromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return fromMillis(ms)
}
