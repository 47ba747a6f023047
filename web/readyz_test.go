package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/hearthlive/hearth/web"
)

// health is a web.Health whose answers the test sets.
type health struct {
	mu       sync.Mutex
	degraded []string
	notReady error
}

func (h *health) Ready(context.Context) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.notReady
}

func (h *health) Degraded() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.degraded
}

// TestReadyzDegraded: a part that chat does not need failing keeps
// /readyz at 200 and names the part; a failing Ready is still 503.
func TestReadyzDegraded(t *testing.T) {
	h := &health{}
	base := serve(t, web.Config{Health: h})
	type answer struct {
		Status   string   `json:"status"`
		Degraded []string `json:"degraded"`
		Error    string   `json:"error"`
	}
	check := func(wantCode int, want answer) {
		t.Helper()
		resp, body := get(t, base+"/readyz")
		var got answer
		if err := json.Unmarshal(body, &got); err != nil || resp.StatusCode != wantCode || got.Status != want.Status ||
			!slices.Equal(got.Degraded, want.Degraded) || got.Error != want.Error {
			t.Fatalf("/readyz answered %d %s, want %d %+v", resp.StatusCode, body, wantCode, want)
		}
	}
	check(http.StatusOK, answer{Status: "ready"})

	h.mu.Lock()
	h.degraded = []string{"helix: Get Streams: 503 Service Unavailable"}
	h.mu.Unlock()
	check(http.StatusOK, answer{Status: "ready", Degraded: []string{"helix: Get Streams: 503 Service Unavailable"}})

	h.mu.Lock()
	h.notReady = errors.New("chat is not connected")
	h.mu.Unlock()
	check(http.StatusServiceUnavailable, answer{Status: "not ready", Error: "chat is not connected"})
}
