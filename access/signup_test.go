package access_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/access"
	"github.com/hearthlive/hearth/stream/oauth"
	"github.com/hearthlive/hearth/stream/twitchtest"
)

// startSignup posts the landing page's "Add my channel" form and returns
// the URL Twitch sends the browser back to, having approved as approver
// on the fake's side.
func (b *browser) startSignup(approver string) string {
	b.t.Helper()
	page := b.get("/")
	if page.status != http.StatusOK || !strings.Contains(page.body, `id="add-channel"`) {
		b.t.Fatalf("the landing page offers no sign-up (%d):\n%s", page.status, page.body)
	}
	r := b.do(http.MethodPost, access.SignupPath, url.Values{"csrf": {csrf(b.t, page.body)}}, nil)
	if r.status != http.StatusSeeOther {
		b.t.Fatalf("POST %s answered %d:\n%s", access.SignupPath, r.status, r.body)
	}
	authorize, err := url.Parse(r.header.Get("Location"))
	if err != nil {
		b.t.Fatal(err)
	}
	if got := strings.Fields(authorize.Query().Get("scope")); !slices.Equal(got, oauth.ScopeNames(oauth.ChannelScopes)) {
		b.t.Errorf("sign-up asks for scopes %q, want the channel's", got)
	}
	b.w.api.AuthorizeAs(approver)
	back := b.get(authorize.String())
	if back.status != http.StatusFound {
		b.t.Fatalf("the fake's authorize page answered %d", back.status)
	}
	return back.header.Get("Location")
}

// whoami asks the API what the browser's session is to channel.
func (b *browser) access(channel string) string {
	b.t.Helper()
	r := b.get("/api/v1/whoami?channel=" + channel)
	_, rest, _ := strings.Cut(r.body, `"access":"`)
	role, _, _ := strings.Cut(rest, `"`)
	return role
}

// TestSignupModes signs "newbie" (a Twitch user whose channel Hearth does
// not serve) up under each console.signup mode: with open, or allowlist
// naming them, the channel is served, its token stored as the channel's
// with the channel scopes, its broadcaster id recorded, the act audited,
// and newbie is its broadcaster; with off, or an allowlist without them,
// nothing is offered and a posted form is refused.
func TestSignupModes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		mode      string
		allowlist []string
		allowed   bool
	}{
		{"Open", access.SignupOpen, nil, true},
		{"AllowlistIn", access.SignupAllowlist, []string{"someone", "newbie"}, true},
		{"AllowlistOut", access.SignupAllowlist, []string{"someone"}, false},
		{"Off", access.SignupOff, []string{"newbie"}, false},
		{"Unset", "", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, worldOptions{signup: tc.mode, allowlist: tc.allowlist})
			ctx := context.Background()
			b := w.browser()
			landing := b.signInTwitch("newbie")
			if !tc.allowed {
				if landing.status != http.StatusForbidden || strings.Contains(landing.body, `id="add-channel"`) {
					t.Fatalf("landing answered %d, offering sign-up: %v", landing.status, strings.Contains(landing.body, `id="add-channel"`))
				}
				// A form posted anyway (a session's own CSRF token, read
				// from the API's middleware) is refused.
				r := b.do(http.MethodPost, access.SignupPath, url.Values{"csrf": {b.csrfToken()}}, nil)
				if r.status != http.StatusForbidden || !strings.Contains(r.body, "not open to you") {
					t.Errorf("POST %s answered %d:\n%s", access.SignupPath, r.status, r.body)
				}
				if w.eng.Serves("newbie") {
					t.Error("newbie's channel is served")
				}
				if _, err := w.db.StoredToken(ctx, "newbie"); hearth.ErrorCode(err) != hearth.ENOTFOUND {
					t.Errorf("StoredToken(newbie) = %v, want ENOTFOUND", err)
				}
				return
			}
			back := b.startSignup("newbie")
			r := b.get(back)
			if r.status != http.StatusSeeOther || r.header.Get("Location") != "/channels/newbie" {
				t.Fatalf("callback answered %d to %q:\n%s", r.status, r.header.Get("Location"), r.body)
			}
			if !w.eng.Serves("newbie") {
				t.Fatal("newbie's channel is not served after sign-up")
			}
			if id, err := w.db.BroadcasterID(ctx, "newbie"); err != nil || id != twitchtest.UserID("newbie") {
				t.Errorf("BroadcasterID(newbie) = %q, %v", id, err)
			}
			st, err := w.db.StoredToken(ctx, "newbie")
			if err != nil || st.Login != "newbie" || st.UserID != twitchtest.UserID("newbie") {
				t.Fatalf("StoredToken(newbie) = %+v, %v", st, err)
			}
			for _, sc := range oauth.ScopeNames(oauth.ChannelScopes) {
				if !slices.Contains(st.Scopes, sc) {
					t.Errorf("the stored token lacks %s: %q", sc, st.Scopes)
				}
			}
			if strings.Contains(string(st.Sealed), "newbie") {
				t.Error("the stored token is not sealed")
			}
			if got := b.access("newbie"); got != string(hearth.AccessBroadcaster) {
				t.Errorf("newbie's role on their channel = %q", got)
			}
			audit, err := w.db.Audit(ctx, "newbie", 10, 0)
			if err != nil || len(audit) != 1 || audit[0].Actor != "newbie" || audit[0].Action != "channel.add" ||
				audit[0].Role != hearth.AccessBroadcaster {
				t.Errorf("audit log = %+v, %v", audit, err)
			}
			// Served now, the channel is no longer offered.
			if page := b.get("/"); page.status != http.StatusOK || strings.Contains(page.body, `id="add-channel"`) {
				t.Errorf("landing after sign-up answered %d, offering it: %v", page.status, strings.Contains(page.body, `id="add-channel"`))
			}
		})
	}
}

// csrfToken reads the session's CSRF token from the sign-in's message
// pages' meta tag, through the logout-bearing refusal page.
func (b *browser) csrfToken() string {
	b.t.Helper()
	return csrf(b.t, b.get("/").body)
}

// TestSignupRefusesAnotherUsersToken: newbie asks to add their channel,
// but Twitch approves as mallory (signed in to Twitch as another
// account). Nothing is added or stored, and the token is revoked.
func TestSignupRefusesAnotherUsersToken(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{signup: access.SignupOpen})
	ctx := context.Background()
	b := w.browser()
	b.signInTwitch("newbie")
	before := w.api.Issued()
	r := b.get(b.startSignup("mallory"))
	if r.status != http.StatusForbidden || !strings.Contains(r.body, "another account") {
		t.Fatalf("callback answered %d:\n%s", r.status, r.body)
	}
	if w.eng.Serves("newbie") || w.eng.Serves("mallory") {
		t.Error("a channel was added with another user's token")
	}
	for _, subject := range []string{"newbie", "mallory"} {
		if _, err := w.db.StoredToken(ctx, subject); hearth.ErrorCode(err) != hearth.ENOTFOUND {
			t.Errorf("StoredToken(%s) = %v, want ENOTFOUND", subject, err)
		}
	}
	// Among the tokens issued since, none is a valid one of mallory's.
	fresh := 0
	o := &oauth.Client{BaseURL: w.api.AuthURL(), ClientID: w.api.ClientID()}
	for _, tok := range w.api.Issued() {
		if slices.Contains(before, tok) {
			continue
		}
		fresh++
		if v, err := o.Validate(ctx, tok); err == nil && v.Login == "mallory" {
			t.Error("the refused token was left valid")
		}
	}
	if fresh == 0 {
		t.Fatal("Twitch issued no token")
	}
}

// TestSignupStateReuse: the callback of a sign-up works once; the same
// URL again is refused, and so is a sign-up's callback in a browser that
// did not start it.
func TestSignupStateReuse(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{signup: access.SignupOpen})
	b := w.browser()
	b.signInTwitch("newbie")
	back := b.startSignup("newbie")
	if r := b.get(back); r.status != http.StatusSeeOther {
		t.Fatalf("first callback answered %d:\n%s", r.status, r.body)
	}
	if r := b.get(back); r.status != http.StatusBadRequest || !strings.Contains(r.body, "already used") {
		t.Errorf("the callback again answered %d:\n%s", r.status, r.body)
	}

	w2 := newWorld(t, worldOptions{signup: access.SignupOpen})
	first, other := w2.browser(), w2.browser()
	first.signInTwitch("newbie")
	other.signInTwitch("newbie")
	back = first.startSignup("newbie")
	if r := other.get(back); r.status != http.StatusBadRequest {
		t.Errorf("another browser's callback answered %d:\n%s", r.status, r.body)
	}
	if r := first.get(back); r.status != http.StatusBadRequest {
		t.Errorf("the callback after another browser tried it answered %d:\n%s", r.status, r.body)
	}
	if w2.eng.Serves("newbie") {
		t.Error("the channel was added through a refused callback")
	}
}

// TestSignInLink: a one-time link signs a browser in as arena's
// broadcaster and opens the overview, once; the same link again, or one
// past its expiry, is refused.
func TestSignInLink(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	who := hearth.Session{UserID: twitchtest.UserID("arena"), Login: "arena"}
	link, err := w.svc.SignInLink(who, "/channels/arena", 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(link, w.base+access.LinkPath+"?token=") {
		t.Fatalf("link %q", link)
	}
	b := w.browser()
	r := b.get(link)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != "/channels/arena" || b.sessionCookie() == "" {
		t.Fatalf("the link answered %d to %q", r.status, r.header.Get("Location"))
	}
	if got := b.access("arena"); got != string(hearth.AccessBroadcaster) {
		t.Errorf("role on arena = %q", got)
	}
	again := w.browser()
	if r := again.get(link); r.status != http.StatusForbidden || again.sessionCookie() != "" {
		t.Errorf("the link used twice answered %d", r.status)
	}

	late, err := w.svc.SignInLink(who, "/", 10*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	w.clock.Add(10*time.Minute + time.Second)
	if r := w.browser().get(late); r.status != http.StatusForbidden {
		t.Errorf("an expired link answered %d", r.status)
	}
	for _, tc := range []struct {
		name string
		who  hearth.Session
		next string
		ttl  time.Duration
	}{
		{"NoUser", hearth.Session{Login: "arena"}, "/", time.Minute},
		{"Operator", hearth.Session{Operator: true}, "/", time.Minute},
		{"Elsewhere", who, "//evil.example/", time.Minute},
		{"Absolute", who, "https://evil.example/", time.Minute},
		{"TooLong", who, "/", 2 * time.Hour},
	} {
		if _, err := w.svc.SignInLink(tc.who, tc.next, tc.ttl); err == nil {
			t.Errorf("%s: SignInLink made a link", tc.name)
		}
	}
}
