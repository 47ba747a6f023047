// Package community holds Hearth's pure rules: how taking part earns
// loyalty points and watch time, what counts as attending a stream, how
// streaks, ranks and welcomes work, who is a bot, and what chat commands
// do. It does no I/O; every decision depends only on the events it is given
// and the times they carry, so tests drive it with plain values.
package community

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hearthlive/hearth"
)

// Rules are a channel's amounts and thresholds. DefaultRules gives every
// field a sensible value; a channel's configuration overrides some.
type Rules struct {
	// PointsPerMessage is what a counted chat message earns.
	PointsPerMessage int64
	// MessageCooldown: after earning from chat, a viewer earns nothing more
	// from chat for this long (messages are still counted).
	MessageCooldown time.Duration
	// RepeatWindow: a message whose text repeats the same viewer's previous
	// message within this window earns nothing.
	RepeatWindow time.Duration

	// PresencePoints are earned every PresenceInterval by each viewer
	// present while the stream is live.
	PresencePoints   int64
	PresenceInterval time.Duration
	// PresenceTimeout: a viewer counts as present while joined to chat,
	// for this long after their last message, and for this long after a
	// chatter list named them (presence.go).
	PresenceTimeout time.Duration

	// Bonuses.
	SubBonus          int64 // a first subscription
	ResubBonus        int64 // a renewed subscription
	GiftBonus         int64 // to the gifter, per gifted subscription
	CheerBonusPer100  int64 // per 100 bits cheered
	RaidBonus         int64 // to the raiding streamer
	RaidViewerBonus   int64 // to each newcomer who first chats within RaidWindow of a raid
	RaidWindow        time.Duration
	FirstMessageBonus int64 // a viewer's first message ever in the channel
	FollowBonus       int64 // a viewer's first follow of the channel, paid once ever
	RedemptionBonus   int64 // each channel-points reward a viewer redeems

	// SubMultiplier and VIPMultiplier scale chat and presence points for
	// subscribers and VIPs (the larger applies); 1 is no bonus.
	SubMultiplier float64
	VIPMultiplier float64

	// IdleGap ends a stream inferred from chat (when Twitch reports no
	// online/offline) after this much silence.
	IdleGap time.Duration
	// AttendMinimum: a viewer attended a stream if present at least this
	// long, or if they chatted.
	AttendMinimum time.Duration
	// StreakGraceEvery: one missed stream does not break a streak, once per
	// this many streams; 0 turns the grace off.
	StreakGraceEvery int64

	// RankBy is RankByPoints (lifetime points) or RankByWatchTime (minutes
	// watched). Ranks is the ladder, lowest first; the first has Min 0.
	RankBy string
	Ranks  []Rank

	// ReturningAfter: a viewer who chats after this long away is welcomed
	// back.
	ReturningAfter time.Duration
	// WelcomeInChat and RankUpInChat make the bot say welcomes and rank-ups
	// in chat (they always reach the alerts overlay).
	WelcomeInChat bool
	RankUpInChat  bool
	// FollowAlerts and RedemptionAlerts put follows and channel-points
	// redemptions on the alerts overlay.
	FollowAlerts     bool
	RedemptionAlerts bool

	// Bots are logins that earn nothing and are left out of leaderboards and
	// engagement figures; the broadcaster always is.
	Bots []string

	// CommandPrefix starts a chat command; Language picks reply texts.
	CommandPrefix string
	Language      string
	Cooldowns     CooldownConfig

	// Polls: PollDuration is a chat poll's length when none is given;
	// PollAllowChange lets a viewer change their vote (the last counts);
	// PollBareVotes counts a message that is only an option's number or
	// label as a vote; PollWeighting is WeightingNone,
	// hearth.PollWeightRank or hearth.PollWeightPoints, and
	// PollPointsPerVote what one vote costs under points weighting.
	PollDuration      time.Duration
	PollAllowChange   bool
	PollBareVotes     bool
	PollWeighting     string
	PollPointsPerVote int64

	// SegmentMaxNames is how many distinct sponsor segment names a
	// channel may use while the service runs, so the segment label of
	// the metrics stays bounded (1 to MaxSegmentNames).
	SegmentMaxNames int
}

// Rank is one step of the ladder: viewers whose ranking value is at least
// Min hold it.
type Rank struct {
	Name string
	Min  int64
}

// The values of Rules.RankBy.
const (
	RankByPoints    = "points"
	RankByWatchTime = "watch_time"
)

// DefaultBots are common chat bots, left out of everything by default.
var DefaultBots = []string{
	"nightbot", "streamelements", "streamlabs", "moobot", "fossabot", "wizebot",
	"botisimo", "coebot", "deepbot", "phantombot", "soundalerts", "sery_bot",
	"commanderroot", "pokemoncommunitygame", "kofistreambot", "streamstickers",
}

// DefaultRules returns the rules a channel gets when its configuration says
// nothing.
func DefaultRules() Rules {
	return Rules{
		PointsPerMessage:  10,
		MessageCooldown:   30 * time.Second,
		RepeatWindow:      5 * time.Minute,
		PresencePoints:    5,
		PresenceInterval:  5 * time.Minute,
		PresenceTimeout:   10 * time.Minute,
		SubBonus:          500,
		ResubBonus:        500,
		GiftBonus:         250,
		CheerBonusPer100:  50,
		RaidBonus:         250,
		RaidViewerBonus:   50,
		RaidWindow:        10 * time.Minute,
		FirstMessageBonus: 50,
		FollowBonus:       100,
		RedemptionBonus:   25,
		FollowAlerts:      true,
		RedemptionAlerts:  true,
		SubMultiplier:     1,
		VIPMultiplier:     1,
		IdleGap:           30 * time.Minute,
		AttendMinimum:     10 * time.Minute,
		StreakGraceEvery:  4,
		RankBy:            RankByPoints,
		Ranks: []Rank{
			{Name: "Newcomer", Min: 0},
			{Name: "Regular", Min: 500},
			{Name: "Devoted", Min: 2_000},
			{Name: "Hero", Min: 10_000},
			{Name: "Legend", Min: 50_000},
		},
		ReturningAfter: 30 * 24 * time.Hour,
		Bots:           slices.Clone(DefaultBots),
		CommandPrefix:  "!",
		Language:       "en",
		Cooldowns:      DefaultCooldowns(),

		PollDuration:      2 * time.Minute,
		PollAllowChange:   true,
		PollBareVotes:     false,
		PollWeighting:     WeightingNone,
		PollPointsPerVote: 100,
		SegmentMaxNames:   20,
	}
}

// maxAward bounds any single amount in the rules, far above sane values,
// so sums of awards can never overflow.
const maxAward = 1_000_000

// Validate reports the first rule that makes no sense, naming the field as
// the configuration does.
func (r Rules) Validate() error {
	amounts := []struct {
		name string
		v    int64
	}{
		{"points.per_message", r.PointsPerMessage}, {"points.presence", r.PresencePoints},
		{"points.sub_bonus", r.SubBonus}, {"points.resub_bonus", r.ResubBonus}, {"points.gift_bonus", r.GiftBonus},
		{"points.cheer_bonus_per_100", r.CheerBonusPer100}, {"points.raid_bonus", r.RaidBonus},
		{"points.raid_viewer_bonus", r.RaidViewerBonus}, {"points.first_message_bonus", r.FirstMessageBonus},
		{"points.follow_bonus", r.FollowBonus}, {"points.redemption_bonus", r.RedemptionBonus},
	}
	for _, a := range amounts {
		if a.v < 0 || a.v > maxAward {
			return fmt.Errorf("%s must be between 0 and %d, got %d", a.name, maxAward, a.v)
		}
	}
	durations := []struct {
		name   string
		v      time.Duration
		lo, hi time.Duration
	}{
		{"points.message_cooldown", r.MessageCooldown, 0, 24 * time.Hour},
		{"points.repeat_window", r.RepeatWindow, 0, 24 * time.Hour},
		{"points.presence_interval", r.PresenceInterval, time.Minute, 24 * time.Hour},
		{"points.presence_timeout", r.PresenceTimeout, time.Minute, 24 * time.Hour},
		{"points.raid_window", r.RaidWindow, 0, 24 * time.Hour},
		{"streams.idle_gap", r.IdleGap, time.Minute, 7 * 24 * time.Hour},
		{"streams.attend_minimum", r.AttendMinimum, 0, 24 * time.Hour},
		{"welcome.returning_after", r.ReturningAfter, time.Hour, 10 * 365 * 24 * time.Hour},
		{"commands.user_cooldown", r.Cooldowns.PerUser, 0, time.Hour},
		{"commands.global_cooldown", r.Cooldowns.Global, 0, time.Hour},
	}
	for _, d := range durations {
		if d.v < d.lo || d.v > d.hi {
			return fmt.Errorf("%s must be between %s and %s, got %s", d.name, d.lo, d.hi, d.v)
		}
	}
	if r.PresenceInterval%time.Minute != 0 {
		return fmt.Errorf("points.presence_interval must be whole minutes, got %s", r.PresenceInterval)
	}
	for _, m := range []struct {
		name string
		v    float64
	}{{"points.sub_multiplier", r.SubMultiplier}, {"points.vip_multiplier", r.VIPMultiplier}} {
		if !(m.v >= 1 && m.v <= 10) {
			return fmt.Errorf("%s must be between 1 and 10, got %v", m.name, m.v)
		}
	}
	if r.StreakGraceEvery < 0 || r.StreakGraceEvery > 1000 {
		return fmt.Errorf("streams.streak_grace_every must be between 0 and 1000, got %d", r.StreakGraceEvery)
	}
	if r.RankBy != RankByPoints && r.RankBy != RankByWatchTime {
		return fmt.Errorf("ranks.by must be %q or %q, got %q", RankByPoints, RankByWatchTime, r.RankBy)
	}
	if len(r.Ranks) == 0 || r.Ranks[0].Min != 0 {
		return fmt.Errorf("ranks.ladder must start with a rank whose minimum is 0")
	}
	for i, rk := range r.Ranks {
		if strings.TrimSpace(rk.Name) == "" || len(rk.Name) > 40 {
			return fmt.Errorf("ranks.ladder: rank %d needs a name of 1 to 40 bytes", i+1)
		}
		if i > 0 && rk.Min <= r.Ranks[i-1].Min {
			return fmt.Errorf("ranks.ladder: %q must need more than %q", rk.Name, r.Ranks[i-1].Name)
		}
		for _, prev := range r.Ranks[:i] {
			if strings.EqualFold(prev.Name, rk.Name) {
				also := ""
				if prev.Name != rk.Name {
					also = fmt.Sprintf(" (also as %q)", prev.Name)
				}
				return fmt.Errorf("ranks.ladder: %q is on the ladder twice%s; give each rank its own name", rk.Name, also)
			}
		}
	}
	for _, b := range r.Bots {
		if !hearth.ValidLogin(b) {
			return fmt.Errorf("bots: %q is not a Twitch login", b)
		}
	}
	if !ValidPrefix(r.CommandPrefix) {
		return fmt.Errorf("commands.prefix must be 1 to 3 characters without spaces or @, got %q", r.CommandPrefix)
	}
	if err := r.validatePolls(); err != nil {
		return err
	}
	if r.SegmentMaxNames < 1 || r.SegmentMaxNames > MaxSegmentNames {
		return fmt.Errorf("segments.max_names must be between 1 and %d, got %d", MaxSegmentNames, r.SegmentMaxNames)
	}
	if !slices.Contains(Languages(), r.Language) {
		return fmt.Errorf("language must be one of %s, got %q", strings.Join(Languages(), ", "), r.Language)
	}
	return nil
}

// rankIndex returns the index in the ladder of the highest rank value
// reaches.
func (r Rules) rankIndex(value int64) int {
	i := 0
	for j, rk := range r.Ranks {
		if value >= rk.Min {
			i = j
		}
	}
	return i
}

// rankValue is what the ladder ranks a viewer by.
func (r Rules) rankValue(v hearth.ViewerStats) int64 {
	if r.RankBy == RankByWatchTime {
		return v.WatchSeconds / 60
	}
	return v.LifetimePoints
}

// RankOf returns the rank a viewer holds.
func (r Rules) RankOf(v hearth.ViewerStats) Rank {
	return r.Ranks[r.rankIndex(r.rankValue(v))]
}
