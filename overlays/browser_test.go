package overlays_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
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

// onlyScripts reports whether scripts, the sources of a page's scripts in
// order, are the overlay scripts every page loads and then the named
// kinds' own, in order.
func onlyScripts(scripts []string, kinds ...string) bool {
	want := []string{"theme.js", "live.js"}
	for _, k := range kinds {
		want = append(want, k+".js")
	}
	if len(scripts) != len(want) {
		return false
	}
	for i, s := range scripts {
		if !strings.HasSuffix(s, "/overlays/assets/"+want[i]) {
			return false
		}
	}
	return true
}

// TestMain runs the package's tests with one Chromium for the run; each
// browser test opens its page in a fresh browser context of it.
func TestMain(m *testing.M) { os.Exit(browsertest.Main(m)) }

const (
	hostileImg    = `<img src=x onerror=alert(1)>`
	hostileScript = `<script>alert(2)</script>`
	longName      = "\u202eSuperLongDisplayNameThatGoesOnAndOnForeverAndEver\u200d\u200dAndThenSomeMore"
)

// watchPage fails the test, at its end, if the page threw an exception,
// broke the CSP or opened a dialog. An alert would mean chat text ran as
// script: it is recorded and dismissed so the page keeps going.
func watchPage(t *testing.T, ctx context.Context) {
	t.Helper()
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
}

func TestLeaderboardInBrowser(t *testing.T) {
	t.Parallel()
	ctx := browsertest.New(t)
	watchPage(t, ctx)

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
		if !onlyScripts(scripts, "leaderboard") {
			t.Errorf("scripts on the page: %q, want only theme.js, live.js and leaderboard.js", scripts)
		}
		// Each row holds exactly its three cells, and each cell only text.
		if n := eval[int](t, ctx, `document.querySelectorAll('#rows > .row > * *').length`); n != 0 {
			t.Errorf("%d elements inside the rows' cells", n)
		}
	})

	t.Run("LongNameShownWhole", func(t *testing.T) {
		fit := eval[map[string]float64](t, ctx, `(() => {
			const row = document.querySelector('#rows > .row[data-login="longname"]');
			const name = row.querySelector('.name');
			const points = row.querySelector('.points').getBoundingClientRect();
			return {
				overflow: Math.max(name.scrollWidth - name.clientWidth, name.scrollHeight - name.clientHeight),
				fontSize: parseFloat(getComputedStyle(name).fontSize),
				rowRight: row.getBoundingClientRect().right,
				pointsRight: points.right,
				rowHeight: row.getBoundingClientRect().height,
			};
		})()`)
		// Longer than Twitch allows, and still shown whole: smaller, on
		// two lines.
		if fit["overflow"] > 1 || fit["fontSize"] < 8 {
			t.Errorf("long name cut or unreadable: %v", fit)
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
		browsertest.Screenshot(t, ctx, "leaderboard-"+bg.name+".png")
	}
	eval[chromedp.Void](t, ctx, `document.documentElement.style.background = ''`)

	t.Run("TiesShareAPosition", func(t *testing.T) {
		s.Hub.Publish("alice", hearth.TopicLeaderboard, hearth.Leaderboard{
			Channel: "alice",
			Entries: []hearth.LeaderboardEntry{
				{Rank: 1, Login: "zoe", DisplayName: "Zoë ★", Points: 15230},
				{Rank: 2, Login: "mallory", DisplayName: hostileImg, Points: 4410},
				{Rank: 2, Login: "longname", DisplayName: longName, Points: 4410},
				{Rank: 4, Login: "eve", DisplayName: hostileScript, Points: 870},
				{Rank: 5, Login: "bob_the_builder", DisplayName: "", Points: 12},
			},
		})
		waitRows(t, ctx, 5*time.Second, []shownRow{
			{"1", "Zoë ★", "15,230"},
			{"2", hostileImg, "4,410"},
			{"2", longName, "4,410"},
			{"4", hostileScript, "870"},
			{"5", "bob_the_builder", "12"},
		})
	})

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

// alertSeq0 starts the Seqs of the test's alerts: a channel's log numbers
// its events from 1.
const alertSeq0 = 0

// alert is the test's event number n.
func alert(n int64, kind, login, displayName, rank string) hearth.OverlayEvent {
	return hearth.OverlayEvent{
		Seq:         alertSeq0 + n,
		Kind:        kind,
		Login:       login,
		DisplayName: displayName,
		Rank:        rank,
		At:          time.Date(2025, 11, 23, 20, 0, int(n), 0, time.UTC),
	}
}

// withAmount is e with Amount n: a raid's viewers, a gift's subs.
func withAmount(e hearth.OverlayEvent, n int64) hearth.OverlayEvent {
	e.Amount = n
	return e
}

// seqText is how the page writes the Seq of alert number n.
func seqText(n int64) string { return strconv.FormatInt(alertSeq0+n, 10) }

// recordAlertsJS runs in every document before the page's own script and
// records each alert the page shows, as it shows it: the page sets the
// banner's data-seq once per alert shown, in the same task that fills in
// the text, unhides the banner and sizes the text to fit. It records too
// whether any markup came out of the text, and measures the layout the
// viewer gets: the banner inside the viewport, no box whose content is
// wider or taller than the box, no ellipsis, every line of text inside the
// banner, and a readable size.
const recordAlertsJS = `window.hearthShown = [];
window.hearthLayout = (a) => {
	const problems = [];
	const vw = document.documentElement.clientWidth, vh = document.documentElement.clientHeight;
	// The offsets leave out the banner's entrance transform.
	if (a.offsetLeft < 0 || a.offsetTop < 0 || a.offsetLeft + a.offsetWidth > vw || a.offsetTop + a.offsetHeight > vh) {
		problems.push('banner ' + a.offsetLeft + ',' + a.offsetTop + ' ' + a.offsetWidth + 'x' + a.offsetHeight + ' outside the ' + vw + 'x' + vh + ' viewport');
	}
	for (const el of [a, ...a.querySelectorAll('.alert-body, .alert-label, .alert-text')]) {
		if (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1) {
			problems.push(el.className + ' content ' + el.scrollWidth + 'x' + el.scrollHeight + ' overflows its box ' + el.clientWidth + 'x' + el.clientHeight);
		}
	}
	for (const el of a.querySelectorAll('*')) {
		if (getComputedStyle(el).textOverflow === 'ellipsis') problems.push(el.className + ' has text-overflow: ellipsis');
	}
	const box = a.getBoundingClientRect();
	for (const el of a.querySelectorAll('.alert-label, .alert-text')) {
		const range = document.createRange();
		range.selectNodeContents(el);
		for (const r of range.getClientRects()) {
			if (r.width === 0) continue;
			if (r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5) {
				problems.push(el.className + ' line at ' + Math.round(r.left - box.left) + ',' + Math.round(r.top - box.top) + ' ' +
					Math.round(r.width) + 'x' + Math.round(r.height) + ' outside the ' + Math.round(box.width) + 'x' + Math.round(box.height) + ' banner');
			}
		}
	}
	const px = parseFloat(getComputedStyle(a.querySelector('.alert-text')).fontSize);
	if (px < 14 && a.dataset.kind !== 'poll_result') problems.push('text at ' + px + 'px');
	return problems.join('; ');
};
new MutationObserver((records) => {
	for (const r of records) {
		if (r.target.id !== 'alert') continue;
		const a = r.target;
		window.hearthShown.push({
			seq: a.dataset.seq || '',
			label: a.querySelector('.alert-label').textContent,
			text: a.querySelector('.alert-text').textContent,
			visible: !a.hidden,
			nested: a.querySelectorAll('.alert-text * *').length,
			images: document.images.length,
			layout: window.hearthLayout(a),
		});
	}
}).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-seq'] });`

// shownAlert is one alert as the page showed it.
type shownAlert struct {
	Seq     string `json:"seq"`
	Label   string `json:"label"`
	Text    string `json:"text"`
	Visible bool   `json:"visible"`
	Nested  int    `json:"nested"` // elements inside the parts of the text
	Images  int    `json:"images"` // img elements on the page
	Layout  string `json:"layout"` // what does not fit, "" when everything does
}

// shown returns a shown alert as the test expects it.
func shown(n int64, label, text string) shownAlert {
	return shownAlert{Seq: seqText(n), Label: label, Text: text, Visible: true}
}

// waitShown polls until the page has shown exactly want since it loaded.
// It fails at once if the page shows anything else.
func waitShown(t *testing.T, ctx context.Context, within time.Duration, want []shownAlert) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		got := eval[[]shownAlert](t, ctx, `window.hearthShown`)
		if len(got) > len(want) || !slices.Equal(got, want[:len(got)]) {
			t.Fatalf("the page showed\n%s\nwant\n%s", formatShown(got), formatShown(want))
		}
		if len(got) == len(want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s the page showed\n%s\nwant\n%s", within, formatShown(got), formatShown(want))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func formatShown(alerts []shownAlert) string {
	if len(alerts) == 0 {
		return "  (nothing)\n"
	}
	var b strings.Builder
	for _, a := range alerts {
		fmt.Fprintf(&b, "  %s | %q | %q | visible %t, nested %d, images %d\n", a.Seq, a.Label, a.Text, a.Visible, a.Nested, a.Images)
		if a.Layout != "" {
			fmt.Fprintf(&b, "      layout: %s\n", a.Layout)
		}
	}
	return b.String()
}

// waitJS polls script until it returns want.
func waitJS(t *testing.T, ctx context.Context, within time.Duration, script, want string) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		got := eval[string](t, ctx, script)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s %s is %q, want %q", within, script, got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

const (
	alertsWidth  = 800
	alertsHeight = 200
	// bannerHiddenJS says whether the banner is off screen, as a string.
	bannerHiddenJS = `String(document.getElementById('alert').hidden)`
	// seenJS is the highest Seq the page has taken in.
	seenJS = `document.body.dataset.seen || ''`
)

// openAlerts opens alice's alerts overlay, with ?hold=hold milliseconds, in
// a browser that records each alert it shows, once the page has taken in
// old, which it does not show. It returns the browser and the server.
func openAlerts(t *testing.T, old []hearth.OverlayEvent, hold int) (context.Context, *server) {
	t.Helper()
	ctx := browsertest.New(t)
	watchPage(t, ctx)
	setup, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	record := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: recordAlertsJS})
		return err
	})
	if err := chromedp.Do(setup, chromedp.EmulateViewport(alertsWidth, alertsHeight), record); err != nil {
		t.Fatalf("set up the browser: %v", err)
	}

	s := startServer(t, "127.0.0.1:0", overlays.Options{})
	s.Hub.PublishEvents("alice", old)

	nav, cancelNav := context.WithTimeout(ctx, 10*time.Second)
	defer cancelNav()
	if err := chromedp.Do(nav, chromedp.Navigate(s.pageURL("alerts", "alice", "alice-secret")+"&hold="+strconv.Itoa(hold))); err != nil {
		t.Fatalf("load the overlay: %v", err)
	}
	waitConnection(t, ctx, 5*time.Second, func(s string) bool { return s == "open" }, "open")
	waitJS(t, ctx, 5*time.Second, seenJS, strconv.FormatInt(old[len(old)-1].Seq, 10))
	return ctx, s
}

// shootAlert opens a fresh alerts page for bob that holds each alert for
// 30 s, shows a on it as want, and once the banner has settled measures
// its layout again and saves a screenshot as name.
func shootAlert(t *testing.T, ctx context.Context, s *server, a hearth.OverlayEvent, want shownAlert, name string) {
	t.Helper()
	nav, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := chromedp.Do(nav, chromedp.Navigate(s.pageURL("alerts", "bob", "bob-secret")+"&hold=30000")); err != nil {
		t.Fatalf("load the overlay for bob: %v", err)
	}
	waitJS(t, ctx, 5*time.Second, seenJS, "0")
	s.Hub.PublishEvents("bob", []hearth.OverlayEvent{a})
	waitShown(t, ctx, 5*time.Second, []shownAlert{want})
	waitJS(t, ctx, 5*time.Second, `String(document.getElementById('alert').getAnimations().length)`, "0")
	if got := eval[string](t, ctx, `window.hearthLayout(document.getElementById('alert'))`); got != "" {
		t.Errorf("settled banner: %s", got)
	}
	shot := screenshot(t, ctx, name)
	if b := shot.Bounds(); b.Dx() != alertsWidth || b.Dy() != alertsHeight {
		t.Errorf("screenshot is %dx%d, want %dx%d", b.Dx(), b.Dy(), alertsWidth, alertsHeight)
	}
	// The top corners: a banner that grew casts its shadow below.
	for _, p := range []image.Point{{2, 2}, {alertsWidth - 3, 2}} {
		if _, _, _, a := shot.At(p.X, p.Y).RGBA(); a != 0 {
			t.Errorf("pixel %v off the banner has alpha %d, want 0", p, a)
		}
	}
}

func TestAlertsInBrowser(t *testing.T) {
	t.Parallel()
	old := []hearth.OverlayEvent{
		alert(1, "welcome", "zoe", "Zoë ★", ""),
		alert(2, "welcome_back", "max", "Max", ""),
		alert(3, "rank_up", "bob", "Bob", "Regular"),
	}
	ctx, s := openAlerts(t, old, 800)

	t.Run("OldAlertsNotShown", func(t *testing.T) {
		waitShown(t, ctx, 0, nil)
		if got := eval[string](t, ctx, bannerHiddenJS); got != "true" {
			t.Errorf("banner hidden = %s after the first state", got)
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

	// Publishing the old events again adds nothing: the log holds them.
	items := append(slices.Clone(old),
		alert(4, "welcome", "mallory", hostileImg, ""),
		alert(5, "rank_up", "zoe", "Zoë ★", "Regular"),
	)
	s.Hub.PublishEvents("alice", items)
	want := []shownAlert{
		shown(4, "First time here", "Welcome, "+hostileImg+"!"),
		shown(5, "Rank up", "Zoë ★ reached Regular!"),
	}

	t.Run("NewAlertsShownInOrder", func(t *testing.T) {
		waitShown(t, ctx, 8*time.Second, want)
		waitJS(t, ctx, 5*time.Second, bannerHiddenJS, "true")
	})

	t.Run("ChatTextIsNeverMarkup", func(t *testing.T) {
		scripts := eval[[]string](t, ctx, `Array.from(document.scripts, (s) => s.src)`)
		if !onlyScripts(scripts, "events", "alerts") {
			t.Errorf("scripts on the page: %q, want only theme.js, live.js, events.js and alerts.js", scripts)
		}
		if n := eval[int](t, ctx, `document.querySelectorAll('img, iframe, object, embed').length`); n != 0 {
			t.Errorf("%d embedded elements on the page", n)
		}
	})

	t.Run("EachAlertShownOnce", func(t *testing.T) {
		// The same alerts again, and one of a kind the page does not know:
		// the page takes its Seq in, which tells the test the state has
		// arrived, and shows nothing.
		s.Hub.PublishEvents("alice", append(slices.Clone(items), alert(6, "from_the_future", "eve", "Eve", "")))
		waitJS(t, ctx, 5*time.Second, seenJS, seqText(6))
		waitShown(t, ctx, 0, want)
		if got := eval[string](t, ctx, bannerHiddenJS); got != "true" {
			t.Errorf("banner hidden = %s after a state with nothing new", got)
		}
	})

	t.Run("ReconnectsAfterRestart", func(t *testing.T) {
		addr := s.Addr
		s.Stop(t)
		waitConnection(t, ctx, 5*time.Second, func(s string) bool { return s != "open" }, "not open")

		// Hearth is back with the events it stored, and three that came
		// while the page was away: only those are news to the page, and it
		// shows them in order, without a reload.
		restarted := startServer(t, addr, overlays.Options{})
		restarted.Hub.PublishEvents("alice", []hearth.OverlayEvent{
			alert(3, "rank_up", "bob", "Bob", "Regular"),
			alert(4, "welcome", "mallory", hostileImg, ""),
			alert(5, "rank_up", "zoe", "Zoë ★", "Regular"),
			alert(6, "from_the_future", "eve", "Eve", ""),
			alert(7, "welcome_back", "eve", hostileScript, ""),
			alert(8, "follow", "fay", "Fay", ""),
			withAmount(alert(9, "raid", "gus", "Gus", ""), 12),
		})
		want = append(want,
			shown(7, "Returning viewer", "Welcome back, "+hostileScript+"!"),
			shown(8, "New follower", "Thanks for the follow, Fay!"),
			shown(9, "Raid", "Gus is raiding with 12 viewers!"))
		waitShown(t, ctx, 10*time.Second, want)
		waitConnection(t, ctx, time.Second, func(s string) bool { return s == "open" }, "open")
		waitJS(t, ctx, 5*time.Second, bannerHiddenJS, "true")

		t.Run("FirstAlertAfterStart", func(t *testing.T) {
			// A fresh page, for a channel that has had no alert since
			// Hearth started: the first one is news. The page holds it
			// long enough to look at.
			nav, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			if err := chromedp.Do(nav, chromedp.Navigate(restarted.pageURL("alerts", "bob", "bob-secret")+"&hold=30000")); err != nil {
				t.Fatalf("load the overlay for bob: %v", err)
			}
			waitJS(t, ctx, 5*time.Second, seenJS, "0")
			restarted.Hub.PublishEvents("bob", []hearth.OverlayEvent{
				alert(1, "rank_up", "zoe", "Zoë ★", "Chat Legend"),
			})
			waitShown(t, ctx, 5*time.Second, []shownAlert{shown(1, "Rank up", "Zoë ★ reached Chat Legend!")})
			// Settled: the banner has slid in.
			waitJS(t, ctx, 5*time.Second, `String(document.getElementById('alert').getAnimations().length)`, "0")

			shot := screenshot(t, ctx, "alerts.png")
			if b := shot.Bounds(); b.Dx() != alertsWidth || b.Dy() != alertsHeight {
				t.Errorf("screenshot is %dx%d, want %dx%d", b.Dx(), b.Dy(), alertsWidth, alertsHeight)
			}
			// What OBS gets: see-through around the banner, opaque enough
			// on it.
			for _, p := range []image.Point{{2, 2}, {alertsWidth - 3, alertsHeight - 3}} {
				if _, _, _, a := shot.At(p.X, p.Y).RGBA(); a != 0 {
					t.Errorf("pixel %v off the banner has alpha %d, want 0", p, a)
				}
			}
			if _, _, _, a := shot.At(alertsWidth/2, alertsHeight/2).RGBA(); a < 0x8000 {
				t.Errorf("pixel in the banner has alpha %d, want at least half opaque", a)
			}
			// Only for looking at: how it reads over a dark and a light scene.
			for _, bg := range []struct{ name, css string }{
				{"dark", "linear-gradient(135deg, #0b0f1a, #2a1b3d 60%, #0d3b2e) fixed"},
				{"light", "linear-gradient(135deg, #ffffff, #e8f1ff 50%, #fff3d6) fixed"},
			} {
				eval[chromedp.Void](t, ctx, `document.documentElement.style.background = '`+bg.css+`'`)
				browsertest.Screenshot(t, ctx, "alerts-"+bg.name+".png")
			}
			eval[chromedp.Void](t, ctx, `document.documentElement.style.background = ''`)
		})
	})
}
