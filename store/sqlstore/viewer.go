package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/hearthlive/hearth"
)

// viewers is the viewers table, written through hearth.ViewerStats.
var viewers = newTable("viewers", 2,
	textColumn("channel", func(v hearth.ViewerStats) string { return v.Channel }),
	textColumn("user_id", func(v hearth.ViewerStats) string { return v.UserID }),
	textColumn("login", func(v hearth.ViewerStats) string { return v.Login }),
	textColumn("display_name", func(v hearth.ViewerStats) string { return v.DisplayName }),
	intColumn("messages", func(v hearth.ViewerStats) int64 { return v.Messages }),
	intColumn("points", func(v hearth.ViewerStats) int64 { return v.Points }),
	intColumn("lifetime_points", func(v hearth.ViewerStats) int64 { return v.LifetimePoints }),
	intColumn("watch_seconds", func(v hearth.ViewerStats) int64 { return v.WatchSeconds }),
	intColumn("stream_seq", func(v hearth.ViewerStats) int64 { return v.StreamSeq }),
	intColumn("stream_messages", func(v hearth.ViewerStats) int64 { return v.StreamMessages }),
	intColumn("stream_watch_seconds", func(v hearth.ViewerStats) int64 { return v.StreamWatchSeconds }),
	intColumn("streak", func(v hearth.ViewerStats) int64 { return v.Streak }),
	intColumn("longest_streak", func(v hearth.ViewerStats) int64 { return v.LongestStreak }),
	intColumn("last_attended", func(v hearth.ViewerStats) int64 { return v.LastAttended }),
	intColumn("grace_used_at", func(v hearth.ViewerStats) int64 { return v.GraceUsedAt }),
	timeColumn("first_seen", func(v hearth.ViewerStats) time.Time { return v.FirstSeen }),
	timeColumn("last_seen", func(v hearth.ViewerStats) time.Time { return v.LastSeen }),
	// A viewer never seen following has none.
	optionalTimeColumn("followed_at", func(v hearth.ViewerStats) time.Time { return v.FollowedAt }),
	intColumn("watch_from", func(v hearth.ViewerStats) int64 { return v.WatchFrom }),
)

// selectViewers reads the columns of viewers but channel, which the
// reader knows, from viewers v, in the order viewerScan takes them.
const selectViewers = `SELECT v.user_id, v.login, v.display_name, v.messages, v.points, v.lifetime_points,
	v.watch_seconds, v.stream_seq, v.stream_messages, v.stream_watch_seconds,
	v.streak, v.longest_streak, v.last_attended, v.grace_used_at, v.first_seen, v.last_seen, v.followed_at,
	v.watch_from`

// selectViewer is selectViewers and then the minute at which v's open
// presence span, if any, ends (hearth.StreamClock.End): the first cut of
// its stream that it does not follow, or else the last minute its stream
// stored. readViewer folds it in.
const selectViewer = selectViewers + `, CASE WHEN v.watch_from > 0 THEN COALESCE(
	(SELECT min(c.minute) FROM presence_cuts c
		WHERE c.channel = v.channel AND c.seq = v.stream_seq AND c.minute >= v.watch_from - 1),
	(SELECT s.minutes FROM streams s WHERE s.channel = v.channel AND s.seq = v.stream_seq),
	0) ELSE 0 END
FROM viewers v`

// selectClocks reads the presence clocks of a channel's streams
// (hearth.StreamClock): one row per cut, in order, and one for a stream
// without cuts, whose cut is NULL.
const selectClocks = `SELECT s.seq, s.minutes, c.minute FROM streams s
	LEFT JOIN presence_cuts c ON c.channel = s.channel AND c.seq = s.seq
	WHERE s.channel = $1
	ORDER BY s.seq, c.minute`

// EndPresence ends the open presence spans of a channel's viewers as of
// the last minute their stream stored, with a presence cut of the live
// stream: one row, whatever the number of viewers.
func (s *Store) EndPresence(ctx context.Context, channel string) error {
	err := s.d.Write(ctx, func(tx Tx) error {
		for _, q := range s.d.EndPresence() {
			if err := tx.Exec(ctx, q, channel); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return s.errorf("unable to end presence in channel %s: %w", channel, err)
	}
	return nil
}

// Viewer returns one viewer's stats in a channel, or an ENOTFOUND error.
func (s *Store) Viewer(ctx context.Context, channel, userID string) (hearth.ViewerStats, error) {
	row := s.d.QueryRow(ctx, selectViewer+`
		WHERE v.channel = $1 AND v.user_id = $2`, channel, userID)
	v, err := s.readViewer(row, channel)
	if errors.Is(err, sql.ErrNoRows) {
		return hearth.ViewerStats{}, hearth.Errorf(hearth.ENOTFOUND, "viewer %s not found in channel %s", userID, channel)
	} else if err != nil {
		return hearth.ViewerStats{}, s.errorf("unable to read viewer: %w", err)
	}
	return v, nil
}

// ViewerByLogin returns one viewer's stats in a channel by login, or an
// ENOTFOUND error. Twitch lets a login pass to a new account after a rename,
// so when two viewers share a login the one seen last wins.
func (s *Store) ViewerByLogin(ctx context.Context, channel, login string) (hearth.ViewerStats, error) {
	row := s.d.QueryRow(ctx, selectViewer+`
		WHERE v.channel = $1 AND v.login = $2
		ORDER BY v.last_seen DESC, v.user_id
		LIMIT 1`, channel, login)
	v, err := s.readViewer(row, channel)
	if errors.Is(err, sql.ErrNoRows) {
		return hearth.ViewerStats{}, hearth.Errorf(hearth.ENOTFOUND, "viewer %s not found in channel %s", login, channel)
	} else if err != nil {
		return hearth.ViewerStats{}, s.errorf("unable to read viewer by login: %w", err)
	}
	return v, nil
}

// Viewers returns every viewer of a channel ordered by user id (byte-wise),
// and an empty slice for a channel without viewers.
//
// A channel's viewers are read whole at start-up, a million rows or more:
// the slice is sized from a count first, so it is allocated once instead
// of copied at every doubling, every row shares one channel string, and
// one viewerScan reads them all.
// The rows are read as stored, and their presence spans folded here with
// the channel's stream clocks, read once, rather than by a look-up of
// their stream per row.
func (s *Store) Viewers(ctx context.Context, channel string) ([]hearth.ViewerStats, error) {
	var n int
	if err := s.d.QueryRow(ctx, `SELECT count(*) FROM viewers WHERE channel = $1`, channel).Scan(&n); err != nil {
		return nil, s.errorf("unable to count viewers: %w", err)
	}
	clocks, err := s.clocks(ctx, channel)
	if err != nil {
		return nil, s.errorf("unable to list viewers: %w", err)
	}
	rows, err := s.d.Query(ctx, selectViewers+`
		FROM viewers v
		WHERE v.channel = $1
		ORDER BY v.user_id`, channel)
	if err != nil {
		return nil, s.errorf("unable to list viewers: %w", err)
	}
	vs, err := s.scanViewers(rows, channel, n, clocks)
	if err != nil {
		return nil, s.errorf("unable to list viewers: %w", err)
	}
	return vs, nil
}

// clocks returns the presence clocks of a channel's streams by Seq.
func (s *Store) clocks(ctx context.Context, channel string) (hearth.StreamClocks, error) {
	rows, err := s.d.Query(ctx, selectClocks, channel)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	clocks := make(hearth.StreamClocks)
	for rows.Next() {
		var seq, minutes int64
		var cut sql.NullInt64
		if err := rows.Scan(&seq, &minutes, &cut); err != nil {
			return nil, err
		}
		clocks.Add(seq, minutes, cut.Int64, cut.Valid)
	}
	return clocks, rows.Err()
}

// scanViewers reads every row of selectViewers, viewers of channel, folds
// their presence spans with clocks (the channel's, by stream Seq) and
// closes rows; n is how many rows are expected, a capacity hint.
func (s *Store) scanViewers(rows Rows, channel string, n int, clocks hearth.StreamClocks) ([]hearth.ViewerStats, error) {
	defer rows.Close()
	vs := make([]hearth.ViewerStats, 0, n)
	sc := s.newViewerScan()
	for rows.Next() {
		v, err := sc.scan(rows, channel)
		if err != nil {
			return nil, err
		}
		vs = append(vs, clocks.Fold(v))
	}
	return vs, rows.Err()
}

// readViewer reads the one row of selectViewer, a viewer of channel, its
// presence span folded.
func (s *Store) readViewer(row Row, channel string) (hearth.ViewerStats, error) {
	var end int64
	v, err := s.newViewerScan(&end).scan(row, channel)
	if err != nil {
		return hearth.ViewerStats{}, err
	}
	return v.Folded(end), nil
}

// viewerScan reads rows of selectViewers into one record, whose list of
// destinations is built once for all the rows it reads.
type viewerScan struct {
	v    hearth.ViewerStats
	dest []any
}

// newViewerScan returns a viewerScan that reads the columns of
// selectViewers, then any more into more.
func (s *Store) newViewerScan(more ...any) *viewerScan {
	sc := new(viewerScan)
	v := &sc.v
	sc.dest = append([]any{&v.UserID, &v.Login, &v.DisplayName, &v.Messages, &v.Points, &v.LifetimePoints,
		&v.WatchSeconds, &v.StreamSeq, &v.StreamMessages, &v.StreamWatchSeconds,
		&v.Streak, &v.LongestStreak, &v.LastAttended, &v.GraceUsedAt,
		s.d.Time(&v.FirstSeen), s.d.Time(&v.LastSeen), s.d.OptionalTime(&v.FollowedAt), &v.WatchFrom}, more...)
	return sc
}

// scan reads one row, a viewer of channel.
func (sc *viewerScan) scan(row Row, channel string) (hearth.ViewerStats, error) {
	if err := row.Scan(sc.dest...); err != nil {
		return hearth.ViewerStats{}, err
	}
	v := sc.v
	v.Channel = channel
	return v, nil
}
