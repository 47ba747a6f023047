package main

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/internal/browsertest"
	"github.com/hearthlive/hearth/report"
	"github.com/hearthlive/hearth/store/sqlite"
)

// sampleRecap is an evening stream as a community manager would get it:
// two and a half hours, a sponsor segment, two polls and three newcomer
// cohorts. Its curve is made up but deterministic.
func sampleRecap(channel string, seq int64) hearth.StreamRecap {
	start := time.Date(2026, 11, 28, 19, 0, 0, 0, time.UTC)
	r := hearth.StreamRecap{
		Channel: channel, Seq: seq, StartedAt: start, EndedAt: start.Add(150 * time.Minute),
		Messages: 0, Chatters: 214, VerifiedChatters: 201,
		Newcomers: 38, Returners: 163, PreviousAttendees: 190, Retained: 121,
		Top10Share: 0.318, PeakViewers: 1240, AvgViewers: 980, Participation: 0.146,
		Polls: []hearth.PollRecap{
			{ID: "1764356400000001", Question: "Which map next?", Voters: 88, Turnout: 0.62},
			{ID: "1764360000000002", Question: "Ranked or casual after the break?", Voters: 104, Turnout: 0.71},
		},
		Segments: []hearth.SegmentRecap{{
			Name: "Acme Energy ⚡", StartedAt: start.Add(55 * time.Minute), EndedAt: start.Add(70 * time.Minute),
			During:   hearth.Activity{Minutes: 15, MessagesPerMinute: 41.3, ChattersPerMinute: 19.6, Newcomers: 9, PollTurnout: 0.71},
			Baseline: hearth.Activity{Minutes: 135, MessagesPerMinute: 26.1, ChattersPerMinute: 12.8, Newcomers: 29, PollTurnout: 0.62},
			Lift:     41.3 / 26.1,
		}},
		Cohorts: []hearth.CohortRetention{
			{Cohort: seq - 1, Newcomers: 38, Attended: 17},
			{Cohort: seq - 2, Newcomers: 27, Attended: 11},
			{Cohort: seq - 4, Newcomers: 44, Attended: 12},
		},
	}
	for m := range 150 {
		wave := 22 + 9*math.Sin(float64(m)/11) + 6*math.Sin(float64(m)/3.7)
		if m >= 55 && m < 70 {
			wave += 15
		}
		msgs := int64(wave)
		chatters := msgs/2 + int64(m%3)
		r.Activity = append(r.Activity, hearth.MinuteActivity{Minute: m, Messages: msgs, Chatters: chatters, Newcomers: int64(m % 4 / 3)})
		r.Messages += msgs
	}
	r.VerifiedMessages = r.Messages * 87 / 100
	return r
}

// reportDB writes recaps into a fresh SQLite database and returns its
// path.
func reportDB(t *testing.T, rs ...hearth.StreamRecap) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "report.db")
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Apply(context.Background(), hearth.Batch{Recaps: rs}); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestReportFormats runs hearth report for each format and checks that
// they carry the same figures as the stored recap.
func TestReportFormats(t *testing.T) {
	t.Parallel()
	older := sampleRecap("hearthdemo", 11)
	older.StartedAt, older.EndedAt = older.StartedAt.Add(-48*time.Hour), older.EndedAt.Add(-48*time.Hour)
	older.Newcomers = 5
	want := sampleRecap("hearthdemo", 12)
	db := reportDB(t, older, want)

	out := runHearth(t, nil, "report", "--db", db, "--channel", "HearthDemo", "--format", "json")
	var got report.Recap
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("report --format json: %v\n%s", err, out)
	}
	if got.Seq != 12 || got.Messages != want.Messages || got.VerifiedMessages != want.VerifiedMessages ||
		got.Newcomers != 38 || got.Returners != 163 || got.Retention == nil || *got.Retention != 121.0/190 ||
		got.DurationSeconds != 150*60 || len(got.Activity) != 150 || len(got.Segments) != 1 || len(got.Polls) != 2 || len(got.Cohorts) != 3 {
		t.Errorf("latest stream's JSON report: %+v", got)
	}
	out = runHearth(t, nil, "report", "--db", db, "--channel", "hearthdemo", "--stream", "11", "--format", "json")
	if err := json.Unmarshal([]byte(out), &got); err != nil || got.Seq != 11 || got.Newcomers != 5 {
		t.Errorf("--stream 11: %v %+v", err, got)
	}
	// Stream 12 says how many of stream 11's newcomers came back to it.
	if want := (report.CohortPoint{Stream: 12, After: 1, Newcomers: 38, Attended: 17, Share: 17.0 / 38}); len(got.NewcomersReturned) != 1 || got.NewcomersReturned[0] != want {
		t.Errorf("--stream 11: newcomers later %+v, want %+v", got.NewcomersReturned, want)
	}

	md := runHearth(t, nil, "report", "--db", db, "--channel", "hearthdemo", "--format", "md")
	for _, s := range []string{
		"# #hearthdemo, stream 12", "2026-11-28 19:00 UTC – 2026-11-28 21:30 UTC (2 h 30 min)",
		"| Messages | " + itoa(want.Messages) + " | " + itoa(want.VerifiedMessages) + " verified (87.0%) |",
		"| Chatters | 214 | 201 verified |", "| Newcomers | 38 |", "| Returners | 163 |",
		"| Retention | 63.7% | 121 of the 190 viewers of the previous stream came back |",
		"| Top-10 share | 31.8% |", "| Viewers | 1240 / 980 |", "| Participation | 14.6% |",
		"| Acme Energy ⚡ | 0:55 | 15 min | 41.3 · 26.1 | 19.6 · 12.8 | 9 · 29 | 71.0% · 62.0% | **×1.58** |",
		"| Which map next? | 88 | 62.0% |", "| stream 11 | 38 | 17 | 44.7% |", "| stream 8 | 44 | 12 | 27.3% |",
	} {
		if !strings.Contains(md, s) {
			t.Errorf("Markdown report lacks %q:\n%s", s, md)
		}
	}

	file := filepath.Join(t.TempDir(), "r.html")
	runHearth(t, nil, "report", "--db", db, "--channel", "hearthdemo", "--format", "html", "--out", file)
	html, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Acme Energy ⚡", "Ranked or casual after the break?", "<svg id=\"activity\"", ">63.7%<", ">38<"} {
		if !strings.Contains(string(html), s) {
			t.Errorf("HTML report lacks %q", s)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestReportErrors checks what report says when it cannot report.
func TestReportErrors(t *testing.T) {
	t.Parallel()
	db := reportDB(t, sampleRecap("hearthdemo", 12))
	for _, tt := range []struct {
		name string
		args []string
		code int
		says string
	}{
		{"NoChannel", []string{"--format", "md"}, 2, "--channel is required"},
		{"BadFormat", []string{"--channel", "hearthdemo", "--format", "pdf"}, 2, "--format must be json, md, html"},
		{"UnknownStream", []string{"--channel", "hearthdemo", "--stream", "40"}, 1, "no recap of stream 40; the latest is stream 12"},
		{"UnknownChannel", []string{"--channel", "other"}, 1, "channel other is unknown"},
		{"NoDatabase", []string{"--channel", "hearthdemo", "--db", filepath.Join(t.TempDir(), "none.db")}, 1, "no database at"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"report", "--db", db}, tt.args...)
			_, stderr, code := runAuth(t, nil, args...)
			if code != tt.code || !strings.Contains(stderr, tt.says) {
				t.Fatalf("hearth %s: exit %d, stderr %q; want exit %d saying %q", strings.Join(args, " "), code, stderr, tt.code, tt.says)
			}
		})
	}
}

// TestReportHTMLInChromium opens the HTML report as a file in headless
// Chromium: the chart and figures render, text from chat stays text, and
// nothing is loaded. It saves report.png, the README's screenshot.
func TestReportHTMLInChromium(t *testing.T) {
	t.Parallel()
	hostile := sampleRecap("hearthdemo", 13)
	hostile.Segments[0].Name = `<img src=x onerror="window.pwned=1">Acme`
	hostile.Polls[0].Question = `</td><script>window.pwned=2</script><b>bold?</b>`
	db := reportDB(t, sampleRecap("hearthdemo", 12), hostile)
	dir := t.TempDir()
	ctx := browsertest.New(t)
	const width = 960
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, 800)); err != nil {
		t.Fatal(err)
	}

	for _, seq := range []string{"12", "13"} {
		file := filepath.Join(dir, "stream"+seq+".html")
		runHearth(t, nil, "report", "--db", db, "--channel", "hearthdemo", "--stream", seq, "--format", "html", "--out", file)
		html, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(html), "http://") || strings.Contains(string(html), "https://") || strings.Contains(string(html), "<script") {
			t.Errorf("stream %s: the page names a URL or holds a script; it must load and run nothing", seq)
		}

		type shownPage struct {
			Figures   map[string]string
			Bands     int
			BandNames []string
			AreaSteps int
			LinePts   int
			ChartW    float64
			Segments  []string
			Questions []string
			Loaded    []string
			Pwned     bool
			Injected  int
		}
		if err := chromedp.Do(ctx, chromedp.Navigate("file://"+file), chromedp.WaitVisible("#activity")); err != nil {
			t.Fatalf("stream %s: %v", seq, err)
		}
		page, err := chromedp.Run(ctx, chromedp.Evaluate[shownPage](`(() => {
				const figures = {};
				for (const f of document.querySelectorAll('[data-figure]')) {
					const v = f.querySelector('.value');
					figures[f.dataset.figure] = (v || f).textContent.trim();
				}
				const svg = document.querySelector('#activity');
				return {
					Figures: figures,
					Bands: svg.querySelectorAll('rect.band').length,
					BandNames: [...svg.querySelectorAll('text.band-label')].map(e => e.textContent),
					AreaSteps: (svg.querySelector('path.messages').getAttribute('d').match(/L/g) || []).length,
					LinePts: svg.querySelector('polyline.chatters').points.numberOfItems,
					ChartW: svg.getBoundingClientRect().width,
					Segments: [...document.querySelectorAll('#segments td.name')].map(e => e.textContent),
					Questions: [...document.querySelectorAll('#polls td.question')].map(e => e.textContent),
					Loaded: performance.getEntriesByType('resource').map(e => e.name),
					Pwned: window.pwned !== undefined,
					Injected: document.querySelectorAll('img, script, b, iframe, link').length,
				};
			})()`))
		if err != nil {
			t.Fatalf("stream %s: %v", seq, err)
		}
		r := sampleRecap("hearthdemo", 12)
		want := map[string]string{"messages": itoa(r.Messages), "chatters": "214", "newcomers": "38", "returners": "163",
			"retention": "63.7%", "top10_share": "31.8%", "viewers": "1240 / 980", "participation": "14.6%",
			"when": "2026-11-28 19:00 UTC – 2026-11-28 21:30 UTC (2 h 30 min)"}
		for k, v := range want {
			if page.Figures[k] != v {
				t.Errorf("stream %s: figure %s shows %q, want %q", seq, k, page.Figures[k], v)
			}
		}
		// 150 minutes: two steps per minute plus the closing edge, two
		// chatter points per minute, one band, and a chart as wide as the
		// page's content.
		if page.AreaSteps != 2*150+1 || page.LinePts != 2*150 || page.Bands != 1 || page.ChartW < 800 {
			t.Errorf("stream %s: chart of %d area steps, %d line points, %d bands, %.0f px wide; want 301, 300, 1, at least 800",
				seq, page.AreaSteps, page.LinePts, page.Bands, page.ChartW)
		}
		if len(page.Loaded) != 0 {
			t.Errorf("stream %s: the page loaded %v; it must load nothing", seq, page.Loaded)
		}
		var rec hearth.StreamRecap
		if seq == "12" {
			rec = r
			browsertest.Screenshot(t, ctx, "report.png")
			fullPage(t, ctx, filepath.Join(browsertest.ScreenshotDir(t), "report-full.png"))
		} else {
			rec = hostile
		}
		if page.Pwned || page.Injected != 0 {
			t.Errorf("stream %s: chat text ran or made elements (pwned %v, %d elements)", seq, page.Pwned, page.Injected)
		}
		if len(page.Segments) != 1 || page.Segments[0] != rec.Segments[0].Name ||
			len(page.BandNames) != 1 || page.BandNames[0] != rec.Segments[0].Name {
			t.Errorf("stream %s: segment shown as %q and %q, want %q as text", seq, page.Segments, page.BandNames, rec.Segments[0].Name)
		}
		if len(page.Questions) != 2 || page.Questions[0] != rec.Polls[0].Question {
			t.Errorf("stream %s: polls shown as %q, want %q first, as text", seq, page.Questions, rec.Polls[0].Question)
		}
	}
}

// fullPage saves a screenshot of the whole page, as tall as it is.
func fullPage(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("full-page screenshot: %v", err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}
