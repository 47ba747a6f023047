package overlays_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/internal/testenv"
	"github.com/hearthlive/hearth/overlays"
)

// rotatingTokens is a token source whose tokens change, as the service's
// do when one is rotated.
type rotatingTokens struct {
	mu     sync.Mutex
	tokens map[string]string
}

func (r *rotatingTokens) OverlayToken(_ context.Context, channel string) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	tok, ok := r.tokens[channel]
	if !ok {
		return "", hearth.Errorf(hearth.ENOTFOUND, "channel %q not found", channel)
	}
	return tok, nil
}

func (r *rotatingTokens) SetOverlayToken(channel, token string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tokens[channel] = token
}

// TestRotationClosesOpenSockets: once a channel's token is rotated, every
// socket opened with the old one is closed at once with close code 4001
// and a reason that names no token; the channel's sockets opened with the
// new token and other channels' sockets stay open and keep getting
// states; the old token is refused from then on.
func TestRotationClosesOpenSockets(t *testing.T) {
	t.Parallel()
	const oldToken, newToken = "alice-old-secret", "alice-new-secret"
	source := &rotatingTokens{tokens: map[string]string{"alice": oldToken, "bob": "bob-secret"}}
	s := startServerWith(t, "127.0.0.1:0", source, overlays.Options{})
	dial := func(channel, token, topic string) *websocket.Conn {
		t.Helper()
		conn, resp, err := websocket.DefaultDialer.Dial(s.socketURL(channel, token, topic), nil)
		if err != nil {
			t.Fatalf("dial %s with its token: %v (%v)", channel, err, resp)
		}
		t.Cleanup(func() { conn.Close() })
		return conn
	}
	old := []*websocket.Conn{
		dial("alice", oldToken, hearth.TopicLeaderboard),
		dial("alice", oldToken, hearth.TopicPoll),
		dial("alice", oldToken, hearth.TopicEvents),
	}
	other := dial("bob", "bob-secret", hearth.TopicLeaderboard)
	testenv.WaitFor(t, 2*time.Second, "four sockets registered", func() bool {
		return s.Hub.Clients("alice") == 3 && s.Hub.Clients("bob") == 1
	})

	// As the engine does: the token source learns the new token, then
	// the hub.
	source.SetOverlayToken("alice", newToken)
	s.Hub.SetOverlayToken("alice", newToken)

	for i, conn := range old {
		var closeErr *websocket.CloseError
		for {
			var msg rawMessage
			err := readJSON(conn, 5*time.Second, &msg)
			if err == nil {
				continue // a state on connect, sent before the rotation
			}
			if !errors.As(err, &closeErr) {
				t.Fatalf("socket %d: %v, want a close frame", i, err)
			}
			break
		}
		if closeErr.Code != overlays.CloseTokenRevoked || !strings.Contains(closeErr.Text, "rotated") {
			t.Errorf("socket %d closed with %d %q, want %d saying the token was rotated", i, closeErr.Code, closeErr.Text, overlays.CloseTokenRevoked)
		}
		if strings.Contains(closeErr.Text, oldToken) || strings.Contains(closeErr.Text, newToken) {
			t.Errorf("socket %d: the close reason %q holds a token", i, closeErr.Text)
		}
	}
	testenv.WaitFor(t, 2*time.Second, "alice's sockets unregistered", func() bool { return s.Hub.Clients("alice") == 0 })

	_, resp, err := websocket.DefaultDialer.Dial(s.socketURL("alice", oldToken, hearth.TopicLeaderboard), nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the old token after the rotation: %v, want 401", err)
	}
	fresh := dial("alice", newToken, hearth.TopicLeaderboard)
	testenv.WaitFor(t, 2*time.Second, "the new token's socket registered", func() bool { return s.Hub.Clients("alice") == 1 })
	// The same token told again closes nothing.
	s.Hub.SetOverlayToken("alice", newToken)
	s.Hub.Publish("alice", hearth.TopicLeaderboard, board("alice", 42))
	s.Hub.Publish("bob", hearth.TopicLeaderboard, board("bob", 43))
	for _, tt := range []struct {
		conn *websocket.Conn
		want int64
	}{{fresh, 42}, {other, 43}} {
		msg, err := readMessage(tt.conn, 5*time.Second)
		if err != nil || msg.State.Entries[0].Points != tt.want {
			t.Errorf("a socket that should stay open: %+v, %v; want the state with %d points", msg, err, tt.want)
		}
	}
}
