package twitchtest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/hearthlive/hearth/stream/twitchtest"
)

// esClient is a bare EventSub client for testing the fake: one socket and
// the session id its welcome named.
type esClient struct {
	ws      *websocket.Conn
	session string
}

func dialEventSub(t *testing.T, url string) *esClient {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	c := &esClient{ws: ws}
	m := c.read(t)
	if m.Metadata.MessageType != "session_welcome" || m.Payload.Session.Status != "connected" || m.Payload.Session.KeepaliveTimeoutSeconds != 10 {
		t.Fatalf("first message %+v, want a session_welcome with a 10 s keepalive", m)
	}
	c.session = m.Payload.Session.ID
	return c
}

type esMessage struct {
	Metadata struct {
		MessageID        string `json:"message_id"`
		MessageType      string `json:"message_type"`
		MessageTimestamp string `json:"message_timestamp"`
		SubscriptionType string `json:"subscription_type"`
	} `json:"metadata"`
	Payload struct {
		Session struct {
			ID                      string  `json:"id"`
			Status                  string  `json:"status"`
			KeepaliveTimeoutSeconds int     `json:"keepalive_timeout_seconds"`
			ReconnectURL            *string `json:"reconnect_url"`
		} `json:"session"`
		Subscription struct {
			Status string `json:"status"`
			Type   string `json:"type"`
		} `json:"subscription"`
		Event map[string]any `json:"event"`
	} `json:"payload"`
}

func (c *esClient) read(t *testing.T) esMessage {
	t.Helper()
	_ = c.ws.SetReadDeadline(time.Now().Add(15 * time.Second))
	_, b, err := c.ws.ReadMessage()
	if err != nil {
		t.Fatalf("reading the EventSub socket: %v", err)
	}
	var m esMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	if _, err := time.Parse(time.RFC3339Nano, m.Metadata.MessageTimestamp); err != nil || m.Metadata.MessageID == "" {
		t.Fatalf("metadata without an id or an RFC 3339 timestamp: %s", b)
	}
	return m
}

// create posts a subscription and returns the status and the decoded answer.
func create(t *testing.T, api *twitchtest.API, token, typ, version string, condition map[string]string, session string) (int, map[string]any) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"type": typ, "version": version, "condition": condition,
		"transport": map[string]string{"method": "websocket", "session_id": session}})
	req, _ := http.NewRequest(http.MethodPost, api.HelixURL()+"/eventsub/subscriptions", bytes.NewReader(body))
	req.Header.Set("Client-Id", api.ClientID())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestEventSubSubscriptionRoutes(t *testing.T) {
	api, err := twitchtest.NewAPI(twitchtest.APIOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { api.Close() })
	alice := api.IssueToken("alice", []string{"moderator:read:followers"}, time.Hour)
	aliceID := twitchtest.UserID("alice")
	c := dialEventSub(t, api.EventSubURL())
	own := map[string]string{"broadcaster_user_id": aliceID, "moderator_user_id": aliceID}

	code, out := create(t, api, alice.Access, "channel.follow", "2", own, c.session)
	if code != http.StatusAccepted || out["total"] != 1.0 || out["total_cost"] != 0.0 || out["max_total_cost"] != 10.0 {
		t.Fatalf("create: %d %v, want 202 with total 1, total_cost 0, max_total_cost 10", code, out)
	}
	sub := out["data"].([]any)[0].(map[string]any)
	if sub["status"] != "enabled" || sub["cost"] != 0.0 || sub["transport"].(map[string]any)["session_id"] != c.session {
		t.Errorf("subscription %v", sub)
	}
	for _, tt := range []struct {
		name      string
		token     string
		typ, ver  string
		condition map[string]string
		session   string
		want      int
	}{
		{"Duplicate", alice.Access, "channel.follow", "2", own, c.session, http.StatusConflict},
		{"NoSession", alice.Access, "stream.online", "1", map[string]string{"broadcaster_user_id": aliceID}, "nosuchsession", http.StatusBadRequest},
		{"MissingScope", alice.Access, "channel.cheer", "1", map[string]string{"broadcaster_user_id": aliceID}, c.session, http.StatusForbidden},
		{"WrongVersion", alice.Access, "channel.follow", "1", own, c.session, http.StatusBadRequest},
		{"MissingCondition", alice.Access, "stream.online", "1", map[string]string{}, c.session, http.StatusBadRequest},
		{"BadToken", "nope", "stream.online", "1", map[string]string{"broadcaster_user_id": aliceID}, c.session, http.StatusUnauthorized},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if code, out := create(t, api, tt.token, tt.typ, tt.ver, tt.condition, tt.session); code != tt.want {
				t.Errorf("%d %v, want %d", code, out, tt.want)
			}
		})
	}

	// Subscriptions to other broadcasters cost 1 each, up to 10.
	for i := range 10 {
		code, out := create(t, api, alice.Access, "stream.online", "1", map[string]string{"broadcaster_user_id": fmt.Sprint(1000 + i)}, c.session)
		if code != http.StatusAccepted || out["total_cost"] != float64(i+1) {
			t.Fatalf("user-less subscription %d: %d %v", i+1, code, out)
		}
	}
	if code, out := create(t, api, alice.Access, "stream.online", "1", map[string]string{"broadcaster_user_id": "2000"}, c.session); code != http.StatusTooManyRequests {
		t.Fatalf("the 11th user-less subscription: %d %v, want 429", code, out)
	}

	// 300 a connection: alice's own subscriptions cost nothing.
	for i := 0; i < twitchtest.EventSubMaxPerConnection-11; i++ {
		cond := map[string]string{"broadcaster_user_id": aliceID, "moderator_user_id": aliceID, "n": fmt.Sprint(i)}
		if code, out := create(t, api, alice.Access, "channel.follow", "2", cond, c.session); code != http.StatusAccepted {
			t.Fatalf("subscription %d: %d %v", i+12, code, out)
		}
	}
	cond := map[string]string{"broadcaster_user_id": aliceID, "moderator_user_id": aliceID, "n": "last"}
	if code, out := create(t, api, alice.Access, "channel.follow", "2", cond, c.session); code != http.StatusTooManyRequests {
		t.Fatalf("the 301st subscription on one connection: %d %v, want 429", code, out)
	}
	other := dialEventSub(t, api.EventSubURL())
	if code, out := create(t, api, alice.Access, "channel.follow", "2", cond, other.session); code != http.StatusAccepted {
		t.Fatalf("on a second connection: %d %v, want 202", code, out)
	}

	// A notification reaches the session, with Twitch's fields.
	if ids := api.Notify(twitchtest.Follow("alice", "bob"), 2); len(ids) == 0 {
		t.Fatal("the follow reached no subscription")
	}
	first, second := c.read(t), c.read(t)
	if first.Metadata.MessageType != "notification" || first.Metadata.SubscriptionType != "channel.follow" ||
		first.Payload.Event["user_login"] != "bob" || first.Payload.Event["followed_at"] == nil {
		t.Errorf("notification %+v", first)
	}
	if second.Metadata.MessageID != first.Metadata.MessageID {
		t.Errorf("a duplicate delivery has message id %s, want %s", second.Metadata.MessageID, first.Metadata.MessageID)
	}
}

func TestEventSubReconnectHandsOver(t *testing.T) {
	api, err := twitchtest.NewAPI(twitchtest.APIOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { api.Close() })
	alice := api.IssueToken("alice", nil, time.Hour)
	c := dialEventSub(t, api.EventSubURL())
	if code, out := create(t, api, alice.Access, "stream.online", "1", map[string]string{"broadcaster_user_id": twitchtest.UserID("alice")}, c.session); code != http.StatusAccepted {
		t.Fatalf("create: %d %v", code, out)
	}
	api.ReconnectEventSub()
	m := c.read(t)
	if m.Metadata.MessageType != "session_reconnect" || m.Payload.Session.Status != "reconnecting" || m.Payload.Session.ReconnectURL == nil {
		t.Fatalf("%+v, want a session_reconnect with a reconnect_url", m)
	}
	// Until the new connection is welcomed, the old one gets notifications.
	api.Notify(twitchtest.StreamOnline("alice", time.Now()), 1)
	if m := c.read(t); m.Metadata.MessageType != "notification" {
		t.Fatalf("%+v on the old connection, want the notification", m)
	}
	n := dialEventSub(t, *m.Payload.Session.ReconnectURL)
	if n.session != c.session {
		t.Errorf("the new connection's session %s, want the old one's %s", n.session, c.session)
	}
	// Then the old one closes and the new one gets them.
	_ = c.ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, _, err := c.ws.ReadMessage(); err == nil {
		t.Fatal("the old connection stays open after the new one was welcomed")
	}
	if len(api.Notify(twitchtest.StreamOnline("alice", time.Now()), 1)) != 1 {
		t.Fatal("the subscription did not survive the reconnect")
	}
	if m := n.read(t); m.Metadata.MessageType != "notification" {
		t.Fatalf("%+v on the new connection, want the notification", m)
	}
}
