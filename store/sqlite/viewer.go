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
	WHERE s.channel = ?
	ORDER BY s.seq, c.minute`

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

// cutPresence records a presence cut of a channel's live stream, if it
// has one, at the minute the stream stored; skipPresenceMinute then moves
// the stream's clock past the minute the cut skips.
const (
	cutPresence        = `INSERT INTO presence_cuts (channel, seq, minute) SELECT channel, seq, minutes FROM streams WHERE channel = ? AND ended_at = 0`
	skipPresenceMinute = `UPDATE streams SET minutes = minutes + 1 WHERE channel = ? AND ended_at = 0`
)

// deleteViewer removes one viewer's row, if there is one.
const deleteViewer = `DELETE FROM viewers WHERE channel = ? AND user_id = ?`

// viewerArgs returns v's values in the order of viewerColumns.
func viewerArgs(v hearth.ViewerStats) []any {
	return []any{v.Channel, v.UserID, v.Login, v.DisplayName, v.Messages, v.Points, v.LifetimePoints,
		v.WatchSeconds, v.StreamSeq, v.StreamMessages, v.StreamWatchSeconds,
		v.Streak, v.LongestStreak, v.LastAttended, v.GraceUsedAt,
		toMillis(v.FirstSeen), toMillis(v.LastSeen), endToMillis(v.FollowedAt), v.WatchFrom}
}

// EndPresence ends the open presence spans of a channel's viewers as of
// the last minute their stream stored, with a presence cut of the live
// stream: one row, whatever the number of viewers.
func (db *DB) EndPresence(ctx context.Context, channel string) error {
	if err := db.endPresence(ctx, channel); err != nil {
		return fmt.Errorf("sqlite: unable to end presence in channel %s: %w", channel, err)
	}
	return nil
}

func (db *DB) endPresence(ctx context.Context, channel string) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, q := range []string{cutPresence, skipPresenceMinute} {
		if _, err := tx.ExecContext(ctx, q, channel); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// Viewer returns one viewer's stats in a channel, or an ENOTFOUND error.
func (db *DB) Viewer(ctx context.Context, channel, userID string) (hearth.ViewerStats, error) {
	row := db.read.QueryRowContext(ctx, selectViewer+`
		WHERE v.channel = ? AND v.user_id = ?`, channel, userID)
	v, err := readViewer(row, channel)
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
	row := db.read.QueryRowContext(ctx, selectViewer+`
		WHERE v.channel = ? AND v.login = ?
		ORDER BY v.last_seen DESC, v.user_id
		LIMIT 1`, channel, login)
	v, err := readViewer(row, channel)
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
// of copied at every doubling, every row shares one channel string, and
// one viewerScan reads them all.
// The rows are read as stored, and their presence spans folded here with
// the channel's stream clocks, read once, rather than by a look-up of
// their stream per row.
func (db *DB) Viewers(ctx context.Context, channel string) ([]hearth.ViewerStats, error) {
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM viewers WHERE channel = ?`, channel).Scan(&n); err != nil {
		return nil, fmt.Errorf("sqlite: unable to count viewers: %w", err)
	}
	clocks, err := db.clocks(ctx, channel)
	if err != nil {
		return nil, fmt.Errorf("sqlite: unable to list viewers: %w", err)
	}
	rows, err := db.read.QueryContext(ctx, selectViewers+`
		FROM viewers v
		WHERE v.channel = ?
		ORDER BY v.user_id`, channel)
	if err != nil {
		return nil, fmt.Errorf("sqlite: unable to list viewers: %w", err)
	}
	vs, err := scanViewers(rows, channel, n, clocks)
	if err != nil {
		return nil, fmt.Errorf("sqlite: unable to list viewers: %w", err)
	}
	return vs, nil
}

// clocks returns the presence clocks of a channel's streams by Seq.
func (db *DB) clocks(ctx context.Context, channel string) (hearth.StreamClocks, error) {
	rows, err := db.read.QueryContext(ctx, selectClocks, channel)
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
func scanViewers(rows *sql.Rows, channel string, n int, clocks hearth.StreamClocks) ([]hearth.ViewerStats, error) {
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
func readViewer(row *sql.Row, channel string) (hearth.ViewerStats, error) {
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
	v                     hearth.ViewerStats
	first, last, followed int64
	dest                  []any
}

// newViewerScan returns a viewerScan that reads the columns of
// selectViewers, then any more into more.
func newViewerScan(more ...any) *viewerScan {
	s := new(viewerScan)
	v := &s.v
	s.dest = append([]any{&v.UserID, &v.Login, &v.DisplayName, &v.Messages, &v.Points, &v.LifetimePoints,
		&v.WatchSeconds, &v.StreamSeq, &v.StreamMessages, &v.StreamWatchSeconds,
		&v.Streak, &v.LongestStreak, &v.LastAttended, &v.GraceUsedAt,
		&s.first, &s.last, &s.followed, &v.WatchFrom}, more...)
	return s
}

// scan reads one row, a viewer of channel.
func (s *viewerScan) scan(row interface{ Scan(...any) error }, channel string) (hearth.ViewerStats, error) {
	if err := row.Scan(s.dest...); err != nil {
		return hearth.ViewerStats{}, err
	}
	v := s.v
	v.Channel = channel
	v.FirstSeen = fromMillis(s.first)
	v.LastSeen = fromMillis(s.last)
	v.FollowedAt = endFromMillis(s.followed)
	return v, nil
}
