// Package hearth holds the vocabulary of the Hearth service: the events that
// arrive from Twitch, the viewers and their standing in a channel, coded
// errors, and the interfaces that the adapters (store, overlays, metrics,
// chat) implement. It imports nothing but the standard library.
package hearth

import (
	"strings"
	"time"
)

// Version is the build's version, set at link time with
// -ldflags "-X github.com/hearthlive/hearth.Version=v1.2.3".
var Version = "dev"

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

// ValidLogin reports whether s is a possible Twitch login: 1 to 25 characters
// of lower-case ASCII letters, digits and underscores.
func ValidLogin(s string) bool {
	if len(s) == 0 || len(s) > 25 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// Clock tells the time. Domain code takes a Clock so tests can drive it.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns the current wall-clock time.
func (SystemClock) Now() time.Time { return time.Now() }
