package engine

import (
	"context"
	"testing"
	"time"
	"unsafe"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/community"
)

// TestActiveChattersKeepNoPieceOfTheChatLine sends a chat message whose
// strings point into a buffer, as the IRC parser hands them over, then
// overwrites the buffer as the reader does with its next line. The
// engine's record of active chatters must still name the viewer: it keeps
// its own copy of the id, not a piece of a line it would keep alive.
func TestActiveChattersKeepNoPieceOfTheChatLine(t *testing.T) {
	t.Parallel()
	line := []byte("m1 12345 someone hello")
	piece := func(i, j int) string { return unsafe.String(&line[i], j-i) }
	e := startEngine(t, newStore(t), Options{})
	defer e.Close(context.Background())
	e.Handle(hearth.Event{Kind: hearth.EventChat, Channel: "chan", ID: piece(0, 2), Time: time.Now(),
		User: hearth.Identity{ID: piece(3, 8), Login: piece(9, 16)}, Text: piece(17, len(line))})
	var ids []string
	err := e.Do(context.Background(), "chan", func(*community.Channel) hearth.Batch {
		for i := range line {
			line[i] = 'x'
		}
		for id := range (*e.channels.Load())["chan"].active.byID {
			ids = append(ids, id)
		}
		return hearth.Batch{}
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 1 || ids[0] != "12345" {
		t.Fatalf("active chatters are %q after the line was reused, want [12345]", ids)
	}
}
