package overlays_test

import (
	"bytes"
	"context"
	"fmt"
	"hash/fnv"
	"image"
	"image/color"
	"image/png"
	"net/url"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/engine"
	"github.com/hearthlive/hearth/internal/browsertest"
	"github.com/hearthlive/hearth/overlays"
	"github.com/hearthlive/hearth/store/sqlite"
	"github.com/hearthlive/hearth/stream/irc"
)

// emotePNG is a 56x56 orange face: what Twitch's CDN answers for every
// emote in these tests, which run without the internet.
var emotePNG = func() []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 56, 56))
	for y := range 56 {
		for x := range 56 {
			dx, dy := x-28, y-28
			switch r := dx*dx + dy*dy; {
			case r > 27*27:
			case (dx+10)*(dx+10)+(dy+8)*(dy+8) < 25, (dx-10)*(dx-10)+(dy+8)*(dy+8) < 25,
				dy > 6 && dy < 12 && dx > -14 && dx < 14:
				img.Set(x, y, color.NRGBA{40, 20, 0, 255})
			default:
				img.Set(x, y, color.NRGBA{255, 170, 40, 255})
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}()

// liveChannel is the engine serving "alice" into a hub, over a real SQLite
// store, with the overlays on a real HTTP server.
type liveChannel struct {
	*server
	Engine *engine.Engine
	Store  *sqlite.DB
	DBPath string
}

func startLive(t *testing.T) *liveChannel {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "live.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s := startServer(t, "127.0.0.1:0", overlays.Options{Styles: db})
	e := engine.New(db, engine.Options{Broadcaster: s.Hub})
	if err := e.Start(ctx, []string{"alice"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close(context.Background()) })
	return &liveChannel{server: s, Engine: e, Store: db, DBPath: path}
}

// say hands the engine one raw IRC line, as Twitch sends it, through the
// real parser and normaliser.
func (l *liveChannel) say(t *testing.T, line string) {
	t.Helper()
	ev, err := irc.ParseLine(line, time.Now())
	if err != nil {
		t.Fatalf("parse %q: %v", line, err)
	}
	l.Engine.Handle(ev)
}

// privmsg is a chat line from login with extra tags.
func privmsg(id, login, display, tags, text string) string {
	ts := time.Now().UnixMilli()
	return fmt.Sprintf("@badge-info=;%sdisplay-name=%s;id=%s;room-id=1;tmi-sent-ts=%d;user-id=%s :%s!%s@%s.tmi.twitch.tv PRIVMSG #alice :%s",
		tags, escapeTag(display), id, ts, userID(login), login, login, login, text)
}

// userID is a login's Twitch user id in these tests.
func userID(login string) string {
	h := fnv.New32a()
	h.Write([]byte(login))
	return fmt.Sprint(h.Sum32())
}

func escapeTag(s string) string {
	return strings.NewReplacer(`\`, `\\`, " ", `\s`, ";", `\:`).Replace(s)
}

// requests records every request the page makes, and answers those to
// Twitch's CDN with emotePNG.
type requests struct {
	mu   sync.Mutex
	urls []string
}

func watchRequests(t *testing.T, ctx context.Context) *requests {
	t.Helper()
	r := &requests{}
	sent := chromedp.Events(ctx, network.RequestWillBeSent)
	paused := chromedp.Events(ctx, fetch.RequestPaused)
	go func() {
		for ev, err := range sent {
			if err != nil {
				return
			}
			r.mu.Lock()
			r.urls = append(r.urls, ev.Request.URL)
			r.mu.Unlock()
		}
	}()
	go func() {
		for ev, err := range paused {
			if err != nil {
				return
			}
			_, _ = chromedp.Call(ctx, fetch.FulfillRequest, fetch.FulfillRequestParams{
				RequestID:       ev.RequestID,
				ResponseCode:    200,
				ResponseHeaders: []*fetch.HeaderEntry{{Name: "Content-Type", Value: "image/png"}},
				Body:            emotePNG,
			})
		}
	}()
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{
		{URLPattern: "https://static-cdn.jtvnw.net/*"},
	}}); err != nil {
		t.Fatal(err)
	}
	return r
}

// foreign returns the requests to anywhere but Hearth's own origin and
// Twitch's emote images.
func (r *requests) foreign(origin string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, u := range r.urls {
		switch {
		case strings.HasPrefix(u, origin+"/overlays/"), u == origin+"/favicon.ico":
		case strings.HasPrefix(u, "https://static-cdn.jtvnw.net/emoticons/v2/"):
		default:
			out = append(out, u)
		}
	}
	return out
}

// shownLine is one chat line as the page shows it: badges, name and its
// colour, and the message's parts, each "text" or "[emote id:name]".
type shownLine struct {
	Badges []string `json:"badges"`
	Name   string   `json:"name"`
	Color  string   `json:"color"`
	Parts  []string `json:"parts"`
}

const readChatJS = `Array.from(document.querySelectorAll('#chat > .line:not(.leaving)'), (l) => ({
	badges: Array.from(l.querySelectorAll('.badge'), (b) => b.dataset.badge),
	name: l.querySelector('.chat-name').textContent,
	color: getComputedStyle(l.querySelector('.chat-name')).color,
	parts: Array.from(l.querySelector('.chat-text').childNodes, (n) => n.nodeType === 3 ? n.textContent :
		n.tagName === 'IMG' ? '[emote ' + n.dataset.emote + ':' + n.alt + ']' : '<' + n.tagName + '>')
		.filter((p) => p !== ' '),
}))`

func waitChat(t *testing.T, ctx context.Context, within time.Duration, want []shownLine) {
	t.Helper()
	deadline := time.Now().Add(within)
	var got []shownLine
	for {
		got = eval[[]shownLine](t, ctx, readChatJS)
		if reflect.DeepEqual(got, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s the chat shows\n%+v\nwant\n%+v", within, got, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestChatInBrowser(t *testing.T) {
	t.Parallel()
	ctx := browsertest.New(t)
	watchPage(t, ctx)
	reqs := watchRequests(t, ctx)
	l := startLive(t)

	nav, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := chromedp.Do(nav, chromedp.Navigate(l.pageURL("chat", "alice", "alice-secret"))); err != nil {
		t.Fatalf("load the overlay: %v", err)
	}
	waitConnection(t, ctx, 5*time.Second, func(s string) bool { return s == "open" }, "open")

	// Emote positions count code points: the accented letter and the
	// emoji before the emotes are one each.
	l.say(t, privmsg("m1", "zoe", "Zoë", "badges=moderator/1,subscriber/12;color=#1E90FF;emotes=25:8-12/emotesv2_abc123:14-17;",
		"héllo 🐈 Kappa PogU gg"))
	l.say(t, privmsg("m2", "mallory", hostileImg, "color=#FF0000;", hostileScript+" "+hostileImg))
	l.say(t, privmsg("m3", "nightbot", "Nightbot", "badges=moderator/1;", "Join the Discord!"))
	// Positions past the end, reversed or overlapping are ignored; the
	// text stays text.
	l.say(t, privmsg("m4", "troll", "Troll", "emotes=25:0-4,3-7/26:90-99;", "Kappa Keepo"))
	l.say(t, privmsg("m5", "bob", "Bob", "", "\x01ACTION waves\x01"))
	l.say(t, privmsg("m6", "troll", "Troll", "", "second line"))

	white, blue, red := "rgb(255, 255, 255)", "rgb(30, 144, 255)", "rgb(255, 0, 0)"
	accent := "rgb(255, 193, 94)"
	zoe := shownLine{Badges: []string{"moderator", "subscriber"}, Name: "Zoë", Color: blue,
		Parts: []string{"héllo 🐈", "[emote 25:Kappa]", "[emote emotesv2_abc123:PogU]", "gg"}}
	mallory := shownLine{Badges: []string{}, Name: hostileImg, Color: red, Parts: []string{hostileScript + " " + hostileImg}}
	bot := shownLine{Badges: []string{"moderator"}, Name: "Nightbot", Color: accent, Parts: []string{"Join the Discord!"}}
	troll1 := shownLine{Badges: []string{}, Name: "Troll", Color: accent, Parts: []string{"[emote 25:Kappa]", "Keepo"}}
	bob := shownLine{Badges: []string{}, Name: "Bob", Color: accent, Parts: []string{"waves"}}
	troll2 := shownLine{Badges: []string{}, Name: "Troll", Color: accent, Parts: []string{"second line"}}
	_ = white
	waitChat(t, ctx, 10*time.Second, []shownLine{zoe, mallory, bot, troll1, bob, troll2})

	t.Run("EmotesDrawnAtTheirPlaces", func(t *testing.T) {
		imgs := eval[[]map[string]any](t, ctx, `Array.from(document.querySelectorAll('#chat img.emote'), (i) => ({
			src: i.src, loaded: i.complete && i.naturalWidth > 0, height: i.getBoundingClientRect().height}))`)
		if len(imgs) != 3 {
			t.Fatalf("%d emote images: %v", len(imgs), imgs)
		}
		for _, img := range imgs {
			src, _ := img["src"].(string)
			if !strings.HasPrefix(src, "https://static-cdn.jtvnw.net/emoticons/v2/") || img["loaded"] != true {
				t.Errorf("emote image %v not drawn from Twitch's CDN", img)
			}
		}
	})

	t.Run("HostileTextInert", func(t *testing.T) {
		if n := eval[int](t, ctx, `document.querySelectorAll('#chat script, #chat img:not(.emote), #chat iframe, #chat b').length`); n != 0 {
			t.Errorf("%d elements made from chat text", n)
		}
		if !onlyScripts(eval[[]string](t, ctx, `Array.from(document.scripts, (s) => s.src)`), "chat") {
			t.Error("a script beyond the overlay's own is on the page")
		}
	})

	t.Run("CLEARMSGRemovesTheLine", func(t *testing.T) {
		l.say(t, "@login=mallory;room-id=1;target-msg-id=m2;tmi-sent-ts=1 :tmi.twitch.tv CLEARMSG #alice :whatever")
		waitChat(t, ctx, 5*time.Second, []shownLine{zoe, bot, troll1, bob, troll2})
	})

	t.Run("CLEARCHATRemovesTheUsersLines", func(t *testing.T) {
		l.say(t, "@ban-duration=600;room-id=1;target-user-id="+userID("troll")+";tmi-sent-ts=2 :tmi.twitch.tv CLEARCHAT #alice :troll")
		waitChat(t, ctx, 5*time.Second, []shownLine{zoe, bot, bob})
	})

	shot := screenshot(t, ctx, "chat.png")
	t.Run("CornerTransparent", func(t *testing.T) {
		if _, _, _, a := shot.At(2, 2).RGBA(); a != 0 {
			t.Errorf("top-left pixel has alpha %d, want 0", a)
		}
	})
	eval[chromedp.Void](t, ctx, `document.documentElement.style.background = 'linear-gradient(135deg, #0b0f1a, #2a1b3d 60%, #0d3b2e) fixed'`)
	browsertest.Screenshot(t, ctx, "chat-dark.png")
	eval[chromedp.Void](t, ctx, `document.documentElement.style.background = ''`)

	t.Run("NoForeignRequests", func(t *testing.T) {
		if f := reqs.foreign("http://" + l.Addr); len(f) != 0 {
			t.Errorf("requests beyond Hearth and Twitch's emotes: %q", f)
		}
	})

	t.Run("BotsHidden", func(t *testing.T) {
		q := url.Values{"channel": {"alice"}, "token": {"alice-secret"}, "bots": {"0"}, "length": {"2"}}
		if err := chromedp.Do(ctx, chromedp.Navigate("http://"+l.Addr+"/overlays/chat?"+q.Encode())); err != nil {
			t.Fatal(err)
		}
		// The last two lines that are not a bot's.
		waitChat(t, ctx, 5*time.Second, []shownLine{zoe, bob})
	})
}

// TestChatFadesLines: with fade=1, a line leaves a second after it came,
// and does not come back with the next state.
func TestChatFadesLines(t *testing.T) {
	t.Parallel()
	ctx := browsertest.New(t)
	watchPage(t, ctx)
	l := startLive(t)
	q := url.Values{"channel": {"alice"}, "token": {"alice-secret"}, "fade": {"1"}}
	if err := chromedp.Do(ctx, chromedp.Navigate("http://"+l.Addr+"/overlays/chat?"+q.Encode())); err != nil {
		t.Fatal(err)
	}
	waitConnection(t, ctx, 5*time.Second, func(s string) bool { return s == "open" }, "open")
	l.say(t, privmsg("f1", "ann", "Ann", "", "first"))
	ann := shownLine{Badges: []string{}, Name: "Ann", Color: "rgb(255, 193, 94)", Parts: []string{"first"}}
	waitChat(t, ctx, 5*time.Second, []shownLine{ann})
	waitChat(t, ctx, 5*time.Second, []shownLine{})
	l.say(t, privmsg("f2", "ann", "Ann", "", "second"))
	ann.Parts = []string{"second"}
	waitChat(t, ctx, 5*time.Second, []shownLine{ann})
	if n := eval[int](t, ctx, `document.querySelectorAll('#chat > .line:not(.leaving)').length`); n != 1 {
		t.Errorf("%d lines shown after the first faded; want only the second", n)
	}
	_ = hearth.TopicChat
}
