package overlays_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/gofiber/fiber/v2"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/internal/testenv"
	"github.com/hearthlive/hearth/overlays"
)

// Compile-time check that the hub is what the engine publishes to.
var _ hearth.Broadcaster = (*overlays.Hub)(nil)

// tokens is the test's TokenSource: channel name to overlay token.
type tokens map[string]string

func (ts tokens) OverlayToken(_ context.Context, channel string) (string, error) {
	tok, ok := ts[channel]
	if !ok {
		return "", hearth.Errorf(hearth.ENOTFOUND, "channel %q not found", channel)
	}
	return tok, nil
}

var testTokens = tokens{"alice": "alice-secret", "bob": "bob-secret", "carol": "carol-secret"}

// server is a real fiber app on loopback with a running hub mounted.
type server struct {
	Hub  *overlays.Hub
	Addr string // host:port

	app      *fiber.App
	ln       *trackingListener
	cancel   context.CancelFunc
	runErr   chan error
	served   chan error
	stopOnce sync.Once
}

// trackingListener keeps the connections it accepted until they close, so
// that Stop can close those that never sent a byte. A browser opens such
// connections ahead of need (Chromium preconnects to an origin it has
// seen pages load from), and fasthttp counts a connection as busy from
// the moment it starts reading its first request: a graceful shutdown
// would wait for them until the browser gave up on them, or the deadline.
type trackingListener struct {
	net.Listener
	closeOnce sync.Once
	closeErr  error

	mu    sync.Mutex
	conns map[*trackedConn]struct{}
}

func (l *trackingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{Conn: c, l: l}
	l.mu.Lock()
	l.conns[tc] = struct{}{}
	l.mu.Unlock()
	return tc, nil
}

// Close closes the listener; a second call (fasthttp's, after Stop's)
// returns the first one's result.
func (l *trackingListener) Close() error {
	l.closeOnce.Do(func() { l.closeErr = l.Listener.Close() })
	return l.closeErr
}

// closeSilent closes every open connection that has not sent a byte.
func (l *trackingListener) closeSilent() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for c := range l.conns {
		if !c.sent.Load() {
			_ = c.Conn.Close()
			delete(l.conns, c)
		}
	}
}

// trackedConn is an accepted connection that knows whether the client
// sent anything on it.
type trackedConn struct {
	net.Conn
	l    *trackingListener
	sent atomic.Bool
}

func (c *trackedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.sent.Store(true)
	}
	return n, err
}

func (c *trackedConn) Close() error {
	c.l.mu.Lock()
	delete(c.l.conns, c)
	c.l.mu.Unlock()
	return c.Conn.Close()
}

// startServer listens on addr ("127.0.0.1:0" for any port), mounts a new
// hub with opts and runs it. The server stops at the end of the test.
func startServer(t *testing.T, addr string, opts overlays.Options) *server {
	t.Helper()
	return startServerWith(t, addr, testTokens, opts)
}

// startServerWith is startServer with the hub's tokens given.
func startServerWith(t *testing.T, addr string, source overlays.TokenSource, opts overlays.Options) *server {
	t.Helper()
	var ln net.Listener
	var err error
	// Right after a restart the old socket may linger for a moment.
	for deadline := time.Now().Add(5 * time.Second); ; {
		ln, err = net.Listen("tcp", addr)
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("listen on %s: %v", addr, err)
	}
	hub := overlays.NewHub(source, opts)
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	hub.Register(app)
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{
		Hub:    hub,
		Addr:   ln.Addr().String(),
		app:    app,
		ln:     &trackingListener{Listener: ln, conns: make(map[*trackedConn]struct{})},
		cancel: cancel,
		runErr: make(chan error, 1),
		served: make(chan error, 1),
	}
	go func() { s.runErr <- hub.Run(ctx) }()
	go func() { s.served <- app.Listener(s.ln) }()
	t.Cleanup(func() { s.Stop(t) })
	return s
}

// Stop stops the hub, which closes its sockets, then the HTTP server, and
// waits for both.
func (s *server) Stop(t *testing.T) {
	t.Helper()
	s.stopOnce.Do(func() {
		s.cancel()
		select {
		case err := <-s.runErr:
			if err != nil {
				t.Errorf("hub.Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("hub.Run did not return 10s after its context ended")
		}
		// No new connection from here on; those that never sent a byte
		// (a browser's preconnects) have no request to finish, and
		// fasthttp would wait for them as for one in progress.
		if err := s.ln.Close(); err != nil {
			t.Errorf("close the listener: %v", err)
		}
		s.ln.closeSilent()
		if err := s.app.ShutdownWithTimeout(10 * time.Second); err != nil {
			t.Errorf("shut down fiber: %v", err)
		}
		if err := <-s.served; err != nil {
			t.Errorf("fiber listener: %v", err)
		}
	})
}

func (s *server) pageURL(kind, channel, token string) string {
	q := url.Values{}
	if channel != "" {
		q.Set("channel", channel)
	}
	if token != "" {
		q.Set("token", token)
	}
	return "http://" + s.Addr + "/overlays/" + kind + "?" + q.Encode()
}

func (s *server) socketURL(channel, token, topic string) string {
	q := url.Values{}
	if channel != "" {
		q.Set("channel", channel)
	}
	if token != "" {
		q.Set("token", token)
	}
	if topic != "" {
		q.Set("topic", topic)
	}
	return "ws://" + s.Addr + "/overlays/ws?" + q.Encode()
}

// dial opens a leaderboard socket for channel with its right token.
func (s *server) dial(t *testing.T, channel string) *websocket.Conn {
	t.Helper()
	return s.dialTopic(t, channel, hearth.TopicLeaderboard)
}

// dialTopic opens a socket on topic for channel with its right token.
func (s *server) dialTopic(t *testing.T, channel, topic string) *websocket.Conn {
	t.Helper()
	conn, resp, err := websocket.DefaultDialer.Dial(s.socketURL(channel, testTokens[channel], topic), nil)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dial %s socket for %s: %v (status %d)", topic, channel, err, status)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// wireMessage is the socket's message with the leaderboard state decoded.
type wireMessage struct {
	Topic string             `json:"topic"`
	State hearth.Leaderboard `json:"state"`
}

// readMessage reads one message; it may run outside the test goroutine.
func readMessage(conn *websocket.Conn, within time.Duration) (wireMessage, error) {
	var msg wireMessage
	err := readJSON(conn, within, &msg)
	return msg, err
}

// rawMessage is the socket's message with the state left encoded, for any
// topic.
type rawMessage struct {
	Topic string          `json:"topic"`
	State json.RawMessage `json:"state"`
}

// readJSON reads one message into v.
func readJSON(conn *websocket.Conn, within time.Duration, v any) error {
	if err := conn.SetReadDeadline(time.Now().Add(within)); err != nil {
		return err
	}
	_, data, err := conn.ReadMessage()
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decode message %q: %w", data, err)
	}
	return nil
}

// board returns a leaderboard whose first entry has the given points, so
// tests can tell states apart.
func board(channel string, points int64) hearth.Leaderboard {
	return hearth.Leaderboard{
		Channel: channel,
		Entries: []hearth.LeaderboardEntry{
			{Rank: 1, Login: "zoe", DisplayName: "Zoe", Points: points, Messages: 12},
			{Rank: 2, Login: "max", DisplayName: "Max", Points: 5, Messages: 3},
		},
	}
}

func TestPageStatus(t *testing.T) {
	t.Parallel()
	s := startServer(t, "127.0.0.1:0", overlays.Options{})
	base := "http://" + s.Addr

	tests := []struct {
		name   string
		url    string
		status int
	}{
		{"GoodToken", s.pageURL("leaderboard", "alice", "alice-secret"), http.StatusOK},
		{"ChannelWrittenLoosely", s.pageURL("leaderboard", "#Alice", "alice-secret"), http.StatusOK},
		{"WrongToken", s.pageURL("leaderboard", "alice", "bob-secret"), http.StatusUnauthorized},
		{"TokenPrefix", s.pageURL("leaderboard", "alice", "alice-secre"), http.StatusUnauthorized},
		{"MissingToken", s.pageURL("leaderboard", "alice", ""), http.StatusUnauthorized},
		{"UnknownKind", s.pageURL("scoreboard", "alice", "alice-secret"), http.StatusNotFound},
		{"UnknownChannel", s.pageURL("leaderboard", "dave", "alice-secret"), http.StatusUnauthorized},
		{"MalformedChannel", s.pageURL("leaderboard", "al ice!", "alice-secret"), http.StatusUnauthorized},
		{"TooLongChannel", s.pageURL("leaderboard", strings.Repeat("a", 26), "alice-secret"), http.StatusUnauthorized},
		{"MissingChannel", s.pageURL("leaderboard", "", "alice-secret"), http.StatusUnauthorized},
		{"AlertsGoodToken", s.pageURL("alerts", "alice", "alice-secret"), http.StatusOK},
		{"AlertsChannelWrittenLoosely", s.pageURL("alerts", "#ALICE", "alice-secret"), http.StatusOK},
		{"AlertsWrongToken", s.pageURL("alerts", "alice", "bob-secret"), http.StatusUnauthorized},
		{"AlertsMissingToken", s.pageURL("alerts", "alice", ""), http.StatusUnauthorized},
		{"AlertsUnknownChannel", s.pageURL("alerts", "dave", "alice-secret"), http.StatusUnauthorized},
		{"AlertsMalformedChannel", s.pageURL("alerts", "al ice!", "alice-secret"), http.StatusUnauthorized},
		{"AlertsMissingChannel", s.pageURL("alerts", "", "alice-secret"), http.StatusUnauthorized},
		{"KindIsCaseSensitive", s.pageURL("Alerts", "alice", "alice-secret"), http.StatusNotFound},
		{"Script", base + "/overlays/assets/leaderboard.js", http.StatusOK},
		{"AlertsScript", base + "/overlays/assets/alerts.js", http.StatusOK},
		{"LiveScript", base + "/overlays/assets/live.js", http.StatusOK},
		{"Style", base + "/overlays/assets/overlay.css", http.StatusOK},
		{"PageIsNoAsset", base + "/overlays/assets/leaderboard.html", http.StatusNotFound},
		{"AlertsPageIsNoAsset", base + "/overlays/assets/alerts.html", http.StatusNotFound},
		{"UnknownAsset", base + "/overlays/assets/nope.js", http.StatusNotFound},
		{"AssetTraversal", base + "/overlays/assets/..%2Foverlays.go", http.StatusNotFound},
		{"SocketWithoutUpgrade", s.socketURL("alice", "alice-secret", "leaderboard"), http.StatusUpgradeRequired},
		{"EventsSocketWithoutUpgrade", s.socketURL("alice", "alice-secret", hearth.TopicEvents), http.StatusUpgradeRequired},
		{"AlertsIsNoTopic", s.socketURL("alice", "alice-secret", "alerts"), http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Get(strings.Replace(tt.url, "ws://", "http://", 1))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d; body %q", resp.StatusCode, tt.status, body)
			}
			if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options %q, want nosniff", got)
			}
			if tt.status >= 400 {
				if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
					t.Errorf("error Content-Type %q, want text/plain", ct)
				}
				if len(body) == 0 || len(body) > 100 || strings.Contains(string(body), "secret") {
					t.Errorf("error body %q: want a short message without the token", body)
				}
			}
			if tt.status == http.StatusNotFound && strings.Contains(tt.url, "scoreboard") && !strings.Contains(string(body), strings.Join(overlays.Kinds(), ", ")) {
				t.Errorf("unknown overlay body %q: want the overlays that exist", body)
			}
		})
	}

	for _, kind := range overlays.Kinds() {
		t.Run("PageHeaders/"+kind, func(t *testing.T) {
			resp, err := http.Get(s.pageURL(kind, "alice", "alice-secret"))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
			csp := resp.Header.Get("Content-Security-Policy")
			for _, want := range []string{"default-src 'self'", "script-src 'self'", "connect-src 'self' ws: wss:"} {
				if !strings.Contains(csp, want) {
					t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
				}
			}
			if strings.Contains(csp, "unsafe") {
				t.Errorf("Content-Security-Policy %q allows unsafe sources", csp)
			}
			if got := resp.Header.Get("Referrer-Policy"); got != "no-referrer" {
				t.Errorf("Referrer-Policy %q, want no-referrer", got)
			}
			if got := resp.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", got)
			}
			if script := `src="assets/` + kind + `.js"`; !strings.Contains(string(body), script) {
				t.Errorf("page does not load assets/%s.js:\n%s", kind, body)
			}
		})
	}
}

func TestKinds(t *testing.T) {
	t.Parallel()
	if got, want := overlays.Kinds(), []string{hearth.TopicLeaderboard, "alerts", hearth.TopicPoll, "feed", "credits", "welcome", hearth.TopicChat, hearth.TopicGoal}; !slices.Equal(got, want) {
		t.Fatalf("Kinds() = %q, want %q", got, want)
	}
	overlays.Kinds()[0] = "changed"
	if got := overlays.Kinds()[0]; got != hearth.TopicLeaderboard {
		t.Errorf("changing the returned slice changed Kinds(): %q", got)
	}
}

// TestAssetsNeverParseMarkup guards the rule that chat text never becomes
// HTML: no page script may use an API that parses markup, and no page may
// carry inline script or style, which the CSP would block anyway. Every
// script in web/ is checked as Hearth serves it, so a new one is covered
// the day it is added.
func TestAssetsNeverParseMarkup(t *testing.T) {
	t.Parallel()
	s := startServer(t, "127.0.0.1:0", overlays.Options{})
	get := func(path string) string {
		t.Helper()
		resp, err := http.Get("http://" + s.Addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: status %d", path, resp.StatusCode)
		}
		return string(body)
	}
	scripts, err := filepath.Glob(filepath.Join("web", "*.js"))
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range overlays.Kinds() {
		if !slices.Contains(scripts, filepath.Join("web", kind+".js")) {
			t.Errorf("no script web/%s.js among %q", kind, scripts)
		}
	}
	for _, file := range scripts {
		name := filepath.Base(file)
		js := get("/overlays/assets/" + name)
		for _, sink := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "DOMParser", "createContextualFragment", "setHTML"} {
			if strings.Contains(js, sink) {
				t.Errorf("%s uses %s", name, sink)
			}
		}
	}
	for _, kind := range overlays.Kinds() {
		page := get("/overlays/" + kind + "?channel=alice&token=alice-secret")
		if strings.Contains(page, "<script>") || strings.Contains(page, " style=") || strings.Contains(page, "<style") {
			t.Errorf("page %s has inline script or style", kind)
		}
	}
}

func TestSocketRefused(t *testing.T) {
	t.Parallel()
	s := startServer(t, "127.0.0.1:0", overlays.Options{})
	tests := []struct {
		name                  string
		channel, token, topic string
		status                int
	}{
		{"WrongToken", "alice", "bob-secret", "leaderboard", http.StatusUnauthorized},
		{"MissingToken", "alice", "", "leaderboard", http.StatusUnauthorized},
		{"UnknownChannel", "dave", "alice-secret", "leaderboard", http.StatusUnauthorized},
		{"MalformedChannel", "<alice>", "alice-secret", "leaderboard", http.StatusUnauthorized},
		{"UnknownTopic", "alice", "alice-secret", "credits-roll", http.StatusNotFound},
		{"EventsWrongToken", "alice", "bob-secret", hearth.TopicEvents, http.StatusUnauthorized},
		{"EventsUnknownChannel", "dave", "dave-secret", hearth.TopicEvents, http.StatusUnauthorized},
		{"MissingTopic", "alice", "alice-secret", "", http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, resp, err := websocket.DefaultDialer.Dial(s.socketURL(tt.channel, tt.token, tt.topic), nil)
			if err == nil {
				conn.Close()
				t.Fatal("socket accepted")
			}
			if !errors.Is(err, websocket.ErrBadHandshake) || resp == nil {
				t.Fatalf("dial error %v, want a refused handshake", err)
			}
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
		})
	}
	if n := s.Hub.Clients("alice"); n != 0 {
		t.Errorf("Clients(alice) = %d after refused sockets, want 0", n)
	}
}

// TestRefusalsRevealNoChannel checks that a served channel with a wrong
// token, an unknown channel and a malformed one get the same answer on the
// pages and the socket, so nobody can learn which channels are served.
func TestRefusalsRevealNoChannel(t *testing.T) {
	t.Parallel()
	s := startServer(t, "127.0.0.1:0", overlays.Options{})
	answer := func(t *testing.T, url string) string {
		t.Helper()
		resp, err := http.Get(strings.Replace(url, "ws://", "http://", 1))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return fmt.Sprintf("%d %s %q", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	for _, kind := range []string{"leaderboard", "alerts"} {
		t.Run(kind, func(t *testing.T) {
			for name, url := range map[string]func(channel, token string) string{
				"Page":   func(ch, tok string) string { return s.pageURL(kind, ch, tok) },
				"Socket": func(ch, tok string) string { return s.socketURL(ch, tok, kind) },
			} {
				want := answer(t, url("alice", "wrong"))
				for _, ch := range []string{"dave", "al ice!", ""} {
					if got := answer(t, url(ch, "wrong")); got != want {
						t.Errorf("%s for channel %q answered %s; a wrong token gets %s", name, ch, got, want)
					}
				}
			}
		})
	}
}

func TestSnapshotOnConnect(t *testing.T) {
	t.Parallel()
	s := startServer(t, "127.0.0.1:0", overlays.Options{})
	want := board("alice", 42)
	want.Entries[1].DisplayName = "<img src=x onerror=alert(1)> \u202eevil\u200d"
	s.Hub.Publish("alice", hearth.TopicLeaderboard, want)
	s.Hub.Publish("bob", hearth.TopicLeaderboard, board("bob", 7))

	conn := s.dial(t, "alice")
	msg, err := readMessage(conn, 2*time.Second)
	if err != nil {
		t.Fatalf("no snapshot on connect: %v", err)
	}
	if msg.Topic != hearth.TopicLeaderboard {
		t.Errorf("topic %q", msg.Topic)
	}
	if got, _ := json.Marshal(msg.State); string(got) != mustJSON(t, want) {
		t.Errorf("snapshot %s\nwant %s", got, mustJSON(t, want))
	}

	t.Run("NothingBeforeFirstPublish", func(t *testing.T) {
		conn := s.dial(t, "carol")
		if msg, err := readMessage(conn, 300*time.Millisecond); err == nil {
			t.Fatalf("got %+v for a channel nobody published to", msg)
		}
	})
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestPublishCoalesces(t *testing.T) {
	t.Parallel()
	const rate = 20
	tests := []struct {
		name  string
		pause time.Duration // between two publishes
	}{
		{"TightLoop", 0},
		{"OverASecond", time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var pushes atomic.Int64
			s := startServer(t, "127.0.0.1:0", overlays.Options{
				MaxPushesPerSecond: rate,
				OnPush: func(channel, topic string, messages int) {
					if channel == "alice" && topic == hearth.TopicLeaderboard {
						pushes.Add(int64(messages))
					}
				},
			})
			conn := s.dial(t, "alice")
			testenv.WaitFor(t, 2*time.Second, "socket registered", func() bool { return s.Hub.Clients("alice") == 1 })

			const states = 1000
			start := time.Now()
			go func() {
				for i := range int64(states) {
					s.Hub.Publish("alice", hearth.TopicLeaderboard, board("alice", i))
					if tt.pause > 0 {
						time.Sleep(tt.pause)
					}
				}
			}()

			received := 0
			last := int64(-1)
			for last != states-1 {
				msg, err := readMessage(conn, 5*time.Second)
				if err != nil {
					t.Fatalf("after %d messages, last %d: %v", received, last, err)
				}
				received++
				got := msg.State.Entries[0].Points
				if got <= last {
					t.Fatalf("state %d arrived after state %d", got, last)
				}
				last = got
			}
			elapsed := time.Since(start)
			limit := int(float64(rate) * (elapsed.Seconds() + 1))
			t.Logf("%d states published, %d messages received in %s (limit %d)", states, received, elapsed, limit)
			if received > limit {
				t.Errorf("received %d messages in %s, want at most %d", received, elapsed, limit)
			}
			// The final state stays the last one: nothing follows it.
			if msg, err := readMessage(conn, 3*time.Second/rate); err == nil {
				t.Errorf("message after the final state: %+v", msg)
			}
			testenv.WaitFor(t, time.Second, "OnPush counted every message", func() bool { return pushes.Load() == int64(received) })
		})
	}
}

// TestSlowClientDoesNotBlockOthers runs alone, not in parallel: it must
// publish its big states and read them back within the hub's 10 s write
// deadline, or the slow socket is rightly dropped and the count of two
// sockets it checks at the end no longer holds.
func TestSlowClientDoesNotBlockOthers(t *testing.T) {
	var pushes atomic.Int64
	s := startServer(t, "127.0.0.1:0", overlays.Options{OnPush: func(_, _ string, n int) { pushes.Add(int64(n)) }})
	slow := s.dial(t, "alice") // never reads
	fast := s.dial(t, "alice")
	testenv.WaitFor(t, 2*time.Second, "both sockets registered", func() bool { return s.Hub.Clients("alice") == 2 })

	// Big states fill the slow socket's buffers within a few pushes.
	big := func(i int64) hearth.Leaderboard {
		b := board("alice", i)
		for range 1000 {
			b.Entries = append(b.Entries, hearth.LeaderboardEntry{Rank: 3, Login: "filler", DisplayName: strings.Repeat("x", 200)})
		}
		return b
	}
	const states = 60
	received := 0
	last := int64(-1)
	readErr := make(chan error, 1)
	go func() {
		for last != states-1 {
			msg, err := readMessage(fast, 5*time.Second)
			if err != nil {
				readErr <- fmt.Errorf("fast client after %d messages: %w", received, err)
				return
			}
			received++
			last = msg.State.Entries[0].Points
		}
		readErr <- nil
	}()
	for i := range int64(states) {
		s.Hub.Publish("alice", hearth.TopicLeaderboard, big(i))
		time.Sleep(25 * time.Millisecond)
	}
	if err := <-readErr; err != nil {
		t.Fatal(err)
	}
	toSlow := pushes.Load() - int64(received)
	t.Logf("fast client got %d messages; %d went to the slow one, which read nothing", received, toSlow)
	if toSlow >= int64(received) {
		t.Errorf("the slow client took %d pushes, as many as the fast one: it never fell behind, so the test proves nothing", toSlow)
	}
	if received < 10 {
		t.Errorf("fast client got only %d messages over %d publishes", received, states)
	}
	if n := s.Hub.Clients("alice"); n != 2 {
		t.Errorf("Clients(alice) = %d, want 2", n)
	}
	// Hang up, so the hub's writer to it fails now rather than at its
	// write deadline.
	slow.Close()
}

func TestClientsUnregisterOnClose(t *testing.T) {
	t.Parallel()
	s := startServer(t, "127.0.0.1:0", overlays.Options{})
	a1 := s.dial(t, "alice")
	s.dial(t, "alice")
	s.dial(t, "bob")
	testenv.WaitFor(t, 2*time.Second, "three sockets registered", func() bool {
		return s.Hub.Clients("alice") == 2 && s.Hub.Clients("bob") == 1
	})
	if n := s.Hub.Clients("carol"); n != 0 {
		t.Errorf("Clients(carol) = %d", n)
	}
	// A browser that goes away politely.
	if err := a1.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	testenv.WaitFor(t, 2*time.Second, "closed socket unregistered", func() bool { return s.Hub.Clients("alice") == 1 })
	if n := s.Hub.Clients("bob"); n != 1 {
		t.Errorf("Clients(bob) = %d, want 1", n)
	}
}

func TestRunEndClosesSockets(t *testing.T) {
	t.Parallel()
	s := startServer(t, "127.0.0.1:0", overlays.Options{})
	conn := s.dial(t, "alice")
	testenv.WaitFor(t, 2*time.Second, "socket registered", func() bool { return s.Hub.Clients("alice") == 1 })
	// Published just before shutdown: delivered before the goodbye.
	s.Hub.Publish("alice", hearth.TopicLeaderboard, board("alice", 99))

	s.cancel()
	var closeErr *websocket.CloseError
	for {
		msg, err := readMessage(conn, 5*time.Second)
		if err != nil {
			if !errors.As(err, &closeErr) {
				t.Fatalf("read: %v, want a close frame", err)
			}
			break
		}
		if msg.State.Entries[0].Points != 99 {
			t.Errorf("got state %d, want 99", msg.State.Entries[0].Points)
		}
	}
	if closeErr.Code != websocket.CloseGoingAway {
		t.Errorf("close code %d, want %d (going away)", closeErr.Code, websocket.CloseGoingAway)
	}
	select {
	case err := <-s.runErr:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
		s.runErr <- nil // for Stop
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return")
	}
	if n := s.Hub.Clients("alice"); n != 0 {
		t.Errorf("Clients(alice) = %d after Run returned", n)
	}
	_, resp, err := websocket.DefaultDialer.Dial(s.socketURL("alice", "alice-secret", hearth.TopicLeaderboard), nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("socket after shutdown: %v, want status 503", err)
	}
	if err := s.Hub.Run(context.Background()); err == nil {
		t.Error("second Run returned nil")
	}
}

// TestPingAnswered checks that a browser's ping is answered with a pong
// between the states the hub writes, and that the states go on after it.
func TestPingAnswered(t *testing.T) {
	t.Parallel()
	s := startServer(t, "127.0.0.1:0", overlays.Options{})
	conn := s.dial(t, "alice")
	testenv.WaitFor(t, 2*time.Second, "socket registered", func() bool { return s.Hub.Clients("alice") == 1 })
	pong := make(chan string, 1)
	conn.SetPongHandler(func(data string) error {
		pong <- data
		return nil
	})
	if err := conn.WriteControl(websocket.PingMessage, []byte("are you there"), time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	// The pong is seen while reading states: publish and read until it
	// comes, each state checked.
	for i := int64(1); ; i++ {
		s.Hub.Publish("alice", hearth.TopicLeaderboard, board("alice", i))
		msg, err := readMessage(conn, 5*time.Second)
		if err != nil {
			t.Fatalf("reading state %d: %v", i, err)
		}
		if got := msg.State.Entries[0].Points; got != i {
			t.Fatalf("got state %d, want %d", got, i)
		}
		select {
		case data := <-pong:
			if data != "are you there" {
				t.Errorf("pong carries %q, want the ping's data", data)
			}
			return
		default:
		}
		if i == 100 {
			t.Fatal("no pong after 100 states")
		}
	}
}
