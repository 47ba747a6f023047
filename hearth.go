// Package hearth holds the vocabulary of the Hearth service: the events that
// arrive from Twitch, the viewers and their standing in a channel, coded
// errors, and the interfaces that the adapters (store, overlays, metrics,
// chat) implement. It imports nothing but the standard library.
package hearth

import "time"

// Version is the build's version, set at link time with
// -ldflags "-X github.com/hearthlive/hearth.Version=v1.2.3".
var Version = "dev"

// Clock tells the time. Domain code takes a Clock so tests can drive it.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns the current wall-clock time.
func (SystemClock) Now() time.Time { return time.Now() }
