package irc

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/stream"
	"github.com/hearthlive/hearth/stream/twitchtest"
)

var received = time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC)

const privmsgTags = "@badge-info=subscriber/5;badges=moderator/1,subscriber/3;color=#FFFFFF;display-name=Some\\sOne;emotes=;first-msg=1;returning-chatter=0;flags=;id=msg-1;mod=1;room-id=71092938;subscriber=1;tmi-sent-ts=1568505600501;turbo=0;user-id=48215771;user-type=mod"

func TestParseLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		line string
		want hearth.Event
	}{
		{"Privmsg", privmsgTags + " :someone!someone@someone.tmi.twitch.tv PRIVMSG #XQCow :hello there", hearth.Event{
			Kind: hearth.EventChat, Channel: "xqcow", ChannelID: "71092938", ID: "msg-1", Time: time.UnixMilli(1568505600501),
			User:  hearth.Identity{ID: "48215771", Login: "someone", DisplayName: "Some One"},
			Roles: hearth.RoleModerator | hearth.RoleSubscriber, Text: "hello there", FirstMessage: true,
			Color: "#FFFFFF", Badges: []string{"moderator", "subscriber"},
		}},
		// Positions count code points: the emoji and the accented letter
		// before the emotes are one each, however many bytes they take.
		{"Emotes", "@badges=vip/1;color=#1e90ff;display-name=Zoé;emotes=25:10-14,22-26/emotesv2_4c3b4ed516de493bbcd2df2f5d450f49:16-19;id=m6;room-id=1;tmi-sent-ts=1000;user-id=6 :zoe!zoe@zoe.tmi.twitch.tv PRIVMSG #c :héllo 🐈‍⬛ Kappa PogU! Kappa", hearth.Event{
			Kind: hearth.EventChat, Channel: "c", ChannelID: "1", ID: "m6", Time: time.UnixMilli(1000),
			User: hearth.Identity{ID: "6", Login: "zoe", DisplayName: "Zoé"}, Roles: hearth.RoleVIP, Text: "héllo 🐈‍⬛ Kappa PogU! Kappa",
			Color: "#1E90FF", Badges: []string{"vip"},
			Emotes: []hearth.EmoteSpan{{ID: "25", Start: 10, End: 15}, {ID: "emotesv2_4c3b4ed516de493bbcd2df2f5d450f49", Start: 16, End: 20}, {ID: "25", Start: 22, End: 27}},
		}},
		{"HostileEmotesIgnored", "@color=red;emotes=25:0-1,3-99,2-1/x\\sy:0-1/<img>:0-1/9:0-1,1-2;id=m7;room-id=1;tmi-sent-ts=1000;user-id=6 :zoe!zoe@zoe.tmi.twitch.tv PRIVMSG #c :abcdef", hearth.Event{
			Kind: hearth.EventChat, Channel: "c", ChannelID: "1", ID: "m7", Time: time.UnixMilli(1000),
			User: hearth.Identity{ID: "6", Login: "zoe", DisplayName: "zoe"}, Text: "abcdef",
			Emotes: []hearth.EmoteSpan{{ID: "25", Start: 0, End: 2}},
		}},
		{"Action", "@badges=;display-name=Ann;id=m2;room-id=1;tmi-sent-ts=1000;user-id=5 :ann!ann@ann.tmi.twitch.tv PRIVMSG #c :\x01ACTION waves\x01", hearth.Event{
			Kind: hearth.EventChat, Channel: "c", ChannelID: "1", ID: "m2", Time: time.UnixMilli(1000),
			User: hearth.Identity{ID: "5", Login: "ann", DisplayName: "Ann"}, Text: "waves", Action: true,
		}},
		{"CheerAndBroadcaster", "@badges=broadcaster/1;bits=100;display-name=Chan;id=m3;room-id=9;tmi-sent-ts=1000;user-id=9;returning-chatter=1 :chan!chan@chan.tmi.twitch.tv PRIVMSG #chan :Cheer100 gg", hearth.Event{
			Kind: hearth.EventChat, Channel: "chan", ChannelID: "9", ID: "m3", Time: time.UnixMilli(1000),
			User: hearth.Identity{ID: "9", Login: "chan", DisplayName: "Chan"}, Roles: hearth.RoleBroadcaster, Text: "Cheer100 gg", Bits: 100, ReturningChatter: true, Badges: []string{"broadcaster"},
		}},
		{"NoTimestampUsesReceived", "@display-name=Ann;id=m4;room-id=1;user-id=5 :ann!ann@ann.tmi.twitch.tv PRIVMSG #c :hi", hearth.Event{
			Kind: hearth.EventChat, Channel: "c", ChannelID: "1", ID: "m4", Time: received,
			User: hearth.Identity{ID: "5", Login: "ann", DisplayName: "Ann"}, Text: "hi",
		}},
		{"EmptyDisplayNameFallsBackToLogin", "@display-name=;id=m5;room-id=1;user-id=5;tmi-sent-ts=1000 :ann!ann@ann.tmi.twitch.tv PRIVMSG #c :hi", hearth.Event{
			Kind: hearth.EventChat, Channel: "c", ChannelID: "1", ID: "m5", Time: time.UnixMilli(1000),
			User: hearth.Identity{ID: "5", Login: "ann", DisplayName: "ann"}, Text: "hi",
		}},
		{"Resub", "@badges=subscriber/9;display-name=Hayai_ow;id=n1;login=hayai_ow;msg-id=resub;msg-param-cumulative-months=5;room-id=1;tmi-sent-ts=1000;user-id=201829463 :tmi.twitch.tv USERNOTICE #c :love the streams", hearth.Event{
			Kind: hearth.EventResub, Channel: "c", ChannelID: "1", ID: "n1", Time: time.UnixMilli(1000),
			User: hearth.Identity{ID: "201829463", Login: "hayai_ow", DisplayName: "Hayai_ow"}, Roles: hearth.RoleSubscriber, Text: "love the streams", Months: 5,
		}},
		{"SubGift", "@display-name=Giver;id=n2;login=giver;msg-id=subgift;msg-param-months=1;msg-param-recipient-display-name=Lucky;msg-param-recipient-id=77;msg-param-recipient-user-name=lucky;room-id=1;tmi-sent-ts=1000;user-id=66 :tmi.twitch.tv USERNOTICE #c", hearth.Event{
			Kind: hearth.EventSubGift, Channel: "c", ChannelID: "1", ID: "n2", Time: time.UnixMilli(1000),
			User: hearth.Identity{ID: "66", Login: "giver", DisplayName: "Giver"}, Target: hearth.Identity{ID: "77", Login: "lucky", DisplayName: "Lucky"}, Months: 1, Count: 1,
		}},
		{"Raid", "@display-name=Raider;id=n3;login=raider;msg-id=raid;msg-param-viewerCount=42;room-id=1;tmi-sent-ts=1000;user-id=88 :tmi.twitch.tv USERNOTICE #c", hearth.Event{
			Kind: hearth.EventRaid, Channel: "c", ChannelID: "1", ID: "n3", Time: time.UnixMilli(1000),
			User: hearth.Identity{ID: "88", Login: "raider", DisplayName: "Raider"}, Count: 42,
		}},
		{"Timeout", "@ban-duration=150;room-id=1;target-user-id=48215771;tmi-sent-ts=1000 :tmi.twitch.tv CLEARCHAT #c :onche", hearth.Event{
			Kind: hearth.EventTimeout, Channel: "c", ChannelID: "1", ID: "clearchat:1:48215771:1000", Time: time.UnixMilli(1000),
			Target: hearth.Identity{ID: "48215771", Login: "onche", DisplayName: "onche"}, Duration: 150 * time.Second,
		}},
		{"Ban", "@room-id=1;target-user-id=4;tmi-sent-ts=1000 :tmi.twitch.tv CLEARCHAT #c :troll", hearth.Event{
			Kind: hearth.EventBan, Channel: "c", ChannelID: "1", ID: "clearchat:1:4:1000", Time: time.UnixMilli(1000),
			Target: hearth.Identity{ID: "4", Login: "troll", DisplayName: "troll"},
		}},
		{"ClearAll", "@room-id=1;tmi-sent-ts=1000 :tmi.twitch.tv CLEARCHAT #c", hearth.Event{
			Kind: hearth.EventChatCleared, Channel: "c", ChannelID: "1", ID: "clearchat:1::1000", Time: time.UnixMilli(1000),
		}},
		{"ClearMsg", "@login=ann;room-id=1;target-msg-id=abc;tmi-sent-ts=1000 :tmi.twitch.tv CLEARMSG #c :bad words", hearth.Event{
			Kind: hearth.EventMessageDeleted, Channel: "c", ID: "clearmsg:abc", Time: time.UnixMilli(1000),
			Target: hearth.Identity{Login: "ann"}, TargetMessageID: "abc",
		}},
		{"Join", ":ann!ann@ann.tmi.twitch.tv JOIN #c", hearth.Event{
			Kind: hearth.EventJoin, Channel: "c", Time: received, User: hearth.Identity{Login: "ann"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseLine(tt.line, received)
			if err != nil {
				t.Fatalf("ParseLine: %v", err)
			}
			if !got.Time.Equal(tt.want.Time) {
				t.Fatalf("time %v, want %v", got.Time, tt.want.Time)
			}
			got.Time = tt.want.Time
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// TestSharedChatNamesTheSourceRoom: a line Shared Chat brings from
// another channel's chat names that room (source-room-id); the channel's
// own lines, with the tag naming their own room or without it, name none.
// The EventSub package checks the same of its notifications.
func TestSharedChatNamesTheSourceRoom(t *testing.T) {
	ann := twitchtest.Chatter{ID: "5", Login: "ann", Badges: []string{"subscriber/3"}}
	at := time.UnixMilli(1000)
	for _, tt := range []struct {
		name, line string
		want       string
	}{
		{name: "Privmsg", line: twitchtest.PrivmsgLine("c", "1", ann, "hi", at, twitchtest.MsgOptions{SourceRoomID: "2"}), want: "2"},
		{name: "PrivmsgOwnRoom", line: twitchtest.PrivmsgLine("c", "1", ann, "hi", at, twitchtest.MsgOptions{SourceRoomID: "1"})},
		{name: "PrivmsgNoTag", line: twitchtest.PrivmsgLine("c", "1", ann, "hi", at, twitchtest.MsgOptions{})},
		{name: "Resub", line: twitchtest.ResubLine("c", "1", ann, 4, "1000", "", at, twitchtest.MsgOptions{SourceRoomID: "2"}), want: "2"},
		{name: "Timeout", line: "@ban-duration=60;room-id=1;source-room-id=2;target-user-id=5;tmi-sent-ts=1000 :tmi.twitch.tv CLEARCHAT #c :ann", want: "2"},
		{name: "ClearMsg", line: "@login=ann;room-id=1;source-room-id=2;target-msg-id=abc;tmi-sent-ts=1000 :tmi.twitch.tv CLEARMSG #c :x", want: "2"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := ParseLine(tt.line, received)
			if err != nil {
				t.Fatal(err)
			}
			if ev.SourceChannelID != tt.want {
				t.Fatalf("source room %q, want %q: %+v", ev.SourceChannelID, tt.want, ev)
			}
		})
	}
}

func TestParseLineRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		line   string
		reason string // "" means ignored
	}{
		{"NoUserID", "@display-name=Ann;id=m;room-id=1 :ann!ann@ann.tmi.twitch.tv PRIVMSG #c :hi", "user_id"},
		{"NonNumericUserID", "@id=m;user-id=12a :ann!ann@ann.tmi.twitch.tv PRIVMSG #c :hi", "user_id"},
		{"NoMessageID", "@user-id=5 :ann!ann@ann.tmi.twitch.tv PRIVMSG #c :hi", "message_id"},
		{"BadLogin", "@id=m;user-id=5 :a!ann<b>@x PRIVMSG #c :hi", "login"},
		{"BadChannel", "@id=m;user-id=5 :ann!ann@ann.tmi.twitch.tv PRIVMSG #c<script> :hi", "channel"},
		{"TruncatedPrivmsg", "@id=m;user-id=5 :ann!ann@ann.tmi.twitch.tv PRIVMSG", "unparsable"},
		{"TruncatedClearchat", "@room-id=1 :tmi.twitch.tv CLEARCHAT", "unparsable"},
		{"GiftWithoutRecipient", "@id=n;login=g;msg-id=subgift;user-id=6 :tmi.twitch.tv USERNOTICE #c", "gift_recipient"},
		{"ClearMsgWithoutTarget", "@login=ann :tmi.twitch.tv CLEARMSG #c :x", "target_message_id"},
		{"Ritual", "@id=n;login=g;msg-id=ritual;user-id=6 :tmi.twitch.tv USERNOTICE #c", ""},
		{"Roomstate", "@room-id=1 :tmi.twitch.tv ROOMSTATE #c", ""},
		{"Garbage", "\x00\x01 garbage", ""},
		{"Empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := ParseLine(tt.line, received)
			var me *stream.MalformedError
			switch {
			case tt.reason == "" && !errors.Is(err, stream.ErrIgnored) && !errors.As(err, &me):
				t.Fatalf("want ignored or malformed, got %+v, %v", ev, err)
			case tt.reason != "" && (!errors.As(err, &me) || me.Reason != tt.reason):
				t.Fatalf("want malformed %q, got %+v, %v", tt.reason, ev, err)
			}
		})
	}
}

func TestParseLineClampsText(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 2000) + "\xff"
	ev, err := ParseLine("@id=m;user-id=5;display-name="+strings.Repeat("x", 300)+" :ann!ann@ann.tmi.twitch.tv PRIVMSG #c :"+long, received)
	if err != nil {
		t.Fatal(err)
	}
	if n := utf8.RuneCountInString(ev.Text); n != stream.MaxMessageRunes || !utf8.ValidString(ev.Text) {
		t.Fatalf("text has %d runes, valid=%v", n, utf8.ValidString(ev.Text))
	}
	if ev.User.DisplayName != "ann" {
		t.Fatalf("oversized display name kept: %q", ev.User.DisplayName)
	}
}

// TestParseRealCapture checks the normaliser against 5,000 lines of real
// Twitch chat: every line is understood, none is dropped.
func TestParseRealCapture(t *testing.T) {
	t.Parallel()
	lines := captureLines(t)
	kinds := map[hearth.EventKind]int{}
	chatters := map[string]bool{}
	for i, line := range lines {
		ev, err := ParseLine(line, received)
		if err != nil {
			t.Fatalf("line %d: %v\n%s", i+1, err, line)
		}
		kinds[ev.Kind]++
		if ev.Kind == hearth.EventChat {
			chatters[ev.User.ID] = true
		}
	}
	if kinds[hearth.EventChat] != 4933 || len(chatters) != 1208 {
		t.Fatalf("chat=%d chatters=%d, want 4933 and 1208", kinds[hearth.EventChat], len(chatters))
	}
	if kinds[hearth.EventSub] != 1 || kinds[hearth.EventResub] != 8 || kinds[hearth.EventTimeout]+kinds[hearth.EventBan] != 58 {
		t.Fatalf("kinds %v", kinds)
	}
}

func FuzzParseLine(f *testing.F) {
	for _, line := range captureLines(f) {
		f.Add(line)
	}
	f.Add("@id=m;user-id=5 :ann!ann@ann.tmi.twitch.tv PRIVMSG")
	f.Add(":tmi.twitch.tv USERNOTICE")
	f.Fuzz(func(t *testing.T, line string) {
		ev, err := ParseLine(line, received)
		if err != nil {
			return
		}
		if !hearth.ValidLogin(ev.Channel) {
			t.Fatalf("event with invalid channel %q", ev.Channel)
		}
		if utf8.RuneCountInString(ev.Text) > stream.MaxMessageRunes || !utf8.ValidString(ev.Text) {
			t.Fatalf("text not clamped: %q", ev.Text)
		}
		switch ev.Kind {
		case hearth.EventChat, hearth.EventSub, hearth.EventResub, hearth.EventSubGift, hearth.EventRaid, hearth.EventAnnouncement:
			if ev.User.ID == "" || ev.ID == "" || !hearth.ValidLogin(ev.User.Login) || len(ev.User.DisplayName) > stream.MaxNameBytes {
				t.Fatalf("event without a valid user or id: %+v", ev)
			}
		}
		if ev.Bits < 0 || ev.Count < 0 || ev.Months < 0 || ev.Duration < 0 {
			t.Fatalf("negative amount: %+v", ev)
		}
	})
}
