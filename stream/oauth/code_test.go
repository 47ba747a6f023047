package oauth

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"testing"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/stream/twitchtest"
)

// authorize follows an authorize URL as a browser would, up to the
// redirect back, and returns the query it carries.
func authorize(t *testing.T, u string) url.Values {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize answered %d, want a redirect", resp.StatusCode)
	}
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || back.Host != "hearth.example" || back.Path != "/login/twitch/callback" {
		t.Fatalf("redirected to %q", resp.Header.Get("Location"))
	}
	return back.Query()
}

// TestAuthorizationCodeFlow signs a user in through the fake's authorize
// endpoint and exchanges the code once.
func TestAuthorizationCodeFlow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	api, o := newAPI(t)
	o.ClientSecret = api.ClientSecret()
	const redirect = "https://hearth.example/login/twitch/callback"
	// A scope that AuthenticateChat looks for, to see that the token was
	// revoked.
	s := SignIn{OAuth: o, Scopes: []string{"chat:read"}}
	api.AuthorizeAs("ModMia")
	q := authorize(t, s.AuthorizeURL(redirect, "st4te"))
	if q.Get("state") != "st4te" || q.Get("code") == "" {
		t.Fatalf("redirect query %v", q)
	}
	id, err := s.Identify(ctx, q.Get("code"), redirect)
	if err != nil || id != (hearth.Identity{ID: twitchtest.UserID("modmia"), Login: "modmia", DisplayName: "modmia"}) {
		t.Fatalf("Identify = %+v, %v", id, err)
	}
	if _, err := s.Identify(ctx, q.Get("code"), redirect); err == nil {
		t.Error("a code was exchanged twice")
	}

	q = authorize(t, s.AuthorizeURL(redirect, "other"))
	if _, err := s.Identify(ctx, q.Get("code"), "https://elsewhere.example/cb"); err == nil {
		t.Error("a code was exchanged for another redirect URI")
	}
	q = authorize(t, s.AuthorizeURL(redirect, "third"))
	wrong := SignIn{OAuth: &Client{BaseURL: o.BaseURL, ClientID: o.ClientID, ClientSecret: "wrong"}}
	if _, err := wrong.Identify(ctx, q.Get("code"), redirect); err == nil {
		t.Error("a code was exchanged with a wrong client secret")
	}
	noSecret := SignIn{OAuth: &Client{BaseURL: o.BaseURL, ClientID: o.ClientID}}
	if _, err := noSecret.Identify(ctx, "whatever", redirect); err == nil {
		t.Error("a code was exchanged without a client secret")
	}
	issued := 0
	for _, tok := range api.Issued() {
		issued++
		if api.AuthenticateChat("modmia", tok) {
			t.Error("a sign-in token was left valid")
		}
	}
	if issued == 0 {
		t.Error("no token was issued")
	}
}
