package main

import (
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/report"
	"github.com/hearthlive/hearth/stream/twitchtest"
)

// The independent recount: a scripted audience chats over four streams
// through the fake Twitch into the real binary, and the test computes
// every figure of issue 9 that chat alone determines (not Twitch's viewer
// counts, nor polls) itself, from the lines it sent and the definitions,
// then compares them with /metrics, the streams API and hearth report
// --format json.
//
// Streams are inferred from chat (the IRC path): the lines carry
// tmi-sent-ts hours in the future, so the channel's time is the script's
// alone (the wall clock never catches up during the test), and the four
// hours between streams are far beyond streams.idle_gap, so each stream
// ends at its last line when the next one begins. The last stream is left
// live.

// recountBots are the channel's bots as the test knows them: Twitch bots
// of the default bot list, and the broadcaster, none of whom is ever
// counted.
var recountBots = map[string]bool{"nightbot": true, "streamelements": true, "arena": true}

// recountLine is one chat line of the script.
type recountLine struct {
	at     time.Time
	who    string
	text   string
	stream int // 1 to 4
	seg    string
}

// recountSegment is a sponsor segment as the script ran it.
type recountSegment struct {
	name       string
	stream     int
	start, end time.Time
}

// recountPoll is a chat poll as the script ran it: its voters, and when
// it closed, as the API answered.
type recountPoll struct {
	id, question string
	stream       int
	seg          string // the segment running when it closed
	voters       int64
	closed       time.Time
}

// recountScript builds the audience's lines and segments, starting at t0.
// Segment bounds of the API segment are known only once it runs, and are
// filled in by the test.
type recountScript struct {
	t0       time.Time
	lines    []recountLine
	segments []*recountSegment
	n        int
}

// start returns the start of stream k: four hours apart.
func (s *recountScript) start(k int) time.Time { return s.t0.Add(time.Duration(k-1) * 4 * time.Hour) }

// say adds a line of stream k sec seconds after its start. Ordinary lines
// get a unique text, so that only the flood repeats.
func (s *recountScript) say(k int, sec float64, who, text string) {
	s.n++
	if text == "" {
		text = fmt.Sprintf("message %d from %s", s.n, who)
	}
	at := s.start(k).Add(time.Duration(sec * float64(time.Second)))
	seg := ""
	if n := len(s.segments); n > 0 && s.segments[n-1].stream == k && s.segments[n-1].end.IsZero() && !recountBots[who] {
		seg = s.segments[n-1].name
	}
	s.lines = append(s.lines, recountLine{at: at, who: who, text: text, stream: k, seg: seg})
}

func (s *recountScript) last() time.Time { return s.lines[len(s.lines)-1].at }

// recountChatter gives every login of the script a fixed user id.
func recountChatter(login string) twitchtest.Chatter {
	c := twitchtest.Chatter{ID: twitchtest.UserID(login), Login: login, DisplayName: strings.ToUpper(login[:1]) + login[1:]}
	if login == "arena" {
		c.Badges = []string{"broadcaster/1"}
	}
	return c
}

// expected is a stream's recap as the test computes it.
type expected struct {
	hearth.StreamRecap
	curve    map[int]*hearth.MinuteActivity
	returned []report.CohortPoint // the stream's newcomers in the streams 1, 2 and 4 later
}

// recount computes every stream's figures, and the channel's totals, from
// the lines alone.
func recount(lines []recountLine, segments []*recountSegment, polls []recountPoll, streams int) (rs []expected, newcomers, returners, verified int64) {
	firstStream := map[string]int{}       // who -> the stream of their first message
	attended := map[int]map[string]bool{} // stream -> who chatted in it
	lastText := map[string]time.Time{}    // normalised text -> when last sent
	for k := 1; k <= streams; k++ {
		var ls []recountLine
		for _, l := range lines {
			if l.stream == k {
				ls = append(ls, l)
			}
		}
		e := expected{curve: map[int]*hearth.MinuteActivity{}}
		r := &e.StreamRecap
		r.Channel, r.Seq, r.StartedAt = "arena", int64(k), ls[0].at
		end := ls[len(ls)-1].at
		if k < streams {
			r.EndedAt = end
		}
		attended[k] = map[string]bool{}
		perChatter := map[string]int64{}
		verifiedChatters := map[string]bool{}
		chatterMinutes := map[string]map[string]bool{} // part ("" is the baseline) -> who@minute
		partMessages, partNewcomers := map[string]int64{}, map[string]int64{}
		minuteChatters := map[string]bool{}
		for _, l := range ls {
			if recountBots[l.who] {
				continue
			}
			r.Messages++
			perChatter[l.who]++
			newcomer := firstStream[l.who] == 0
			if newcomer {
				firstStream[l.who] = k
				r.Newcomers++
			}
			if !attended[k][l.who] {
				for j := 1; j < k; j++ {
					if attended[j][l.who] {
						r.Returners++
						break
					}
				}
				attended[k][l.who] = true
			}
			norm := strings.Join(strings.Fields(strings.ToLower(l.text)), " ")
			prev, seen := lastText[norm]
			if !seen || l.at.After(prev) {
				lastText[norm] = l.at
			}
			if !(seen && l.at.Sub(prev) < burstWindow) {
				r.VerifiedMessages++
				verifiedChatters[l.who] = true
			}
			m := int(l.at.Sub(r.StartedAt) / time.Minute)
			a := e.curve[m]
			if a == nil {
				a = &hearth.MinuteActivity{Minute: m}
				e.curve[m] = a
			}
			a.Messages++
			key := fmt.Sprintf("%s@%d", l.who, m)
			if !minuteChatters[key] {
				minuteChatters[key] = true
				a.Chatters++
			}
			if newcomer {
				a.Newcomers++
				partNewcomers[l.seg]++
			}
			partMessages[l.seg]++
			if chatterMinutes[l.seg] == nil {
				chatterMinutes[l.seg] = map[string]bool{}
			}
			chatterMinutes[l.seg][key] = true
		}
		r.Chatters = int64(len(attended[k]))
		r.VerifiedChatters = int64(len(verifiedChatters))
		if k > 1 {
			r.PreviousAttendees = int64(len(attended[k-1]))
			for who := range attended[k-1] {
				if attended[k][who] {
					r.Retained++
				}
			}
		}
		counts := make([]int64, 0, len(perChatter))
		for _, n := range perChatter {
			counts = append(counts, n)
		}
		sort.Slice(counts, func(i, j int) bool { return counts[i] > counts[j] })
		var top int64
		for _, n := range counts[:min(10, len(counts))] {
			top += n
		}
		r.Top10Share = float64(top) / float64(r.Messages)
		for _, back := range []int{1, 2, 4} {
			j := k - back
			if j < 1 {
				continue
			}
			c := hearth.CohortRetention{Cohort: int64(j)}
			for who, first := range firstStream {
				if first == j {
					c.Newcomers++
					if attended[k][who] {
						c.Attended++
					}
				}
			}
			r.Cohorts = append(r.Cohorts, c)
		}
		// A poll's turnout is its voters over the viewers who chatted in
		// the 5 minutes before it closed; a segment's, the mean of the
		// polls that closed in it.
		turnouts := map[string][]float64{}
		for _, p := range polls {
			if p.stream != k {
				continue
			}
			active := map[string]bool{}
			for _, l := range ls {
				if !recountBots[l.who] && l.at.After(p.closed.Add(-5*time.Minute)) && !l.at.After(p.closed) {
					active[l.who] = true
				}
			}
			turnout := float64(p.voters) / float64(len(active))
			r.Polls = append(r.Polls, hearth.PollRecap{ID: p.id, Question: p.question, Voters: p.voters, Turnout: turnout})
			turnouts[p.seg] = append(turnouts[p.seg], turnout)
		}
		mean := func(xs []float64) float64 {
			if len(xs) == 0 {
				return 0
			}
			var sum float64
			for _, x := range xs {
				sum += x
			}
			return sum / float64(len(xs))
		}
		total := end.Sub(r.StartedAt).Minutes()
		inSegments := 0.0
		for _, s := range segments {
			if s.stream == k {
				inSegments += s.end.Sub(s.start).Minutes()
			}
		}
		baseline := hearth.Activity{Minutes: total - inSegments, Newcomers: partNewcomers[""], PollTurnout: mean(turnouts[""]),
			MessagesPerMinute: float64(partMessages[""]) / (total - inSegments),
			ChattersPerMinute: float64(len(chatterMinutes[""])) / (total - inSegments)}
		for _, s := range segments {
			if s.stream != k {
				continue
			}
			mins := s.end.Sub(s.start).Minutes()
			during := hearth.Activity{Minutes: mins, Newcomers: partNewcomers[s.name], PollTurnout: mean(turnouts[s.name]),
				MessagesPerMinute: float64(partMessages[s.name]) / mins,
				ChattersPerMinute: float64(len(chatterMinutes[s.name])) / mins}
			r.Segments = append(r.Segments, hearth.SegmentRecap{Name: s.name, StartedAt: s.start, EndedAt: s.end,
				During: during, Baseline: baseline, Lift: during.MessagesPerMinute / baseline.MessagesPerMinute})
		}
		newcomers += r.Newcomers
		returners += r.Returners
		verified += r.VerifiedMessages
		rs = append(rs, e)
	}
	for k := range rs {
		rs[k].returned = []report.CohortPoint{}
		for _, after := range []int{1, 2, 4} {
			j := k + 1 + after
			if j > streams {
				continue
			}
			p := report.CohortPoint{Stream: int64(j), After: int64(after)}
			for who, first := range firstStream {
				if first == k+1 {
					p.Newcomers++
					if attended[j][who] {
						p.Attended++
					}
				}
			}
			p.Share = float64(p.Attended) / float64(p.Newcomers)
			rs[k].returned = append(rs[k].returned, p)
		}
	}
	return rs, newcomers, returners, verified
}

// burstWindow is the copy-paste window of the issue: the same text within
// seconds. The README states 5 s.
const burstWindow = 5 * time.Second

// compareRecap lists how got, as the API or the report shows it, differs
// from the recount.
func compareRecap(got report.Recap, want expected) []string {
	var d []string
	w := want.StreamRecap
	eq := func(name string, g, w any) {
		if g != w {
			d = append(d, fmt.Sprintf("%s = %v, want %v", name, g, w))
		}
	}
	// Floats agree to a millionth: the API's segment times are read back
	// to the millisecond.
	near := func(name string, g, w float64) {
		if math.Abs(g-w) > 1e-6*math.Max(1, math.Abs(w)) {
			d = append(d, fmt.Sprintf("%s = %v, want %v", name, g, w))
		}
	}
	eq("seq", got.Seq, w.Seq)
	eq("started_at", got.StartedAt.UTC(), w.StartedAt.UTC())
	eq("ended_at", got.EndedAt.UTC(), w.EndedAt.UTC())
	eq("live", got.Live, w.EndedAt.IsZero())
	if !w.EndedAt.IsZero() {
		eq("duration_seconds", got.DurationSeconds, int64(w.EndedAt.Sub(w.StartedAt)/time.Second))
	}
	eq("messages", got.Messages, w.Messages)
	eq("chatters", got.Chatters, w.Chatters)
	eq("verified_messages", got.VerifiedMessages, w.VerifiedMessages)
	eq("verified_chatters", got.VerifiedChatters, w.VerifiedChatters)
	eq("newcomers", got.Newcomers, w.Newcomers)
	eq("returners", got.Returners, w.Returners)
	eq("previous_attendees", got.PreviousAttendees, w.PreviousAttendees)
	eq("retained", got.Retained, w.Retained)
	if w.PreviousAttendees > 0 {
		if got.Retention == nil {
			d = append(d, "retention = null, want a ratio")
		} else {
			near("retention", *got.Retention, float64(w.Retained)/float64(w.PreviousAttendees))
		}
	} else if got.Retention != nil {
		d = append(d, fmt.Sprintf("retention = %v, want null (no previous stream)", *got.Retention))
	}
	near("top10_share", got.Top10Share, w.Top10Share)
	eq("peak_viewers", got.PeakViewers, int64(0))
	if len(got.Polls) != len(w.Polls) {
		d = append(d, fmt.Sprintf("polls = %+v, want %+v", got.Polls, w.Polls))
	}
	for i := range min(len(got.Polls), len(w.Polls)) {
		g, wp := got.Polls[i], w.Polls[i]
		eq(fmt.Sprintf("poll %d id", i), g.ID, wp.ID)
		eq(fmt.Sprintf("poll %d question", i), g.Question, wp.Question)
		eq(fmt.Sprintf("poll %d voters", i), g.Voters, wp.Voters)
		near(fmt.Sprintf("poll %d turnout", i), g.Turnout, wp.Turnout)
	}

	// The curve: every minute the recount saw, and nothing else.
	gotCurve := map[int]hearth.MinuteActivity{}
	for _, a := range got.Activity {
		gotCurve[a.Minute] = a
	}
	for m, a := range want.curve {
		if gotCurve[m] != *a {
			d = append(d, fmt.Sprintf("activity minute %d = %+v, want %+v", m, gotCurve[m], *a))
		}
	}
	for m, a := range gotCurve {
		if want.curve[m] == nil && (a.Messages != 0 || a.Chatters != 0 || a.Newcomers != 0) {
			d = append(d, fmt.Sprintf("activity minute %d = %+v, want nothing", m, a))
		}
	}

	gotCohorts := slices.Clone(got.Cohorts)
	wantCohorts := slices.Clone(w.Cohorts)
	byCohort := func(a, b hearth.CohortRetention) int { return int(a.Cohort - b.Cohort) }
	slices.SortFunc(gotCohorts, byCohort)
	slices.SortFunc(wantCohorts, byCohort)
	if !slices.Equal(gotCohorts, wantCohorts) {
		d = append(d, fmt.Sprintf("cohorts = %+v, want %+v", gotCohorts, wantCohorts))
	}
	if !slices.Equal(got.NewcomersReturned, want.returned) {
		d = append(d, fmt.Sprintf("newcomers_returned = %+v, want %+v", got.NewcomersReturned, want.returned))
	}

	if len(got.Segments) != len(w.Segments) {
		return append(d, fmt.Sprintf("%d segments %+v, want %d: %+v", len(got.Segments), got.Segments, len(w.Segments), w.Segments))
	}
	for i, ws := range w.Segments {
		gs := got.Segments[i]
		p := fmt.Sprintf("segment %q ", ws.Name)
		eq(p+"name", gs.Name, ws.Name)
		eq(p+"started_at", gs.StartedAt.UTC(), ws.StartedAt.UTC().Truncate(time.Millisecond))
		eq(p+"ended_at", gs.EndedAt.UTC(), ws.EndedAt.UTC().Truncate(time.Millisecond))
		for _, part := range []struct {
			name string
			g, w hearth.Activity
		}{{"during", gs.During, ws.During}, {"baseline", gs.Baseline, ws.Baseline}} {
			near(p+part.name+" minutes", part.g.Minutes, part.w.Minutes)
			near(p+part.name+" messages_per_minute", part.g.MessagesPerMinute, part.w.MessagesPerMinute)
			near(p+part.name+" chatters_per_minute", part.g.ChattersPerMinute, part.w.ChattersPerMinute)
			eq(p+part.name+" newcomers", part.g.Newcomers, part.w.Newcomers)
			near(p+part.name+" poll_turnout", part.g.PollTurnout, part.w.PollTurnout)
		}
		near(p+"lift", gs.Lift, ws.Lift)
	}
	return d
}

// segStart adds the broadcaster's "!segment start NAME" to stream k.
func (s *recountScript) segStart(k int, sec float64, name string) {
	s.say(k, sec, "arena", "!segment start "+name)
	s.segments = append(s.segments, &recountSegment{name: name, stream: k, start: s.last()})
}

// segEnd adds the broadcaster's "!segment end" to stream k.
func (s *recountScript) segEnd(k int, sec float64) {
	s.say(k, sec, "arena", "!segment end")
	s.segments[len(s.segments)-1].end = s.last()
}

// scrape returns one series' value from /metrics, false when it is absent.
func scrape(t *testing.T, base, series string) (float64, bool) {
	t.Helper()
	for _, line := range strings.Split(string(httpGet(t, base+"/metrics")), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			var f float64
			if _, err := fmt.Sscan(v, &f); err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return f, true
		}
	}
	return 0, false
}

// waitSeries waits until a series of /metrics holds want, and reports what
// it held last if it does not within 30 s. Figures reach metrics about once
// a second, so a value may be behind for a moment; not a timing assertion.
func waitSeries(t *testing.T, base, series string, want float64) bool {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got, ok := scrape(t, base, series)
		if ok && math.Abs(got-want) <= 1e-9*math.Max(1, math.Abs(want)) {
			return true
		}
		if time.Now().After(deadline) {
			if !ok {
				t.Errorf("/metrics: %s is absent, want %v", series, want)
			} else {
				t.Errorf("/metrics: %s = %v, want %v", series, got, want)
			}
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestRecount(t *testing.T) {
	t.Parallel()
	dbPath := filepath.Join(t.TempDir(), "recount.db")
	a := startArena(t, "sqlite://"+dbPath, map[string]string{"HEARTH_ADMIN_TOKEN": "s3cret"})
	base := a.proc.baseURL(t)
	waitReady(t, base)
	api := base + "/api/v1/channels/arena"

	s := &recountScript{t0: time.Now().Add(2 * time.Hour).Truncate(time.Second)}
	sent := 0
	// send sends the lines not sent yet and waits until hearth has handled
	// them all.
	send := func() {
		t.Helper()
		var raw []string
		for _, l := range s.lines[sent:] {
			raw = append(raw, twitchtest.PrivmsgLine(a.channel, a.room, recountChatter(l.who), l.text, l.at, twitchtest.MsgOptions{}))
		}
		a.srv.Send(a.channel, raw...)
		sent = len(s.lines)
		if !waitSeries(t, base, `hearth_chat_messages_total{channel="arena"}`, float64(sent)) {
			t.FailNow()
		}
	}

	// Stream 1: five newcomers; a bot and the broadcaster chat too.
	s.say(1, 0, "ann", "hi everyone")
	s.say(1, 5, "nightbot", "Follow the channel!")
	s.say(1, 30, "bob", "")
	s.say(1, 65, "cat", "")
	s.say(1, 130, "dan", "")
	s.say(1, 200, "eve", "")
	s.say(1, 240, "arena", "thanks for coming")
	s.say(1, 300, "ann", "")
	s.say(1, 310, "ann", "")
	s.say(1, 420, "bob", "")
	s.say(1, 500, "nightbot", "Follow the channel!")
	s.say(1, 600, "cat", "")
	s.say(1, 900, "dan", "gg")

	// Stream 2: three come back, ten are new (one during the segment);
	// a copy-paste flood; a sponsor segment marked in chat.
	for i, who := range []string{"ann", "bob", "cat", "fay", "gus", "hal", "ivy", "p01", "p02", "p03", "p04", "p05", "p06"} {
		s.say(2, float64(10*i), who, "")
	}
	for _, sec := range []float64{200, 230, 260, 290} {
		s.say(2, sec, "ann", "")
	}
	s.say(2, 300, "bob", "")
	s.say(2, 320, "bob", "")
	// The same text, spelled differently, from six viewers within 5 s of
	// each other counts once; a bot's copy is not counted at all, and the
	// same text 7 s after the burst's last copy counts again.
	for i, c := range []struct{ who, text string }{
		{"ann", "POGGERS"}, {"bob", "poggers"}, {"fay", "Poggers  "}, {"gus", "POGGERS"}, {"hal", " poggers"}, {"ivy", "pOGGERS"},
	} {
		s.say(2, 600+0.8*float64(i), c.who, c.text)
	}
	s.say(2, 605, "streamelements", "POGGERS")
	s.say(2, 611, "cat", "poggers")
	s.segStart(2, 900, "Acme Energy")
	for _, c := range []struct {
		sec float64
		who string
	}{{930, "ann"}, {960, "fay"}, {990, "gus"}, {1000, "p01"}, {1100, "hal"}, {1150, "quinn"}, {1200, "bob"}, {1260, "ann"}, {1300, "ivy"}, {1400, "cat"}} {
		s.say(2, c.sec, c.who, "")
	}
	s.segEnd(2, 1500)
	s.say(2, 1560, "ann", "")
	s.say(2, 1620, "bob", "")
	s.say(2, 1680, "fay", "")
	s.say(2, 1800, "gus", "")

	// Stream 3: a viewer of stream 1 who missed stream 2 comes back; a
	// segment marked through the API.
	for i, who := range []string{"ann", "fay", "dan", "jay", "kim", "lea"} {
		s.say(3, float64(30*i), who, "")
	}
	s.say(3, 200, "ann", "")
	s.say(3, 260, "jay", "")
	s.say(3, 300, "kim", "")
	send()

	for _, tt := range []struct {
		body   any
		status int
		says   string
	}{
		{map[string]string{"name": strings.Repeat("x", 41)}, 400, "segment name"},
		{map[string]any{"name": "x", "colour": "red"}, 400, "colour: no such field"},
		{map[string]any{"name": 5}, 400, "name: must be string"},
		{map[string]string{}, 400, "name: required"},
	} {
		status, body := callJSON(t, "POST", api+"/segments", "s3cret", tt.body)
		if status != tt.status || !strings.Contains(string(body), tt.says) {
			t.Errorf("POST segments %v: %d %s, want %d saying %q", tt.body, status, body, tt.status, tt.says)
		}
	}
	status, body := callJSON(t, "POST", api+"/segments", "s3cret", map[string]string{"name": "  Globex   Corp "})
	var started hearth.SegmentRecap
	if status != 201 || json.Unmarshal(body, &started) != nil {
		t.Fatalf("POST segments: %d %s", status, body)
	}
	// The segment starts at the channel's time: its last line, moved on by
	// the wall clock since; the answer says when.
	globex := &recountSegment{name: "Globex Corp", stream: 3, start: started.StartedAt}
	s.segments = append(s.segments, globex)
	if started.Name != globex.name || started.StartedAt.Before(s.last()) || started.StartedAt.After(s.last().Add(time.Minute)) {
		t.Errorf("POST segments answered %s, want %q started just after %v", body, globex.name, s.last())
	}
	waitSeries(t, base, `hearth_segment_active{channel="arena",segment="Globex Corp"}`, 1)
	waitSeries(t, base, `hearth_segment_active{channel="arena",segment="Acme Energy"}`, 0)
	if status, body := callJSON(t, "POST", api+"/segments", "s3cret", map[string]string{"name": "Initech"}); status != 409 || !strings.Contains(string(body), "Globex Corp") {
		t.Errorf("POST segments while Globex Corp runs: %d %s, want 409 naming it", status, body)
	}
	// A chat poll during the segment: three votes, each a chat message.
	status, body = callJSON(t, "POST", api+"/polls", "s3cret", map[string]any{"question": "Which map next?", "options": []string{"Dust", "Mirage"}, "duration_seconds": 1800})
	var poll hearth.Poll
	if status != 201 || json.Unmarshal(body, &poll) != nil {
		t.Fatalf("POST polls: %d %s", status, body)
	}
	for _, c := range []struct {
		sec       float64
		who, text string
	}{{330, "lea", ""}, {340, "ann", "!vote 1"}, {360, "jay", ""}, {365, "jay", "!vote 2"}, {400, "ann", ""}, {420, "rex", ""}, {430, "lea", "!vote 1"}, {480, "fay", ""}} {
		s.say(3, c.sec, c.who, c.text)
	}
	send()
	status, body = callJSON(t, "POST", api+"/polls/"+poll.ID+"/end", "s3cret", nil)
	if status != 200 || json.Unmarshal(body, &poll) != nil || poll.ClosedAt.IsZero() {
		t.Fatalf("POST polls/%s/end: %d %s", poll.ID, status, body)
	}
	polls := []recountPoll{{id: poll.ID, question: "Which map next?", stream: 3, seg: globex.name, voters: 3, closed: poll.ClosedAt}}
	status, body = callJSON(t, "POST", api+"/segments/end", "s3cret", nil)
	var ended hearth.SegmentRecap
	if status != 200 || json.Unmarshal(body, &ended) != nil {
		t.Fatalf("POST segments/end: %d %s", status, body)
	}
	globex.end = ended.EndedAt
	if ended.Name != globex.name || ended.EndedAt.Before(s.last()) || ended.EndedAt.After(s.last().Add(time.Minute)) {
		t.Errorf("POST segments/end answered %s, want %q ended just after %v", body, globex.name, s.last())
	}
	if status, body := callJSON(t, "POST", api+"/segments/end", "s3cret", nil); status != 404 {
		t.Errorf("POST segments/end with none running: %d %s, want 404", status, body)
	}
	s.say(3, 540, "dan", "")
	s.say(3, 600, "kim", "")
	s.say(3, 660, "ann", "")

	// Stream 4, left live: two come back from earlier streams, one from
	// the last, two are new; a command is a message like any other.
	for i, who := range []string{"bob", "gus", "kim", "max", "ned"} {
		s.say(4, float64(20*i), who, "")
	}
	s.say(4, 120, "bob", "")
	s.say(4, 150, "max", "!points")
	s.say(4, 160, "nightbot", "Follow the channel!")
	s.say(4, 170, "arena", "hello")
	send()

	want, newcomers, returners, verified := recount(s.lines, s.segments, polls, 4)
	last := want[3].StreamRecap
	t.Logf("recount: %d lines, %d newcomers, %d returners, %d verified messages; stream 2: %d messages, %d verified, lift %.3f",
		len(s.lines), newcomers, returners, verified, want[1].Messages, want[1].VerifiedMessages, want[1].Segments[0].Lift)

	// /metrics. The active-chatter windows first: the channel's time moves
	// on with the wall clock from its last line, and nobody of stream 4
	// leaves the 5 minute window until two and a half minutes have passed.
	active := func(window time.Duration, verifiedOnly bool) float64 {
		who := map[string]bool{}
		lastText := map[string]time.Time{}
		for _, l := range s.lines {
			if recountBots[l.who] {
				continue
			}
			norm := strings.Join(strings.Fields(strings.ToLower(l.text)), " ")
			prev, seen := lastText[norm]
			lastText[norm] = l.at
			copied := seen && l.at.Sub(prev) < burstWindow
			if l.at.After(s.last().Add(-window)) && (!verifiedOnly || !copied) {
				who[l.who] = true
			}
		}
		return float64(len(who))
	}
	for _, m := range []struct {
		series string
		want   float64
	}{
		{`hearth_chatters_active{channel="arena",window="5m"}`, active(5*time.Minute, false)},
		{`hearth_chatters_active{channel="arena",window="15m"}`, active(15*time.Minute, false)},
		{`hearth_verified_chatters_active{channel="arena"}`, active(5*time.Minute, true)},
		{`hearth_newcomers_total{channel="arena"}`, float64(newcomers)},
		{`hearth_returning_viewers_total{channel="arena"}`, float64(returners)},
		{`hearth_verified_messages_total{channel="arena"}`, float64(verified)},
		{`hearth_stream_newcomers{channel="arena"}`, float64(last.Newcomers)},
		{`hearth_retention_ratio{channel="arena"}`, float64(last.Retained) / float64(last.PreviousAttendees)},
		{`hearth_stream_chatters{channel="arena"}`, float64(last.Chatters)},
		{`hearth_stream_top10_message_share{channel="arena"}`, last.Top10Share},
		{`hearth_stream_live{channel="arena"}`, 1},
		{`hearth_poll_turnout_ratio{channel="arena"}`, want[2].Polls[0].Turnout},
		{`hearth_segment_active{channel="arena",segment="Acme Energy"}`, 0},
		{`hearth_segment_active{channel="arena",segment="Globex Corp"}`, 0},
	} {
		waitSeries(t, base, m.series, m.want)
	}

	// The streams API, newest first, two a page, then each stream.
	var listed []int64
	url := api + "/streams?limit=2"
	for range 3 {
		status, body := call(t, "GET", url, "s3cret")
		var page struct {
			Streams []report.Recap `json:"streams"`
			Next    int64          `json:"next"`
		}
		if status != 200 || json.Unmarshal(body, &page) != nil {
			t.Fatalf("GET %s: %d %s", url, status, body)
		}
		for _, r := range page.Streams {
			listed = append(listed, r.Seq)
		}
		if page.Next == 0 {
			break
		}
		url = fmt.Sprintf("%s/streams?limit=2&before=%d", api, page.Next)
	}
	if !slices.Equal(listed, []int64{4, 3, 2, 1}) {
		t.Errorf("the streams API listed streams %v, want 4, 3, 2, 1", listed)
	}
	// Recaps reach the store within a flush; the live stream's last lines
	// may need one more, so a difference is asked again for a while.
	for k := 4; k >= 1; k-- {
		deadline := time.Now().Add(30 * time.Second)
		for {
			status, body := call(t, "GET", fmt.Sprintf("%s/streams/%d", api, k), "s3cret")
			var got report.Recap
			var d []string
			if status != 200 || json.Unmarshal(body, &got) != nil {
				d = []string{fmt.Sprintf("GET streams/%d answered %d %s", k, status, body)}
			} else {
				d = compareRecap(got, want[k-1])
			}
			if len(d) == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("streams API, stream %d:\n  %s", k, strings.Join(d, "\n  "))
				break
			}
			time.Sleep(200 * time.Millisecond)
		}
	}

	// hearth report --format json, from the database hearth leaves.
	a.proc.stop(t)
	for k := 1; k <= 4; k++ {
		var got report.Recap
		args := []string{"report", "--db", "sqlite://" + dbPath, "--channel", "arena", "--stream", fmt.Sprint(k), "--format", "json"}
		out, stderr, code := runAuth(t, nil, args...)
		if code != 0 || json.Unmarshal([]byte(out), &got) != nil {
			t.Errorf("hearth report --stream %d: exit %d, %s%s", k, code, stderr, out)
			continue
		}
		if d := compareRecap(got, want[k-1]); len(d) > 0 {
			t.Errorf("hearth report, stream %d:\n  %s", k, strings.Join(d, "\n  "))
		}
	}
	if v := a.srv.Violations(); v != 0 {
		t.Errorf("%d chat rate-limit violations", v)
	}
}
