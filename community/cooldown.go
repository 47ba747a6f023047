package community

import (
	"time"

	"github.com/hearthlive/hearth"
)

// CooldownConfig sets how often commands may run. A zero or negative
// duration means no cooldown of that kind.
type CooldownConfig struct {
	// PerUser is how long after running a command a viewer must wait to run
	// the same command again.
	PerUser time.Duration
	// Global is how long after anyone runs a command everyone must wait to
	// run the same command again.
	Global time.Duration
	// Overrides optionally replaces both for one command, keyed by command
	// name: {per user, global}.
	Overrides map[string][2]time.Duration
}

// DefaultCooldowns returns the cooldowns a channel gets when its
// configuration says nothing: 15 seconds per viewer and 3 seconds for
// everyone, for every command. Moderators and the broadcaster are exempt
// from all cooldowns whatever the configuration.
func DefaultCooldowns() CooldownConfig {
	return CooldownConfig{PerUser: 15 * time.Second, Global: 3 * time.Second}
}

// Reasons Cooldowns.Allow refuses a command: the bounded label values of the
// metric of refused commands.
const (
	CooldownUser   = "user_cooldown"
	CooldownGlobal = "global_cooldown"
)

// cooldownMinSweep is the number of remembered uses below which Cooldowns
// does not bother to forget expired ones.
const cooldownMinSweep = 1024

// Cooldowns remembers recent uses of commands to enforce a CooldownConfig.
// Its memory is bounded by the uses still inside their cooldown: expired
// ones are forgotten, amortised over later uses. It is not safe for
// concurrent use; the channel's goroutine owns it.
type Cooldowns struct {
	perUser, global time.Duration
	overrides       map[string][2]time.Duration

	users   map[cooldownKey]time.Time // last allowed use per command and viewer
	globals map[string]time.Time      // last allowed use per command

	sweepAt   int       // sweep when this many uses are remembered
	lastSweep time.Time // when expired uses were last forgotten
	longest   time.Duration
}

type cooldownKey struct{ name, userID string }

// Reconfigure enforces cfg from now on. The uses remembered are kept and
// count against the new cooldowns.
func (c *Cooldowns) Reconfigure(cfg CooldownConfig) {
	n := NewCooldowns(cfg)
	n.users, n.globals, n.sweepAt, n.lastSweep = c.users, c.globals, c.sweepAt, c.lastSweep
	*c = *n
}

// NewCooldowns returns an empty Cooldowns enforcing cfg. It copies
// cfg.Overrides, so later changes to the map have no effect.
func NewCooldowns(cfg CooldownConfig) *Cooldowns {
	c := &Cooldowns{
		perUser:   max(cfg.PerUser, 0),
		global:    max(cfg.Global, 0),
		overrides: make(map[string][2]time.Duration, len(cfg.Overrides)),
		users:     make(map[cooldownKey]time.Time),
		globals:   make(map[string]time.Time),
		sweepAt:   cooldownMinSweep,
	}
	c.longest = max(c.perUser, c.global)
	for name, o := range cfg.Overrides {
		o = [2]time.Duration{max(o[0], 0), max(o[1], 0)}
		c.overrides[name] = o
		c.longest = max(c.longest, o[0], o[1])
	}
	return c
}

// Allow reports whether the viewer userID, holding roles, may run command
// name at now, and if so records the use. reason is "" when ok, else
// CooldownUser (the viewer ran name too recently) or CooldownGlobal (someone
// did); the per-viewer check comes first.
//
// A use exactly a cooldown after the last allowed one is allowed. Moderators
// and the broadcaster are always allowed and their uses are not recorded, so
// they never hold others back. A clock that steps back by more than a
// cooldown does not lock anyone out: a use that far "in the future" no
// longer counts.
func (c *Cooldowns) Allow(name, userID string, roles hearth.Role, now time.Time) (ok bool, reason string) {
	if roles.Has(hearth.RoleModerator) || roles.Has(hearth.RoleBroadcaster) {
		return true, ""
	}
	perUser, global := c.durations(name)
	key := cooldownKey{name: name, userID: userID}
	if last, seen := c.users[key]; seen && cooldownBlocks(last, now, perUser) {
		return false, CooldownUser
	}
	if last, seen := c.globals[name]; seen && cooldownBlocks(last, now, global) {
		return false, CooldownGlobal
	}
	if perUser > 0 {
		c.users[key] = now
	}
	if global > 0 {
		c.globals[name] = now
	}
	c.maybeSweep(now)
	return true, ""
}

// durations returns the per-viewer and global cooldowns of name.
func (c *Cooldowns) durations(name string) (perUser, global time.Duration) {
	if o, ok := c.overrides[name]; ok {
		return o[0], o[1]
	}
	return c.perUser, c.global
}

// cooldownBlocks reports whether a use at last still blocks a use at now.
func cooldownBlocks(last, now time.Time, cooldown time.Duration) bool {
	d := now.Sub(last)
	return d < cooldown && d > -cooldown
}

// maybeSweep forgets the uses that no longer block anything, when enough
// uses were recorded since the last sweep (twice what survived it) or when
// the longest cooldown has passed since it. Each sweep costs the number of
// remembered uses, and every use is swept at most a few times before it is
// forgotten, so the cost per Allow is constant on average. Forgetting an
// expired use never changes an answer.
func (c *Cooldowns) maybeSweep(now time.Time) {
	n := len(c.users) + len(c.globals)
	if n < c.sweepAt && (n < cooldownMinSweep || now.Sub(c.lastSweep) < c.longest) {
		return
	}
	// A fresh map, because a Go map keeps the space of its largest size.
	users := make(map[cooldownKey]time.Time, len(c.users)/2)
	for k, last := range c.users {
		if perUser, _ := c.durations(k.name); cooldownBlocks(last, now, perUser) {
			users[k] = last
		}
	}
	c.users = users
	for name, last := range c.globals {
		if _, global := c.durations(name); !cooldownBlocks(last, now, global) {
			delete(c.globals, name)
		}
	}
	c.lastSweep = now
	c.sweepAt = max(cooldownMinSweep, 2*(len(c.users)+len(c.globals)))
}
