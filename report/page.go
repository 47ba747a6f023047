package report

import (
	"fmt"
	"time"

	"github.com/hearthlive/hearth"
)

// page is what the Markdown and HTML documents show, computed once so
// that both carry the same figures in the same words. Text from chat
// (segment names, poll questions) is as hearth.DisplayText shows it; each
// format isolates it in its own way.
type page struct {
	R       Recap
	Title   string
	When    string // start – end, and the duration
	Figures []figure
	// Segments, Polls and Cohorts are the tables' rows.
	Segments []segmentRow
	Polls    []pollRow
	Cohorts  []cohortRow
	Returned []cohortRow // this stream's newcomers in later streams
	Version  string
}

// figure is one headline number with what it means.
type figure struct {
	Key   string // stable name, for tests and scripts: data-figure in HTML
	Label string
	Value string
	Note  string
}

// segmentRow is a sponsor segment against the rest of the stream.
type segmentRow struct {
	Name, Start, Duration                string
	MessagesDuring, MessagesBaseline     string
	ChattersDuring, ChattersBaseline     string
	NewcomersDuring, NewcomersBaseline   string
	TurnoutDuring, TurnoutBaseline, Lift string
}

type pollRow struct {
	Question, Voters, Turnout string
}

// cohortRow is a newcomer cohort seen from another stream: Cohort names
// the stream that is not this one.
type cohortRow struct {
	Cohort, Newcomers, Attended, Share string
}

// newPage lays out r's document.
func newPage(r Recap) page {
	p := page{R: r, Version: hearth.Version,
		Title: fmt.Sprintf("#%s, stream %d", r.Channel, r.Seq)}
	if r.Live {
		p.When = fmt.Sprintf("%s – live, %s so far", clock(r.StartedAt), hm(r.Duration()))
	} else {
		p.When = fmt.Sprintf("%s – %s (%s)", clock(r.StartedAt), clock(r.EndedAt), hm(r.Duration()))
	}
	retained := "no previous stream"
	if r.Retention != nil {
		retained = fmt.Sprintf("%d of the %d viewers of the previous stream came back", r.Retained, r.PreviousAttendees)
	}
	viewers, participation := "–", "–"
	viewersNote := "Twitch reported no viewer count"
	if r.PeakViewers > 0 {
		viewers = fmt.Sprintf("%d / %d", r.PeakViewers, r.AvgViewers)
		viewersNote = "peak / average concurrent viewers, as Twitch reports them"
		participation = percent(ratioPtr(r.Participation))
	}
	p.Figures = []figure{
		{"messages", "Messages", fmt.Sprint(r.Messages), fmt.Sprintf("%d verified (%s)", r.VerifiedMessages, percent(r.VerifiedShare))},
		{"chatters", "Chatters", fmt.Sprint(r.Chatters), fmt.Sprintf("%d verified", r.VerifiedChatters)},
		{"newcomers", "Newcomers", fmt.Sprint(r.Newcomers), "chatted here for the first time"},
		{"returners", "Returners", fmt.Sprint(r.Returners), "attended an earlier stream"},
		{"retention", "Retention", percent(r.Retention), retained},
		{"top10_share", "Top-10 share", percent(ratioPtr(r.Top10Share)), "of messages came from the ten most active chatters"},
		{"viewers", "Viewers", viewers, viewersNote},
		{"participation", "Participation", participation, "active chatters ÷ concurrent viewers, on average"},
	}
	for i, s := range r.Segments {
		p.Segments = append(p.Segments, segmentRow{
			Name:              segmentName(s, i),
			Start:             offset(s.StartedAt.Sub(r.StartedAt)),
			Duration:          hm(segmentDuration(s, r.streamEnd())),
			MessagesDuring:    fixed(s.During.MessagesPerMinute),
			MessagesBaseline:  fixed(s.Baseline.MessagesPerMinute),
			ChattersDuring:    fixed(s.During.ChattersPerMinute),
			ChattersBaseline:  fixed(s.Baseline.ChattersPerMinute),
			NewcomersDuring:   fmt.Sprint(s.During.Newcomers),
			NewcomersBaseline: fmt.Sprint(s.Baseline.Newcomers),
			TurnoutDuring:     percent(ratioPtr(s.During.PollTurnout)),
			TurnoutBaseline:   percent(ratioPtr(s.Baseline.PollTurnout)),
			Lift:              fmt.Sprintf("×%.2f", s.Lift),
		})
	}
	for _, q := range r.Polls {
		p.Polls = append(p.Polls, pollRow{Question: hearth.DisplayText(q.Question, "poll "+q.ID), Voters: fmt.Sprint(q.Voters), Turnout: percent(ratioPtr(q.Turnout))})
	}
	for _, c := range r.Cohorts {
		share := "–"
		if c.Newcomers > 0 {
			share = percent(ratioPtr(float64(c.Attended) / float64(c.Newcomers)))
		}
		p.Cohorts = append(p.Cohorts, cohortRow{Cohort: fmt.Sprintf("stream %d", c.Cohort),
			Newcomers: fmt.Sprint(c.Newcomers), Attended: fmt.Sprint(c.Attended), Share: share})
	}
	for _, c := range r.NewcomersReturned {
		p.Returned = append(p.Returned, cohortRow{Cohort: fmt.Sprintf("stream %d (%d later)", c.Stream, c.After),
			Newcomers: fmt.Sprint(c.Newcomers), Attended: fmt.Sprint(c.Attended), Share: percent(ratioPtr(c.Share))})
	}
	return p
}

// segmentName is the name of r's segment number i as hearth.DisplayText
// shows it.
func segmentName(s hearth.SegmentRecap, i int) string {
	return hearth.DisplayText(s.Name, fmt.Sprintf("segment %d", i+1))
}

// offset formats the time since the stream's start as h:mm.
func offset(d time.Duration) string {
	m := max(int64(d/time.Minute), 0)
	return fmt.Sprintf("%d:%02d", m/60, m%60)
}

// fixed formats a rate with one decimal.
func fixed(f float64) string { return fmt.Sprintf("%.1f", f) }
