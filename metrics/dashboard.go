package metrics

import (
	"bytes"
	_ "embed"
)

//go:embed dashboard.json
var dashboard []byte

// Dashboard returns a copy of the Grafana dashboard (JSON, importable as
// is) that charts the metrics New registers: participation, moderation and
// events, and service health. It picks its Prometheus data source and its
// channels through the template variables "datasource" and "channel".
func Dashboard() []byte { return bytes.Clone(dashboard) }
