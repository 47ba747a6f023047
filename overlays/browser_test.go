package overlays_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/internal/browsertest"
	"github.com/hearthlive/hearth/overlays"
)

// shownRow is one leaderboard row as the viewer sees it.
type shownRow struct {
	Rank   string `json:"rank"`
	Name   string `json:"name"`
	Points string `json:"points"`
}

// readRowsJS returns the rows in DOM order, or null while they are still
// moving, so a test only ever compares a settled screen.
const readRowsJS = `(() => {
	const rows = Array.from(document.querySelectorAll('#rows > .row'));
	let lastTop = -Infinity;
	for (const r of rows) {
		const top = r.getBoundingClientRect().top;
		if (top <= lastTop || r.getAnimations({subtree: true}).length > 0) return null;
		lastTop = top;
	}
	if (document.querySelectorAll('#ghosts > .row').length > 0) return null;
	return rows.map((r) => ({
		rank: r.querySelector('.rank').innerText,
		name: r.querySelector('.name').innerText,
		points: r.querySelector('.points').innerText,
	}));
})()`

// waitRows polls the page until it shows want, and fails the test after
// the deadline with what it showed last.
func waitRows(t *testing.T, ctx context.Context, within time.Duration, want []shownRow) {
	t.Helper()
	deadline := time.Now().Add(within)
	var got []shownRow
	for {
		cctx, cancel := context.WithTimeout(ctx, within)
		rows, err := chromedp.Run(cctx, chromedp.Evaluate[[]shownRow](readRowsJS))
		cancel()
		if err != nil {
			t.Fatalf("read rows: %v", err)
		}
		if rows != nil {
			got = rows
			if reflect.DeepEqual(got, want) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s the page shows\n%s\nwant\n%s", within, formatRows(got), formatRows(want))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func formatRows(rows []shownRow) string {
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "  %s | %q | %s\n", r.Rank, r.Name, r.Points)
	}
	return b.String()
}

// eval runs a script that returns T, failing the test on error.
func eval[T any](t *testing.T, ctx context.Context, script string) T {
	t.Helper()
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	v, err := chromedp.Run(cctx, chromedp.Evaluate[T](script))
	if err != nil {
		t.Fatalf("evaluate %s: %v", script, err)
	}
	return v
}

// waitConnection polls the page's connection state, which the page keeps
// in <body data-connection>.
func waitConnection(t *testing.T, ctx context.Context, within time.Duration, want func(string) bool, what string) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		state := eval[string](t, ctx, `document.body.dataset.connection`)
		if want(state) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s the socket is %q, want %s", within, state, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// screenshot saves the viewport as a PNG and returns the image.
func screenshot(t *testing.T, ctx context.Context, name string) image.Image {
	t.Helper()
	b, err := os.ReadFile(browsertest.Screenshot(t, ctx, name))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode screenshot: %v", err)
	}
	return img
}

const (
	hostileImg    = `<img src=x onerror=alert(1)>`
	hostileScript = `<script>alert(2)</script>`
	longName      = "\u202eSuperLongDisplayNameThatGoesOnAndOnForeverAndEver\u200d\u200dAndThenSomeMore"
)

func TestLeaderboardInBrowser(t *testing.T) {
	ctx := browsertest.New(t)

	// Anything the page says in the console is collected; an exception or
	// a CSP violation fails the test. An alert would mean chat text ran as
	// script: it is recorded and dismissed so the page keeps going.
	var mu sync.Mutex
	var problems []string
	messages := chromedp.Console(ctx)
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() || strings.Contains(m.Text, "Content Security Policy") {
				mu.Lock()
				problems = append(problems, m.String())
				mu.Unlock()
			}
		}
	}()
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			mu.Lock()
			problems = append(problems, "dialog opened: "+ev.Message)
			mu.Unlock()
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, p := range problems {
			t.Errorf("page: %s", p)
		}
	})

	s := startServer(t, "127.0.0.1:0", overlays.Options{})
	s.Hub.Publish("alice", hearth.TopicLeaderboard, hearth.Leaderboard{
		Channel: "alice",
		Entries: []hearth.LeaderboardEntry{
			{Rank: 1, Login: "zoe", DisplayName: "Zoë ★", Points: 15230, Messages: 120},
			{Rank: 2, Login: "mallory", DisplayName: hostileImg, Points: 9001, Messages: 80},
			{Rank: 3, Login: "longname", DisplayName: longName, Points: 4410, Messages: 40},
			{Rank: 4, Login: "eve", DisplayName: hostileScript, Points: 870, Messages: 9},
			{Rank: 5, Login: "bob_the_builder", DisplayName: "", Points: 12, Messages: 1},
		},
	})

	nav, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := chromedp.Do(nav, chromedp.Navigate(s.pageURL("leaderboard", "alice", "alice-secret"))); err != nil {
		t.Fatalf("load the overlay: %v", err)
	}
	waitRows(t, ctx, 5*time.Second, []shownRow{
		{"1", "Zoë ★", "15,230"},
		{"2", hostileImg, "9,001"},
		{"3", longName, "4,410"},
		{"4", hostileScript, "870"},
		{"5", "bob_the_builder", "12"},
	})
	waitConnection(t, ctx, 2*time.Second, func(s string) bool { return s == "open" }, "open")

	t.Run("TitleShown", func(t *testing.T) {
		if got := eval[string](t, ctx, `document.querySelector('.title').innerText`); !strings.EqualFold(got, "Top chatters") {
			t.Errorf("title %q", got)
		}
	})

	t.Run("BackgroundTransparent", func(t *testing.T) {
		for _, el := range []string{"document.body", "document.documentElement"} {
			got := eval[string](t, ctx, `getComputedStyle(`+el+`).backgroundColor`)
			if got != "rgba(0, 0, 0, 0)" {
				t.Errorf("%s background %q, want rgba(0, 0, 0, 0)", el, got)
			}
		}
	})

	t.Run("ChatTextIsNeverMarkup", func(t *testing.T) {
		if n := eval[int](t, ctx, `document.querySelectorAll('img').length`); n != 0 {
			t.Errorf("%d img elements on the page", n)
		}
		scripts := eval[[]string](t, ctx, `Array.from(document.scripts, (s) => s.src)`)
		if len(scripts) != 1 || !strings.HasSuffix(scripts[0], "/overlays/assets/leaderboard.js") {
			t.Errorf("scripts on the page: %q, want only leaderboard.js", scripts)
		}
		// Each row holds exactly its three cells, and each cell only text.
		if n := eval[int](t, ctx, `document.querySelectorAll('#rows > .row > * *').length`); n != 0 {
			t.Errorf("%d elements inside the rows' cells", n)
		}
	})

	t.Run("LongNameClipped", func(t *testing.T) {
		fit := eval[map[string]float64](t, ctx, `(() => {
			const row = document.querySelector('#rows > .row[data-login="longname"]');
			const name = row.querySelector('.name');
			const points = row.querySelector('.points').getBoundingClientRect();
			return {
				overflow: name.scrollWidth - name.clientWidth,
				rowRight: row.getBoundingClientRect().right,
				pointsRight: points.right,
				rowHeight: row.getBoundingClientRect().height,
			};
		})()`)
		if fit["overflow"] <= 0 {
			t.Errorf("long name not clipped: %v", fit)
		}
		if fit["rowRight"] > 400 || fit["pointsRight"] > fit["rowRight"] {
			t.Errorf("row or points outside the 400px source: %v", fit)
		}
		if fit["rowHeight"] > 60 {
			t.Errorf("row grew to %vpx", fit["rowHeight"])
		}
	})

	shot := screenshot(t, ctx, "leaderboard.png")
	t.Run("ScreenshotComposites", func(t *testing.T) {
		// What OBS gets: see-through below the board, opaque enough on it.
		if _, _, _, a := shot.At(200, 590).RGBA(); a != 0 {
			t.Errorf("pixel below the board has alpha %d, want 0", a)
		}
		if _, _, _, a := shot.At(200, 70).RGBA(); a < 0x8000 {
			t.Errorf("pixel on the first row has alpha %d, want at least half opaque", a)
		}
	})
	// Only for looking at: how it reads over a dark and a light scene.
	for _, bg := range []struct{ name, css string }{
		{"dark", "linear-gradient(135deg, #0b0f1a, #2a1b3d 60%, #0d3b2e) fixed"},
		{"light", "linear-gradient(135deg, #ffffff, #e8f1ff 50%, #fff3d6) fixed"},
	} {
		eval[chromedp.Void](t, ctx, `document.documentElement.style.background = '`+bg.css+`'`)
		screenshot(t, ctx, "leaderboard-"+bg.name+".png")
	}
	eval[chromedp.Void](t, ctx, `document.documentElement.style.background = ''`)

	t.Run("LiveUpdateInPlace", func(t *testing.T) {
		// Mark the row nodes: an update must move and change them, not
		// rebuild them.
		eval[chromedp.Void](t, ctx, `document.querySelectorAll('#rows > .row').forEach((r) => { r.hearthMark = r.dataset.login; })`)
		s.Hub.Publish("alice", hearth.TopicLeaderboard, hearth.Leaderboard{
			Channel: "alice",
			Entries: []hearth.LeaderboardEntry{
				{Rank: 1, Login: "eve", DisplayName: hostileScript, Points: 20000},
				{Rank: 2, Login: "zoe", DisplayName: "Zoë ★", Points: 15240},
				{Rank: 3, Login: "mallory", DisplayName: hostileImg, Points: 9001},
				{Rank: 4, Login: "newcomer", DisplayName: "Newcomer", Points: 5000},
				{Rank: 5, Login: "longname", DisplayName: longName, Points: 4410},
			},
		})
		waitRows(t, ctx, 5*time.Second, []shownRow{
			{"1", hostileScript, "20,000"},
			{"2", "Zoë ★", "15,240"},
			{"3", hostileImg, "9,001"},
			{"4", "Newcomer", "5,000"},
			{"5", longName, "4,410"},
		})
		kept := eval[[]string](t, ctx, `Array.from(document.querySelectorAll('#rows > .row'), (r) => r.hearthMark || '')`)
		if want := []string{"eve", "zoe", "mallory", "", "longname"}; !reflect.DeepEqual(kept, want) {
			t.Errorf("row nodes by position %q, want %q: rows must be updated in place", kept, want)
		}
	})

	t.Run("ReconnectsAfterRestart", func(t *testing.T) {
		addr := s.Addr
		s.Stop(t)
		waitConnection(t, ctx, 5*time.Second, func(s string) bool { return s != "open" }, "not open")
		// While Hearth is away the last state stays on screen.
		waitRows(t, ctx, time.Second, []shownRow{
			{"1", hostileScript, "20,000"},
			{"2", "Zoë ★", "15,240"},
			{"3", hostileImg, "9,001"},
			{"4", "Newcomer", "5,000"},
			{"5", longName, "4,410"},
		})

		restarted := startServer(t, addr, overlays.Options{})
		restarted.Hub.Publish("alice", hearth.TopicLeaderboard, hearth.Leaderboard{
			Channel: "alice",
			Entries: []hearth.LeaderboardEntry{
				{Rank: 1, Login: "zoe", DisplayName: "Zoë ★", Points: 30000},
				{Rank: 2, Login: "eve", DisplayName: hostileScript, Points: 20000},
			},
		})
		waitRows(t, ctx, 10*time.Second, []shownRow{
			{"1", "Zoë ★", "30,000"},
			{"2", hostileScript, "20,000"},
		})
		waitConnection(t, ctx, time.Second, func(s string) bool { return s == "open" }, "open")
		if n := restarted.Hub.Clients("alice"); n != 1 {
			t.Errorf("restarted hub has %d sockets for alice, want 1", n)
		}
	})
}
