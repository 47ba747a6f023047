package sqlstore

import (
	"context"
	"time"

	"github.com/hearthlive/hearth"
)

// streams is the streams table: a row of a stored (channel, seq) replaces
// every column of the stored one.
var streams = newTable("streams", 2,
	textColumn("channel", func(s hearth.StreamSession) string { return s.Channel }),
	intColumn("seq", func(s hearth.StreamSession) int64 { return s.Seq }),
	timeColumn("started_at", func(s hearth.StreamSession) time.Time { return s.StartedAt }),
	// A live stream's zero EndedAt is stored as none.
	optionalTimeColumn("ended_at", func(s hearth.StreamSession) time.Time { return s.EndedAt }),
	textColumn("source", func(s hearth.StreamSession) string { return s.Source }),
	intColumn("messages", func(s hearth.StreamSession) int64 { return s.Messages }),
	intColumn("chatters", func(s hearth.StreamSession) int64 { return s.Chatters }),
	intColumn("minutes", func(s hearth.StreamSession) int64 { return s.Minutes }),
)

// Streams returns up to n of a channel's stream sessions, newest (highest
// Seq) first, and an empty slice for a channel without any. n must be at
// least 1, otherwise it returns an EINVALID error.
func (s *Store) Streams(ctx context.Context, channel string, n int) ([]hearth.StreamSession, error) {
	if n < 1 {
		return nil, hearth.Errorf(hearth.EINVALID, "number of streams must be at least 1, got %d", n)
	}
	rows, err := s.d.Query(ctx, `SELECT `+streams.list+` FROM streams
		WHERE channel = $1
		ORDER BY seq DESC
		LIMIT $2`, channel, n)
	if err != nil {
		return nil, s.errorf("unable to list streams: %w", err)
	}
	defer rows.Close()
	ss := []hearth.StreamSession{}
	for rows.Next() {
		var st hearth.StreamSession
		if err := rows.Scan(&st.Channel, &st.Seq, s.d.Time(&st.StartedAt), s.d.OptionalTime(&st.EndedAt),
			&st.Source, &st.Messages, &st.Chatters, &st.Minutes); err != nil {
			return nil, s.errorf("unable to list streams: %w", err)
		}
		ss = append(ss, st)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("unable to list streams: %w", err)
	}
	return ss, nil
}
