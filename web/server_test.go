package web_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/hearthlive/hearth/metrics"
	"github.com/hearthlive/hearth/web"
	"github.com/prometheus/client_golang/prometheus"
)

// serve runs the real application on a loopback port and returns its base
// URL.
func serve(t *testing.T, cfg web.Config) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	app := web.New(cfg)
	done := make(chan error, 1)
	go func() { done <- app.Listener(ln) }()
	t.Cleanup(func() {
		if err := app.Shutdown(); err != nil {
			t.Error(err)
		}
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return "http://" + ln.Addr().String()
}

func get(t *testing.T, url string) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestPublicRoutes(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg)
	if err != nil {
		t.Fatal(err)
	}
	base := serve(t, web.Config{Gatherer: reg, Recorder: m, AdminToken: "secret", Dashboard: metrics.Dashboard()})

	t.Run("Healthz", func(t *testing.T) {
		resp, body := get(t, base+"/healthz")
		var got struct{ Status string }
		if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &got) != nil || got.Status != "ok" {
			t.Fatalf("/healthz answered %d %s", resp.StatusCode, body)
		}
	})
	t.Run("GrafanaDashboard", func(t *testing.T) {
		resp, body := get(t, base+"/grafana/dashboard.json")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("answered %d %s", resp.StatusCode, body)
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("Content-Type %q", ct)
		}
		if !bytes.Equal(body, metrics.Dashboard()) {
			t.Error("the served dashboard differs from metrics.Dashboard()")
		}
	})
	t.Run("APINeedsToken", func(t *testing.T) {
		if resp, body := get(t, base+"/api/v1/channels"); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("/api/v1/channels without a token answered %d %s", resp.StatusCode, body)
		}
	})
	// Last: it checks that the requests above were counted.
	t.Run("Metrics", func(t *testing.T) {
		resp, body := get(t, base+"/metrics")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("/metrics answered %d", resp.StatusCode)
		}
		for _, want := range []string{
			`hearth_http_requests_total{code="2xx",route="healthz"} 1`,
			`hearth_http_requests_total{code="2xx",route="other"} 1`,
			`hearth_http_requests_total{code="4xx",route="api"} 1`,
			`hearth_build_info{version=`,
		} {
			if !strings.Contains(string(body), want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
	})
}

// TestMetricsAfterHealthCheck is the sequence that broke /metrics for good:
// a label value aliasing a reused request buffer turned "metrics" into
// "healthz" after the health check, so two series had the same labels.
func TestMetricsAfterHealthCheck(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg)
	if err != nil {
		t.Fatal(err)
	}
	base := serve(t, web.Config{Gatherer: reg, Recorder: m})
	for i, path := range []string{"/metrics", "/metrics", "/metrics", "/healthz", "/metrics", "/readyz", "/metrics", "/metrics"} {
		if resp, body := get(t, base+path); resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d, GET %s, answered %d: %s", i+1, path, resp.StatusCode, body)
		}
	}
}
