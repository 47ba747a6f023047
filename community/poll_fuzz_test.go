package community

import (
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzPollCommands sends any !poll text and then any message: a poll that
// opens is well formed, every line the bot would say fits one chat
// message, and the tally always adds up.
func FuzzPollCommands(f *testing.F) {
	f.Add("Which map next? | Dust | Inferno | Mirage 90s", "!vote mir")
	f.Add("Q | A | B | 2m", "2")
	f.Add("Q|||", "!vote")
	f.Add("Q | \u200bA\u200b | B 10s", "!vote \u200ba")
	f.Add("Q | a | b | c | d | e | f | g | h | i | j", "!vote 99999999999999999999")
	f.Add("Q | é | è 30m", "!vote É")
	f.Fuzz(func(t *testing.T, poll, msg string) {
		r := plainRules()
		r.PollBareVotes = true
		c := NewChannel("chan", r, nil, nil)
		lines := func(res Result) {
			for _, l := range []string{res.Reply, res.Announce} {
				if len(l) > 500 {
					t.Fatalf("a %d-byte chat line: %q", len(l), l)
				}
			}
		}
		res := cmd(c, "mo", "!poll "+poll, mod, 0)
		lines(res)
		p, open := c.CurrentPoll()
		if open {
			if len(p.Options) < 2 || len(p.Options) > 10 || p.Question == "" || !utf8.ValidString(p.Question) {
				t.Fatalf("opened a malformed poll %+v", p)
			}
			for _, o := range p.Options {
				if o == "" {
					t.Fatalf("an empty option in %q", p.Options)
				}
			}
		}
		lines(cmd(c, "ann", msg, 0, time.Second))
		lines(cmd(c, "bob", msg, 0, 2*time.Second))
		if p, ok := c.CurrentPoll(); ok {
			var sum int64
			for _, n := range p.Tally.Votes {
				if n < 0 {
					t.Fatalf("negative votes %v", p.Tally.Votes)
				}
				sum += n
			}
			if sum != p.Tally.Voters || sum > 2 {
				t.Fatalf("votes %v for %d voters", p.Tally.Votes, p.Tally.Voters)
			}
		}
		lines(c.Tick(t0.Add(31 * time.Minute)))
	})
}
