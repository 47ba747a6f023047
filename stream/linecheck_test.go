package stream

import (
	"strconv"
	"strings"
	"testing"
)

const (
	checkTags   = "@badge-info=subscriber/3;badges=subscriber/3,premium/1;color=#0000FF;display-name=Ann;emotes=25:0-4;id=m1;room-id=1;tmi-sent-ts=1566335866017;user-id=7"
	checkSource = ":ann!ann@ann.tmi.twitch.tv"
)

// checkLines are lines around each of the library's panics, with whether
// its parser panics on them; the test checks both against the parser.
var checkLines = []struct {
	name   string
	line   string
	panics bool
}{
	{"Privmsg", checkTags + " " + checkSource + " PRIVMSG #c :Kappa hi", false},
	{"PrivmsgWithoutParams", checkTags + " " + checkSource + " PRIVMSG", true},
	{"PrivmsgWithEmptyParam", checkSource + " PRIVMSG ", false},
	{"UserNoticeWithoutParams", ":tmi.twitch.tv USERNOTICE", true},
	{"WhisperWithoutParams", "WHISPER", true},
	{"ClearChatWithoutParams", "@room-id=1 :tmi.twitch.tv CLEARCHAT", true},
	{"ClearMsgWithoutParams", ":tmi.twitch.tv CLEARMSG", true},
	{"RoomStateWithoutParams", ":tmi.twitch.tv ROOMSTATE", true},
	{"NoticeWithoutParams", ":tmi.twitch.tv NOTICE", true},
	{"UserStateWithoutParams", "@badges= :tmi.twitch.tv USERSTATE", true},
	{"JoinWithoutParams", ":ann!ann@ann.tmi.twitch.tv JOIN", false},
	{"NamesWithoutParams", ":tmi.twitch.tv 353", false},
	{"TagsOnly", "@badges=x", false},
	{"TagsAndSourceOnly", "@badges=x :tmi.twitch.tv", false},
	{"EmptyCommand", "@badges=x  PRIVMSG", false},
	{"LowerCaseCommand", ":tmi.twitch.tv privmsg", false},
	{"Empty", "", false},
	{"BadgeWithoutVersion", "@badges=subscriber :ann!ann@ann.tmi.twitch.tv PRIVMSG #c :hi", true},
	{"BadgesWithEmptyBadge", "@badges=subscriber/3,,premium/1 :a!a@a PRIVMSG #c :hi", true},
	{"BadgesWithTrailingComma", "@badges=subscriber/3, :a!a@a PRIVMSG #c :hi", true},
	{"BadgesEmpty", "@badges= :a!a@a PRIVMSG #c :hi", false},
	{"BadgesOnlyAnEscapedSpace", `@badges=\s :a!a@a PRIVMSG #c :hi`, false},
	{"BadgesOnlyAnEscapedColon", `@badges=\: :a!a@a PRIVMSG #c :hi`, true},
	{"BadgesLastOccurrenceWins", "@badges=x;badges=a/1 :a!a@a PRIVMSG #c :hi", false},
	{"BadgesLastOccurrenceEmptyWins", "@badges=a/1;badges :a!a@a PRIVMSG #c :hi", false},
	{"BadgeInfoWithoutVersion", "@badge-info=founder;badges=founder/0 :a!a@a PRIVMSG #c :hi", false},
	{"GlobalUserStateBadge", "@badges=turbo :tmi.twitch.tv GLOBALUSERSTATE", true},
	{"UserStateBadge", "@badges=moderator :tmi.twitch.tv USERSTATE #c", true},
	{"BadgeOnClearChat", "@badges=moderator :tmi.twitch.tv CLEARCHAT #c", false},
	{"EmoteInMessage", "@emotes=25:3-7 :a!a@a PRIVMSG #c :hi Kappa", false},
	{"EmotePastTheEnd", "@emotes=25:300-400 :a!a@a PRIVMSG #c :hi Kappa", false},
	{"EmoteOnEmptyMessage", "@emotes=25:0-4 :a!a@a PRIVMSG #c :", true},
	{"EmoteWithoutMessage", "@emotes=25:0-4 :a!a@a PRIVMSG #c", true},
	{"EmoteOnThreeParams", "@emotes=25:0-4 :a!a@a PRIVMSG #c x :Kappa", true},
	{"EmoteOnBareSecondParam", "@emotes=25:0-4 :a!a@a PRIVMSG #c Kappa", false},
	{"EmoteOnTrailingFirstParam", "@emotes=25:0-4 :a!a@a PRIVMSG :#c Kappa", true},
	{"EmoteSignedStart", "@emotes=25:-1-4 :a!a@a PRIVMSG #c :Kappa", false},
	{"EmoteStartAfterEnd", "@emotes=25:3-1 :a!a@a PRIVMSG #c :Kappa", true},
	{"EmoteStartJustAfterEnd", "@emotes=25:2-1 :a!a@a PRIVMSG #c :Kappa", false},
	{"EmoteNegativeEnd", "@emotes=25:0--1 :a!a@a PRIVMSG #c :Kappa", false},
	{"EmoteNegativeEndBelowStart", "@emotes=25:0--2 :a!a@a PRIVMSG #c :Kappa", true},
	{"EmoteMaxIntEnd", "@emotes=25:0-9223372036854775807 :a!a@a PRIVMSG #c :Kappa", true},
	{"EmoteMaxIntStart", "@emotes=25:9223372036854775807-0 :a!a@a PRIVMSG #c :Kappa", true},
	{"EmoteOutOfRange", "@emotes=25:0-9223372036854775808 :a!a@a PRIVMSG #c :", false},
	{"EmoteMinIntEnd", "@emotes=25:0--9223372036854775808 :a!a@a PRIVMSG #c :Kappa", true},
	{"EmoteSignedPositions", "@emotes=25:+0-+4 :a!a@a PRIVMSG #c :", true},
	{"EmoteBadLaterPosition", "@emotes=25:0-4,x-9 :a!a@a PRIVMSG #c :", false},
	{"EmoteBadSecondEmote", "@emotes=1:0-1/25:4-2 :a!a@a PRIVMSG #c :Kappa", true},
	{"EmoteWithoutColon", "@emotes=25 :a!a@a PRIVMSG #c :", false},
	{"EmoteWithoutDash", "@emotes=25:0 :a!a@a PRIVMSG #c :", false},
	{"EmoteEscapedColon", `@emotes=25\:0-4 :a!a@a PRIVMSG #c :`, false},
	{"EmoteTrailingEscapedSpace", `@emotes=25:0-4\s :a!a@a PRIVMSG #c :`, true},
	{"EmoteLastOccurrenceWins", "@emotes=25:0-4;emotes= :a!a@a PRIVMSG #c :", false},
	{"EmoteCountsRunes", "@emotes=25:3-1 :a!a@a PRIVMSG #c :éé", false},
	{"EmoteOnAction", "@emotes=25:0-4 :a!a@a PRIVMSG #c :\x01ACTION Kappa\x01", false},
	{"EmoteOnEmptyAction", "@emotes=25:0-4 :a!a@a PRIVMSG #c :\x01ACTION\x01", true},
	{"EmoteOnShortAction", "@emotes=25:0-0 :a!a@a PRIVMSG #c :\x01ACTIONx\x01", true},
	{"EmoteOnWhisperMe", "@emotes=25:0-2 :a!a@a WHISPER b :/me", true},
	{"EmoteOnUserNotice", "@emotes=25:0-4 :tmi.twitch.tv USERNOTICE #c", true},
	{"EmoteOnNotice", "@emotes=25:0-4 :tmi.twitch.tv NOTICE #c", false},
	{"Ping", "PING :tmi.twitch.tv", false},
}

func TestParserPanics(t *testing.T) {
	for _, tt := range checkLines {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := parseSafely(tt.line); (err != nil) != tt.panics {
				t.Fatalf("the parser panics: %v; the case says %v", err != nil, tt.panics)
			}
			if got := parserPanics(tt.line); got != tt.panics {
				t.Fatalf("parserPanics(%q) = %v, want %v", tt.line, got, tt.panics)
			}
		})
	}
}

// TestParserPanicsAcceptsCapture: no line of the real capture is dropped,
// and checking them allocates nothing.
func TestParserPanicsAcceptsCapture(t *testing.T) {
	lines := captureLines(t)
	for i, line := range lines {
		if parserPanics(line) {
			t.Fatalf("line %d dropped: %s", i+1, line)
		}
	}
	allocs := testing.AllocsPerRun(3, func() {
		for _, line := range lines {
			parserPanics(line)
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations to check the capture; want none", allocs)
	}
}

// FuzzRelayCheck compares parserPanics with the parser itself: a line it
// accepts must not make the parser panic, and a line the parser takes must
// not be dropped.
func FuzzRelayCheck(f *testing.F) {
	for _, line := range captureLines(f) {
		f.Add(line)
	}
	for _, tt := range checkLines {
		f.Add(tt.line)
	}
	f.Fuzz(func(t *testing.T, line string) {
		_, err := parseSafely(line)
		if got, want := parserPanics(line), err != nil; got != want {
			t.Fatalf("parserPanics = %v, the parser panics: %v\n%q", got, want, line)
		}
	})
}

func TestAtoiIsStrconvAtoi(t *testing.T) {
	for _, s := range []string{"", "0", "7", "+7", "-7", "+", "-", "--1", "1-", " 1", "007",
		"9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
		"99999999999999999999", "1_000", "0x10", strings.Repeat("9", 40)} {
		got, ok := atoi(s)
		want, err := strconv.Atoi(s)
		if ok != (err == nil) || (ok && got != want) {
			t.Errorf("atoi(%q) = %d, %v; strconv.Atoi gives %d, %v", s, got, ok, want, err)
		}
	}
}
