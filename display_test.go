package hearth

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestDisplayText(t *testing.T) {
	tests := []struct {
		name, text, fallback, want string
	}{
		{"Plain", "SpicyWalrus", "spicywalrus", "SpicyWalrus"},
		{"Accents", "Zoë ★", "zoe", "Zoë ★"},
		{"RightToLeftKept", "محمد_علي", "mohammed", "محمد_علي"},
		{"HebrewKept", "שלום", "shalom", "שלום"},
		{"CJKKept", "玩家一号", "player1", "玩家一号"},
		{"RightToLeftOverrideDropped", "\u202edesrever_eman", "live", "desrever_eman"},
		{"EveryBidiControlDropped", "a\u202ab\u202bc\u202cd\u202de\u202ef\u2066g\u2067h\u2068i\u2069j", "x", "abcdefghij"},
		{"OverrideInQuestion", "Which map? \u202eetov", "", "Which map? etov"},
		{"ZeroWidthOnlyFallsBack", "\u200b\u200b\u200b", "blank_name", "blank_name"},
		{"InvisibleMixFallsBack", "\u200b\ufeff\u2060\u00ad\u180e\u034f", "login", "login"},
		{"HangulFillerFallsBack", "\u3164\u3164", "filler", "filler"},
		{"BrailleBlankFallsBack", "\u2800\u2800\u2800", "braille", "braille"},
		{"OnlyMarksFallBack", "\u200d\u200c\u200f", "marks", "marks"},
		{"OnlySpacesFallBack", "  \t\n ", "spaces", "spaces"},
		{"EmptyFallsBack", "", "bob", "bob"},
		{"NoFallback", "\u200b", "", ""},
		{"FallbackInvisibleToo", "\u200b", "\u200b", "?"},
		{"FallbackCleaned", "", " \u202eevil ", "evil"},
		{"ZeroWidthInsideDropped", "Sp\u200bicy\ufeff", "x", "Spicy"},
		{"ControlsDropped", "a\x00b\x07c\x1bd\x7fe", "x", "abcde"},
		{"LineBreaksBecomeSpaces", "one\r\ntwo\tthree\u2028four", "x", "one two three four"},
		{"SpacesCollapsedAndTrimmed", "  a   b  ", "x", "a b"},
		{"NoBreakSpaceIsSpace", "a\u00a0\u3000b", "x", "a b"},
		{"FillerInsideIsSpace", "a\u3164b", "x", "a b"},
		{"InvalidUTF8Dropped", "ab\xffc\xc3", "x", "abc"},
		{"ReplacementCharacterDropped", "a\ufffdb", "x", "ab"},
		{"EmojiFamilyKept", "👨\u200d👩\u200d👧", "x", "👨\u200d👩\u200d👧"},
		{"VariationSelectorKept", "🏜\ufe0f", "x", "🏜\ufe0f"},
		{"PersianZeroWidthNonJoinerKept", "می\u200cخواهم", "x", "می\u200cخواهم"},
		{"FlagTagsKept", "🏴\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F", "x", "🏴\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F"},
		{"StrayTagsDropped", "a\U000E0041\U000E0001b", "x", "ab"},
		{"ZalgoCapped", "Z\u0336\u0336\u0336\u0336\u0336\u0336a", "x", "Z\u0336\u0336\u0336\u0336a"},
		{"StrikethroughKept", "Z\u0336a\u0336l\u0336", "x", "Z\u0336a\u0336l\u0336"},
		{"MarkupIsText", "<img src=x onerror=alert(1)>", "x", "<img src=x onerror=alert(1)>"},
		{"NoncharactersDropped", "a\ufffeb\U0010FFFF\ufdd0c", "x", "abc"},
		{"PrivateUseVisible", "\ue000", "x", "\ue000"},
		{"LongestTwitchName", "Mellow_Posture_Enjoyer_25", "x", "Mellow_Posture_Enjoyer_25"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DisplayText(tt.text, tt.fallback)
			if got != tt.want {
				t.Fatalf("DisplayText(%+q, %+q) = %+q, want %+q", tt.text, tt.fallback, got, tt.want)
			}
			if again := DisplayText(got, tt.fallback); again != got {
				t.Fatalf("not idempotent: %+q, then %+q", got, again)
			}
		})
	}
}

func TestIsolateText(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"LatinLeftAlone", "SpicyWalrus", "SpicyWalrus"},
		{"EmptyLeftAlone", "", ""},
		{"CJKLeftAlone", "玩家一号", "玩家一号"},
		{"ArabicIsolated", "محمد", "\u2068محمد\u2069"},
		{"HebrewInLatinIsolated", "live שלום 42", "\u2068live שלום 42\u2069"},
		{"RightToLeftMarkIsolated", "a\u200fb", "\u2068a\u200fb\u2069"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsolateText(tt.text); got != tt.want {
				t.Fatalf("IsolateText(%+q) = %+q, want %+q", tt.text, got, tt.want)
			}
		})
	}
	// What it wraps, DisplayText unwraps: the isolates are Hearth's own.
	if got := DisplayText(IsolateText("محمد"), ""); got != "محمد" {
		t.Errorf("DisplayText of an isolated name = %+q", got)
	}
}

func FuzzDisplayText(f *testing.F) {
	for _, s := range []string{"", "SpicyWalrus", "\u202edesrever", "\u200b\u200b", "محمد", "a\u0336\u0336\u0336\u0336\u0336\u0336",
		"🏴\U000E0067\U000E007F", "\xff\xfe", " \u3164 ", "a\u2066b\u2069c", "<b>x</b>", "👨\u200d👩"} {
		f.Add(s, "login")
		f.Add(s, "")
	}
	f.Fuzz(func(t *testing.T, text, fallback string) {
		got := DisplayText(text, fallback)
		if !utf8.ValidString(got) {
			t.Fatalf("DisplayText(%+q, %+q) = %+q: invalid UTF-8", text, fallback, got)
		}
		if again := DisplayText(got, fallback); again != got {
			t.Fatalf("DisplayText(%+q, %+q) = %+q, and again %+q: not idempotent", text, fallback, got, again)
		}
		if fallback != "" && got == "" {
			t.Fatalf("DisplayText(%+q, %+q) is empty", text, fallback)
		}
		if got != "" && !strings.ContainsFunc(got, func(r rune) bool {
			return unicode.In(r, unicode.L, unicode.N, unicode.P, unicode.S, unicode.Mc, unicode.Co)
		}) {
			t.Fatalf("DisplayText(%+q, %+q) = %+q: nothing visible", text, fallback, got)
		}
		if strings.ContainsFunc(got, func(r rune) bool {
			return r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069 || r == 0x200B || unicode.Is(unicode.Cc, r) && r != ' '
		}) {
			t.Fatalf("DisplayText(%+q, %+q) = %+q keeps a bidi control, zero-width space or control", text, fallback, got)
		}
		if got != strings.TrimSpace(got) || strings.Contains(got, "  ") {
			t.Fatalf("DisplayText(%+q, %+q) = %+q: untrimmed or doubled spaces", text, fallback, got)
		}
		iso := IsolateText(got)
		if DisplayText(iso, fallback) != got {
			t.Fatalf("IsolateText(%+q) = %+q does not clean back to it", got, iso)
		}
	})
}
