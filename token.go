package hearth

import (
	"context"
	"slices"
	"time"
)

// TokenBot is the Subject of the bot account's token; a broadcaster's
// token has the channel's login as its Subject.
const TokenBot = "bot"

// Token is an OAuth token Hearth holds for the bot account or for a
// channel's broadcaster. Access and Refresh are secrets: they never appear
// in logs, errors, metrics or API answers.
type Token struct {
	Subject   string // TokenBot, or the channel login the token is for
	UserID    string // the Twitch user the token acts as
	Login     string
	Access    string
	Refresh   string
	Scopes    []string
	ExpiresAt time.Time
}

// Has reports whether the token grants scope.
func (t Token) Has(scope string) bool { return slices.Contains(t.Scopes, scope) }

// TokenSource hands out current tokens, refreshing them before they
// expire. Token returns an ENOTFOUND *Error when nobody has signed in for
// subject. Invalidate tells the source that Twitch refused a token (401),
// so the next Token refreshes it.
type TokenSource interface {
	Token(ctx context.Context, subject string) (Token, error)
	Invalidate(subject string)
}
