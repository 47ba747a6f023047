package web

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hearthlive/hearth"
)

// FuzzDecodePoints feeds any body to the points adjustment decoder: it
// never panics, a refusal is an EINVALID error, and what it accepts has a
// delta in range and a reason of 1 to MaxReasonLength characters.
func FuzzDecodePoints(f *testing.F) {
	f.Add([]byte(`{"delta":50,"reason":"won the quiz"}`))
	f.Add([]byte(`{"delta":-1000000000,"reason":"x"}`))
	f.Add([]byte(`{"delta":0,"reason":"x"}`))
	f.Add([]byte(`{"delta":1e99,"reason":"x"}`))
	f.Add([]byte(`{"delta":5,"reason":"   "}`))
	f.Add([]byte(`{"delta":5,"reason":"a\u0000b"}`))
	f.Add([]byte(`{"delta":5,"reason":"x","reason":"y"}`))
	f.Add([]byte(`{"DELTA":5,"reason":"x"}`))
	f.Add([]byte(`[1,2]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := decodePoints(body)
		if err != nil {
			if hearth.ErrorCode(err) != hearth.EINVALID {
				t.Fatalf("decodePoints(%q): %v, want an EINVALID error", body, err)
			}
			return
		}
		n := utf8.RuneCountInString(req.Reason)
		if req.Delta == 0 || req.Delta > MaxPointsDelta || req.Delta < -MaxPointsDelta || n == 0 || n > MaxReasonLength ||
			strings.TrimSpace(req.Reason) != req.Reason || !utf8.ValidString(req.Reason) {
			t.Fatalf("decodePoints(%q) accepted %+v", body, req)
		}
	})
}
