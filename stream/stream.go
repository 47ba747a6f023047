// Package stream holds what Hearth's Twitch clients share: the checks that
// turn Twitch's users, badges and text into valid hearth values (Identity,
// Roles, ClampText, MalformedError, ErrIgnored), the Observer that chat
// over IRC and over EventSub report to, the rate limiter that paces the
// bot's replies (Limiter), and the clients' defaults. The protocols live in
// its sub-packages: chat over IRC in stream/irc, the Helix API in
// stream/helix, EventSub in stream/eventsub, and sign-in and token sealing
// in stream/oauth; a fake Twitch for tests and the demo is in
// stream/twitchtest. None of them knows anything of loyalty, SQL or
// overlays.
package stream

import (
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hearthlive/hearth"
)

// MaxMessageRunes is the longest chat message Twitch delivers; longer text
// is cut to this length.
const MaxMessageRunes = 500

// MaxNameBytes bounds a display name; Twitch's are at most 25 characters
// but may be multi-byte.
const MaxNameBytes = 100

// The clients' defaults: how long a client first waits before
// reconnecting and the longest it waits (the wait doubles after each
// failure in between), and how long one HTTP request to Twitch may take
// when the caller gives no client of its own.
const (
	DefaultMinBackoff  = time.Second
	DefaultMaxBackoff  = 2 * time.Minute
	DefaultHTTPTimeout = 10 * time.Second
)

// ErrIgnored is returned by the chat and EventSub normalisers for messages
// Hearth has no use for (ROOMSTATE, NOTICE, rituals...). They are dropped
// silently.
var ErrIgnored = errors.New("stream: message ignored")

// MalformedError is returned by the normalisers for a message that claims to be
// something Hearth uses but lacks what it needs. Reason is a short, bounded
// label for metrics.
type MalformedError struct {
	Reason string
}

// Error implements error.
func (e *MalformedError) Error() string { return "stream: malformed message: " + e.Reason }

// Malformed returns a *MalformedError with reason.
func Malformed(reason string) error { return &MalformedError{Reason: reason} }

// Identity validates a user's id, login and display name. The display name
// is kept as sent (any Unicode) but bounded, and falls back to the login.
func Identity(id, login, display string) (hearth.Identity, error) {
	if id == "" || len(id) > 20 || strings.Trim(id, "0123456789") != "" {
		return hearth.Identity{}, Malformed("user_id")
	}
	login = strings.ToLower(login)
	if !hearth.ValidLogin(login) {
		return hearth.Identity{}, Malformed("login")
	}
	display = strings.TrimSpace(display)
	if display == "" || !utf8.ValidString(display) || len(display) > MaxNameBytes {
		display = login
	}
	return hearth.Identity{ID: id, Login: login, DisplayName: display}, nil
}

// ClampText makes text valid UTF-8 and cuts it to MaxMessageRunes.
func ClampText(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if utf8.RuneCountInString(s) <= MaxMessageRunes {
		return s
	}
	n := 0
	for i := range s {
		if n == MaxMessageRunes {
			return s[:i]
		}
		n++
	}
	return s
}

// Positive returns v if it is above zero, and def otherwise: the value of a
// setting whose zero means its default.
func Positive[T int | time.Duration](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}

// Roles returns the roles a user's badges grant in a room; the room's own
// user is its broadcaster, badge or not.
func Roles(badges map[string]int, userID, roomID string) hearth.Role {
	var r hearth.Role
	if _, ok := badges["broadcaster"]; ok || (userID != "" && userID == roomID) {
		r |= hearth.RoleBroadcaster
	}
	if _, ok := badges["moderator"]; ok {
		r |= hearth.RoleModerator
	}
	if _, ok := badges["vip"]; ok {
		r |= hearth.RoleVIP
	}
	_, sub := badges["subscriber"]
	_, founder := badges["founder"]
	if sub || founder {
		r |= hearth.RoleSubscriber
	}
	return r
}

// Observer is told what happens at the Twitch boundary, for metrics. Its
// methods are called from several goroutines and must be cheap.
type Observer interface {
	// Malformed counts a Twitch message dropped as unusable; reason is a
	// short fixed label.
	Malformed(reason string)
	// Connected reports the chat connection going up or down.
	Connected(up bool)
	// Reconnected counts a reconnect attempt.
	Reconnected()
	// ReplySent counts a chat line sent; ReplyDropped one dropped from a
	// full queue or because the connection is read-only.
	ReplySent(channel string)
	ReplyDropped(channel string)
}

// NopObserver is an Observer that counts nothing, for clients given none.
type NopObserver struct{}

func (NopObserver) Malformed(string)    {}
func (NopObserver) Connected(bool)      {}
func (NopObserver) Reconnected()        {}
func (NopObserver) ReplySent(string)    {}
func (NopObserver) ReplyDropped(string) {}
