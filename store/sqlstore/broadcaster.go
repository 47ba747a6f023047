package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/hearthlive/hearth"
)

// SetBroadcasterID records a known channel's broadcaster id. It returns
// ENOTFOUND for an unknown channel and EINVALID for an unusable id.
func (s *Store) SetBroadcasterID(ctx context.Context, channel, id string) error {
	if !hearth.ValidBroadcasterID(id) {
		return hearth.Errorf(hearth.EINVALID, "%.40q is not a broadcaster id", id)
	}
	n, err := s.d.Exec(ctx, `UPDATE channels SET broadcaster_id = $1 WHERE name = $2`, id, channel)
	if err != nil {
		return s.errorf("unable to store the broadcaster id of %.40q: %w", channel, err)
	}
	if n == 0 {
		return hearth.Errorf(hearth.ENOTFOUND, "no channel %.40q", channel)
	}
	return nil
}

// BroadcasterID returns a channel's broadcaster id, or ENOTFOUND while it
// has none.
func (s *Store) BroadcasterID(ctx context.Context, channel string) (string, error) {
	var id string
	err := s.d.QueryRow(ctx, `SELECT broadcaster_id FROM channels WHERE name = $1`, channel).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) || err == nil && id == "" {
		return "", hearth.Errorf(hearth.ENOTFOUND, "no broadcaster id known for %.40q", channel)
	}
	if err != nil {
		return "", s.errorf("unable to read the broadcaster id of %.40q: %w", channel, err)
	}
	return id, nil
}
