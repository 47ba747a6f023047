package irc

import (
	"context"
	"crypto/rand"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/store/sqlite"
	"github.com/hearthlive/hearth/stream/oauth"
	"github.com/hearthlive/hearth/stream/twitchtest"
)

// newAPI starts a fake Twitch API and an OAuth client for it.
func newAPI(t *testing.T) (*twitchtest.API, *oauth.Client) {
	t.Helper()
	api, err := twitchtest.NewAPI(twitchtest.APIOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { api.Close() })
	api.SetDeviceInterval(time.Second)
	return api, &oauth.Client{BaseURL: api.AuthURL(), ClientID: api.ClientID()}
}

// newTokens returns Tokens over a fresh SQLite store and the fake's OAuth,
// sealed with a fresh random key.
func newTokens(t *testing.T, o *oauth.Client) *oauth.Tokens {
	t.Helper()
	key := make([]byte, oauth.KeySize)
	_, _ = rand.Read(key)
	s, err := oauth.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "hearth.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return oauth.NewTokens(oauth.TokensConfig{Store: db, Sealer: s, KeySource: "the test key", Client: o})
}

// signIn stores a token the fake issued for login as subject's, with the
// lifetime given.
func signIn(t *testing.T, api *twitchtest.API, o *oauth.Client, tokens *oauth.Tokens, subject, login string, life time.Duration) hearth.Token {
	t.Helper()
	issued := api.IssueToken(login, oauth.ScopeNames(oauth.BotScopes), time.Hour)
	v, err := o.Validate(context.Background(), issued.Access)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokens.Save(context.Background(), subject, oauth.Grant{Access: issued.Access, Refresh: issued.Refresh, ExpiresIn: life}, v)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestChatLogsInWithStoredToken logs the chat in with the token source's
// bot token, checked by the fake chat server against the fake API.
func TestChatLogsInWithStoredToken(t *testing.T) {
	t.Parallel()
	api, o := newAPI(t)
	tokens := newTokens(t, o)
	signIn(t, api, o, tokens, hearth.TokenBot, "hearthbot", time.Hour)
	srv := newServer(t, twitchtest.Options{Authenticate: api.AuthenticateChat})
	chat, _, _ := startChat(t, srv, ChatConfig{Username: "hearthbot", Tokens: tokens})
	if chat.Anonymous() {
		t.Fatal("a chat with a token source is anonymous")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.WaitJoined(ctx, "c"); err != nil {
		t.Fatal(err)
	}
}

// TestChatRetriesRejectedTokenAfterRefresh gives the chat a stored token
// that Twitch no longer accepts though it has not reached its stored
// expiry: the rejected login invalidates it, the token is refreshed, and
// the second login succeeds.
func TestChatRetriesRejectedTokenAfterRefresh(t *testing.T) {
	t.Parallel()
	api, o := newAPI(t)
	tokens := newTokens(t, o)
	stale := api.IssueToken("hearthbot", oauth.ScopeNames(oauth.BotScopes), time.Millisecond)
	time.Sleep(2 * time.Millisecond)
	v := oauth.Validation{Login: "hearthbot", UserID: twitchtest.UserID("hearthbot"), Scopes: oauth.ScopeNames(oauth.BotScopes)}
	if _, err := tokens.Save(context.Background(), hearth.TokenBot, oauth.Grant{Access: stale.Access, Refresh: stale.Refresh, ExpiresIn: time.Hour}, v); err != nil {
		t.Fatal(err)
	}
	srv := newServer(t, twitchtest.Options{Authenticate: api.AuthenticateChat})
	_, _, res := startChat(t, srv, ChatConfig{Username: "hearthbot", Tokens: tokens})
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.WaitJoined(ctx, "c"); err != nil {
		select {
		case <-res.finished:
			t.Fatalf("Run gave up: %v", res.err)
		default:
		}
		t.Fatal(err)
	}
	if api.Refreshes() != 1 {
		t.Errorf("%d refreshes, want 1", api.Refreshes())
	}
}

// TestChatStopsWhenSignInIsGone stops with advice to sign in again when
// the token is rejected and cannot be refreshed.
func TestChatStopsWhenSignInIsGone(t *testing.T) {
	t.Parallel()
	api, o := newAPI(t)
	tokens := newTokens(t, o)
	tok := signIn(t, api, o, tokens, hearth.TokenBot, "hearthbot", time.Hour)
	if err := o.Revoke(context.Background(), tok.Access); err != nil {
		t.Fatal(err)
	}
	srv := newServer(t, twitchtest.Options{Authenticate: api.AuthenticateChat})
	_, _, res := startChat(t, srv, ChatConfig{Username: "hearthbot", Tokens: tokens})
	select {
	case <-res.finished:
		if err := res.err; err == nil || !strings.Contains(err.Error(), "hearth auth login --bot") {
			t.Fatalf("Run returned %v; want advice to sign the bot in again", err)
		}
		api.CheckNoSecrets(t, res.err)
	case <-time.After(20 * time.Second):
		t.Fatal("Run kept retrying a sign-in that is gone")
	}
}
