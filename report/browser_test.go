package report

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/internal/browsertest"
)

// crowdedRecap is a four-hour stream whose text pushes the page: a poll
// question that is one long URL, segments of the longest names a recap
// holds, close together and at the very end, and a busy chat whose peak
// makes a wide axis label.
func crowdedRecap() Recap {
	// A URL with no place a browser would break it on its own.
	url := "https://example.com/watch?v=" + strings.Repeat("dQw4w9WgXcQ", 30)
	r := hearth.StreamRecap{Channel: "arena", Seq: 7, StartedAt: start, EndedAt: start.Add(4 * time.Hour),
		Messages: 2_000_000, VerifiedMessages: 1_900_000, Chatters: 5000,
		Polls: []hearth.PollRecap{
			{ID: "1", Question: url[:hearth.PollMaxQuestionLen], Voters: 120, Turnout: 0.4},
			{ID: "2", Question: "Which map next?", Voters: 80, Turnout: 0.3},
		},
	}
	for m := range 240 {
		r.Activity = append(r.Activity, hearth.MinuteActivity{Minute: m, Messages: int64(1000 + m*5000), Chatters: int64(100 + m)})
	}
	seg := func(name string, from, to int) hearth.SegmentRecap {
		return hearth.SegmentRecap{Name: name, StartedAt: start.Add(time.Duration(from) * time.Minute), EndedAt: start.Add(time.Duration(to) * time.Minute), Lift: 1.25}
	}
	r.Segments = []hearth.SegmentRecap{
		seg("Acme Energy Drinks: Summer Campaign 2026", 10, 20),
		seg("WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW", 21, 24),
		seg("NordVPN deal of the week for our viewers", 25, 35),
		seg("GG", 36, 37),
		seg(strings.Repeat("unbroken", 32), 60, 70),
		seg("شركة الطاقة الخضراء للمشروبات", 72, 80),
		seg("The sponsor at the very end of the show", 234, 240),
	}
	return New(r, start)
}

// layoutJS measures the page as a reader sees it: how far the document is
// wider than the window, each table wider than the page's content or
// holding a cell wider than itself, and each pair of chart labels whose
// boxes overlap or a label that leaves the chart.
const layoutJS = `(() => {
	const problems = [];
	const doc = document.documentElement;
	if (doc.scrollWidth > window.innerWidth) problems.push('document ' + doc.scrollWidth + ' px wide in a ' + window.innerWidth + ' px window');
	const main = document.querySelector('main');
	const ms = getComputedStyle(main);
	const content = main.clientWidth - parseFloat(ms.paddingLeft) - parseFloat(ms.paddingRight);
	for (const table of document.querySelectorAll('table')) {
		const w = table.getBoundingClientRect().width;
		if (w > content + 0.5) problems.push('table #' + table.id + ' ' + Math.round(w) + ' px wide in a ' + Math.round(content) + ' px page');
		for (const cell of table.querySelectorAll('td, th')) {
			if (cell.scrollWidth > cell.clientWidth + 1) problems.push('a cell of #' + table.id + ' holds ' + cell.scrollWidth + ' px in ' + cell.clientWidth);
		}
	}
	const svg = document.querySelector('#activity').getBoundingClientRect();
	const labels = [...document.querySelectorAll('#activity text')].map((t) => ({ text: t.textContent, box: t.getBoundingClientRect() }));
	for (const [i, a] of labels.entries()) {
		const b = a.box;
		if (b.left < svg.left - 0.5 || b.right > svg.right + 0.5 || b.top < svg.top - 0.5 || b.bottom > svg.bottom + 0.5) {
			problems.push('label ' + JSON.stringify(a.text) + ' leaves the chart');
		}
		for (const c of labels.slice(i + 1)) {
			const o = c.box;
			if (b.left < o.right - 0.5 && o.left < b.right - 0.5 && b.top < o.bottom - 0.5 && o.top < b.bottom - 0.5) {
				problems.push('labels ' + JSON.stringify(a.text) + ' and ' + JSON.stringify(c.text) + ' overlap');
			}
		}
	}
	return problems;
})()`

// TestHTMLLayoutInChromium opens a crowded report in headless Chromium at a
// desktop and a narrow window: long text wraps, no table is wider than the
// page, and no two chart labels overlap.
func TestHTMLLayoutInChromium(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "report.html")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := Write(f, "html", crowdedRecap()); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	ctx := browsertest.New(t)
	for _, width := range []int64{1200, 700} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			run, cancel := context.WithTimeout(ctx, 20*time.Second)
			defer cancel()
			if err := chromedp.Do(run, chromedp.EmulateViewport(width, 900), chromedp.Navigate("file://"+file), chromedp.WaitVisible("#activity")); err != nil {
				t.Fatal(err)
			}
			problems, err := chromedp.Run(run, chromedp.Evaluate[[]string](layoutJS))
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range problems {
				t.Error(p)
			}
			if width == 1200 {
				png, err := chromedp.Run(run, chromedp.FullScreenshot(100))
				if err != nil {
					t.Fatal(err)
				}
				path := filepath.Join(browsertest.ScreenshotDir(t), "report-crowded.png")
				if err := os.WriteFile(path, png, 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("screenshot: %s", path)
			}
		})
	}
}
