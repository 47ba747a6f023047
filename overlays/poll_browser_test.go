package overlays_test

import (
	"context"
	"fmt"
	"image"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/internal/browsertest"
	"github.com/hearthlive/hearth/overlays"
)

// shownOption is one option of the poll overlay as the viewer sees it.
type shownOption struct {
	Number string  `json:"number"`
	Label  string  `json:"label"`
	Share  string  `json:"share"`
	Count  string  `json:"count"`
	Badge  string  `json:"badge"` // "" when no badge is shown
	Bar    float64 `json:"bar"`   // the bar's drawn width over the row's, to 0.01
}

// shownPoll is the poll overlay as the viewer sees it, but for the
// countdown, which moves.
type shownPoll struct {
	Shown    bool          `json:"shown"`
	Kind     string        `json:"kind"`
	Note     string        `json:"note"` // "" when no note is shown
	Question string        `json:"question"`
	Options  []shownOption `json:"options"`
	Voters   string        `json:"voters"`
	Hint     string        `json:"hint"`
}

// readPollJS returns the poll as shown, or null while anything on it is
// still moving, so a test only ever compares a settled screen. Shown means
// drawn: neither hidden nor transparent.
const readPollJS = `(() => {
	const root = document.getElementById('poll');
	if (root.getAnimations({subtree: true}).length > 0) return null;
	const style = getComputedStyle(root);
	const visible = (el) => !el.hidden && getComputedStyle(el).display !== 'none';
	const note = document.getElementById('poll-note');
	return {
		shown: style.visibility === 'visible' && style.opacity === '1',
		kind: document.getElementById('poll-kind').textContent,
		note: visible(note) ? note.textContent : '',
		question: document.getElementById('poll-question').textContent,
		options: Array.from(document.querySelectorAll('#poll-options > .poll-option'), (row) => {
			const badge = row.querySelector('.poll-badge');
			return {
				number: row.querySelector('.poll-number').textContent,
				label: row.querySelector('.poll-label').textContent,
				share: row.querySelector('.poll-share').textContent,
				count: row.querySelector('.poll-count').textContent,
				badge: visible(badge) ? badge.textContent : '',
				bar: Math.round(row.querySelector('.poll-fill').getBoundingClientRect().width / row.clientWidth * 100) / 100,
			};
		}),
		voters: document.getElementById('poll-voters').textContent,
		hint: document.getElementById('poll-hint').textContent,
	};
})()`

// waitPoll polls the page until it shows want, and fails the test after
// the deadline with what it showed last.
func waitPoll(t *testing.T, ctx context.Context, within time.Duration, want shownPoll) {
	t.Helper()
	deadline := time.Now().Add(within)
	var got *shownPoll
	for {
		cctx, cancel := context.WithTimeout(ctx, within)
		p, err := chromedp.Run(cctx, chromedp.Evaluate[*shownPoll](readPollJS))
		cancel()
		if err != nil {
			t.Fatalf("read the poll: %v", err)
		}
		if p != nil {
			got = p
			if reflect.DeepEqual(*got, want) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s the page shows\n%s\nwant\n%s", within, formatPoll(got), formatPoll(&want))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func formatPoll(p *shownPoll) string {
	if p == nil {
		return "  (nothing settled)\n"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "  shown %t | %q | note %q | %q\n", p.Shown, p.Kind, p.Note, p.Question)
	for _, o := range p.Options {
		fmt.Fprintf(&b, "  %s | %q | %s | %q | badge %q | bar %.2f\n", o.Number, o.Label, o.Share, o.Count, o.Badge, o.Bar)
	}
	fmt.Fprintf(&b, "  %q | %q\n", p.Voters, p.Hint)
	return b.String()
}

const (
	pollWidth  = 800
	pollHeight = 600
	// pollClockJS is the countdown as shown.
	pollClockJS = `document.getElementById('poll-clock').textContent`
	// pollGoneJS says, as a string, whether the overlay draws nothing at
	// all: the panel hidden and fully transparent, and the page behind it
	// transparent too.
	pollGoneJS = `(() => {
		const root = getComputedStyle(document.getElementById('poll'));
		const page = [document.body, document.documentElement].every((el) => getComputedStyle(el).backgroundColor === 'rgba(0, 0, 0, 0)');
		return String(root.visibility === 'hidden' && root.opacity === '0' && page);
	})()`
	hostileClose = `</script><script>alert(3)</script>`
	rtlLabel     = "\u202eInferno\u200f أي خريطة"
	emojiLabel   = "🔥 Mirage 🏜️✨"
	longLabel    = "Ancient_but_with_a_label_that_never_ends_and_never_breaks_because_chat_is_chat_" +
		"and_somebody_always_tries_the_longest_possible_option"
)

// pollState is the test's poll for alice, as the engine would publish it,
// with the server's clock at now.
func pollState(id, status string, now time.Time, labels []string, votes ...int64) hearth.PollState {
	s := hearth.PollState{
		Channel:  "alice",
		ID:       id,
		Kind:     hearth.PollChat,
		Status:   status,
		Question: "Which map next? " + hostileImg,
		Winners:  []int{},
		EndsAt:   now.Add(90 * time.Second),
		Now:      now,
	}
	for i, label := range labels {
		var v int64
		if i < len(votes) {
			v = votes[i]
		}
		s.Options = append(s.Options, hearth.PollOptionState{Label: label, Votes: v, Score: v})
		s.Voters += v
		s.Total += v
	}
	return s
}

// option is a row as the test expects it: unweighted, no badge.
func option(n int, label string, votes int64, share string, bar float64) shownOption {
	count := fmt.Sprintf("%d votes", votes)
	if votes == 1 {
		count = "1 vote"
	}
	return shownOption{Number: fmt.Sprint(n), Label: label, Share: share, Count: count, Bar: bar}
}

// pollBrowser starts a browser the poll overlay's size, watching its
// page, and runs actions in it before any page loads.
func pollBrowser(t *testing.T, actions ...chromedp.Action[chromedp.Void]) context.Context {
	t.Helper()
	ctx := browsertest.New(t)
	watchPage(t, ctx)
	setup, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := chromedp.Do(setup, append([]chromedp.Action[chromedp.Void]{chromedp.EmulateViewport(pollWidth, pollHeight)}, actions...)...); err != nil {
		t.Fatalf("set up the browser: %v", err)
	}
	return ctx
}

// loadPoll opens the poll overlay of channel at query's options, and waits
// until its socket is open.
func loadPoll(t *testing.T, ctx context.Context, s *server, channel, query string) {
	t.Helper()
	nav, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := chromedp.Do(nav, chromedp.Navigate(s.pageURL("poll", channel, testTokens[channel])+query)); err != nil {
		t.Fatalf("load the poll overlay: %v", err)
	}
	waitConnection(t, ctx, 5*time.Second, func(s string) bool { return s == "open" }, "open")
}

// transparentEverywhere fails the test unless every pixel of img is fully
// transparent.
func transparentEverywhere(t *testing.T, img image.Image) {
	t.Helper()
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if _, _, _, a := img.At(x, y).RGBA(); a != 0 {
				t.Fatalf("pixel (%d, %d) has alpha %d, want nothing drawn", x, y, a)
			}
		}
	}
}

// lookAt saves screenshots of the page over a dark and a light scene,
// only for a person to look at.
func lookAt(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	for _, bg := range []struct{ name, css string }{
		{"dark", "linear-gradient(135deg, #0b0f1a, #2a1b3d 60%, #0d3b2e) fixed"},
		{"light", "linear-gradient(135deg, #ffffff, #e8f1ff 50%, #fff3d6) fixed"},
	} {
		eval[chromedp.Void](t, ctx, `document.documentElement.style.background = '`+bg.css+`'`)
		browsertest.Screenshot(t, ctx, name+"-"+bg.name+".png")
	}
	eval[chromedp.Void](t, ctx, `document.documentElement.style.background = ''`)
}

func TestPollInBrowser(t *testing.T) {
	t.Parallel()
	ctx := pollBrowser(t)

	s := startServer(t, "127.0.0.1:0", overlays.Options{})
	// Long enough that nothing hides while the test looks at it.
	loadPoll(t, ctx, s, "alice", "&hide_after=600")

	t.Run("NoPollDrawsNothing", func(t *testing.T) {
		waitJS(t, ctx, 5*time.Second, pollGoneJS, "true")
		transparentEverywhere(t, screenshot(t, ctx, "poll-none.png"))
	})

	labels := []string{hostileImg, rtlLabel, emojiLabel, longLabel, hostileClose}
	question := "Which map next? " + hostileImg
	now := time.Now()
	s.Hub.Publish("alice", hearth.TopicPoll, pollState("p1", hearth.PollOpen, now, labels))

	t.Run("OpenPollShown", func(t *testing.T) {
		waitPoll(t, ctx, 5*time.Second, shownPoll{
			Shown: true, Kind: "Chat poll", Question: question,
			Options: []shownOption{
				option(1, hostileImg, 0, "0%", 0),
				option(2, rtlLabel, 0, "0%", 0),
				option(3, emojiLabel, 0, "0%", 0),
				option(4, longLabel, 0, "0%", 0),
				option(5, hostileClose, 0, "0%", 0),
			},
			Voters: "No votes yet", Hint: "Type !vote 1–5 in chat",
		})
		// 90 s from the server's now: a second or so has gone by.
		if clock := eval[string](t, ctx, pollClockJS); !regexp.MustCompile(`^1:[1-3]\d$`).MatchString(clock) {
			t.Errorf("countdown %q, want about 1:30", clock)
		}
	})

	t.Run("ChatTextIsNeverMarkup", func(t *testing.T) {
		scripts := eval[[]string](t, ctx, `Array.from(document.scripts, (s) => s.src)`)
		if !onlyScripts(scripts, "poll") {
			t.Errorf("scripts on the page: %q, want only theme.js, live.js and poll.js", scripts)
		}
		if n := eval[int](t, ctx, `document.querySelectorAll('img, iframe, object, embed').length`); n != 0 {
			t.Errorf("%d embedded elements on the page", n)
		}
		if n := eval[int](t, ctx, `document.querySelectorAll('#poll-question *, .poll-label *').length`); n != 0 {
			t.Errorf("%d elements inside the question and the labels", n)
		}
	})

	t.Run("NothingOverflows", func(t *testing.T) {
		fit := eval[map[string]float64](t, ctx, `(() => {
			const panel = document.getElementById('poll').getBoundingClientRect();
			const rows = Array.from(document.querySelectorAll('.poll-option'), (r) => r.getBoundingClientRect());
			const long = document.querySelector('.poll-option:nth-child(4)');
			const label = long.querySelector('.poll-label');
			return {
				panelRight: panel.right, panelBottom: panel.bottom,
				rowsRight: Math.max(...rows.map((r) => r.right)),
				rowsBottom: Math.max(...rows.map((r) => r.bottom)),
				rowHeight: Math.max(...rows.map((r) => r.height)),
				labelOverflow: label.scrollWidth - label.clientWidth,
				labelRight: label.getBoundingClientRect().right,
				shareLeft: long.querySelector('.poll-share').getBoundingClientRect().left,
				questionHeight: document.getElementById('poll-question').getBoundingClientRect().height,
			};
		})()`)
		if fit["panelRight"] > pollWidth || fit["panelBottom"] > pollHeight {
			t.Errorf("panel outside the %dx%d source: %v", pollWidth, pollHeight, fit)
		}
		if fit["rowsRight"] > fit["panelRight"] || fit["rowsBottom"] > fit["panelBottom"] {
			t.Errorf("rows outside the panel: %v", fit)
		}
		// Shown whole if it can be, smaller and on two lines; never past
		// the share.
		if fit["labelRight"] > fit["shareLeft"] {
			t.Errorf("long label runs into the share: %v", fit)
		}
		if fit["rowHeight"] > 80 {
			t.Errorf("a row grew to %vpx", fit["rowHeight"])
		}
	})

	t.Run("BarsAnimate", func(t *testing.T) {
		got := eval[[]string](t, ctx, `(() => {
			const s = getComputedStyle(document.querySelector('.poll-fill'));
			return [s.transitionProperty, s.transitionDuration];
		})()`)
		if !strings.Contains(got[0], "transform") || got[1] == "0s" {
			t.Errorf("bars change with transition %q over %q, want transform over some time", got[0], got[1])
		}
	})

	t.Run("VotesMoveTheBars", func(t *testing.T) {
		// Mark the rows: votes must change them, not rebuild them.
		eval[chromedp.Void](t, ctx, `document.querySelectorAll('.poll-option').forEach((r, i) => { r.hearthMark = String(i); })`)
		s.Hub.Publish("alice", hearth.TopicPoll, pollState("p1", hearth.PollOpen, time.Now(), labels, 3, 1))
		waitPoll(t, ctx, 5*time.Second, shownPoll{
			Shown: true, Kind: "Chat poll", Question: question,
			Options: []shownOption{
				option(1, hostileImg, 3, "75%", 0.75),
				option(2, rtlLabel, 1, "25%", 0.25),
				option(3, emojiLabel, 0, "0%", 0),
				option(4, longLabel, 0, "0%", 0),
				option(5, hostileClose, 0, "0%", 0),
			},
			Voters: "4 voters", Hint: "Type !vote 1–5 in chat",
		})
		// Many states in a row, as the hub sends them in a vote flood: the
		// page shows the last.
		for i := int64(1); i <= 40; i++ {
			s.Hub.Publish("alice", hearth.TopicPoll, pollState("p1", hearth.PollOpen, time.Now(), labels, 3+i, 1+i/2, i/4, 0, i/8))
		}
		waitPoll(t, ctx, 5*time.Second, shownPoll{
			Shown: true, Kind: "Chat poll", Question: question,
			Options: []shownOption{
				option(1, hostileImg, 43, "54%", 0.54),
				option(2, rtlLabel, 21, "27%", 0.27),
				option(3, emojiLabel, 10, "13%", 0.13),
				option(4, longLabel, 0, "0%", 0),
				option(5, hostileClose, 5, "6%", 0.06),
			},
			Voters: "79 voters", Hint: "Type !vote 1–5 in chat",
		})
		kept := eval[[]string](t, ctx, `Array.from(document.querySelectorAll('.poll-option'), (r) => r.hearthMark || '')`)
		if want := []string{"0", "1", "2", "3", "4"}; !reflect.DeepEqual(kept, want) {
			t.Errorf("row nodes by position %q, want %q: rows must be updated in place", kept, want)
		}
		shot := screenshot(t, ctx, "poll.png")
		if b := shot.Bounds(); b.Dx() != pollWidth || b.Dy() != pollHeight {
			t.Errorf("screenshot is %dx%d, want %dx%d", b.Dx(), b.Dy(), pollWidth, pollHeight)
		}
		// What OBS gets: see-through below the panel, opaque enough on it.
		if _, _, _, a := shot.At(pollWidth/2, pollHeight-3).RGBA(); a != 0 {
			t.Errorf("pixel below the panel has alpha %d, want 0", a)
		}
		if _, _, _, a := shot.At(pollWidth/2, 40).RGBA(); a < 0x8000 {
			t.Errorf("pixel on the panel has alpha %d, want at least half opaque", a)
		}
		lookAt(t, ctx, "poll")
	})

	closedAt := time.Now()
	closed := pollState("p1", hearth.PollClosed, closedAt, labels, 43, 21, 10, 0, 5)
	closed.Winners = []int{0}
	closed.ClosedAt = closedAt

	t.Run("WinnerAtClose", func(t *testing.T) {
		s.Hub.Publish("alice", hearth.TopicPoll, closed)
		want := shownPoll{
			Shown: true, Kind: "Chat poll", Question: question,
			Options: []shownOption{
				option(1, hostileImg, 43, "54%", 0.54),
				option(2, rtlLabel, 21, "27%", 0.27),
				option(3, emojiLabel, 10, "13%", 0.13),
				option(4, longLabel, 0, "0%", 0),
				option(5, hostileClose, 5, "6%", 0.06),
			},
			Voters: "79 voters",
		}
		want.Options[0].Badge = "Winner"
		waitPoll(t, ctx, 5*time.Second, want)
		waitJS(t, ctx, 5*time.Second, pollClockJS, "Final result")
		lookAt(t, ctx, "poll-winner")
	})

	t.Run("TieShowsEveryWinner", func(t *testing.T) {
		tie := pollState("p2", hearth.PollClosed, time.Now(), []string{"Dust", "Inferno", "Mirage"}, 7, 7, 3)
		tie.Question = "Tie?"
		tie.Winners = []int{0, 1}
		tie.ClosedAt = tie.Now
		s.Hub.Publish("alice", hearth.TopicPoll, tie)
		want := shownPoll{
			Shown: true, Kind: "Chat poll", Question: "Tie?",
			Options: []shownOption{
				option(1, "Dust", 7, "41%", 0.41),
				option(2, "Inferno", 7, "41%", 0.41),
				option(3, "Mirage", 3, "18%", 0.18),
			},
			Voters: "17 voters", Hint: "It’s a tie!",
		}
		want.Options[0].Badge = "Tied"
		want.Options[1].Badge = "Tied"
		waitPoll(t, ctx, 5*time.Second, want)
		waitJS(t, ctx, 5*time.Second, pollClockJS, "Tie")
		lookAt(t, ctx, "poll-tie")
	})

	t.Run("WeightedNativePoll", func(t *testing.T) {
		p := pollState("p3", hearth.PollOpen, time.Now(), []string{"Yes", "No"}, 3, 1)
		p.Kind = hearth.PollNative
		p.Weighting = "points"
		// Three viewers bought 100 votes for Yes with their points, one
		// bought 300 for No: the bars follow the votes bought.
		p.Options[0].Score, p.Options[1].Score = 100, 300
		p.Total = 400
		s.Hub.Publish("alice", hearth.TopicPoll, p)
		waitPoll(t, ctx, 5*time.Second, shownPoll{
			Shown: true, Kind: "Twitch poll", Note: "Weighted by points", Question: question,
			Options: []shownOption{
				{Number: "1", Label: "Yes", Share: "25%", Count: "100 votes · 3 viewers", Bar: 0.25},
				{Number: "2", Label: "No", Share: "75%", Count: "300 votes · 1 viewer", Bar: 0.75},
			},
			Voters: "4 voters", Hint: "Vote in the Twitch poll",
		})
		lookAt(t, ctx, "poll-native")
	})

	t.Run("CancelledHidesSooner", func(t *testing.T) {
		p := pollState("p3", hearth.PollCancelled, time.Now(), []string{"Yes", "No"}, 3, 1)
		p.ClosedAt = p.Now
		s.Hub.Publish("alice", hearth.TopicPoll, p)
		waitJS(t, ctx, 5*time.Second, pollClockJS, "Cancelled")
		// 5 s after the cancel, where a closed poll would stay 600 s.
		waitJS(t, ctx, 20*time.Second, pollGoneJS, "true")
	})

	t.Run("ReconnectsAfterRestart", func(t *testing.T) {
		s.Hub.Publish("alice", hearth.TopicPoll, pollState("p4", hearth.PollOpen, time.Now(), []string{"Dust", "Inferno"}, 1))
		waitJS(t, ctx, 5*time.Second, `document.getElementById('poll-voters').textContent`, "1 voter")
		addr := s.Addr
		s.Stop(t)
		waitConnection(t, ctx, 5*time.Second, func(s string) bool { return s != "open" }, "not open")
		// While Hearth is away the poll stays on screen.
		waitJS(t, ctx, time.Second, pollGoneJS, "false")

		restarted := startServer(t, addr, overlays.Options{})
		restarted.Hub.Publish("alice", hearth.TopicPoll, pollState("p4", hearth.PollOpen, time.Now(), []string{"Dust", "Inferno"}, 1, 2))
		waitJS(t, ctx, 10*time.Second, `document.getElementById('poll-voters').textContent`, "3 voters")
		waitConnection(t, ctx, time.Second, func(s string) bool { return s == "open" }, "open")

		t.Run("NoPollSinceRestart", func(t *testing.T) {
			// A Hearth that has had no poll since it started sends the
			// blank state: the poll the page had goes.
			addr := restarted.Addr
			restarted.Stop(t)
			waitConnection(t, ctx, 5*time.Second, func(s string) bool { return s != "open" }, "not open")
			startServer(t, addr, overlays.Options{})
			waitConnection(t, ctx, 10*time.Second, func(s string) bool { return s == "open" }, "open")
			waitJS(t, ctx, 5*time.Second, pollGoneJS, "true")
		})
	})
}

// TestPollHidesAfterClose checks the idle overlay: a closed poll stays
// hide_after seconds after it closed, then the page draws nothing; and a
// page that opens after that never shows it.
func TestPollHidesAfterClose(t *testing.T) {
	t.Parallel()
	ctx := pollBrowser(t)
	s := startServer(t, "127.0.0.1:0", overlays.Options{})
	loadPoll(t, ctx, s, "alice", "&hide_after=1")

	labels := []string{"Dust", "Inferno"}
	s.Hub.Publish("alice", hearth.TopicPoll, pollState("p1", hearth.PollOpen, time.Now(), labels, 2, 1))
	waitJS(t, ctx, 5*time.Second, pollGoneJS, "false")

	closed := pollState("p1", hearth.PollClosed, time.Now(), labels, 2, 1)
	closed.Winners = []int{0}
	closed.ClosedAt = closed.Now
	s.Hub.Publish("alice", hearth.TopicPoll, closed)
	waitJS(t, ctx, 10*time.Second, pollGoneJS, "true")
	transparentEverywhere(t, screenshot(t, ctx, "poll-idle.png"))

	t.Run("OverBeforeThePageOpened", func(t *testing.T) {
		// The hub keeps the closed poll, made as it closed, and sends it to
		// a new page, whose hide_after of 600 s counts from the close, not
		// from the load: make the close long ago and check the page never
		// draws it, though the state's own clock says it just closed.
		old := closed
		old.ClosedAt = time.Now().Add(-time.Hour)
		old.Now = old.ClosedAt
		old.EndsAt = old.ClosedAt
		s.Hub.Publish("alice", hearth.TopicPoll, old)
		// Recorded from before the page's own script runs, so no state
		// can slip by unseen.
		record := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: `window.hearthDrawn = false;
				new MutationObserver((records) => {
					for (const r of records) {
						if (r.target.id === 'poll' && r.target.dataset.shown === 'true') window.hearthDrawn = true;
					}
				}).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-shown'] });`})
			return err
		})
		// The page's request for the server's clock is held until the
		// state has arrived, so the page has only the state's clock to go
		// by meanwhile.
		held := make(chan fetch.RequestID, 4)
		paused := chromedp.Events(ctx, fetch.RequestPaused)
		go func() {
			for ev, err := range paused {
				if err != nil {
					return
				}
				held <- ev.RequestID
			}
		}()
		hold := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{
				{URLPattern: "*/overlays/assets/poll.css*", ResourceType: network.ResourceTypeFetch},
			}})
			return err
		})
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if err := chromedp.Do(rctx, record, hold); err != nil {
			t.Fatalf("set up the recorder: %v", err)
		}
		loadPoll(t, ctx, s, "alice", "&hide_after=600")
		waitJS(t, ctx, 5*time.Second, `document.getElementById('poll').dataset.id || ''`, "p1")
		var id fetch.RequestID
		select {
		case id = <-held:
		case <-time.After(5 * time.Second):
			t.Fatal("the page did not ask for the server's clock")
		}
		if drawn := eval[bool](t, ctx, `window.hearthDrawn`); drawn {
			t.Errorf("a poll closed an hour ago was drawn before the page knew the server's clock")
		}
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if _, err := chromedp.Call(cctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: id}); err != nil {
			t.Fatalf("let the request go: %v", err)
		}
		waitJS(t, ctx, 5*time.Second, `document.body.dataset.clock || ''`, "server")
		waitJS(t, ctx, 5*time.Second, pollGoneJS, "true")
		if drawn := eval[bool](t, ctx, `window.hearthDrawn`); drawn {
			t.Errorf("a poll closed an hour ago was drawn")
		}
	})
}

// TestPollCountdown checks that the countdown runs on the server's clock:
// the browser's clock is an hour fast, and the state the page gets as it
// connects was made a minute before, as the hub keeps the last state of a
// poll nobody voted in since.
func TestPollCountdown(t *testing.T) {
	t.Parallel()
	fastClock := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
			Source: `(() => { const now = Date.now; Date.now = () => now() + 3600000; })();`,
		})
		return err
	})
	ctx := pollBrowser(t, fastClock)
	s := startServer(t, "127.0.0.1:0", overlays.Options{})

	made := time.Now().Add(-time.Minute)
	// Due 90 s after it was made: 30 s from now.
	s.Hub.Publish("alice", hearth.TopicPoll, pollState("p1", hearth.PollOpen, made, []string{"Dust", "Inferno"}))
	loadPoll(t, ctx, s, "alice", "")
	if got := eval[float64](t, ctx, `Date.now() - new Date().getTime()`); got < 3590000 {
		t.Fatalf("the fast clock is not installed: %v", got)
	}
	waitJS(t, ctx, 5*time.Second, pollGoneJS, "false")

	clock := regexp.MustCompile(`^0:(1[5-9]|2\d|30)$`)
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := eval[string](t, ctx, pollClockJS)
		if clock.MatchString(got) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("countdown %q, want about 0:30", got)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := eval[string](t, ctx, `document.getElementById('poll-clock').dataset.urgent`); got != "false" {
		t.Errorf("countdown urgent = %s with about 30 s left", got)
	}

	t.Run("LastSecondsUrgent", func(t *testing.T) {
		p := pollState("p1", hearth.PollOpen, time.Now(), []string{"Dust", "Inferno"}, 1)
		p.EndsAt = p.Now.Add(5 * time.Second)
		s.Hub.Publish("alice", hearth.TopicPoll, p)
		waitJS(t, ctx, 5*time.Second, `document.getElementById('poll-clock').dataset.urgent`, "true")
		// Past the end and not closed yet: it stays at zero.
		waitJS(t, ctx, 15*time.Second, pollClockJS, "0:00")
	})
}

// TestPollFitsAnySize checks that the panel, every option and the footer
// stay inside the source at sizes a streamer may choose, with as many
// options as a poll can have.
func TestPollFitsAnySize(t *testing.T) {
	t.Parallel()
	ctx := browsertest.New(t)
	watchPage(t, ctx)
	s := startServer(t, "127.0.0.1:0", overlays.Options{})
	loadPoll(t, ctx, s, "alice", "&hide_after=600")

	ten := []string{longLabel, hostileImg, rtlLabel, emojiLabel, hostileClose, "Six", "Seven", "Eight", "Nine", "Ten"}
	p := pollState("p1", hearth.PollOpen, time.Now(), ten, 100000, 20000, 3000, 400, 50, 6, 7, 8, 9, 1000)
	p.Question = strings.Repeat("A question from chat that goes on and on ", 8)
	p.Weighting = "rank"
	s.Hub.Publish("alice", hearth.TopicPoll, p)

	for _, size := range []struct{ w, h int64 }{{800, 600}, {400, 300}, {1920, 1080}, {300, 600}} {
		t.Run(fmt.Sprintf("%dx%d", size.w, size.h), func(t *testing.T) {
			vp, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			if err := chromedp.Do(vp, chromedp.EmulateViewport(size.w, size.h)); err != nil {
				t.Fatalf("resize: %v", err)
			}
			waitJS(t, ctx, 5*time.Second, `String(document.querySelectorAll('.poll-option').length)`, "10")
			waitJS(t, ctx, 5*time.Second, `String(document.getElementById('poll').getAnimations({subtree: true}).length)`, "0")
			problems := eval[[]string](t, ctx, fmt.Sprintf(`(() => {
				const out = [];
				const box = (el) => el.getBoundingClientRect();
				const inside = (what, a, b) => {
					// Not drawn (display: none): nowhere to overflow.
					if (a.width === 0 && a.height === 0) return;
					if (a.left < b.left - 0.5 || a.top < b.top - 0.5 || a.right > b.right + 0.5 || a.bottom > b.bottom + 0.5) {
						out.push(what + ' ' + JSON.stringify(a) + ' outside ' + JSON.stringify(b));
					}
				};
				const view = { left: 0, top: 0, right: %d, bottom: %d };
				const panel = box(document.getElementById('poll'));
				inside('panel', panel, view);
				for (const id of ['poll-question', 'poll-options', 'poll-voters', 'poll-hint', 'poll-clock', 'poll-note']) {
					inside(id, box(document.getElementById(id)), panel);
				}
				for (const row of document.querySelectorAll('.poll-option')) {
					const r = box(row);
					for (const cell of row.children) inside('option ' + row.dataset.index + ' ' + cell.className, box(cell), r);
					if (box(row.querySelector('.poll-label')).right > box(row.querySelector('.poll-share')).left + 0.5) {
						out.push('option ' + row.dataset.index + ': label runs into the share');
					}
				}
				return out;
			})()`, size.w, size.h))
			for _, p := range problems {
				t.Error(p)
			}
			lookAt(t, ctx, fmt.Sprintf("poll-%dx%d", size.w, size.h))
		})
	}
}
