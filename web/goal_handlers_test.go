package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/engine"
	"github.com/hearthlive/hearth/store/sqlite"
	"github.com/hearthlive/hearth/web"
)

// serveSettings runs the application with a real engine serving "arena"
// over a real SQLite store, and returns its base URL and the store.
func serveSettings(t *testing.T) (string, hearth.Store) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "settings.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	eng := engine.New(db, engine.Options{})
	if err := eng.Start(ctx, []string{"arena"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close(context.Background()) })
	return serve(t, web.Config{Store: db, AdminToken: "s3cret", Engine: eng, OverlaySettings: eng}), db
}

// send makes an authorised request with a body of contentType.
func send(t *testing.T, method, url, contentType, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer s3cret")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func TestGoalRoutes(t *testing.T) {
	t.Parallel()
	base, db := serveSettings(t)
	goals := base + "/api/v1/channels/arena/goals"

	code, body := send(t, "PUT", goals+"/follows", "application/json", `{"title":"Road to 100","kind":"followers","target":100,"per_stream":true}`)
	if code != http.StatusOK {
		t.Fatalf("PUT a goal: %d %s", code, body)
	}
	var g hearth.Goal
	if err := json.Unmarshal([]byte(body), &g); err != nil || g.ID != "follows" || g.Target != 100 || !g.PerStream || g.Channel != "arena" {
		t.Fatalf("PUT answered %+v, %v", g, err)
	}
	if strings.Contains(body, "version") {
		t.Errorf("the answer shows the internal version: %s", body)
	}
	if code, body := send(t, "PUT", goals+"/bits", "application/json", `{"title":"Bits","kind":"bits","target":5000}`); code != http.StatusOK {
		t.Fatalf("PUT a second goal: %d %s", code, body)
	}
	code, body = send(t, "GET", goals, "", "")
	var list []hearth.Goal
	if err := json.Unmarshal([]byte(body), &list); err != nil || code != http.StatusOK || len(list) != 2 || list[0].ID != "bits" {
		t.Fatalf("GET goals: %d %s", code, body)
	}
	if code, body := send(t, "GET", goals+"/follows", "", ""); code != http.StatusOK || !strings.Contains(body, `"Road to 100"`) {
		t.Errorf("GET one goal: %d %s", code, body)
	}
	stored, err := db.Goals(context.Background(), "arena")
	if err != nil || len(stored) != 2 {
		t.Errorf("stored goals: %+v, %v", stored, err)
	}
	if code, body := send(t, "DELETE", goals+"/follows", "", ""); code != http.StatusNoContent {
		t.Errorf("DELETE: %d %s", code, body)
	}
	for _, tt := range []struct {
		name, method, url, body string
		want                    int
	}{
		{"DeletedGoal", "GET", goals + "/follows", "", http.StatusNotFound},
		{"DeleteTwice", "DELETE", goals + "/follows", "", http.StatusNotFound},
		{"NotJSON", "PUT", goals + "/g", "title=x", http.StatusBadRequest},
		{"Array", "PUT", goals + "/g", `[1]`, http.StatusBadRequest},
		{"UnknownField", "PUT", goals + "/g", `{"title":"t","kind":"bits","target":1,"colour":"red"}`, http.StatusBadRequest},
		{"WrongType", "PUT", goals + "/g", `{"title":"t","kind":"bits","target":"1"}`, http.StatusBadRequest},
		{"NoTitle", "PUT", goals + "/g", `{"kind":"bits","target":1}`, http.StatusBadRequest},
		{"UnknownKind", "PUT", goals + "/g", `{"title":"t","kind":"hugs","target":1}`, http.StatusBadRequest},
		{"NegativeTarget", "PUT", goals + "/g", `{"title":"t","kind":"bits","target":-5}`, http.StatusBadRequest},
		{"HugeTarget", "PUT", goals + "/g", `{"title":"t","kind":"bits","target":1e300}`, http.StatusBadRequest},
		{"LongTitle", "PUT", goals + "/g", `{"title":"` + strings.Repeat("x", 81) + `","kind":"bits","target":1}`, http.StatusBadRequest},
		{"BadID", "PUT", goals + "/Bad%20Id", `{"title":"t","kind":"bits","target":1}`, http.StatusBadRequest},
		{"TwoValues", "PUT", goals + "/g", `{"title":"t","kind":"bits","target":1} {}`, http.StatusBadRequest},
		{"NotServed", "PUT", base + "/api/v1/channels/elsewhere/goals/g", `{"title":"t","kind":"bits","target":1}`, http.StatusNotFound},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, body := send(t, tt.method, tt.url, "application/json", tt.body)
			if code != tt.want {
				t.Fatalf("%s %s: %d %s; want %d", tt.method, tt.url, code, body, tt.want)
			}
			if code != http.StatusNoContent {
				var e struct{ Error string }
				if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error == "" {
					t.Errorf("body %q is not {\"error\": ...}", body)
				}
			}
		})
	}
	if code, _ := send(t, "GET", goals, "", ""); code != http.StatusOK {
		t.Fatal(code)
	}
	if stored, _ := db.Goals(context.Background(), "arena"); len(stored) != 1 || stored[0].ID != "bits" {
		t.Errorf("refused requests changed the stored goals: %+v", stored)
	}
}

func TestOverlayCSSRoutes(t *testing.T) {
	t.Parallel()
	base, db := serveSettings(t)
	css := base + "/api/v1/channels/arena/overlays/css"
	const sheet = ":root { --accent: #ff00aa; }\n.line { border-radius: 0; }\n"
	if code, body := send(t, "PUT", css, "text/css; charset=utf-8", sheet); code != http.StatusNoContent {
		t.Fatalf("PUT the stylesheet: %d %s", code, body)
	}
	if code, body := send(t, "GET", css, "", ""); code != http.StatusOK || body != sheet {
		t.Errorf("GET the stylesheet: %d %q", code, body)
	}
	for name, bad := range map[string]string{
		"Import":        `@import "https://evil.example/x.css";`,
		"ForeignURL":    `body { background: url(https://evil.example/track.png); }`,
		"EscapedURL":    `body { background: \75 rl(//evil.example/t.png); }`,
		"Expression":    `body { width: expression(alert(1)); }`,
		"JavaScript":    `a { background: url("javascript:alert(1)"); }`,
		"CloseStyle":    `</style><script>alert(1)</script>`,
		"TooLarge":      strings.Repeat("a{}", hearth.MaxOverlayCSS/3+1),
		"ControlBytes":  "a{}\x00",
		"Binding":       `a { -moz-binding: url(#x); }`,
		"CommentSplit":  `a { background: u/**/rl(https://evil.example/x.png); }`,
		"ImageSetQuote": `a { background: image-set("https://evil.example/x.png" 1x); }`,
	} {
		t.Run(name, func(t *testing.T) {
			code, body := send(t, "PUT", css, "text/css", bad)
			if code != http.StatusBadRequest || !strings.Contains(body, `"error"`) {
				t.Errorf("PUT %.60q: %d %s; want 400 with an error", bad, code, body)
			}
		})
	}
	if code, body := send(t, "PUT", css, "application/json", `{"css":"a{}"}`); code != http.StatusBadRequest {
		t.Errorf("PUT as JSON: %d %s; want 400", code, body)
	}
	if got, _ := db.OverlayCSS(context.Background(), "arena"); got != sheet {
		t.Errorf("refused stylesheets replaced the stored one: %q", got)
	}
	if code, _ := send(t, "PUT", css, "text/css", ""); code != http.StatusNoContent {
		t.Errorf("removing the stylesheet: %d", code)
	}
	if got, _ := db.OverlayCSS(context.Background(), "arena"); got != "" {
		t.Errorf("after removing it the store holds %q", got)
	}
}
