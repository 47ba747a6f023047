package oauth

import (
	"context"
	"strings"

	"github.com/hearthlive/hearth"
)

// Broadcasters signs broadcasters up from the console: the Authorization
// Code Grant with the scopes "hearth auth login --channel" asks for
// (ChannelScopes), and the token, once Twitch confirms it is the
// channel's own, stored sealed as that channel's, as that command stores
// one.
type Broadcasters struct {
	OAuth  *Client
	Tokens *Tokens
}

// AuthorizeURL is the OAuth client's AuthorizeURL with ChannelScopes.
func (b Broadcasters) AuthorizeURL(redirectURI, state string) string {
	return b.OAuth.AuthorizeURL(redirectURI, state, ScopeNames(ChannelScopes))
}

// Enroll exchanges code, asks /validate whose token it is, and stores it
// as channel's: the token must be this application's and its user must be
// channel's broadcaster (login channel). It returns who the token's user
// is. A token refused is revoked, as nothing keeps it: an EFORBIDDEN
// *hearth.Error for another user's token, an EINVALID one for a token that
// names no usable user; an *Error comes from Twitch.
func (b Broadcasters) Enroll(ctx context.Context, code, redirectURI, channel string) (hearth.Identity, error) {
	g, err := b.OAuth.ExchangeCode(ctx, code, redirectURI)
	if err != nil {
		return hearth.Identity{}, err
	}
	refuse := func(err error) (hearth.Identity, error) {
		_ = b.OAuth.Revoke(context.WithoutCancel(ctx), g.Access)
		return hearth.Identity{}, err
	}
	v, err := b.OAuth.Validate(ctx, g.Access)
	if err != nil {
		return refuse(err)
	}
	login := strings.ToLower(v.Login)
	switch {
	case v.UserID == "" || len(v.UserID) > 64 || !hearth.ValidLogin(login):
		return refuse(hearth.Errorf(hearth.EINVALID, "twitch oauth validate: the token names no usable user (login %.40q)", v.Login))
	case v.ClientID != "" && v.ClientID != b.OAuth.ClientID:
		return refuse(hearth.Errorf(hearth.EINVALID, "twitch oauth validate: the token is another application's"))
	case login != channel:
		return refuse(hearth.Errorf(hearth.EFORBIDDEN, "the token is %s's, not the broadcaster of #%s", login, channel))
	}
	v.Login = login
	if _, err := b.Tokens.Save(ctx, channel, g, v); err != nil {
		return hearth.Identity{}, err
	}
	return hearth.Identity{ID: v.UserID, Login: login, DisplayName: login}, nil
}
