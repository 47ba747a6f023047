package community

import (
	"strings"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
)

// hostile are display names Twitch lets through: a right-to-left override
// that reverses what follows, one made only of zero-width spaces, and a
// right-to-left script that must stay as it is.
var hostile = map[string]string{
	"evil":  "\u202eevil_name",
	"blank": "\u200b\u200b\u200b",
	"arab":  "محمد",
}

// hostileChannel is a channel where the hostile viewers chatted, evil the
// most and arab the least.
func hostileChannel(t *testing.T) *Channel {
	t.Helper()
	c := NewChannel("chan", plainRules(), nil, nil)
	for i, login := range []string{"evil", "evil", "evil", "blank", "blank", "arab"} {
		ev := chatAt(login, time.Duration(i)*time.Minute, "hello "+strings.Repeat("!", i))
		ev.User.DisplayName = hostile[login]
		c.Handle(ev)
	}
	return c
}

// hostileCmd is cmd from a viewer who carries their hostile display name.
func hostileCmd(c *Channel, login, text string, roles hearth.Role, at time.Duration) Result {
	ev := chatAt(login, at, text)
	if name, ok := hostile[login]; ok {
		ev.User.DisplayName = name
	}
	ev.Roles = roles
	return c.Handle(ev)
}

// hasHostileCharacters reports whether s keeps a bidi override or a
// zero-width space.
func hasHostileCharacters(s string) bool {
	return strings.ContainsAny(s, "\u202a\u202b\u202c\u202d\u202e\u200b")
}

// TestHostileTextShownOneWay checks that the leaderboard state, the chat
// replies and the poll overlay's state show text from chat as
// hearth.DisplayText cleans it: no bidi override, the login for a blank
// name, right-to-left names kept and, in chat, isolated.
func TestHostileTextShownOneWay(t *testing.T) {
	c := hostileChannel(t)

	t.Run("Leaderboard", func(t *testing.T) {
		var got []string
		for _, e := range c.Leaderboard(10).Entries {
			got = append(got, e.DisplayName)
		}
		want := []string{"evil_name", "blank", "محمد"}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("leaderboard names %+q, want %+q", got, want)
		}
	})

	t.Run("TopReply", func(t *testing.T) {
		r := hostileCmd(c, "evil", "!top", 0, 10*time.Minute)
		want := "1. evil_name (30) · 2. blank (20) · 3. \u2068محمد\u2069 (10)"
		if !strings.Contains(r.Reply, want) || hasHostileCharacters(r.Reply) {
			t.Fatalf("!top replied %+q, want it to hold %+q", r.Reply, want)
		}
	})

	t.Run("ViewerReplies", func(t *testing.T) {
		for _, tc := range []struct{ from, text, want string }{
			{"evil", "!points", "evil_name has 30 points"},
			{"evil", "!points @blank", "blank has 20 points"},
			{"blank", "!points @arab", "\u2068محمد\u2069 has 10 points"},
			{"blank", "!give @ghost 1", "blank, I haven't seen ghost"},
			{"evil", "!give @blank 5", "evil_name gave 5 points to blank"},
		} {
			r := hostileCmd(c, tc.from, tc.text, 0, 10*time.Minute)
			if !strings.Contains(r.Reply, tc.want) || hasHostileCharacters(r.Reply) {
				t.Errorf("%s: %q replied %+q, want it to hold %+q", tc.from, tc.text, r.Reply, tc.want)
			}
		}
		r := cmd(c, "mo", "!addpoints @blank 5", hearth.RoleModerator, 10*time.Minute)
		if !strings.HasPrefix(r.Reply, "blank got 5 points") {
			t.Errorf("!addpoints replied %+q", r.Reply)
		}
	})

	t.Run("Notices", func(t *testing.T) {
		line := NoticeLine("en", Notice{Kind: NoticeWelcome, Login: "blank", DisplayName: hostile["blank"]})
		if line != "Welcome to the chat, blank! Glad you're here." {
			t.Errorf("welcome line %+q", line)
		}
		line = NoticeLine("en", Notice{Kind: NoticeWelcomeBack, Login: "evil", DisplayName: hostile["evil"]})
		if line != "Welcome back, evil_name! It's been a while." {
			t.Errorf("welcome back line %+q", line)
		}
	})

	t.Run("Poll", func(t *testing.T) {
		r := cmd(c, "mo", "!poll Which \u202emap? | Du\u202est | خريطة | Inferno 90s", hearth.RoleModerator, 10*time.Minute)
		if r.Rejected != "" {
			t.Fatalf("!poll refused: %q", r.Rejected)
		}
		want := "Poll: Which map? — 1) Dust 2) \u2068خريطة\u2069 3) Inferno."
		if !strings.Contains(r.Announce, want) || hasHostileCharacters(r.Announce) {
			t.Errorf("announced %+q, want it to hold %+q", r.Announce, want)
		}
		st := c.PollState(t0.Add(10 * time.Minute))
		var labels []string
		for _, o := range st.Options {
			labels = append(labels, o.Label)
		}
		if st.Question != "Which map?" || strings.Join(labels, "|") != "Dust|خريطة|Inferno" {
			t.Errorf("poll overlay state: question %+q, options %+q", st.Question, labels)
		}
		hostileCmd(c, "arab", "!vote 2", 0, 10*time.Minute+time.Second)
		r = cmd(c, "mo", "!endpoll", hearth.RoleModerator, 10*time.Minute+2*time.Second)
		want = "Poll closed: Which map? — \u2068خريطة\u2069 wins"
		if !strings.Contains(r.Announce, want) || hasHostileCharacters(r.Announce) {
			t.Errorf("result %+q, want it to hold %+q", r.Announce, want)
		}
		var result *Notice
		for i := range r.Notices {
			if r.Notices[i].Kind == NoticePollResult {
				result = &r.Notices[i]
			}
		}
		if result == nil || result.DisplayName != "خريطة" || result.Text != "Which map?" {
			t.Errorf("poll result notice %+v", result)
		}
	})
}
