package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hearthlive/hearth"
)

const viewerColumns = `channel, user_id, login, display_name, messages, points, first_seen, last_seen`

// upsertViewers writes a whole batch in one statement: each parameter is an
// array holding one column, and a row for an existing key replaces every
// column of the stored one.
const upsertViewers = `INSERT INTO viewers (` + viewerColumns + `)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],
	$5::bigint[], $6::bigint[], $7::timestamptz[], $8::timestamptz[])
ON CONFLICT (channel, user_id) DO UPDATE SET
	login        = excluded.login,
	display_name = excluded.display_name,
	messages     = excluded.messages,
	points       = excluded.points,
	first_seen   = excluded.first_seen,
	last_seen    = excluded.last_seen`

// insertChannels creates the channels a batch names, each with a fresh
// token, unless they exist.
const insertChannels = `INSERT INTO channels (name, overlay_token, created_at)
SELECT name, token, $3 FROM unnest($1::text[], $2::text[]) AS c (name, token)
ON CONFLICT (name) DO NOTHING`

// applyAttempts bounds retries of a batch that lost a deadlock or a
// serialization conflict; rewriting whole rows is safe to repeat.
const applyAttempts = 3

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
	rows := uniqueRows(b.Viewers)
	var err error
	for range applyAttempts {
		if err = db.apply(ctx, rows); err == nil || !retryable(err) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("postgres: unable to apply batch: %w", err)
	}
	return nil
}

func (db *DB) apply(ctx context.Context, vs []hearth.ViewerStats) error {
	var names, tokens []string
	for _, v := range vs {
		if len(names) == 0 || names[len(names)-1] != v.Channel {
			names = append(names, v.Channel)
			tokens = append(tokens, newToken())
		}
	}
	n := len(vs)
	var (
		channel  = make([]string, n)
		userID   = make([]string, n)
		login    = make([]string, n)
		display  = make([]string, n)
		messages = make([]int64, n)
		points   = make([]int64, n)
		first    = make([]time.Time, n)
		last     = make([]time.Time, n)
	)
	for i, v := range vs {
		channel[i], userID[i], login[i], display[i] = v.Channel, v.UserID, v.Login, v.DisplayName
		messages[i], points[i], first[i], last[i] = v.Messages, v.Points, v.FirstSeen, v.LastSeen
	}

	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		var b pgx.Batch
		b.Queue(insertChannels, names, tokens, time.Now())
		b.Queue(upsertViewers, channel, userID, login, display, messages, points, first, last)
		return tx.SendBatch(ctx, &b).Close()
	})
}

// uniqueRows returns the rows of a batch with one row per viewer, the last
// given, sorted by channel and user id. One INSERT cannot touch a row twice,
// and writers that lock rows in the same order cannot deadlock each other.
func uniqueRows(vs []hearth.ViewerStats) []hearth.ViewerStats {
	type key struct{ channel, userID string }
	index := make(map[key]int, len(vs))
	out := make([]hearth.ViewerStats, 0, len(vs))
	for _, v := range vs {
		k := key{v.Channel, v.UserID}
		if i, ok := index[k]; ok {
			out[i] = v
			continue
		}
		index[k] = len(out)
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b hearth.ViewerStats) int {
		return cmp.Or(cmp.Compare(a.Channel, b.Channel), cmp.Compare(a.UserID, b.UserID))
	})
	return out
}

// retryable reports whether err is a deadlock or serialization failure,
// after which PostgreSQL expects the transaction to be tried again.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40P01" || pgErr.Code == "40001")
}

// Viewer returns one viewer's stats in a channel, or an ENOTFOUND error.
func (db *DB) Viewer(ctx context.Context, channel, userID string) (hearth.ViewerStats, error) {
	row := db.pool.QueryRow(ctx, `SELECT `+viewerColumns+` FROM viewers
		WHERE channel = $1 AND user_id = $2`, channel, userID)
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
	row := db.pool.QueryRow(ctx, `SELECT `+viewerColumns+` FROM viewers
		WHERE channel = $1 AND login = $2
		ORDER BY last_seen DESC, user_id
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
func (db *DB) Viewers(ctx context.Context, channel string) ([]hearth.ViewerStats, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+viewerColumns+` FROM viewers
		WHERE channel = $1
		ORDER BY user_id`, channel)
	if err != nil {
		return nil, fmt.Errorf("postgres: unable to list viewers: %w", err)
	}
	vs, err := scanViewers(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres: unable to list viewers: %w", err)
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
	rows, err := db.pool.Query(ctx, `SELECT `+viewerColumns+` FROM viewers
		WHERE channel = $1
		ORDER BY points DESC, login, user_id
		LIMIT $2`, channel, n)
	if err != nil {
		return nil, fmt.Errorf("postgres: unable to list top viewers: %w", err)
	}
	vs, err := scanViewers(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres: unable to list top viewers: %w", err)
	}
	return vs, nil
}

// scanViewers reads every row and closes rows.
func scanViewers(rows pgx.Rows) ([]hearth.ViewerStats, error) {
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
func scanViewer(row pgx.Row) (hearth.ViewerStats, error) {
	var v hearth.ViewerStats
	if err := row.Scan(&v.Channel, &v.UserID, &v.Login, &v.DisplayName,
		&v.Messages, &v.Points, &v.FirstSeen, &v.LastSeen); err != nil {
		return hearth.ViewerStats{}, err
	}
	// pgx returns times in the process's local zone.
	v.FirstSeen = v.FirstSeen.UTC()
	v.LastSeen = v.LastSeen.UTC()
	return v, nil
}
