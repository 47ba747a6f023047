package twitchtest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	twitch "github.com/gempir/go-twitch-irc/v4"

	"github.com/hearthlive/hearth/stream/twitchtest"
)

// newServer starts a server closed at the end of the test.
func newServer(t testing.TB, opts twitchtest.Options) *twitchtest.Server {
	t.Helper()
	s, err := twitchtest.NewServer(opts)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// startClient points c at s, joins channels and keeps it connected in the
// background: go-twitch-irc redials by itself after RECONNECT or a drop, but
// Connect returns on a failed dial, so it is retried. The client is
// disconnected at the end of the test, before the server closes.
func startClient(t testing.TB, s *twitchtest.Server, c *twitch.Client, channels ...string) {
	t.Helper()
	c.IrcAddress = s.Addr()
	c.TLS = false
	c.Join(channels...)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			if err := c.Connect(); errors.Is(err, twitch.ErrClientDisconnected) {
				return
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	t.Cleanup(func() {
		close(stop)
		deadline := time.After(5 * time.Second)
		for {
			_ = c.Disconnect()
			select {
			case <-done:
				return
			case <-deadline:
				t.Error("client did not stop")
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	})
}

// testContext returns a context cancelled after d or at the end of the test.
func testContext(t testing.TB, d time.Duration) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// receive waits for one value from ch.
func receive[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(5 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		var zero T
		return zero
	}
}

// as asserts that m has type T.
func as[T twitch.Message](t *testing.T, m twitch.Message) T {
	t.Helper()
	v, ok := m.(T)
	if !ok {
		t.Fatalf("parsed %T, want %T", m, v)
	}
	return v
}
