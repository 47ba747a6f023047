package sqlstore

import (
	"context"

	"github.com/hearthlive/hearth"
)

// RotateOverlayToken gives a channel a fresh random overlay token (64
// hex digits) and returns its record; ENOTFOUND for a channel the store
// does not know.
func (s *Store) RotateOverlayToken(ctx context.Context, name string) (hearth.ChannelInfo, error) {
	n, err := s.d.Exec(ctx, `UPDATE channels SET overlay_token = $1 WHERE name = $2`, newToken(), name)
	if err != nil {
		return hearth.ChannelInfo{}, s.errorf("unable to rotate the overlay token: %w", err)
	}
	if n == 0 {
		return hearth.ChannelInfo{}, hearth.Errorf(hearth.ENOTFOUND, "channel %s is unknown", name)
	}
	c, err := s.scanChannel(s.d.QueryRow(ctx, `SELECT `+channels.list+` FROM channels WHERE name = $1`, name))
	if err != nil {
		return hearth.ChannelInfo{}, s.errorf("unable to rotate the overlay token: %w", err)
	}
	return c, nil
}
