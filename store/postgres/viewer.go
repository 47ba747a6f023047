package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/hearthlive/hearth"
)

// viewerColumns are written in this order by upsertViewers and
// viewerArrays.
const viewerColumns = `channel, user_id, login, display_name, messages, points, lifetime_points,
	watch_seconds, stream_seq, stream_messages, stream_watch_seconds,
	streak, longest_streak, last_attended, grace_used_at, first_seen, last_seen, followed_at, watch_from`

// selectViewers reads the columns of viewerColumns but channel, which the
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

// endPresence records a presence cut of a channel's live stream, if it has
// one, at the minute the stream stored, and moves the stream's clock past
// the minute the cut skips.
const endPresence = `WITH live AS (
	UPDATE streams SET minutes = minutes + 1 WHERE channel = $1 AND ended_at IS NULL
	RETURNING channel, seq, minutes - 1 AS minute)
INSERT INTO presence_cuts (channel, seq, minute) SELECT channel, seq, minute FROM live`

// upsertViewers writes many whole rows in one statement: each parameter is
// an array holding one column, and a row for an existing key replaces every
// column of the stored one.
const upsertViewers = `INSERT INTO viewers (` + viewerColumns + `)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::bigint[],
	$8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[],
	$12::bigint[], $13::bigint[], $14::bigint[], $15::bigint[], $16::timestamptz[], $17::timestamptz[], $18::timestamptz[],
	$19::bigint[])
ON CONFLICT (channel, user_id) DO UPDATE SET
	login                = excluded.login,
	display_name         = excluded.display_name,
	messages             = excluded.messages,
	points               = excluded.points,
	lifetime_points      = excluded.lifetime_points,
	watch_seconds        = excluded.watch_seconds,
	stream_seq           = excluded.stream_seq,
	stream_messages      = excluded.stream_messages,
	stream_watch_seconds = excluded.stream_watch_seconds,
	streak               = excluded.streak,
	longest_streak       = excluded.longest_streak,
	last_attended        = excluded.last_attended,
	grace_used_at        = excluded.grace_used_at,
	first_seen           = excluded.first_seen,
	last_seen            = excluded.last_seen,
	followed_at          = excluded.followed_at,
	watch_from           = excluded.watch_from`

// deleteViewers removes the viewers named by two arrays, channels and user
// ids; keys without a row are skipped.
const deleteViewers = `DELETE FROM viewers AS v
USING unnest($1::text[], $2::text[]) AS f (channel, user_id)
WHERE v.channel = f.channel AND v.user_id = f.user_id`

// viewerArrays returns the arguments of upsertViewers for vs: one slice per
// column, in the order of viewerColumns.
func viewerArrays(vs []hearth.ViewerStats) []any {
	type row = hearth.ViewerStats
	return []any{
		column(vs, func(r row) string { return r.Channel }),
		column(vs, func(r row) string { return r.UserID }),
		column(vs, func(r row) string { return r.Login }),
		column(vs, func(r row) string { return r.DisplayName }),
		column(vs, func(r row) int64 { return r.Messages }),
		column(vs, func(r row) int64 { return r.Points }),
		column(vs, func(r row) int64 { return r.LifetimePoints }),
		column(vs, func(r row) int64 { return r.WatchSeconds }),
		column(vs, func(r row) int64 { return r.StreamSeq }),
		column(vs, func(r row) int64 { return r.StreamMessages }),
		column(vs, func(r row) int64 { return r.StreamWatchSeconds }),
		column(vs, func(r row) int64 { return r.Streak }),
		column(vs, func(r row) int64 { return r.LongestStreak }),
		column(vs, func(r row) int64 { return r.LastAttended }),
		column(vs, func(r row) int64 { return r.GraceUsedAt }),
		column(vs, func(r row) time.Time { return r.FirstSeen }),
		column(vs, func(r row) time.Time { return r.LastSeen }),
		// A viewer never seen following has NULL.
		column(vs, func(r row) pgtype.Timestamptz {
			return pgtype.Timestamptz{Time: r.FollowedAt, Valid: !r.FollowedAt.IsZero()}
		}),
		column(vs, func(r row) int64 { return r.WatchFrom }),
	}
}

// EndPresence ends the open presence spans of a channel's viewers as of
// the last minute their stream stored, with a presence cut of the live
// stream: one row, whatever the number of viewers.
func (db *DB) EndPresence(ctx context.Context, channel string) error {
	if _, err := db.pool.Exec(ctx, endPresence, channel); err != nil {
		return fmt.Errorf("postgres: unable to end presence in channel %s: %w", channel, err)
	}
	return nil
}

// Viewer returns one viewer's stats in a channel, or an ENOTFOUND error.
func (db *DB) Viewer(ctx context.Context, channel, userID string) (hearth.ViewerStats, error) {
	row := db.pool.QueryRow(ctx, selectViewer+`
		WHERE v.channel = $1 AND v.user_id = $2`, channel, userID)
	v, err := readViewer(row, channel)
	if errors.Is(err, pgx.ErrNoRows) {
		return hearth.ViewerStats{}, hearth.Errorf(hearth.ENOTFOUND, "viewer %s not found in channel %s", userID, channel)
	} else if err != nil {
		return hearth.ViewerStats{}, fmt.Errorf("postgres: unable to read viewer: %w", err)
	}
	return v, nil
}

// ViewerByLogin returns one viewer's stats in a channel by login, or an
// ENOTFOUND error. Twitch lets a login pass to a new account after a rename,
// so when two viewers share a login the one seen last wins.
func (db *DB) ViewerByLogin(ctx context.Context, channel, login string) (hearth.ViewerStats, error) {
	row := db.pool.QueryRow(ctx, selectViewer+`
		WHERE v.channel = $1 AND v.login = $2
		ORDER BY v.last_seen DESC, v.user_id
		LIMIT 1`, channel, login)
	v, err := readViewer(row, channel)
	if errors.Is(err, pgx.ErrNoRows) {
		return hearth.ViewerStats{}, hearth.Errorf(hearth.ENOTFOUND, "viewer %s not found in channel %s", login, channel)
	} else if err != nil {
		return hearth.ViewerStats{}, fmt.Errorf("postgres: unable to read viewer by login: %w", err)
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
func (db *DB) Viewers(ctx context.Context, channel string) ([]hearth.ViewerStats, error) {
	var n int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM viewers WHERE channel = $1`, channel).Scan(&n); err != nil {
		return nil, fmt.Errorf("postgres: unable to count viewers: %w", err)
	}
	clocks, err := db.clocks(ctx, channel)
	if err != nil {
		return nil, fmt.Errorf("postgres: unable to list viewers: %w", err)
	}
	rows, err := db.pool.Query(ctx, selectViewers+`
		FROM viewers v
		WHERE v.channel = $1
		ORDER BY v.user_id`, channel)
	if err != nil {
		return nil, fmt.Errorf("postgres: unable to list viewers: %w", err)
	}
	vs, err := scanViewers(rows, channel, n, clocks)
	if err != nil {
		return nil, fmt.Errorf("postgres: unable to list viewers: %w", err)
	}
	return vs, nil
}

// clocks returns the presence clocks of a channel's streams by Seq.
func (db *DB) clocks(ctx context.Context, channel string) (hearth.StreamClocks, error) {
	rows, err := db.pool.Query(ctx, selectClocks, channel)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	clocks := make(hearth.StreamClocks)
	for rows.Next() {
		var seq, minutes int64
		var cut pgtype.Int8
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
func scanViewers(rows pgx.Rows, channel string, n int, clocks hearth.StreamClocks) ([]hearth.ViewerStats, error) {
	defer rows.Close()
	vs := make([]hearth.ViewerStats, 0, n)
	s := newViewerScan()
	for rows.Next() {
		v, err := s.scan(rows, channel)
		if err != nil {
			return nil, err
		}
		vs = append(vs, clocks.Fold(v))
	}
	return vs, rows.Err()
}

// readViewer reads the one row of selectViewer, a viewer of channel, its
// presence span folded.
func readViewer(row pgx.Row, channel string) (hearth.ViewerStats, error) {
	var end int64
	v, err := newViewerScan(&end).scan(row, channel)
	if err != nil {
		return hearth.ViewerStats{}, err
	}
	return v.Folded(end), nil
}

// viewerScan reads rows of selectViewers into one record, whose list of
// destinations is built once for all the rows it reads.
type viewerScan struct {
	v        hearth.ViewerStats
	followed pgtype.Timestamptz
	dest     []any
}

// newViewerScan returns a viewerScan that reads the columns of
// selectViewers, then any more into more.
func newViewerScan(more ...any) *viewerScan {
	s := new(viewerScan)
	v := &s.v
	s.dest = append([]any{&v.UserID, &v.Login, &v.DisplayName, &v.Messages, &v.Points, &v.LifetimePoints,
		&v.WatchSeconds, &v.StreamSeq, &v.StreamMessages, &v.StreamWatchSeconds,
		&v.Streak, &v.LongestStreak, &v.LastAttended, &v.GraceUsedAt,
		&v.FirstSeen, &v.LastSeen, &s.followed, &v.WatchFrom}, more...)
	return s
}

// scan reads one row, a viewer of channel.
func (s *viewerScan) scan(row pgx.Row, channel string) (hearth.ViewerStats, error) {
	if err := row.Scan(s.dest...); err != nil {
		return hearth.ViewerStats{}, err
	}
	v := s.v
	v.Channel = channel
	// pgx returns times in the process's local zone.
	v.FirstSeen = v.FirstSeen.UTC()
	v.LastSeen = v.LastSeen.UTC()
	if s.followed.Valid {
		v.FollowedAt = s.followed.Time.UTC()
	}
	return v, nil
}
