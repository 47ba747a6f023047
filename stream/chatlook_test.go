package stream

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hearthlive/hearth"
)

func span(id string, start, end int) hearth.EmoteSpan {
	return hearth.EmoteSpan{ID: id, Start: start, End: end}
}

func TestEmotes(t *testing.T) {
	t.Parallel()
	const text = "Kappa hi 🐈‍⬛ Kappa"
	tests := []struct {
		name, tag string
		want      []hearth.EmoteSpan
	}{
		{"None", "", nil},
		{"InOrderOfPosition", "25:13-17,0-4", []hearth.EmoteSpan{span("25", 0, 5), span("25", 13, 18)}},
		{"TwoEmotes", "1:13-17/25:0-4", []hearth.EmoteSpan{span("25", 0, 5), span("1", 13, 18)}},
		{"PastTheEnd", "25:0-4,13-18", []hearth.EmoteSpan{span("25", 0, 5)}},
		{"Reversed", "25:4-0", nil},
		{"Negative", "25:-1-4", nil},
		{"NotNumbers", "25:a-b,0-4", []hearth.EmoteSpan{span("25", 0, 5)}},
		{"Overlapping", "25:0-4/26:3-7", []hearth.EmoteSpan{span("25", 0, 5)}},
		{"BadID", "<script>:0-4/2 5:0-4/%2e:0-4", nil},
		{"NoPositions", "25/25:", nil},
		{"Huge", "25:0-99999999999999999999", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Emotes(tt.tag, text); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Emotes(%q) = %v; want %v", tt.tag, got, tt.want)
			}
		})
	}
	t.Run("Bounded", func(t *testing.T) {
		msg := strings.Repeat("a ", MaxMessageRunes/2)
		var b strings.Builder
		b.WriteString("25:")
		for i := 0; i < 4*MaxMessageRunes; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("0-0")
		}
		if got := Emotes(b.String(), msg); len(got) != 1 {
			t.Errorf("one position given many times gave %d spans", len(got))
		}
	})
}

func TestBadgesAndColor(t *testing.T) {
	t.Parallel()
	if got := Badges("broadcaster/1,subscriber/3012,Bad/1,<x>/1,subscriber/1,glhf-pledge/1"); !reflect.DeepEqual(got, []string{"broadcaster", "subscriber", "glhf-pledge"}) {
		t.Errorf("Badges = %v", got)
	}
	for in, want := range map[string]string{"#1e90ff": "#1E90FF", "": "", "red": "", "#12345": "", "#12345g": "", "#1234567": ""} {
		if got := Color(in); got != want {
			t.Errorf("Color(%q) = %q; want %q", in, got, want)
		}
	}
}

// FuzzEmotes: whatever the tag and the text, the spans are in order, do
// not overlap, stay inside the text and carry valid ids; and the text
// they split (hearth.ChatFragments) shows every emote it keeps.
func FuzzEmotes(f *testing.F) {
	f.Add("25:0-4,12-16/1902:6-10", "Kappa Keepo Kappa")
	f.Add("25:0-4", "")
	f.Add("25:3-1/x:0-0", "é🐈‍⬛")
	f.Add("emotesv2_abc:0-9999", "\xff\xfe")
	f.Fuzz(func(t *testing.T, tag, text string) {
		text = ClampText(text)
		spans := Emotes(tag, text)
		n := utf8.RuneCountInString(text)
		at := 0
		for _, s := range spans {
			if s.Start < at || s.End <= s.Start || s.End > n || !hearth.ValidEmoteID(s.ID) {
				t.Fatalf("bad span %+v of %q (%d code points) after %d", s, text, n, at)
			}
			at = s.End
		}
		emotes := 0
		for _, fr := range hearth.ChatFragments(text, spans) {
			if fr.Emote != "" {
				emotes++
			}
			if !utf8.ValidString(fr.Text) {
				t.Fatalf("fragment not valid UTF-8: %q", fr.Text)
			}
		}
		if emotes != len(spans) {
			t.Fatalf("%d spans, %d emote fragments", len(spans), emotes)
		}
	})
}
