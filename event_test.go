package hearth

import "testing"

func TestEventKindNames(t *testing.T) {
	seen := map[string]bool{}
	for _, k := range EventKinds() {
		n := k.String()
		if n == "unknown" || seen[n] {
			t.Fatalf("kind %d has name %q", k, n)
		}
		seen[n] = true
	}
	if EventKind(200).String() != "unknown" {
		t.Fatal("out-of-range kind has a name")
	}
}
