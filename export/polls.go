package export

import (
	"encoding/csv"
	"io"
	"strconv"

	"github.com/hearthlive/hearth"
)

// pollCSVHeader names the columns of a poll export in CSV: one row per
// option of each poll.
var pollCSVHeader = []string{"poll_id", "kind", "status", "question", "started_by", "started_at", "ends_at", "closed_at",
	"voters", "active_chatters", "turnout", "option", "label", "votes", "score", "subscribers", "newcomers", "winner"}

// WritePolls writes polls to w in format: "json", one array of the polls
// as the API shows them; "csv", a header and one row per option of each
// poll, question and labels cleaned, isolated and defused as csvText does.
// An unknown format is an EINVALID error.
func WritePolls(w io.Writer, format string, polls []hearth.Poll) error {
	switch format {
	case "json":
		return writeJSON(w, polls)
	case "csv":
		cw := csv.NewWriter(w)
		if err := cw.Write(pollCSVHeader); err != nil {
			return err
		}
		n := func(i int64) string { return strconv.FormatInt(i, 10) }
		for _, p := range polls {
			t := p.Tally
			for i, label := range p.Options {
				var votes, score, subs, newcomers int64
				if i < len(t.Votes) {
					votes = t.Votes[i]
				}
				if i < len(t.Scores) {
					score = t.Scores[i]
				}
				if i < len(t.Breakdown) {
					subs, newcomers = t.Breakdown[i].Subscribers, t.Breakdown[i].Newcomers
				}
				winner := false
				for _, w := range t.Winners {
					winner = winner || w == i
				}
				if err := cw.Write([]string{csvSafe(p.ID), p.Kind, p.Status, csvText(p.Question, ""), csvSafe(p.StartedBy),
					stamp(p.StartedAt), stamp(p.EndsAt), stamp(p.ClosedAt), n(t.Voters), n(t.ActiveChatters),
					strconv.FormatFloat(t.Turnout, 'f', 4, 64), strconv.Itoa(i + 1), csvText(label, strconv.Itoa(i+1)),
					n(votes), n(score), n(subs), n(newcomers), strconv.FormatBool(winner)}); err != nil {
					return err
				}
			}
		}
		cw.Flush()
		return cw.Error()
	default:
		return hearth.Errorf(hearth.EINVALID, "unknown export format %q: use json or csv", format)
	}
}
