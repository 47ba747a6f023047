package overlays_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/internal/testenv"
	"github.com/hearthlive/hearth/overlays"
)

// TestPollSnapshotOnConnect checks what a poll socket gets as it connects:
// a poll of status "" while the channel has had no poll since Hearth
// started, so a page reconnecting to a restarted Hearth drops the poll it
// had; after that, the latest poll unchanged.
func TestPollSnapshotOnConnect(t *testing.T) {
	t.Parallel()
	s := startServer(t, "127.0.0.1:0", overlays.Options{})
	before := time.Now()
	conn := s.dialTopic(t, "alice", hearth.TopicPoll)
	var msg rawMessage
	if err := readJSON(conn, 2*time.Second, &msg); err != nil {
		t.Fatalf("no blank state on connect: %v", err)
	}
	if msg.Topic != hearth.TopicPoll {
		t.Errorf("topic %q, want %q", msg.Topic, hearth.TopicPoll)
	}
	// The page reads these fields as arrays, never null.
	for _, field := range []string{`"channel":"alice"`, `"status":""`, `"options":[]`, `"winners":[]`} {
		if !strings.Contains(string(msg.State), field) {
			t.Errorf("blank state %s lacks %s", msg.State, field)
		}
	}
	var blank hearth.PollState
	if err := json.Unmarshal(msg.State, &blank); err != nil {
		t.Fatalf("decode state %s: %v", msg.State, err)
	}
	if blank.Now.Before(before.Add(-time.Second)) || blank.Now.After(time.Now().Add(time.Second)) {
		t.Errorf("blank state's now %s, want the server's clock about %s", blank.Now, before)
	}

	at := time.Date(2025, 11, 23, 20, 15, 0, 123456789, time.UTC)
	want := hearth.PollState{
		Channel:  "alice",
		ID:       "42",
		Kind:     hearth.PollChat,
		Status:   hearth.PollClosed,
		Question: "Which map? <img src=x onerror=alert(1)>",
		Options: []hearth.PollOptionState{
			{Label: "Dust", Votes: 7, Score: 7},
			{Label: "\u202eInferno", Votes: 7, Score: 7},
		},
		Voters:   14,
		Total:    14,
		Winners:  []int{0, 1},
		EndsAt:   at.Add(time.Minute),
		ClosedAt: at,
		Now:      at,
	}
	testenv.WaitFor(t, 2*time.Second, "socket registered", func() bool { return s.Hub.Clients("alice") == 1 })
	s.Hub.Publish("alice", hearth.TopicPoll, want)
	if err := readJSON(conn, 2*time.Second, &msg); err != nil {
		t.Fatalf("no update: %v", err)
	}
	if msg.Topic != hearth.TopicPoll || string(msg.State) != mustJSON(t, want) {
		t.Errorf("update %s %s\nwant %s", msg.Topic, msg.State, mustJSON(t, want))
	}

	t.Run("LatestOnConnect", func(t *testing.T) {
		conn := s.dialTopic(t, "alice", hearth.TopicPoll)
		var msg rawMessage
		if err := readJSON(conn, 2*time.Second, &msg); err != nil {
			t.Fatalf("no snapshot on connect: %v", err)
		}
		var got hearth.PollState
		if err := json.Unmarshal(msg.State, &got); err != nil {
			t.Fatalf("decode state %s: %v", msg.State, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("snapshot %+v\nwant %+v", got, want)
		}
	})
}
