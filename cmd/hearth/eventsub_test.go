package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/export"
	"github.com/hearthlive/hearth/stream/eventsub"
	"github.com/hearthlive/hearth/stream/oauth"
	"github.com/hearthlive/hearth/stream/twitchtest"
)

// TestEventSubEndToEnd runs the real binary against the fake Twitch (chat,
// OAuth, Helix and EventSub) with the broadcaster signed in through "hearth
// auth import": every EventSub kind arrives and moves points, alerts and
// hearth_events_total; subs, resubs, gifts and raids that chat reports too
// count once; a notification delivered twice counts once; a
// session_reconnect loses nothing; a revocation is logged, counted and not
// undone.
func TestEventSubEndToEnd(t *testing.T) {
	t.Parallel()
	const ch, admin = "esarena", "eventsub-e2e-admin"
	srv := newChatServer(t)
	api := newAuthAPI(t)
	env := authEnv(api, t.TempDir())
	broadcaster := api.IssueToken(ch, oauth.ScopeNames(oauth.ChannelScopes), time.Hour)
	if out, stderr, code := runAuth(t, env, "auth", "import", "--channel", ch, "--token", broadcaster.Access, "--refresh-token", broadcaster.Refresh); code != 0 {
		t.Fatalf("auth import (exit %d):\n%s%s", code, out, stderr)
	}
	api.SetLive(ch, 25) // Helix reports the stream live too, before EventSub does
	env["HEARTH_TWITCH_IRC_ADDR"] = srv.Addr()
	env["HEARTH_TWITCH_IRC_TLS"] = "false"
	env["HEARTH_CHANNELS"] = ch
	env["HEARTH_HTTP_ADDR"] = "127.0.0.1:0"
	env["HEARTH_ADMIN_TOKEN"] = admin
	p := startHearth(t, env, "serve")
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.WaitJoined(ctx, ch); err != nil {
		t.Fatal(err)
	}
	base := p.baseURL(t)
	waitReady(t, base)
	waitFor(t, "12 EventSub subscriptions", func() bool { return enabledSubscriptions(api, ch) == len(eventsub.Subscriptions) })
	metric := func(name, labels string) float64 {
		v, _ := series(t, base, name+`{channel="`+ch+`"`+labels+`}`)
		return v
	}
	// Counts are compared with what Helix had reported before EventSub
	// sends anything: its online, its viewer counts and chatter lists.
	waitFor(t, "live from Helix", func() bool { return metric("hearth_stream_live", "") == 1 })
	before := map[string]float64{}
	kinds := []string{"online", "offline", "follow", "redemption", "sub", "resub", "subgift", "cheer", "raid", "poll_begin", "poll_progress", "poll_end"}
	for _, k := range kinds {
		before[k] = metric("hearth_events_total", `,kind="`+k+`"`)
	}
	dupsBefore := metric("hearth_events_duplicate_total", "")
	kind := func(k string) float64 { return metric("hearth_events_total", `,kind="`+k+`"`) - before[k] }

	conn, _, err := websocket.DefaultDialer.Dial(socketURL(base, ch, overlayToken(t, base, admin, ch), hearth.TopicEvents), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := readOverlay(conn); err != nil {
		t.Fatal(err)
	}

	chatter := func(login string) twitchtest.Chatter {
		return twitchtest.Chatter{ID: twitchtest.UserID(login), Login: login, DisplayName: login}
	}
	room := twitchtest.UserID(ch)
	notify := func(n twitchtest.Notification, copies int) {
		t.Helper()
		if ids := api.Notify(n, copies); len(ids) != 1 {
			t.Fatalf("%s reached %d subscriptions, want 1", n.Type, len(ids))
		}
	}
	started := time.Now().UTC().Truncate(time.Second)
	poll := twitchtest.Poll{ID: "native-1", Title: "Boss or side quest?", Choices: []string{"Boss", "Side quest"}, Votes: []int{4, 2}, StartedAt: started, EndsAt: started.Add(time.Minute)}

	notify(twitchtest.StreamOnline(ch, started), 1)
	notify(twitchtest.Follow(ch, "fay"), 2) // delivered twice: counts once
	notify(twitchtest.Redemption(ch, "fay", "Hydrate <now>", 500, "please"), 1)
	notify(twitchtest.Subscribe(ch, "sam", "1000", false), 1)
	srv.Send(ch, twitchtest.SubLine(ch, room, chatter("sam"), "1000", "", time.Time{}, twitchtest.MsgOptions{}))
	// Chat reports each of gus's three gifts before EventSub reports the
	// total, which then adds nothing (the other order is in community's
	// tests).
	for _, r := range []string{"rin", "rob", "roy"} {
		srv.Send(ch, twitchtest.SubGiftLine(ch, room, chatter("gus"), chatter(r), "1000", time.Time{}, twitchtest.MsgOptions{}))
	}
	waitFor(t, "three gifts from chat", func() bool { return kind("subgift") == 3 })
	notify(twitchtest.SubscriptionGift(ch, "gus", 3), 1)
	for _, r := range []string{"rin", "rob", "roy"} {
		notify(twitchtest.Subscribe(ch, r, "1000", true), 1)
	}
	srv.Send(ch, twitchtest.ResubLine(ch, room, chatter("erin"), 7, "1000", "seven!", time.Time{}, twitchtest.MsgOptions{}))
	notify(twitchtest.SubscriptionMessage(ch, "erin", 7, "seven!"), 1)
	notify(twitchtest.Cheer(ch, "cole", 300, "cheer300"), 1)
	notify(twitchtest.Raid("zed", ch, 12), 1)
	srv.Send(ch, twitchtest.RaidLine(ch, room, chatter("zed"), 12, time.Time{}, twitchtest.MsgOptions{}))
	notify(twitchtest.PollBegin(ch, poll), 1)
	notify(twitchtest.PollProgress(ch, poll), 1)
	notify(twitchtest.PollEnd(ch, poll, "completed"), 1)

	want := map[string]float64{
		"online": 0, // Helix reported it first: EventSub's report is the same fact
		"follow": 1, "redemption": 1, "sub": 1, "resub": 1, "cheer": 1, "raid": 1,
		"poll_begin": 1, "poll_progress": 1, "poll_end": 1,
		"subgift": 3, // one a recipient from chat
	}
	waitFor(t, "every kind counted", func() bool {
		for k, n := range want {
			if kind(k) < n {
				return false
			}
		}
		return true
	})
	points := map[string]int64{"fay": 100 + 25, "sam": 500, "gus": 3 * 250, "erin": 500, "cole": 3 * 50, "zed": 250}
	waitFor(t, "points", func() bool {
		for login, n := range points {
			if viewerPoints(t, base, admin, ch, login) != n {
				return false
			}
		}
		return true
	})
	for k, n := range want {
		if got := kind(k); got != n {
			t.Errorf("hearth_events_total{kind=%q} = %v, want %v", k, got, n)
		}
	}
	if got := metric("hearth_eventsub_duplicates_total", ""); got != 1 {
		t.Errorf("hearth_eventsub_duplicates_total = %v, want 1 (the follow delivered twice)", got)
	}
	// sam's sub, erin's resub, zed's raid, EventSub's gift total and
	// EventSub's online (after Helix's) came twice: each second report is
	// dropped as the same act.
	if got := metric("hearth_events_duplicate_total", "") - dupsBefore; got != 5 {
		t.Errorf("hearth_events_duplicate_total = %v, want 5", got)
	}
	alerts := waitAlerts(t, conn, func(items []alertItem) bool { return strings.Contains(alertKinds(items), "redemption") })
	if got := alertKinds(alerts); got != "follow:fay redemption:fay:Hydrate <now>" {
		t.Errorf("alerts %q, want a follow and a redemption with the reward's title", got)
	}

	// Twitch moves the session: follows sent meanwhile all arrive.
	if n := api.ReconnectEventSub(); n != 1 {
		t.Fatalf("%d sessions asked to reconnect, want 1", n)
	}
	const moving = 30
	for i := range moving {
		notify(twitchtest.Follow(ch, "mover"+string(rune('a'+i%26))+strings.Repeat("x", i/26)), 1)
	}
	waitFor(t, "every follow across the reconnect", func() bool { return kind("follow") == 1+moving })
	waitFor(t, "the reconnect counted", func() bool {
		return metric("hearth_eventsub_reconnects_total", `,reason="session_reconnect"`) == 1
	})
	if api.EventSubWelcomes() != 2 || enabledSubscriptions(api, ch) != len(eventsub.Subscriptions) {
		t.Fatalf("after the reconnect: %d welcomes, %d subscriptions; want 2 and the same %d", api.EventSubWelcomes(), enabledSubscriptions(api, ch), len(eventsub.Subscriptions))
	}

	// The broadcaster disconnects the app's follow access.
	if n := api.Revoke("channel.follow", ch, twitchtest.StatusAuthorizationRevoke); n != 1 {
		t.Fatalf("%d revoked, want 1", n)
	}
	waitFor(t, "the revocation counted", func() bool {
		return metric("hearth_eventsub_revocations_total", `,type="channel.follow"`) == 1
	})
	p.waitLine(t, `Twitch revoked a subscription.*type=channel.follow.*status=authorization_revoked`, 10*time.Second)
	if got := metric("hearth_eventsub_subscriptions", ""); got != float64(len(eventsub.Subscriptions)-1) {
		t.Errorf("hearth_eventsub_subscriptions = %v after the revocation, want %d", got, len(eventsub.Subscriptions)-1)
	}
	// The other subscriptions still deliver.
	notify(twitchtest.StreamOffline(ch), 1)
	waitFor(t, "offline from stream.offline", func() bool { return kind("offline") >= 1 && metric("hearth_stream_live", "") == 0 })
	if got := enabledSubscriptions(api, ch); got != len(eventsub.Subscriptions)-1 {
		t.Errorf("%d subscriptions enabled after the revocation, want %d (channel.follow not made again)", got, len(eventsub.Subscriptions)-1)
	}

	p.stop(t)
	for _, secret := range []string{broadcaster.Access, broadcaster.Refresh} {
		if strings.Contains(p.output(), secret) {
			t.Error("the log shows the broadcaster's token")
		}
	}
}

// enabledSubscriptions counts the fake's enabled subscriptions for channel.
func enabledSubscriptions(api *twitchtest.API, channel string) int {
	n := 0
	for _, s := range api.EventSubSubscriptions(channel) {
		if s.Status == twitchtest.StatusEnabled {
			n++
		}
	}
	return n
}

// viewerPoints returns a viewer's balance from the REST API, or -1 while
// the viewer is unknown.
func viewerPoints(t *testing.T, base, admin, channel, login string) int64 {
	t.Helper()
	code, b := call(t, http.MethodGet, base+"/api/v1/channels/"+channel+"/viewers/"+login, admin)
	var r export.Record
	if code != http.StatusOK || json.Unmarshal(b, &r) != nil {
		return -1
	}
	return r.Points
}

// alertItem is one alert as the alerts overlay receives it.
type alertItem struct {
	Kind  string `json:"kind"`
	Login string `json:"login"`
	Text  string `json:"text"`
}

// waitAlerts reads the event log's messages, gathering their events,
// until ok accepts what it gathered.
func waitAlerts(t *testing.T, conn *websocket.Conn, ok func([]alertItem) bool) []alertItem {
	t.Helper()
	var items []alertItem
	for {
		m, err := readOverlay(conn)
		if err != nil {
			t.Fatalf("events socket: %v", err)
		}
		var state struct {
			Events []alertItem `json:"events"`
		}
		if err := json.Unmarshal(m.State, &state); err != nil {
			t.Fatalf("events state %s: %v", m.State, err)
		}
		items = append(items, state.Events...)
		if ok(items) {
			return items
		}
	}
}

// alertKinds describes the follow and redemption alerts among items, in
// order, leaving out the rank-ups the bonuses bring.
func alertKinds(items []alertItem) string {
	var parts []string
	for _, a := range items {
		if a.Kind != "follow" && a.Kind != "redemption" {
			continue
		}
		part := a.Kind + ":" + a.Login
		if a.Text != "" {
			part += ":" + a.Text
		}
		parts = append(parts, part)
	}
	return strings.Join(parts, " ")
}

// TestChatOverEventSubEndToEnd runs the real binary with chat.transport
// auto, the bot signed in with the EventSub chat scopes and the
// broadcaster having granted channel:bot: the channel's chat comes over
// EventSub, counts as IRC's would, a message
// delivered twice counts once, and a command's reply goes out through
// Helix Send Chat Message.
func TestChatOverEventSubEndToEnd(t *testing.T) {
	t.Parallel()
	const ch, admin = "eschat", "eventsub-chat-admin"
	srv := newChatServer(t)
	api := newAuthAPI(t)
	env := authEnv(api, t.TempDir())
	bot := api.IssueToken("hearthbot", oauth.ScopeNames(oauth.BotScopes), time.Hour)
	broadcaster := api.IssueToken(ch, oauth.ScopeNames(oauth.ChannelScopes), time.Hour)
	for _, args := range [][]string{
		{"auth", "import", "--bot", "--token", bot.Access, "--refresh-token", bot.Refresh},
		{"auth", "import", "--channel", ch, "--token", broadcaster.Access, "--refresh-token", broadcaster.Refresh},
	} {
		if out, stderr, code := runAuth(t, env, args...); code != 0 {
			t.Fatalf("%v (exit %d):\n%s%s", args, code, out, stderr)
		}
	}
	env["HEARTH_TWITCH_IRC_ADDR"] = srv.Addr()
	env["HEARTH_TWITCH_IRC_TLS"] = "false"
	env["HEARTH_CHANNELS"] = ch
	env["HEARTH_HTTP_ADDR"] = "127.0.0.1:0"
	env["HEARTH_ADMIN_TOKEN"] = admin
	env["HEARTH_CHAT_TRANSPORT"] = "auto"
	p := startHearth(t, env, "serve")
	base := p.baseURL(t)
	waitReady(t, base)
	p.waitLine(t, `chat over EventSub and Helix Send Chat Message.*channels=`+ch, 10*time.Second)
	waitFor(t, "the chat subscription", func() bool {
		for _, s := range api.EventSubSubscriptions(ch) {
			if s.Type == "channel.chat.message" && s.Status == twitchtest.StatusEnabled && s.UserID == bot.UserID {
				return true
			}
		}
		return false
	})

	vic := twitchtest.Chatter{ID: twitchtest.UserID("vic"), Login: "vic", DisplayName: "Vic"}
	if ids := api.Notify(twitchtest.ChatMessage(ch, vic, "hello there", 0), 2); len(ids) != 1 {
		t.Fatalf("the message reached %d subscriptions, want 1", len(ids))
	}
	waitFor(t, "vic's points", func() bool { return viewerPoints(t, base, admin, ch, "vic") == 60 })
	api.Notify(twitchtest.ChatMessage(ch, vic, "!points", 0), 1)
	waitFor(t, "the reply through Helix", func() bool { return len(api.SentChat(ch)) == 1 })
	if reply := api.SentChat(ch)[0]; !strings.Contains(reply, "60") {
		t.Errorf("reply %q does not give vic's 60 points", reply)
	}
	waitFor(t, "two messages counted", func() bool {
		v, _ := series(t, base, `hearth_chat_messages_total{channel="`+ch+`"}`)
		return v == 2
	})
	if v, _ := series(t, base, `hearth_eventsub_duplicates_total{channel="`+ch+`"}`); v != 1 {
		t.Errorf("hearth_eventsub_duplicates_total = %v, want 1", v)
	}
	if v, _ := series(t, base, `hearth_chat_replies_sent_total{channel="`+ch+`"}`); v != 1 {
		t.Errorf("hearth_chat_replies_sent_total = %v, want 1", v)
	}
	if sent := srv.Sent(); len(sent) != 0 {
		t.Errorf("the bot said %v over IRC in a channel whose chat goes over EventSub", sent)
	}
	p.stop(t)
	for _, secret := range []string{bot.Access, bot.Refresh, broadcaster.Access, broadcaster.Refresh} {
		if strings.Contains(p.output(), secret) {
			t.Error("the log shows a token")
		}
	}
}

// TestReplayLeavesEventSubAlone replays a capture with a client id and
// the channel's broadcaster signed in: the replay's events all come from
// the recording, so it never connects to EventSub.
func TestReplayLeavesEventSubAlone(t *testing.T) {
	t.Parallel()
	file := captureFile(t, 300)
	api := newAuthAPI(t)
	env := authEnv(api, t.TempDir())
	tok := api.IssueToken("xqcow", oauth.ScopeNames(oauth.ChannelScopes), time.Hour)
	if out, stderr, code := runAuth(t, env, "auth", "import", "--channel", "xqcow", "--token", tok.Access); code != 0 {
		t.Fatalf("auth import (exit %d):\n%s%s", code, out, stderr)
	}
	env["HEARTH_CHAT_TRANSPORT"] = "eventsub"
	out := runHearth(t, env, "replay", "--speed", "max", "--db", env["HEARTH_DATABASE_URL"], "--json", file)
	if !strings.Contains(out, `"xqcow"`) {
		t.Fatalf("replay summary without the channel:\n%s", out)
	}
	if n := api.EventSubWelcomes(); n != 0 {
		t.Errorf("the replay opened %d EventSub sessions", n)
	}
}
