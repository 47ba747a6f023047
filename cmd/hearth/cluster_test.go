package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/hearthlive/hearth/internal/testenv"
	"github.com/hearthlive/hearth/stream/twitchtest"
)

// clusterLease and clusterRenew are the test cluster's timings: short, so
// that hand-overs happen in seconds.
const (
	clusterLease = 3 * time.Second
	clusterRenew = 500 * time.Millisecond
)

// node is one hearth serve process of the test cluster.
type node struct {
	id   string
	p    *proc
	base string
}

// owned returns the channels the instance says it runs (/readyz).
func (n *node) owned(t *testing.T) []string {
	t.Helper()
	resp, err := http.Get(n.base + "/readyz")
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var ready struct {
		Channels []string `json:"channels"`
	}
	if json.NewDecoder(resp.Body).Decode(&ready) != nil {
		return nil
	}
	return ready.Channels
}

// TestClusterOfThreeInstances runs three hearth serve processes on one
// PostgreSQL and the fake Twitch with 30 channels: each channel is joined
// by one instance, a killed instance's channels are owned again within a
// lease period, an instance stopped (SIGSTOP) past its lease cannot write
// when it wakes, and the messages across every hand-over count exactly
// once.
func TestClusterOfThreeInstances(t *testing.T) {
	u, _ := testenv.PostgresSchema(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	pool, err := pgxpool.New(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	srv := newChatServer(t)
	channels := make([]string, 30)
	for i := range channels {
		channels[i] = fmt.Sprintf("c%02d", i)
	}
	start := func(id string) *node {
		p := startHearth(t, map[string]string{
			"HEARTH_TWITCH_IRC_ADDR":        srv.Addr(),
			"HEARTH_TWITCH_IRC_TLS":         "false",
			"HEARTH_CHANNELS":               strings.Join(channels, ","),
			"HEARTH_HTTP_ADDR":              "127.0.0.1:0",
			"HEARTH_DATABASE_URL":           u,
			"HEARTH_ADMIN_TOKEN":            "s3cret",
			"HEARTH_CLUSTER_ENABLED":        "true",
			"HEARTH_CLUSTER_INSTANCE_ID":    id,
			"HEARTH_CLUSTER_LEASE_DURATION": clusterLease.String(),
			"HEARTH_CLUSTER_RENEW_INTERVAL": clusterRenew.String(),
		}, "serve")
		return &node{id: id, p: p, base: p.baseURL(t)}
	}

	// joinedOnce reports whether every channel is joined by exactly one
	// chat connection.
	joinedOnce := func() bool {
		for _, c := range channels {
			if srv.JoinedConnections(c) != 1 {
				return false
			}
		}
		return true
	}
	// leases returns each channel's owner while its lease is held.
	leases := func() map[string]string {
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
	ownedBy := func(ids ...string) bool {
		ls := leases()
		if len(ls) != len(channels) {
			return false
		}
		for _, o := range ls {
			if !slices.Contains(ids, o) {
				return false
			}
		}
		return true
	}
	// stored returns every channel's messages as the store holds them.
	stored := func() map[string]int64 {
		rows, err := pool.Query(ctx, `SELECT channel, sum(messages)::bigint FROM viewers GROUP BY channel`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[string]int64{}
		for rows.Next() {
			var c string
			var n int64
			if err := rows.Scan(&c, &n); err != nil {
				t.Fatal(err)
			}
			out[c] = n
		}
		return out
	}
	storedAll := func(want int64) func() bool {
		return func() bool {
			got := stored()
			for _, c := range channels {
				if got[c] != want {
					return false
				}
			}
			return true
		}
	}
	// feed sends n messages to every channel, each acknowledged by the
	// instance that has joined it (twitchtest.Feed), from chatters named
	// after round.
	rounds := 0
	feed := func(round string, n int) {
		t.Helper()
		rounds++
		for _, c := range channels {
			lines := make([]string, n)
			for i := range lines {
				who := twitchtest.Chatter{ID: fmt.Sprint(1000*rounds + i), Login: fmt.Sprintf("%s%d", round, i)}
				lines[i] = twitchtest.PrivmsgLine(c, twitchtest.UserID(c), who, fmt.Sprintf("%s says %d", round, i), time.Time{}, twitchtest.MsgOptions{})
			}
			fctx, fcancel := context.WithTimeout(ctx, 30*time.Second)
			_, err := srv.Feed(fctx, c, lines, twitchtest.FeedOptions{})
			fcancel()
			if err != nil {
				t.Fatalf("feeding %s: %v", c, err)
			}
		}
	}

	nodes := []*node{start("i1"), start("i2"), start("i3")}
	testenv.WaitFor(t, 60*time.Second, "every channel joined by exactly one instance", joinedOnce)
	testenv.WaitFor(t, 60*time.Second, "the three instances to run 10 channels each", func() bool {
		for _, n := range nodes {
			if len(n.owned(t)) != 10 {
				return false
			}
		}
		return ownedBy("i1", "i2", "i3")
	})
	if !joinedOnce() {
		t.Fatal("after balancing, a channel is joined twice or not at all")
	}
	testenv.WaitFor(t, 10*time.Second, "each instance's metrics to say it runs 10 channels of a cluster of 3", func() bool {
		for _, n := range nodes {
			if metricValue(t, n.base+"/metrics", "hearth_channels_owned") != 10 || metricValue(t, n.base+"/metrics", "hearth_cluster_instances") != 3 {
				return false
			}
		}
		return true
	})
	status, body := call(t, "GET", nodes[0].base+"/api/v1/cluster", "s3cret")
	var cs struct {
		Instances []struct{ ID string } `json:"instances"`
		Leases    []struct {
			Held bool `json:"held"`
		} `json:"leases"`
	}
	if status != http.StatusOK || json.Unmarshal(body, &cs) != nil || len(cs.Instances) != 3 || len(cs.Leases) != 30 {
		t.Fatalf("GET /api/v1/cluster = %d %s", status, body)
	}

	const perRound = 4
	feed("before", perRound)
	testenv.WaitFor(t, 30*time.Second, "the first messages stored", storedAll(perRound))

	// kill -9: the instance's leases expire, and the others take its
	// channels over within a lease period.
	killed := nodes[1]
	theirs := killed.owned(t)
	if err := killed.p.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	killedAt := time.Now()
	testenv.WaitFor(t, 30*time.Second, "the killed instance's channels owned by the others", func() bool { return ownedBy("i1", "i3") })
	took := time.Since(killedAt)
	testenv.WaitFor(t, 30*time.Second, "every channel joined by exactly one instance after the kill", joinedOnce)
	joinedIn := time.Since(killedAt)
	t.Logf("after kill -9 of an instance with %d channels: owned again in %v, joined again in %v (lease %v)", len(theirs), took.Round(10*time.Millisecond), joinedIn.Round(10*time.Millisecond), clusterLease)
	// The database's check runs every renew interval at most.
	if took > clusterLease+clusterRenew {
		t.Errorf("the killed instance's channels were owned again only after %v; want within the lease period (%v)", took, clusterLease)
	}
	feed("after", perRound)
	testenv.WaitFor(t, 30*time.Second, "the messages across the hand-over stored once each", storedAll(2*perRound))

	// SIGSTOP past the lease: the last other instance takes its channels,
	// and a viewer forgotten there meanwhile is not brought back by the
	// stopped instance when it wakes with that viewer's message in hand.
	paused := nodes[2]
	pausedOwns := paused.owned(t)
	if len(pausedOwns) == 0 {
		t.Fatal("the instance to pause runs no channel")
	}
	target := pausedOwns[0]
	if err := paused.p.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	resumed := false
	defer func() {
		if !resumed {
			_ = paused.p.cmd.Process.Signal(syscall.SIGCONT)
		}
	}()
	testenv.WaitFor(t, 30*time.Second, "the paused instance's channels owned by the last one", func() bool { return ownedBy("i1") })
	// The paused instance's connection stays open and joined: the channel
	// has two now.
	testenv.WaitFor(t, 30*time.Second, "the new owner to join "+target, func() bool { return srv.JoinedConnections(target) == 2 })
	zed := twitchtest.Chatter{ID: "9999", Login: "zed"}
	// Both connections joined to the channel get it: the paused one holds
	// it in its socket until it wakes.
	srv.Send(target, twitchtest.PrivmsgLine(target, twitchtest.UserID(target), zed, "hello from zed", time.Time{}, twitchtest.MsgOptions{}))
	testenv.WaitFor(t, 30*time.Second, "zed's message counted by the new owner", func() bool { return stored()[target] == 2*perRound+1 })
	if status, body := call(t, "DELETE", nodes[0].base+"/api/v1/channels/"+target+"/viewers/zed", "s3cret"); status != http.StatusOK {
		t.Fatalf("forgetting zed on the owner: %d %s", status, body)
	}
	if err := paused.p.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	resumed = true
	woke := paused.p.waitLine(t, `lease (lost|not renewed)`, 30*time.Second)
	t.Logf("the woken instance: %q", woke[0])
	testenv.WaitFor(t, 60*time.Second, "the woken instance to run its share again, each channel joined once", func() bool {
		return len(paused.owned(t)) == 15 && len(nodes[0].owned(t)) == 15 && joinedOnce()
	})
	if strings.Contains(paused.p.output(), "pending changes are dropped") {
		t.Log("the database refused a write of the woken instance")
	}
	var zeds int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM viewers WHERE user_id = $1`, zed.ID).Scan(&zeds); err != nil {
		t.Fatal(err)
	}
	if zeds != 0 {
		t.Fatal("the viewer forgotten on the new owner was written back by the instance that had lost the channel")
	}
	feed("last", perRound)
	testenv.WaitFor(t, 30*time.Second, "the last messages stored", func() bool {
		got := stored()
		for _, c := range channels {
			if want := int64(3 * perRound); got[c] != want {
				return false
			}
		}
		return true
	})
	if got := metricValue(t, nodes[0].base+"/metrics", `hearth_lease_handovers_total{reason="expired"}`); got < 1 {
		t.Errorf("the instance that took channels over after expiry counts %v expired hand-overs", got)
	}

	// A clean stop hands over at once.
	stopped := time.Now()
	paused.p.stop(t)
	testenv.WaitFor(t, 30*time.Second, "the stopped instance's channels taken over", func() bool { return ownedBy("i1") })
	t.Logf("after a clean stop: owned again in %v", time.Since(stopped).Round(10*time.Millisecond))
	if d := time.Since(stopped); d > clusterLease {
		t.Errorf("a clean stop's channels were taken over after %v, not at once", d)
	}
	testenv.WaitFor(t, 30*time.Second, "every channel joined once after the clean stop", joinedOnce)
	nodes[0].p.stop(t)
}

// TestClusterRefusesWhatCannotWork: clustering needs PostgreSQL, and a
// renew interval that leaves a lease time for a renewal to fail.
func TestClusterRefusesWhatCannotWork(t *testing.T) {
	srv := newChatServer(t)
	env := map[string]string{
		"HEARTH_TWITCH_IRC_ADDR": srv.Addr(),
		"HEARTH_TWITCH_IRC_TLS":  "false",
		"HEARTH_CHANNELS":        "arena",
		"HEARTH_HTTP_ADDR":       "127.0.0.1:0",
		"HEARTH_CLUSTER_ENABLED": "true",
		"HEARTH_DATABASE_URL":    "sqlite://" + t.TempDir() + "/hearth.db",
	}
	_, stderr, code := runAuth(t, env, "serve")
	if code == 0 || !strings.Contains(stderr, "cluster.enabled needs a postgres:// database_url") {
		t.Fatalf("serve with clustering on SQLite: exit %d, stderr:\n%s", code, stderr)
	}
	u, _ := testenv.PostgresSchema(t)
	env["HEARTH_DATABASE_URL"] = u
	env["HEARTH_CLUSTER_LEASE_DURATION"] = "2s"
	env["HEARTH_CLUSTER_RENEW_INTERVAL"] = "1500ms"
	_, stderr, code = runAuth(t, env, "serve")
	if code == 0 || !strings.Contains(stderr, "must be at most half the lease duration") {
		t.Fatalf("serve with a renew interval over half the lease: exit %d, stderr:\n%s", code, stderr)
	}
}
