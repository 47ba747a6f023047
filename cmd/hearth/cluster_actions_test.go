package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/internal/testenv"
	"github.com/hearthlive/hearth/stream/twitchtest"
)

// startClusterNode starts one hearth serve process of a test cluster on
// the database u and the fake Twitch srv.
func startClusterNode(t *testing.T, srv *twitchtest.Server, u, id string, channels []string) *node {
	t.Helper()
	p := startHearth(t, map[string]string{
		"HEARTH_TWITCH_IRC_ADDR":        srv.Addr(),
		"HEARTH_TWITCH_IRC_TLS":         "false",
		"HEARTH_CHANNELS":               strings.Join(channels, ","),
		"HEARTH_HTTP_ADDR":              "127.0.0.1:0",
		"HEARTH_DATABASE_URL":           u,
		"HEARTH_ADMIN_TOKEN":            "s3cret",
		"HEARTH_STORE_FLUSH_INTERVAL":   "100ms",
		"HEARTH_CLUSTER_ENABLED":        "true",
		"HEARTH_CLUSTER_INSTANCE_ID":    id,
		"HEARTH_CLUSTER_LEASE_DURATION": clusterLease.String(),
		"HEARTH_CLUSTER_RENEW_INTERVAL": clusterRenew.String(),
	}, "serve")
	return &node{id: id, p: p, base: p.baseURL(t)}
}

// heldLeases returns each channel's owner while its lease is held.
func heldLeases(t *testing.T, ctx context.Context, pool *pgxpool.Pool) map[string]string {
	t.Helper()
	rows, err := pool.Query(ctx, `SELECT channel, owner FROM channel_leases WHERE owner <> '' AND expires_at > clock_timestamp()`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var c, o string
		if err := rows.Scan(&c, &o); err != nil {
			t.Fatal(err)
		}
		out[c] = o
	}
	return out
}

// TestClusterCarriesActionsToTheOwner runs three instances on one
// PostgreSQL with three channels, and drives one channel entirely through
// the instances that do not run it: its settings, goals, test events and a
// poll, opened through a non-owner, answer there. The owner is killed
// (-9) mid-poll; the poll closes at its end time on the new owner with
// the votes sent before and after the kill, and an overlay socket on a
// surviving instance keeps receiving the channel's leaderboard. A channel
// added over one instance's API is joined by exactly one instance, and
// removed over another's, its owner parts it. A token rotated through a
// non-owner is the one every instance accepts.
func TestClusterCarriesActionsToTheOwner(t *testing.T) {
	u, _ := testenv.PostgresSchema(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	pool, err := pgxpool.New(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	srv := newChatServer(t)
	channels := []string{"pa", "pb", "pc"}
	nodes := []*node{
		startClusterNode(t, srv, u, "i1", channels),
		startClusterNode(t, srv, u, "i2", channels),
		startClusterNode(t, srv, u, "i3", channels),
	}
	byID := map[string]*node{}
	for _, n := range nodes {
		byID[n.id] = n
	}
	testenv.WaitFor(t, 60*time.Second, "each instance to run one channel, joined once", func() bool {
		for _, c := range channels {
			if srv.JoinedConnections(c) != 1 {
				return false
			}
		}
		for _, n := range nodes {
			if len(n.owned(t)) != 1 {
				return false
			}
		}
		return len(heldLeases(t, ctx, pool)) == len(channels)
	})

	const target = "pa"
	owner := byID[heldLeases(t, ctx, pool)[target]]
	var others []*node
	for _, n := range nodes {
		if n != owner {
			others = append(others, n)
		}
	}
	asker, watcher := others[0], others[1]
	chURL := asker.base + "/api/v1/channels/" + target

	// Settings, goals, overlay CSS and test events through a non-owner.
	if status, body := callJSON(t, "PUT", chURL+"/settings", "s3cret", map[string]any{"points": map[string]any{"per_message": 7}}); status != http.StatusOK || !strings.Contains(string(body), `"per_message":7`) {
		t.Fatalf("PUT settings through a non-owner: %d %s", status, body)
	}
	if status, body := call(t, "GET", watcher.base+"/api/v1/channels/"+target+"/settings", "s3cret"); status != http.StatusOK || !strings.Contains(string(body), `"per_message":7`) {
		t.Fatalf("GET settings through the other non-owner: %d %s", status, body)
	}
	if status, body := callJSON(t, "PUT", chURL+"/goals/subs", "s3cret", map[string]any{"title": "Subs", "kind": hearth.GoalSubs, "target": 10}); status != http.StatusOK {
		t.Fatalf("PUT a goal through a non-owner: %d %s", status, body)
	}
	if status, body := call(t, "GET", watcher.base+"/api/v1/channels/"+target+"/goals", "s3cret"); status != http.StatusOK || !strings.Contains(string(body), `"Subs"`) {
		t.Fatalf("the goal set through a non-owner, read through another: %d %s", status, body)
	}
	if status, body := call(t, "DELETE", chURL+"/goals/subs", "s3cret"); status/100 != 2 {
		t.Fatalf("DELETE a goal through a non-owner: %d %s", status, body)
	}
	if status, body := callJSON(t, "POST", chURL+"/overlays/test", "s3cret", map[string]any{"kind": "follow"}); status/100 != 2 {
		t.Fatalf("a test event through a non-owner: %d %s", status, body)
	}
	if status, body := call(t, "POST", chURL+"/polls/nope/end", "s3cret"); status != http.StatusNotFound {
		t.Fatalf("ending an unknown poll through a non-owner: %d %s; want the owner's 404", status, body)
	}

	token := overlayToken(t, asker.base, "s3cret", target)
	// An overlay socket on each instance that does not run the channel:
	// whichever takes it over, the other stays a relay.
	conns := map[string]*websocket.Conn{}
	for _, n := range others {
		conn, _, err := websocket.DefaultDialer.Dial(socketURL(n.base, target, token, hearth.TopicLeaderboard), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		conns[n.id] = conn
	}

	// A poll opened through a non-owner; it outlives the owner.
	status, body := callJSON(t, "POST", chURL+"/polls", "s3cret", map[string]any{
		"question": "Map?", "options": pollOptions, "duration_seconds": 15})
	var poll hearth.Poll
	if status != http.StatusCreated && status != http.StatusOK || json.Unmarshal(body, &poll) != nil || poll.ID == "" {
		t.Fatalf("POST a poll through a non-owner: %d %s", status, body)
	}
	vote := func(from, to int) {
		t.Helper()
		var lines []string
		for i := from; i < to; i++ {
			lines = append(lines, twitchtest.PrivmsgLine(target, twitchtest.UserID(target), voter(i), voteTexts[i%3][0], time.Time{}, twitchtest.MsgOptions{}))
		}
		fctx, fcancel := context.WithTimeout(ctx, 30*time.Second)
		defer fcancel()
		if _, err := srv.Feed(fctx, target, lines, twitchtest.FeedOptions{}); err != nil {
			t.Fatalf("sending votes: %v", err)
		}
	}
	storedVotes := func() int {
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM poll_votes WHERE poll_id = $1`, poll.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	vote(0, 4)
	testenv.WaitFor(t, 30*time.Second, "the first votes stored by the owner", func() bool { return storedVotes() == 4 })
	status, body = call(t, "GET", chURL+"/polls/"+poll.ID, "s3cret")
	if status != http.StatusOK || !strings.Contains(string(body), `"voters":4`) {
		t.Fatalf("the open poll through a non-owner: %d %s", status, body)
	}

	if err := owner.p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killedAt := time.Now()
	testenv.WaitFor(t, 30*time.Second, target+" owned again and joined once", func() bool {
		o := heldLeases(t, ctx, pool)[target]
		return o != "" && o != owner.id && srv.JoinedConnections(target) == 1
	})
	newOwner := heldLeases(t, ctx, pool)[target]
	t.Logf("%s taken over by %s %v after the kill", target, newOwner, time.Since(killedAt).Round(10*time.Millisecond))
	if time.Now().After(poll.EndsAt) {
		t.Fatal("the take-over took past the poll's end; nothing left to test")
	}
	vote(4, 8)

	// A chat line after the take-over reaches the socket on a survivor.
	late := twitchtest.Chatter{ID: "777", Login: "latecomer"}
	srv.Send(target, twitchtest.PrivmsgLine(target, twitchtest.UserID(target), late, "made it", time.Time{}, twitchtest.MsgOptions{}))
	// The socket on the instance that did not take it over is served by
	// the relay; the other by the new owner itself.
	for id, conn := range conns {
		for seen := false; !seen; {
			m, err := readOverlay(conn)
			if err != nil {
				t.Fatalf("the overlay socket on %s after the take-over (new owner %s): %v", id, newOwner, err)
			}
			var b hearth.Leaderboard
			if m.Topic == hearth.TopicLeaderboard && json.Unmarshal(m.State, &b) == nil {
				seen = slices.ContainsFunc(b.Entries, func(e hearth.LeaderboardEntry) bool { return e.Login == late.Login })
			}
		}
	}

	// The poll closes by itself, at its end, with all eight votes.
	var closed hearth.Poll
	testenv.WaitFor(t, 60*time.Second, "the poll closed on the new owner", func() bool {
		status, body := call(t, "GET", watcher.base+"/api/v1/channels/"+target+"/polls/"+poll.ID, "s3cret")
		return status == http.StatusOK && json.Unmarshal(body, &closed) == nil && closed.Status != hearth.PollOpen
	})
	// The store keeps milliseconds.
	if closed.Status != hearth.PollClosed || !closed.ClosedAt.Equal(closed.EndsAt) || closed.EndsAt.Sub(poll.EndsAt).Abs() >= time.Millisecond {
		t.Fatalf("poll after the take-over: status %s, closed at %v; want closed at its end %v", closed.Status, closed.ClosedAt, poll.EndsAt)
	}
	if want := []int64{3, 3, 2}; closed.Tally.Voters != 8 || !slices.Equal(closed.Tally.Votes, want) {
		t.Fatalf("poll tally after the take-over: %v from %d voters; want %v from 8", closed.Tally.Votes, closed.Tally.Voters, want)
	}

	survivors := others
	// A channel added over one instance's API is run by exactly one.
	added := time.Now()
	if status, body := callJSON(t, "POST", survivors[0].base+"/api/v1/channels", "s3cret", map[string]any{"name": "fresh"}); status != http.StatusCreated && status != http.StatusOK {
		t.Fatalf("POST /api/v1/channels: %d %s", status, body)
	}
	testenv.WaitFor(t, 30*time.Second, "the added channel joined", func() bool {
		return heldLeases(t, ctx, pool)["fresh"] != "" && srv.JoinedConnections("fresh") == 1
	})
	t.Logf("an added channel joined %v after the request", time.Since(added).Round(10*time.Millisecond))
	// Both survivors run their share of the four channels, and nothing
	// else joined it meanwhile.
	testenv.WaitFor(t, 30*time.Second, "the four channels shared by the two survivors", func() bool {
		return len(survivors[0].owned(t))+len(survivors[1].owned(t)) == 4 && len(heldLeases(t, ctx, pool)) == 4
	})
	if n := srv.JoinedConnections("fresh"); n != 1 {
		t.Fatalf("the added channel is joined by %d connections", n)
	}
	// The instance that does not run it removes it; the owner parts.
	freshOwner := heldLeases(t, ctx, pool)["fresh"]
	remover := survivors[0]
	if remover.id == freshOwner {
		remover = survivors[1]
	}
	if status, body := call(t, "DELETE", remover.base+"/api/v1/channels/fresh", "s3cret"); status/100 != 2 {
		t.Fatalf("DELETE /api/v1/channels/fresh through a non-owner: %d %s", status, body)
	}
	testenv.WaitFor(t, 30*time.Second, "the removed channel parted and its lease given up", func() bool {
		return srv.JoinedConnections("fresh") == 0 && heldLeases(t, ctx, pool)["fresh"] == ""
	})

	// A token rotated through a non-owner: every instance takes the new
	// one and refuses the old.
	ownerNow := byID[heldLeases(t, ctx, pool)[target]]
	via := survivors[0]
	if via == ownerNow {
		via = survivors[1]
	}
	var rotated struct {
		OverlayToken string `json:"overlay_token"`
	}
	status, body = call(t, "POST", via.base+"/api/v1/channels/"+target+"/overlay-token", "s3cret")
	if status != http.StatusOK || json.Unmarshal(body, &rotated) != nil || rotated.OverlayToken == "" || rotated.OverlayToken == token {
		t.Fatalf("rotating the overlay token through a non-owner: %d %s", status, body)
	}
	// The sockets open with the old token are closed on every instance,
	// the ones that do not run the channel too.
	for id, conn := range conns {
		for {
			_, err := readOverlay(conn)
			var ce *websocket.CloseError
			if errors.As(err, &ce) && ce.Code == 4001 {
				break
			}
			if err != nil {
				t.Fatalf("the socket on %s with the rotated token: %v; want closed with 4001", id, err)
			}
		}
	}
	for _, n := range survivors {
		if err := openAndClose(n.base, target, rotated.OverlayToken, hearth.TopicLeaderboard); err != nil {
			t.Errorf("the rotated token on %s: %v", n.id, err)
		}
		if err := openAndClose(n.base, target, token, hearth.TopicLeaderboard); err == nil {
			t.Errorf("the old token still opens an overlay socket on %s", n.id)
		}
	}
	for _, n := range survivors {
		n.p.stop(t)
	}
}
