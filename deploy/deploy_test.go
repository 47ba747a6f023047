// Package deploy holds the Docker Compose stack that starts hearth,
// Prometheus and Grafana together. Its tests check that the pieces agree
// with each other and with the repository: no Docker engine is needed, so
// the stack is checked here, not run.
package deploy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/hearthlive/hearth/internal/testenv"
	"github.com/hearthlive/hearth/metrics"
)

// composeFile is the part of docker-compose.yml the tests read.
type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
}

type composeService struct {
	Image string `yaml:"image"`
	Build *struct {
		Context    string `yaml:"context"`
		Dockerfile string `yaml:"dockerfile"`
	} `yaml:"build"`
	Command     []string          `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	Ports       []string          `yaml:"ports"`
	Volumes     []string          `yaml:"volumes"`
}

// mount is one short-syntax volume entry, "source:target[:mode]".
type mount struct{ source, target, mode string }

// bind reports whether the source is a path on the host rather than a
// named volume.
func (m mount) bind() bool {
	return strings.HasPrefix(m.source, ".") || strings.HasPrefix(m.source, "/")
}

func (s composeService) mounts(t *testing.T) []mount {
	t.Helper()
	var out []mount
	for _, v := range s.Volumes {
		parts := strings.Split(v, ":")
		if len(parts) < 2 || len(parts) > 3 {
			t.Fatalf("volume %q: want source:target[:mode]", v)
		}
		m := mount{source: parts[0], target: parts[1]}
		if len(parts) == 3 {
			m.mode = parts[2]
		}
		out = append(out, m)
	}
	return out
}

// containerPort returns the container side of the service's only
// published port.
func (s composeService) containerPort(t *testing.T, name string) string {
	t.Helper()
	if len(s.Ports) != 1 {
		t.Fatalf("service %s publishes %v: want exactly one port", name, s.Ports)
	}
	p := s.Ports[0]
	return p[strings.LastIndex(p, ":")+1:]
}

// composeFiles are the stacks: one instance, and a cluster of three.
var composeFiles = []string{"docker-compose.yml", "docker-compose.cluster.yml"}

func loadCompose(t *testing.T) composeFile {
	t.Helper()
	var c composeFile
	readYAML(t, "docker-compose.yml", &c)
	for _, name := range []string{"hearth", "prometheus", "grafana"} {
		if _, ok := c.Services[name]; !ok {
			t.Fatalf("docker-compose.yml: no %s service", name)
		}
	}
	return c
}

func readYAML(t *testing.T, file string, v any) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

// interpolate expands a Compose value the way docker compose does for the
// forms this stack uses: $$, $NAME, ${NAME} and ${NAME:-default}, with
// defaults that may nest.
func interpolate(t *testing.T, s string, env map[string]string) string {
	t.Helper()
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch {
		case s[i+1] == '$':
			b.WriteByte('$')
			i++
		case s[i+1] == '{':
			end := closingBrace(t, s, i+1)
			expr := s[i+2 : end]
			name, def, hasDefault := strings.Cut(expr, ":-")
			if !regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`).MatchString(name) {
				t.Fatalf("%q: ${%s} is a form this test does not know", s, expr)
			}
			if v := env[name]; v != "" {
				b.WriteString(v)
			} else if hasDefault {
				b.WriteString(interpolate(t, def, env))
			}
			i = end
		default:
			name := regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*`).FindString(s[i+1:])
			b.WriteString(env[name])
			i += len(name)
		}
	}
	return b.String()
}

func closingBrace(t *testing.T, s string, open int) int {
	t.Helper()
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	t.Fatalf("%q: unclosed ${", s)
	return 0
}

func TestInterpolate(t *testing.T) {
	env := map[string]string{"MODE": "serve", "EMPTY": ""}
	for _, c := range []struct{ in, want string }{
		{"${MODE:-demo}", "serve"},
		{"${UNSET:-demo}", "demo"},
		{"${EMPTY:-demo}", "demo"},
		{"a/${UNSET:-x/${MODE:-demo}.db}", "a/x/serve.db"},
		{"$MODE-$$MODE", "serve-$MODE"},
		{"${UNSET}", ""},
	} {
		if got := interpolate(t, c.in, env); got != c.want {
			t.Errorf("interpolate(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestPrometheusConfigIsValid(t *testing.T) {
	promtool := testenv.Binary(t, "promtool", "apt-get install prometheus")
	out, err := exec.Command(promtool, "check", "config", "prometheus.yml").CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check config prometheus.yml: %v\n%s", err, out)
	}
}

// TestComposeFilesExist checks that everything the compose file builds
// from or mounts is in the repository, and that every named volume is
// declared.
func TestComposeFilesExist(t *testing.T) {
	for _, f := range composeFiles {
		t.Run(f, func(t *testing.T) {
			var c composeFile
			readYAML(t, f, &c)
			checkComposeFiles(t, c)
		})
	}
}

func checkComposeFiles(t *testing.T, c composeFile) {
	for name, s := range c.Services {
		if s.Build != nil {
			dockerfile := filepath.Join(s.Build.Context, s.Build.Dockerfile)
			if _, err := os.Stat(dockerfile); err != nil {
				t.Errorf("service %s builds from %s: %v", name, dockerfile, err)
			}
		}
		for _, m := range s.mounts(t) {
			if !m.bind() {
				if _, ok := c.Volumes[m.source]; !ok {
					t.Errorf("service %s: named volume %q is not declared under volumes", name, m.source)
				}
				continue
			}
			if _, err := os.Stat(m.source); err != nil {
				t.Errorf("service %s mounts %s: %v", name, m.source, err)
			}
			if m.mode != "ro" {
				t.Errorf("service %s mounts %s read-write: the repository's files are configuration, mount them :ro", name, m.source)
			}
		}
	}
}

func TestComposeImagesArePinned(t *testing.T) {
	for _, f := range composeFiles {
		var c composeFile
		readYAML(t, f, &c)
		for name, s := range c.Services {
			if s.Build != nil {
				continue
			}
			_, tag, ok := strings.Cut(path.Base(s.Image), ":")
			if !ok || tag == "" || tag == "latest" || strings.Contains(tag, "$") {
				t.Errorf("%s: service %s: image %q is not pinned to a version", f, name, s.Image)
			}
		}
	}
}

// TestHearthModes checks that hearth runs demo unless HEARTH_MODE says
// serve, and that the two keep separate databases.
func TestHearthModes(t *testing.T) {
	h := loadCompose(t).Services["hearth"]
	entrypoint := dockerfileEntrypoint(t, filepath.Join(h.Build.Context, h.Build.Dockerfile))
	if len(entrypoint) != 1 || path.Base(entrypoint[0]) != "hearth" {
		t.Fatalf("Dockerfile ENTRYPOINT %v: the compose command is a subcommand, so the entrypoint must be the hearth binary alone", entrypoint)
	}
	dbs := map[string]bool{}
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{nil, "demo"},
		{map[string]string{"HEARTH_MODE": "serve"}, "serve"},
	} {
		var cmd []string
		for _, arg := range h.Command {
			cmd = append(cmd, interpolate(t, arg, c.env))
		}
		if !slices.Equal(cmd, []string{c.want}) {
			t.Errorf("with %v the command is %q, want [%s]", c.env, cmd, c.want)
		}
		db := interpolate(t, h.Environment["HEARTH_DATABASE_URL"], c.env)
		if !strings.HasPrefix(db, "sqlite:///data/") {
			t.Errorf("%s: HEARTH_DATABASE_URL %q is not in the /data volume", c.want, db)
		}
		dbs[db] = true
	}
	if len(dbs) != 2 {
		t.Errorf("demo and serve share a database %v: the demo's simulated viewers would mix with the real ones", dbs)
	}
}

func dockerfileEntrypoint(t *testing.T, file string) []string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var entrypoint []string
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "ENTRYPOINT "); ok {
			entrypoint = nil
			if err := json.Unmarshal([]byte(rest), &entrypoint); err != nil {
				t.Fatalf("%s: ENTRYPOINT %s is not in exec form: %v", file, rest, err)
			}
		}
	}
	return entrypoint
}

// prometheusConfig is the part of prometheus.yml the tests read.
type prometheusConfig struct {
	Global struct {
		ScrapeInterval string `yaml:"scrape_interval"`
	} `yaml:"global"`
	ScrapeConfigs []struct {
		JobName        string `yaml:"job_name"`
		ScrapeInterval string `yaml:"scrape_interval"`
		MetricsPath    string `yaml:"metrics_path"`
		StaticConfigs  []struct {
			Targets []string `yaml:"targets"`
		} `yaml:"static_configs"`
	} `yaml:"scrape_configs"`
}

// TestScrapeTargetIsHearth checks that Prometheus scrapes the hearth
// service on the port hearth listens on and publishes.
func TestScrapeTargetIsHearth(t *testing.T) {
	c := loadCompose(t)
	h := c.Services["hearth"]
	_, listenPort, err := net.SplitHostPort(h.Environment["HEARTH_HTTP_ADDR"])
	if err != nil {
		t.Fatalf("hearth's HEARTH_HTTP_ADDR %q: %v", h.Environment["HEARTH_HTTP_ADDR"], err)
	}
	if published := h.containerPort(t, "hearth"); published != listenPort {
		t.Errorf("hearth listens on port %s but the compose file publishes container port %s", listenPort, published)
	}

	var p prometheusConfig
	readYAML(t, "prometheus.yml", &p)
	var targets []string
	for _, sc := range p.ScrapeConfigs {
		if sc.MetricsPath != "" && sc.MetricsPath != "/metrics" {
			t.Errorf("job %s scrapes %s; hearth serves /metrics", sc.JobName, sc.MetricsPath)
		}
		for _, st := range sc.StaticConfigs {
			targets = append(targets, st.Targets...)
		}
	}
	if len(targets) != 1 {
		t.Fatalf("prometheus.yml scrapes %v: want the hearth service alone", targets)
	}
	host, port, err := net.SplitHostPort(targets[0])
	if err != nil {
		t.Fatalf("scrape target %q: %v", targets[0], err)
	}
	if host != "hearth" {
		t.Errorf("scrape target host %q is not the compose service hearth", host)
	}
	if port != listenPort {
		t.Errorf("Prometheus scrapes port %s; hearth listens on %s", port, listenPort)
	}
}

// grafanaDatasources is a Grafana data source provisioning file.
type grafanaDatasources struct {
	APIVersion  int          `yaml:"apiVersion"`
	Datasources []datasource `yaml:"datasources"`
}

type datasource struct {
	Name      string `yaml:"name"`
	UID       string `yaml:"uid"`
	Type      string `yaml:"type"`
	URL       string `yaml:"url"`
	IsDefault bool   `yaml:"isDefault"`
	JSONData  struct {
		TimeInterval string `yaml:"timeInterval"`
	} `yaml:"jsonData"`
}

// prometheusDatasource returns the one provisioned data source.
func prometheusDatasource(t *testing.T) datasource {
	t.Helper()
	files, err := filepath.Glob("grafana/provisioning/datasources/*.y*ml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no data source provisioning file in grafana/provisioning/datasources (%v)", err)
	}
	var all []datasource
	for _, f := range files {
		var d grafanaDatasources
		readYAML(t, f, &d)
		if d.APIVersion != 1 {
			t.Errorf("%s: apiVersion %d, want 1", f, d.APIVersion)
		}
		all = append(all, d.Datasources...)
	}
	if len(all) != 1 || all[0].Type != "prometheus" || all[0].UID == "" {
		t.Fatalf("want exactly one provisioned data source, of type prometheus with a fixed uid; got %+v", all)
	}
	return all[0]
}

// TestDatasourceReachesPrometheus checks that the data source URL is the
// compose service prometheus on the port it listens on, and that it
// declares Prometheus's scrape interval to Grafana.
func TestDatasourceReachesPrometheus(t *testing.T) {
	ds := prometheusDatasource(t)
	c := loadCompose(t)
	u, err := url.Parse(ds.URL)
	if err != nil {
		t.Fatalf("data source url %q: %v", ds.URL, err)
	}
	if u.Hostname() != "prometheus" {
		t.Errorf("data source url %q: host is not the compose service prometheus", ds.URL)
	}
	if want := c.Services["prometheus"].containerPort(t, "prometheus"); u.Port() != want {
		t.Errorf("data source url %q: Prometheus listens on %s in its container", ds.URL, want)
	}

	var p prometheusConfig
	readYAML(t, "prometheus.yml", &p)
	for _, sc := range p.ScrapeConfigs {
		if sc.ScrapeInterval != "" && sc.ScrapeInterval != p.Global.ScrapeInterval {
			t.Errorf("job %s scrapes every %s, not the global %s the data source declares", sc.JobName, sc.ScrapeInterval, p.Global.ScrapeInterval)
		}
	}
	if ds.JSONData.TimeInterval != p.Global.ScrapeInterval {
		t.Errorf("data source timeInterval %q, Prometheus scrapes every %q: they must be equal, or the dashboard's $__rate_interval can span fewer than four scrapes",
			ds.JSONData.TimeInterval, p.Global.ScrapeInterval)
	}
}

// grafanaProviders is a Grafana dashboard provisioning file.
type grafanaProviders struct {
	APIVersion int `yaml:"apiVersion"`
	Providers  []struct {
		Name    string `yaml:"name"`
		Type    string `yaml:"type"`
		Options struct {
			Path string `yaml:"path"`
		} `yaml:"options"`
	} `yaml:"providers"`
}

// dashboardMount returns the grafana service's mount that the dashboard
// provider loads, after checking that the provider's path and the mount
// agree and that the provisioning files are mounted where Grafana reads
// them.
func dashboardMount(t *testing.T) mount {
	t.Helper()
	g := loadCompose(t).Services["grafana"]
	mounts := g.mounts(t)
	provisioning := false
	for _, m := range mounts {
		if m.target == "/etc/grafana/provisioning" && filepath.Clean(m.source) == filepath.Join("grafana", "provisioning") {
			provisioning = true
		}
	}
	if !provisioning {
		t.Errorf("grafana does not mount ./grafana/provisioning at /etc/grafana/provisioning: %v", g.Volumes)
	}

	files, err := filepath.Glob("grafana/provisioning/dashboards/*.y*ml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no dashboard provisioning file in grafana/provisioning/dashboards (%v)", err)
	}
	var paths []string
	for _, f := range files {
		var p grafanaProviders
		readYAML(t, f, &p)
		if p.APIVersion != 1 {
			t.Errorf("%s: apiVersion %d, want 1", f, p.APIVersion)
		}
		for _, pr := range p.Providers {
			if pr.Type != "file" {
				t.Errorf("%s: provider %s has type %q, want file", f, pr.Name, pr.Type)
			}
			paths = append(paths, pr.Options.Path)
		}
	}
	if len(paths) != 1 {
		t.Fatalf("want one dashboard provider, got paths %v", paths)
	}
	var found []mount
	for _, m := range mounts {
		if m.bind() && (m.target == paths[0] || path.Dir(m.target) == path.Clean(paths[0])) {
			found = append(found, m)
		}
	}
	if len(found) != 1 {
		t.Fatalf("the dashboard provider reads %s, where grafana mounts %d files (%v): want one", paths[0], len(found), found)
	}
	return found[0]
}

// TestDashboardIsTheEmbeddedOne checks that Grafana loads the dashboard
// hearth embeds, from the one file in the repository, and shows it as the
// home page.
func TestDashboardIsTheEmbeddedOne(t *testing.T) {
	m := dashboardMount(t)
	if filepath.Clean(m.source) != filepath.Join("..", "metrics", "dashboard.json") {
		t.Errorf("grafana loads its dashboard from %s; mount ../metrics/dashboard.json, the one hearth embeds, instead of a copy", m.source)
	}
	b, err := os.ReadFile(m.source)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, metrics.Dashboard()) {
		t.Errorf("%s differs from the dashboard hearth embeds", m.source)
	}
	home := loadCompose(t).Services["grafana"].Environment["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
	if home != m.target {
		t.Errorf("Grafana's home dashboard is %q, not the mounted dashboard %s: a user would have to look for it", home, m.target)
	}
}

// dashboardDoc is the part of the dashboard JSON that picks data sources.
type dashboardDoc struct {
	Inputs     []any `json:"__inputs"`
	Templating struct {
		List []struct {
			Name    string          `json:"name"`
			Type    string          `json:"type"`
			Query   any             `json:"query"`
			Current json.RawMessage `json:"current"`
		} `json:"list"`
	} `json:"templating"`
}

// TestDashboardDatasourceResolves checks that every data source the
// dashboard names resolves, without an import step, to the provisioned
// one: either its uid, or a data source variable whose default Grafana
// fills with the provisioned (default) Prometheus.
func TestDashboardDatasourceResolves(t *testing.T) {
	ds := prometheusDatasource(t)
	m := dashboardMount(t)
	raw, err := os.ReadFile(m.source)
	if err != nil {
		t.Fatal(err)
	}
	var doc dashboardDoc
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("%s: %v", m.source, err)
	}
	if len(doc.Inputs) > 0 {
		t.Errorf("%s has __inputs (an export made for the import dialog); file provisioning cannot fill them in: reference the data source through a variable of type datasource instead", m.source)
	}
	vars := map[string]string{} // datasource variables: name -> plugin type
	for _, v := range doc.Templating.List {
		if v.Type != "datasource" {
			continue
		}
		q, _ := v.Query.(string)
		vars[v.Name] = q
		var cur struct {
			Value any `json:"value"`
		}
		_ = json.Unmarshal(v.Current, &cur)
		switch val, _ := cur.Value.(string); {
		case val == "" && !ds.IsDefault:
			t.Errorf("variable %s has no current value, so Grafana picks the default data source; mark the provisioned %s isDefault", v.Name, ds.Name)
		case val != "" && val != ds.UID && val != ds.Name:
			t.Errorf("variable %s defaults to data source %q, which is not the provisioned %s (uid %s)", v.Name, val, ds.Name, ds.UID)
		}
	}

	refs := datasourceRefs(raw)
	if len(refs) == 0 {
		t.Fatalf("%s names no data source", m.source)
	}
	for _, ref := range refs {
		switch {
		case ref.typ == "grafana" || ref.uid == "-- Grafana --" || ref.uid == "-- Mixed --" || ref.uid == "-- Dashboard --":
			// Grafana's built-in sources (annotations, mixed, panel reuse).
		case strings.HasPrefix(ref.uid, "${DS_"):
			t.Errorf("data source %q is an __inputs placeholder that file provisioning cannot resolve", ref.uid)
		case strings.HasPrefix(ref.uid, "$"):
			name := strings.Trim(strings.TrimPrefix(ref.uid, "$"), "{}")
			name, _, _ = strings.Cut(name, ":")
			plugin, ok := vars[name]
			if !ok {
				t.Errorf("data source %q names no variable of type datasource", ref.uid)
			} else if plugin != ds.Type {
				t.Errorf("variable %s lists data sources of type %q, the provisioned one is %q", name, plugin, ds.Type)
			}
		case ref.uid != ds.UID && ref.uid != ds.Name:
			t.Errorf("data source %q is not the provisioned uid %q", ref.uid, ds.UID)
		}
		if ref.typ != "" && ref.typ != "grafana" && ref.typ != "datasource" && ref.typ != ds.Type {
			t.Errorf("data source %q has type %q, the provisioned one is %q", ref.uid, ref.typ, ds.Type)
		}
	}
}

type datasourceRef struct{ uid, typ string }

// datasourceRefs returns every "datasource" value in a dashboard, in the
// object form ({"type", "uid"}) or the older string form (a name or
// variable).
func datasourceRefs(raw []byte) []datasourceRef {
	var doc any
	_ = json.Unmarshal(raw, &doc)
	var out []datasourceRef
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if k == "datasource" {
					switch d := x.(type) {
					case string:
						out = append(out, datasourceRef{uid: d})
						continue
					case map[string]any:
						uid, _ := d["uid"].(string)
						typ, _ := d["type"].(string)
						out = append(out, datasourceRef{uid: uid, typ: typ})
						continue
					}
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
	slices.SortFunc(out, func(a, b datasourceRef) int { return strings.Compare(a.uid+"\x00"+a.typ, b.uid+"\x00"+b.typ) })
	return slices.Compact(out)
}

// TestDashboardRangesSpanFourScrapes checks that every fixed range in the
// dashboard's queries holds at least four of the stack's scrapes, which
// rate() and increase() need to be steady.
func TestDashboardRangesSpanFourScrapes(t *testing.T) {
	var p prometheusConfig
	readYAML(t, "prometheus.yml", &p)
	scrape, err := promDuration(p.Global.ScrapeInterval)
	if err != nil {
		t.Fatalf("scrape_interval: %v", err)
	}
	raw, err := os.ReadFile(dashboardMount(t).source)
	if err != nil {
		t.Fatal(err)
	}
	rangeRE := regexp.MustCompile(`\[([^\]:]+)(:[^\]]*)?\]`)
	for _, q := range dashboardExprs(t, raw) {
		for _, m := range rangeRE.FindAllStringSubmatch(q, -1) {
			if strings.Contains(m[1], "$") {
				continue
			}
			d, err := promDuration(m[1])
			if err != nil {
				t.Errorf("query %q: range %q: %v", q, m[1], err)
				continue
			}
			if d < 4*scrape {
				t.Errorf("query %q: range %s holds fewer than four scrapes of %s", q, m[1], scrape)
			}
		}
	}
}

func dashboardExprs(t *testing.T, raw []byte) []string {
	t.Helper()
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("dashboard: %v", err)
	}
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && k == "expr" {
					out = append(out, s)
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
	return out
}

// promDuration parses a Prometheus duration such as 15s, 5m or 1h30m.
func promDuration(s string) (time.Duration, error) {
	units := map[string]time.Duration{
		"ms": time.Millisecond, "s": time.Second, "m": time.Minute, "h": time.Hour,
		"d": 24 * time.Hour, "w": 7 * 24 * time.Hour, "y": 365 * 24 * time.Hour,
	}
	parts := regexp.MustCompile(`(\d+)(ms|s|m|h|d|w|y)`).FindAllStringSubmatch(s, -1)
	var d time.Duration
	n := 0
	for _, p := range parts {
		v, err := strconv.Atoi(p[1])
		if err != nil {
			return 0, err
		}
		d += time.Duration(v) * units[p[2]]
		n += len(p[0])
	}
	if n != len(s) || n == 0 {
		return 0, fmt.Errorf("%q is not a Prometheus duration", s)
	}
	return d, nil
}
