package main

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"time"

	"github.com/hearthlive/hearth/cluster"
)

// ClusterConfig is how an instance shares the channels with the other
// instances on the same PostgreSQL database (docs/operations.md, "Running
// several instances").
type ClusterConfig struct {
	Enabled bool
	// InstanceID names the instance in leases; empty means the host's
	// name and a random suffix, new at every start.
	InstanceID    string
	RenewInterval time.Duration
	LeaseDuration time.Duration
}

func defaultClusterConfig() ClusterConfig {
	return ClusterConfig{RenewInterval: cluster.DefaultRenewInterval, LeaseDuration: cluster.DefaultLeaseDuration}
}

// clusterKeys are the settings of ClusterConfig.
var clusterKeys = []configKey{
	{yaml: "cluster.enabled", env: "HEARTH_CLUSTER_ENABLED", flag: "cluster-enabled", help: "share the channels with the other instances on the same PostgreSQL database: each channel runs on the one instance holding its lease", field: boolean(func(c *Config) *bool { return &c.Cluster.Enabled })},
	{yaml: "cluster.instance_id", env: "HEARTH_CLUSTER_INSTANCE_ID", flag: "cluster-instance-id", help: "this instance's name in leases, unique in the cluster; empty means the host name and a random suffix", field: text(func(c *Config) *string { return &c.Cluster.InstanceID })},
	{yaml: "cluster.renew_interval", env: "HEARTH_CLUSTER_RENEW_INTERVAL", flag: "cluster-renew-interval", help: "how often leases are renewed and shares balanced (100ms to 1m; at most half of cluster.lease_duration)", field: durationIn(100*time.Millisecond, time.Minute, func(c *Config) *time.Duration { return &c.Cluster.RenewInterval })},
	{yaml: "cluster.lease_duration", env: "HEARTH_CLUSTER_LEASE_DURATION", flag: "cluster-lease-duration", help: "how long a lease lasts unless renewed: how soon a dead instance's channels are taken over (1s to 10m)", field: durationIn(time.Second, 10*time.Minute, func(c *Config) *time.Duration { return &c.Cluster.LeaseDuration })},
}

// instanceID returns the configured instance id, or the host's name with a
// random suffix.
func (c ClusterConfig) instanceID() string {
	if c.InstanceID != "" {
		return c.InstanceID
	}
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "hearth"
	}
	b := make([]byte, 4)
	rand.Read(b)
	return strings.ToLower(host) + "-" + hex.EncodeToString(b)
}
