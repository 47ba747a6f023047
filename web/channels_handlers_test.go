package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearthlive/hearth/engine"
	"github.com/hearthlive/hearth/store/sqlite"
	"github.com/hearthlive/hearth/web"
)

// serveChannels runs the application over a real engine on a real SQLite
// store that serves "arena", and returns the API's channels URL and the
// engine.
func serveChannels(t *testing.T) (string, *engine.Engine) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "channels.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	eng := engine.New(db, engine.Options{})
	if err := eng.Start(ctx, []string{"arena"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = eng.Close(context.Background()) })
	base := serve(t, web.Config{Store: db, AdminToken: "s3cret", Engine: eng, Channels: eng})
	return base + "/api/v1/channels", eng
}

// apiSend makes an authorised request with a body and returns the status
// and the body of the answer.
func apiSend(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer s3cret")
	req.Header.Set("Content-Type", "application/json")
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

type listedChannel struct {
	Name         string            `json:"name"`
	OverlayToken string            `json:"overlay_token"`
	Served       bool              `json:"served"`
	RemovedAt    *string           `json:"removed_at"`
	Overlays     map[string]string `json:"overlays"`
}

func listChannels(t *testing.T, base string) map[string]listedChannel {
	t.Helper()
	status, body := apiSend(t, "GET", base, "")
	var chs []listedChannel
	if status != http.StatusOK || json.Unmarshal([]byte(body), &chs) != nil {
		t.Fatalf("GET channels: %d %s", status, body)
	}
	out := map[string]listedChannel{}
	for _, c := range chs {
		out[c.Name] = c
	}
	return out
}

func TestAPIAddAndRemoveChannels(t *testing.T) {
	base, eng := serveChannels(t)

	status, body := apiSend(t, "POST", base, `{"name":"#NewOne"}`)
	var added listedChannel
	if status != http.StatusCreated || json.Unmarshal([]byte(body), &added) != nil {
		t.Fatalf("POST channels: %d %s, want 201 with the channel", status, body)
	}
	if added.Name != "newone" || !added.Served || len(added.OverlayToken) < 32 || added.RemovedAt != nil {
		t.Errorf("added channel = %+v", added)
	}
	if !eng.Serves("newone") {
		t.Error("the engine does not serve the added channel")
	}
	for _, tt := range []struct {
		name, body string
		status     int
		says       string
	}{
		{"Twice", `{"name":"newone"}`, http.StatusConflict, "already served"},
		{"BadLogin", `{"name":"not a login"}`, http.StatusBadRequest, "name:"},
		{"Empty", `{"name":""}`, http.StatusBadRequest, "name:"},
		{"UnknownField", `{"name":"x","token":"y"}`, http.StatusBadRequest, "token: no such field"},
		{"WrongCase", `{"Name":"x"}`, http.StatusBadRequest, "names are exact"},
		{"NotJSON", `name=x`, http.StatusBadRequest, "not a JSON object"},
		{"HTML", `{"name":"<script>alert(1)</script>"}`, http.StatusBadRequest, "is not a Twitch login"},
	} {
		t.Run("Add"+tt.name, func(t *testing.T) {
			status, body := apiSend(t, "POST", base, tt.body)
			if status != tt.status || !strings.Contains(body, tt.says) || !strings.HasPrefix(body, `{"error":`) {
				t.Errorf("%d %s, want %d with an error saying %q", status, body, tt.status, tt.says)
			}
			if strings.Contains(body, "<script>") {
				t.Errorf("the error echoes markup: %s", body)
			}
		})
	}

	chs := listChannels(t, base)
	if len(chs) != 2 || !chs["arena"].Served || !chs["newone"].Served {
		t.Errorf("listed channels = %+v, want arena and newone served", chs)
	}

	if status, body := apiSend(t, "DELETE", base+"/newone", ""); status != http.StatusOK || !strings.Contains(body, `"forgotten":false`) {
		t.Errorf("DELETE newone: %d %s", status, body)
	}
	chs = listChannels(t, base)
	if c := chs["newone"]; c.Served || c.RemovedAt == nil || c.Overlays != nil {
		t.Errorf("after removal newone is listed as %+v, want not served, with removed_at and no overlay URLs", c)
	}
	if eng.Serves("newone") {
		t.Error("the engine still serves the removed channel")
	}
	if status, body := apiSend(t, "GET", base+"/newone/settings", ""); status != http.StatusNotFound {
		t.Errorf("settings of a removed channel: %d %s, want 404", status, body)
	}

	for _, tt := range []struct {
		path   string
		status int
	}{
		{"/nosuch", http.StatusNotFound},
		{"/nosuch?forget=true", http.StatusNotFound},
		{"/newone?forget=maybe", http.StatusBadRequest},
		{"/bad%20name", http.StatusBadRequest},
	} {
		if status, body := apiSend(t, "DELETE", base+tt.path, ""); status != tt.status || !strings.HasPrefix(body, `{"error":`) {
			t.Errorf("DELETE %s: %d %s, want %d", tt.path, status, body, tt.status)
		}
	}

	if status, body := apiSend(t, "DELETE", base+"/newone?forget=true", ""); status != http.StatusOK || !strings.Contains(body, `"forgotten":true`) {
		t.Errorf("DELETE newone?forget=true: %d %s", status, body)
	}
	if _, ok := listChannels(t, base)["newone"]; ok {
		t.Error("a forgotten channel is still listed")
	}

	// Added back after being forgotten, it starts afresh.
	if status, body := apiSend(t, "POST", base, `{"name":"newone"}`); status != http.StatusCreated || strings.Contains(body, added.OverlayToken) {
		t.Errorf("POST after forgetting: %d %s, want 201 with a new token", status, body)
	}
}

func TestAPIChannelSettings(t *testing.T) {
	base, eng := serveChannels(t)
	url := base + "/arena/settings"

	status, body := apiSend(t, "GET", url, "")
	if status != http.StatusOK || !strings.Contains(body, `"per_message":10`) || !strings.Contains(body, `"message_cooldown":"30s"`) {
		t.Fatalf("GET settings: %d %s", status, body)
	}
	status, body = apiSend(t, "PUT", url, `{"points":{"per_message":25,"message_cooldown":"1m"},"language":"de"}`)
	if status != http.StatusOK || !strings.Contains(body, `"per_message":25`) || !strings.Contains(body, `"message_cooldown":"1m0s"`) ||
		!strings.Contains(body, `"language":"de"`) || !strings.Contains(body, `"prefix":"!"`) {
		t.Fatalf("PUT settings: %d %s, want the new values and the others kept", status, body)
	}
	if r, err := eng.Rules("arena"); err != nil || r.PointsPerMessage != 25 || r.Language != "de" {
		t.Errorf("the engine's rules after PUT: %+v, %v", r, err)
	}
	if _, again := apiSend(t, "GET", url, ""); again != body {
		t.Errorf("GET after PUT = %s, PUT answered %s", again, body)
	}

	for _, tt := range []struct {
		name, body string
		says       string
	}{
		{"OutOfRange", `{"points":{"per_message":-1}}`, "points.per_message must be between 0 and"},
		{"Ladder", `{"ranks":{"ladder":[{"name":"A","min":5}]}}`, "ranks.ladder must start with a rank whose minimum is 0"},
		{"UnknownField", `{"points":{"per_messages":3}}`, "points.per_messages: no such setting"},
		{"UnknownGroup", `{"colour":"red"}`, "colour: no such setting"},
		{"WrongCase", `{"Points":{}}`, "names are exact"},
		{"Twice", `{"language":"de","language":"fr"}`, "language: given twice"},
		{"BadDuration", `{"polls":{"duration":"soon"}}`, "polls.duration:"},
		{"NumberDuration", `{"polls":{"duration":30}}`, "polls.duration:"},
		{"WrongType", `{"points":{"per_message":"ten"}}`, "points.per_message: must be int64"},
		{"NotObject", `[]`, "must be a JSON object"},
		{"TwoValues", `{}{}`, "more than one JSON value"},
		{"Language", `{"language":"<b>xx</b>"}`, "language must be one of"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, body := apiSend(t, "PUT", url, tt.body)
			if status != http.StatusBadRequest || !strings.Contains(body, tt.says) {
				t.Errorf("%d %s, want 400 saying %q", status, body, tt.says)
			}
		})
	}
	if r, _ := eng.Rules("arena"); r.PointsPerMessage != 25 || r.Language != "de" {
		t.Errorf("refused settings changed the rules: %d points a message, language %s", r.PointsPerMessage, r.Language)
	}
	if status, _ := apiSend(t, "PUT", base+"/nosuch/settings", `{}`); status != http.StatusNotFound {
		t.Errorf("PUT settings of an unknown channel: %d, want 404", status)
	}
	if status, _ := apiSend(t, "GET", base+"/nosuch/settings", ""); status != http.StatusNotFound {
		t.Errorf("GET settings of an unknown channel: %d, want 404", status)
	}
}

// TestAPIChannelRoutesWithoutChannels: an application not given Channels
// still lists channels, and answers the routes that change them 404.
func TestAPIChannelRoutesWithoutChannels(t *testing.T) {
	base := serveAPI(t) + "/api/v1/channels"
	chs := listChannels(t, base)
	if len(chs) != 2 || !chs["arena"].Served || chs["elsewhere"].Served {
		t.Errorf("channels = %+v, want arena served and elsewhere not", chs)
	}
	if status, _ := apiSend(t, "POST", base, `{"name":"x"}`); status != http.StatusNotFound {
		t.Errorf("POST without Channels: %d, want 404", status)
	}
	if status, _ := apiSend(t, "GET", base+"/arena/settings", ""); status != http.StatusNotFound {
		t.Errorf("GET settings without Channels: %d, want 404", status)
	}
}
