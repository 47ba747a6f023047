package seen

import (
	"testing"
	"unsafe"
)

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
	if len(s.r.by) != 3 {
		t.Fatalf("set holds %d ids, want 3", len(s.r.by))
	}
}

func TestKeepsNothingOfTheLine(t *testing.T) {
	line := []byte("@id=abc;x=y :chatter PRIVMSG #c :hi")
	s := New(2)
	// A string into the line, as a parser that does not copy hands over.
	s.Add(unsafe.String(&line[4], 3))
	copy(line[4:7], "zzz") // the reader's buffer is reused for the next line
	if s.Add("abc") {
		t.Fatal("abc reported as new: the set kept a piece of the line, which changed")
	}
}

func TestGrowsWithUse(t *testing.T) {
	s := New(1 << 20)
	if cap(s.r.ring) != 0 {
		t.Fatalf("an unused IDs holds a ring of %d", cap(s.r.ring))
	}
	for i, id := range []string{"a", "b", "a"} {
		if got, want := s.Add(id), i < 2; got != want {
			t.Fatalf("Add(%q) = %v, want %v", id, got, want)
		}
	}
	if len(s.r.ring) != 2 {
		t.Fatalf("ring holds %d ids, want 2", len(s.r.ring))
	}
}
