package overlays

import "testing"

// TestStateOnConnectNeverCoalesced pins the order a client sends in: the
// state on connect first, even when a newer state came before the writer
// ran, then only the newest of the rest.
func TestStateOnConnectNeverCoalesced(t *testing.T) {
	c := newClient(key{"alice", "alerts"}, nil)
	c.greet([]byte("snapshot"))
	c.offer([]byte("older"))
	c.offer([]byte("newer"))
	var got []string
	for msg := c.take(); msg != nil; msg = c.take() {
		got = append(got, string(msg))
	}
	if len(got) != 2 || got[0] != "snapshot" || got[1] != "newer" {
		t.Errorf("sent %q, want [snapshot newer]", got)
	}
	select {
	case <-c.wake:
	default:
		t.Error("no wake-up pending after the offers")
	}
}
