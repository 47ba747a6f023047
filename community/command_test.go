package community

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/hearthlive/hearth"
)

// commandCases are the syntax rules of ParseCommand, with the "!" prefix
// unless a case says otherwise. They also seed FuzzParseCommand.
var commandCases = []struct {
	name   string
	prefix string // "" means "!"
	text   string
	ok     bool   // Hearth's command
	reason string // "" when well formed
	want   Command
}{
	// Reading commands.
	{name: "Points", text: "!points", ok: true, want: Command{Name: CmdPoints}},
	{name: "PointsCapitalised", text: "!Points", ok: true, want: Command{Name: CmdPoints}},
	{name: "PointsUpperCase", text: "!POINTS", ok: true, want: Command{Name: CmdPoints}},
	{name: "PointsTargetWithAt", text: "!points @Alice_99", ok: true, want: Command{Name: CmdPoints, Target: "alice_99"}},
	{name: "PointsTargetWithoutAt", text: "!points alice", ok: true, want: Command{Name: CmdPoints, Target: "alice"}},
	{name: "PointsExtraSpaces", text: "   !points    @alice   ", ok: true, want: Command{Name: CmdPoints, Target: "alice"}},
	{name: "PointsTabsAndNBSP", text: "\t!points\u00a0@alice", ok: true, want: Command{Name: CmdPoints, Target: "alice"}},
	{name: "PointsTagCharAppended", text: "!points \U000E0000", ok: true, want: Command{Name: CmdPoints}},
	{name: "PointsTagCharGlued", text: "!points\U000E0000", ok: true, want: Command{Name: CmdPoints}},
	{name: "PointsCGJAppended", text: "!points @alice \u034f", ok: true, want: Command{Name: CmdPoints, Target: "alice"}},
	{name: "PointsZeroWidthSpaces", text: "\u200b!points\u200b@alice\ufeff", ok: true, want: Command{Name: CmdPoints, Target: "alice"}},
	{name: "PointsBadTarget", text: "!points @al-ice", ok: true, reason: ReasonBadTarget},
	{name: "PointsAtAlone", text: "!points @", ok: true, reason: ReasonBadTarget},
	{name: "PointsDoubleAt", text: "!points @@alice", ok: true, reason: ReasonBadTarget},
	{name: "PointsTargetTooLong", text: "!points @" + strings.Repeat("a", 26), ok: true, reason: ReasonBadTarget},
	{name: "PointsTargetLongest", text: "!points @" + strings.Repeat("a", 25), ok: true, want: Command{Name: CmdPoints, Target: strings.Repeat("a", 25)}},
	{name: "PointsTargetNonASCII", text: "!points @alicé", ok: true, reason: ReasonBadTarget},
	{name: "PointsTargetKelvinSign", text: "!points @\u212aate", ok: true, reason: ReasonBadTarget},
	{name: "PointsTooManyArgs", text: "!points @alice please", ok: true, reason: ReasonTooManyArgs},
	{name: "Rank", text: "!rank", ok: true, want: Command{Name: CmdRank}},
	{name: "RankTarget", text: "!rank @Bob", ok: true, want: Command{Name: CmdRank, Target: "bob"}},
	{name: "Streak", text: "!streak @bob", ok: true, want: Command{Name: CmdStreak, Target: "bob"}},
	{name: "Watchtime", text: "!WatchTime", ok: true, want: Command{Name: CmdWatchtime}},
	{name: "WatchtimeTooManyArgs", text: "!watchtime a b c d", ok: true, reason: ReasonTooManyArgs},

	// !top.
	{name: "TopDefault", text: "!top", ok: true, want: Command{Name: CmdTop, Amount: DefaultTop}},
	{name: "TopThree", text: "!top 3", ok: true, want: Command{Name: CmdTop, Amount: 3, HasAmount: true}},
	{name: "TopTen", text: "!top 10", ok: true, want: Command{Name: CmdTop, Amount: 10, HasAmount: true}},
	{name: "TopFiftyClamped", text: "!top 50", ok: true, want: Command{Name: CmdTop, Amount: MaxTop, HasAmount: true}},
	{name: "TopHugeClamped", text: "!top 99999999999999999999", ok: true, want: Command{Name: CmdTop, Amount: MaxTop, HasAmount: true}},
	{name: "TopLeadingZero", text: "!top 07", ok: true, want: Command{Name: CmdTop, Amount: 7, HasAmount: true}},
	{name: "TopZero", text: "!top 0", ok: true, reason: ReasonBadAmount},
	{name: "TopNegative", text: "!top -3", ok: true, reason: ReasonBadAmount},
	{name: "TopWord", text: "!top five", ok: true, reason: ReasonBadAmount},
	{name: "TopTooManyArgs", text: "!top 3 4", ok: true, reason: ReasonTooManyArgs},

	// Transfers and moderators' awards.
	{name: "Give", text: "!give @Alice 50", ok: true, want: Command{Name: CmdGive, Target: "alice", Amount: 50, HasAmount: true}},
	{name: "GiveWithoutAt", text: "!give x 5", ok: true, want: Command{Name: CmdGive, Target: "x", Amount: 5, HasAmount: true}},
	{name: "GiveMaxAmount", text: "!give @x 1000000000", ok: true, want: Command{Name: CmdGive, Target: "x", Amount: MaxAmount, HasAmount: true}},
	{name: "GiveLeadingZeros", text: "!give @x 00000000000000000000042", ok: true, want: Command{Name: CmdGive, Target: "x", Amount: 42, HasAmount: true}},
	{name: "GiveInvisibleSuffix", text: "!give @x 5 \U000E0000", ok: true, want: Command{Name: CmdGive, Target: "x", Amount: 5, HasAmount: true}},
	{name: "GiveHugeAmount", text: "!give @x 99999999999999999999", ok: true, reason: ReasonAmountTooLarge},
	{name: "GiveJustAboveMax", text: "!give @x 1000000001", ok: true, reason: ReasonAmountTooLarge},
	{name: "GiveTenDigitsAboveMax", text: "!give @x 9999999999", ok: true, reason: ReasonAmountTooLarge},
	{name: "GiveNegative", text: "!give @x -5", ok: true, reason: ReasonBadAmount},
	{name: "GiveZero", text: "!give @x 0", ok: true, reason: ReasonBadAmount},
	{name: "GiveZeros", text: "!give @x 000", ok: true, reason: ReasonBadAmount},
	{name: "GivePlusSign", text: "!give @x +5", ok: true, reason: ReasonBadAmount},
	{name: "GiveFraction", text: "!give @x 1.5", ok: true, reason: ReasonBadAmount},
	{name: "GiveExponent", text: "!give @x 1e3", ok: true, reason: ReasonBadAmount},
	{name: "GiveThousandsSeparator", text: "!give @x 1,000", ok: true, reason: ReasonBadAmount},
	{name: "GiveHex", text: "!give @x 0x10", ok: true, reason: ReasonBadAmount},
	{name: "GiveFullwidthDigits", text: "!give @x ５", ok: true, reason: ReasonBadAmount},
	{name: "GiveArabicIndicDigits", text: "!give @x ٥", ok: true, reason: ReasonBadAmount},
	{name: "GiveMissingAmount", text: "!give @x", ok: true, reason: ReasonMissingAmount},
	{name: "GiveMissingAmountWithoutAt", text: "!give x", ok: true, reason: ReasonMissingAmount},
	{name: "GiveMissingTarget", text: "!give 5", ok: true, reason: ReasonMissingTarget},
	{name: "GiveNothing", text: "!give", ok: true, reason: ReasonMissingTarget},
	{name: "GiveLoneBadTarget", text: "!give @-x", ok: true, reason: ReasonBadTarget},
	{name: "GiveWrongOrder", text: "!give 5 @x", ok: true, reason: ReasonBadAmount},
	{name: "GiveBadTarget", text: "!give @x! 5", ok: true, reason: ReasonBadTarget},
	{name: "GiveTooManyArgs", text: "!give @x 5 thanks", ok: true, reason: ReasonTooManyArgs},
	{name: "AddPoints", text: "!addpoints @x 100", ok: true, want: Command{Name: CmdAddPoints, Target: "x", Amount: 100, HasAmount: true}},
	{name: "AddPointsUpperCase", text: "!ADDPOINTS @X 100", ok: true, want: Command{Name: CmdAddPoints, Target: "x", Amount: 100, HasAmount: true}},
	{name: "AddPointsNegative", text: "!addpoints @x -100", ok: true, reason: ReasonBadAmount},
	{name: "RemovePoints", text: "!removepoints x 1", ok: true, want: Command{Name: CmdRemovePoints, Target: "x", Amount: 1, HasAmount: true}},
	{name: "RemovePointsMissingTarget", text: "!removepoints", ok: true, reason: ReasonMissingTarget},

	// Not Hearth's.
	{name: "Empty", text: ""},
	{name: "OnlySpaces", text: "   \t "},
	{name: "PrefixAlone", text: "!"},
	{name: "PrefixThenSpace", text: "! points"},
	{name: "PrefixRepeated", text: "!!points"},
	{name: "LongerName", text: "!pointsX"},
	{name: "OtherBotCommand", text: "!uptime"},
	{name: "EmoteCommand", text: "!#showemote"},
	{name: "PlainChat", text: "points please"},
	{name: "PrefixMidMessage", text: "hello !points"},
	{name: "InvisibleAfterPrefix", text: "!\u200bpoints"},
	{name: "KelvinSignName", text: "!ran\u212a"},
	{name: "OtherPrefix", text: "?points"},
	{name: "InvalidUTF8", text: "!points\xff"},

	// Prefixes.
	{name: "QuestionPrefix", prefix: "?", text: "?points", ok: true, want: Command{Name: CmdPoints}},
	{name: "QuestionPrefixIgnoresBang", prefix: "?", text: "!points"},
	{name: "LongPrefix", prefix: "hb!", text: "hb!top 2", ok: true, want: Command{Name: CmdTop, Amount: 2, HasAmount: true}},
	{name: "MultibytePrefix", prefix: "§", text: "§rank", ok: true, want: Command{Name: CmdRank}},
	{name: "PrefixTooLong", prefix: "!!!!", text: "!!!!points"},
	{name: "PrefixWithSpace", prefix: "! ", text: "! points"},
	{name: "PrefixWithAt", prefix: "@", text: "@points"},
}

func TestParseCommand(t *testing.T) {
	for _, tc := range commandCases {
		t.Run(tc.name, func(t *testing.T) {
			prefix := tc.prefix
			if prefix == "" {
				prefix = "!"
			}
			cmd, ok, err := ParseCommand(prefix, tc.text)
			if ok != tc.ok {
				t.Fatalf("ParseCommand(%q, %q) ok = %v, want %v", prefix, tc.text, ok, tc.ok)
			}
			if tc.reason == "" {
				if err != nil {
					t.Fatalf("ParseCommand(%q, %q) err = %v, want nil", prefix, tc.text, err)
				}
				if cmd != tc.want {
					t.Fatalf("ParseCommand(%q, %q) = %+v, want %+v", prefix, tc.text, cmd, tc.want)
				}
				return
			}
			var ue *UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("ParseCommand(%q, %q) err = %v, want a *UsageError", prefix, tc.text, err)
			}
			if ue.Reason != tc.reason || ue.Command != cmd.Name || cmd.Name == "" {
				t.Fatalf("ParseCommand(%q, %q) = %+v, %+v; want reason %q for the command", prefix, tc.text, cmd, ue, tc.reason)
			}
		})
	}
}

func TestUsageErrorMessage(t *testing.T) {
	_, _, err := ParseCommand("!", "!give @x lots")
	if got, want := err.Error(), "community: malformed give command: bad_amount"; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
}

func TestIsCommand(t *testing.T) {
	tests := []struct {
		name, prefix, text string
		want               bool
	}{
		{"Ours", "!", "!points", true},
		{"OtherBot", "!", "!uptime", true},
		{"Emote", "!", "!#showemote", true},
		{"LeadingSpaces", "!", "  \u200b !so @x", true},
		{"NonASCIILetter", "!", "!été", true},
		{"Empty", "!", "", false},
		{"PrefixAlone", "!", "!", false},
		{"Exclamations", "!", "!!!", false},
		{"Digit", "!", "!1", false},
		{"SpaceAfterPrefix", "!", "! hi", false},
		{"MidMessage", "!", "gg !points", false},
		{"OtherPrefix", "?", "!points", false},
		{"EmptyPrefix", "", "points", false},
		{"InvalidUTF8AfterPrefix", "!", "!\xffpoints", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := IsCommand(tc.prefix, tc.text); got != tc.want {
				t.Fatalf("IsCommand(%q, %q) = %v, want %v", tc.prefix, tc.text, got, tc.want)
			}
		})
	}
}

func TestValidPrefix(t *testing.T) {
	tests := []struct {
		prefix string
		want   bool
	}{
		{"!", true}, {"?", true}, {"~", true}, {"hb!", true}, {"§", true}, {"€€€", true},
		{"", false}, {"!!!!", false}, {" ", false}, {"! ", false}, {"@", false},
		{"\u200b", false}, {"\t", false}, {"\xff", false},
	}
	for _, tc := range tests {
		if got := ValidPrefix(tc.prefix); got != tc.want {
			t.Errorf("ValidPrefix(%q) = %v, want %v", tc.prefix, got, tc.want)
		}
	}
}

func TestUsage(t *testing.T) {
	tests := []struct{ prefix, name, want string }{
		{"!", CmdGive, "!give @user amount"},
		{"?", CmdAddPoints, "?addpoints @user amount"},
		{"!", CmdRemovePoints, "!removepoints @user amount"},
		{"!", CmdPoints, "!points [@user]"},
		{"!", CmdTop, "!top [1-10]"},
		{"!", "uptime", ""},
	}
	for _, tc := range tests {
		if got := Usage(tc.prefix, tc.name); got != tc.want {
			t.Errorf("Usage(%q, %q) = %q, want %q", tc.prefix, tc.name, got, tc.want)
		}
	}
	for _, name := range CommandNames {
		if Usage("!", name) == "" {
			t.Errorf("Usage of %q is empty", name)
		}
	}
}

func TestCommandNamesAndReasons(t *testing.T) {
	want := []string{"points", "rank", "top", "streak", "watchtime", "give", "addpoints", "removepoints", "poll", "vote", "endpoll", "cancelpoll", "segment"}
	if !slices.Equal(CommandNames, want) {
		t.Fatalf("CommandNames = %v, want %v", CommandNames, want)
	}
	for _, name := range CommandNames {
		cmd, ok, _ := ParseCommand("!", "!"+name)
		if !ok || cmd.Name != name {
			t.Errorf("ParseCommand(%q) = %+v, %v; want the command", "!"+name, cmd, ok)
		}
	}
	seen := map[string]bool{}
	for _, tc := range commandCases {
		seen[tc.reason] = true
	}
	for _, r := range UsageReasons {
		if !seen[r] {
			t.Errorf("no case covers reason %q", r)
		}
	}
}

func FuzzParseCommand(f *testing.F) {
	for _, tc := range commandCases {
		prefix := tc.prefix
		if prefix == "" {
			prefix = "!"
		}
		f.Add(prefix, tc.text)
	}
	f.Fuzz(func(t *testing.T, prefix, text string) {
		cmd, ok, err := ParseCommand(prefix, text)
		if !ok {
			if err != nil || cmd != (Command{}) {
				t.Fatalf("not ours but cmd = %+v, err = %v", cmd, err)
			}
			return
		}
		if !IsCommand(prefix, text) {
			t.Fatalf("ParseCommand accepts %q but IsCommand does not", text)
		}
		if !slices.Contains(CommandNames, cmd.Name) {
			t.Fatalf("name %q is not a command", cmd.Name)
		}
		if err != nil {
			var ue *UsageError
			if !errors.As(err, &ue) || ue.Command != cmd.Name || !slices.Contains(commands.byName(cmd.Name).args.usageReasons(), ue.Reason) {
				t.Fatalf("err = %#v, want a *UsageError with a known reason for %q", err, cmd.Name)
			}
			return
		}
		if cmd.Target != "" && !hearth.ValidLogin(cmd.Target) {
			t.Fatalf("target %q is not a login", cmd.Target)
		}
		if cmd.Amount < 0 || cmd.Amount > MaxAmount {
			t.Fatalf("amount %d out of range", cmd.Amount)
		}
		switch cmd.Name {
		case CmdGive, CmdAddPoints, CmdRemovePoints:
			if cmd.Amount < 1 || cmd.Target == "" || !cmd.HasAmount {
				t.Fatalf("%s without amount or target: %+v", cmd.Name, cmd)
			}
		case CmdTop:
			if cmd.Amount < 1 || cmd.Amount > MaxTop || cmd.Target != "" {
				t.Fatalf("top out of range: %+v", cmd)
			}
		default:
			if cmd.Amount != 0 || cmd.HasAmount {
				t.Fatalf("%s with an amount: %+v", cmd.Name, cmd)
			}
		}
	})
}

func TestCommandTable(t *testing.T) {
	seen := map[string]string{}
	for _, s := range commands {
		t.Run(s.name, func(t *testing.T) {
			for _, word := range append([]string{s.name}, s.aliases...) {
				if other, dup := seen[word]; dup {
					t.Errorf("%q names both %s and %s", word, other, s.name)
				}
				seen[word] = s.name
				if word != strings.ToLower(word) || !cmdIsASCII(word) || !IsCommand("!", "!"+word) || strings.ContainsFunc(word, cmdSeparator) {
					t.Errorf("%q is not a lower-case ASCII command word", word)
				}
			}
			if s.run == nil {
				t.Error("no handler")
			}
			if (s.usage == "") != (s.args == argsNone) {
				t.Errorf("usage %q for argument shape %d", s.usage, s.args)
			}
			if s.args == argsOptionalCount && (s.defaultCount < 1 || s.maxCount < s.defaultCount || s.maxCount > MaxAmount) {
				t.Errorf("count bounds %d..%d", s.defaultCount, s.maxCount)
			}
			if len(s.replies) == 0 {
				t.Error("no reply keys")
			}
			for _, lang := range Languages() {
				for _, key := range s.replies {
					if _, ok := replyTexts[lang][key]; !ok {
						t.Errorf("reply key %q missing in %q", key, lang)
					}
				}
			}
		})
	}
}

// TestEveryReplyKeyIsUsed: each English text is a command's declared reply
// or one of the lines said outside commands.
func TestEveryReplyKeyIsUsed(t *testing.T) {
	used := map[string]bool{"usage": true, "welcome_new": true, "welcome_back": true, "rank_up": true}
	for _, s := range commands {
		for _, key := range s.replies {
			used[key] = true
		}
	}
	for key := range replyTexts["en"] {
		if !used[key] {
			t.Errorf("reply key %q is declared by no command", key)
		}
	}
}

// TestCommandShapes parses with a table of its own the shapes and aliases
// that no command of today's table uses.
func TestCommandShapes(t *testing.T) {
	table := commandTable{
		{name: "points", aliases: []string{"pts"}, args: argsOptionalUser, usage: "[@user]"},
		{name: "poll", args: argsText, usage: "question | option | option [duration]"},
		{name: "endpoll", args: argsNone},
	}
	tests := []struct {
		name, text string
		ok         bool
		reason     string
		want       Command
	}{
		{name: "Alias", text: "!PTS @Bob", ok: true, want: Command{Name: "points", Target: "bob"}},
		{name: "AliasPrefixOnly", text: "!pt"},
		{name: "FreeText", text: "!poll Which map next? | Dust | Inferno | Mirage 90s", ok: true,
			want: Command{Name: "poll", Text: "Which map next? | Dust | Inferno | Mirage 90s"}},
		{name: "FreeTextKeepsInnerSpacing", text: "!poll\u200b  a  |  b \U000E0000 ", ok: true, want: Command{Name: "poll", Text: "a  |  b"}},
		{name: "FreeTextEmpty", text: "!Poll   ", ok: true, want: Command{Name: "poll"}},
		{name: "FreeTextGlued", text: "!pollWhich"},
		{name: "NoArgs", text: "!endpoll", ok: true, want: Command{Name: "endpoll"}},
		{name: "NoArgsGivenOne", text: "!endpoll now", ok: true, reason: ReasonTooManyArgs},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			spec, cmd, ok, err := table.parse("!", tc.text)
			if ok != tc.ok {
				t.Fatalf("parse(%q) ok = %v, want %v", tc.text, ok, tc.ok)
			}
			if !ok {
				return
			}
			if spec == nil || spec.name != cmd.Name {
				t.Fatalf("parse(%q) spec %+v for %+v", tc.text, spec, cmd)
			}
			var ue *UsageError
			if tc.reason != "" {
				if !errors.As(err, &ue) || ue.Reason != tc.reason || ue.Command != cmd.Name {
					t.Fatalf("parse(%q) err = %v, want reason %q", tc.text, err, tc.reason)
				}
				return
			}
			if err != nil || cmd != tc.want {
				t.Fatalf("parse(%q) = %+v, %v; want %+v", tc.text, cmd, err, tc.want)
			}
		})
	}
	if got, want := table.byName("poll").usageLine("?"), "?poll question | option | option [duration]"; got != want {
		t.Errorf("usage line %q, want %q", got, want)
	}
	if got := table.byName("endpoll").usageLine("!"); got != "!endpoll" {
		t.Errorf("usage line %q, want !endpoll", got)
	}
}
