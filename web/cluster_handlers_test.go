package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/web"
)

// clusterState is a web.Cluster and an owning web.Health whose answers
// the test sets.
type clusterState struct {
	health
	status hearth.ClusterStatus
	owned  []string
}

func (c *clusterState) Status(context.Context) (hearth.ClusterStatus, error) { return c.status, nil }
func (c *clusterState) Owned() []string                                      { return c.owned }

func authGet(t *testing.T, url string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer s3cret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

func TestClusterRoutes(t *testing.T) {
	now := time.Now().UTC()
	cs := &clusterState{owned: []string{"alpha"}, status: hearth.ClusterStatus{
		Instance:  "one",
		Instances: []hearth.Instance{{ID: "one", StartedAt: now, Heartbeat: now, Live: true}},
		Leases: []hearth.Lease{
			{Channel: "alpha", Owner: "one", Epoch: 7, AcquiredAt: now.Add(-90 * time.Second), ExpiresAt: now.Add(10 * time.Second), Remaining: 10 * time.Second},
			{Channel: "beta", Owner: "", Epoch: 3, AcquiredAt: now.Add(-time.Hour), ExpiresAt: now.Add(-time.Minute), Remaining: -time.Minute},
		},
	}}
	base := serve(t, web.Config{AdminToken: "s3cret", Cluster: cs, Health: cs})

	code, body := authGet(t, base+"/api/v1/cluster")
	var got struct {
		Instance  string `json:"instance"`
		Instances []struct {
			ID   string `json:"id"`
			Live bool   `json:"live"`
		} `json:"instances"`
		Leases []struct {
			Channel          string  `json:"channel"`
			Owner            string  `json:"owner"`
			Epoch            int64   `json:"epoch"`
			Held             bool    `json:"held"`
			AgeSeconds       float64 `json:"age_seconds"`
			RemainingSeconds float64 `json:"remaining_seconds"`
		} `json:"leases"`
	}
	if code != http.StatusOK || json.Unmarshal(body, &got) != nil {
		t.Fatalf("GET /api/v1/cluster = %d %s", code, body)
	}
	if got.Instance != "one" || len(got.Instances) != 1 || !got.Instances[0].Live || len(got.Leases) != 2 {
		t.Fatalf("GET /api/v1/cluster = %s", body)
	}
	a, b := got.Leases[0], got.Leases[1]
	if a.Channel != "alpha" || !a.Held || a.Epoch != 7 || a.AgeSeconds < 89 || a.RemainingSeconds != 10 {
		t.Errorf("alpha's lease reads %+v", a)
	}
	if b.Held || b.RemainingSeconds != 0 {
		t.Errorf("a released lease reads %+v", b)
	}

	resp, body := get(t, base+"/readyz")
	var ready struct {
		Status   string   `json:"status"`
		Channels []string `json:"channels"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &ready) != nil || !slices.Equal(ready.Channels, []string{"alpha"}) {
		t.Fatalf("/readyz of a cluster instance = %d %s; want the channels it runs", resp.StatusCode, body)
	}

	off := serve(t, web.Config{AdminToken: "s3cret"})
	if code, body := authGet(t, off+"/api/v1/cluster"); code != http.StatusNotFound {
		t.Fatalf("GET /api/v1/cluster with clustering off = %d %s, want 404", code, body)
	}
}
