package community

import (
	"hash/maphash"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/hearthlive/hearth"
)

// TestViewerRecordStaysSmall holds the in-memory viewer record to its
// size: a channel keeps one for every viewer it has ever seen, so each
// byte here is a megabyte at a million viewers. Grow it only knowingly.
func TestViewerRecordStaysSmall(t *testing.T) {
	const limit = 328 // 312, 8 for the open presence span (hearth.ViewerStats.WatchFrom), 8 for the key the ranking board files it under
	if got := unsafe.Sizeof(viewer{}); got > limit {
		t.Fatalf("viewer record is %d bytes, more than %d", got, limit)
	}
}

// TestLoadAllocatesNothingPerViewer loads stored viewers and counts heap
// allocations: the records as one block and the two maps, nothing per
// viewer (no record each, no copied strings, no per-viewer caches).
func TestLoadAllocatesNothingPerViewer(t *testing.T) {
	const n = 20_000
	stored := storedViewers(n)
	allocs := testing.AllocsPerRun(3, func() { NewChannel("bench", DefaultRules(), stored, nil) })
	if perViewer := allocs / n; perViewer > 0.05 {
		t.Fatalf("loading %d viewers made %.0f allocations, %.3f per viewer; want next to none", n, allocs, perViewer)
	}
}

// aliased returns a string that shares memory with b, as a parser hands
// out pieces of the line it read without copying them.
func aliased(b []byte) string { return unsafe.String(&b[0], len(b)) }

// TestViewerKeepsNoPieceOfTheChatLine sends a chat message whose strings
// point into a buffer, then overwrites the buffer as a reader does with
// its next line: the viewer's name and id must not change, because the
// channel keeps its own copies (otherwise every known viewer would keep
// a whole chat line alive).
func TestViewerKeepsNoPieceOfTheChatLine(t *testing.T) {
	line := []byte("m1 12345 someone Someone hello there")
	c := NewChannel("chan", DefaultRules(), nil, nil)
	c.Handle(hearth.Event{
		Kind: hearth.EventChat, Channel: "chan", Time: t0,
		ID:   aliased(line[0:2]),
		User: hearth.Identity{ID: aliased(line[3:8]), Login: aliased(line[9:16]), DisplayName: aliased(line[17:24])},
		Text: aliased(line[25:]),
	})
	for i := range line {
		line[i] = 'x'
	}
	v, ok := c.Viewer("12345")
	if !ok {
		t.Fatal("viewer 12345 is unknown after the line was reused")
	}
	if v.UserID != "12345" || v.Login != "someone" || v.DisplayName != "Someone" {
		t.Fatalf("viewer changed with the line: %+v", v)
	}
	if _, ok := c.ViewerByLogin("someone"); !ok {
		t.Fatal("login index changed with the line")
	}
	if r := c.Handle(hearth.Event{Kind: hearth.EventChat, Channel: "chan", Time: t0.Add(time.Minute), ID: "m1",
		User: hearth.Identity{ID: "12345", Login: "someone"}, Text: "again"}); !r.Duplicate {
		t.Fatal("message id m1 was forgotten when the line was reused")
	}
}

// TestRankingExactForEveryLoadedViewer loads viewers as start-up does and
// checks the ranking and !points of each one against a ranking computed
// from the stored rows alone.
func TestRankingExactForEveryLoadedViewer(t *testing.T) {
	const n = 2_000
	stored := storedViewers(n)
	for i := range stored {
		stored[i].Points = int64((i * 7919) % 500) // many ties
	}
	c := NewChannel("bench", DefaultRules(), stored, nil)
	want := NewRanking("bench", DefaultRules()).Positions(stored)
	for _, s := range stored {
		pos, total := c.Position(s.UserID)
		if pos != want[s.UserID] || total != n {
			t.Fatalf("viewer %s holds %d of %d, want %d of %d", s.UserID, pos, total, want[s.UserID], n)
		}
		got, ok := c.ViewerByLogin(s.Login)
		if !ok || got.Points != s.Points || got.Login != s.Login || got.UserID != s.UserID {
			t.Fatalf("viewer %s reads %+v, stored %+v", s.Login, got, s)
		}
		if got != s {
			t.Fatalf("viewer %s changed by loading:\n got %+v\nwant %+v", s.UserID, got, s)
		}
	}
	top := c.Top(10)
	wantTop := NewRanking("bench", DefaultRules()).Rank(stored)[:10]
	for i := range top {
		if top[i].UserID != wantTop[i].UserID || top[i].Position != wantTop[i].Position {
			t.Fatalf("top %d is %s at %d, want %s at %d", i, top[i].UserID, top[i].Position, wantTop[i].UserID, wantTop[i].Position)
		}
	}
}

// TestTextHashFoldsCaseAndSpacing checks that the repeat rule's text hash
// folds case and spacing, and for random text agrees with folding first
// (lower-casing, then joining the words with one space) and hashing after.
func TestTextHashFoldsCaseAndSpacing(t *testing.T) {
	same := [][]string{
		{"LUL  lul", "lul lul", " lul\tLUL\n", "Lul Lul"},
		{"École Été", "école été", "ÉCOLE   ÉTÉ"},
		{"gg", "GG", "  gg  "},
	}
	for _, group := range same {
		for _, s := range group[1:] {
			if textHash(s) != textHash(group[0]) {
				t.Errorf("%q and %q hash apart", s, group[0])
			}
		}
	}
	for _, s := range []string{"", "   ", "\t\n"} {
		if textHash(s) != 0 {
			t.Errorf("textHash(%q) = %d, want 0 (no text)", s, textHash(s))
		}
	}
	if textHash("gg") == textHash("g g") || textHash("ab c") == textHash("a bc") {
		t.Error("different words hash alike")
	}
	rng := rand.New(rand.NewPCG(7, 8))
	const alphabet = "aAbBzZ09 \t!é"
	for range 5000 {
		var b strings.Builder
		for range rng.IntN(12) {
			b.WriteByte(alphabet[rng.IntN(len(alphabet))])
		}
		s := b.String()
		folded := strings.Join(strings.Fields(strings.ToLower(s)), " ")
		want := uint64(0)
		if folded != "" {
			want = maphash.String(textSeed, folded) | 1
		}
		if got := textHash(s); got != want {
			t.Fatalf("textHash(%q) = %d, folding first gives %d", s, got, want)
		}
	}
}
