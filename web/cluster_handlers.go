package web

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/hearthlive/hearth"
)

// Cluster tells the state of the instances sharing the channels on one
// PostgreSQL database.
type Cluster interface {
	// Status returns the instances and every channel's lease.
	Status(ctx context.Context) (hearth.ClusterStatus, error)
}

// clusterLease is a lease as GET /api/v1/cluster shows it: with its age
// and what it has left, in seconds.
type clusterLease struct {
	hearth.Lease
	AgeSeconds       float64 `json:"age_seconds"`
	RemainingSeconds float64 `json:"remaining_seconds"`
	Held             bool    `json:"held"`
}

// clusterStatus answers GET /api/v1/cluster: this instance, every
// instance with a heartbeat, and every channel's lease with its age.
func (a *api) clusterStatus(c *fiber.Ctx) error {
	if a.cluster == nil {
		return hearth.Errorf(hearth.ENOTFOUND, "clustering is off (cluster.enabled)")
	}
	st, err := a.cluster.Status(c.UserContext())
	if err != nil {
		return err
	}
	leases := make([]clusterLease, len(st.Leases))
	for i, l := range st.Leases {
		leases[i] = clusterLease{Lease: l, Held: !l.Free(),
			AgeSeconds: time.Since(l.AcquiredAt).Seconds(), RemainingSeconds: max(0, l.Remaining.Seconds())}
	}
	return c.JSON(fiber.Map{"instance": st.Instance, "instances": st.Instances, "leases": leases})
}
