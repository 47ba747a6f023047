package sqlstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"time"
	"unicode/utf8"

	"github.com/hearthlive/hearth"
)

// channels is the channels table. A channel is created once: writing it
// again leaves the stored row, and its overlay token, as they are.
var channels = newTable("channels", 1,
	textColumn("name", func(c hearth.ChannelInfo) string { return c.Name }),
	textColumn("overlay_token", func(c hearth.ChannelInfo) string { return c.OverlayToken }),
	timeColumn("created_at", func(c hearth.ChannelInfo) time.Time { return c.CreatedAt }),
	optionalTimeColumn("removed_at", func(c hearth.ChannelInfo) time.Time { return ms(c.RemovedAt) }),
)

// markRemoved ends a statement that writes channels rows: a stored row
// takes the new row's removed_at and keeps everything else, so the
// statement marks a channel removed, or served again, without a dialect's
// own way of writing a time or its absence.
const markRemoved = "\nON CONFLICT (name) DO UPDATE SET removed_at = excluded.removed_at"

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
		if err := newChannels([]string{name}).exec(ctx, tx); err != nil {
			return err
		}
		return setRemoved(name, time.Time{}).exec(ctx, tx)
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

// Channels returns every channel the store knows, removed ones included,
// ordered by name.
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

// setRemoved returns the statement that sets a stored channel's
// removed_at to at (the zero time: served). It writes a whole row, with a
// token and a creation time that the stored row keeps its own of.
func setRemoved(name string, at time.Time) statement {
	c := hearth.ChannelInfo{Name: name, OverlayToken: newToken(), CreatedAt: time.Now(), RemovedAt: at}
	st := channels.insert([]hearth.ChannelInfo{c})
	st.tail = markRemoved
	return st
}

// RemoveChannel marks a channel removed, keeping its data, or with forget
// deletes it and everything stored about it in one transaction: its
// viewers, streams and their presence cuts, polls and votes, recaps,
// broadcaster id, settings and grants go with its row (ON DELETE
// CASCADE), and its broadcaster's token (subject: the channel's login) and
// its audit log beside it.
// ENOTFOUND for a channel the store does not know.
func (s *Store) RemoveChannel(ctx context.Context, name string, forget bool) error {
	if err := s.known(ctx, name); err != nil {
		return err
	}
	err := s.d.Write(ctx, func(tx Tx) error {
		if !forget {
			return setRemoved(name, time.Now()).exec(ctx, tx)
		}
		if err := tx.Exec(ctx, `DELETE FROM tokens WHERE subject = $1`, name); err != nil {
			return err
		}
		if err := tx.Exec(ctx, `DELETE FROM audit WHERE channel = $1`, name); err != nil {
			return err
		}
		return tx.Exec(ctx, `DELETE FROM channels WHERE name = $1`, name)
	})
	if err != nil {
		return s.errorf("unable to remove channel %.40q: %w", name, err)
	}
	return nil
}

// known returns nil for a channel the store knows, ENOTFOUND otherwise.
func (s *Store) known(ctx context.Context, name string) error {
	var n int64
	if err := s.d.QueryRow(ctx, `SELECT COUNT(*) FROM channels WHERE name = $1`, name).Scan(&n); err != nil {
		return s.errorf("unable to read channel %.40q: %w", name, err)
	}
	if n == 0 {
		return hearth.Errorf(hearth.ENOTFOUND, "no channel %.40q", name)
	}
	return nil
}

// ChannelSettings returns a channel's stored settings, a JSON object;
// ENOTFOUND for a channel the store does not know.
func (s *Store) ChannelSettings(ctx context.Context, name string) ([]byte, error) {
	var settings string
	err := s.d.QueryRow(ctx, `SELECT settings FROM channels WHERE name = $1`, name).Scan(&settings)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, hearth.Errorf(hearth.ENOTFOUND, "no channel %.40q", name)
	}
	if err != nil {
		return nil, s.errorf("unable to read the settings of %.40q: %w", name, err)
	}
	return []byte(settings), nil
}

// SetChannelSettings replaces a channel's stored settings, a JSON object
// (hearth.CheckSettingsJSON); ENOTFOUND for a channel the store does not
// know.
func (s *Store) SetChannelSettings(ctx context.Context, name string, settings []byte) error {
	if err := hearth.CheckSettingsJSON(settings); err != nil {
		return err
	}
	if !utf8.Valid(settings) || bytes.IndexByte(settings, 0) >= 0 {
		return hearth.Errorf(hearth.EINVALID, "settings: must be UTF-8 text without NUL bytes")
	}
	n, err := s.d.Exec(ctx, `UPDATE channels SET settings = $1 WHERE name = $2`, string(settings), name)
	if err != nil {
		return s.errorf("unable to store the settings of %.40q: %w", name, err)
	}
	if n == 0 {
		return hearth.Errorf(hearth.ENOTFOUND, "no channel %.40q", name)
	}
	return nil
}

// scanChannel reads one row of channels' columns.
func (s *Store) scanChannel(row Row) (hearth.ChannelInfo, error) {
	var c hearth.ChannelInfo
	if err := row.Scan(&c.Name, &c.OverlayToken, s.d.Time(&c.CreatedAt), s.d.OptionalTime(&c.RemovedAt)); err != nil {
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
