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

// selectViewers reads the columns of viewerColumns but watch_from, in the
// order scanViewer takes them, from viewers v: an open presence span is
// folded into both watch times, as of the last minute its stream stored
// (hearth.ViewerStats.Folded).
const selectViewers = `SELECT v.channel, v.user_id, v.login, v.display_name, v.messages, v.points, v.lifetime_points,
	v.watch_seconds + ` + spanSeconds + `, v.stream_seq, v.stream_messages, v.stream_watch_seconds + ` + spanSeconds + `,
	v.streak, v.longest_streak, v.last_attended, v.grace_used_at, v.first_seen, v.last_seen, v.followed_at
FROM viewers v LEFT JOIN streams s ON s.channel = v.channel AND s.seq = v.stream_seq`

// spanSeconds is the time of viewer v's open presence span, if any, up to
// the minute its stream s stored.
const spanSeconds = `CASE WHEN v.watch_from > 0 THEN 60 * GREATEST(0, COALESCE(s.minutes, 0) - v.watch_from + 1) ELSE 0 END`

// endPresence folds the open presence spans of a channel's viewers into
// their watch times and closes them.
const endPresence = `UPDATE viewers AS v SET
	watch_seconds        = v.watch_seconds + ` + spanSeconds + `,
	stream_watch_seconds = v.stream_watch_seconds + ` + spanSeconds + `,
	watch_from           = 0
FROM (SELECT v.channel, v.user_id, s.minutes FROM viewers v LEFT JOIN streams s ON s.channel = v.channel AND s.seq = v.stream_seq
	WHERE v.channel = $1 AND v.watch_from > 0) AS s
WHERE v.channel = s.channel AND v.user_id = s.user_id`

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

// EndPresence folds the open presence spans of a channel's viewers into
// their watch times, as of the last minute their stream stored, and closes
// them.
func (db *DB) EndPresence(ctx context.Context, channel string) error {
	if _, err := db.pool.Exec(ctx, endPresence, channel); err != nil {
		return fmt.Errorf("postgres: unable to end presence in channel %s: %w", channel, err)
	}
	return nil
}

// Viewer returns one viewer's stats in a channel, or an ENOTFOUND error.
func (db *DB) Viewer(ctx context.Context, channel, userID string) (hearth.ViewerStats, error) {
	row := db.pool.QueryRow(ctx, selectViewers+`
		WHERE v.channel = $1 AND v.user_id = $2`, channel, userID)
	v, err := scanViewer(row)
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
	row := db.pool.QueryRow(ctx, selectViewers+`
		WHERE v.channel = $1 AND v.login = $2
		ORDER BY v.last_seen DESC, v.user_id
		LIMIT 1`, channel, login)
	v, err := scanViewer(row)
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
// of copied at every doubling, and every row shares one channel string.
func (db *DB) Viewers(ctx context.Context, channel string) ([]hearth.ViewerStats, error) {
	var n int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM viewers WHERE channel = $1`, channel).Scan(&n); err != nil {
		return nil, fmt.Errorf("postgres: unable to count viewers: %w", err)
	}
	rows, err := db.pool.Query(ctx, selectViewers+`
		WHERE v.channel = $1
		ORDER BY v.user_id`, channel)
	if err != nil {
		return nil, fmt.Errorf("postgres: unable to list viewers: %w", err)
	}
	vs, err := scanViewers(rows, n)
	if err != nil {
		return nil, fmt.Errorf("postgres: unable to list viewers: %w", err)
	}
	return vs, nil
}

// scanViewers reads every row and closes rows; n is how many rows are
// expected, a capacity hint.
func scanViewers(rows pgx.Rows, n int) ([]hearth.ViewerStats, error) {
	defer rows.Close()
	vs := make([]hearth.ViewerStats, 0, n)
	for rows.Next() {
		v, err := scanViewer(rows)
		if err != nil {
			return nil, err
		}
		if len(vs) > 0 && v.Channel == vs[0].Channel {
			v.Channel = vs[0].Channel
		}
		vs = append(vs, v)
	}
	return vs, rows.Err()
}

// scanViewer reads one row of selectViewers.
func scanViewer(row pgx.Row) (hearth.ViewerStats, error) {
	var v hearth.ViewerStats
	var followed pgtype.Timestamptz
	if err := row.Scan(&v.Channel, &v.UserID, &v.Login, &v.DisplayName, &v.Messages, &v.Points, &v.LifetimePoints,
		&v.WatchSeconds, &v.StreamSeq, &v.StreamMessages, &v.StreamWatchSeconds,
		&v.Streak, &v.LongestStreak, &v.LastAttended, &v.GraceUsedAt,
		&v.FirstSeen, &v.LastSeen, &followed); err != nil {
		return hearth.ViewerStats{}, err
	}
	// pgx returns times in the process's local zone.
	v.FirstSeen = v.FirstSeen.UTC()
	v.LastSeen = v.LastSeen.UTC()
	if followed.Valid {
		v.FollowedAt = followed.Time.UTC()
	}
	return v, nil
}
