package stream

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/stream/twitchtest"
)

// TestChatLogsInWithStoredToken logs the chat in with the token source's
// bot token, checked by the fake chat server against the fake API.
func TestChatLogsInWithStoredToken(t *testing.T) {
	t.Parallel()
	api, o := newAPI(t)
	tokens, _ := newTokens(t, api, o, newKey(t))
	signIn(t, api, tokens, hearth.TokenBot, "hearthbot", time.Hour)
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
	tokens, _ := newTokens(t, api, o, newKey(t))
	stale := api.IssueToken("hearthbot", ScopeNames(BotScopes), time.Millisecond)
	time.Sleep(2 * time.Millisecond)
	v := Validation{Login: "hearthbot", UserID: twitchtest.UserID("hearthbot"), Scopes: ScopeNames(BotScopes)}
	if _, err := tokens.Save(context.Background(), hearth.TokenBot, Grant{Access: stale.Access, Refresh: stale.Refresh, ExpiresIn: time.Hour}, v); err != nil {
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
	tokens, _ := newTokens(t, api, o, newKey(t))
	tok := signIn(t, api, tokens, hearth.TokenBot, "hearthbot", time.Hour)
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
		noSecrets(t, api, res.err)
	case <-time.After(20 * time.Second):
		t.Fatal("Run kept retrying a sign-in that is gone")
	}
}
