package helix

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/stream/twitchtest"
)

// TestModerators lists a channel's moderators with the broadcaster's
// token, over several pages, and refuses without that token or its scope.
func TestModerators(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newHelixWorld(t, "alpha", "beta", "gamma")
	var mods, want []string
	for i := range 230 {
		login := fmt.Sprintf("mod%03d", i)
		mods = append(mods, login)
		want = append(want, twitchtest.UserID(login))
	}
	w.api.SetModerators("alpha", mods...)
	w.api.SetModerators("beta", "someone")
	w.tokens.issue(w.api, "alpha", "alpha", []string{ScopeReadModerators})
	w.tokens.issue(w.api, "beta", "beta", []string{ScopeReadChatters})
	got, err := w.h.Moderators(ctx, "alpha")
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("Moderators(alpha) = %d ids (%v), want the %d set", len(got), err, len(want))
	}
	if n := w.obs.count(EndpointModerators + " 200"); n != 3 {
		t.Errorf("%d pages asked for, want 3 of 100", n)
	}
	if _, err := w.h.Moderators(ctx, "beta"); hearth.ErrorCode(err) != hearth.EUNAUTHORIZED {
		t.Errorf("Moderators without %s: %v, want EUNAUTHORIZED", ScopeReadModerators, err)
	}
	if _, err := w.h.Moderators(ctx, "gamma"); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Errorf("Moderators without the broadcaster's sign-in: %v, want ENOTFOUND", err)
	}
	w.api.SetModerators("alpha")
	if got, err := w.h.Moderators(ctx, "alpha"); err != nil || got == nil || len(got) != 0 {
		t.Errorf("Moderators after every mod was removed = %v, %v; want an empty list", got, err)
	}
}

// TestDisplayName returns the name Twitch shows, as Twitch sends it.
func TestDisplayName(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newHelixWorld(t, "alpha")
	w.tokens.issue(w.api, hearth.TokenBot, "hearthbot", []string{})
	w.api.SetDisplayName("mia", `<img src=x onerror=alert(1)>Mia`)
	if got, err := w.h.DisplayName(ctx, twitchtest.UserID("mia")); err != nil || got != `<img src=x onerror=alert(1)>Mia` {
		t.Errorf("DisplayName = %q, %v", got, err)
	}
	if _, err := w.h.DisplayName(ctx, "987654321"); hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Errorf("DisplayName(unknown) = %v, want ENOTFOUND", err)
	}
}
