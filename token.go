package hearth

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
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

// Limits on a stored token's fields, in bytes: far above what Twitch
// issues, they keep a malformed answer from filling a row.
const (
	maxSealedLen = 8 << 10
	maxScopesLen = 4 << 10
)

// StoredToken is a token as a TokenStore keeps it: who it is for and what
// it grants in the clear, so that "hearth auth status" can list it without
// the key, and the access and refresh tokens in Sealed, encrypted and
// authenticated by the token source, which alone holds the key. A store
// never sees a token in the clear.
type StoredToken struct {
	Subject    string // TokenBot, or the channel login the token is for
	UserID     string
	Login      string
	Scopes     []string
	ExpiresAt  time.Time // when the access token expires
	ObtainedAt time.Time // when Twitch issued the access token
	Sealed     []byte
}

// Validate checks a stored token before a store writes it, and returns an
// EINVALID *Error naming the first problem.
func (t StoredToken) Validate() error {
	scopes := 0
	for _, s := range t.Scopes {
		scopes += len(s) + 1
		if s == "" || strings.ContainsAny(s, " \x00") || !utf8.ValidString(s) {
			return Errorf(EINVALID, "token for %.40q: a scope is empty or not one word", t.Subject)
		}
	}
	switch {
	case t.Subject != TokenBot && !ValidLogin(t.Subject):
		return Errorf(EINVALID, "token subject %.40q is neither %q nor a channel login", t.Subject, TokenBot)
	case !validText(t.UserID, maxUserIDLen) || !ValidLogin(t.Login):
		return Errorf(EINVALID, "token for %s: user id or login invalid", t.Subject)
	case scopes > maxScopesLen:
		return Errorf(EINVALID, "token for %s: too many scopes", t.Subject)
	case len(t.Sealed) == 0 || len(t.Sealed) > maxSealedLen:
		return Errorf(EINVALID, "token for %s: the sealed secret is empty or too long", t.Subject)
	case t.ExpiresAt.IsZero() || t.ObtainedAt.IsZero():
		return Errorf(EINVALID, "token for %s: expiry and issue times are required", t.Subject)
	}
	return nil
}

// TokenStore keeps the tokens of whoever signed in. Implementations:
// store/sqlite, store/postgres.
type TokenStore interface {
	// PutToken writes t, replacing the token stored for its subject. It
	// returns an EINVALID *Error if t does not validate.
	PutToken(ctx context.Context, t StoredToken) error
	// StoredToken returns the token stored for subject, or an ENOTFOUND
	// *Error.
	StoredToken(ctx context.Context, subject string) (StoredToken, error)
	// StoredTokens returns every stored token, ordered by subject.
	StoredTokens(ctx context.Context) ([]StoredToken, error)
	// DeleteToken removes the token stored for subject, or returns an
	// ENOTFOUND *Error if there is none.
	DeleteToken(ctx context.Context, subject string) error
}
