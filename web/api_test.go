package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/export"
	"github.com/hearthlive/hearth/store/sqlite"
	"github.com/hearthlive/hearth/web"
)

// serveAPI runs the application over a real SQLite store holding two
// channels, of which only "arena" is served, and returns its base URL.
// The leaderboard comes from a channel loaded from the same rows, as the
// engine's does.
func serveAPI(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "api.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	at := time.Date(2026, 11, 30, 20, 0, 0, 0, time.UTC)
	var rows []hearth.ViewerStats
	for i, v := range []struct {
		channel, login string
		points         int64
	}{
		{"arena", "ann", 500}, {"arena", "bob", 310}, {"arena", "cat", 310}, {"arena", "dan", 200},
		{"arena", "nightbot", 900}, {"arena", "arena", 800}, {"elsewhere", "ann", 70},
	} {
		rows = append(rows, hearth.ViewerStats{Channel: v.channel, UserID: fmt.Sprint(100 + i), Login: v.login, DisplayName: strings.ToUpper(v.login),
			Messages: 1, Points: v.points, LifetimePoints: v.points, FirstSeen: at, LastSeen: at})
	}
	for _, ch := range []string{"arena", "elsewhere"} {
		if _, err := db.EnsureChannel(ctx, ch); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Apply(ctx, hearth.Batch{Viewers: rows}); err != nil {
		t.Fatal(err)
	}
	eng, err := newArenaEngine(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	return serve(t, web.Config{
		Store:      db,
		AdminToken: "s3cret",
		Engine:     eng,
	})
}

// apiCall makes an authorised API request and returns the status and body.
func apiCall(t *testing.T, method, url string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer s3cret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

func TestAPIChannels(t *testing.T) {
	base := serveAPI(t) + "/api/v1/channels"

	t.Run("ListsStoredWithWhetherServed", func(t *testing.T) {
		status, body := apiCall(t, "GET", base)
		var chs []struct {
			Name   string
			Served bool
		}
		if status != 200 || json.Unmarshal(body, &chs) != nil || len(chs) != 2 ||
			chs[0].Name != "arena" || !chs[0].Served || chs[1].Name != "elsewhere" || chs[1].Served {
			t.Fatalf("%d %s, want arena served and elsewhere not", status, body)
		}
	})
	// "elsewhere" is in the store but not served: every route says so.
	for _, tt := range []struct{ method, path string }{
		{"GET", "/elsewhere/viewers"},
		{"GET", "/elsewhere/viewers?format=csv"},
		{"GET", "/elsewhere/viewers/ann"},
		{"DELETE", "/elsewhere/viewers/ann"},
		{"GET", "/elsewhere/leaderboard"},
		{"GET", "/nosuch/viewers"},
		{"GET", "/nosuch/leaderboard"},
	} {
		t.Run("NotServed "+tt.method+" "+tt.path, func(t *testing.T) {
			status, body := apiCall(t, tt.method, base+tt.path)
			if status != http.StatusNotFound || !strings.Contains(string(body), "not served") {
				t.Fatalf("%d %s, want 404 saying the channel is not served", status, body)
			}
		})
	}
}

func TestAPIPathParameters(t *testing.T) {
	base := serveAPI(t) + "/api/v1/channels"
	tests := []struct {
		name, method, path string
		status             int
		login              string // of the record answered, if any
	}{
		{"EncodedHash", "GET", "/%23arena/viewers/ann", 200, "ann"},
		{"EncodedHashUpperCase", "GET", "/%23Arena/viewers/ann", 200, "ann"},
		{"UpperCaseChannel", "GET", "/ARENA/viewers/ann", 200, "ann"},
		{"UpperCaseLogin", "GET", "/arena/viewers/ANN", 200, "ann"},
		{"EncodedAt", "GET", "/arena/viewers/%40Ann", 200, "ann"},
		{"ForgetUpperCaseLogin", "DELETE", "/arena/viewers/Ann", 200, ""},
		{"BadLogin", "GET", "/arena/viewers/no%20such", 400, ""},
		{"EncodedHashList", "GET", "/%23arena/viewers", 200, ""},
		{"EncodedHashLeaderboard", "GET", "/%23arena/leaderboard", 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := apiCall(t, tt.method, base+tt.path)
			if status != tt.status {
				t.Fatalf("%s %s answered %d %s, want %d", tt.method, tt.path, status, body, tt.status)
			}
			if tt.login != "" {
				var rec export.Record
				if err := json.Unmarshal(body, &rec); err != nil || rec.Login != tt.login {
					t.Fatalf("%v %s, want the record of %s", err, body, tt.login)
				}
			}
		})
	}
}

// TestAPIPositions checks that the leaderboard and the exports rank as the
// channel does: equal points share a position, bots and the broadcaster
// have none.
func TestAPIPositions(t *testing.T) {
	base := serveAPI(t) + "/api/v1/channels/arena"
	want := map[string]int{"ann": 1, "bob": 2, "cat": 2, "dan": 4, "nightbot": 0, "arena": 0}

	status, body := apiCall(t, "GET", base+"/leaderboard")
	var board hearth.Leaderboard
	if status != 200 || json.Unmarshal(body, &board) != nil {
		t.Fatalf("%d %s", status, body)
	}
	var got []string
	for _, e := range board.Entries {
		got = append(got, fmt.Sprintf("%d %s", e.Rank, e.Login))
	}
	if g := strings.Join(got, ", "); g != "1 ann, 2 bob, 2 cat, 4 dan" {
		t.Errorf("leaderboard %s", g)
	}

	status, body = apiCall(t, "GET", base+"/viewers")
	var recs []export.Record
	if status != 200 || json.Unmarshal(body, &recs) != nil || len(recs) != len(want) {
		t.Fatalf("%d %s", status, body)
	}
	for _, r := range recs {
		if r.Position != want[r.Login] {
			t.Errorf("export: %s at %d, want %d", r.Login, r.Position, want[r.Login])
		}
	}
	for login, pos := range want {
		status, body := apiCall(t, "GET", base+"/viewers/"+login)
		var r export.Record
		if status != 200 || json.Unmarshal(body, &r) != nil || r.Position != pos {
			t.Errorf("GET viewers/%s: %d %s, want position %d", login, status, body, pos)
		}
	}
}

// TestAPIAuthorizationScheme: the scheme of the Authorization header is
// case-insensitive (RFC 7235), so "bearer T" is as good as "Bearer T";
// anything but the admin token under the Bearer scheme is refused.
func TestAPIAuthorizationScheme(t *testing.T) {
	url := serveAPI(t) + "/api/v1/channels"
	for _, tt := range []struct {
		header string
		want   int
	}{
		{"Bearer s3cret", http.StatusOK},
		{"bearer s3cret", http.StatusOK},
		{"BEARER s3cret", http.StatusOK},
		{"bEaReR  s3cret", http.StatusOK},
		{"Bearer nope", http.StatusUnauthorized},
		{"Bearer s3cre", http.StatusUnauthorized},
		{"Bearer s3cret s3cret", http.StatusUnauthorized},
		{"Basic s3cret", http.StatusUnauthorized},
		{"Bearers3cret", http.StatusUnauthorized},
		{"s3cret", http.StatusUnauthorized},
		{"Bearer", http.StatusUnauthorized},
		{"", http.StatusUnauthorized},
	} {
		t.Run(tt.header, func(t *testing.T) {
			req, err := http.NewRequest("GET", url, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Fatalf("Authorization: %q: %d %s, want %d", tt.header, resp.StatusCode, body, tt.want)
			}
		})
	}
}

// TestAPIEmptyListsAreArrays: a list with no entries is [] in every API
// answer, never null: the polls of a channel that has none, and the
// winners, breakdown and counts of a poll still open.
func TestAPIEmptyListsAreArrays(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "lists.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.EnsureChannel(ctx, "arena"); err != nil {
		t.Fatal(err)
	}
	eng, err := newArenaEngine(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	base := serve(t, web.Config{
		Store:      db,
		AdminToken: "s3cret",
		Engine:     eng,
	}) + "/api/v1/channels/arena"

	noNull := func(t *testing.T, what string, status int, body []byte) {
		t.Helper()
		if status != http.StatusOK || strings.Contains(string(body), "null") {
			t.Fatalf("%s: %d %s, want 200 with no null", what, status, body)
		}
	}
	status, body := apiCall(t, "GET", base+"/polls")
	noNull(t, "no polls yet", status, body)
	if !strings.Contains(string(body), `"polls":[]`) {
		t.Fatalf("no polls yet: %s, want \"polls\":[]", body)
	}
	status, body = apiCall(t, "GET", base+"/streams")
	noNull(t, "no streams yet", status, body)

	at := time.Date(2026, 11, 30, 20, 0, 0, 0, time.UTC)
	open := hearth.Poll{Channel: "arena", ID: "1", Kind: hearth.PollChat, Status: hearth.PollOpen, Question: "Which map?",
		Options: []string{"Dust", "Mirage"}, StartedBy: "api", StartedAt: at, EndsAt: at.Add(time.Minute)}
	if err := db.Apply(ctx, hearth.Batch{Polls: []hearth.Poll{open}}); err != nil {
		t.Fatal(err)
	}
	status, body = apiCall(t, "GET", base+"/polls/1")
	noNull(t, "an open poll", status, body)
	if !strings.Contains(string(body), `"winners":[]`) {
		t.Fatalf("an open poll: %s, want \"winners\":[]", body)
	}
	status, body = apiCall(t, "GET", base+"/polls")
	noNull(t, "the list of polls", status, body)
}
