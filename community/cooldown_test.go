package community

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
)

var cooldownT0 = time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC)

type cooldownUse struct {
	at     time.Duration // after cooldownT0
	user   string
	roles  hearth.Role
	cmd    string // CmdPoints when ""
	ok     bool
	reason string
}

func TestCooldowns(t *testing.T) {
	const (
		mod  = hearth.RoleModerator
		host = hearth.RoleBroadcaster
		vip  = hearth.RoleVIP | hearth.RoleSubscriber
	)
	def := DefaultCooldowns() // 15s per user, 3s global
	tests := []struct {
		name string
		cfg  CooldownConfig
		uses []cooldownUse
	}{
		{"PerUserJustUnder", def, []cooldownUse{
			{at: 0, user: "a", ok: true},
			{at: 15*time.Second - time.Nanosecond, user: "a", reason: CooldownUser},
		}},
		{"PerUserExactlyAt", def, []cooldownUse{
			{at: 0, user: "a", ok: true},
			{at: 15 * time.Second, user: "a", ok: true},
		}},
		{"PerUserJustOver", def, []cooldownUse{
			{at: 0, user: "a", ok: true},
			{at: 15*time.Second + time.Nanosecond, user: "a", ok: true},
		}},
		{"GlobalJustUnder", def, []cooldownUse{
			{at: 0, user: "a", ok: true},
			{at: 3*time.Second - time.Nanosecond, user: "b", reason: CooldownGlobal},
		}},
		{"GlobalExactlyAt", def, []cooldownUse{
			{at: 0, user: "a", ok: true},
			{at: 3 * time.Second, user: "b", ok: true},
		}},
		{"GlobalJustOver", def, []cooldownUse{
			{at: 0, user: "a", ok: true},
			{at: 3*time.Second + time.Nanosecond, user: "b", ok: true},
		}},
		{"PerUserReportedBeforeGlobal", def, []cooldownUse{
			{at: 0, user: "a", ok: true},
			{at: time.Second, user: "a", reason: CooldownUser},
		}},
		{"PerUserOutlastsGlobal", def, []cooldownUse{
			{at: 0, user: "a", ok: true},
			{at: 5 * time.Second, user: "a", reason: CooldownUser},
			{at: 5 * time.Second, user: "b", ok: true},
		}},
		{"CommandsAreIndependent", def, []cooldownUse{
			{at: 0, user: "a", cmd: CmdPoints, ok: true},
			{at: 0, user: "a", cmd: CmdRank, ok: true},
			{at: 0, user: "b", cmd: CmdTop, ok: true},
			{at: time.Second, user: "b", cmd: CmdPoints, reason: CooldownGlobal},
		}},
		{"RefusedUseDoesNotRestartCooldown", def, []cooldownUse{
			{at: 0, user: "a", ok: true},
			{at: 10 * time.Second, user: "a", reason: CooldownUser},
			{at: 15 * time.Second, user: "a", ok: true},
		}},
		{"GloballyRefusedUseIsNotRecorded", def, []cooldownUse{
			{at: 0, user: "a", ok: true},
			{at: time.Second, user: "b", reason: CooldownGlobal},
			{at: 3 * time.Second, user: "b", ok: true},
		}},
		{"ModeratorExempt", def, []cooldownUse{
			{at: 0, user: "m", roles: mod, ok: true},
			{at: 0, user: "m", roles: mod, ok: true},
			{at: 0, user: "a", ok: true},
			{at: time.Second, user: "m", roles: mod, ok: true},
		}},
		{"BroadcasterExempt", def, []cooldownUse{
			{at: 0, user: "h", roles: host, ok: true},
			{at: time.Millisecond, user: "h", roles: host, ok: true},
			{at: 2 * time.Millisecond, user: "a", ok: true},
			{at: 3 * time.Millisecond, user: "h", roles: host, ok: true},
		}},
		{"VIPNotExempt", def, []cooldownUse{
			{at: 0, user: "v", roles: vip, ok: true},
			{at: time.Second, user: "v", roles: vip, reason: CooldownUser},
		}},
		{"Override", CooldownConfig{PerUser: 15 * time.Second, Global: 3 * time.Second,
			Overrides: map[string][2]time.Duration{CmdTop: {time.Minute, 0}}}, []cooldownUse{
			{at: 0, user: "a", cmd: CmdTop, ok: true},
			{at: 0, user: "b", cmd: CmdTop, ok: true},
			{at: time.Minute - time.Nanosecond, user: "a", cmd: CmdTop, reason: CooldownUser},
			{at: time.Minute, user: "a", cmd: CmdTop, ok: true},
			{at: time.Minute, user: "a", cmd: CmdPoints, ok: true},
			{at: time.Minute + time.Second, user: "b", cmd: CmdPoints, reason: CooldownGlobal},
		}},
		{"NoCooldowns", CooldownConfig{}, []cooldownUse{
			{at: 0, user: "a", ok: true},
			{at: 0, user: "a", ok: true},
			{at: 0, user: "b", ok: true},
		}},
		{"NegativeMeansNone", CooldownConfig{PerUser: -time.Second, Global: -time.Second}, []cooldownUse{
			{at: 0, user: "a", ok: true},
			{at: 0, user: "a", ok: true},
		}},
		{"ClockStepsBackALittle", def, []cooldownUse{
			{at: 10 * time.Second, user: "a", ok: true},
			{at: 5 * time.Second, user: "a", reason: CooldownUser},
		}},
		{"ClockStepsBackFar", def, []cooldownUse{
			{at: time.Hour, user: "a", ok: true},
			{at: 0, user: "a", ok: true},
			{at: time.Second, user: "a", reason: CooldownUser},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := NewCooldowns(tc.cfg)
			for i, u := range tc.uses {
				cmd := u.cmd
				if cmd == "" {
					cmd = CmdPoints
				}
				ok, reason := c.Allow(cmd, u.user, u.roles, cooldownT0.Add(u.at))
				if ok != u.ok || reason != u.reason {
					t.Fatalf("use %d (%s by %s at %s): Allow = %v, %q; want %v, %q", i, cmd, u.user, u.at, ok, reason, u.ok, u.reason)
				}
			}
		})
	}
}

func TestDefaultCooldowns(t *testing.T) {
	got := DefaultCooldowns()
	if got.PerUser != 15*time.Second || got.Global != 3*time.Second || len(got.Overrides) != 0 {
		t.Fatalf("DefaultCooldowns() = %+v", got)
	}
}

func TestCooldownsCopyOverrides(t *testing.T) {
	overrides := map[string][2]time.Duration{CmdTop: {time.Minute, 0}}
	c := NewCooldowns(CooldownConfig{Overrides: overrides})
	overrides[CmdTop] = [2]time.Duration{}
	if ok, _ := c.Allow(CmdTop, "a", 0, cooldownT0); !ok {
		t.Fatal("first use refused")
	}
	if ok, _ := c.Allow(CmdTop, "a", 0, cooldownT0.Add(time.Second)); ok {
		t.Fatal("changing the caller's map after NewCooldowns changed the cooldown")
	}
}

// cooldownsRemembered returns how many uses c holds.
func cooldownsRemembered(c *Cooldowns) int { return len(c.users) + len(c.globals) }

func TestCooldownsMemoryIsBounded(t *testing.T) {
	t.Run("MillionViewersSteadyStream", func(t *testing.T) {
		// 100 distinct viewers a second: about 1,500 inside the 15-second
		// per-user cooldown at any moment.
		c := NewCooldowns(CooldownConfig{PerUser: 15 * time.Second})
		peak := 0
		for i := range 1_000_000 {
			now := cooldownT0.Add(time.Duration(i) * 10 * time.Millisecond)
			if ok, _ := c.Allow(CmdPoints, fmt.Sprint("u", i), 0, now); !ok {
				t.Fatalf("viewer %d refused", i)
			}
			peak = max(peak, cooldownsRemembered(c))
		}
		if peak > 4_000 {
			t.Fatalf("remembered up to %d uses, want at most 4000 for 1500 in their cooldown", peak)
		}
	})
	t.Run("BurstIsForgotten", func(t *testing.T) {
		c := NewCooldowns(CooldownConfig{PerUser: 15 * time.Second})
		for i := range 200_000 {
			c.Allow(CmdPoints, fmt.Sprint("u", i), 0, cooldownT0)
		}
		if n := cooldownsRemembered(c); n != 200_000 {
			t.Fatalf("remembered %d uses inside their cooldown, want all 200000", n)
		}
		c.Allow(CmdPoints, "late", 0, cooldownT0.Add(15*time.Second))
		if n := cooldownsRemembered(c); n != 1 {
			t.Fatalf("remembered %d uses once the burst's cooldown passed, want 1", n)
		}
	})
}

// cooldownTestNames are the names TestCooldownsForgettingChangesNoAnswer
// draws from: a fixed list, so that adding a command to the table does not
// change its random sequence. The model never forgets, while Cooldowns
// forgets a use once it expired, so a clock that steps back by more than a
// cooldown after such a sweep can tell them apart; this sequence has no such
// step.
var cooldownTestNames = []string{CmdPoints, CmdRank, CmdTop, CmdStreak, CmdWatchtime, CmdGive, CmdAddPoints, CmdRemovePoints}

// TestCooldownsForgettingChangesNoAnswer replays random uses, with the clock
// sometimes stepping back, against a model that never forgets anything.
func TestCooldownsForgettingChangesNoAnswer(t *testing.T) {
	cfg := CooldownConfig{PerUser: 15 * time.Second, Global: 3 * time.Second,
		Overrides: map[string][2]time.Duration{CmdTop: {time.Minute, 10 * time.Second}, CmdGive: {0, 0}}}
	for _, viewers := range []int{5, 5_000} {
		t.Run(fmt.Sprint(viewers, "Viewers"), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(viewers)))
			c := NewCooldowns(cfg)
			users := map[[2]string]time.Time{}
			globals := map[string]time.Time{}
			now := cooldownT0
			for i := range 300_000 {
				switch r := rng.IntN(1000); {
				case r == 0:
					now = now.Add(-time.Duration(rng.Int64N(int64(2 * time.Minute))))
				default:
					now = now.Add(time.Duration(rng.Int64N(int64(20 * time.Millisecond))))
				}
				name := cooldownTestNames[rng.IntN(len(cooldownTestNames))]
				user := fmt.Sprint("u", rng.IntN(viewers))
				var roles hearth.Role
				if rng.IntN(50) == 0 {
					roles = hearth.RoleModerator
				}

				perUser, global := cfg.PerUser, cfg.Global
				if o, ok := cfg.Overrides[name]; ok {
					perUser, global = o[0], o[1]
				}
				wantOK, wantReason := true, ""
				blocks := func(last time.Time, d time.Duration) bool {
					e := now.Sub(last)
					return e < d && e > -d
				}
				if roles == 0 {
					if last, ok := users[[2]string{name, user}]; ok && blocks(last, perUser) {
						wantOK, wantReason = false, CooldownUser
					} else if last, ok := globals[name]; ok && blocks(last, global) {
						wantOK, wantReason = false, CooldownGlobal
					} else {
						users[[2]string{name, user}] = now
						globals[name] = now
					}
				}

				ok, reason := c.Allow(name, user, roles, now)
				if ok != wantOK || reason != wantReason {
					t.Fatalf("use %d (%s by %s): Allow = %v, %q; model says %v, %q", i, name, user, ok, reason, wantOK, wantReason)
				}
			}
		})
	}
}
