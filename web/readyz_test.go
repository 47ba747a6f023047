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

// TestReadyzDegraded: a part that chat does not need failing keeps
// /readyz at 200 and names the part; a failing Ready is still 503.
func TestReadyzDegraded(t *testing.T) {
	var mu sync.Mutex
	var degraded []string
	var notReady error
	base := serve(t, web.Config{
		Ready: func(context.Context) error {
			mu.Lock()
			defer mu.Unlock()
			return notReady
		},
		Degraded: func() []string {
			mu.Lock()
			defer mu.Unlock()
			return degraded
		},
	})
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

	mu.Lock()
	degraded = []string{"helix: Get Streams: 503 Service Unavailable"}
	mu.Unlock()
	check(http.StatusOK, answer{Status: "ready", Degraded: []string{"helix: Get Streams: 503 Service Unavailable"}})

	mu.Lock()
	notReady = errors.New("chat is not connected")
	mu.Unlock()
	check(http.StatusServiceUnavailable, answer{Status: "not ready", Error: "chat is not connected"})
}
