package metrics

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestClusterSeries(t *testing.T) {
	m, _ := newMetrics(t)
	for _, r := range HandoverReasons {
		if got := testutil.ToFloat64(m.cluster.handovers.WithLabelValues(r)); got != 0 {
			t.Errorf("handovers{reason=%q} = %v before any, want a declared 0", r, got)
		}
	}
	m.LeaseHandover("expired")
	m.LeaseHandover("expired")
	m.LeaseHandover("rebalanced")
	m.ChannelsOwned(10)
	m.ChannelsOwned(9)
	m.ClusterInstances(3)
	m.LeaseRenewFailed()
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"handovers expired", testutil.ToFloat64(m.cluster.handovers.WithLabelValues("expired")), 2},
		{"handovers rebalanced", testutil.ToFloat64(m.cluster.handovers.WithLabelValues("rebalanced")), 1},
		{"handovers released", testutil.ToFloat64(m.cluster.handovers.WithLabelValues("released")), 0},
		{"channels owned", testutil.ToFloat64(m.cluster.owned), 9},
		{"instances", testutil.ToFloat64(m.cluster.instances), 3},
		{"renew failures", testutil.ToFloat64(m.cluster.renewFailures), 1},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}
