package overlays

import (
	"errors"
	"strconv"
	"testing"
	"time"
)

// TestStateOnConnectNeverCoalesced pins the order a client sends in: the
// state on connect first, even when a newer state came before the writer
// ran, then only the newest of the rest.
func TestStateOnConnectNeverCoalesced(t *testing.T) {
	k := key{"alice", "alerts"}
	h := NewHub(nil, Options{})
	c := newClient(k, nil)
	c.greet(&frame{k, []byte("snapshot")})
	h.offer(c, &frame{k, []byte("older")})
	h.offer(c, &frame{k, []byte("newer")})
	var got []string
	c.wmu.Lock()
	for msg := c.take(); msg != nil; msg = c.take() {
		got = append(got, string(msg))
	}
	c.wmu.Unlock()
	if len(got) != 2 || got[0] != "snapshot" || got[1] != "newer" {
		t.Errorf("sent %q, want [snapshot newer]", got)
	}
	select {
	case <-c.wake:
	default:
		t.Error("no wake-up pending after the offers")
	}
}

// pending returns what waits for c's socket, in the order it would go.
func pending(c *client) []string {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	var got []string
	for msg := c.take(); msg != nil; msg = c.take() {
		got = append(got, string(msg[2:])) // past the frame header
	}
	return got
}

// TestPushLeadingEdge pins when a push goes out: a state published while
// its topic was quiet is due at once, and Run is woken for it, rather than
// waiting for the next tick of a clock; one published within the interval
// of the last push waits for the interval, and only the latest then goes.
func TestPushLeadingEdge(t *testing.T) {
	h := NewHub(nil, Options{MaxPushesPerSecond: 1})
	c := newClient(key{"alice", "leaderboard"}, nil)
	if h.add(c) != added {
		t.Fatal("add refused")
	}
	kicked := func() bool {
		select {
		case <-h.kick:
			return true
		default:
			return false
		}
	}

	h.Publish("alice", "leaderboard", 1)
	if !kicked() {
		t.Fatal("Run not woken by a state on a quiet topic")
	}
	if wait := h.flush(false); wait != 0 {
		t.Errorf("flush after the first state: %s until the next push, want nothing waiting", wait)
	}
	if got := pending(c); len(got) != 1 || got[0] != `{"topic":"leaderboard","state":1}` {
		t.Fatalf("after the first flush the socket has %q, want the first state", got)
	}

	h.Publish("alice", "leaderboard", 2)
	h.Publish("alice", "leaderboard", 3)
	if !kicked() {
		t.Fatal("Run not woken to schedule the second state")
	}
	wait := h.flush(false)
	if wait <= 0 || wait > time.Second {
		t.Errorf("flush within the interval: next push in %s, want within the second's interval", wait)
	}
	if got := pending(c); len(got) != 0 {
		t.Fatalf("within the interval the socket has %q, want nothing yet", got)
	}
	h.flush(true)
	if got := pending(c); len(got) != 1 || got[0] != `{"topic":"leaderboard","state":3}` {
		t.Errorf("after the interval the socket has %q, want only the latest state", got)
	}
}

// TestGreetingNotRepeated pins that a socket that connects between a
// publish and its push gets that state once, as its state on connect.
func TestGreetingNotRepeated(t *testing.T) {
	h := NewHub(nil, Options{})
	h.Publish("alice", "leaderboard", 1)
	c := newClient(key{"alice", "leaderboard"}, nil)
	if h.add(c) != added {
		t.Fatal("add refused")
	}
	h.flush(true)
	if got := pending(c); len(got) != 1 || got[0] != `{"topic":"leaderboard","state":1}` {
		t.Errorf("the socket has %q, want the state once", got)
	}
}

// counted is a state that counts how often it is encoded, and fails to
// encode when bad is set.
type counted struct {
	n   *int
	v   int
	bad bool
}

func (s counted) MarshalJSON() ([]byte, error) {
	*s.n++
	if s.bad {
		return nil, errors.New("unencodable")
	}
	return []byte(strconv.Itoa(s.v)), nil
}

// TestStatesEncodedOnlyWhenSent pins that a state is encoded when it is
// sent, not when it is published: states nobody watches, and states a
// newer one replaces before its push, cost no encoding; a state that
// cannot be encoded is logged and skipped, and the next one goes out.
func TestStatesEncodedOnlyWhenSent(t *testing.T) {
	h := NewHub(nil, Options{})
	encoded := 0
	for v := range 100 {
		h.Publish("alice", "alerts", counted{n: &encoded, v: v})
	}
	h.flush(true)
	if encoded != 0 {
		t.Fatalf("%d encodings for a topic nobody watches, want none", encoded)
	}
	c := newClient(key{"alice", "alerts"}, nil)
	if h.add(c) != added {
		t.Fatal("add refused")
	}
	if got := pending(c); encoded != 1 || len(got) != 1 || got[0] != `{"topic":"alerts","state":99}` {
		t.Fatalf("on connect: %d encodings and %q pending, want 1 and the latest state", encoded, got)
	}
	for v := 100; v < 150; v++ {
		h.Publish("alice", "alerts", counted{n: &encoded, v: v})
	}
	h.flush(true)
	if got := pending(c); encoded != 2 || len(got) != 1 || got[0] != `{"topic":"alerts","state":149}` {
		t.Fatalf("after 50 states and a push: %d encodings and %q pending, want 2 and the latest", encoded, got)
	}

	h.Publish("alice", "alerts", counted{n: &encoded, bad: true})
	h.flush(true)
	if got := pending(c); len(got) != 0 {
		t.Fatalf("an unencodable state sent %q", got)
	}
	h.Publish("alice", "alerts", counted{n: &encoded, v: 7})
	h.flush(true)
	if got := pending(c); len(got) != 1 || got[0] != `{"topic":"alerts","state":7}` {
		t.Fatalf("after an unencodable state the next sent %q, want it", got)
	}
}
