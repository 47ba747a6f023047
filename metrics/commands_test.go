package metrics_test

import (
	"testing"

	"github.com/hearthlive/hearth/community"
	"github.com/hearthlive/hearth/metrics"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
)

// TestCommandRejectionSeries declares a channel as cmd/hearth does and
// checks that hearth_commands_rejected_total holds a series for each pair
// of command and reason the command table says can occur, and for no
// other: a pair no command can produce is a series nobody will ever see
// move.
func TestCommandRejectionSeries(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg)
	if err != nil {
		t.Fatal(err)
	}
	possible := community.CommandRejections()
	m.AddChannel("chan", possible)

	pairs := rejectionPairs(t, reg)
	want := 0
	for _, command := range community.CommandNames {
		reasons := possible[command]
		if len(reasons) == 0 {
			t.Errorf("command %q can never be refused, says the table", command)
		}
		for _, reason := range reasons {
			want++
			if !pairs[[2]string{command, reason}] {
				t.Errorf("no series for command=%q reason=%q, which can occur", command, reason)
			}
		}
	}
	if n, err := testutil.GatherAndCount(reg, "hearth_commands_rejected_total"); err != nil || n != want {
		t.Errorf("hearth_commands_rejected_total has %d series (err %v), want %d: one per possible pair", n, err, want)
	}
	for _, p := range [][2]string{
		{"points", "segment_names"},
		{"points", "permission"},
		{"vote", "user_cooldown"},
		{"vote", "permission"},
		{"top", "unknown_viewer"},
		{"endpoll", "bad_amount"},
		{"segment", "insufficient_points"},
		{"give", "permission"},
	} {
		if pairs[p] {
			t.Errorf("series for command=%q reason=%q, which cannot occur", p[0], p[1])
		}
	}
	if len(pairs) > 100 {
		t.Errorf("%d rejected-commands series for one channel", len(pairs))
	}
}

// rejectionPairs returns the (command, reason) pairs of the rejected
// commands' series.
func rejectionPairs(t *testing.T, g prometheus.Gatherer) map[[2]string]bool {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	pairs := map[[2]string]bool{}
	for _, mf := range mfs {
		if mf.GetName() != "hearth_commands_rejected_total" {
			continue
		}
		for _, s := range mf.GetMetric() {
			pairs[[2]string{label(s, "command"), label(s, "reason")}] = true
		}
	}
	return pairs
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}
