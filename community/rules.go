// Package community holds Hearth's pure rules: how participation earns
// loyalty points, who counts as a viewer, and how duplicates are dropped.
// It does no I/O; every decision depends only on the events it is given and
// the times they carry, so tests drive it with plain values.
package community

import (
	"fmt"
	"time"
)

// Rules are a channel's tunable amounts and thresholds.
type Rules struct {
	// PointsPerMessage is what one counted chat message earns.
	PointsPerMessage int64
	// MessageCooldown is how long after earning from chat a viewer earns
	// nothing more from chat; messages inside it are still counted.
	MessageCooldown time.Duration
}

// DefaultRules returns the rules a channel gets when its configuration says
// nothing.
func DefaultRules() Rules {
	return Rules{
		PointsPerMessage: 10,
		MessageCooldown:  30 * time.Second,
	}
}

// Validate reports the first rule that makes no sense, as an error that
// names the field.
func (r Rules) Validate() error {
	if r.PointsPerMessage < 0 || r.PointsPerMessage > 1_000_000 {
		return fmt.Errorf("points_per_message must be between 0 and 1000000, got %d", r.PointsPerMessage)
	}
	if r.MessageCooldown < 0 || r.MessageCooldown > 24*time.Hour {
		return fmt.Errorf("message_cooldown must be between 0s and 24h, got %s", r.MessageCooldown)
	}
	return nil
}
