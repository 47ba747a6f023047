package twitchtest_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	twitch "github.com/gempir/go-twitch-irc/v4"

	"github.com/hearthlive/hearth/stream/twitchtest"
)

func audienceLines(a *twitchtest.Audience, events int, start time.Time) []string {
	var out []string
	for i := range events {
		out = append(out, a.Next(start.Add(time.Duration(i)*100*time.Millisecond))...)
	}
	return out
}

func TestAudienceDeterministic(t *testing.T) {
	start := time.UnixMilli(1_700_000_000_000)
	opts := twitchtest.AudienceOptions{Seed: 42, Viewers: 200, Channel: "hearth"}
	a := audienceLines(twitchtest.NewAudience(opts), 3000, start)
	b := audienceLines(twitchtest.NewAudience(opts), 3000, start)
	if !slices.Equal(a, b) {
		t.Fatal("two audiences with the same seed produced different lines")
	}
	opts.Seed = 43
	c := audienceLines(twitchtest.NewAudience(opts), 3000, start)
	if slices.Equal(a, c) {
		t.Fatal("audiences with different seeds produced the same lines")
	}
}

func TestAudienceShape(t *testing.T) {
	const viewers = 300
	a := twitchtest.NewAudience(twitchtest.AudienceOptions{Seed: 7, Viewers: viewers, Channel: "Hearth"})
	if a.Channel() != "hearth" || a.RoomID() != twitchtest.UserID("hearth") || a.Broadcaster().ID != a.RoomID() {
		t.Fatalf("channel %q, room %q, broadcaster %+v", a.Channel(), a.RoomID(), a.Broadcaster())
	}
	known := map[string]twitchtest.Chatter{}
	for _, v := range a.Viewers() {
		known[v.Login] = v
	}
	if len(known) != viewers {
		t.Fatalf("%d distinct viewer logins, want %d", len(known), viewers)
	}

	start := time.UnixMilli(1_700_000_000_000)
	perLogin := map[string]int{}
	ids := map[string]bool{}
	counts := map[string]int{}
	for i := range 20000 {
		now := start.Add(time.Duration(i) * time.Second)
		for _, line := range a.Next(now) {
			if strings.ContainsAny(line, "\r\n\x00") {
				t.Fatalf("line with a line break or NUL: %q", line)
			}
			switch m := twitch.ParseMessage(line).(type) {
			case *twitch.PrivateMessage:
				counts["privmsg"]++
				if m.Channel != "hearth" || m.RoomID != a.RoomID() || !m.Time.Equal(now) || m.ID == "" || ids[m.ID] {
					t.Fatalf("bad or repeated PRIVMSG: %q", line)
				}
				ids[m.ID] = true
				if len([]rune(m.Message)) > 500 {
					t.Errorf("message over 500 characters: %q", m.Message)
				}
				v, isViewer := known[m.User.Name]
				if isViewer {
					perLogin[m.User.Name]++
					if m.User.DisplayName != v.DisplayName || m.User.ID != v.ID {
						t.Errorf("viewer %q parsed as %q (id %q), want %q (id %q)", m.User.Name, m.User.DisplayName, m.User.ID, v.DisplayName, v.ID)
					}
				}
				if !isViewer && !strings.HasPrefix(m.User.Name, "famous_bot") {
					t.Errorf("PRIVMSG from unknown login %q", m.User.Name)
				}
				switch {
				case m.FirstMessage:
					counts["first"]++
				case m.Tags["returning-chatter"] == "1":
					counts["returning"]++
				}
				if m.Bits > 0 {
					counts["cheer"]++
					if !strings.HasPrefix(m.Message, "Cheer") {
						t.Errorf("cheer of %d bits without a cheermote: %q", m.Bits, m.Message)
					}
				}
				for _, cmd := range []string{"!points", "!rank", "!top", "!streak"} {
					if m.Message == cmd || strings.HasPrefix(m.Message, cmd+" ") {
						counts["command"]++
						counts[cmd]++
					}
				}
				if strings.Contains(m.Message, "<script>") || strings.Contains(m.Message, "onerror=") {
					counts["hostile"]++
				}
				if len(m.Message) >= 450 {
					counts["long"]++
				}
				if m.Action {
					counts["action"]++
				}
				if m.User.IsMod {
					counts["mod"]++
				}
				if m.User.IsVip {
					counts["vip"]++
				}
				if m.User.IsBroadcaster {
					counts["broadcaster"]++
				}
				if m.User.Badges["subscriber"] > 0 || m.Tags["subscriber"] == "1" {
					counts["subscriber"]++
				}
				if strings.ContainsAny(m.User.DisplayName, "\u200d\u200f\u202e;") {
					counts["odd name"]++
				}
			case *twitch.UserNoticeMessage:
				counts[m.MsgID]++
				if m.ID == "" || m.Channel != "hearth" {
					t.Errorf("bad USERNOTICE: %q", line)
				}
				if m.MsgID == "raid" {
					if n, err := strconv.Atoi(m.MsgParams["msg-param-viewerCount"]); err != nil || n < 1 {
						t.Errorf("raid without a viewer count: %q", line)
					}
				}
			case *twitch.ClearChatMessage:
				if m.BanDuration > 0 {
					counts["timeout"]++
				} else {
					counts["ban"]++
				}
			case *twitch.ClearMessage:
				counts["clearmsg"]++
			case *twitch.UserJoinMessage:
				counts["join"]++
			case *twitch.UserPartMessage:
				counts["part"]++
			default:
				t.Fatalf("line parsed as %T: %q", m, line)
			}
		}
	}
	t.Logf("counts: %v", counts)
	for _, kind := range []string{"first", "returning", "cheer", "!points", "!rank", "!top", "!streak", "hostile", "long", "action",
		"mod", "vip", "broadcaster", "subscriber", "odd name", "sub", "resub", "subgift", "raid", "announcement",
		"timeout", "ban", "clearmsg", "join", "part"} {
		if counts[kind] == 0 {
			t.Errorf("no %s in 20000 events", kind)
		}
	}
	if share := float64(counts["command"]) / float64(counts["privmsg"]); share < 0.02 || share > 0.15 {
		t.Errorf("chat commands are %.1f%% of messages, want a small share", 100*share)
	}

	// Long tail: the top 10% of viewers say well over a third, and many
	// who spoke spoke rarely.
	var sizes []int
	total := 0
	for _, n := range perLogin {
		sizes = append(sizes, n)
		total += n
	}
	slices.Sort(sizes)
	slices.Reverse(sizes)
	top := 0
	for _, n := range sizes[:viewers/10] {
		top += n
	}
	share := float64(top) / float64(total)
	t.Logf("top 10%% of viewers sent %.0f%% of %d messages; %d viewers spoke", 100*share, total, len(sizes))
	if share < 0.45 {
		t.Errorf("top 10%% of viewers sent %.0f%% of messages, want a long tail (over 45%%)", 100*share)
	}
	rare := 0
	for _, n := range sizes {
		if n <= 20 {
			rare++
		}
	}
	if len(sizes) < viewers*2/3 || rare < len(sizes)/4 {
		t.Errorf("%d of %d viewers spoke, %d of them 20 times or fewer; want most to speak, many rarely", len(sizes), viewers, rare)
	}
}

func TestAudienceRun(t *testing.T) {
	s := newServer(t, twitchtest.Options{})
	c := twitch.NewAnonymousClient()
	var privmsgs atomic.Int64
	enough := make(chan struct{})
	c.OnPrivateMessage(func(twitch.PrivateMessage) {
		if privmsgs.Add(1) == 20 {
			close(enough)
		}
	})
	startClient(t, s, c, "demo")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := s.WaitJoined(testContext(t, 5*time.Second), "demo"); err != nil {
		t.Fatalf("WaitJoined: %v", err)
	}

	a := twitchtest.NewAudience(twitchtest.AudienceOptions{Seed: 1, Channel: "demo"})
	if err := a.Run(ctx, s, 0); err == nil {
		t.Error("Run with rate 0 returned nil, want an error")
	}
	done := make(chan error, 1)
	begin := time.Now()
	go func() { done <- a.Run(ctx, s, 200) }()
	receive(t, enough, "20 chat messages")
	if elapsed := time.Since(begin); elapsed < 50*time.Millisecond {
		t.Errorf("20 messages at 200 lines/s arrived in %v, too fast", elapsed)
	}
	cancel()
	if err := receive(t, done, "Run to stop"); err != nil {
		t.Errorf("Run after cancel = %v, want nil", err)
	}
}

func BenchmarkAudienceNext(b *testing.B) {
	a := twitchtest.NewAudience(twitchtest.AudienceOptions{Seed: 1})
	now := time.Now()
	lines := 0
	for b.Loop() {
		lines += len(a.Next(now))
	}
	b.ReportMetric(float64(lines)/b.Elapsed().Seconds(), "lines/s")
}
