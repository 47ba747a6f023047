package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/hearthlive/hearth"
)

// viewerColumns are written in this order by upsertViewers and viewerArgs.
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
const spanSeconds = `CASE WHEN v.watch_from > 0 THEN 60 * MAX(0, COALESCE(s.minutes, 0) - v.watch_from + 1) ELSE 0 END`

// upsertViewers writes whole rows, as many as it is given placeholders
// for (viewerRow, comma-separated, after VALUES); a later row for the same
// key replaces every column of the earlier one, within one statement too.
var upsertViewers = multiRow{
	head: `INSERT INTO viewers (` + viewerColumns + `) VALUES `,
	row:  `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
	tail: upsertViewerTail,
}

const upsertViewerTail = `
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

// endPresence folds the open presence spans of a channel's viewers into
// their watch times and closes them.
const endPresence = `UPDATE viewers AS v SET
	watch_seconds        = v.watch_seconds + ` + spanSeconds + `,
	stream_watch_seconds = v.stream_watch_seconds + ` + spanSeconds + `,
	watch_from           = 0
FROM (SELECT v.channel, v.user_id, s.minutes FROM viewers v LEFT JOIN streams s ON s.channel = v.channel AND s.seq = v.stream_seq
	WHERE v.channel = ?1 AND v.watch_from > 0) AS s
WHERE v.channel = s.channel AND v.user_id = s.user_id`

// deleteViewer removes one viewer's row, if there is one.
const deleteViewer = `DELETE FROM viewers WHERE channel = ? AND user_id = ?`

// viewerArgs returns v's values in the order of viewerColumns.
func viewerArgs(v hearth.ViewerStats) []any {
	return []any{v.Channel, v.UserID, v.Login, v.DisplayName, v.Messages, v.Points, v.LifetimePoints,
		v.WatchSeconds, v.StreamSeq, v.StreamMessages, v.StreamWatchSeconds,
		v.Streak, v.LongestStreak, v.LastAttended, v.GraceUsedAt,
		toMillis(v.FirstSeen), toMillis(v.LastSeen), endToMillis(v.FollowedAt), v.WatchFrom}
}

// EndPresence folds the open presence spans of a channel's viewers into
// their watch times, as of the last minute their stream stored, and closes
// them.
func (db *DB) EndPresence(ctx context.Context, channel string) error {
	if _, err := db.write.ExecContext(ctx, endPresence, channel); err != nil {
		return fmt.Errorf("sqlite: unable to end presence in channel %s: %w", channel, err)
	}
	return nil
}

// Viewer returns one viewer's stats in a channel, or an ENOTFOUND error.
func (db *DB) Viewer(ctx context.Context, channel, userID string) (hearth.ViewerStats, error) {
	row := db.read.QueryRowContext(ctx, selectViewers+`
		WHERE v.channel = ? AND v.user_id = ?`, channel, userID)
	v, err := scanViewer(row)
	if errors.Is(err, sql.ErrNoRows) {
		return hearth.ViewerStats{}, hearth.Errorf(hearth.ENOTFOUND, "viewer %s not found in channel %s", userID, channel)
	} else if err != nil {
		return hearth.ViewerStats{}, fmt.Errorf("sqlite: unable to read viewer: %w", err)
	}
	return v, nil
}

// ViewerByLogin returns one viewer's stats in a channel by login, or an
// ENOTFOUND error. Twitch lets a login pass to a new account after a rename,
// so when two viewers share a login the one seen last wins.
func (db *DB) ViewerByLogin(ctx context.Context, channel, login string) (hearth.ViewerStats, error) {
	row := db.read.QueryRowContext(ctx, selectViewers+`
		WHERE v.channel = ? AND v.login = ?
		ORDER BY v.last_seen DESC, v.user_id
		LIMIT 1`, channel, login)
	v, err := scanViewer(row)
	if errors.Is(err, sql.ErrNoRows) {
		return hearth.ViewerStats{}, hearth.Errorf(hearth.ENOTFOUND, "viewer %s not found in channel %s", login, channel)
	} else if err != nil {
		return hearth.ViewerStats{}, fmt.Errorf("sqlite: unable to read viewer by login: %w", err)
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
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM viewers WHERE channel = ?`, channel).Scan(&n); err != nil {
		return nil, fmt.Errorf("sqlite: unable to count viewers: %w", err)
	}
	rows, err := db.read.QueryContext(ctx, selectViewers+`
		WHERE v.channel = ?
		ORDER BY v.user_id`, channel)
	if err != nil {
		return nil, fmt.Errorf("sqlite: unable to list viewers: %w", err)
	}
	vs, err := scanViewers(rows, n)
	if err != nil {
		return nil, fmt.Errorf("sqlite: unable to list viewers: %w", err)
	}
	return vs, nil
}

// scanViewers reads every row and closes rows; n is how many rows are
// expected, a capacity hint.
func scanViewers(rows *sql.Rows, n int) ([]hearth.ViewerStats, error) {
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
func scanViewer(s interface{ Scan(...any) error }) (hearth.ViewerStats, error) {
	var v hearth.ViewerStats
	var first, last, followed int64
	if err := s.Scan(&v.Channel, &v.UserID, &v.Login, &v.DisplayName, &v.Messages, &v.Points, &v.LifetimePoints,
		&v.WatchSeconds, &v.StreamSeq, &v.StreamMessages, &v.StreamWatchSeconds,
		&v.Streak, &v.LongestStreak, &v.LastAttended, &v.GraceUsedAt,
		&first, &last, &followed); err != nil {
		return hearth.ViewerStats{}, err
	}
	v.FirstSeen = fromMillis(first)
	v.LastSeen = fromMillis(last)
	v.FollowedAt = endFromMillis(followed)
	return v, nil
}
