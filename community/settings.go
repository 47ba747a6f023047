package community

import (
	"reflect"
	"slices"
	"time"

	"github.com/hearthlive/hearth"
)

// SettingsOf returns r as the API shows a channel's rules: every setting
// given.
func SettingsOf(r Rules) hearth.ChannelSettings {
	ladder := make([]hearth.RankStep, len(r.Ranks))
	for i, rk := range r.Ranks {
		ladder[i] = hearth.RankStep{Name: rk.Name, Min: rk.Min}
	}
	bots := slices.Clone(r.Bots)
	if bots == nil {
		bots = []string{}
	}
	return hearth.ChannelSettings{
		Points: &hearth.PointSettings{
			PerMessage: ptr(r.PointsPerMessage), MessageCooldown: dur(r.MessageCooldown), RepeatWindow: dur(r.RepeatWindow),
			Presence: ptr(r.PresencePoints), PresenceInterval: dur(r.PresenceInterval), PresenceTimeout: dur(r.PresenceTimeout),
			SubBonus: ptr(r.SubBonus), ResubBonus: ptr(r.ResubBonus), GiftBonus: ptr(r.GiftBonus),
			CheerBonusPer100: ptr(r.CheerBonusPer100), RaidBonus: ptr(r.RaidBonus), RaidViewerBonus: ptr(r.RaidViewerBonus),
			RaidWindow: dur(r.RaidWindow), FirstMessageBonus: ptr(r.FirstMessageBonus), FollowBonus: ptr(r.FollowBonus),
			RedemptionBonus: ptr(r.RedemptionBonus), SubMultiplier: ptr(r.SubMultiplier), VIPMultiplier: ptr(r.VIPMultiplier),
		},
		Streams: &hearth.StreamSettings{IdleGap: dur(r.IdleGap), AttendMinimum: dur(r.AttendMinimum), StreakGraceEvery: ptr(r.StreakGraceEvery)},
		Ranks:   &hearth.RankSettings{By: ptr(r.RankBy), Ladder: &ladder},
		Welcome: &hearth.WelcomeSettings{ReturningAfter: dur(r.ReturningAfter), InChat: ptr(r.WelcomeInChat), RankUpInChat: ptr(r.RankUpInChat)},
		Alerts:  &hearth.AlertSettings{Follows: ptr(r.FollowAlerts), Redemptions: ptr(r.RedemptionAlerts)},
		Bots:    &bots,
		Commands: &hearth.CommandSettings{Prefix: ptr(r.CommandPrefix),
			UserCooldown: dur(r.Cooldowns.PerUser), GlobalCooldown: dur(r.Cooldowns.Global)},
		Polls: &hearth.PollSettings{Duration: dur(r.PollDuration), AllowChange: ptr(r.PollAllowChange), BareVotes: ptr(r.PollBareVotes),
			Weighting: ptr(r.PollWeighting), PointsPerVote: ptr(r.PollPointsPerVote)},
		Segments: &hearth.SegmentSettings{MaxNames: ptr(r.SegmentMaxNames)},
		Language: ptr(r.Language),
	}
}

// ApplySettings returns base with every setting s gives, and the others
// as they are. It does not validate: Rules.Validate says whether the
// result makes sense.
func ApplySettings(base Rules, s hearth.ChannelSettings) Rules {
	r := base
	r.Bots = slices.Clone(base.Bots)
	r.Ranks = slices.Clone(base.Ranks)
	if p := s.Points; p != nil {
		set(&r.PointsPerMessage, p.PerMessage)
		setDur(&r.MessageCooldown, p.MessageCooldown)
		setDur(&r.RepeatWindow, p.RepeatWindow)
		set(&r.PresencePoints, p.Presence)
		setDur(&r.PresenceInterval, p.PresenceInterval)
		setDur(&r.PresenceTimeout, p.PresenceTimeout)
		set(&r.SubBonus, p.SubBonus)
		set(&r.ResubBonus, p.ResubBonus)
		set(&r.GiftBonus, p.GiftBonus)
		set(&r.CheerBonusPer100, p.CheerBonusPer100)
		set(&r.RaidBonus, p.RaidBonus)
		set(&r.RaidViewerBonus, p.RaidViewerBonus)
		setDur(&r.RaidWindow, p.RaidWindow)
		set(&r.FirstMessageBonus, p.FirstMessageBonus)
		set(&r.FollowBonus, p.FollowBonus)
		set(&r.RedemptionBonus, p.RedemptionBonus)
		set(&r.SubMultiplier, p.SubMultiplier)
		set(&r.VIPMultiplier, p.VIPMultiplier)
	}
	if st := s.Streams; st != nil {
		setDur(&r.IdleGap, st.IdleGap)
		setDur(&r.AttendMinimum, st.AttendMinimum)
		set(&r.StreakGraceEvery, st.StreakGraceEvery)
	}
	if rk := s.Ranks; rk != nil {
		set(&r.RankBy, rk.By)
		if rk.Ladder != nil {
			r.Ranks = make([]Rank, len(*rk.Ladder))
			for i, step := range *rk.Ladder {
				r.Ranks[i] = Rank{Name: step.Name, Min: step.Min}
			}
		}
	}
	if w := s.Welcome; w != nil {
		setDur(&r.ReturningAfter, w.ReturningAfter)
		set(&r.WelcomeInChat, w.InChat)
		set(&r.RankUpInChat, w.RankUpInChat)
	}
	if a := s.Alerts; a != nil {
		set(&r.FollowAlerts, a.Follows)
		set(&r.RedemptionAlerts, a.Redemptions)
	}
	if s.Bots != nil {
		r.Bots = slices.Clone(*s.Bots)
	}
	if c := s.Commands; c != nil {
		set(&r.CommandPrefix, c.Prefix)
		setDur(&r.Cooldowns.PerUser, c.UserCooldown)
		setDur(&r.Cooldowns.Global, c.GlobalCooldown)
	}
	if p := s.Polls; p != nil {
		setDur(&r.PollDuration, p.Duration)
		set(&r.PollAllowChange, p.AllowChange)
		set(&r.PollBareVotes, p.BareVotes)
		set(&r.PollWeighting, p.Weighting)
		set(&r.PollPointsPerVote, p.PointsPerVote)
	}
	if sg := s.Segments; sg != nil {
		set(&r.SegmentMaxNames, sg.MaxNames)
	}
	set(&r.Language, s.Language)
	return r
}

// SettingsDiff returns the settings in which r differs from base: what a
// channel keeps of its own, so that every other setting follows the
// configuration, even after the configuration changes. ApplySettings(base,
// SettingsDiff(base, r)) is r.
func SettingsDiff(base, r Rules) hearth.ChannelSettings {
	from, to := SettingsOf(base), SettingsOf(r)
	keepDifferent(reflect.ValueOf(&from).Elem(), reflect.ValueOf(&to).Elem())
	return to
}

// keepDifferent clears every pointer field of the struct to that holds
// what the same field of from holds, down through pointers to structs;
// it reports whether any field of to is left set.
func keepDifferent(from, to reflect.Value) bool {
	kept := false
	for i := range to.NumField() {
		f, t := from.Field(i), to.Field(i)
		if t.IsNil() {
			continue
		}
		if t.Elem().Kind() == reflect.Struct && !f.IsNil() {
			if keepDifferent(f.Elem(), t.Elem()) {
				kept = true
			} else {
				t.SetZero()
			}
			continue
		}
		if !f.IsNil() && reflect.DeepEqual(f.Elem().Interface(), t.Elem().Interface()) {
			t.SetZero()
			continue
		}
		kept = true
	}
	return kept
}

// SetRules makes r the channel's rules from its next event on. What the
// rules decide for every viewer at once is brought up to date: who is a
// bot (and so left out of the ranking and the stream's chatters), and the
// command cooldowns, which keep the uses they remember. r must be valid
// (Rules.Validate).
func (c *Channel) SetRules(r Rules) {
	botsChanged := !slices.Equal(r.Bots, c.rules.Bots)
	c.rules = r
	c.cmds.Reconfigure(r.Cooldowns)
	if !botsChanged {
		return
	}
	c.bots = botSet(c.name, r.Bots)
	chatters := 0
	for _, v := range c.viewers {
		if bot := c.bots[v.stats.Login]; bot != v.bot {
			v.bot = bot
			c.file(v)
		}
		if c.isChatter(v) {
			chatters++
		}
	}
	if c.stream.Seq > 0 {
		c.chatters = chatters
	}
}

func ptr[T any](v T) *T { return &v }

func dur(d time.Duration) *hearth.Duration { return ptr(hearth.Duration(d)) }

// set sets *dst to *src when src is given.
func set[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

// setDur sets *dst to *src when src is given.
func setDur(dst *time.Duration, src *hearth.Duration) {
	if src != nil {
		*dst = time.Duration(*src)
	}
}
