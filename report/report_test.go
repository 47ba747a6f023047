package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
)

var start = time.Date(2026, 11, 28, 19, 0, 0, 0, time.UTC)

func TestNewDerivesFigures(t *testing.T) {
	t.Run("Ended", func(t *testing.T) {
		r := New(hearth.StreamRecap{Channel: "arena", Seq: 2, StartedAt: start, EndedAt: start.Add(90*time.Minute + 30*time.Second),
			Messages: 200, VerifiedMessages: 150, PreviousAttendees: 8, Retained: 6}, start.Add(10*time.Hour))
		if r.Live || r.DurationSeconds != 90*60+30 || r.Retention == nil || *r.Retention != 0.75 || r.VerifiedShare == nil || *r.VerifiedShare != 0.75 {
			t.Errorf("%+v", r)
		}
	})
	t.Run("LiveFirstStreamWithoutMessages", func(t *testing.T) {
		r := New(hearth.StreamRecap{Channel: "arena", Seq: 1, StartedAt: start}, start.Add(25*time.Minute))
		if !r.Live || r.DurationSeconds != 25*60 || r.Retention != nil || r.VerifiedShare != nil {
			t.Errorf("%+v", r)
		}
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{`"retention":null`, `"verified_share":null`, `"activity":[]`, `"polls":[]`, `"segments":[]`, `"cohorts":[]`, `"live":true`} {
			if !bytes.Contains(b, []byte(s)) {
				t.Errorf("JSON lacks %s: %s", s, b)
			}
		}
		if bytes.Contains(b, []byte(`"ended_at"`)) {
			t.Errorf("a live stream's JSON has an end: %s", b)
		}
	})
}

func TestWriteFormats(t *testing.T) {
	hostile := `**Acme** | [x](javascript:alert(1)) <img src=x onerror=alert(1)> & _more_ ~~`
	r := New(hearth.StreamRecap{Channel: "arena", Seq: 3, StartedAt: start, EndedAt: start.Add(time.Hour),
		Messages: 10, VerifiedMessages: 9, Chatters: 4, VerifiedChatters: 4, Newcomers: 1,
		Activity: []hearth.MinuteActivity{{Minute: 0, Messages: 6, Chatters: 3}, {Minute: 59, Messages: 4, Chatters: 2}},
		Polls:    []hearth.PollRecap{{ID: "1", Question: hostile, Voters: 3, Turnout: 0.75}},
		Segments: []hearth.SegmentRecap{{Name: hostile, StartedAt: start.Add(10 * time.Minute), EndedAt: start.Add(20 * time.Minute), Lift: 1.5}},
	}, start)

	for _, tt := range []struct {
		format string
		has    []string
		hasNot []string
	}{
		{"md", []string{
			`| \*\*Acme\*\* \| \[x\](javascript:alert(1)) \<img src=x onerror=alert(1)\> \& \_more\_ \~\~ | 0:10 | 10 min |`,
			"| Newcomers | 1 |", "| Retention | – | no previous stream |", "**×1.50**",
		}, []string{" <img", "| **Acme** |"}},
		{"html", []string{`&lt;img src=x onerror=alert(1)&gt;`, `data-figure="newcomers"`, `<svg id="activity"`}, []string{"<img", "<script", "http://", "https://"}},
		{"json", []string{`"seq": 3`, `"lift": 1.5`}, nil},
	} {
		t.Run(tt.format, func(t *testing.T) {
			var b bytes.Buffer
			if err := Write(&b, tt.format, r); err != nil {
				t.Fatal(err)
			}
			for _, s := range tt.has {
				if !strings.Contains(b.String(), s) {
					t.Errorf("lacks %q:\n%s", s, b.String())
				}
			}
			for _, s := range tt.hasNot {
				if strings.Contains(b.String(), s) {
					t.Errorf("holds %q:\n%s", s, b.String())
				}
			}
		})
	}
	if err := Write(&bytes.Buffer{}, "pdf", r); hearth.ErrorCode(err) != hearth.EINVALID {
		t.Errorf("Write(pdf) = %v, want EINVALID", err)
	}
}

func TestChart(t *testing.T) {
	t.Run("Empty", func(t *testing.T) {
		c := newChart(New(hearth.StreamRecap{Channel: "arena", Seq: 1, StartedAt: start}, start))
		if c.Minutes != 1 || c.Peak != 0 || len(c.YTicks) != 3 || c.YTicks[2].Label != "2" || len(c.Bands) != 0 {
			t.Errorf("%+v", c)
		}
	})
	t.Run("SegmentClippedToStream", func(t *testing.T) {
		r := New(hearth.StreamRecap{Channel: "arena", Seq: 1, StartedAt: start, EndedAt: start.Add(30 * time.Minute),
			Activity: []hearth.MinuteActivity{{Minute: 3, Messages: 17, Chatters: 5}},
			Segments: []hearth.SegmentRecap{
				{Name: "running", StartedAt: start.Add(20 * time.Minute)},
				{Name: "before", StartedAt: start.Add(-time.Hour), EndedAt: start.Add(-time.Minute)},
			}}, start.Add(5*time.Hour))
		c := newChart(r)
		if c.Minutes != 30 || c.Peak != 17 || c.YTicks[2].Label != "20" || len(c.XTicks) != 7 {
			t.Errorf("axes: %+v", c)
		}
		if len(c.Bands) != 1 || c.Bands[0].Name != "running" || c.Bands[0].X+c.Bands[0].W != plotRight {
			t.Errorf("bands %+v, want the running one up to the stream's end", c.Bands)
		}
	})
	t.Run("DayLong", func(t *testing.T) {
		r := New(hearth.StreamRecap{Channel: "arena", Seq: 1, StartedAt: start, EndedAt: start.Add(30 * time.Hour)}, start)
		if c := newChart(r); c.Minutes != hearth.MaxRecapMinutes || len(c.XTicks) > 12 {
			t.Errorf("%d minutes, %d ticks", c.Minutes, len(c.XTicks))
		}
	})
}

func TestSparkline(t *testing.T) {
	r := New(hearth.StreamRecap{Channel: "arena", Seq: 1, StartedAt: start, EndedAt: start.Add(120 * time.Minute),
		Activity: []hearth.MinuteActivity{{Minute: 0, Messages: 1}, {Minute: 1, Messages: 1}, {Minute: 119, Messages: 8}}}, start)
	line, per, peak := sparkline(r)
	if per != 2 || peak != 8 || []rune(line)[0] != '▂' || []rune(line)[59] != '█' || len([]rune(line)) != 60 || strings.TrimSpace(string([]rune(line)[1:59])) != "" {
		t.Errorf("sparkline %q, %d per character, peak %d", line, per, peak)
	}
}

func TestFollow(t *testing.T) {
	r := New(hearth.StreamRecap{Channel: "arena", Seq: 5, StartedAt: start}, start)
	later := []hearth.StreamRecap{
		{Channel: "arena", Seq: 9, Cohorts: []hearth.CohortRetention{{Cohort: 5, Newcomers: 10, Attended: 2}}}, // 4 later
		{Channel: "arena", Seq: 6, Cohorts: []hearth.CohortRetention{{Cohort: 5, Newcomers: 10, Attended: 6}, {Cohort: 4, Newcomers: 3, Attended: 3}}},
		{Channel: "arena", Seq: 8, Cohorts: []hearth.CohortRetention{{Cohort: 5, Newcomers: 10, Attended: 9}}},  // 3 later: not a point
		{Channel: "other", Seq: 7, Cohorts: []hearth.CohortRetention{{Cohort: 5, Newcomers: 10, Attended: 9}}},  // another channel
		{Channel: "arena", Seq: 5, Cohorts: []hearth.CohortRetention{{Cohort: 4, Newcomers: 1, Attended: 1}}},   // itself
		{Channel: "arena", Seq: 13, Cohorts: []hearth.CohortRetention{{Cohort: 5, Newcomers: 10, Attended: 1}}}, // too far
	}
	r.Follow(later)
	want := []CohortPoint{{Stream: 6, After: 1, Newcomers: 10, Attended: 6, Share: 0.6}, {Stream: 9, After: 4, Newcomers: 10, Attended: 2, Share: 0.2}}
	if len(r.NewcomersReturned) != len(want) || r.NewcomersReturned[0] != want[0] || r.NewcomersReturned[1] != want[1] {
		t.Errorf("NewcomersReturned = %+v, want %+v", r.NewcomersReturned, want)
	}
	var b bytes.Buffer
	if err := Write(&b, "md", r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "| stream 6 (1 later) | 10 | 6 | 60.0% |") || !strings.Contains(b.String(), "| stream 9 (4 later) | 10 | 2 | 20.0% |") {
		t.Errorf("Markdown lacks the curve:\n%s", b.String())
	}
}

// TestReportShowsDisplayText checks that a report shows poll questions and
// segment names as hearth.DisplayText does: no override survives, and a
// right-to-left question keeps its script and is isolated, by Unicode
// isolates in Markdown and by <bdi> in HTML.
func TestReportShowsDisplayText(t *testing.T) {
	r := New(hearth.StreamRecap{Channel: "arena", Seq: 3, StartedAt: start, EndedAt: start.Add(time.Hour),
		Polls: []hearth.PollRecap{{ID: "1", Question: "Which \u202emap?", Voters: 3}, {ID: "2", Question: "أي خريطة؟", Voters: 2}},
		Segments: []hearth.SegmentRecap{{Name: "Acme \u202eEnergy", StartedAt: start.Add(10 * time.Minute), EndedAt: start.Add(20 * time.Minute)},
			{Name: "\u200b\u200b", StartedAt: start.Add(30 * time.Minute), EndedAt: start.Add(40 * time.Minute)}},
	}, start)
	for _, tt := range []struct {
		format string
		has    []string
	}{
		{"md", []string{"| Which map? | 3 |", "| \u2068أي خريطة؟\u2069 | 2 |", "| Acme Energy | 0:10 |", "| segment 2 | 0:30 |"}},
		{"html", []string{`<td class="question"><bdi>Which map?</bdi></td>`, `<td class="question"><bdi>أي خريطة؟</bdi></td>`,
			`<td class="name"><bdi>Acme Energy</bdi></td>`, `<td class="name"><bdi>segment 2</bdi></td>`, `>Acme Energy</text>`}},
	} {
		t.Run(tt.format, func(t *testing.T) {
			var b bytes.Buffer
			if err := Write(&b, tt.format, r); err != nil {
				t.Fatal(err)
			}
			for _, s := range tt.has {
				if !strings.Contains(b.String(), s) {
					t.Errorf("lacks %+q:\n%s", s, b.String())
				}
			}
			if strings.ContainsAny(b.String(), "\u202e\u200b") {
				t.Errorf("keeps an override or a zero-width space:\n%+q", b.String())
			}
		})
	}
}
