package eventsub

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/hearthlive/hearth/stream/twitchtest"
)

// TestSharedChatNamesTheSourceRoom: a message Shared Chat brings from
// another channel's chat names that room (source_broadcaster_user_id); the
// channel's own messages, naming their own room or none, name none. The
// IRC package checks the same of its lines.
func TestSharedChatNamesTheSourceRoom(t *testing.T) {
	ann := twitchtest.Chatter{ID: "5", Login: "ann", Badges: []string{"subscriber/3"}}
	received := time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC)
	eventsub := func(source any) string {
		n := twitchtest.ChatMessage("c", ann, "hi", 0)
		n.Event["source_broadcaster_user_id"] = source
		data, err := json.Marshal(n.Event)
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	own := twitchtest.UserID("c")
	for _, tt := range []struct {
		name, eventsub string
		want           string
	}{
		{name: "EventSub", eventsub: eventsub("2"), want: "2"},
		{name: "EventSubOwnRoom", eventsub: eventsub(own)},
		{name: "EventSubNull", eventsub: eventsub(nil)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := NormalizeNotification("channel.chat.message", []byte(tt.eventsub), "m1", received)
			if err != nil {
				t.Fatal(err)
			}
			if ev.SourceChannelID != tt.want {
				t.Fatalf("source room %q, want %q: %+v", ev.SourceChannelID, tt.want, ev)
			}
		})
	}
}
