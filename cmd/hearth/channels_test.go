package main

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearthlive/hearth/internal/testenv"
	"github.com/hearthlive/hearth/stream/twitchtest"
)

// TestChannelsAtRuntime adds a channel to a running hearth over the API
// and follows it through restarts, a removal and forgetting, as the fake
// Twitch chat and the public surfaces see it.
func TestChannelsAtRuntime(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := "sqlite://" + filepath.Join(dir, "channels.db")
	srv := newChatServer(t)
	env := map[string]string{
		"HEARTH_TWITCH_IRC_ADDR": srv.Addr(),
		"HEARTH_TWITCH_IRC_TLS":  "false",
		"HEARTH_CHANNELS":        "arena",
		"HEARTH_HTTP_ADDR":       "127.0.0.1:0",
		"HEARTH_DATABASE_URL":    db,
		"HEARTH_BOT_USERNAME":    "hearthbot",
		"HEARTH_BOT_TOKEN":       "oauth:test",
		"HEARTH_ADMIN_TOKEN":     "s3cret",
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	waitJoined := func(channel string) {
		t.Helper()
		jctx, jcancel := context.WithTimeout(ctx, 10*time.Second)
		defer jcancel()
		if err := srv.WaitJoined(jctx, channel); err != nil {
			t.Fatalf("hearth did not join #%s within 10 s: %v", channel, err)
		}
	}
	zoe := twitchtest.Chatter{ID: "201", Login: "zoe", DisplayName: "Zoe"}
	say := func(text string) {
		srv.Send("newbie", twitchtest.PrivmsgLine("newbie", twitchtest.UserID("newbie"), zoe, text, time.Time{}, twitchtest.MsgOptions{}))
	}
	listed := func(base string) map[string]map[string]any {
		t.Helper()
		status, body := call(t, "GET", base+"/api/v1/channels", "s3cret")
		var chs []map[string]any
		if status != http.StatusOK || json.Unmarshal(body, &chs) != nil {
			t.Fatalf("GET channels: %d %s", status, body)
		}
		out := map[string]map[string]any{}
		for _, c := range chs {
			out[c["name"].(string)] = c
		}
		return out
	}

	p := startHearth(t, env, "serve")
	waitJoined("arena")
	base := p.baseURL(t)
	api := base + "/api/v1/channels"

	// Added over the API: joined within seconds, its chat counted.
	status, body := callJSON(t, "POST", api, "s3cret", map[string]string{"name": "NewBie"})
	var added struct {
		Name         string            `json:"name"`
		OverlayToken string            `json:"overlay_token"`
		Overlays     map[string]string `json:"overlays"`
	}
	if status != http.StatusCreated || json.Unmarshal(body, &added) != nil || added.Name != "newbie" {
		t.Fatalf("POST channels: %d %s", status, body)
	}
	waitJoined("newbie")
	say("hello newbie")
	waitMetric(t, base, `hearth_chat_messages_total{channel="newbie"}`, 1)
	// The viewers route reads the store, which the writer fills within a
	// flush interval.
	testenv.WaitFor(t, 10*time.Second, "the added channel's viewer stored", func() bool {
		status, body := call(t, "GET", api+"/newbie/viewers/zoe", "s3cret")
		return status == http.StatusOK && strings.Contains(string(body), `"messages":1`)
	})
	overlay := added.Overlays["leaderboard"]
	if status, _ := call(t, "GET", overlay, ""); status != http.StatusOK {
		t.Fatalf("the added channel's overlay %s answers %d", overlay, status)
	}
	p.stop(t)

	// A restart serves it again, from the store.
	p = startHearth(t, env, "serve")
	waitJoined("newbie")
	base = p.baseURL(t)
	api = base + "/api/v1/channels"
	if c := listed(base)["newbie"]; c == nil || c["served"] != true || c["overlay_token"] != added.OverlayToken {
		t.Fatalf("after a restart newbie is listed as %v", c)
	}

	// Removed: parted, its series and overlay gone, its data kept.
	if status, body := call(t, "DELETE", api+"/newbie", "s3cret"); status != http.StatusOK {
		t.Fatalf("DELETE newbie: %d %s", status, body)
	}
	pctx, pcancel := context.WithTimeout(ctx, 10*time.Second)
	if err := srv.WaitParted(pctx, "newbie"); err != nil {
		t.Fatalf("hearth did not part #newbie: %v", err)
	}
	pcancel()
	if strings.Contains(string(httpGet(t, base+"/metrics")), `channel="newbie"`) {
		t.Error("/metrics still reports the removed channel")
	}
	overlay = strings.Replace(added.Overlays["leaderboard"], added.Overlays["leaderboard"][:strings.Index(added.Overlays["leaderboard"], "/overlays/")], base, 1)
	if status, _ := call(t, "GET", overlay, ""); status == http.StatusOK {
		t.Error("the removed channel's overlay page is still served")
	}
	if c := listed(base)["newbie"]; c == nil || c["served"] != false || c["removed_at"] == nil {
		t.Fatalf("after removal newbie is listed as %v", c)
	}
	// The configured channel, removed too, stays removed across a restart.
	if status, body := call(t, "DELETE", api+"/arena", "s3cret"); status != http.StatusOK {
		t.Fatalf("DELETE arena: %d %s", status, body)
	}
	p.stop(t)
	if out := runHearth(t, nil, "export", "--db", db, "--channel", "newbie"); !strings.Contains(out, `"zoe"`) {
		t.Fatalf("the removed channel's data is not kept: %s", out)
	}

	joins := len(srv.Joins())
	p = startHearth(t, env, "serve")
	// No channel is served, so no overlay URL is printed to find it by.
	base = "http://" + p.waitLine(t, `msg="hearth serving".* http=(\S+)`, 10*time.Second)[1]
	api = base + "/api/v1/channels"
	p.waitLine(t, `stays removed.*channel=arena`, 10*time.Second)
	chs := listed(base)
	if chs["arena"]["served"] != false || chs["newbie"]["served"] != false {
		t.Fatalf("after a restart the removed channels are listed as %v", chs)
	}

	// Forgotten: gone from the list and from the store.
	if status, body := call(t, "DELETE", api+"/newbie?forget=true", "s3cret"); status != http.StatusOK {
		t.Fatalf("DELETE newbie?forget=true: %d %s", status, body)
	}
	if _, ok := listed(base)["newbie"]; ok {
		t.Error("a forgotten channel is still listed")
	}
	// Added back, arena is joined again at once.
	if status, body := callJSON(t, "POST", api, "s3cret", map[string]string{"name": "arena"}); status != http.StatusCreated {
		t.Fatalf("POST arena: %d %s", status, body)
	}
	waitJoined("arena")
	// Chat joins what it serves as it connects, before any channel added
	// later: had the restart joined a removed channel, it would show here.
	for _, j := range srv.Joins()[joins:] {
		if j.Channel != "arena" {
			t.Errorf("after the restart hearth joined #%s, which an operator removed", j.Channel)
		}
	}
	p.stop(t)
	out, _, _ := runAuth(t, nil, "export", "--db", db, "--channel", "newbie")
	if strings.Contains(out, `"zoe"`) {
		t.Errorf("the forgotten channel's data is still exported: %s", out)
	}
}
