package overlays_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
)

const (
	longQuestion = "Which of these ten long-running series should we marathon next weekend?"
	// longWinner and unbrokenWinner are options of the most bytes a poll
	// option may have (hearth.PollMaxOptionLen).
	longWinner     = "Mirage: the extended cut with every deleted scene and all of the commentary tracks, played twice now"
	unbrokenWinner = "Ancient_but_with_a_label_that_never_ends_and_never_breaks_because_chat_is_chat_and_someone_tries_it!"
)

// TestPollResultAlertsInBrowser shows the alerts a closed poll brings: the
// question and the winner, a tie with both options, and a result without
// a question. Question and options come from chat and never become markup.
// The winner is never cut, however long it and the question are.
func TestPollResultAlertsInBrowser(t *testing.T) {
	t.Parallel()
	old := []hearth.OverlayEvent{alert(1, "welcome", "zoe", "Zoë", "")}
	ctx, s := openAlerts(t, old, 600)

	won := alert(2, "poll_result", "", "Mirage", "")
	won.Text = "Which map next?"
	tie := alert(3, "poll_result", "", hostileImg+" = Dust", "")
	tie.Text = hostileImg
	bare := alert(4, "poll_result", "", "Yes", "")
	long := alert(5, "poll_result", "", longWinner, "")
	long.Text = longQuestion
	unbroken := alert(6, "poll_result", "", unbrokenWinner, "")
	unbroken.Text = longQuestion
	longTie := alert(7, "poll_result", "", longWinner+" = "+unbrokenWinner, "")
	longTie.Text = longQuestion
	s.Hub.PublishEvents("alice", append(old, won, tie, bare, long, unbroken, longTie))
	waitShown(t, ctx, 15*time.Second, []shownAlert{
		shown(2, "Poll result", "Which map next? → Mirage"),
		shown(3, "Poll result", hostileImg+" → "+hostileImg+" = Dust"),
		shown(4, "Poll result", "Yes wins!"),
		shown(5, "Poll result", longQuestion+" → "+longWinner),
		shown(6, "Poll result", longQuestion+" → "+unbrokenWinner),
		shown(7, "Poll result", longQuestion+" → "+longWinner+" = "+unbrokenWinner),
	})
	if n := eval[int](t, ctx, `document.querySelectorAll('img, iframe, object, embed').length`); n != 0 {
		t.Errorf("%d embedded elements on the page", n)
	}

	t.Run("LongestTie", func(t *testing.T) {
		// Ten options of the most bytes tie under a question of the most
		// bytes: the question gives way, the winners never do.
		var options []string
		for i := range 10 {
			options = append(options, strings.Repeat(string(rune('A'+i)), 10)+longWinner[10:])
		}
		question := strings.Repeat(longQuestion+" ", 5)[:hearth.PollMaxQuestionLen]
		all := alert(8, "poll_result", "", strings.Join(options, " = "), "")
		all.Text = question
		s.Hub.PublishEvents("alice", append(old, won, tie, bare, long, unbroken, longTie, all))
		waitJS(t, ctx, 5*time.Second, seenJS, seqText(8))
		var got []shownAlert
		for deadline := time.Now().Add(5 * time.Second); len(got) < 7 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			got = eval[[]shownAlert](t, ctx, `window.hearthShown`)
		}
		if len(got) != 7 {
			t.Fatalf("the page showed\n%s\nwant a seventh alert", formatShown(got))
		}
		a := got[6]
		question, winners, ok := strings.Cut(a.Text, " → ")
		if a.Seq != seqText(8) || !ok || winners != strings.Join(options, " = ") || a.Layout != "" {
			t.Fatalf("the page showed\n%s\nwant the ten winners whole, inside the banner", formatShown(got[6:]))
		}
		if question != all.Text {
			if q, cut := strings.CutSuffix(question, "…"); !cut || !strings.HasPrefix(all.Text, q) || len(q) < 20 {
				t.Errorf("question shown as %q: want it whole, or its first 20 characters or more and an ellipsis", question)
			}
		}
	})

	t.Run("Screenshot", func(t *testing.T) {
		shootAlert(t, ctx, s, long, shown(5, "Poll result", longQuestion+" → "+longWinner), "alerts-poll-result-long.png")
	})
}
