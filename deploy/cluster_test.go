package deploy

import (
	"net"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hearthlive/hearth/internal/testenv"
)

// hearthInstances are the Hearth services of the cluster stack.
var hearthInstances = []string{"hearth1", "hearth2", "hearth3"}

func loadClusterCompose(t *testing.T) composeFile {
	t.Helper()
	var c composeFile
	readYAML(t, "docker-compose.cluster.yml", &c)
	for _, name := range append(slices.Clone(hearthInstances), "postgres", "caddy", "prometheus", "grafana") {
		if _, ok := c.Services[name]; !ok {
			t.Fatalf("docker-compose.cluster.yml: no %s service", name)
		}
	}
	return c
}

// TestClusterInstancesShareOneDatabase checks that the three instances
// run serve with clustering on, each under its own instance id, on the
// one PostgreSQL service with its credentials, and are reached only
// through the load balancer.
func TestClusterInstancesShareOneDatabase(t *testing.T) {
	c := loadClusterCompose(t)
	pg := c.Services["postgres"].Environment
	want := url.URL{Scheme: "postgres", User: url.UserPassword(pg["POSTGRES_USER"], interpolate(t, pg["POSTGRES_PASSWORD"], nil)),
		Host: "postgres:5432", Path: "/" + pg["POSTGRES_DB"]}
	ids := map[string]bool{}
	var ports []string
	for _, name := range hearthInstances {
		s := c.Services[name]
		if s.Build == nil || !slices.Equal(s.Command, []string{"serve"}) {
			t.Errorf("%s: build %v, command %q: want the repository's image running serve", name, s.Build, s.Command)
		}
		env := s.Environment
		if env["HEARTH_CLUSTER_ENABLED"] != "true" {
			t.Errorf("%s: HEARTH_CLUSTER_ENABLED %q", name, env["HEARTH_CLUSTER_ENABLED"])
		}
		id := env["HEARTH_CLUSTER_INSTANCE_ID"]
		if id == "" || ids[id] {
			t.Errorf("%s: instance id %q is empty or another instance's", name, id)
		}
		ids[id] = true
		u, err := url.Parse(interpolate(t, env["HEARTH_DATABASE_URL"], nil))
		if err != nil {
			t.Fatalf("%s: HEARTH_DATABASE_URL: %v", name, err)
		}
		u.RawQuery = ""
		if u.String() != want.String() {
			t.Errorf("%s: HEARTH_DATABASE_URL is %s; want the postgres service's database %s", name, u, want.String())
		}
		if len(s.Ports) != 0 {
			t.Errorf("%s publishes %v: the instances are reached through caddy", name, s.Ports)
		}
		_, port, err := net.SplitHostPort(env["HEARTH_HTTP_ADDR"])
		if err != nil {
			t.Fatalf("%s: HEARTH_HTTP_ADDR %q: %v", name, env["HEARTH_HTTP_ADDR"], err)
		}
		ports = append(ports, port)
	}
	if len(slices.Compact(slices.Clone(ports))) != 1 {
		t.Errorf("the instances listen on different ports %v", ports)
	}
}

// upstreamsOf returns the upstreams of every reverse_proxy directive in a
// Caddyfile, and whether the one inside handle /login/twitch* pins a
// client to one upstream by cookie.
func upstreamsOf(t *testing.T, caddyfile string) (proxies [][]string, stickySignIn bool, listen string) {
	t.Helper()
	b, err := os.ReadFile(caddyfile)
	if err != nil {
		t.Fatal(err)
	}
	inSignIn := false
	depth := 0
	signInDepth := -1
	for _, raw := range strings.Split(string(b), "\n") {
		line := strings.TrimSpace(raw)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		switch {
		case depth == 0 && strings.HasSuffix(line, "{") && strings.HasPrefix(fields[0], ":"):
			listen = fields[0]
		case fields[0] == "handle" && len(fields) > 1 && fields[1] == "/login/twitch*":
			inSignIn, signInDepth = true, depth
		case fields[0] == "reverse_proxy":
			var ups []string
			for _, f := range fields[1:] {
				if f != "{" {
					ups = append(ups, f)
				}
			}
			proxies = append(proxies, ups)
		case inSignIn && fields[0] == "lb_policy" && len(fields) > 1 && fields[1] == "cookie":
			stickySignIn = true
		}
		depth += strings.Count(line, "{") - strings.Count(line, "}")
		if inSignIn && depth <= signInDepth {
			inSignIn = false
		}
	}
	return proxies, stickySignIn, listen
}

// TestLoadBalancerReachesEveryInstance checks that Caddy's config is the
// one mounted, proxies every route to the three instances on their port,
// pins the Twitch sign-in to one instance, and listens on the container
// port the stack publishes.
func TestLoadBalancerReachesEveryInstance(t *testing.T) {
	c := loadClusterCompose(t)
	caddy := c.Services["caddy"]
	var mounted bool
	for _, m := range caddy.mounts(t) {
		if m.target == "/etc/caddy/Caddyfile" && m.source == "./Caddyfile" {
			mounted = true
		}
	}
	if !mounted {
		t.Fatalf("caddy does not mount ./Caddyfile at /etc/caddy/Caddyfile: %v", caddy.Volumes)
	}
	_, port, _ := net.SplitHostPort(c.Services["hearth1"].Environment["HEARTH_HTTP_ADDR"])
	var want []string
	for _, name := range hearthInstances {
		want = append(want, name+":"+port)
	}
	proxies, sticky, listen := upstreamsOf(t, "Caddyfile")
	if len(proxies) == 0 {
		t.Fatal("the Caddyfile proxies nothing")
	}
	for _, ups := range proxies {
		if !slices.Equal(ups, want) {
			t.Errorf("a reverse_proxy goes to %v; want every instance %v", ups, want)
		}
	}
	if !sticky {
		t.Error("the Caddyfile does not pin /login/twitch* to one instance (lb_policy cookie): Twitch's callback must reach the instance that started the sign-in")
	}
	if published := caddy.containerPort(t, "caddy"); ":"+published != listen {
		t.Errorf("caddy listens on %q but the stack publishes container port %s", listen, published)
	}
	if caddyBin, err := exec.LookPath("caddy"); err == nil {
		if out, err := exec.Command(caddyBin, "validate", "--config", "Caddyfile", "--adapter", "caddyfile").CombinedOutput(); err != nil {
			t.Errorf("caddy validate: %v\n%s", err, out)
		}
	}
}

// TestClusterScrapesEveryInstance checks that Prometheus scrapes each
// instance on its own (the dashboard's Cluster row is per instance), not
// the load balancer, and that its config is valid.
func TestClusterScrapesEveryInstance(t *testing.T) {
	c := loadClusterCompose(t)
	var mounted bool
	for _, m := range c.Services["prometheus"].mounts(t) {
		if m.source == "./prometheus-cluster.yml" && m.target == "/etc/prometheus/prometheus.yml" {
			mounted = true
		}
	}
	if !mounted {
		t.Fatalf("prometheus does not load ./prometheus-cluster.yml: %v", c.Services["prometheus"].Volumes)
	}
	var p prometheusConfig
	readYAML(t, "prometheus-cluster.yml", &p)
	var targets []string
	for _, sc := range p.ScrapeConfigs {
		for _, st := range sc.StaticConfigs {
			targets = append(targets, st.Targets...)
		}
	}
	_, port, _ := net.SplitHostPort(c.Services["hearth1"].Environment["HEARTH_HTTP_ADDR"])
	var want []string
	for _, name := range hearthInstances {
		want = append(want, name+":"+port)
	}
	if !slices.Equal(targets, want) {
		t.Errorf("prometheus-cluster.yml scrapes %v; want %v", targets, want)
	}
	ds := prometheusDatasource(t)
	if ds.JSONData.TimeInterval != p.Global.ScrapeInterval {
		t.Errorf("data source timeInterval %q, the cluster's Prometheus scrapes every %q", ds.JSONData.TimeInterval, p.Global.ScrapeInterval)
	}
	promtool := testenv.Binary(t, "promtool", "apt-get install prometheus")
	if out, err := exec.Command(promtool, "check", "config", "prometheus-cluster.yml").CombinedOutput(); err != nil {
		t.Fatalf("promtool check config prometheus-cluster.yml: %v\n%s", err, out)
	}
	for _, m := range c.Services["grafana"].mounts(t) {
		if m.target == "/etc/grafana/dashboards/hearth/dashboard.json" && m.source != "../metrics/dashboard.json" {
			t.Errorf("the cluster's Grafana loads its dashboard from %s, not the one hearth embeds", m.source)
		}
	}
	if !regexp.MustCompile(`^\d+s$`).MatchString(p.Global.ScrapeInterval) {
		t.Errorf("scrape interval %q", p.Global.ScrapeInterval)
	}
}
