package web

import (
	"strings"
	"testing"

	"github.com/hearthlive/hearth"
)

// FuzzDecodeSegment feeds any body to the segment request decoder: it
// never panics, a refusal is an EINVALID error, and what it accepts has a
// name with more than spaces in it.
func FuzzDecodeSegment(f *testing.F) {
	f.Add([]byte(`{"name":"Acme Energy"}`))
	f.Add([]byte(`{"name":"  "}`))
	f.Add([]byte(`{"name":5}`))
	f.Add([]byte(`{"name":"a","colour":"red"}`))
	f.Add([]byte(`{"name":"a"} {}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`"Acme"`))
	f.Add([]byte(`{"NAME":"Acme"}`))
	f.Add([]byte(`{"name":"a","name":"b"}`))
	f.Add([]byte(`{"ſame":"Acme"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := decodeSegment(body)
		if err != nil {
			if hearth.ErrorCode(err) != hearth.EINVALID {
				t.Fatalf("decodeSegment(%q): %v, want an EINVALID error", body, err)
			}
			return
		}
		if strings.TrimSpace(req.Name) == "" {
			t.Fatalf("decodeSegment(%q) accepted an empty name", body)
		}
	})
}
