package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/store/sqlite"
	"github.com/hearthlive/hearth/stream/twitchtest"
)

// pollOptions are the options of the end-to-end polls, and voteTexts the
// ways a viewer chooses each: its number, its label in another case, a
// unique prefix.
var (
	pollOptions = []string{"Dust", "Inferno", "Mirage"}
	voteTexts   = [][]string{{"!vote 1", "!vote DUST", "!vote du"}, {"!vote 2", "!vote inferno", "!vote inf"}, {"!vote 3", "!vote Mirage", "!vote mi"}}
)

// voter is the i-th simulated viewer of the end-to-end polls.
func voter(i int) twitchtest.Chatter {
	c := twitchtest.Chatter{ID: fmt.Sprint(500_000 + i), Login: fmt.Sprintf("voter%05d", i)}
	if i%4 == 0 {
		c.Badges = []string{"subscriber/1"}
	}
	return c
}

// voteLine is the chat line of viewer i choosing option, written in one of
// the three ways.
func voteLine(a *arena, i, option int) string {
	return twitchtest.PrivmsgLine(a.channel, a.room, voter(i), voteTexts[option][i%3], time.Time{}, twitchtest.MsgOptions{})
}

// pollState reads poll overlay states from conn until one satisfies ok.
func pollState(t *testing.T, conn *websocket.Conn, ok func(hearth.PollState) bool) hearth.PollState {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		m, err := readOverlay(conn)
		if err != nil {
			t.Fatalf("reading the poll overlay: %v", err)
		}
		var st hearth.PollState
		if m.Topic != hearth.TopicPoll || json.Unmarshal(m.State, &st) != nil {
			t.Fatalf("poll overlay sent %s %s", m.Topic, m.State)
		}
		if ok(st) {
			return st
		}
	}
	t.Fatal("the poll overlay never showed the expected state")
	return hearth.PollState{}
}

// openSQLite opens the SQLite database of a stopped or killed hearth.
func openSQLite(t *testing.T, path string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestPollTenThousandVoters runs a chat poll through the real binary: a
// moderator starts it in chat, 10,000 distinct viewers vote within a
// second (500 of them change their mind, some vote for no option), the
// API ends it. The chat announcement, the API's answer, the overlay and the
// stored result must all show the count the test makes from what it sent.
func TestPollTenThousandVoters(t *testing.T) {
	t.Parallel()
	const voters, changers = 10_000, 500
	dbPath := filepath.Join(t.TempDir(), "poll.db")
	a := startArena(t, "sqlite://"+dbPath, map[string]string{"HEARTH_ADMIN_TOKEN": "admin"})
	base := a.proc.baseURL(t)
	conn, _, err := websocket.DefaultDialer.Dial(socketURL(base, a.channel, overlayToken(t, base, "admin", a.channel), hearth.TopicPoll), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	a.say("mia", "!poll Which map next? | Dust | Inferno | Mirage 5m")
	open := pollState(t, conn, func(st hearth.PollState) bool { return st.Status == hearth.PollOpen })
	if open.Question != "Which map next?" || len(open.Options) != 3 || open.Kind != hearth.PollChat {
		t.Fatalf("opened poll %+v", open)
	}

	// The test's own count: the last valid choice of each viewer.
	choice := make(map[int]int, voters)
	lines := make([]string, 0, voters+changers+100)
	for i := range voters {
		option := (i * 7 / 3) % 3
		choice[i] = option
		lines = append(lines, voteLine(a, i, option))
	}
	for i := range changers {
		option := (choice[i] + 1) % 3
		choice[i] = option
		lines = append(lines, voteLine(a, i, option))
	}
	for i := range 100 { // no such option: not counted
		lines = append(lines, twitchtest.PrivmsgLine(a.channel, a.room, voter(i), "!vote 7", time.Time{}, twitchtest.MsgOptions{}))
	}
	want := make([]int64, 3)
	for _, o := range choice {
		want[o]++
	}
	start := time.Now()
	for chunk := range slices.Chunk(lines, 500) {
		a.srv.Send(a.channel, chunk...)
	}
	t.Logf("sent %d vote lines from %d viewers in %v", len(lines), voters, time.Since(start))

	waitMetric(t, base, `hearth_poll_votes_total{channel="arena",result="accepted"}`, voters)
	waitMetric(t, base, `hearth_poll_votes_total{channel="arena",result="changed"}`, changers)
	waitMetric(t, base, `hearth_poll_votes_total{channel="arena",result="invalid"}`, 100)
	t.Logf("all votes counted %v after the first was sent", time.Since(start))

	status, body := callJSON(t, "POST", base+"/api/v1/channels/arena/polls/"+open.ID+"/end", "admin", nil)
	var ended hearth.Poll
	if status != http.StatusOK || json.Unmarshal(body, &ended) != nil {
		t.Fatalf("POST .../end: %d %s", status, body)
	}
	check := func(what string, votes []int64, voters int64) {
		t.Helper()
		if !slices.Equal(votes, want) || voters != int64(len(choice)) {
			t.Errorf("%s: votes %v from %d voters, the test counted %v from %d", what, votes, voters, want, len(choice))
		}
	}
	check("POST .../end", ended.Tally.Votes, ended.Tally.Voters)
	if ended.Status != hearth.PollClosed || len(ended.Tally.Breakdown) != 3 {
		t.Fatalf("ended poll %+v", ended)
	}
	var subs int64
	for _, b := range ended.Tally.Breakdown {
		subs += b.Subscribers
	}
	if subs != voters/4 {
		t.Errorf("breakdown counts %d subscribers, %d voted", subs, voters/4)
	}

	status, body = call(t, "GET", base+"/api/v1/channels/arena/polls/"+open.ID, "admin")
	var got hearth.Poll
	if status != http.StatusOK || json.Unmarshal(body, &got) != nil {
		t.Fatalf("GET .../polls/{id}: %d %s", status, body)
	}
	check("GET .../polls/{id}", got.Tally.Votes, got.Tally.Voters)

	closed := pollState(t, conn, func(st hearth.PollState) bool { return st.Status == hearth.PollClosed })
	overlay := make([]int64, len(closed.Options))
	for i, o := range closed.Options {
		overlay[i] = o.Votes
	}
	check("overlay", overlay, closed.Voters)

	winner := 0
	for i, n := range want {
		if n > want[winner] {
			winner = i
		}
	}
	line := fmt.Sprintf("Poll closed: Which map next? — %s wins with %d of %d votes (%d voters)", pollOptions[winner], want[winner], len(choice), len(choice))
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := waitSentText(ctx, a.srv, line); err != nil {
		t.Fatalf("announcement %q: %v", line, err)
	}

	a.proc.stop(t)
	stored, err := openSQLite(t, dbPath).Poll(context.Background(), "arena", open.ID)
	if err != nil {
		t.Fatal(err)
	}
	check("stored result", stored.Tally.Votes, stored.Tally.Voters)
	if stored.Status != hearth.PollClosed || !slices.Equal(stored.Tally.Winners, []int{winner}) {
		t.Fatalf("stored poll %+v", stored)
	}

	var exported []hearth.Poll
	if err := json.Unmarshal([]byte(runHearth(t, nil, "export", "--db", a.db, "--channel", "arena", "--polls")), &exported); err != nil {
		t.Fatal(err)
	}
	if len(exported) != 1 {
		t.Fatalf("export --polls wrote %d polls, want 1", len(exported))
	}
	check("export --polls", exported[0].Tally.Votes, exported[0].Tally.Voters)
	rows := strings.Split(strings.TrimSpace(runHearth(t, nil, "export", "--db", a.db, "--channel", "arena", "--polls", "--format", "csv")), "\n")
	if len(rows) != 1+len(pollOptions) || !strings.HasPrefix(rows[0], "poll_id,kind,status,question") {
		t.Fatalf("export --polls --format csv: %q", rows)
	}
	for i, row := range rows[1:] {
		if !strings.Contains(row, fmt.Sprintf(",%d,%s,%d,%d,", i+1, pollOptions[i], want[i], want[i])) {
			t.Errorf("csv row %d %q lacks option %s with %d votes", i+1, row, pollOptions[i], want[i])
		}
	}
}

// waitSentText waits until the bot has said text in chat.
func waitSentText(ctx context.Context, srv *twitchtest.Server, text string) error {
	for {
		for _, m := range srv.Sent() {
			if m.Text == text {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			var said []string
			for _, m := range srv.Sent() {
				said = append(said, m.Text)
			}
			return fmt.Errorf("%w; the bot said %q", ctx.Err(), said)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// TestPollSurvivesKillNine kills hearth with SIGKILL while votes pour in,
// and restarts it on the same database: the poll goes on with the same end
// time and every vote whose flush completed before the kill, takes new
// votes, closes on time and counts nobody twice.
func TestPollSurvivesKillNine(t *testing.T) {
	t.Parallel()
	const interval = 100 * time.Millisecond
	dbPath := filepath.Join(t.TempDir(), "poll-crash.db")
	env := map[string]string{"HEARTH_STORE_FLUSH_INTERVAL": interval.String(), "HEARTH_ADMIN_TOKEN": "admin"}
	a := startArena(t, "sqlite://"+dbPath, env)
	base := a.proc.baseURL(t)
	a.say("mia", "!poll Kill it? | Dust | Inferno | Mirage 20s")
	var poll hearth.Poll
	deadline := time.Now().Add(15 * time.Second)
	for poll.ID == "" {
		status, body := call(t, "GET", base+"/api/v1/channels/arena/polls", "admin")
		var page struct{ Polls []hearth.Poll }
		if status == http.StatusOK && json.Unmarshal(body, &page) == nil && len(page.Polls) > 0 {
			poll = page.Polls[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("the poll never appeared: %d %s", status, body)
		}
		time.Sleep(20 * time.Millisecond)
	}

	// 2,000 viewers vote in chunks; some change their vote; SIGKILL lands
	// in the middle.
	sent := map[int][]int{} // viewer -> every option they chose, in order
	for chunk := range 20 {
		var lines []string
		for j := range 100 {
			i := chunk*100 + j
			option := i % 3
			sent[i] = append(sent[i], option)
			lines = append(lines, voteLine(a, i, option))
			if i%10 == 0 && i >= 100 {
				again := (sent[i-100][len(sent[i-100])-1] + 1) % 3
				sent[i-100] = append(sent[i-100], again)
				lines = append(lines, voteLine(a, i-100, again))
			}
		}
		a.srv.Send(a.channel, lines...)
		time.Sleep(15 * time.Millisecond)
	}
	if err := a.proc.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-a.proc.done
	checkIntegrity(t, dbPath)

	// What the kill left: every stored vote is one a viewer sent, and the
	// poll is still open with its end time.
	db := openSQLite(t, dbPath)
	kept, err := db.PollVotes(context.Background(), "arena", poll.ID)
	if err != nil {
		t.Fatal(err)
	}
	open, err := db.OpenPolls(context.Background(), "arena")
	if err != nil || len(open) != 1 || open[0].ID != poll.ID || !open[0].EndsAt.Equal(poll.EndsAt) {
		t.Fatalf("open polls after the kill: %+v, %v", open, err)
	}
	db.Close()
	final := map[string]int{} // user id -> option, the test's own count
	for _, v := range kept {
		var i int
		if _, err := fmt.Sscanf(v.Login, "voter%05d", &i); err != nil || !slices.Contains(sent[i], v.Option) {
			t.Fatalf("stored vote %+v was never sent", v)
		}
		final[v.UserID] = v.Option
	}
	t.Logf("SIGKILL after %d viewers voted: %d votes kept", len(sent), len(kept))
	if len(kept) == 0 || len(kept) == len(sent) {
		t.Logf("the kill did not land mid-poll as intended (kept %d of %d)", len(kept), len(sent))
	}

	// Restart on the same database: the poll goes on.
	a.proc = startHearth(t, map[string]string{
		"HEARTH_TWITCH_IRC_ADDR":      a.srv.Addr(),
		"HEARTH_TWITCH_IRC_TLS":       "false",
		"HEARTH_CHANNELS":             "arena",
		"HEARTH_HTTP_ADDR":            "127.0.0.1:0",
		"HEARTH_DATABASE_URL":         "sqlite://" + dbPath,
		"HEARTH_BOT_USERNAME":         "hearthbot",
		"HEARTH_BOT_TOKEN":            "oauth:test",
		"HEARTH_ADMIN_TOKEN":          "admin",
		"HEARTH_STORE_FLUSH_INTERVAL": interval.String(),
	}, "serve")
	base = a.proc.baseURL(t)
	waitReady(t, base)
	a.waitJoinedAlone(t)
	if time.Now().After(poll.EndsAt) {
		t.Fatalf("the restart took past the poll's end; nothing left to test")
	}
	// 300 new viewers, and 50 who had a vote kept change it.
	var lines []string
	for i := 5000; i < 5300; i++ {
		lines = append(lines, voteLine(a, i, 2))
		final[voter(i).ID] = 2
	}
	changed := 0
	for _, v := range kept {
		if changed == 50 {
			break
		}
		var i int
		fmt.Sscanf(v.Login, "voter%05d", &i)
		option := (v.Option + 1) % 3
		lines = append(lines, voteLine(a, i, option))
		final[v.UserID] = option
		changed++
	}
	a.srv.Send(a.channel, lines...)
	waitMetric(t, base, `hearth_poll_votes_total{channel="arena",result="accepted"}`, 300)
	waitMetric(t, base, `hearth_poll_votes_total{channel="arena",result="changed"}`, float64(changed))
	// It closes on time, by itself.
	waitMetric(t, base, `hearth_polls_total{channel="arena",kind="chat",outcome="completed"}`, 1)
	a.proc.stop(t)

	want := make([]int64, 3)
	for _, o := range final {
		want[o]++
	}
	got, err := openSQLite(t, dbPath).Poll(context.Background(), "arena", poll.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != hearth.PollClosed || !got.ClosedAt.Equal(poll.EndsAt) || !got.EndsAt.Equal(poll.EndsAt) {
		t.Fatalf("poll after the restart: status %s, ends %v, closed %v; want closed at %v", got.Status, got.EndsAt, got.ClosedAt, poll.EndsAt)
	}
	if !slices.Equal(got.Tally.Votes, want) || got.Tally.Voters != int64(len(final)) {
		t.Fatalf("stored votes %v from %d voters; the test counted %v from %d (%d kept through the kill)", got.Tally.Votes, got.Tally.Voters, want, len(final), len(kept))
	}
}

// TestPollAPI drives the poll routes of a running hearth: bad bodies get a
// 400 naming the field, one poll at a time, end and cancel, newest-first
// pages, and a native poll without a Twitch integration offers a chat poll.
func TestPollAPI(t *testing.T) {
	t.Parallel()
	a := startArena(t, "sqlite://"+filepath.Join(t.TempDir(), "poll-api.db"), map[string]string{"HEARTH_ADMIN_TOKEN": "admin"})
	base := a.proc.baseURL(t)
	polls := base + "/api/v1/channels/arena/polls"

	bad := []struct{ name, body, want string }{
		{"OneOption", `{"question":"Q","options":["a"]}`, "options: a poll has 2 to 10 options"},
		{"NoQuestion", `{"question":" ","options":["a","b"]}`, "question:"},
		{"TooShort", `{"question":"Q","options":["a","b"],"duration_seconds":5}`, "duration_seconds: a chat poll lasts 10 to 1800 seconds (0 takes the channel's polls.duration), got 5"},
		{"NegativeDuration", `{"question":"Q","options":["a","b"],"duration_seconds":-1}`, "duration_seconds: a chat poll lasts 10 to 1800 seconds (0 takes the channel's polls.duration), got -1"},
		{"MisCased", `{"QUESTION":"Q","options":["a","b"]}`, "QUESTION: no such field"},
		{"EmptyOption", `{"question":"Q","options":["a",""]}`, "options: option 2 is empty"},
		{"LineBreak", `{"question":"Q\r\nPRIVMSG #x :hi","options":["a","b"]}`, "question: at most 300 bytes of text, without control characters"},
		{"UnknownField", `{"question":"Q","options":["a","b"],"colour":"red"}`, "colour: no such field"},
		{"WrongType", `{"question":1,"options":["a","b"]}`, "question: must be string"},
		{"NotJSON", `Which map?`, "body:"},
		{"NotAnObject", `["Dust","Inferno"]`, "body: must be a JSON object"},
		{"TwoValues", `{"question":"Q","options":["a","b"]} {}`, "body: more than one"},
		{"Oversize", `{"question":"` + strings.Repeat("q", 20<<10) + `","options":["a","b"]}`, "body: larger than"},
		{"NativeLongTitle", `{"question":"` + strings.Repeat("q", 61) + `","options":["a","b"],"native":true}`, "question: a native Twitch poll's title"},
		{"NativeSixChoices", `{"question":"Q","options":["a","b","c","d","e","f"],"native":true}`, "options: a native Twitch poll has 2 to 5"},
		{"NativeTooShort", `{"question":"Q","options":["a","b"],"duration_seconds":10,"native":true}`, "duration_seconds: a native Twitch poll lasts 15 to 1800 seconds, got 10"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			status, body := postRaw(t, polls, "admin", tt.body)
			if status != http.StatusBadRequest {
				t.Fatalf("status %d %s, want 400", status, body)
			}
			wantError(tt.want)(t, body)
		})
	}

	status, body := postRaw(t, polls, "admin", `{"question":"Native?","options":["a","b"],"duration_seconds":60,"native":true}`)
	if status != http.StatusConflict {
		t.Fatalf("native poll without a Twitch integration: %d %s, want 409", status, body)
	}
	wantError(`"native": false`)(t, body)
	wantError("channel:manage:polls")(t, body)

	var ids []string
	for i := range 4 {
		status, body := callJSON(t, "POST", polls, "admin", map[string]any{"question": fmt.Sprint("Poll ", i), "options": []string{"Yes", "No"}, "duration_seconds": 60})
		var p hearth.Poll
		if status != http.StatusCreated || json.Unmarshal(body, &p) != nil || p.Status != hearth.PollOpen || p.StartedBy != "api" {
			t.Fatalf("POST %s: %d %s", polls, status, body)
		}
		ids = append(ids, p.ID)
		status, body = callJSON(t, "POST", polls, "admin", map[string]any{"question": "Another", "options": []string{"a", "b"}})
		if status != http.StatusConflict {
			t.Fatalf("a second open poll: %d %s, want 409", status, body)
		}
		a.say("ann", "!vote yes")
		waitMetric(t, base, `hearth_poll_votes_total{channel="arena",result="accepted"}`, float64(i+1))
		status, body = call(t, "GET", polls+"/"+p.ID, "admin")
		if status != http.StatusOK || json.Unmarshal(body, &p) != nil || !slices.Equal(p.Tally.Votes, []int64{1, 0}) {
			t.Fatalf("GET the open poll: %d %s", status, body)
		}
		action, want := "end", hearth.PollClosed
		if i%2 == 1 {
			action, want = "cancel", hearth.PollCancelled
		}
		status, body = callJSON(t, "POST", polls+"/"+p.ID+"/"+action, "admin", nil)
		if status != http.StatusOK || json.Unmarshal(body, &p) != nil || p.Status != want {
			t.Fatalf("POST .../%s: %d %s", action, status, body)
		}
		status, body = callJSON(t, "POST", polls+"/"+p.ID+"/"+action, "admin", nil)
		if status != http.StatusNotFound {
			t.Fatalf("POST .../%s again: %d %s, want 404", action, status, body)
		}
	}
	waitMetric(t, base, `hearth_polls_total{channel="arena",kind="chat",outcome="completed"}`, 2)
	waitMetric(t, base, `hearth_polls_total{channel="arena",kind="chat",outcome="cancelled"}`, 2)

	page := func(query string) ([]string, string) {
		t.Helper()
		status, body := call(t, "GET", polls+query, "admin")
		var p struct {
			Polls []hearth.Poll `json:"polls"`
			Next  string        `json:"next"`
		}
		if status != http.StatusOK || json.Unmarshal(body, &p) != nil {
			t.Fatalf("GET polls%s: %d %s", query, status, body)
		}
		var got []string
		for _, poll := range p.Polls {
			got = append(got, poll.ID)
		}
		return got, p.Next
	}
	first, next := page("?limit=3")
	rest, last := page("?limit=3&before=" + next)
	all := append(first, rest...)
	if !slices.Equal(all, []string{ids[3], ids[2], ids[1], ids[0]}) || last != "" {
		t.Fatalf("pages %v then %v (next %q), want %v newest first", first, rest, last, ids)
	}
	for _, tt := range []struct {
		query  string
		status int
	}{{"?limit=0", 400}, {"?limit=101", 400}, {"?limit=x", 400}, {"?before=nope", 404}} {
		if status, body := call(t, "GET", polls+tt.query, "admin"); status != tt.status {
			t.Errorf("GET polls%s: %d %s, want %d", tt.query, status, body, tt.status)
		}
	}
	if status, body := call(t, "GET", polls+"/nope", "admin"); status != http.StatusNotFound {
		t.Errorf("GET an unknown poll: %d %s", status, body)
	}
	if status, _ := call(t, "GET", base+"/api/v1/channels/elsewhere/polls", "admin"); status != http.StatusNotFound {
		t.Errorf("polls of an unserved channel: %d", status)
	}
}
