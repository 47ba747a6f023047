package hearth

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"time"
)

// NormalizeChannel turns "#Name", "name " or "NAME" into the canonical
// lower-case login Twitch uses for a channel. It returns "" for input that
// cannot be a Twitch login.
func NormalizeChannel(s string) string {
	s = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "#")))
	if !ValidLogin(s) {
		return ""
	}
	return s
}

// ChannelInfo is what Hearth keeps about a channel it serves.
type ChannelInfo struct {
	Name         string // login, lower case
	OverlayToken string // read-only token that overlays present
	CreatedAt    time.Time
	// RemovedAt is when an operator removed the channel: it is kept, with
	// its data, but not served again until it is added back. Zero while
	// it is served.
	RemovedAt time.Time
}

// Removed reports whether an operator removed the channel.
func (c ChannelInfo) Removed() bool { return !c.RemovedAt.IsZero() }

// ChannelRegistry keeps the channels Hearth serves: which are known,
// which an operator removed, and each one's settings. The engine reads it
// at start and changes it as channels are added and removed while Hearth
// runs. Every Store is one.
type ChannelRegistry interface {
	// EnsureChannel returns the channel's record, creating it (with a
	// fresh overlay token) the first time, and serving it again (RemovedAt
	// zero) if an operator had removed it.
	EnsureChannel(ctx context.Context, name string) (ChannelInfo, error)
	// Channels returns every channel the store knows, removed ones
	// included, by name.
	Channels(ctx context.Context) ([]ChannelInfo, error)
	// RemoveChannel marks a channel removed, keeping its data; with forget
	// it deletes the channel and everything stored about it instead (its
	// viewers, streams, polls and votes, recaps, broadcaster id, settings
	// and its broadcaster's token), in one transaction. ENOTFOUND for a
	// channel the store does not know.
	RemoveChannel(ctx context.Context, name string, forget bool) error
	// ChannelSettings returns a channel's stored settings, a JSON object
	// (ChannelSettings encoded), "{}" while it has none; ENOTFOUND for a
	// channel the store does not know.
	ChannelSettings(ctx context.Context, name string) ([]byte, error)
	// SetChannelSettings replaces a channel's stored settings: a JSON
	// object of at most MaxSettingsBytes. EINVALID for anything else,
	// ENOTFOUND for a channel the store does not know.
	SetChannelSettings(ctx context.Context, name string, settings []byte) error
}

// MaxSettingsBytes bounds a channel's stored settings. They are tens of
// values; the bound keeps a hostile body from filling a row.
const MaxSettingsBytes = 64 << 10

// CheckSettingsJSON returns an EINVALID *Error unless settings is one
// JSON object of at most MaxSettingsBytes.
func CheckSettingsJSON(settings []byte) error {
	if len(settings) > MaxSettingsBytes {
		return Errorf(EINVALID, "settings: larger than %d bytes", MaxSettingsBytes)
	}
	trimmed := bytes.TrimSpace(settings)
	if !json.Valid(trimmed) || len(trimmed) == 0 || trimmed[0] != '{' {
		return Errorf(EINVALID, "settings: must be a JSON object")
	}
	return nil
}

// BroadcasterIDStore keeps each channel's broadcaster id: the Twitch user
// id of the account a channel belongs to, which Helix and EventSub ask
// for. Logins can change; the id does not. Implementations:
// store/sqlite, store/postgres.
type BroadcasterIDStore interface {
	// SetBroadcasterID records a known channel's broadcaster id,
	// replacing any earlier one. It returns an ENOTFOUND *Error for a
	// channel the store does not know and an EINVALID one for an id that
	// is empty, longer than 64 bytes or not text.
	SetBroadcasterID(ctx context.Context, channel, id string) error
	// BroadcasterID returns a channel's broadcaster id, or an ENOTFOUND
	// *Error while it has none.
	BroadcasterID(ctx context.Context, channel string) (string, error)
}

// ValidBroadcasterID reports whether id can be stored as a broadcaster id.
func ValidBroadcasterID(id string) bool { return id != "" && validText(id, maxUserIDLen) }
