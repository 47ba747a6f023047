package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hearthlive/hearth/internal/testenv"
	"github.com/hearthlive/hearth/metrics"
)

// TestPrometheusDashboard runs `hearth demo`, lints its /metrics with
// promtool, lets a real Prometheus scrape it, and runs every query of the
// Grafana dashboard the demo serves against that Prometheus: each must
// succeed and return at least one series.
func TestPrometheusDashboard(t *testing.T) {
	t.Parallel()
	promBin := testenv.Binary(t, "prometheus", "apt-get install prometheus")
	promtool := testenv.Binary(t, "promtool", "apt-get install prometheus")

	p := startHearth(t, map[string]string{"HEARTH_HTTP_ADDR": "127.0.0.1:0"}, "demo", "--rate", "30")
	metricsURL := p.waitLine(t, `^metrics\s+(http://\S+/metrics)$`, 15*time.Second)[1]
	base := strings.TrimSuffix(metricsURL, "/metrics")
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("PromtoolCheckMetrics", func(t *testing.T) {
		scrape := httpGet(t, metricsURL)
		cmd := exec.Command(promtool, "check", "metrics")
		cmd.Stdin = bytes.NewReader(scrape)
		out, err := cmd.CombinedOutput()
		if err != nil || len(bytes.TrimSpace(out)) > 0 {
			t.Fatalf("promtool check metrics: %v\n%s", err, out)
		}
	})

	dash := httpGet(t, base+"/grafana/dashboard.json")
	if !bytes.Equal(dash, metrics.Dashboard()) {
		t.Fatal("/grafana/dashboard.json differs from metrics.Dashboard()")
	}
	queries := dashboardQueries(t, dash)

	prom := startPrometheus(t, promBin, u.Host)
	deadline := time.Now().Add(30 * time.Second)
	prom.waitTargetUp(t, deadline, p)

	// Rates need two scrapes inside their window, so poll each query until
	// it answers with data or the deadline passes.
	pending := slices.Clone(queries)
	failures := map[string]string{}
	for len(pending) > 0 && time.Now().Before(deadline) {
		p.mustRun(t)
		var still []string
		for _, q := range pending {
			if problem := prom.checkQuery(t, q); problem != "" {
				failures[q] = problem
				still = append(still, q)
			}
		}
		if pending = still; len(pending) > 0 {
			time.Sleep(500 * time.Millisecond)
		}
	}
	for _, q := range pending {
		t.Errorf("dashboard query %s: %s", q, failures[q])
	}
	t.Logf("%d of %d dashboard queries returned data", len(queries)-len(pending), len(queries))

	t.Run("ChannelVariable", func(t *testing.T) {
		prom.checkLabelValues(t, dash, "hearthdemo")
	})

	prom.stop(t)
	p.stop(t)
}

// dashboardQueries returns every PromQL expression in a Grafana
// dashboard, with the template variables replaced as Grafana would for
// the demo channel.
func dashboardQueries(t *testing.T, dash []byte) []string {
	t.Helper()
	var doc any
	if err := json.Unmarshal(dash, &doc); err != nil {
		t.Fatalf("dashboard: %v", err)
	}
	vars := strings.NewReplacer(
		"${channel}", "hearthdemo", "$channel", "hearthdemo",
		"${__rate_interval}", "15s", "$__rate_interval", "15s",
		"${__interval}", "5s", "$__interval", "5s",
		"${__range}", "1m", "$__range", "1m",
		"${datasource}", "prometheus", "$datasource", "prometheus",
	)
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && k == "expr" {
					q := vars.Replace(s)
					if strings.Contains(q, "$") {
						t.Errorf("query %q uses a variable the test does not know", s)
					}
					out = append(out, q)
					continue
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	if len(out) == 0 {
		t.Fatal("the dashboard has no queries")
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func httpGet(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return b
}

// promServer is a real Prometheus scraping one target.
type promServer struct {
	*proc
	url string
}

// startPrometheus runs Prometheus on a free loopback port, scraping target
// (host:port) every second, and waits until it is ready.
func startPrometheus(t *testing.T, bin, target string) *promServer {
	t.Helper()
	dir := t.TempDir()
	config := fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: hearth
    static_configs:
      - targets: [%q]
`, target)
	configFile := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(configFile, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freeLoopbackAddr(t)
	cmd := exec.Command(bin,
		"--config.file="+configFile,
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr,
		"--log.level=warn",
	)
	cmd.Dir = dir
	s := &promServer{proc: startProcess(t, "prometheus", cmd), url: "http://" + addr}

	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get(s.url + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		select {
		case <-s.done:
			t.Fatalf("prometheus exited (%v) before it was ready", s.err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("prometheus not ready within 15s: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// freeLoopbackAddr returns a 127.0.0.1 address with a port free a moment
// ago, for a program that only takes its listen address as a flag.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// apiGet calls Prometheus's HTTP API and decodes the data of a successful
// answer into data; it returns the API's error otherwise.
func (s *promServer) apiGet(t *testing.T, path string, q url.Values, data any) error {
	t.Helper()
	resp, err := http.Get(s.url + path + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Status    string          `json:"status"`
		ErrorType string          `json:"errorType"`
		Error     string          `json:"error"`
		Data      json.RawMessage `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return fmt.Errorf("%s answered %d with a body that is not JSON: %w", path, resp.StatusCode, err)
	}
	if body.Status != "success" {
		return fmt.Errorf("status %q: %s: %s", body.Status, body.ErrorType, body.Error)
	}
	return json.Unmarshal(body.Data, data)
}

// mustRun fails the test if hearth has exited.
func (p *proc) mustRun(t *testing.T) {
	t.Helper()
	select {
	case <-p.done:
		t.Fatalf("hearth exited early: %v", p.err)
	default:
	}
}

// waitTargetUp waits until Prometheus has scraped its one target, the
// running hearth, successfully.
func (s *promServer) waitTargetUp(t *testing.T, deadline time.Time, hearth *proc) {
	t.Helper()
	for {
		hearth.mustRun(t)
		var data struct {
			ActiveTargets []struct {
				ScrapeURL string `json:"scrapeUrl"`
				Health    string `json:"health"`
				LastError string `json:"lastError"`
			} `json:"activeTargets"`
		}
		if err := s.apiGet(t, "/api/v1/targets", nil, &data); err != nil {
			t.Fatal(err)
		}
		if len(data.ActiveTargets) == 1 && data.ActiveTargets[0].Health == "up" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the hearth target is not up: %+v", data.ActiveTargets)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// checkQuery runs an instant query and says what is wrong with its answer,
// or "" when it returned at least one series. A query over chat messages
// must also show chat: the demo chats 30 lines a second.
func (s *promServer) checkQuery(t *testing.T, query string) string {
	t.Helper()
	var data struct {
		ResultType string `json:"resultType"`
		Result     []struct {
			Value [2]any `json:"value"`
		} `json:"result"`
	}
	if err := s.apiGet(t, "/api/v1/query", url.Values{"query": {query}}, &data); err != nil {
		return err.Error()
	}
	if data.ResultType != "vector" {
		return fmt.Sprintf("result type %q, want vector", data.ResultType)
	}
	if len(data.Result) == 0 {
		return "no series"
	}
	if strings.Contains(query, "hearth_chat_messages_total") {
		for _, r := range data.Result {
			if v, _ := r.Value[1].(string); v != "" {
				if f, err := strconv.ParseFloat(v, 64); err == nil && f > 0 {
					return ""
				}
			}
		}
		return fmt.Sprintf("no chat counted: %+v", data.Result)
	}
	return ""
}

// checkLabelValues resolves each label_values(metric, label) template
// variable of the dashboard against Prometheus, as Grafana does, and
// requires want among the values.
func (s *promServer) checkLabelValues(t *testing.T, dash []byte, want string) {
	t.Helper()
	var doc struct {
		Templating struct {
			List []struct {
				Name       string `json:"name"`
				Definition string `json:"definition"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(dash, &doc); err != nil {
		t.Fatal(err)
	}
	rx := regexp.MustCompile(`^label_values\(\s*(\w+)\s*,\s*(\w+)\s*\)$`)
	checked := 0
	for _, v := range doc.Templating.List {
		m := rx.FindStringSubmatch(v.Definition)
		if m == nil {
			continue
		}
		var values []string
		if err := s.apiGet(t, "/api/v1/label/"+m[2]+"/values", url.Values{"match[]": {m[1]}}, &values); err != nil {
			t.Fatalf("variable %s: %v", v.Name, err)
		}
		if !slices.Contains(values, want) {
			t.Errorf("variable %s (%s) offers %q, not %q", v.Name, v.Definition, values, want)
		}
		checked++
	}
	if checked == 0 {
		t.Error("the dashboard has no label_values variable")
	}
}
