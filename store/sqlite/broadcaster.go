package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/hearthlive/hearth"
)

// SetBroadcasterID records a known channel's broadcaster id. It returns
// ENOTFOUND for an unknown channel and EINVALID for an unusable id.
func (db *DB) SetBroadcasterID(ctx context.Context, channel, id string) error {
	if !hearth.ValidBroadcasterID(id) {
		return hearth.Errorf(hearth.EINVALID, "%.40q is not a broadcaster id", id)
	}
	res, err := db.write.ExecContext(ctx, `UPDATE channels SET broadcaster_id = ? WHERE name = ?`, id, channel)
	if err != nil {
		return fmt.Errorf("sqlite: unable to store the broadcaster id of %.40q: %w", channel, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return hearth.Errorf(hearth.ENOTFOUND, "no channel %.40q", channel)
	}
	return nil
}

// BroadcasterID returns a channel's broadcaster id, or ENOTFOUND while it
// has none.
func (db *DB) BroadcasterID(ctx context.Context, channel string) (string, error) {
	var id string
	err := db.read.QueryRowContext(ctx, `SELECT broadcaster_id FROM channels WHERE name = ?`, channel).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) || err == nil && id == "" {
		return "", hearth.Errorf(hearth.ENOTFOUND, "no broadcaster id known for %.40q", channel)
	}
	if err != nil {
		return "", fmt.Errorf("sqlite: unable to read the broadcaster id of %.40q: %w", channel, err)
	}
	return id, nil
}
