package metrics

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// dashboardJSON is the part of a Grafana dashboard these tests read.
type dashboardJSON struct {
	UID           string `json:"uid"`
	Title         string `json:"title"`
	SchemaVersion int    `json:"schemaVersion"`
	Templating    struct {
		List []struct {
			Name       string `json:"name"`
			Type       string `json:"type"`
			Query      any    `json:"query"`
			Definition string `json:"definition"`
		} `json:"list"`
	} `json:"templating"`
	Panels []panelJSON `json:"panels"`
}

type panelJSON struct {
	ID         int    `json:"id"`
	Type       string `json:"type"`
	Title      string `json:"title"`
	Datasource *struct {
		Type string `json:"type"`
		UID  string `json:"uid"`
	} `json:"datasource"`
	GridPos struct{ H, W, X, Y int } `json:"gridPos"`
	Targets []struct {
		Expr  string `json:"expr"`
		RefID string `json:"refId"`
	} `json:"targets"`
}

func TestDashboard(t *testing.T) {
	var d dashboardJSON
	if err := json.Unmarshal(Dashboard(), &d); err != nil {
		t.Fatalf("dashboard.json is not JSON: %v", err)
	}
	if d.UID == "" || d.Title == "" || d.SchemaVersion < 36 {
		t.Errorf("uid %q, title %q, schemaVersion %d: want all set, schemaVersion >= 36", d.UID, d.Title, d.SchemaVersion)
	}
	vars := map[string]string{}
	for _, v := range d.Templating.List {
		vars[v.Name] = v.Type
		if v.Name == "channel" && v.Definition != "label_values(hearth_chat_messages_total, channel)" {
			t.Errorf("channel variable defined as %q", v.Definition)
		}
	}
	if vars["datasource"] != "datasource" || vars["channel"] != "query" {
		t.Errorf("template variables %v: want datasource (datasource) and channel (query)", vars)
	}

	m, reg := newMetrics(t)
	exercise(m)
	families := familyNames(t, reg, "hearth_")
	metricName := regexp.MustCompile(`\bhearth_[a-z_]+\b`)
	variable := regexp.MustCompile(`\$\{?(\w+)`)
	known := []string{"channel", "__rate_interval", "__interval", "__range"}

	var rows []string
	ids := map[int]string{}
	queries := 0
	for _, p := range d.Panels {
		if other, dup := ids[p.ID]; dup {
			t.Errorf("panels %q and %q share id %d", other, p.Title, p.ID)
		}
		ids[p.ID] = p.Title
		if p.GridPos.W < 1 || p.GridPos.X+p.GridPos.W > 24 || p.GridPos.H < 1 {
			t.Errorf("panel %q: gridPos %+v outside the 24-column grid", p.Title, p.GridPos)
		}
		if p.Type == "row" {
			rows = append(rows, p.Title)
			continue
		}
		if p.Datasource == nil || p.Datasource.Type != "prometheus" || p.Datasource.UID != "${datasource}" {
			t.Errorf("panel %q: datasource %+v, want the ${datasource} variable", p.Title, p.Datasource)
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			queries++
			for _, name := range metricName.FindAllString(tg.Expr, -1) {
				base := strings.TrimSuffix(name, "_bucket")
				if !slices.Contains(families, base) {
					t.Errorf("panel %q queries %s, which Hearth does not export", p.Title, name)
				}
			}
			for _, m := range variable.FindAllStringSubmatch(tg.Expr, -1) {
				if !slices.Contains(known, m[1]) {
					t.Errorf("panel %q uses unknown variable $%s", p.Title, m[1])
				}
			}
			if strings.Contains(tg.Expr, "rate(") && !strings.Contains(tg.Expr, "$__rate_interval") {
				t.Errorf("panel %q: a rate without $__rate_interval: %s", p.Title, tg.Expr)
			}
		}
	}
	if want := []string{"Participation", "Moderation & events", "Health", "Audience and the Twitch API", "Polls",
		"Newcomers and retention", "Loyalty distribution", "Sponsor segments", "Verified vs raw activity", "EventSub", "Cluster"}; !slices.Equal(rows, want) {
		t.Errorf("rows %q, want %q", rows, want)
	}
	if queries < 20 {
		t.Errorf("only %d queries", queries)
	}
}
