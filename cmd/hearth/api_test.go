package main

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearthlive/hearth/export"
)

// TestAdminAPIAndMaintenance drives the REST API of a running hearth, backs
// its database up while it runs, forgets a viewer through the API, and
// checks what the store holds afterwards.
func TestAdminAPIAndMaintenance(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := "sqlite://" + filepath.Join(dir, "api.db")
	a := startArena(t, db, map[string]string{"HEARTH_ADMIN_TOKEN": "s3cret"})
	base := a.proc.baseURL(t)
	for _, who := range []string{"ann", "bob", "mia"} {
		a.say(who, "hi there")
	}
	a.say("ann", "Kappa")
	waitMetric(t, base, `hearth_chat_messages_total{channel="arena"}`, 4)
	waitMetric(t, base, `hearth_store_flushed_changes_total`, 3)

	api := base + "/api/v1/channels"
	tests := []struct {
		name, method, path, token string
		status                    int
		check                     func(t *testing.T, body []byte)
	}{
		{"NoToken", "GET", "", "", 401, wantError("admin token")},
		{"WrongToken", "GET", "", "nope", 401, wantError("admin token")},
		{"Channels", "GET", "", "s3cret", 200, func(t *testing.T, b []byte) {
			var chs []struct {
				Name         string            `json:"name"`
				OverlayToken string            `json:"overlay_token"`
				Overlays     map[string]string `json:"overlays"`
			}
			if json.Unmarshal(b, &chs) != nil || len(chs) != 1 || chs[0].Name != "arena" || len(chs[0].OverlayToken) < 32 {
				t.Fatalf("%s", b)
			}
			for _, kind := range []string{"leaderboard", "alerts", "poll"} {
				u := chs[0].Overlays[kind]
				if !strings.HasPrefix(u, base+"/overlays/"+kind+"?") || !strings.Contains(u, "token="+chs[0].OverlayToken) {
					t.Fatalf("overlay %s URL %q in %s", kind, u, b)
				}
				if code, page := call(t, http.MethodGet, u, ""); code != http.StatusOK || !strings.Contains(string(page), "<html") {
					t.Fatalf("the listed %s URL answers %d", kind, code)
				}
			}
		}},
		{"ViewersJSON", "GET", "/arena/viewers", "s3cret", 200, func(t *testing.T, b []byte) {
			var recs []export.Record
			if err := json.Unmarshal(b, &recs); err != nil || len(recs) != 3 {
				t.Fatalf("%v %s", err, b)
			}
		}},
		{"ViewersCSV", "GET", "/arena/viewers?format=csv", "s3cret", 200, func(t *testing.T, b []byte) {
			rows, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
			if err != nil || len(rows) != 4 || rows[0][0] != "user_id" {
				t.Fatalf("%v %q", err, rows)
			}
		}},
		{"ViewersBadFormat", "GET", "/arena/viewers?format=xml", "s3cret", 400, wantError("json or csv")},
		{"OneViewer", "GET", "/arena/viewers/ann", "s3cret", 200, func(t *testing.T, b []byte) {
			var r export.Record
			if json.Unmarshal(b, &r) != nil || r.Login != "ann" || r.Messages != 2 || r.Points != 60 || r.Rank != "Newcomer" || r.Streak != 1 {
				t.Fatalf("%s", b)
			}
		}},
		{"UnknownViewer", "GET", "/arena/viewers/ghost", "s3cret", 404, wantError("")},
		{"EncodedChannelAnyCaseLogin", "GET", "/%23Arena/viewers/ANN", "s3cret", 200, func(t *testing.T, b []byte) {
			var r export.Record
			if json.Unmarshal(b, &r) != nil || r.Login != "ann" || r.Position != 1 {
				t.Fatalf("%s", b)
			}
		}},
		{"UnservedChannelViewers", "GET", "/elsewhere/viewers", "s3cret", 404, wantError("not served")},
		{"UnservedChannelLeaderboard", "GET", "/elsewhere/leaderboard", "s3cret", 404, wantError("not served")},
		{"BadChannel", "GET", "/Not%20A%20Channel/viewers", "s3cret", 400, wantError("not a Twitch channel name")},
		{"Leaderboard", "GET", "/arena/leaderboard?n=2", "s3cret", 200, func(t *testing.T, b []byte) {
			var lb struct{ Entries []struct{ Login string } }
			if json.Unmarshal(b, &lb) != nil || len(lb.Entries) != 2 || lb.Entries[0].Login != "ann" {
				t.Fatalf("%s", b)
			}
		}},
		{"LeaderboardBadN", "GET", "/arena/leaderboard?n=1000", "s3cret", 400, wantError("from 1 to 100")},
		{"UnknownRoute", "GET", "/arena/nothing", "s3cret", 404, wantError("no such API route")},
		{"Forget", "DELETE", "/arena/viewers/bob", "s3cret", 200, func(t *testing.T, b []byte) {
			if !strings.Contains(string(b), `"login":"bob"`) {
				t.Fatalf("%s", b)
			}
		}},
		{"ForgottenIsGone", "GET", "/arena/viewers/bob", "s3cret", 404, wantError("")},
		{"ForgetTwice", "DELETE", "/arena/viewers/bob", "s3cret", 404, wantError("no viewer bob")},
		{"ForgetUnservedChannel", "DELETE", "/elsewhere/viewers/bob", "s3cret", 404, wantError("not served")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := call(t, tt.method, api+tt.path, tt.token)
			if status != tt.status {
				t.Fatalf("%s %s answered %d, want %d: %s", tt.method, tt.path, status, tt.status, body)
			}
			tt.check(t, body)
		})
	}

	// A backup taken while hearth runs holds the channel as it is now.
	backup := filepath.Join(dir, "backup.db")
	if out := runHearth(t, nil, "backup", "--db", db, backup); !strings.Contains(out, "backed up") {
		t.Fatalf("backup said %q", out)
	}
	checkIntegrity(t, backup)
	// bob stays forgotten after more chat from others and a restart.
	a.say("ann", "still here")
	a.proc.stop(t)
	recs := a.export(t)
	if _, ok := recs["bob"]; ok || len(recs) != 2 {
		t.Fatalf("after forgetting bob the store holds %v", recs)
	}
	saved := runHearth(t, nil, "export", "--db", "sqlite://"+backup, "--channel", "arena")
	if strings.Contains(saved, `"bob"`) || !strings.Contains(saved, `"ann"`) {
		t.Fatalf("the backup holds %s", saved)
	}

	// The forget command works on a stopped hearth's database.
	if out := runHearth(t, nil, "forget", "--db", db, "--channel", "arena", "--user", "ANN"); !strings.Contains(out, "forgot ann") {
		t.Fatalf("forget said %q", out)
	}
	if recs := a.export(t); len(recs) != 1 || recs["mia"].Login != "mia" {
		t.Fatalf("after forget the store holds %v", recs)
	}
}

// wantError checks an API error body: JSON {"error": "..."} containing sub.
func wantError(sub string) func(t *testing.T, body []byte) {
	return func(t *testing.T, body []byte) {
		t.Helper()
		var e struct{ Error string }
		if err := json.Unmarshal(body, &e); err != nil || e.Error == "" || !strings.Contains(e.Error, sub) {
			t.Fatalf("error body %s, want a JSON error mentioning %q", body, sub)
		}
	}
}
