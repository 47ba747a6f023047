package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/store/postgres"
)

// listen runs a notifier on u that hands command notices to f, until t
// ends, and waits until it listens.
func listen(t *testing.T, u string, f *Forwarder) {
	t.Helper()
	n, err := postgres.NewNotifier(u, postgres.NotifierOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n.Listen(postgres.TopicCommand, f.CommandPosted)
	n.Listen(postgres.TopicCommandResult, f.ResultReady)
	n.OnConnect(func(bool) { f.Resync() })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { n.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	deadline := time.Now().Add(10 * time.Second)
	for !n.Connected() {
		if time.Now().After(deadline) {
			t.Fatal("the notifier did not connect")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestForwardedCommandsRoundTrip(t *testing.T) {
	t.Parallel()
	db, u, _ := openStore(t, 2)
	var ran atomic.Int64
	owner := NewForwarder(db, "owner", func() []string { return []string{"ch00"} },
		func(_ context.Context, c hearth.ClusterCommand) ([]byte, error) {
			ran.Add(1)
			if c.Action == "fail" {
				return nil, hearth.Errorf(hearth.ENOTFOUND, "no viewer %s", c.Body)
			}
			var in struct{ N int }
			if err := json.Unmarshal(c.Body, &in); err != nil {
				return nil, hearth.Errorf(hearth.EINVALID, "bad body")
			}
			return json.Marshal(map[string]any{"channel": c.Channel, "doubled": in.N * 2})
		}, time.Second, nil)
	caller := NewForwarder(db, "caller", func() []string { return nil }, nil, 700*time.Millisecond, nil)
	listen(t, u, owner)
	listen(t, u, caller)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { owner.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	t.Run("Result", func(t *testing.T) {
		began := time.Now()
		out, err := caller.Forward(context.Background(), "ch00", "double", []byte(`{"N":21}`))
		if err != nil || string(out) != `{"channel":"ch00","doubled":42}` {
			t.Fatalf("Forward = %s, %v", out, err)
		}
		// Notifications carry it both ways: no waiting for the poll.
		if d := time.Since(began); d > 500*time.Millisecond {
			t.Errorf("a forwarded command took %v", d)
		}
	})
	t.Run("Error", func(t *testing.T) {
		_, err := caller.Forward(context.Background(), "ch00", "fail", []byte(`ada`))
		if hearth.ErrorCode(err) != hearth.ENOTFOUND || err.Error() != "no viewer ada" {
			t.Fatalf("Forward of a failing action = %v (%s); want the owner's ENOTFOUND", err, hearth.ErrorCode(err))
		}
	})
	t.Run("NoOwnerTimesOut", func(t *testing.T) {
		before := ran.Load()
		_, err := caller.Forward(context.Background(), "ch01", "double", []byte(`{"N":1}`))
		if hearth.ErrorCode(err) != hearth.EINTERNAL || !strings.Contains(err.Error(), "withdrawn") {
			t.Fatalf("Forward to a channel nobody runs = %v; want a clear timeout", err)
		}
		if ran.Load() != before {
			t.Fatal("a command for a channel the owner does not run was run")
		}
	})
	t.Run("CallerGivesUp", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		if _, err := caller.Forward(ctx, "ch01", "double", nil); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Forward with an ended context = %v", err)
		}
	})
}
