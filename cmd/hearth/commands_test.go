package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/hearthlive/hearth/export"
	"github.com/hearthlive/hearth/internal/testenv"
	"github.com/hearthlive/hearth/stream/twitchtest"
)

// arena is a fake channel with a logged-in hearth bot serving it.
type arena struct {
	srv      *twitchtest.Server
	proc     *proc
	db       string
	channel  string
	room     string
	chatters map[string]twitchtest.Chatter
}

// newChatServer starts a fake Twitch chat server that closes when the
// test ends.
func newChatServer(t *testing.T) *twitchtest.Server {
	t.Helper()
	srv, err := twitchtest.NewServer(twitchtest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv
}

func startArena(t *testing.T, db string, env map[string]string) *arena {
	t.Helper()
	srv := newChatServer(t)
	srv.SetModerator("arena", true)
	full := map[string]string{
		"HEARTH_TWITCH_IRC_ADDR": srv.Addr(),
		"HEARTH_TWITCH_IRC_TLS":  "false",
		"HEARTH_CHANNELS":        "arena",
		"HEARTH_HTTP_ADDR":       "127.0.0.1:0",
		"HEARTH_DATABASE_URL":    db,
		"HEARTH_BOT_USERNAME":    "hearthbot",
		"HEARTH_BOT_TOKEN":       "oauth:test",
		"HEARTH_POINTS_PRESENCE": "0",
	}
	for k, v := range env {
		full[k] = v
	}
	p := startHearth(t, full, "serve")
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.WaitJoined(ctx, "arena"); err != nil {
		t.Fatal(err)
	}
	a := &arena{srv: srv, proc: p, db: db, channel: "arena", room: twitchtest.UserID("arena"), chatters: map[string]twitchtest.Chatter{}}
	for k, v := range regulars {
		a.chatters[k] = v
	}
	return a
}

// regulars are the arena's named viewers.
var regulars = map[string]twitchtest.Chatter{
	"ann":   {ID: "101", Login: "ann", DisplayName: "Ann"},
	"bob":   {ID: "102", Login: "bob", DisplayName: "Bob", Badges: []string{"subscriber/3"}},
	"mia":   {ID: "103", Login: "mia", DisplayName: "Mia", Badges: []string{"moderator/1"}},
	"arena": {ID: twitchtest.UserID("arena"), Login: "arena", DisplayName: "Arena", Badges: []string{"broadcaster/1"}},
}

func (a *arena) say(login, text string) {
	a.srv.Send(a.channel, twitchtest.PrivmsgLine(a.channel, a.room, a.chatters[login], text, time.Time{}, twitchtest.MsgOptions{}))
}

// waitJoinedAlone waits, after a restart, until one connection is open and
// it has joined the arena: ready means logged in, the JOIN follows, and the
// stopped process's connection may still be closing. Lines sent before
// then would go nowhere.
func (a *arena) waitJoinedAlone(t *testing.T) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		err := a.srv.WaitJoined(ctx, a.channel)
		cancel()
		if err == nil && a.srv.OpenConnections() == 1 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("hearth did not join #%s alone (open connections %d)", a.channel, a.srv.OpenConnections())
		}
	}
}

// export stops nothing: it reads the database of a stopped hearth.
func (a *arena) export(t *testing.T) map[string]export.Record {
	t.Helper()
	var recs []export.Record
	if err := json.Unmarshal([]byte(runHearth(t, nil, "export", "--db", a.db, "--channel", a.channel)), &recs); err != nil {
		t.Fatal(err)
	}
	out := make(map[string]export.Record, len(recs))
	for _, r := range recs {
		out[r.Login] = r
	}
	return out
}

// TestCommandsEndToEnd runs every chat command through the real binary and
// the fake Twitch, and checks each reply the bot sends and the balances it
// leaves.
func TestCommandsEndToEnd(t *testing.T) {
	t.Parallel()
	a := startArena(t, "sqlite://"+filepath.Join(t.TempDir(), "commands.db"), map[string]string{
		"HEARTH_COMMANDS_USER_COOLDOWN":   "30s",
		"HEARTH_COMMANDS_GLOBAL_COOLDOWN": "0s",
	})
	for _, who := range []string{"ann", "bob", "mia", "arena"} {
		a.say(who, "hello everyone")
	}
	steps := []struct {
		who, text string
		reply     string // a regular expression; "" means the bot must stay silent
	}{
		{"ann", "!points", `^Ann has 60 points \(rank Newcomer\)$`},
		{"bob", "!give @ann 25", `^Bob gave 25 points to Ann \(35 left\)$`},
		{"ann", "!rank", `^Ann is Newcomer, #1 of 3; 440 more to reach Regular$`},
		{"mia", "!addpoints @bob 100", `^Bob got 100 points \(now 135\)$`},
		{"ann", "!addpoints @bob 5", ""},
		{"mia", "!give @ann 99999999999999999999", `^Usage: !give @user amount$`},
		{"ann", "!give @ann 5", `^Ann, you can't give points to yourself$`},
		{"mia", "!give @nightbot 5", `^Mia, nightbot is a bot`},
		{"mia", "!give @arena 5", `^Mia, arena is a bot`},
		{"mia", "!give @ghost 5", `^Mia, I haven't seen ghost in chat yet$`},
		{"mia", "!give @bob 1000", `^Mia, you only have 60 points$`}, // moderators skip cooldowns
		{"ann", "!top 3", `^Top chatters: 1\. Bob \(135\) · 2\. Ann \(85\) · 3\. Mia \(60\)$`},
		{"bob", "!streak", `^Bob has attended 1 streams in a row \(best: 1\)$`},
		{"bob", "!watchtime", `^Bob has watched for \d+m$`},
		{"mia", "!removepoints @bob 1000", `^Bob had 135 points taken away \(now 0\)$`},
		{"ann", "!points", ""}, // inside her 30 s cooldown
		{"mia", "!points @ann", `^Ann has 85 points \(rank Newcomer\)$`},
		{"bob", "!so @ann", ""}, // another bot's command
		{"bob", "!points", `^Bob has 0 points \(rank Newcomer\)$`},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	want := 0
	for i, s := range steps {
		a.say(s.who, s.text)
		if s.reply == "" {
			continue // the next step's reply proves this one got none
		}
		want++
		sent, err := a.srv.WaitSent(ctx, want)
		if err != nil {
			t.Fatalf("step %d (%s %q): no reply: %v", i, s.who, s.text, err)
		}
		if len(sent) != want {
			t.Fatalf("step %d (%s %q): %d replies so far, want %d: %+v", i, s.who, s.text, len(sent), want, sent)
		}
		if got := sent[want-1].Text; !regexp.MustCompile(s.reply).MatchString(got) {
			t.Fatalf("step %d (%s %q): reply %q does not match %q", i, s.who, s.text, got, s.reply)
		}
	}
	if v := a.srv.Violations(); v != 0 {
		t.Fatalf("%d rate-limit violations", v)
	}
	a.proc.stop(t)
	recs := a.export(t)
	for login, points := range map[string]int64{"ann": 85, "bob": 0, "mia": 60, "arena": 0} {
		if recs[login].Points != points {
			t.Errorf("%s has %d points after the script, want %d", login, recs[login].Points, points)
		}
	}
}

// TestConcurrentGivesConservePoints sends 1,000 !give between 100 viewers
// from ten goroutines at once, on SQLite and on PostgreSQL: whatever
// succeeds or fails, the points in the channel stay the same.
func TestConcurrentGivesConservePoints(t *testing.T) {
	t.Parallel()
	stores := map[string]func(t *testing.T) string{
		"SQLite": func(t *testing.T) string { return "sqlite://" + filepath.Join(t.TempDir(), "gives.db") },
		"PostgreSQL": func(t *testing.T) string {
			u, _ := testenv.PostgresSchema(t)
			return u
		},
	}
	for name, db := range stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			a := startArena(t, db(t), map[string]string{
				"HEARTH_COMMANDS_USER_COOLDOWN":   "0s",
				"HEARTH_COMMANDS_GLOBAL_COOLDOWN": "0s",
				"HEARTH_STORE_FLUSH_SIZE":         "7", // many small transactions
			})
			const viewers = 100
			for i := 0; i < viewers; i++ {
				a.chatters[fmt.Sprint("giver", i)] = twitchtest.Chatter{ID: fmt.Sprint(5000 + i), Login: fmt.Sprint("giver", i)}
			}
			base := a.proc.baseURL(t)
			var lines []string
			for i := 0; i < viewers; i++ {
				lines = append(lines, twitchtest.PrivmsgLine(a.channel, a.room, a.chatters[fmt.Sprint("giver", i)], "hi", time.Time{}, twitchtest.MsgOptions{}))
			}
			a.srv.Send(a.channel, lines...)
			waitMetric(t, base, `hearth_chat_messages_total{channel="arena"}`, viewers)

			var wg sync.WaitGroup
			for g := 0; g < 10; g++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					rng := rand.New(rand.NewPCG(uint64(g), 7))
					for i := 0; i < 100; i++ {
						from, to := rng.IntN(viewers), rng.IntN(viewers)
						text := fmt.Sprintf("!give @giver%d %d", to, 1+rng.IntN(80))
						a.srv.Send(a.channel, twitchtest.PrivmsgLine(a.channel, a.room, a.chatters[fmt.Sprint("giver", from)], text, time.Time{}, twitchtest.MsgOptions{}))
					}
				}()
			}
			wg.Wait()
			waitMetric(t, base, `hearth_chat_messages_total{channel="arena"}`, viewers+1000)
			ran := metricValue(t, base+"/metrics", `hearth_commands_total{channel="arena",command="give"}`)
			a.proc.stop(t)

			var sum int64
			for login, r := range a.export(t) {
				if r.Points < 0 {
					t.Fatalf("%s has a negative balance %d", login, r.Points)
				}
				sum += r.Points
			}
			if want := int64(viewers * 60); sum != want {
				t.Fatalf("the channel holds %d points after %v successful gives; it held %d before", sum, ran, want)
			}
			if ran < 100 {
				t.Fatalf("only %v of 1,000 gives succeeded; the test proves little", ran)
			}
			t.Logf("%v of 1,000 gives succeeded; sum stayed %d", ran, sum)
		})
	}
}

// waitMetric polls /metrics until series reaches at least want.
func waitMetric(t *testing.T, base, series string, want float64) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for metricValue(t, base+"/metrics", series) < want {
		if time.Now().After(deadline) {
			t.Fatalf("%s stayed below %v", series, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
