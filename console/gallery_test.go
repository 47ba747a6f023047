package console_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/access"
	"github.com/hearthlive/hearth/console"
	"github.com/hearthlive/hearth/engine"
	"github.com/hearthlive/hearth/overlays"
	"github.com/hearthlive/hearth/store/sqlite"
	"github.com/hearthlive/hearth/web"
)

// galleryAs GETs the arena's overlays page as who, signed in, and
// returns it.
func galleryAs(t *testing.T, s *site, who string) string {
	t.Helper()
	status, _, body := s.get(t, who, "/channels/arena/overlays")
	if status != http.StatusOK {
		t.Fatalf("the overlays page as %s: %d\n%s", who, status, body)
	}
	return body
}

// TestGalleryRendersTheCatalog: the page has a card for every kind of the
// catalog, with its default size, a preview, each of its own parameters
// and its URL to copy; and the theme editor holds the theme's.
func TestGalleryRendersTheCatalog(t *testing.T) {
	s := newSite(t, console.Config{})
	page := galleryAs(t, s, "arena")
	cat := overlays.Catalog()
	if len(cat) != 8 {
		t.Fatalf("the catalog has %d kinds, want 8", len(cat))
	}
	theme := galleryWithin(page, `data-theme-editor>`, `</section>`)
	for _, k := range cat {
		card := galleryWithin(page, fmt.Sprintf(`data-overlay="%s"`, k.Kind), `</article>`)
		if card == "" {
			t.Errorf("no card for %s", k.Kind)
			continue
		}
		for _, want := range []string{
			fmt.Sprintf(`data-width="%d" data-height="%d"`, k.Width, k.Height),
			fmt.Sprintf(`%d×%d`, k.Width, k.Height),
			`<iframe class="preview" src="` + s.base + `/overlays/` + k.Kind + `?channel=arena&amp;token=`,
			`data-copy-url`,
		} {
			if !strings.Contains(card, want) {
				t.Errorf("the %s card lacks %q", k.Kind, want)
			}
		}
		for _, p := range k.Params {
			in := card
			switch p.Name {
			case "preview":
				continue
			case "theme", "color", "muted", "accent", "bg", "edge", "font", "size", "radius", "gap":
				in = theme
			}
			if !strings.Contains(in, `data-param="`+p.Name+`" data-type="`+p.Type+`"`) {
				t.Errorf("no %s input for %s's parameter %s", p.Type, k.Kind, p.Name)
			}
		}
	}
	if !strings.Contains(page, `data-param="hold" data-type="int" data-min="500" data-max="30000"`) {
		t.Error("the alerts' hold is not bounded as the overlay bounds it")
	}
	if !strings.Contains(page, `data-test="follow"`) || !strings.Contains(page, `data-test="credits"`) {
		t.Error("the broadcaster has no test-event buttons")
	}
}

// TestGalleryHostileGoalsAndStylesheet: a goal title and a stylesheet
// holding markup show as text.
func TestGalleryHostileGoalsAndStylesheet(t *testing.T) {
	s := newSite(t, console.Config{})
	ctx := context.Background()
	if _, err := s.engine.SetGoal(ctx, "arena", "subs", hearth.GoalRequest{Title: hostile, Kind: hearth.GoalSubs, Target: 10}); err != nil {
		t.Fatal(err)
	}
	css := "/* </textarea><img src=x onerror=alert(2)> */\n:root { --accent: gold; }\n"
	if err := s.engine.SetOverlayCSS(ctx, "arena", css); err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{"arena", "arenamod"} {
		page := galleryAs(t, s, who)
		if strings.Contains(page, "<img") {
			t.Errorf("as %s, markup from a goal or the stylesheet became an element:\n%s", who, page)
		}
		if !strings.Contains(page, "&lt;img src=x onerror=alert(1)&gt;") {
			t.Errorf("as %s, the goal's title is not shown as text", who)
		}
		if !strings.Contains(page, "&lt;/textarea&gt;&lt;img src=x onerror=alert(2)&gt;") {
			t.Errorf("as %s, the stylesheet is not shown as text", who)
		}
	}
}

// TestGalleryByRole: a moderator without the settings grant sees the
// previews, the parameters and the stylesheet read-only, but no editor,
// no goal form and no test event; the broadcaster sees them all.
func TestGalleryByRole(t *testing.T) {
	s := newSite(t, console.Config{})
	if _, err := s.engine.SetGoal(context.Background(), "arena", "bits", hearth.GoalRequest{Title: "Bits", Kind: hearth.GoalBits, Target: 500}); err != nil {
		t.Fatal(err)
	}
	editor := []string{`data-css="/api/v1/channels/arena/overlays/css"`, `data-goal-form`, `data-test=`,
		`data-api="/api/v1/channels/arena/goals/bits" data-method="DELETE"`, `class="edit-goal"`}
	owner := galleryAs(t, s, "arena")
	for _, want := range editor {
		if !strings.Contains(owner, want) {
			t.Errorf("the broadcaster's page lacks %s", want)
		}
	}
	mod := galleryAs(t, s, "arenamod")
	for _, not := range editor {
		if strings.Contains(mod, not) {
			t.Errorf("a moderator without the settings grant sees %s", not)
		}
	}
	for _, want := range []string{`<textarea id="css-text" rows="10" readonly>`, `data-overlay="goal"`, `data-param="hold"`, `data-theme-editor`} {
		if !strings.Contains(mod, want) {
			t.Errorf("the moderator's page lacks %s", want)
		}
	}
}

// gallerySite is Hearth's HTTP side over a real engine, store, overlay hub,
// sign-in and API, serving "arena", for the browser tests that change
// things through the API as the page does.
type gallerySite struct {
	base   string
	engine *engine.Engine
}

// galleryAdminToken signs the operator in to a gallery site.
const galleryAdminToken = "gallery-admin-token"

func newGallerySite(t *testing.T) *gallerySite {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "gallery.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.EnsureChannel(ctx, "arena"); err != nil {
		t.Fatal(err)
	}
	f := &gallerySite{}
	hub := overlays.NewHub(storedTokens{db}, overlays.Options{Styles: galleryStyles{f}, Events: db})
	hubCtx, stopHub := context.WithCancel(context.Background())
	go func() { _ = hub.Run(hubCtx) }()
	t.Cleanup(stopHub)
	f.engine = engine.New(db, engine.Options{Broadcaster: hub, Events: hub})
	if err := f.engine.Start(ctx, []string{"arena"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.engine.Close(context.Background()) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.base = "http://" + ln.Addr().String()
	auth, err := access.New(access.Config{AdminToken: galleryAdminToken, PublicURL: f.base, Store: db, Served: f.engine, ChatModerators: f.engine})
	if err != nil {
		t.Fatal(err)
	}
	con, err := console.New(console.Config{
		SignedIn: auth.Pages(),
		Identify: func(c *fiber.Ctx) console.Identity {
			if id := access.From(c); id != nil {
				return id
			}
			return nil
		},
		Engine: f.engine, Store: db, Audit: db, Overlays: hub,
	})
	if err != nil {
		t.Fatal(err)
	}
	app := web.New(web.Config{
		Store: db, Engine: f.engine, Polls: f.engine, Segments: f.engine, Channels: f.engine,
		OverlayTokens: f.engine, OverlaySettings: f.engine, OverlayEvents: f.engine,
		Console: con, AdminToken: galleryAdminToken, Access: auth, Grants: db, Audit: db, Overlays: hub,
	})
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() {
		con.Close()
		_ = app.Shutdown()
	})
	return f
}

// galleryStyles answers the hub's look-ups of custom stylesheets from the
// engine, made after the hub.
type galleryStyles struct{ f *gallerySite }

func (s galleryStyles) OverlayCSS(ctx context.Context, channel string) (string, error) {
	return s.f.engine.OverlayCSS(ctx, channel)
}

// galleryWithin returns what s holds between the first before and the after
// that follows it; "" when before is not in s.
func galleryWithin(s, before, after string) string {
	_, rest, ok := strings.Cut(s, before)
	if !ok {
		return ""
	}
	out, _, _ := strings.Cut(rest, after)
	return out
}
