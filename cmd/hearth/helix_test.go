package main

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hearthlive/hearth/export"
	"github.com/hearthlive/hearth/stream/helix"
	"github.com/hearthlive/hearth/stream/oauth"
	"github.com/hearthlive/hearth/stream/twitchtest"
)

// series returns the value of one series on /metrics, and false while it
// is absent.
func series(t *testing.T, base, name string) (float64, bool) {
	t.Helper()
	for _, line := range strings.Split(string(httpGet(t, base+"/metrics")), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return f, true
		}
	}
	return 0, false
}

// waitFor polls until cond holds, failing with what after 30 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// readyz returns /readyz's status and body.
func readyz(t *testing.T, base string) (int, map[string]any) {
	t.Helper()
	code, b := call(t, http.MethodGet, base+"/readyz", "")
	var body map[string]any
	if err := json.Unmarshal(b, &body); err != nil {
		t.Fatalf("/readyz: %v: %s", err, b)
	}
	return code, body
}

// TestHelixEndToEnd runs the real binary against the fake Twitch (chat
// and Helix): the stream goes live through Helix, the viewer count and
// the participation ratio show in /metrics, lurkers from the chatter
// list gain watch time, a Helix outage leaves chat counted and /readyz
// ready but naming Helix, and everything recovers.
func TestHelixEndToEnd(t *testing.T) {
	t.Parallel()
	const ch = "helixarena"
	srv := newChatServer(t)
	api, err := twitchtest.NewAPI(twitchtest.APIOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { api.Close() })
	api.SetModerator(ch, "hearthbot", true)
	tok := api.IssueToken("hearthbot", []string{"chat:read", "chat:edit", helix.ScopeReadChatters}, time.Hour)
	ann := twitchtest.Chatter{ID: "501", Login: "ann", DisplayName: "Ann"}
	lurkers := []twitchtest.Chatter{{ID: "601", Login: "lia", DisplayName: "Lia"}, {ID: "602", Login: "leo", DisplayName: "Leo"}}
	api.SetChatters(ch, append([]twitchtest.Chatter{ann, {Login: "hearthbot"}}, lurkers...))

	const admin = "helix-e2e-admin"
	p := startHearth(t, map[string]string{
		"HEARTH_TWITCH_IRC_ADDR":      srv.Addr(),
		"HEARTH_TWITCH_IRC_TLS":       "false",
		"HEARTH_TWITCH_API_URL":       api.HelixURL(),
		"HEARTH_TWITCH_CLIENT_ID":     api.ClientID(),
		"HEARTH_TWITCH_POLL_INTERVAL": "1s",
		"HEARTH_CHANNELS":             ch,
		"HEARTH_HTTP_ADDR":            "127.0.0.1:0",
		"HEARTH_DATABASE_URL":         "sqlite://" + filepath.Join(t.TempDir(), "helix.db"),
		"HEARTH_BOT_USERNAME":         "hearthbot",
		"HEARTH_BOT_TOKEN":            "oauth:" + tok.Access,
		"HEARTH_ADMIN_TOKEN":          admin,
	}, "serve")
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.WaitJoined(ctx, ch); err != nil {
		t.Fatal(err)
	}
	base := p.baseURL(t)
	waitReady(t, base)
	say := func(text string, at time.Time) {
		srv.Send(ch, twitchtest.PrivmsgLine(ch, twitchtest.UserID(ch), ann, text, at, twitchtest.MsgOptions{}))
	}
	metric := func(name string) func() (float64, bool) {
		return func() (float64, bool) { return series(t, base, name+`{channel="`+ch+`"}`) }
	}
	viewers, ratio, live := metric("hearth_viewers"), metric("hearth_participation_ratio"), metric("hearth_stream_live")
	messages := metric("hearth_chat_messages_total")

	// Offline at first, as Twitch says: no viewer count yet, no ratio.
	waitFor(t, "Helix's offline", func() bool {
		v, _ := series(t, base, `hearth_events_total{channel="`+ch+`",kind="offline"}`)
		return v >= 1
	})
	if _, ok := viewers(); ok {
		t.Fatal("hearth_viewers before Twitch reported a count")
	}
	if _, ok := ratio(); ok {
		t.Fatal("a participation ratio while offline")
	}

	// Live with 40 viewers; one of them chats.
	api.SetLive(ch, 40)
	waitFor(t, "hearth_viewers 40", func() bool { v, _ := viewers(); return v == 40 })
	waitFor(t, "live", func() bool { v, _ := live(); return v == 1 })
	say("hello from ann", time.Time{})
	waitFor(t, "participation 1/40", func() bool { v, ok := ratio(); return ok && v == 1.0/40 })
	waitFor(t, "a chatter list", func() bool {
		v, _ := series(t, base, `hearth_events_total{channel="`+ch+`",kind="chatters"}`)
		return v >= 1
	})

	// Three minutes later by Twitch's clock: the lurkers, who never chat,
	// have watched.
	say("still here", time.Now().Add(3*time.Minute))
	waitFor(t, "lurkers' watch time", func() bool {
		for _, l := range lurkers {
			code, b := call(t, http.MethodGet, base+"/api/v1/channels/"+ch+"/viewers/"+l.Login, admin)
			var r export.Record
			if code != http.StatusOK || json.Unmarshal(b, &r) != nil || r.WatchMinutes < 2 || r.Messages != 0 {
				return false
			}
		}
		return true
	})

	// A Helix outage: chat still counts, /readyz stays 200 and says so.
	api.FailHelix(http.StatusServiceUnavailable, -1)
	waitFor(t, "/readyz naming helix", func() bool {
		code, body := readyz(t, base)
		d, _ := body["degraded"].([]any)
		return code == http.StatusOK && body["status"] == "ready" && len(d) == 1 && strings.HasPrefix(d[0].(string), "helix: ") && strings.Contains(d[0].(string), "503")
	})
	if up, _ := series(t, base, "hearth_twitch_api_up"); up != 0 {
		t.Errorf("hearth_twitch_api_up = %v during the outage", up)
	}
	before, _ := messages()
	for i := range 5 {
		say("during the outage "+strconv.Itoa(i), time.Time{})
	}
	waitFor(t, "chat counted during the outage", func() bool { v, _ := messages(); return v >= before+5 })
	if code, _ := readyz(t, base); code != http.StatusOK {
		t.Fatalf("/readyz %d during a Helix-only outage", code)
	}
	if v, _ := series(t, base, `hearth_twitch_api_requests_total{code="503",endpoint="streams"}`); v < 1 {
		t.Errorf("503s not counted: %v", v)
	}

	// Recovery.
	api.HelixRecover()
	waitFor(t, "/readyz without degraded", func() bool {
		code, body := readyz(t, base)
		_, degraded := body["degraded"]
		return code == http.StatusOK && !degraded
	})
	waitFor(t, "hearth_twitch_api_up 1", func() bool { v, _ := series(t, base, "hearth_twitch_api_up"); return v == 1 })

	// Offline through Helix.
	api.SetOffline(ch)
	waitFor(t, "offline", func() bool { v, _ := live(); return v == 0 })
	waitFor(t, "hearth_viewers 0 and no ratio", func() bool {
		v, _ := viewers()
		_, ok := ratio()
		return v == 0 && !ok
	})

	p.stop(t)
	if strings.Contains(p.output(), tok.Access) {
		t.Error("the log shows the bot's token")
	}
}

// TestNativePollsEndToEnd: with the broadcaster signed in (hearth auth
// import), the poll API's "native": true starts a poll on Twitch through
// Helix and ends it there; a channel that is not Affiliate is refused with
// Twitch's reason, and nothing is left open.
func TestNativePollsEndToEnd(t *testing.T) {
	t.Parallel()
	const ch, plain, admin = "nativearena", "plainarena", "native-e2e-admin"
	srv := newChatServer(t)
	api := newAuthAPI(t)
	api.SetAffiliate(plain, false)
	env := authEnv(api, t.TempDir())
	for _, login := range []string{ch, plain} {
		tok := api.IssueToken(login, []string{helix.ScopeManagePolls}, time.Hour)
		if out, stderr, code := runAuth(t, env, "auth", "import", "--channel", login, "--token", tok.Access, "--refresh-token", tok.Refresh); code != 0 {
			t.Fatalf("auth import %s (exit %d):\n%s%s", login, code, out, stderr)
		}
	}
	env["HEARTH_TWITCH_IRC_ADDR"] = srv.Addr()
	env["HEARTH_TWITCH_IRC_TLS"] = "false"
	env["HEARTH_CHANNELS"] = ch + "," + plain
	env["HEARTH_HTTP_ADDR"] = "127.0.0.1:0"
	env["HEARTH_ADMIN_TOKEN"] = admin
	p := startHearth(t, env, "serve")
	base := p.baseURL(t)
	waitReady(t, base)

	status, body := postRaw(t, base+"/api/v1/channels/"+ch+"/polls", admin, `{"question":"Next game?","options":["Tetris","Doom"],"duration_seconds":120,"native":true}`)
	var poll struct {
		ID   string `json:"id"`
		Kind string `json:"kind"`
	}
	if status != http.StatusCreated || json.Unmarshal(body, &poll) != nil || poll.Kind != "native" || api.PollStatus(poll.ID) != "ACTIVE" {
		t.Fatalf("native poll: %d %s (Twitch's status %q)", status, body, api.PollStatus(poll.ID))
	}
	if status, body := postRaw(t, base+"/api/v1/channels/"+ch+"/polls/"+poll.ID+"/end", admin, ""); status != http.StatusOK {
		t.Fatalf("ending the native poll: %d %s", status, body)
	}
	if got := api.PollStatus(poll.ID); got != "TERMINATED" {
		t.Errorf("Twitch's poll is %q after the API ended it, want TERMINATED", got)
	}

	status, body = postRaw(t, base+"/api/v1/channels/"+plain+"/polls", admin, `{"question":"Q?","options":["a","b"],"duration_seconds":60,"native":true}`)
	if status != http.StatusConflict || !strings.Contains(string(body), "partner or affiliate") {
		t.Fatalf("native poll in a channel that is not Affiliate: %d %s, want 409 with Twitch's reason", status, body)
	}
	p.stop(t)
}

// TestPollResultAnnounced closes a chat poll in two channels through the
// real binary: where the broadcaster's token may send announcements the
// result arrives as a Twitch announcement, and where it may not, the
// same line goes to chat.
func TestPollResultAnnounced(t *testing.T) {
	t.Parallel()
	const loud, quiet, admin = "announcearena", "quietarena", "announce-e2e-admin"
	srv := newChatServer(t)
	api := newAuthAPI(t)
	env := authEnv(api, t.TempDir())
	tok := api.IssueToken(loud, []string{helix.ScopeManageAnnouncement}, time.Hour)
	if out, stderr, code := runAuth(t, env, "auth", "import", "--channel", loud, "--token", tok.Access, "--refresh-token", tok.Refresh); code != 0 {
		t.Fatalf("auth import (exit %d):\n%s%s", code, out, stderr)
	}
	env["HEARTH_TWITCH_IRC_ADDR"] = srv.Addr()
	env["HEARTH_TWITCH_IRC_TLS"] = "false"
	env["HEARTH_CHANNELS"] = loud + "," + quiet
	env["HEARTH_HTTP_ADDR"] = "127.0.0.1:0"
	env["HEARTH_ADMIN_TOKEN"] = admin
	env["HEARTH_BOT_USERNAME"] = "hearthbot"
	env["HEARTH_BOT_TOKEN"] = "oauth:" + api.IssueToken("hearthbot", oauth.ScopeNames(oauth.BotScopes[:2]), time.Hour).Access
	p := startHearth(t, env, "serve")
	base := p.baseURL(t)
	waitReady(t, base)

	for _, ch := range []string{loud, quiet} {
		status, body := postRaw(t, base+"/api/v1/channels/"+ch+"/polls", admin, `{"question":"Which snack for `+ch+`?","options":["Chips","Fruit"],"duration_seconds":60}`)
		var poll struct {
			ID string `json:"id"`
		}
		if status != http.StatusCreated || json.Unmarshal(body, &poll) != nil {
			t.Fatalf("starting a chat poll in #%s: %d %s", ch, status, body)
		}
		if status, body := postRaw(t, base+"/api/v1/channels/"+ch+"/polls/"+poll.ID+"/end", admin, ""); status != http.StatusOK {
			t.Fatalf("ending the poll in #%s: %d %s", ch, status, body)
		}
	}
	waitFor(t, "the announcement in #"+loud, func() bool {
		for _, a := range api.Announcements() {
			if a.Channel == loud && strings.Contains(a.Message, "Which snack for "+loud) {
				return true
			}
		}
		return false
	})
	waitFor(t, "the result line in #"+quiet+"'s chat", func() bool {
		for _, m := range srv.Sent() {
			if m.Channel == quiet && strings.Contains(m.Text, "Which snack for "+quiet) {
				return true
			}
		}
		return false
	})
	for _, a := range api.Announcements() {
		if a.Channel == quiet {
			t.Errorf("#%s has no token for announcements, yet one was sent: %+v", quiet, a)
		}
	}
	for _, m := range srv.Sent() {
		if m.Channel == loud && strings.Contains(m.Text, "Which snack") {
			t.Errorf("#%s's result went to chat as well as to the announcement: %q", loud, m.Text)
		}
	}
	p.stop(t)
}
