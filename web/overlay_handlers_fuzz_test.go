package web

import (
	"testing"

	"github.com/hearthlive/hearth"
)

// FuzzDecodeTestEvent feeds any body to the test event decoder: it never
// panics, a refusal is an EINVALID error, and what it accepts is a kind
// of overlay event.
func FuzzDecodeTestEvent(f *testing.F) {
	f.Add([]byte(`{"kind":"follow"}`))
	f.Add([]byte(`{"kind":"credits"}`))
	f.Add([]byte(`{"kind":"<script>alert(1)</script>"}`))
	f.Add([]byte(`{"kind":1}`))
	f.Add([]byte(`{"kind":"follow","extra":true}`))
	f.Add([]byte(`{"KIND":"follow"}`))
	f.Add([]byte(`{} {}`))
	f.Add([]byte(`[]`))
	f.Add([]byte(`{"kind":"fol\u0000low"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		kind, err := decodeTestEvent(body)
		if err != nil {
			if hearth.ErrorCode(err) != hearth.EINVALID {
				t.Fatalf("decodeTestEvent(%q): %v, want an EINVALID error", body, err)
			}
			return
		}
		if !hearth.ValidOverlayEventKind(kind) {
			t.Fatalf("decodeTestEvent(%q) accepted %q", body, kind)
		}
	})
}
