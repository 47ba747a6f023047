package overlays_test

import (
	"testing"
	"time"

	"github.com/hearthlive/hearth"
)

// TestPollResultAlertsInBrowser shows the alerts a closed poll brings: the
// question and the winner, a tie with both options, and a result without
// a question. Question and options come from chat and never become markup.
func TestPollResultAlertsInBrowser(t *testing.T) {
	t.Parallel()
	old := []hearth.Alert{alert(1, "welcome", "zoe", "Zoë", "")}
	ctx, s := openAlerts(t, old, 600)

	won := alert(2, "poll_result", "", "Mirage", "")
	won.Text = "Which map next?"
	tie := alert(3, "poll_result", "", hostileImg+" = Dust", "")
	tie.Text = hostileImg
	bare := alert(4, "poll_result", "", "Yes", "")
	s.Hub.Publish("alice", hearth.TopicAlerts, hearth.Alerts{Channel: "alice", Items: append(old, won, tie, bare)})
	waitShown(t, ctx, 8*time.Second, []shownAlert{
		shown(2, "Poll result", "Which map next? → Mirage"),
		shown(3, "Poll result", hostileImg+" → "+hostileImg+" = Dust"),
		shown(4, "Poll result", "Yes wins!"),
	})
	if n := eval[int](t, ctx, `document.querySelectorAll('img, iframe, object, embed').length`); n != 0 {
		t.Errorf("%d embedded elements on the page", n)
	}
}
