package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/engine"
	"github.com/hearthlive/hearth/overlays"
	"github.com/hearthlive/hearth/store/sqlite"
	"github.com/hearthlive/hearth/web"
)

// overlayTokens answers the store's overlay tokens.
type overlayTokens struct{ store hearth.Store }

func (o overlayTokens) OverlayToken(ctx context.Context, channel string) (string, error) {
	info, err := o.store.EnsureChannel(ctx, channel)
	return info.OverlayToken, err
}

// TestOverlayRoutes runs the overlay routes on the real engine, hub and
// store: the list of kinds, a test event and a credits roll that reach an
// open page's socket, and bad requests refused with a JSON error.
func TestOverlayRoutes(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "overlays.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	info, err := db.EnsureChannel(ctx, "arena")
	if err != nil {
		t.Fatal(err)
	}
	hub := overlays.NewHub(overlayTokens{db}, overlays.Options{Events: db})
	hubCtx, stopHub := context.WithCancel(ctx)
	hubDone := make(chan error, 1)
	go func() { hubDone <- hub.Run(hubCtx) }()
	e := engine.New(db, engine.Options{Broadcaster: hub, Events: hub})
	if err := e.Start(ctx, []string{"arena"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = e.Close(ctx)
		stopHub()
		<-hubDone
	})
	base := serve(t, web.Config{Store: db, Engine: e, OverlayEvents: e, Overlays: hub, AdminToken: "admin"})

	call := func(method, path, body string) (int, []byte) {
		t.Helper()
		req, err := http.NewRequest(method, base+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer admin")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		return resp.StatusCode, b.Bytes()
	}

	t.Run("List", func(t *testing.T) {
		status, body := call("GET", "/api/v1/channels/arena/overlays", "")
		if status != http.StatusOK {
			t.Fatalf("status %d: %s", status, body)
		}
		var kinds []struct {
			Kind   string `json:"kind"`
			URL    string `json:"url"`
			Width  int    `json:"width"`
			Height int    `json:"height"`
			Params []struct {
				Name string `json:"name"`
			} `json:"parameters"`
		}
		if err := json.Unmarshal(body, &kinds); err != nil {
			t.Fatal(err)
		}
		if len(kinds) != len(overlays.Kinds()) {
			t.Fatalf("%d kinds listed, want %d", len(kinds), len(overlays.Kinds()))
		}
		for i, k := range kinds {
			want := base + "/overlays/" + overlays.Kinds()[i] + "?" + url.Values{"channel": {"arena"}, "token": {info.OverlayToken}}.Encode()
			if k.URL != want || k.Width == 0 || k.Height == 0 || len(k.Params) < 2 {
				t.Errorf("kind %d: %+v, want url %s, a size and parameters", i, k, want)
			}
			if resp, err := http.Get(k.URL); err != nil || resp.StatusCode != http.StatusOK || resp.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("GET %s: %v %v", k.URL, resp, err)
			}
		}
	})

	u := "ws" + strings.TrimPrefix(base, "http") + "/overlays/ws?" + url.Values{
		"channel": {"arena"}, "token": {info.OverlayToken}, "topic": {hearth.TopicEvents}}.Encode()
	conn, _, err := websocket.DefaultDialer.Dial(u, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	next := func() hearth.OverlayEventBatch {
		t.Helper()
		var msg struct {
			State hearth.OverlayEventBatch `json:"state"`
		}
		_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		if err := conn.ReadJSON(&msg); err != nil {
			t.Fatal(err)
		}
		return msg.State
	}
	if b := next(); !b.History || len(b.Events) != 0 {
		t.Fatalf("first batch %+v, want an empty past", b)
	}

	t.Run("TestEvent", func(t *testing.T) {
		status, body := call("POST", "/api/v1/channels/arena/overlays/test", `{"kind": "follow"}`)
		if status != http.StatusCreated || !strings.Contains(string(body), `"test":true`) {
			t.Fatalf("status %d: %s", status, body)
		}
		b := next()
		if len(b.Events) != 1 || b.Events[0].Kind != "follow" || !b.Events[0].Test {
			t.Fatalf("socket got %+v, want the test follow", b)
		}
	})

	t.Run("Credits", func(t *testing.T) {
		status, body := call("POST", "/api/v1/channels/arena/overlays/credits", "")
		if status != http.StatusCreated {
			t.Fatalf("status %d: %s", status, body)
		}
		b := next()
		if len(b.Events) != 1 || b.Events[0].Kind != hearth.OverlayCredits || b.Events[0].Credits == nil {
			t.Fatalf("socket got %+v, want a credits roll", b)
		}
	})

	t.Run("Refused", func(t *testing.T) {
		for _, tt := range []struct {
			method, path, body string
			status             int
		}{
			{"POST", "/api/v1/channels/arena/overlays/test", `{"kind": "<script>"}`, 400},
			{"POST", "/api/v1/channels/arena/overlays/test", `{"kind": "follow", "extra": 1}`, 400},
			{"POST", "/api/v1/channels/arena/overlays/test", `not json`, 400},
			{"POST", "/api/v1/channels/arena/overlays/test", `{"kind": "` + strings.Repeat("x", 2000) + `"}`, 400},
			{"POST", "/api/v1/channels/nobody/overlays/test", `{"kind": "follow"}`, 404},
			{"POST", "/api/v1/channels/nobody/overlays/credits", ``, 404},
			{"GET", "/api/v1/channels/nobody/overlays", ``, 404},
		} {
			status, body := call(tt.method, tt.path, tt.body)
			var e struct {
				Error string `json:"error"`
			}
			if status != tt.status || json.Unmarshal(body, &e) != nil || e.Error == "" {
				t.Errorf("%s %s %.30q: %d %s, want %d with a JSON error", tt.method, tt.path, tt.body, status, body, tt.status)
			}
		}
	})
}

// TestOverlayEventsSurviveRestart: events a page had not received when
// Hearth stopped (the writer flushes them on the way down) reach it after
// Hearth starts again, each once and in order, when it reconnects asking
// for what came after the last one it got; then new ones follow live.
func TestOverlayEventsSurviveRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "restart.db")
	type running struct {
		e    *engine.Engine
		db   *sqlite.DB
		base string
		stop func()
	}
	start := func() running {
		db, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		hub := overlays.NewHub(overlayTokens{db}, overlays.Options{Events: db})
		hubCtx, stopHub := context.WithCancel(ctx)
		hubDone := make(chan error, 1)
		go func() { hubDone <- hub.Run(hubCtx) }()
		e := engine.New(db, engine.Options{Broadcaster: hub, Events: hub, EventClock: true})
		if err := e.Start(ctx, []string{"arena"}); err != nil {
			t.Fatal(err)
		}
		ln := serveStoppable(t, web.Config{Store: db, Engine: e, OverlayEvents: e, Overlays: hub, AdminToken: "admin"})
		return running{e, db, ln.base, func() {
			if err := e.Close(ctx); err != nil {
				t.Error(err)
			}
			stopHub()
			<-hubDone
			ln.stop()
			db.Close()
		}}
	}
	chat := func(i int) hearth.Event {
		login := "newbie" + strconv.Itoa(i)
		return hearth.Event{Kind: hearth.EventChat, Channel: "arena", ID: "m" + strconv.Itoa(i), Time: time.Date(2026, 11, 23, 20, 0, i, 0, time.UTC),
			User: hearth.Identity{ID: "u" + strconv.Itoa(i), Login: login, DisplayName: login}, Text: "hi"}
	}
	first := start()
	token, err := first.db.EnsureChannel(ctx, "arena")
	if err != nil {
		t.Fatal(err)
	}
	socket := func(base string, since int64) *websocket.Conn {
		q := url.Values{"channel": {"arena"}, "token": {token.OverlayToken}, "topic": {hearth.TopicEvents}}
		if since >= 0 {
			q.Set("since", strconv.FormatInt(since, 10))
		}
		conn, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/overlays/ws?"+q.Encode(), nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		return conn
	}
	read := func(conn *websocket.Conn) hearth.OverlayEventBatch {
		t.Helper()
		var msg struct {
			State hearth.OverlayEventBatch `json:"state"`
		}
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		if err := conn.ReadJSON(&msg); err != nil {
			t.Fatal(err)
		}
		return msg.State
	}
	conn := socket(first.base, -1)
	read(conn) // the empty past
	first.e.Handle(chat(1))
	got := read(conn).Events
	if len(got) != 1 || got[0].Login != "newbie1" {
		t.Fatalf("live: %+v", got)
	}
	// The page is gone (OBS hid the scene) while 49 more come, and Hearth
	// restarts.
	conn.Close()
	for i := 2; i <= 50; i++ {
		first.e.Handle(chat(i))
	}
	first.stop()

	second := start()
	defer second.stop()
	conn = socket(second.base, got[0].Seq)
	b := read(conn)
	if !b.Resync || b.Head != 50 {
		t.Fatalf("resumed %+v, want resync at head 50", b)
	}
	events := b.Events
	for len(events) < 49 {
		events = append(events, read(conn).Events...)
	}
	second.e.Handle(chat(51))
	events = append(events, read(conn).Events...)
	for i, e := range events {
		if want := "newbie" + strconv.Itoa(i+2); e.Seq != int64(i+2) || e.Login != want {
			t.Fatalf("event %d: seq %d %s, want %d %s", i, e.Seq, e.Login, i+2, want)
		}
	}
	if len(events) != 50 {
		t.Fatalf("%d events after the restart, want 50", len(events))
	}
}

// stoppable is the application served on loopback until stop.
type stoppable struct {
	base string
	stop func()
}

func serveStoppable(t *testing.T, cfg web.Config) stoppable {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	app := web.New(cfg)
	done := make(chan error, 1)
	go func() { done <- app.Listener(ln) }()
	return stoppable{"http://" + ln.Addr().String(), func() {
		if err := app.Shutdown(); err != nil {
			t.Error(err)
		}
		<-done
	}}
}
