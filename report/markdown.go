package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/hearthlive/hearth"
)

// sparkBars are the levels of the Markdown activity line, lowest first.
var sparkBars = []rune("▁▂▃▄▅▆▇█")

// sparkWidth is the most characters of the Markdown activity line.
const sparkWidth = 60

// writeMarkdown writes r as a Markdown document with the figures of the
// HTML page. Text from chat is isolated and escaped, so that a segment
// named "**Acme** | [x](y)" shows as typed and cannot break a table, and a
// right-to-left question cannot reorder its row.
func writeMarkdown(w io.Writer, r Recap) error {
	p := newPage(r)
	var b strings.Builder
	live := ""
	if r.Live {
		live = " (live)"
	}
	fmt.Fprintf(&b, "# %s%s\n\n%s\n\n", p.Title, live, p.When)
	b.WriteString("| Figure | Value | |\n| --- | ---: | --- |\n")
	for _, f := range p.Figures {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", f.Label, f.Value, f.Note)
	}

	b.WriteString("\n## Activity per minute\n\n")
	line, per, peak := sparkline(r)
	if peak == 0 {
		b.WriteString("No message in this stream.\n")
	} else {
		unit := "a minute"
		if per > 1 {
			unit = fmt.Sprintf("per %d minutes", per)
		}
		fmt.Fprintf(&b, "`%s`\n\nMessages, one character %s; the busiest minute had %d messages. The JSON report holds every minute.\n", line, unit, peak)
	}

	b.WriteString("\n## Sponsor segments\n\n")
	if len(p.Segments) == 0 {
		b.WriteString("No sponsor segment was marked in this stream.\n")
	} else {
		b.WriteString("| Segment | Start | Length | Msgs/min during · rest | Chatters/min during · rest | Newcomers during · rest | Poll turnout during · rest | Lift |\n")
		b.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
		for _, s := range p.Segments {
			fmt.Fprintf(&b, "| %s | %s | %s | %s · %s | %s · %s | %s · %s | %s · %s | **%s** |\n", mdText(hearth.IsolateText(s.Name)), s.Start, s.Duration,
				s.MessagesDuring, s.MessagesBaseline, s.ChattersDuring, s.ChattersBaseline,
				s.NewcomersDuring, s.NewcomersBaseline, s.TurnoutDuring, s.TurnoutBaseline, s.Lift)
		}
	}

	b.WriteString("\n## Polls\n\n")
	if len(p.Polls) == 0 {
		b.WriteString("No poll ran in this stream.\n")
	} else {
		b.WriteString("| Question | Voters | Turnout |\n| --- | ---: | ---: |\n")
		for _, q := range p.Polls {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", mdText(hearth.IsolateText(q.Question)), q.Voters, q.Turnout)
		}
	}

	cohortTable(&b, "This stream's newcomers later", "No later stream yet.",
		"| Later stream | Newcomers | Attended it | Share |", p.Returned)
	cohortTable(&b, "Earlier newcomers who came back", "No earlier stream to look back on.",
		"| Newcomers of | Newcomers | Attended this stream | Share |", p.Cohorts)

	fmt.Fprintf(&b, "\n---\n\nChatters, newcomers and returners leave out known bots and the broadcaster. "+
		"Verified figures also count a copy-paste burst (the same text from many viewers within seconds) as one message. "+
		"Lift is a segment's messages per minute divided by those of the rest of the stream; turnout is a poll's voters "+
		"divided by the chatters active in the five minutes before it closed. Times are UTC. Hearth %s.\n", mdText(p.Version))
	_, err := io.WriteString(w, b.String())
	return err
}

// cohortTable writes a section of cohort rows under title: a table with
// header, or empty when there are none.
func cohortTable(b *strings.Builder, title, empty, header string, rows []cohortRow) {
	b.WriteString("\n## " + title + "\n\n")
	if len(rows) == 0 {
		b.WriteString(empty + "\n")
		return
	}
	b.WriteString(header + "\n| --- | ---: | ---: | ---: |\n")
	for _, c := range rows {
		fmt.Fprintf(b, "| %s | %s | %s | %s |\n", c.Cohort, c.Newcomers, c.Attended, c.Share)
	}
}

// sparkline draws the messages of r's minutes as at most sparkWidth block
// characters, each summing per minutes; peak is the busiest minute.
func sparkline(r Recap) (line string, per int, peak int64) {
	c := newChart(r)
	per = max(1, (c.Minutes+sparkWidth-1)/sparkWidth)
	sums := make([]int64, (c.Minutes+per-1)/per)
	for _, m := range r.Activity {
		if m.Minute >= 0 && m.Minute < c.Minutes {
			sums[m.Minute/per] += m.Messages
			peak = max(peak, m.Messages)
		}
	}
	var most int64
	for _, s := range sums {
		most = max(most, s)
	}
	out := make([]rune, len(sums))
	for i, s := range sums {
		out[i] = ' '
		if s > 0 {
			out[i] = sparkBars[int((s*int64(len(sparkBars))-1)/most)]
		}
	}
	return string(out), per, peak
}

// mdSpecial are the characters that Markdown or the HTML it may hold give
// a meaning inside a line of text or a table cell.
const mdSpecial = "\\`*_[]<>|~&"

// mdText escapes s for Markdown text and table cells: each of mdSpecial is
// backslash-escaped, which CommonMark shows as the character itself, and
// line breaks become spaces.
func mdText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r':
			b.WriteByte(' ')
		case strings.ContainsRune(mdSpecial, r):
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
