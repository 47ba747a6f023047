package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// TestChatConnectionsSpreadTheChannels serves two channels with
// chat.connections 2: each channel is joined, over two connections.
func TestChatConnectionsSpreadTheChannels(t *testing.T) {
	t.Parallel()
	srv := newChatServer(t)
	startHearth(t, map[string]string{
		"HEARTH_TWITCH_IRC_ADDR":  srv.Addr(),
		"HEARTH_TWITCH_IRC_TLS":   "false",
		"HEARTH_CHANNELS":         "one,two",
		"HEARTH_CHAT_CONNECTIONS": "2",
		"HEARTH_HTTP_ADDR":        "127.0.0.1:0",
		"HEARTH_DATABASE_URL":     "sqlite://" + filepath.Join(t.TempDir(), "h.db"),
	}, "serve")
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for _, ch := range []string{"one", "two"} {
		if err := srv.WaitJoined(ctx, ch); err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.Connections(); n != 2 {
		t.Fatalf("hearth opened %d chat connections; want 2", n)
	}
}
