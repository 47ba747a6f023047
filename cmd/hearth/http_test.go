package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/internal/testenv"
	"github.com/hearthlive/hearth/stream/twitchtest"
)

// fetch makes one request, with the admin token if not empty and, if body
// is not nil, a JSON body; unlike call it reports failures instead of
// stopping the test, so that many goroutines can use it at once.
func fetch(method, url, token string, body io.Reader) (int, []byte, error) {
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		return 0, nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// call makes an API request without a body, with the admin token (if not
// empty), and returns the status and body.
func call(t *testing.T, method, url, token string) (int, []byte) {
	t.Helper()
	return callBody(t, method, url, token, nil)
}

// callBody is call with a JSON body, if body is not nil.
func callBody(t *testing.T, method, url, token string, body io.Reader) (int, []byte) {
	t.Helper()
	status, b, err := fetch(method, url, token, body)
	if err != nil {
		t.Fatal(err)
	}
	return status, b
}

// callJSON sends body encoded as JSON (an empty body for nil) and returns
// the status and body.
func callJSON(t *testing.T, method, url, token string, body any) (int, []byte) {
	t.Helper()
	rd := io.Reader(http.NoBody)
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	return callBody(t, method, url, token, rd)
}

// postRaw POSTs body as it is and returns the status and body.
func postRaw(t *testing.T, url, token, body string) (int, []byte) {
	t.Helper()
	return callBody(t, "POST", url, token, strings.NewReader(body))
}

// overlayToken asks the API for a served channel's overlay token.
func overlayToken(t *testing.T, base, admin, channel string) string {
	t.Helper()
	status, body := call(t, "GET", base+"/api/v1/channels", admin)
	var chs []struct {
		Name         string `json:"name"`
		OverlayToken string `json:"overlay_token"`
	}
	if status != http.StatusOK || json.Unmarshal(body, &chs) != nil {
		t.Fatalf("GET /api/v1/channels: %d %s", status, body)
	}
	for _, ch := range chs {
		if ch.Name == channel {
			return ch.OverlayToken
		}
	}
	t.Fatalf("channel %s not listed: %s", channel, body)
	return ""
}

// socketURL is the overlay socket of a channel's topic.
func socketURL(base, channel, token, topic string) string {
	q := url.Values{"channel": {channel}, "token": {token}, "topic": {topic}}
	return "ws" + strings.TrimPrefix(base, "http") + "/overlays/ws?" + q.Encode()
}

// overlayMessage is what the overlay socket carries.
type overlayMessage struct {
	Topic string          `json:"topic"`
	State json.RawMessage `json:"state"`
}

// readOverlay reads the next message from an overlay socket.
func readOverlay(conn *websocket.Conn) (overlayMessage, error) {
	var m overlayMessage
	if err := conn.SetReadDeadline(time.Now().Add(15 * time.Second)); err != nil {
		return m, err
	}
	_, b, err := conn.ReadMessage()
	if err != nil {
		return m, err
	}
	return m, json.Unmarshal(b, &m)
}

// openAndClose opens an overlay socket, reads the state it gets on
// connect, and closes it.
func openAndClose(base, channel, token, topic string) error {
	conn, _, err := websocket.DefaultDialer.Dial(socketURL(base, channel, token, topic), nil)
	if err != nil {
		return err
	}
	defer conn.Close()
	m, err := readOverlay(conn)
	if err != nil {
		return err
	}
	if m.Topic != topic {
		return fmt.Errorf("socket on %s got a message on %s", topic, m.Topic)
	}
	return conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
}

// routeLabel finds the route label of each HTTP request series.
var routeLabel = regexp.MustCompile(`^hearth_http_requests_total\{.*route="([^"]*)"`)

// TestHTTPUnderMixedLoad runs every kind of request against a running
// hearth at once, overlay sockets opening and closing among them, and
// checks that every /metrics answer is 200 and passes promtool. Request
// strings used to alias buffers that fasthttp reuses, so a label kept from
// one request changed under the next, and /metrics answered 500 for good.
func TestHTTPUnderMixedLoad(t *testing.T) {
	t.Parallel()
	promtool := testenv.Binary(t, "promtool", "apt-get install prometheus")
	const admin = "s3cret"
	a := startArena(t, "sqlite://"+filepath.Join(t.TempDir(), "load.db"), map[string]string{"HEARTH_ADMIN_TOKEN": admin})
	base := a.proc.baseURL(t)
	token := overlayToken(t, base, admin, "arena")
	a.say("ann", "hello")
	waitMetric(t, base, `hearth_store_flushed_changes_total`, 1)

	// The sequence that broke it: a health check between two scrapes.
	t.Run("HealthCheckBetweenScrapes", func(t *testing.T) {
		for i, path := range []string{"/metrics", "/metrics", "/metrics", "/healthz", "/metrics", "/readyz", "/metrics"} {
			if status, body, err := fetch("GET", base+path, "", nil); err != nil || status != http.StatusOK {
				t.Fatalf("request %d, GET %s: %d %v %s", i+1, path, status, err, body)
			}
		}
	})

	type request struct {
		method, path, token string
		status              int
	}
	overlay := func(kind, channel, tok string) string {
		return "/overlays/" + kind + "?" + url.Values{"channel": {channel}, "token": {tok}}.Encode()
	}
	mix := []request{
		{"GET", "/healthz", "", 200},
		{"GET", "/readyz", "", 200},
		{"GET", "/grafana/dashboard.json", "", 200},
		{"GET", "/api/v1/channels", admin, 200},
		{"GET", "/api/v1/channels", "", 401},
		{"GET", "/api/v1/channels/arena/viewers", admin, 200},
		{"GET", "/api/v1/channels/arena/viewers?format=csv", admin, 200},
		{"GET", "/api/v1/channels/%23arena/viewers/ANN", admin, 200},
		{"GET", "/api/v1/channels/arena/leaderboard?n=5", admin, 200},
		{"GET", "/api/v1/channels/nosuch/viewers", admin, 404},
		{"GET", "/api/v1/channels/arena/nothing", admin, 404},
		{"GET", overlay("leaderboard", "arena", token), "", 200},
		{"GET", overlay("alerts", "#Arena", token), "", 200},
		{"GET", overlay("leaderboard", "nosuch", token), "", 401},
		{"GET", overlay("scoreboard", "arena", token), "", 404},
		{"GET", "/overlays/assets/live.js", "", 200},
		{"GET", "/overlays/assets/overlay.css", "", 200},
		{"GET", "/overlays/assets/nope.js", "", 404},
		{"GET", "/console/static/console.css", "", 200},
		{"GET", "/no/such/page", "", 404},
		{"WS", hearth.TopicLeaderboard, "", 0},
		{"WS", hearth.TopicEvents, "", 0},
	}

	t.Run("ConcurrentMix", func(t *testing.T) {
		const workers, rounds, scrapes = 4, 40, 40
		var wg sync.WaitGroup
		var mu sync.Mutex
		var bodies [][]byte
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range scrapes {
				status, body, err := fetch("GET", base+"/metrics", "", nil)
				if err != nil || status != http.StatusOK {
					t.Errorf("scrape %d: %d %v %s", i+1, status, err, body)
					return
				}
				mu.Lock()
				bodies = append(bodies, body)
				mu.Unlock()
			}
		}()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 30 {
				a.say([]string{"ann", "bob", "mia"}[i%3], fmt.Sprintf("message %d", i))
			}
		}()
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for r := range rounds {
					req := mix[(w*11+r)%len(mix)]
					if req.method == "WS" {
						if err := openAndClose(base, "arena", token, req.path); err != nil {
							t.Errorf("overlay socket %s: %v", req.path, err)
						}
						continue
					}
					status, body, err := fetch(req.method, base+req.path, req.token, nil)
					if err != nil || status != req.status {
						t.Errorf("%s %s: %d %v %.200s, want %d", req.method, req.path, status, err, body, req.status)
					}
				}
			}()
		}
		wg.Wait()

		// The failure was for good: one more scrape after the load.
		last := httpGet(t, base+"/metrics")
		bodies = append(bodies, last)
		for i, body := range bodies {
			cmd := exec.Command(promtool, "check", "metrics")
			cmd.Stdin = bytes.NewReader(body)
			if out, err := cmd.CombinedOutput(); err != nil || len(bytes.TrimSpace(out)) > 0 {
				t.Fatalf("scrape %d: promtool check metrics: %v\n%s", i+1, err, out)
			}
		}
		routes := map[string]bool{}
		for _, line := range strings.Split(string(last), "\n") {
			if m := routeLabel.FindStringSubmatch(line); m != nil {
				routes[m[1]] = true
			}
		}
		for route := range routes {
			switch route {
			case "metrics", "healthz", "readyz", "overlays", "overlay_ws", "api", "console", "other":
			default:
				t.Errorf("route label %q is none of the route groups", route)
			}
		}
		for _, want := range []string{"metrics", "healthz", "readyz", "overlays", "overlay_ws", "api", "console", "other"} {
			if !routes[want] {
				t.Errorf("no requests counted for route %q after the mix", want)
			}
		}
	})
	a.proc.stop(t)
}

// TestLeaderboardAPIMatchesOverlay builds a channel with tied scores, a
// bot and a chatting broadcaster, and checks that the API's leaderboard is
// the very state the overlay gets over its socket, that !top and !rank
// give the same positions, and that the export agrees once hearth stops.
func TestLeaderboardAPIMatchesOverlay(t *testing.T) {
	t.Parallel()
	const admin = "s3cret"
	a := startArena(t, "sqlite://"+filepath.Join(t.TempDir(), "ranks.db"), map[string]string{
		"HEARTH_ADMIN_TOKEN":              admin,
		"HEARTH_COMMANDS_USER_COOLDOWN":   "0s",
		"HEARTH_COMMANDS_GLOBAL_COOLDOWN": "0s",
	})
	a.chatters["dan"] = twitchtest.Chatter{ID: "104", Login: "dan", DisplayName: "Dan"}
	a.chatters["nightbot"] = twitchtest.Chatter{ID: "105", Login: "nightbot", DisplayName: "Nightbot"}
	base := a.proc.baseURL(t)
	token := overlayToken(t, base, admin, "arena")

	conn, _, err := websocket.DefaultDialer.Dial(socketURL(base, "arena", token, hearth.TopicLeaderboard), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	// Everyone's first message earns 60; then ann gets 100 more and dan
	// loses 20: 160, 60, 60, 40. The broadcaster and the bot earn nothing.
	for _, who := range []string{"arena", "nightbot", "ann", "bob", "mia", "dan"} {
		a.say(who, "hello everyone")
	}
	script := []struct{ who, text, reply string }{
		{"mia", "!addpoints @ann 100", `Ann got 100 points`},
		{"mia", "!removepoints @dan 20", `Dan had 20 points taken away`},
		{"ann", "!top", `1\. Ann \(160\) · 2\. Bob \(60\) · 2\. Mia \(60\) · 4\. Dan \(40\)`},
		{"bob", "!rank", `#2 of 4`},
		{"mia", "!rank", `#2 of 4`},
		{"dan", "!rank", `#4 of 4`},
	}
	ctx := t.Context()
	for i, s := range script {
		a.say(s.who, s.text)
		sent, err := a.srv.WaitSent(ctx, i+1)
		if err != nil {
			t.Fatalf("%s %q: no reply: %v", s.who, s.text, err)
		}
		if got := sent[i].Text; !regexp.MustCompile(s.reply).MatchString(got) {
			t.Errorf("%s %q: reply %q does not match %q", s.who, s.text, got, s.reply)
		}
	}

	// Chat is quiet now: the overlay's state settles on the last change.
	want := `[{1 ann} {2 bob} {2 mia} {4 dan}]`
	var overlay hearth.Leaderboard
	for placed(overlay) != want {
		m, err := readOverlay(conn)
		if err != nil {
			t.Fatalf("overlay socket: %v; last state %s, want %s", err, placed(overlay), want)
		}
		overlay = hearth.Leaderboard{}
		if err := json.Unmarshal(m.State, &overlay); err != nil {
			t.Fatal(err)
		}
	}
	status, body := call(t, "GET", base+"/api/v1/channels/arena/leaderboard", admin)
	var api hearth.Leaderboard
	if status != http.StatusOK || json.Unmarshal(body, &api) != nil {
		t.Fatalf("API leaderboard: %d %s", status, body)
	}
	if a, o := fmt.Sprintf("%+v", api), fmt.Sprintf("%+v", overlay); a != o {
		t.Fatalf("the API's leaderboard differs from the overlay's:\nAPI     %s\noverlay %s", a, o)
	}

	a.proc.stop(t)
	recs := a.export(t)
	for login, pos := range map[string]int{"ann": 1, "bob": 2, "mia": 2, "dan": 4, "arena": 0, "nightbot": 0} {
		if got := recs[login].Position; got != pos {
			t.Errorf("export: %s at position %d, want %d", login, got, pos)
		}
	}
}

// placed shows a leaderboard's positions and logins.
func placed(b hearth.Leaderboard) string {
	var out []string
	for _, e := range b.Entries {
		out = append(out, fmt.Sprintf("{%d %s}", e.Rank, e.Login))
	}
	return "[" + strings.Join(out, " ") + "]"
}
