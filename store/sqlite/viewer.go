package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hearthlive/hearth"
)

const viewerColumns = `channel, user_id, login, display_name, messages, points, first_seen, last_seen`

// upsertViewer writes one whole row; a later row for the same key replaces
// every column of the earlier one.
const upsertViewer = `INSERT INTO viewers (` + viewerColumns + `)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (channel, user_id) DO UPDATE SET
	login        = excluded.login,
	display_name = excluded.display_name,
	messages     = excluded.messages,
	points       = excluded.points,
	first_seen   = excluded.first_seen,
	last_seen    = excluded.last_seen`

// Apply writes every row of b in one transaction: all or nothing. Rows are
// whole (absolute values), so applying the same batch twice leaves the same
// state; when a batch holds two rows for one viewer the later one wins. A
// channel that a row names and the store does not know yet is created, as
// EnsureChannel would. An invalid row (empty or malformed channel, empty user
// id, text that is too long or not UTF-8, a negative message count) rejects
// the whole batch with EINVALID. An empty batch writes nothing.
func (db *DB) Apply(ctx context.Context, b hearth.Batch) error {
	if b.Len() == 0 {
		return nil
	}
	if err := b.Validate(); err != nil {
		return err
	}
	if err := db.apply(ctx, b.Viewers); err != nil {
		return fmt.Errorf("sqlite: unable to apply batch: %w", err)
	}
	return nil
}

func (db *DB) apply(ctx context.Context, vs []hearth.ViewerStats) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	now := time.Now()
	seen := make(map[string]bool)
	for _, v := range vs {
		if seen[v.Channel] {
			continue
		}
		seen[v.Channel] = true
		if err := insertChannel(ctx, tx, v.Channel, now); err != nil {
			return err
		}
	}

	stmt, err := tx.PrepareContext(ctx, upsertViewer)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, v := range vs {
		if _, err := stmt.ExecContext(ctx, v.Channel, v.UserID, v.Login, v.DisplayName,
			v.Messages, v.Points, toMillis(v.FirstSeen), toMillis(v.LastSeen)); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// Viewer returns one viewer's stats in a channel, or an ENOTFOUND error.
func (db *DB) Viewer(ctx context.Context, channel, userID string) (hearth.ViewerStats, error) {
	row := db.read.QueryRowContext(ctx, `SELECT `+viewerColumns+` FROM viewers
		WHERE channel = ? AND user_id = ?`, channel, userID)
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
	row := db.read.QueryRowContext(ctx, `SELECT `+viewerColumns+` FROM viewers
		WHERE channel = ? AND login = ?
		ORDER BY last_seen DESC, user_id
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
func (db *DB) Viewers(ctx context.Context, channel string) ([]hearth.ViewerStats, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+viewerColumns+` FROM viewers
		WHERE channel = ?
		ORDER BY user_id`, channel)
	if err != nil {
		return nil, fmt.Errorf("sqlite: unable to list viewers: %w", err)
	}
	vs, err := scanViewers(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite: unable to list viewers: %w", err)
	}
	return vs, nil
}

// TopViewers returns up to n viewers of a channel by points, highest first,
// ties broken by login and then user id. n must be at least 1, otherwise it
// returns an EINVALID error.
func (db *DB) TopViewers(ctx context.Context, channel string, n int) ([]hearth.ViewerStats, error) {
	if n < 1 {
		return nil, hearth.Errorf(hearth.EINVALID, "number of top viewers must be at least 1, got %d", n)
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+viewerColumns+` FROM viewers
		WHERE channel = ?
		ORDER BY points DESC, login, user_id
		LIMIT ?`, channel, n)
	if err != nil {
		return nil, fmt.Errorf("sqlite: unable to list top viewers: %w", err)
	}
	vs, err := scanViewers(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite: unable to list top viewers: %w", err)
	}
	return vs, nil
}

// scanViewers reads every row and closes rows.
func scanViewers(rows *sql.Rows) ([]hearth.ViewerStats, error) {
	defer rows.Close()
	vs := []hearth.ViewerStats{}
	for rows.Next() {
		v, err := scanViewer(rows)
		if err != nil {
			return nil, err
		}
		vs = append(vs, v)
	}
	return vs, rows.Err()
}

// scanViewer reads one row of viewerColumns.
func scanViewer(s interface{ Scan(...any) error }) (hearth.ViewerStats, error) {
	var v hearth.ViewerStats
	var first, last int64
	if err := s.Scan(&v.Channel, &v.UserID, &v.Login, &v.DisplayName,
		&v.Messages, &v.Points, &first, &last); err != nil {
		return hearth.ViewerStats{}, err
	}
	v.FirstSeen = fromMillis(first)
	v.LastSeen = fromMillis(last)
	return v, nil
}

// toMillis is how times are stored: Unix milliseconds, which carry no zone.
func toMillis(t time.Time) int64 { return t.UnixMilli() }

// fromMillis turns a stored time back into a UTC time.Time.
func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }
