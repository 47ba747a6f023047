package console

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hearthlive/hearth"
)

// pageNames are the pages, each templates/NAME.html defining "content"
// inside templates/layout.html.
var pageNames = []string{"home", "error", "overview", "viewers", "viewer", "polls", "segments", "streams", "overlays", "settings", "audit"}

// funcs are the templates' helpers. Translation is the view's own (its
// L), so the templates are parsed once for every language.
var funcs = template.FuncMap{
	"path":    url.PathEscape,
	"percent": func(l lang, f float64) string { return l.percent(f) },
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "–"
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"text":      func(s string) string { return hearth.DisplayText(s, "") },
	"name":      func(display, login string) string { return hearth.DisplayText(display, login) },
	"pair":      func(v view, p hearth.PollState) pollView { return pollView{V: v, P: p} },
	"pollstate": pollState,
	"dur": func(d *hearth.Duration) string {
		if d == nil {
			return ""
		}
		return time.Duration(*d).String()
	},
	"ladder": func(l *[]hearth.RankStep) string {
		var b strings.Builder
		if l != nil {
			for _, s := range *l {
				fmt.Fprintf(&b, "%s: %d\n", s.Name, s.Min)
			}
		}
		return b.String()
	},
	"languages": func() []string { return languages },
	"field":     field,
}

// pollView is what the "pollstate" template gets: the page's view and
// the poll.
type pollView struct {
	V view
	P hearth.PollState
}

// pollState returns a poll as the overlay and the live stream show it,
// its text through hearth.DisplayText.
func pollState(p hearth.Poll) hearth.PollState {
	st := hearth.PollState{Channel: p.Channel, ID: p.ID, Kind: p.Kind, Status: p.Status,
		Question: hearth.DisplayText(p.Question, ""), Voters: p.Tally.Voters, Weighting: p.Weighting,
		EndsAt: p.EndsAt, ClosedAt: p.ClosedAt, Winners: p.Tally.Winners}
	for i, label := range p.Options {
		o := hearth.PollOptionState{Label: hearth.DisplayText(label, strconv.Itoa(i+1))}
		if i < len(p.Tally.Votes) {
			o.Votes = p.Tally.Votes[i]
		}
		if i < len(p.Tally.Scores) {
			o.Score = p.Tally.Scores[i]
		}
		st.Total += o.Score
		st.Options = append(st.Options, o)
	}
	return st
}

// parsePages parses every page with the layout.
func parsePages() (map[string]*template.Template, error) {
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(files, "templates/layout.html", "templates/parts.html")
	if err != nil {
		return nil, fmt.Errorf("console: templates: %w", err)
	}
	pages := make(map[string]*template.Template, len(pageNames))
	for _, name := range pageNames {
		t, err := template.Must(layout.Clone()).ParseFS(files, path.Join("templates", name+".html"))
		if err != nil {
			return nil, fmt.Errorf("console: templates: %w", err)
		}
		pages[name] = t
	}
	return pages, nil
}

// view is what every page's template gets: the page's own data in Data,
// the caller, the channel and the language around it.
type view struct {
	L       lang
	Page    string
	Channel string
	Login   string
	// Who is the caller's display name; Badges, that their role on the
	// page's channel comes from the moderator badge seen in chat.
	Who    string
	Badges bool
	Role   hearth.Access
	CSRF   string
	Data   any
	id     Identity
}

// Can reports whether the caller may take action on the page's channel.
func (v view) Can(action string) bool {
	return v.id != nil && v.Channel != "" && v.id.Can(v.Channel, hearth.Action(action))
}

// RoleName names a role in the page's language.
func (v view) RoleName(a hearth.Access) string {
	if a == hearth.AccessNone {
		return v.L.T("role.none")
	}
	return v.L.T("role." + string(a))
}

// Script returns the strings the page's script shows, as JSON: the
// catalogue's keys under "js.", without the prefix.
func (v view) Script() string {
	m := map[string]string{}
	for k, s := range v.L.m {
		if rest, ok := strings.CutPrefix(k, "js."); ok {
			m[rest] = s
		}
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// Name returns the catalogue's name for prefix+key, or key itself when
// the catalogue has none (an event or overlay kind newer than it).
func (v view) Name(prefix, key string) string {
	if s, ok := v.L.m[prefix+key]; ok {
		return s
	}
	return key
}

// T translates key with args, in the page's language.
func (v view) T(key string, args ...any) string { return v.L.T(key, args...) }

// Nav lists the channel's pages the caller may open, for the menu.
func (v view) Nav() []navItem {
	if v.Channel == "" {
		return nil
	}
	base := "/channels/" + url.PathEscape(v.Channel)
	items := []navItem{
		{Page: "overview", URL: base}, {Page: "viewers", URL: base + "/viewers"}, {Page: "polls", URL: base + "/polls"},
		{Page: "segments", URL: base + "/segments"}, {Page: "streams", URL: base + "/streams"}, {Page: "overlays", URL: base + "/overlays"},
	}
	if v.Can(string(hearth.ActionSettings)) {
		items = append(items, navItem{Page: "settings", URL: base + "/settings"})
	}
	items = append(items, navItem{Page: "audit", URL: base + "/audit"})
	for i := range items {
		items[i].Label = v.L.T("nav." + items[i].Page)
		items[i].Current = items[i].Page == v.Page || v.Page == "viewer" && items[i].Page == "viewers"
	}
	return items
}

type navItem struct {
	Page, URL string
	Label     string
	Current   bool
}

// Base is the channel's pages' path, "/channels/NAME".
func (v view) Base() string { return "/channels/" + url.PathEscape(v.Channel) }

// API is the channel's API path, "/api/v1/channels/NAME".
func (v view) API() string { return "/api/v1/channels/" + url.PathEscape(v.Channel) }

// render writes page with data, in the caller's language, with the
// status already set (200 unless set).
func (con *Console) render(c *fiber.Ctx, page, channel string, data any) error {
	v := view{L: con.language(c, channel), Page: page, Channel: channel, Data: data, id: con.identity(c)}
	if v.id != nil {
		v.Login, v.Who, v.CSRF = v.id.Login(), v.id.DisplayName(), v.id.CSRF()
		if channel != "" {
			v.Role = v.id.Access(channel)
			v.Badges = v.Role == hearth.AccessModerator && v.id.FromBadges(channel)
		}
	}
	var buf bytes.Buffer
	if err := con.pages[page].ExecuteTemplate(&buf, "layout", v); err != nil {
		return fmt.Errorf("console: render %s: %w", page, err)
	}
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Send(buf.Bytes())
}

// language picks the page's language: the first the browser asks for
// that the console speaks, else the channel's language setting if the
// console speaks it, else English.
func (con *Console) language(c *fiber.Ctx, channel string) lang {
	for _, tag := range acceptLanguages(c.Get(fiber.HeaderAcceptLanguage)) {
		if l, ok := langs[tag]; ok {
			return l
		}
	}
	if channel != "" && con.cfg.Language != nil {
		if l, ok := langs[baseTag(con.cfg.Language(channel))]; ok {
			return l
		}
	}
	return langs["en"]
}

// acceptLanguages returns the primary language tags of an
// Accept-Language header, by preference (its q values), refusals left
// out.
func acceptLanguages(header string) []string {
	type pref struct {
		tag string
		q   float64
	}
	var prefs []pref
	for part := range strings.SplitSeq(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || math.IsNaN(f) {
				continue
			}
			q = f
		}
		if tag = baseTag(tag); tag != "" && q > 0 && len(prefs) < 16 {
			prefs = append(prefs, pref{tag, q})
		}
	}
	// A stable insertion sort: a header holds few tags.
	for i := 1; i < len(prefs); i++ {
		for j := i; j > 0 && prefs[j].q > prefs[j-1].q; j-- {
			prefs[j], prefs[j-1] = prefs[j-1], prefs[j]
		}
	}
	out := make([]string, len(prefs))
	for i, p := range prefs {
		out[i] = p.tag
	}
	return out
}

// baseTag returns a language tag's primary subtag in lower case: "fr" for
// "fr-CA".
func baseTag(tag string) string {
	tag, _, _ = strings.Cut(strings.TrimSpace(tag), "-")
	return strings.ToLower(tag)
}
