package community

import (
	"time"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/internal/seen"
)

// NoticeKind says what a Notice announces.
type NoticeKind string

// Kinds of notice, published to the alerts overlay and optionally said in
// chat.
const (
	NoticeWelcome     NoticeKind = "welcome"      // first message ever in the channel
	NoticeWelcomeBack NoticeKind = "welcome_back" // back after Rules.ReturningAfter away
	NoticeRankUp      NoticeKind = "rank_up"      // reached a higher rank
	NoticePollResult  NoticeKind = "poll_result"  // a poll closed: DisplayName names the winner(s), Text the question
)

// Notice is something worth announcing about a viewer.
type Notice struct {
	Kind        NoticeKind `json:"kind"`
	UserID      string     `json:"user_id"`
	Login       string     `json:"login"`
	DisplayName string     `json:"display_name"`
	Rank        string     `json:"rank,omitempty"`
	Text        string     `json:"text,omitempty"`
	// Amount is a sub's months, a gift's count, a cheer's bits, a raid's
	// viewers.
	Amount int64     `json:"amount,omitempty"`
	At     time.Time `json:"at"`
}

// Result says what one event or tick did to a channel.
type Result struct {
	// Duplicate is set when the event was already handled (its id, the
	// same act reported by IRC and EventSub, or online/offline that Twitch
	// already reported through another path); nothing else changed.
	Duplicate bool
	// Changed holds the new state of every viewer that changed, each once.
	Changed []hearth.ViewerStats
	// Streams holds stream sessions that started, changed or ended.
	Streams []hearth.StreamSession
	// Chatted is set for a chat message from a viewer who counts toward
	// engagement (not a bot, not the broadcaster). ChatterID is then the
	// viewer's id, the channel's own copy (never a piece of a chat line),
	// and Verified says the message was not part of a copy-paste burst.
	Chatted   bool
	ChatterID string
	Verified  bool
	// Earned is the points awarded in total.
	Earned int64
	// Notices are welcomes, rank-ups, follows, subs, gifts, cheers,
	// raids, redemptions and poll results.
	Notices []Notice
	// Reply is a chat line to send in answer to a command; "" for none.
	Reply string
	// Command is the command run (one of CommandNames) and Rejected the
	// bounded reason it was refused, if it was.
	Command  string
	Rejected string
	// Announce is a line to say in chat beside any Reply (a poll's start
	// or result); "" for none.
	Announce string
	// PollVote is the outcome of a vote (one of hearth.VoteResults); ""
	// when the event was none. Poll is the channel's poll row to write
	// when it started, finished or was mirrored from Twitch; PollVotes are
	// vote rows to write; PollChanged says the poll overlay's state
	// changed.
	PollVote    string
	Poll        *hearth.Poll
	PollVotes   []hearth.PollVote
	PollChanged bool
}

// Channel is the state of one channel's community. It is not safe for
// concurrent use: one goroutine owns it.
type Channel struct {
	name    string
	rules   Rules
	bots    map[string]bool
	viewers map[string]*viewer    // by user id (viewer.go)
	byLogin map[string]string     // login -> user id
	board   board                 // ranked viewers who hold points, in ranking order (board.go)
	ranked  int                   // viewers listed in the ranking, with or without points
	seen    *seen.IDs             // recent event ids, to drop one delivered twice (dedup.go)
	reports *reports              // acts IRC and EventSub both report (dedup.go)
	earned  *seen.Recent[earning] // what recent messages earned, by message id, for takeBack
	cmds    *Cooldowns

	stream        hearth.StreamSession // current or last, Seq 0 before the first; written only through editStream
	live          bool
	twitchReports bool // Twitch reports online/offline, so chat infers nothing
	lastActivity  time.Time
	clock         time.Time
	nextTick      time.Time // next watch-time minute while live
	present       map[string]struct{}
	roster        roster     // Twitch's chatter list and viewer count (presence.go)
	chatters      int        // engaged chatters this stream (isChatter)
	talk          streamTalk // what Engagement reports of them (stream.go)
	raidUntil     time.Time
	poll          *openPoll // the open poll, or the last one since loading; nil before (poll.go)
	lastPollID    int64
	recap         *recapState         // the current stream's recap and the channel's figures (recap.go)
	mods          map[string]struct{} // user ids whose last message carried the moderator badge (badges.go)

	// Per-operation bookkeeping: op counts operations (events and ticks),
	// edited holds the viewers edit marked in this one, and streamEdited
	// whether editStream was called since the session was last settled.
	op           uint64
	edited       []*viewer
	streamEdited bool
	result       *Result // &resultBuf during an operation, nil between
	resultBuf    Result
}

// NewChannel returns a channel's state from what the store holds: its
// viewers and its last stream session (nil if none).
func NewChannel(name string, rules Rules, stored []hearth.ViewerStats, last *hearth.StreamSession) *Channel {
	c := &Channel{
		name:    name,
		rules:   rules,
		bots:    botSet(name, rules.Bots),
		viewers: make(map[string]*viewer, len(stored)),
		byLogin: make(map[string]string, len(stored)),
		seen:    seen.New(dedupWindow),
		reports: newReports(),
		earned:  seen.NewRecent[earning](earnedWindow),
		cmds:    NewCooldowns(rules.Cooldowns),
		present: make(map[string]struct{}),
		recap:   newRecapState(),
	}
	// The stored viewers' records are allocated as one block: one
	// allocation instead of one per viewer, a million at start-up.
	records := make([]viewer, len(stored))
	holding := make([]*viewer, 0, len(stored))
	for i, s := range stored {
		s.Channel = c.name
		if s.DisplayName == s.Login {
			s.DisplayName = s.Login
		}
		v := &records[i]
		v.stats = s
		v.bot = c.bots[s.Login]
		c.viewers[s.UserID] = v
		c.byLogin[s.Login] = s.UserID
		if s.LastSeen.After(c.lastActivity) {
			c.lastActivity = s.LastSeen
		}
		if !c.isBot(v) {
			v.listed, v.boardPoints = true, s.Points
			c.ranked++
			if s.Points > 0 {
				holding = append(holding, v)
			}
		}
	}
	c.board.build(holding)
	if last != nil && last.Seq > 0 {
		c.stream = *last
		c.live = last.EndedAt.IsZero()
		c.twitchReports = last.Source == hearth.SourceTwitch
		if last.StartedAt.After(c.lastActivity) {
			c.lastActivity = last.StartedAt
		}
		for _, v := range c.viewers {
			if c.isChatter(v) {
				c.chatters++
			}
		}
	}
	c.LoadHistory(nil, nil)
	return c
}

// Name returns the channel's login.
func (c *Channel) Name() string { return c.name }

// Rules returns the channel's rules.
func (c *Channel) Rules() Rules { return c.rules }

// Viewers returns how many viewers the channel has seen.
func (c *Channel) Viewers() int { return len(c.viewers) }

// Live reports whether a stream is live, and returns the current (or last)
// session.
func (c *Channel) Live() (hearth.StreamSession, bool) { return c.stream, c.live }

// Now returns the channel's clock: the latest time it was given, by an
// event or by Tick. The channel's timers (a poll's end, a segment, the
// watch minutes, the idle gap that ends a stream inferred from chat) run
// on it.
func (c *Channel) Now() time.Time { return c.clock }

// Handle applies one event and reports what changed. Events carry their own
// time; the channel's clock follows the latest one and never goes back. A
// timer an event starts (a poll, a segment) starts at the clock, so an
// event whose time is behind it (a line of an old log in a live channel)
// cannot end the timer before it began; the instants such an event carries
// (a native poll's start and end) are moved onto the clock, keeping their
// distance from the event's time.
func (c *Channel) Handle(ev hearth.Event) Result {
	if ev.ID != "" && !c.seen.Add(ev.ID) {
		return Result{Duplicate: true}
	}
	if c.sameAct(&ev) || c.knownStreamState(ev) {
		return Result{Duplicate: true}
	}
	c.begin()
	c.advance(ev.Time)
	c.closeDuePoll(c.clock)
	if ev.Poll != nil && ev.Time.Before(c.clock) {
		ev.Poll = shiftedPoll(*ev.Poll, c.clock.Sub(ev.Time))
	}
	switch ev.Kind {
	case hearth.EventChat:
		if ev.User.ID != "" {
			c.chat(ev)
			c.command(ev)
		}
	// The events that concern one viewer alone.
	case hearth.EventSub:
		c.bonus(ev.User, ev.Time, c.rules.SubBonus)
		c.act(NoticeSub, ev.User, int64(ev.Months), ev.Text)
	case hearth.EventResub:
		c.bonus(ev.User, ev.Time, c.rules.ResubBonus)
		c.act(NoticeResub, ev.User, int64(ev.Months), ev.Text)
	case hearth.EventSubGift:
		c.bonus(ev.User, ev.Time, c.rules.GiftBonus*int64(max(ev.Count, 1)))
		if ev.Target.ID != "" {
			c.touch(ev.Target, time.Time{})
		}
		c.act(NoticeSubGift, ev.User, int64(max(ev.Count, 1)), hearth.DisplayText(ev.Target.DisplayName, ev.Target.Login))
	case hearth.EventRaid:
		c.bonus(ev.User, ev.Time, c.rules.RaidBonus)
		c.raidUntil = c.clock.Add(c.rules.RaidWindow)
		c.act(NoticeRaid, ev.User, int64(ev.Count), "")
	case hearth.EventFollow:
		c.follow(ev)
	case hearth.EventRedemption:
		c.redemption(ev)
	case hearth.EventCheer:
		c.cheer(ev)
		c.act(NoticeCheer, ev.User, int64(ev.Bits), ev.Text)
	case hearth.EventTimeout, hearth.EventBan:
		c.moderate(ev)
	case hearth.EventMessageDeleted:
		c.takeBack(ev.TargetMessageID)
	// The stream session.
	case hearth.EventOnline:
		c.twitchReports = true
		if !c.live {
			c.startStream(ev.Time, hearth.SourceTwitch)
		} else if c.stream.Source != hearth.SourceTwitch {
			c.editStream().Source = hearth.SourceTwitch
		}
	case hearth.EventOffline:
		c.twitchReports = true
		if c.live {
			c.endStream(ev.Time)
		}
	// Presence.
	case hearth.EventJoin, hearth.EventPart:
		c.membership(ev)
	case hearth.EventChatters:
		c.chatterList(ev)
	case hearth.EventViewerCount:
		c.viewerCount(ev)
	// Native Twitch polls.
	case hearth.EventPollBegin, hearth.EventPollProgress, hearth.EventPollEnd:
		if ev.Poll != nil {
			c.mirror(*ev.Poll, "")
		}
	}
	return c.finish()
}

// Tick advances the channel's clock to now with no event: watch time and
// presence points accrue, and a stream inferred from chat ends after the
// idle gap.
func (c *Channel) Tick(now time.Time) Result {
	c.begin()
	c.advance(now)
	c.closeDuePoll(c.clock)
	return c.finish()
}

func (c *Channel) begin() {
	c.resultBuf = Result{}
	c.result = &c.resultBuf
	c.op++
	clear(c.edited)
	c.edited = c.edited[:0]
}

func (c *Channel) finish() Result {
	c.settleStream()
	c.settle()
	r := c.result
	for _, v := range c.edited {
		r.Changed = append(r.Changed, v.stats)
		if c.isBot(v) {
			continue
		}
		if after := c.rankOf(v); after > int(v.rankBefore) {
			r.Notices = append(r.Notices, c.notice(NoticeRankUp, v, c.rules.Ranks[after].Name))
		}
	}
	c.result = nil
	return *r
}

func (c *Channel) notice(kind NoticeKind, v *viewer, rank string) Notice {
	return Notice{Kind: kind, UserID: v.stats.UserID, Login: v.stats.Login, DisplayName: v.stats.DisplayName, Rank: rank, At: c.clock}
}
