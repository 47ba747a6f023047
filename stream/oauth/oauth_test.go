package oauth

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearthlive/hearth/stream/twitchtest"
)

// newAPI starts a fake Twitch API whose device codes ask for polls every
// second, and an OAuth client for it.
func newAPI(t *testing.T) (*twitchtest.API, *Client) {
	t.Helper()
	api, err := twitchtest.NewAPI(twitchtest.APIOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { api.Close() })
	api.SetDeviceInterval(time.Second)
	return api, &Client{BaseURL: api.AuthURL(), ClientID: api.ClientID()}
}

// TestDeviceFlow runs each case against a fake Twitch of its own, in
// parallel: the cases wait on the polling interval (SlowDown adds 5 s to
// it, as Twitch does), and Expired expires every code its fake holds.
func TestDeviceFlow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	scopes := ScopeNames(BotScopes)

	t.Run("Approved", func(t *testing.T) {
		t.Parallel()
		api, o := newAPI(t)
		dc, err := o.StartDevice(ctx, scopes)
		if err != nil {
			t.Fatal(err)
		}
		if dc.UserCode == "" || !strings.HasPrefix(dc.VerificationURI, "https://") || dc.Interval != time.Second {
			t.Fatalf("device code = %+v", dc)
		}
		pending := api.Pending()
		if len(pending) != 1 || pending[0].UserCode != dc.UserCode || !slices.Equal(pending[0].Scopes, scopes) {
			t.Fatalf("the fake holds %+v, want the user code %s asking for %v", pending, dc.UserCode, scopes)
		}
		if err := api.Approve(dc.UserCode, "HearthBot"); err != nil {
			t.Fatal(err)
		}
		g, err := o.AwaitDevice(ctx, dc, scopes)
		if err != nil {
			t.Fatal(err)
		}
		if g.Access == "" || g.Refresh == "" || !slices.Equal(g.Scopes, scopes) || g.ExpiresIn < time.Hour {
			t.Fatalf("grant: scopes %v, expires in %v, access and refresh set: %t", g.Scopes, g.ExpiresIn, g.Access != "" && g.Refresh != "")
		}
		v, err := o.Validate(ctx, g.Access)
		if err != nil {
			t.Fatal(err)
		}
		if v.Login != "hearthbot" || v.UserID != twitchtest.UserID("hearthbot") || v.ClientID != api.ClientID() || !slices.Equal(v.Scopes, scopes) {
			t.Errorf("validate = %+v", v)
		}
	})

	t.Run("PendingKeepsPolling", func(t *testing.T) {
		t.Parallel()
		_, o := newAPI(t)
		dc, err := o.StartDevice(ctx, scopes)
		if err != nil {
			t.Fatal(err)
		}
		// Nobody approves: the poller must wait through
		// authorization_pending until its context ends.
		wctx, cancel := context.WithTimeout(ctx, 2500*time.Millisecond)
		defer cancel()
		_, err = o.AwaitDevice(wctx, dc, scopes)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("AwaitDevice without approval = %v, want it still waiting when the context ends", err)
		}
	})

	t.Run("Expired", func(t *testing.T) {
		t.Parallel()
		api, o := newAPI(t)
		dc, err := o.StartDevice(ctx, scopes)
		if err != nil {
			t.Fatal(err)
		}
		api.Expire()
		if _, err := o.AwaitDevice(ctx, dc, scopes); !errors.Is(err, ErrDeviceCodeExpired) {
			t.Fatalf("AwaitDevice of an expired code = %v, want ErrDeviceCodeExpired", err)
		}
	})

	t.Run("SlowDown", func(t *testing.T) {
		t.Parallel()
		api, o := newAPI(t)
		dc, err := o.StartDevice(ctx, scopes)
		if err != nil {
			t.Fatal(err)
		}
		if err := api.Approve(dc.UserCode, "hearthbot"); err != nil {
			t.Fatal(err)
		}
		api.SlowDown(1)
		g, err := o.AwaitDevice(ctx, dc, scopes)
		if err != nil {
			t.Fatalf("after slow_down: %v", err)
		}
		if g.Access == "" {
			t.Fatal("no access token after slow_down")
		}
	})

	t.Run("UnknownClient", func(t *testing.T) {
		t.Parallel()
		api, _ := newAPI(t)
		bad := &Client{BaseURL: api.AuthURL(), ClientID: "nosuchclient"}
		_, err := bad.StartDevice(ctx, scopes)
		var oe *Error
		if !errors.As(err, &oe) || oe.Status != 400 || oe.Message != "invalid client" {
			t.Fatalf("StartDevice with an unknown client id = %v, want Twitch's 400 invalid client", err)
		}
	})
}

func TestRefreshRotates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	api, o := newAPI(t)
	first := api.IssueToken("hearthbot", []string{"chat:read"}, time.Hour)

	g, err := o.Refresh(ctx, first.Refresh)
	if err != nil {
		t.Fatal(err)
	}
	if g.Access == first.Access || g.Refresh == first.Refresh || !slices.Equal(g.Scopes, []string{"chat:read"}) {
		t.Fatalf("refresh gave the same tokens or other scopes: %v", g.Scopes)
	}
	_, err = o.Refresh(ctx, first.Refresh)
	var oe *Error
	if !errors.As(err, &oe) || oe.Status != 400 || oe.Message != "Invalid refresh token" {
		t.Fatalf("reusing a spent refresh token = %v, want 400 Invalid refresh token", err)
	}
	api.CheckNoSecrets(t, err)
	if _, err := o.Refresh(ctx, g.Refresh); err != nil {
		t.Fatalf("the rotated refresh token: %v", err)
	}
	if n := api.Refreshes(); n != 2 {
		t.Errorf("the fake counted %d refreshes, want 2", n)
	}
}

func TestValidateAndRevoke(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	api, o := newAPI(t)
	tok := api.IssueToken("somechannel", []string{"bits:read"}, time.Hour)

	v, err := o.Validate(ctx, tok.Access)
	if err != nil {
		t.Fatal(err)
	}
	if v.Login != "somechannel" || v.ExpiresIn <= 59*time.Minute || v.ExpiresIn > time.Hour {
		t.Errorf("validate = %+v", v)
	}
	if err := o.Revoke(ctx, tok.Access); err != nil {
		t.Fatal(err)
	}
	_, err = o.Validate(ctx, tok.Access)
	var oe *Error
	if !errors.As(err, &oe) || oe.Status != 401 || oe.Message != "invalid access token" {
		t.Fatalf("validate of a revoked token = %v, want 401 invalid access token", err)
	}
	api.CheckNoSecrets(t, err)
	if _, err := o.Refresh(ctx, tok.Refresh); err == nil {
		t.Error("the refresh token of a revoked token still works")
	}
	err = o.Revoke(ctx, tok.Access)
	if !errors.As(err, &oe) || oe.Status != 400 {
		t.Errorf("revoking twice = %v, want 400", err)
	}
	api.CheckNoSecrets(t, err)
}

func TestOAuthUnreachable(t *testing.T) {
	t.Parallel()
	o := &Client{BaseURL: "http://127.0.0.1:1/oauth2", ClientID: "x"}
	_, err := o.Validate(context.Background(), "sometokenvalue")
	if err == nil || strings.Contains(err.Error(), "sometokenvalue") || !strings.Contains(err.Error(), "validate") {
		t.Fatalf("validate against nothing = %v, want an error naming the call and not the token", err)
	}
}
