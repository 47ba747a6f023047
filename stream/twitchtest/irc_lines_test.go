package twitchtest_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	twitch "github.com/gempir/go-twitch-irc/v4"

	"github.com/hearthlive/hearth/stream/twitchtest"
)

func TestEscapeTagValue(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"Plain", "Viewer42", "Viewer42"},
		{"Empty", "", ""},
		{"Space", "Semi Colon", `Semi\sColon`},
		{"Semicolon", "a;b", `a\:b`},
		{"Backslash", `a\b`, `a\\b`},
		{"CRLF", "a\r\nb", `a\r\nb`},
		{"NUL", "a\x00b", "ab"},
		{"Unicode", "Zero\u200dWidth ゆうき", `Zero` + "\u200d" + `Width\sゆうき`},
		{"All", `; \`, `\:\s\\`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := twitchtest.EscapeTagValue(tt.in); got != tt.want {
				t.Errorf("EscapeTagValue(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestNewMessageID(t *testing.T) {
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 1000 {
		id := twitchtest.NewMessageID()
		if !uuid.MatchString(id) {
			t.Fatalf("NewMessageID() = %q, not a version 4 UUID", id)
		}
		if seen[id] {
			t.Fatalf("NewMessageID() repeated %q", id)
		}
		seen[id] = true
	}
}

func TestLineBuilders(t *testing.T) {
	at := time.UnixMilli(1_700_000_000_123)
	const ch, room = "#Hearth", "555"
	sub := twitchtest.Chatter{ID: "1001", Login: "semi_colon", DisplayName: "Semi;colon Name", Badges: []string{"moderator/1", "subscriber/12"}, Color: "#FF0000", Months: 14}
	vip := twitchtest.Chatter{ID: "1002", Login: "vipper", Badges: []string{"vip"}}

	tests := []struct {
		name  string
		line  string
		check func(t *testing.T, m twitch.Message)
	}{
		{"PrivmsgCheer", twitchtest.PrivmsgLine(ch, room, sub, "Cheer100 hello Kappa Kappa", at, twitchtest.MsgOptions{ID: "m-1", Bits: 100, FirstMsg: true}), func(t *testing.T, m twitch.Message) {
			p := as[*twitch.PrivateMessage](t, m)
			if p.User.DisplayName != "Semi;colon Name" || p.User.Name != "semi_colon" || p.User.ID != "1001" || p.User.Color != "#FF0000" {
				t.Errorf("user = %+v", p.User)
			}
			if p.User.Badges["moderator"] != 1 || p.User.Badges["subscriber"] != 12 || !p.User.IsMod || p.User.IsVip {
				t.Errorf("badges = %v mod=%v vip=%v", p.User.Badges, p.User.IsMod, p.User.IsVip)
			}
			if p.Tags["badge-info"] != "subscriber/14" || p.Tags["subscriber"] != "1" || p.Tags["user-type"] != "mod" {
				t.Errorf("tags = %v", p.Tags)
			}
			if p.Bits != 100 || !p.FirstMessage || p.ID != "m-1" || !p.Time.Equal(at) || p.Channel != "hearth" || p.RoomID != room {
				t.Errorf("message = %+v", p)
			}
			if p.Message != "Cheer100 hello Kappa Kappa" || p.Tags["returning-chatter"] != "0" {
				t.Errorf("text = %q, returning-chatter = %q", p.Message, p.Tags["returning-chatter"])
			}
			if len(p.Emotes) != 1 || p.Emotes[0].ID != "25" || p.Emotes[0].Name != "Kappa" || p.Emotes[0].Count != 2 ||
				p.Emotes[0].Positions[1] != (twitch.EmotePosition{Start: 21, End: 25}) {
				t.Errorf("emotes = %+v", p.Emotes)
			}
		}},
		{"PrivmsgActionVIP", twitchtest.PrivmsgLine(ch, room, vip, "waves at chat", at, twitchtest.MsgOptions{Action: true, ReturningChatter: true}), func(t *testing.T, m twitch.Message) {
			p := as[*twitch.PrivateMessage](t, m)
			if !p.Action || p.Message != "waves at chat" || !p.User.IsVip || p.User.Badges["vip"] != 1 || p.User.DisplayName != "vipper" {
				t.Errorf("message = %+v", p)
			}
			if p.Tags["returning-chatter"] != "1" || p.FirstMessage || p.ID == "" || p.Bits != 0 {
				t.Errorf("tags = %v", p.Tags)
			}
		}},
		{"PrivmsgLineBreakInjection", twitchtest.PrivmsgLine(ch, room, vip, "hi\r\nPRIVMSG #x :evil", at, twitchtest.MsgOptions{}), func(t *testing.T, m twitch.Message) {
			p := as[*twitch.PrivateMessage](t, m)
			if p.Message != "hi  PRIVMSG #x :evil" || p.Channel != "hearth" {
				t.Errorf("message = %q in %q", p.Message, p.Channel)
			}
		}},
		{"Sub", twitchtest.SubLine(ch, room, vip, "Prime", "", at, twitchtest.MsgOptions{}), func(t *testing.T, m twitch.Message) {
			n := as[*twitch.UserNoticeMessage](t, m)
			if n.MsgID != "sub" || n.MsgParams["msg-param-cumulative-months"] != "1" || n.MsgParams["msg-param-sub-plan"] != "Prime" ||
				n.SystemMsg != "vipper subscribed with Prime." || n.Tags["login"] != "vipper" || n.Message != "" {
				t.Errorf("notice = %+v", n)
			}
		}},
		{"Resub", twitchtest.ResubLine(ch, room, sub, 14, "1000", "14 months; still here", at, twitchtest.MsgOptions{}), func(t *testing.T, m twitch.Message) {
			n := as[*twitch.UserNoticeMessage](t, m)
			if n.MsgID != "resub" || n.MsgParams["msg-param-cumulative-months"] != "14" || n.Message != "14 months; still here" ||
				n.SystemMsg != "Semi;colon Name subscribed at Tier 1. They've subscribed for 14 months!" || n.User.ID != "1001" {
				t.Errorf("notice = %+v", n)
			}
		}},
		{"SubGift", twitchtest.SubGiftLine(ch, room, sub, vip, "2000", at, twitchtest.MsgOptions{}), func(t *testing.T, m twitch.Message) {
			n := as[*twitch.UserNoticeMessage](t, m)
			if n.MsgID != "subgift" || n.MsgParams["msg-param-recipient-user-name"] != "vipper" || n.MsgParams["msg-param-recipient-id"] != "1002" ||
				n.MsgParams["msg-param-sub-plan"] != "2000" || n.Tags["login"] != "semi_colon" {
				t.Errorf("notice = %+v", n)
			}
		}},
		{"Raid", twitchtest.RaidLine(ch, room, twitchtest.Chatter{Login: "raider", DisplayName: "Big Raider"}, 42, at, twitchtest.MsgOptions{}), func(t *testing.T, m twitch.Message) {
			n := as[*twitch.UserNoticeMessage](t, m)
			if n.MsgID != "raid" || n.MsgParams["msg-param-viewerCount"] != "42" || n.MsgParams["msg-param-login"] != "raider" ||
				n.SystemMsg != "42 raiders from Big Raider have joined!" || n.User.ID != twitchtest.UserID("raider") {
				t.Errorf("notice = %+v", n)
			}
		}},
		{"Announcement", twitchtest.AnnouncementLine(ch, room, sub, "", "be nice", at, twitchtest.MsgOptions{}), func(t *testing.T, m twitch.Message) {
			n := as[*twitch.UserNoticeMessage](t, m)
			if n.MsgID != "announcement" || n.MsgParams["msg-param-color"] != "PRIMARY" || n.Message != "be nice" {
				t.Errorf("notice = %+v", n)
			}
		}},
		{"Timeout", twitchtest.TimeoutLine(ch, room, vip, 10*time.Minute, at), func(t *testing.T, m twitch.Message) {
			c := as[*twitch.ClearChatMessage](t, m)
			if c.BanDuration != 600 || c.TargetUsername != "vipper" || c.TargetUserID != "1002" || c.RoomID != room || !c.Time.Equal(at) {
				t.Errorf("clearchat = %+v", c)
			}
		}},
		{"Ban", twitchtest.BanLine(ch, room, vip, at), func(t *testing.T, m twitch.Message) {
			c := as[*twitch.ClearChatMessage](t, m)
			_, hasDuration := c.Tags["ban-duration"]
			if hasDuration || c.TargetUsername != "vipper" || c.Channel != "hearth" {
				t.Errorf("clearchat = %+v", c)
			}
		}},
		{"ClearAll", twitchtest.ClearChatLine(ch, room, at), func(t *testing.T, m twitch.Message) {
			c := as[*twitch.ClearChatMessage](t, m)
			if c.TargetUsername != "" || c.TargetUserID != "" || c.Channel != "hearth" {
				t.Errorf("clearchat = %+v", c)
			}
		}},
		{"ClearMsg", twitchtest.ClearMsgLine(ch, room, "vipper", "m-9", "<script>alert(1)</script>", at), func(t *testing.T, m twitch.Message) {
			c := as[*twitch.ClearMessage](t, m)
			if c.TargetMsgID != "m-9" || c.Login != "vipper" || c.Message != "<script>alert(1)</script>" || c.Channel != "hearth" {
				t.Errorf("clearmsg = %+v", c)
			}
		}},
		{"Join", twitchtest.JoinLine(ch, "Vipper"), func(t *testing.T, m twitch.Message) {
			j := as[*twitch.UserJoinMessage](t, m)
			if j.User != "vipper" || j.Channel != "hearth" {
				t.Errorf("join = %+v", j)
			}
		}},
		{"Part", twitchtest.PartLine(ch, "vipper"), func(t *testing.T, m twitch.Message) {
			p := as[*twitch.UserPartMessage](t, m)
			if p.User != "vipper" || p.Channel != "hearth" {
				t.Errorf("part = %+v", p)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if strings.ContainsAny(tt.line, "\r\n\x00") {
				t.Fatalf("line contains a line break or NUL: %q", tt.line)
			}
			tt.check(t, twitch.ParseMessage(tt.line))
		})
	}
}
