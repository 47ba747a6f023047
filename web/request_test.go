package web

import (
	"strings"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/community"
)

// TestDecodeExactFieldNames: a body's fields must be named exactly as
// documented; encoding/json alone would take {"QUESTION": ..} for
// question. A field given twice is refused too.
func TestDecodeExactFieldNames(t *testing.T) {
	for _, tt := range []struct {
		name, body, want string
		decode           func([]byte) error
	}{
		{"PollUpperCase", `{"QUESTION":"Q","options":["a","b"]}`, "QUESTION: no such field", decodePollErr},
		{"PollMixedCase", `{"question":"Q","Options":["a","b"]}`, "Options: no such field", decodePollErr},
		{"PollDurationCase", `{"question":"Q","options":["a","b"],"Duration_Seconds":60}`, "Duration_Seconds: no such field", decodePollErr},
		{"PollTwice", `{"question":"Q","options":["a","b"],"question":"R"}`, "question: given twice", decodePollErr},
		{"SegmentUpperCase", `{"NAME":"Acme"}`, "NAME: no such field", decodeSegmentErr},
		{"SegmentUnknown", `{"name":"Acme","colour":"red"}`, "colour: no such field", decodeSegmentErr},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.decode([]byte(tt.body))
			if hearth.ErrorCode(err) != hearth.EINVALID || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("decode(%s) = %v, want an EINVALID error saying %q", tt.body, err, tt.want)
			}
		})
	}
	if _, err := decodePoll([]byte(`{"question":"Q","options":["a","b"],"duration_seconds":60,"native":false}`)); err != nil {
		t.Fatalf("a body with the exact names: %v", err)
	}
}

func decodePollErr(b []byte) error    { _, err := decodePoll(b); return err }
func decodeSegmentErr(b []byte) error { _, err := decodeSegment(b); return err }

// TestPollDurationOneWording: a chat poll's duration out of range is
// refused in the same words whether the API's decoder or the poll's own
// validation catches it: -5 and 5 are wrong for one reason.
func TestPollDurationOneWording(t *testing.T) {
	wording := func(err error) string {
		msg := hearth.ErrorMessage(err)
		i := strings.LastIndex(msg, "got ")
		if err == nil || i < 0 {
			t.Fatalf("error %v does not say what it got", err)
		}
		return msg[:i]
	}
	body := func(n string) []byte {
		return []byte(`{"question":"Q","options":["a","b"],"duration_seconds":` + n + `}`)
	}
	var errs []error
	for _, n := range []string{"-5", "5", "1801", "99999999999"} {
		_, err := decodePoll(body(n))
		errs = append(errs, err)
	}
	for _, d := range []time.Duration{5 * time.Second, -5 * time.Second, time.Hour} {
		spec := community.PollSpec{Question: "Q", Options: []string{"a", "b"}, Duration: d}
		errs = append(errs, spec.Validate(community.DefaultRules()))
	}
	want := wording(errs[0])
	for _, err := range errs[1:] {
		if got := wording(err); got != want {
			t.Errorf("%q and %q word one rule twice", got, want)
		}
	}
	if !strings.HasPrefix(want, "duration_seconds: ") {
		t.Errorf("%q does not name the API's field duration_seconds", want)
	}
}
