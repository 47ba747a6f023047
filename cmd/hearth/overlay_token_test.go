package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fasthttp/websocket"
	"github.com/hearthlive/hearth"
)

// TestRotateOverlayToken: the API rotates a channel's overlay token; the
// overlays refuse the old one at once and take the new one, a socket open
// with the old one is closed at once (close code 4001, a reason with no
// token in it), and the channel list shows the new one.
func TestRotateOverlayToken(t *testing.T) {
	t.Parallel()
	a := startArena(t, "sqlite://"+filepath.Join(t.TempDir(), "rotate.db"), map[string]string{"HEARTH_ADMIN_TOKEN": "s3cret"})
	base := a.proc.baseURL(t)
	type channel struct {
		Name         string            `json:"name"`
		OverlayToken string            `json:"overlay_token"`
		Overlays     map[string]string `json:"overlays"`
	}
	status, body := call(t, http.MethodGet, base+"/api/v1/channels", "s3cret")
	var before []channel
	if status != 200 || json.Unmarshal(body, &before) != nil || len(before) != 1 {
		t.Fatalf("%d %s", status, body)
	}
	oldURL := before[0].Overlays["leaderboard"]
	if code, _ := call(t, http.MethodGet, oldURL, ""); code != http.StatusOK {
		t.Fatalf("the overlay answers %d before the rotation", code)
	}
	open, _, err := websocket.DefaultDialer.Dial(socketURL(base, "arena", before[0].OverlayToken, hearth.TopicPoll), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer open.Close()
	if _, err := readOverlay(open); err != nil {
		t.Fatalf("the poll socket's state on connect: %v", err)
	}
	status, body = call(t, http.MethodPost, base+"/api/v1/channels/arena/overlay-token", "s3cret")
	var after channel
	if status != 200 || json.Unmarshal(body, &after) != nil || after.Name != "arena" || len(after.OverlayToken) != 64 || after.OverlayToken == before[0].OverlayToken {
		t.Fatalf("rotate: %d %s", status, body)
	}
	var closed *websocket.CloseError
	if _, err := readOverlay(open); !errors.As(err, &closed) || closed.Code != 4001 ||
		strings.Contains(closed.Text, before[0].OverlayToken) || strings.Contains(closed.Text, after.OverlayToken) {
		t.Fatalf("the socket open with the old token after the rotation: %v, want closed with 4001 and no token in the reason", err)
	}
	if code, _ := call(t, http.MethodGet, oldURL, ""); code != http.StatusUnauthorized {
		t.Fatalf("the old overlay URL answers %d after the rotation, want 401", code)
	}
	if code, _ := call(t, http.MethodGet, after.Overlays["leaderboard"], ""); code != http.StatusOK {
		t.Fatalf("the new overlay URL answers %d", code)
	}
	status, body = call(t, http.MethodGet, base+"/api/v1/channels", "s3cret")
	var listed []channel
	if status != 200 || json.Unmarshal(body, &listed) != nil || len(listed) != 1 || listed[0].OverlayToken != after.OverlayToken {
		t.Fatalf("channels after the rotation: %d %s", status, body)
	}
	if code, _ := call(t, http.MethodPost, base+"/api/v1/channels/elsewhere/overlay-token", "s3cret"); code != http.StatusNotFound {
		t.Fatalf("rotating a channel not served answers %d, want 404", code)
	}
}
