package main

import (
	"fmt"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/access"
	"github.com/hearthlive/hearth/stream/oauth"
)

// loginEntry checks one login of a list setting; a leading @ is dropped.
func loginEntry(s string) (string, error) {
	if len(s) > 0 && s[0] == '@' {
		s = s[1:]
	}
	if !hearth.ValidLogin(s) {
		return "", fmt.Errorf("%q is not a Twitch login (1 to 25 letters, digits or underscores)", s)
	}
	return s, nil
}

// signup is who may add their own channel from the console
// (console.signup): the broadcaster's token taken through the same
// authorize flow as signing in, stored as "hearth auth login --channel"
// stores it, and the channel added through the engine.
func (m *Main) signup() access.Signup {
	cfg := m.Config
	return access.Signup{
		Mode:      cfg.ConsoleSignup,
		Allowlist: cfg.ConsoleSignupAllowlist,
		Enroller:  oauth.Broadcasters{OAuth: oauthClient(cfg), Tokens: m.Tokens},
		Channels:  m.Engine,
		IDs:       m.Store,
	}
}

// consoleLinkTTL is how long the demo's console link lasts.
const consoleLinkTTL = 10 * time.Minute

// ConsoleLink returns a one-time link that signs a browser in to the
// console as channel's broadcaster (user id userID) and opens the
// channel's overview. Only the demo makes one.
func (m *Main) ConsoleLink(channel, userID string) (string, error) {
	if m.auth == nil {
		return "", fmt.Errorf("no console: the HTTP server is off")
	}
	return m.auth.SignInLink(hearth.Session{UserID: userID, Login: channel}, "/channels/"+channel, consoleLinkTTL)
}
