package metrics

import "github.com/prometheus/client_golang/prometheus"

// clusterMetrics show how a cluster of instances shares the channels:
// what this instance runs, how channels change hands, whether its leases
// renew, and how many instances are alive.
type clusterMetrics struct {
	owned         prometheus.Gauge
	handovers     *prometheus.CounterVec
	renewFailures prometheus.Counter
	instances     prometheus.Gauge
}

// HandoverReasons are the bounded values of hearth_lease_handovers_total's
// reason label: why the last owner of a lease this instance took let it go.
var HandoverReasons = []string{"expired", "released", "rebalanced"}

func newClusterMetrics() clusterMetrics {
	c := clusterMetrics{
		owned: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "hearth_channels_owned",
			Help: "Channels this instance runs under a lease (every served channel when clustering is off).",
		}),
		handovers: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hearth_lease_handovers_total",
			Help: "Channel leases this instance took from another owner, by reason (expired: the owner stopped renewing; released: it stopped cleanly; rebalanced: it held more than its share).",
		}, []string{"reason"}),
		renewFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hearth_lease_renew_failures_total",
			Help: "Lease renewal rounds that failed to reach the database; leases not renewed before they expire are given up.",
		}),
		instances: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "hearth_cluster_instances",
			Help: "Instances alive in the cluster, as their heartbeats tell (1 when clustering is off).",
		}),
	}
	for _, r := range HandoverReasons {
		c.handovers.WithLabelValues(r)
	}
	return c
}

func (c clusterMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{c.owned, c.handovers, c.renewFailures, c.instances}
}

// ChannelsOwned sets how many channels this instance runs.
func (m *Metrics) ChannelsOwned(n int) { m.cluster.owned.Set(float64(n)) }

// LeaseHandover counts a lease taken from another owner; reason is one of
// HandoverReasons.
func (m *Metrics) LeaseHandover(reason string) { m.cluster.handovers.WithLabelValues(reason).Inc() }

// LeaseRenewFailed counts a renewal round that failed.
func (m *Metrics) LeaseRenewFailed() { m.cluster.renewFailures.Inc() }

// ClusterInstances sets how many instances are alive.
func (m *Metrics) ClusterInstances(n int) { m.cluster.instances.Set(float64(n)) }
