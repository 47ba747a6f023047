package twitchtest_test

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/hearthlive/hearth/stream/twitchtest"
)

// helixGet makes a Helix request to the fake as a client would, and
// returns the status, the headers and the decoded body.
func helixGet(t *testing.T, api *twitchtest.API, path, clientID, token string) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, api.HelixURL()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if clientID != "" {
		req.Header.Set("Client-Id", clientID)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
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
	var body map[string]any
	if err := json.Unmarshal(b, &body); err != nil {
		t.Fatalf("GET %s: %d, not JSON: %s", path, resp.StatusCode, b)
	}
	return resp.StatusCode, resp.Header, body
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestFakeHelixShapes: the fake answers with Twitch's documented fields,
// its error body, and its rate-limit headers.
func TestFakeHelixShapes(t *testing.T) {
	api, err := twitchtest.NewAPI(twitchtest.APIOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer api.Close()
	tok := api.IssueToken("hearthbot", []string{"moderator:read:chatters"}, time.Hour)
	api.SetModerator("alpha", "hearthbot", true)
	api.SetLive("alpha", 42)
	var list []twitchtest.Chatter
	for i := range 5 {
		l := "viewer" + strconv.Itoa(i)
		list = append(list, twitchtest.Chatter{ID: twitchtest.UserID(l), Login: l})
	}
	api.SetChatters("alpha", list)

	t.Run("Errors", func(t *testing.T) {
		for _, c := range []struct{ clientID, token, message string }{
			{"", tok.Access, "Client ID is missing"},
			{api.ClientID(), "", "OAuth token is missing"},
			{api.ClientID(), "nope", "Invalid OAuth token"},
			{"otherclient", tok.Access, "Client ID and OAuth token do not match"},
		} {
			code, _, body := helixGet(t, api, "/users?login=alpha", c.clientID, c.token)
			if code != 401 || body["error"] != "Unauthorized" || body["status"] != 401.0 || body["message"] != c.message {
				t.Errorf("%d %v, want 401 with %q", code, body, c.message)
			}
		}
	})
	t.Run("Users", func(t *testing.T) {
		code, hdr, body := helixGet(t, api, "/users?login=alpha", api.ClientID(), tok.Access)
		data, _ := body["data"].([]any)
		if code != 200 || len(data) != 1 {
			t.Fatalf("%d %v", code, body)
		}
		want := []string{"broadcaster_type", "created_at", "description", "display_name", "id", "login", "offline_image_url", "profile_image_url", "type", "view_count"}
		if got := keys(data[0].(map[string]any)); !slices.Equal(got, want) {
			t.Errorf("user fields %v, want %v", got, want)
		}
		if hdr.Get("Ratelimit-Limit") != "800" || hdr.Get("Ratelimit-Remaining") == "" || hdr.Get("Ratelimit-Reset") == "" {
			t.Errorf("rate-limit headers %v", hdr)
		}
	})
	t.Run("Streams", func(t *testing.T) {
		code, _, body := helixGet(t, api, "/streams?user_login=alpha&user_login=beta", api.ClientID(), tok.Access)
		data, _ := body["data"].([]any)
		if code != 200 || len(data) != 1 {
			t.Fatalf("%d %v", code, body)
		}
		s := data[0].(map[string]any)
		want := []string{"game_id", "game_name", "id", "is_mature", "language", "started_at", "tag_ids", "tags", "thumbnail_url", "title", "type", "user_id", "user_login", "user_name", "viewer_count"}
		if got := keys(s); !slices.Equal(got, want) {
			t.Errorf("stream fields %v, want %v", got, want)
		}
		if s["viewer_count"] != 42.0 || s["type"] != "live" || s["user_id"] != twitchtest.UserID("alpha") {
			t.Errorf("stream %v", s)
		}
	})
	t.Run("ChattersPaginated", func(t *testing.T) {
		q := "/chat/chatters?broadcaster_id=" + twitchtest.UserID("alpha") + "&moderator_id=" + tok.UserID + "&first=2"
		var logins []string
		after := ""
		for page := 0; page < 5; page++ {
			code, _, body := helixGet(t, api, q+after, api.ClientID(), tok.Access)
			if code != 200 || body["total"] != 5.0 {
				t.Fatalf("%d %v", code, body)
			}
			for _, c := range body["data"].([]any) {
				logins = append(logins, c.(map[string]any)["user_login"].(string))
			}
			cursor, _ := body["pagination"].(map[string]any)["cursor"].(string)
			if cursor == "" {
				break
			}
			after = "&after=" + cursor
		}
		if len(logins) != 5 || logins[0] != "viewer0" || logins[4] != "viewer4" {
			t.Errorf("chatters %v", logins)
		}
	})
	t.Run("InjectedFailures", func(t *testing.T) {
		api.FailHelix(http.StatusTooManyRequests, 1)
		code, hdr, body := helixGet(t, api, "/streams?user_login=alpha", api.ClientID(), tok.Access)
		if code != 429 || body["status"] != 429.0 || hdr.Get("Ratelimit-Remaining") != "0" || hdr.Get("Ratelimit-Reset") == "" {
			t.Errorf("429: %d %v %v", code, hdr, body)
		}
		if code, _, _ := helixGet(t, api, "/streams?user_login=alpha", api.ClientID(), tok.Access); code != 200 {
			t.Errorf("after one injected failure: %d", code)
		}
		api.FailHelix(http.StatusServiceUnavailable, -1)
		for range 3 {
			if code, _, _ := helixGet(t, api, "/users?login=alpha", api.ClientID(), tok.Access); code != 503 {
				t.Errorf("during the outage: %d", code)
			}
		}
		api.HelixRecover()
		if code, _, _ := helixGet(t, api, "/users?login=alpha", api.ClientID(), tok.Access); code != 200 {
			t.Errorf("after recovery: %d", code)
		}
	})
}
