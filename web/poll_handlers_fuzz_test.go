package web

import (
	"testing"

	"github.com/hearthlive/hearth"
)

// FuzzDecodePoll feeds any body to the poll request decoder: it never
// panics, a refusal is an EINVALID error, and what it accepts has a
// duration in range.
func FuzzDecodePoll(f *testing.F) {
	f.Add([]byte(`{"question":"Which map?","options":["Dust","Mirage"],"duration_seconds":90}`))
	f.Add([]byte(`{"question":"Q","options":["a","b"],"native":true}`))
	f.Add([]byte(`{"question":1}`))
	f.Add([]byte(`{"colour":"red"}`))
	f.Add([]byte(`{} {}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"duration_seconds":1e99}`))
	f.Add([]byte(`{"duration_seconds":-5}`))
	f.Add([]byte(`{"duration_seconds":5}`))
	f.Add([]byte(`{"duration_seconds":9223372036854775807}`))
	f.Add([]byte(`{"QUESTION":"Q","options":["a","b"]}`))
	f.Add([]byte(`{"question":"Q","question":"R"}`))
	f.Add([]byte(`{"question":"Q","options":["a","b"],"ſative":true}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := decodePoll(body)
		if err != nil {
			if hearth.ErrorCode(err) != hearth.EINVALID {
				t.Fatalf("decodePoll(%q): %v, want an EINVALID error", body, err)
			}
			return
		}
		if d := req.Duration(); d != 0 && (d < hearth.MinPollDuration || d > hearth.MaxPollDuration) {
			t.Fatalf("decodePoll(%q) accepted duration %d s", body, req.DurationSeconds)
		}
	})
}
