package community

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// i18nVerbs returns the verbs of a format string in order, "%%" left out.
func i18nVerbs(t *testing.T, format string) []rune {
	t.Helper()
	var verbs []rune
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		i++
		// Flags, width, precision and argument indexes would let a
		// translation use an argument twice or out of order: none allowed.
		if i >= len(format) {
			t.Fatalf("%q ends in a lone %%", format)
		}
		if format[i] == '%' {
			continue
		}
		if format[i] != 's' && format[i] != 'd' {
			t.Fatalf("%q uses %%%c; only %%s and %%d are allowed", format, format[i])
		}
		verbs = append(verbs, rune(format[i]))
	}
	return verbs
}

func TestSayEveryLanguageHasEveryKey(t *testing.T) {
	en := replyTexts["en"]
	for _, lang := range Languages() {
		t.Run(lang, func(t *testing.T) {
			texts, ok := replyTexts[lang]
			if !ok {
				t.Fatalf("no texts for %q", lang)
			}
			for key, want := range en {
				got, ok := texts[key]
				if !ok {
					t.Errorf("key %q missing", key)
					continue
				}
				if !utf8.ValidString(got) || strings.TrimSpace(got) == "" {
					t.Errorf("key %q: empty or invalid text %q", key, got)
				}
				if g, w := i18nVerbs(t, got), i18nVerbs(t, want); !slices.Equal(g, w) {
					t.Errorf("key %q: verbs %q, English has %q", key, string(g), string(w))
				}
			}
			for key := range texts {
				if _, ok := en[key]; !ok {
					t.Errorf("key %q is not in English", key)
				}
			}
		})
	}
	if len(replyTexts) != len(Languages()) {
		t.Errorf("%d languages of texts, Languages lists %d", len(replyTexts), len(Languages()))
	}
}

func TestSayKeys(t *testing.T) {
	// Every documented key with its arguments, the longest a caller sends.
	long := strings.Repeat("W", 25)
	list := strings.Repeat("1. "+long+" (1000000000), ", 10)
	// Poll lines quote at most lineQuestion bytes of a question or label
	// and lineList bytes of a list of options.
	pollQ, pollList := strings.Repeat("W", lineQuestion), strings.Repeat("W", lineList)
	keys := map[string][]any{
		"points":            {long, int64(1_000_000_000), long},
		"rank":              {long, long, int64(1_000_000), int64(1_000_000), int64(1_000_000_000), long},
		"rank_top":          {long, long, int64(1), int64(1_000_000)},
		"top":               {list},
		"top_empty":         nil,
		"streak":            {long, int64(1000), int64(1000)},
		"watchtime":         {long, "99999h 59m"},
		"give_ok":           {long, int64(1_000_000_000), long, int64(1_000_000_000)},
		"give_insufficient": {long, int64(1_000_000_000)},
		"give_self":         {long},
		"give_bot":          {long, long},
		"unknown_viewer":    {long, long},
		"addpoints_ok":      {long, int64(1_000_000_000), int64(1_000_000_000)},
		"removepoints_ok":   {long, int64(1_000_000_000), int64(1_000_000_000)},
		"usage":             {Usage("!!!", CmdRemovePoints)},
		"welcome_new":       {long},
		"welcome_back":      {long},
		"rank_up":           {long, long},
		"poll_started":      {pollQ, pollList, "!!!vote", "29m59s"},
		"poll_running":      {"!!!endpoll", "!!!cancelpoll"},
		"poll_invalid":      {Usage("!!!", CmdPoll)},
		"poll_none":         {"!!!poll"},
		"poll_result":       {pollQ, pollQ, int64(1_000_000_000), int64(1_000_000_000), int64(1_000_000)},
		"poll_tie":          {pollQ, pollList, int64(1_000_000_000), int64(1_000_000)},
		"poll_no_votes":     {pollQ},
		"poll_cancelled":    {pollQ},
		"vote_ambiguous":    {long, pollList, "!!!vote"},
		"vote_usage":        {"!!!vote", pollList},
		"segment_started":   {strings.Repeat("W", MaxSegmentName), "!!!segment end"},
		"segment_ended":     {strings.Repeat("W", MaxSegmentName), "99h59m59s", "1000.00"},
		"segment_running":   {strings.Repeat("W", MaxSegmentName), "!!!segment end"},
		"segment_none":      {"!!!segment start"},
		"segment_invalid":   {Usage("!!!", CmdSegment), MaxSegmentName},
		"segment_too_many":  {MaxSegmentNames},
		"segment_offline":   nil,
	}
	if len(keys) != len(replyTexts["en"]) {
		t.Fatalf("test knows %d keys, English has %d", len(keys), len(replyTexts["en"]))
	}
	for _, lang := range Languages() {
		for key, args := range keys {
			t.Run(lang+"/"+key, func(t *testing.T) {
				got := Say(lang, key, args...)
				if got == "" || strings.Contains(got, "%!") {
					t.Fatalf("Say(%q, %q) = %q", lang, key, got)
				}
				if n := len(got); n > 500 {
					t.Fatalf("Say(%q, %q) is %d bytes, over Twitch's 500", lang, key, n)
				}
			})
		}
	}
}

func TestSayFallback(t *testing.T) {
	tests := []struct {
		name, lang, key string
		args            []any
		want            string
	}{
		{"English", "en", "usage", []any{"!top"}, "Usage: !top"},
		{"German", "de", "points", []any{"anna", int64(5), "Regular"}, "anna hat 5 Punkte (Rang Regular)"},
		{"LanguageCase", "DE", "top_empty", nil, "Noch hat niemand Punkte gesammelt."},
		{"LanguageRegion", "pt-BR", "usage", []any{"!top"}, "Uso: !top"},
		{"LanguageUnderscoreRegion", "es_MX", "usage", []any{"!top"}, "Uso: !top"},
		{"UnknownLanguage", "xx", "usage", []any{"!top"}, "Usage: !top"},
		{"EmptyLanguage", "", "usage", []any{"!top"}, "Usage: !top"},
		{"UnknownKey", "de", "no_such_key", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Say(tc.lang, tc.key, tc.args...); got != tc.want {
				t.Fatalf("Say(%q, %q) = %q, want %q", tc.lang, tc.key, got, tc.want)
			}
		})
	}
}

func TestSayFallsBackForAKeyMissingInALanguage(t *testing.T) {
	// Every real key is in every language, so add one to English alone.
	replyTexts["en"]["test_only_en"] = "english only %s"
	t.Cleanup(func() { delete(replyTexts["en"], "test_only_en") })
	if got := Say("de", "test_only_en", "x"); got != "english only x" {
		t.Fatalf("Say of a key missing in German = %q, want the English text", got)
	}
}

func TestSayWrongArgumentsDoNotPanic(t *testing.T) {
	for _, lang := range Languages() {
		for key := range replyTexts["en"] {
			for _, args := range [][]any{nil, {"a"}, {1, 2, 3, 4, 5, 6, 7, 8}, {nil, struct{}{}}} {
				if got := Say(lang, key, args...); got == "" {
					t.Errorf("Say(%q, %q, %v) is empty", lang, key, args)
				}
			}
		}
	}
}

func TestLanguages(t *testing.T) {
	got := Languages()
	for _, want := range []string{"en", "de", "es", "fr", "pt"} {
		if !slices.Contains(got, want) {
			t.Errorf("Languages() = %v, lacks %q", got, want)
		}
	}
	if got[0] != "en" {
		t.Errorf("Languages()[0] = %q, want the fallback en first", got[0])
	}
	got[0] = "changed"
	if Languages()[0] != "en" {
		t.Error("changing the returned slice changed Languages")
	}
}
