package hearth

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestParseChannelSettings(t *testing.T) {
	s, err := ParseChannelSettings([]byte(`{"points":{"per_message":25,"message_cooldown":"1m30s"},"ranks":{"ladder":[{"name":"A","min":0}]},"bots":[],"language":null}`))
	if err != nil {
		t.Fatal(err)
	}
	if *s.Points.PerMessage != 25 || time.Duration(*s.Points.MessageCooldown) != 90*time.Second || s.Points.Presence != nil ||
		len(*s.Ranks.Ladder) != 1 || s.Bots == nil || len(*s.Bots) != 0 || s.Language != nil || s.Polls != nil {
		t.Errorf("parsed %+v", s)
	}
	for _, tt := range []struct{ name, in, says string }{
		{"Unknown", `{"pointz":{}}`, "pointz: no such setting"},
		{"UnknownNested", `{"points":{"per_msg":1}}`, "points.per_msg: no such setting"},
		{"Case", `{"points":{"Per_Message":1}}`, "did you mean per_message"},
		{"Twice", `{"points":{"presence":1,"presence":2}}`, "points.presence: given twice"},
		{"LadderField", `{"ranks":{"ladder":[{"name":"A","min":0,"max":3}]}}`, "ranks.ladder[0].max: no such setting"},
		{"Duration", `{"streams":{"idle_gap":"forever"}}`, "streams.idle_gap:"},
		{"DurationNumber", `{"streams":{"idle_gap":60}}`, "streams.idle_gap: a duration is a string"},
		{"Type", `{"welcome":{"in_chat":"yes"}}`, "welcome.in_chat: must be bool"},
		{"NotObject", `"x"`, "must be a JSON object"},
		{"Group", `{"points":[1]}`, "points: must be a JSON object"},
		{"Trailing", `{} x`, "more than one JSON value"},
		{"Large", `{"language":"` + strings.Repeat("a", MaxSettingsBytes) + `"}`, "larger than"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseChannelSettings([]byte(tt.in))
			if ErrorCode(err) != EINVALID || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("%v, want invalid saying %q", err, tt.says)
			}
		})
	}
}

// FuzzParseChannelSettings: any body either parses into settings that
// encode and parse back the same, or is refused as invalid input.
func FuzzParseChannelSettings(f *testing.F) {
	for _, seed := range []string{`{}`, `{"points":{"per_message":3}}`, `{"ranks":{"ladder":[{"name":"A","min":0}]}}`,
		`{"polls":{"duration":"1m"}}`, `{"bots":["a","b"]}`, `[]`, `{"a":`, `{"language":"\u0000"}`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ParseChannelSettings(data)
		if err != nil {
			if ErrorCode(err) != EINVALID {
				t.Fatalf("refused with %v, not as invalid input", err)
			}
			return
		}
		out, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseChannelSettings(out)
		if err != nil {
			t.Fatalf("settings %s do not parse back: %v", out, err)
		}
		if back, _ := json.Marshal(again); string(back) != string(out) {
			t.Fatalf("round trip %s became %s", out, back)
		}
	})
}
