package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/hearthlive/hearth"
)

// EnsureChannel returns the channel's record, creating it the first time
// with a fresh random overlay token (64 hex digits) that later calls, and
// later runs, return unchanged. name must be a valid lower-case Twitch
// login, otherwise it returns an EINVALID error.
func (db *DB) EnsureChannel(ctx context.Context, name string) (hearth.ChannelInfo, error) {
	if !hearth.ValidLogin(name) {
		return hearth.ChannelInfo{}, hearth.Errorf(hearth.EINVALID, "%.40q is not a valid channel login", name)
	}
	// Two statements, not one: after waiting for a concurrent insert of the
	// same name, a single statement's snapshot would not see that row.
	if _, err := db.pool.Exec(ctx, `INSERT INTO channels (name, overlay_token, created_at)
		VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING`, name, newToken(), time.Now()); err != nil {
		return hearth.ChannelInfo{}, fmt.Errorf("postgres: unable to ensure channel: %w", err)
	}
	c, err := scanChannel(db.pool.QueryRow(ctx, `SELECT name, overlay_token, created_at
		FROM channels WHERE name = $1`, name))
	if err != nil {
		return hearth.ChannelInfo{}, fmt.Errorf("postgres: unable to ensure channel: %w", err)
	}
	return c, nil
}

// Channels returns every channel the store knows, ordered by name.
func (db *DB) Channels(ctx context.Context) ([]hearth.ChannelInfo, error) {
	rows, err := db.pool.Query(ctx, `SELECT name, overlay_token, created_at
		FROM channels ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("postgres: unable to list channels: %w", err)
	}
	defer rows.Close()
	cs := []hearth.ChannelInfo{}
	for rows.Next() {
		c, err := scanChannel(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: unable to list channels: %w", err)
		}
		cs = append(cs, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: unable to list channels: %w", err)
	}
	return cs, nil
}

// scanChannel reads one row of name, overlay_token, created_at.
func scanChannel(row pgx.Row) (hearth.ChannelInfo, error) {
	var c hearth.ChannelInfo
	if err := row.Scan(&c.Name, &c.OverlayToken, &c.CreatedAt); err != nil {
		return hearth.ChannelInfo{}, err
	}
	c.CreatedAt = c.CreatedAt.UTC()
	return c, nil
}

// newToken returns 32 random bytes as 64 hex digits. crypto/rand.Read never
// fails on supported systems; it aborts the program if it ever does.
func newToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}
