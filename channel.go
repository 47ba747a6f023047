package hearth

import (
	"context"
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
