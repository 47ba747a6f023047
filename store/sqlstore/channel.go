package sqlstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"time"

	"github.com/hearthlive/hearth"
)

// channels is the channels table. A channel is created once: writing it
// again leaves the stored row, and its overlay token, as they are.
var channels = newTable("channels", 1,
	textColumn("name", func(c hearth.ChannelInfo) string { return c.Name }),
	textColumn("overlay_token", func(c hearth.ChannelInfo) string { return c.OverlayToken }),
	timeColumn("created_at", func(c hearth.ChannelInfo) time.Time { return c.CreatedAt }),
)

// EnsureChannel returns the channel's record, creating it the first time
// with a fresh random overlay token (64 hex digits) that later calls, and
// later runs, return unchanged. name must be a valid lower-case Twitch
// login, otherwise it returns an EINVALID error.
func (s *Store) EnsureChannel(ctx context.Context, name string) (hearth.ChannelInfo, error) {
	if !hearth.ValidLogin(name) {
		return hearth.ChannelInfo{}, hearth.Errorf(hearth.EINVALID, "%.40q is not a valid channel login", name)
	}
	// Two statements, not one: after waiting for a concurrent insert of
	// the same name, a single statement's snapshot would not see that
	// row.
	err := s.d.Write(ctx, func(tx Tx) error {
		return newChannels([]string{name}).exec(ctx, tx)
	})
	if err != nil {
		return hearth.ChannelInfo{}, s.errorf("unable to ensure channel: %w", err)
	}
	c, err := s.scanChannel(s.d.QueryRow(ctx, `SELECT `+channels.list+` FROM channels WHERE name = $1`, name))
	if err != nil {
		return hearth.ChannelInfo{}, s.errorf("unable to ensure channel: %w", err)
	}
	return c, nil
}

// Channels returns every channel the store knows, ordered by name.
func (s *Store) Channels(ctx context.Context) ([]hearth.ChannelInfo, error) {
	rows, err := s.d.Query(ctx, `SELECT `+channels.list+` FROM channels ORDER BY name`)
	if err != nil {
		return nil, s.errorf("unable to list channels: %w", err)
	}
	defer rows.Close()
	cs := []hearth.ChannelInfo{}
	for rows.Next() {
		c, err := s.scanChannel(rows)
		if err != nil {
			return nil, s.errorf("unable to list channels: %w", err)
		}
		cs = append(cs, c)
	}
	if err := rows.Err(); err != nil {
		return nil, s.errorf("unable to list channels: %w", err)
	}
	return cs, nil
}

// newChannels returns the statement that creates the channels names, each
// with a fresh token, unless they exist.
func newChannels(names []string) statement {
	now := time.Now()
	cs := make([]hearth.ChannelInfo, len(names))
	for i, name := range names {
		cs[i] = hearth.ChannelInfo{Name: name, OverlayToken: newToken(), CreatedAt: now}
	}
	return channels.insert(cs)
}

// scanChannel reads one row of channels' columns.
func (s *Store) scanChannel(row Row) (hearth.ChannelInfo, error) {
	var c hearth.ChannelInfo
	if err := row.Scan(&c.Name, &c.OverlayToken, s.d.Time(&c.CreatedAt)); err != nil {
		return hearth.ChannelInfo{}, err
	}
	return c, nil
}

// newToken returns 32 random bytes as 64 hex digits. crypto/rand.Read never
// fails on supported systems; it aborts the program if it ever does.
func newToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}
