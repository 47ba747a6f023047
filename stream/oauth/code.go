package oauth

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/hearthlive/hearth"
)

// AuthorizeURL is where a browser signs in with Twitch in the
// Authorization Code Grant flow: Twitch asks the user to approve scopes
// (none asks only who they are), then sends the browser back to
// redirectURI with a code and state, which the caller checks is the one
// it made for this browser.
func (o *Client) AuthorizeURL(redirectURI, state string, scopes []string) string {
	q := url.Values{
		"response_type": {"code"},
		"client_id":     {o.ClientID},
		"redirect_uri":  {redirectURI},
		"scope":         {strings.Join(scopes, " ")},
		"state":         {state},
	}
	return o.endpoint("/authorize") + "?" + q.Encode()
}

// ExchangeCode trades the code Twitch handed the browser for a token: the
// authorization_code grant, which needs the client secret. redirectURI is
// the one the code was asked for.
func (o *Client) ExchangeCode(ctx context.Context, code, redirectURI string) (Grant, error) {
	if o.ClientSecret == "" {
		return Grant{}, errors.New("twitch oauth code: signing in with Twitch needs the client secret (HEARTH_TWITCH_CLIENT_SECRET)")
	}
	form := url.Values{
		"client_id":     {o.ClientID},
		"client_secret": {o.ClientSecret},
		"code":          {code},
		"grant_type":    {"authorization_code"},
		"redirect_uri":  {redirectURI},
	}
	return o.grant(ctx, "code", form)
}

// SignIn identifies the people who sign in to the console with Twitch: it
// makes the authorize URL, exchanges the code, asks /validate whose token
// it is, and revokes the token, which nothing keeps.
type SignIn struct {
	OAuth *Client
	// Scopes are asked for at sign-in; none is enough to know who signs in.
	Scopes []string
}

// AuthorizeURL is the OAuth client's AuthorizeURL with s's scopes.
func (s SignIn) AuthorizeURL(redirectURI, state string) string {
	return s.OAuth.AuthorizeURL(redirectURI, state, s.Scopes)
}

// Identify exchanges code and returns the Twitch user who approved it (id
// and login; the display name is the login). An *Error comes from Twitch;
// an EINVALID *Error says Twitch named no usable user.
func (s SignIn) Identify(ctx context.Context, code, redirectURI string) (hearth.Identity, error) {
	g, err := s.OAuth.ExchangeCode(ctx, code, redirectURI)
	if err != nil {
		return hearth.Identity{}, err
	}
	v, err := s.OAuth.Validate(ctx, g.Access)
	// The token only told who signed in; nothing keeps it.
	_ = s.OAuth.Revoke(context.WithoutCancel(ctx), g.Access)
	if err != nil {
		return hearth.Identity{}, err
	}
	login := strings.ToLower(v.Login)
	if v.UserID == "" || len(v.UserID) > 64 || !hearth.ValidLogin(login) {
		return hearth.Identity{}, hearth.Errorf(hearth.EINVALID, "twitch oauth validate: the token names no usable user (login %.40q)", v.Login)
	}
	if v.ClientID != "" && v.ClientID != s.OAuth.ClientID {
		return hearth.Identity{}, fmt.Errorf("twitch oauth validate: the token is another application's")
	}
	return hearth.Identity{ID: v.UserID, Login: login, DisplayName: login}, nil
}
