package twitchtest_test

import (
	"testing"

	"github.com/hearthlive/hearth/stream/twitchtest"
)

func TestJoinedConnections(t *testing.T) {
	s := newServer(t, twitchtest.Options{})
	a, b := dialRaw(t, s), dialRaw(t, s)
	a.write("NICK justinfan1\r\nJOIN #alpha,#beta\r\n")
	b.write("NICK justinfan2\r\nJOIN #alpha\r\n")
	a.sync()
	b.sync()
	if got := s.JoinedConnections("#alpha"); got != 2 {
		t.Fatalf("JoinedConnections(#alpha) = %d, want 2", got)
	}
	if got := s.JoinedConnections("beta"); got != 1 {
		t.Fatalf("JoinedConnections(beta) = %d, want 1", got)
	}
	b.write("PART #alpha\r\n")
	b.sync()
	if got := s.JoinedConnections("alpha"); got != 1 {
		t.Fatalf("after a PART, JoinedConnections(alpha) = %d, want 1", got)
	}
	if got := s.JoinedConnections("gamma"); got != 0 {
		t.Fatalf("JoinedConnections of a channel nobody joined = %d", got)
	}
}
