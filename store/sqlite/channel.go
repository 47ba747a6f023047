package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"time"

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
	c, err := db.ensureChannel(ctx, name)
	if err != nil {
		return hearth.ChannelInfo{}, fmt.Errorf("sqlite: unable to ensure channel: %w", err)
	}
	return c, nil
}

func (db *DB) ensureChannel(ctx context.Context, name string) (hearth.ChannelInfo, error) {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return hearth.ChannelInfo{}, err
	}
	defer tx.Rollback()
	if err := insertChannel(ctx, tx, name, time.Now()); err != nil {
		return hearth.ChannelInfo{}, err
	}
	c, err := scanChannel(tx.QueryRowContext(ctx, `SELECT name, overlay_token, created_at
		FROM channels WHERE name = ?`, name))
	if err != nil {
		return hearth.ChannelInfo{}, err
	}
	return c, tx.Commit()
}

// Channels returns every channel the store knows, ordered by name.
func (db *DB) Channels(ctx context.Context) ([]hearth.ChannelInfo, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT name, overlay_token, created_at
		FROM channels ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: unable to list channels: %w", err)
	}
	defer rows.Close()
	cs := []hearth.ChannelInfo{}
	for rows.Next() {
		c, err := scanChannel(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: unable to list channels: %w", err)
		}
		cs = append(cs, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: unable to list channels: %w", err)
	}
	return cs, nil
}

// insertChannel creates the channel with a fresh token unless it exists.
func insertChannel(ctx context.Context, tx *sql.Tx, name string, now time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO channels (name, overlay_token, created_at)
		VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING`, name, newToken(), toMillis(now))
	return err
}

// scanChannel reads one row of name, overlay_token, created_at.
func scanChannel(s interface{ Scan(...any) error }) (hearth.ChannelInfo, error) {
	var c hearth.ChannelInfo
	var created int64
	if err := s.Scan(&c.Name, &c.OverlayToken, &created); err != nil {
		return hearth.ChannelInfo{}, err
	}
	c.CreatedAt = fromMillis(created)
	return c, nil
}

// newToken returns 32 random bytes as 64 hex digits. crypto/rand.Read never
// fails on supported systems; it aborts the program if it ever does.
func newToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}
