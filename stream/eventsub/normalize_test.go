package eventsub

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
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

// TestChatKeepsColourBadgesAndEmotes: channel.chat.message gives the same
// look as IRC's PRIVMSG: the colour, the badges in order, and the emotes
// at the code points of the fragments before them; an emote whose id
// could not be one stays text.
func TestChatKeepsColourBadgesAndEmotes(t *testing.T) {
	event := `{"broadcaster_user_id":"1","broadcaster_user_login":"c","chatter_user_id":"5","chatter_user_login":"ann",
		"chatter_user_name":"Ann","message_id":"m1","color":"#1e90ff",
		"badges":[{"set_id":"moderator","id":"1"},{"set_id":"subscriber","id":"12"}],
		"message":{"text":"é🐈 Kappa hi Bad","fragments":[
			{"type":"text","text":"é🐈 "},
			{"type":"emote","text":"Kappa","emote":{"id":"25"}},
			{"type":"text","text":" hi "},
			{"type":"emote","text":"Bad","emote":{"id":"1:0-1,2"}}]}}`
	ev, err := NormalizeNotification("channel.chat.message", []byte(event), "n1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if ev.Color != "#1E90FF" || !reflect.DeepEqual(ev.Badges, []string{"moderator", "subscriber"}) {
		t.Errorf("colour %q, badges %v", ev.Color, ev.Badges)
	}
	if want := []hearth.EmoteSpan{{ID: "25", Start: 3, End: 8}}; !reflect.DeepEqual(ev.Emotes, want) {
		t.Errorf("emotes %+v; want %+v", ev.Emotes, want)
	}
}
