package seen

import "testing"

func TestDedupWindowIsBounded(t *testing.T) {
	s := New(3)
	for _, id := range []string{"a", "b", "c", "d"} {
		if !s.Add(id) {
			t.Fatalf("%s reported as seen", id)
		}
	}
	if !s.Add("a") {
		t.Fatal("a should have been forgotten after 3 newer ids")
	}
	if s.Add("d") {
		t.Fatal("d should still be remembered")
	}
	if len(s.set) != 3 {
		t.Fatalf("set holds %d ids, want 3", len(s.set))
	}
}
