package community

import (
	"hash/maphash"
	"math"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hearthlive/hearth"
	"github.com/hearthlive/hearth/internal/seen"
)

// dedupWindow is how many recent event ids a channel remembers. A reconnect
// re-delivers at most a few hundred lines, so this is ample.
const dedupWindow = 8192

// earnedWindow is how many recent messages remember what they earned, so a
// moderator deleting one takes its points back.
const earnedWindow = 4096

// MaxBalance bounds a balance; awards saturate there instead of
// overflowing.
const MaxBalance = math.MaxInt64 / 4

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
	At          time.Time  `json:"at"`
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
	// Notices are welcomes and rank-ups.
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
	viewers map[string]*viewer // by user id
	byLogin map[string]string  // login -> user id
	board   board              // ranked viewers who hold points, in ranking order (board.go)
	ranked  int                // viewers listed in the ranking, with or without points
	seen    *seen.IDs
	reports *reports              // acts IRC and EventSub both report (eventsub.go)
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
	poll          *openPoll // the open poll, or the last one since loading; nil before
	lastPollID    int64
	recap         *recapState // the current stream's recap and the channel's figures (recap.go)

	// Per-operation bookkeeping: op counts operations (events and ticks),
	// edited holds the viewers edit marked in this one, and streamEdited
	// whether editStream was called since the session was last settled.
	op           uint64
	edited       []*viewer
	streamEdited bool
	result       *Result // &resultBuf during an operation, nil between
	resultBuf    Result
}

// viewer is one viewer's state. Its stats are what the store keeps: they
// are read directly and written only through Channel.edit, so that every
// change is persisted (TestStoredStateWrittenOnlyThroughAccessors holds
// the code to it). The other fields live in memory only.
//
// A channel keeps every viewer it has ever seen, a million or more, so
// the record is kept small (TestViewerRecordStaysSmall): the strings in
// stats are the viewer's own copies, never pieces of a chat line, and the
// channel name is the channel's one string; instants only compared are
// nanoseconds since 1970 (0: never, see unixNanos) and the last text is
// kept as its hash.
type viewer struct {
	stats      hearth.ViewerStats
	editedIn   uint64 // the operation that last marked it changed
	lastChat   int64  // when the viewer last chatted, unixNanos
	lastEarned int64  // when chat last earned points, unixNanos
	lastTextAt int64  // when lastText was sent, unixNanos
	lastText   uint64 // textHash of the last message's normalised text
	mutedUntil int64  // end of the latest timeout, unixNanos
	// boardPoints is the points the viewer is filed under on the board
	// while listed says it is counted in the ranking (Channel.file).
	boardPoints int64
	rankBefore  int32 // rank index at the start of the operation editedIn names
	listed      bool
	bot         bool // the login is a bot's or the broadcaster's (Channel.isBot)
	joined      bool
	banned      bool
	recap       recapMarks
}

// unixNanos is t in nanoseconds since 1970, and 0 for the zero time;
// instants beyond the years 1678 to 2262 saturate.
func unixNanos(t time.Time) int64 {
	switch sec := t.Unix(); {
	case t.IsZero():
		return 0
	case sec <= math.MinInt64/int64(time.Second):
		return math.MinInt64
	case sec >= math.MaxInt64/int64(time.Second):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// textSeed seeds textHash for the life of the process.
var textSeed = maphash.MakeSeed()

// textHash identifies a message's text with case and spacing folded, so
// "LUL  lul" repeats "lul lul", for the repeat and copy-paste rules; 0
// stands for no text (nothing but spaces). It hashes as it folds, making
// no folded copy. Two different texts share a hash with odds of one in
// 2^64, which at worst withholds one message's points.
func textHash(text string) uint64 {
	var h maphash.Hash
	h.SetSeed(textSeed)
	var buf [utf8.UTFMax]byte
	started, space := false, false
	for _, r := range text {
		if unicode.IsSpace(r) {
			space = true
			continue
		}
		if space && started {
			h.WriteByte(' ') // one space between words, none around them
		}
		started, space = true, false
		if r < utf8.RuneSelf {
			if 'A' <= r && r <= 'Z' {
				r += 'a' - 'A'
			}
			h.WriteByte(byte(r))
			continue
		}
		h.Write(utf8.AppendRune(buf[:0], unicode.ToLower(r)))
	}
	if !started {
		return 0
	}
	return h.Sum64() | 1
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

// Viewer returns a viewer's stats by user id, an open presence span
// counted in (hearth.ViewerStats.Folded).
func (c *Channel) Viewer(userID string) (hearth.ViewerStats, bool) {
	v, ok := c.viewers[userID]
	if !ok {
		return hearth.ViewerStats{}, false
	}
	return c.effective(v), true
}

// ViewerByLogin returns a viewer's stats by login, case-insensitively.
func (c *Channel) ViewerByLogin(login string) (hearth.ViewerStats, bool) {
	id, ok := c.byLogin[strings.ToLower(strings.TrimPrefix(login, "@"))]
	if !ok {
		return hearth.ViewerStats{}, false
	}
	return c.Viewer(id)
}

// knownStreamState reports an online or offline that says what Twitch
// already reported: Helix and EventSub both report the stream's state.
func (c *Channel) knownStreamState(ev hearth.Event) bool {
	switch ev.Kind {
	case hearth.EventOnline:
		return c.live && c.stream.Source == hearth.SourceTwitch
	case hearth.EventOffline:
		return !c.live && c.twitchReports
	}
	return false
}

// IsBot reports whether a login is a bot or the broadcaster: it earns
// nothing and is left out of leaderboards and engagement figures.
func (c *Channel) IsBot(login string) bool { return c.bots[strings.ToLower(login)] }

// isBot is IsBot for a known viewer: it reads what touch and NewChannel
// noted when the login was set, since walks over every viewer ask it of
// each.
func (c *Channel) isBot(v *viewer) bool { return v.bot }

// isChatter reports whether v is one of the current (or last) stream's
// engaged chatters: not a bot, with a message in that stream.
func (c *Channel) isChatter(v *viewer) bool {
	return c.stream.Seq > 0 && v.stats.StreamSeq == c.stream.Seq && v.stats.StreamMessages > 0 && !c.isBot(v)
}

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
	case hearth.EventSub:
		c.bonus(ev.User, ev.Time, c.rules.SubBonus)
	case hearth.EventResub:
		c.bonus(ev.User, ev.Time, c.rules.ResubBonus)
	case hearth.EventSubGift:
		c.bonus(ev.User, ev.Time, c.rules.GiftBonus*int64(max(ev.Count, 1)))
		if ev.Target.ID != "" {
			c.touch(ev.Target, time.Time{})
		}
	case hearth.EventRaid:
		c.bonus(ev.User, ev.Time, c.rules.RaidBonus)
		c.raidUntil = c.clock.Add(c.rules.RaidWindow)
	case hearth.EventTimeout, hearth.EventBan:
		c.moderate(ev)
	case hearth.EventMessageDeleted:
		c.takeBack(ev.TargetMessageID)
	case hearth.EventJoin, hearth.EventPart:
		c.membership(ev)
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
	case hearth.EventChatters:
		c.chatterList(ev)
	case hearth.EventViewerCount:
		c.viewerCount(ev)
	case hearth.EventFollow:
		c.follow(ev)
	case hearth.EventRedemption:
		c.redemption(ev)
	case hearth.EventCheer:
		c.cheer(ev)
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

// edit returns v's stats for changing. It is the only way to write them:
// it marks v changed in the current operation, so the change reaches
// Result.Changed and the store, and the first call in an operation
// remembers v's rank before it, for rank-ups.
func (c *Channel) edit(v *viewer) *hearth.ViewerStats {
	if v.editedIn != c.op {
		v.editedIn = c.op
		v.rankBefore = int32(c.rankOf(v))
		c.edited = append(c.edited, v)
	}
	return &v.stats
}

// editStream returns the current stream session for changing, and marks
// it to be written.
func (c *Channel) editStream() *hearth.StreamSession {
	c.streamEdited = true
	return &c.stream
}

// settleStream hands the current session to the result if it changed.
func (c *Channel) settleStream() {
	if c.streamEdited {
		c.result.Streams = append(c.result.Streams, c.stream)
		c.streamEdited = false
	}
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

// touch returns the viewer for id, creating it on first sight, and keeps its
// login and display name current; at, if not zero, updates last seen.
func (c *Channel) touch(id hearth.Identity, at time.Time) *viewer {
	v, ok := c.viewers[id.ID]
	if !ok {
		v = &viewer{}
		userID := strings.Clone(id.ID)
		c.viewers[userID] = v
		*c.edit(v) = hearth.ViewerStats{Channel: c.name, UserID: userID, FirstSeen: at}
	}
	// An event's strings may point into the raw chat line: the viewer
	// keeps copies, and one string when the display name is the login.
	if id.Login != "" && id.Login != v.stats.Login {
		if c.byLogin[v.stats.Login] == v.stats.UserID {
			delete(c.byLogin, v.stats.Login)
		}
		c.unfile(v) // the board files viewers by login too: settle files v anew
		login := strings.Clone(id.Login)
		c.edit(v).Login = login
		c.byLogin[login] = v.stats.UserID
		v.bot = c.bots[login]
		if v.stats.DisplayName == login {
			c.edit(v).DisplayName = login
		}
	}
	if id.DisplayName != "" && id.DisplayName != v.stats.DisplayName {
		if id.DisplayName == v.stats.Login {
			c.edit(v).DisplayName = v.stats.Login
		} else {
			c.edit(v).DisplayName = strings.Clone(id.DisplayName)
		}
	}
	if !at.IsZero() {
		if at.After(v.stats.LastSeen) {
			c.edit(v).LastSeen = at
		}
		if v.stats.FirstSeen.IsZero() || at.Before(v.stats.FirstSeen) {
			c.edit(v).FirstSeen = at
		}
	}
	return v
}

// award adds points to a viewer's balance and lifetime, saturating.
func (c *Channel) award(v *viewer, points int64) {
	if points <= 0 {
		return
	}
	s := c.edit(v)
	s.Points = min(s.Points+points, MaxBalance)
	s.LifetimePoints = min(s.LifetimePoints+points, MaxBalance)
	c.result.Earned += points
}

// deduct takes up to points back from balance and lifetime, never below 0.
func (c *Channel) deduct(v *viewer, points int64) int64 {
	n := min(points, v.stats.Points)
	if n <= 0 {
		return 0
	}
	s := c.edit(v)
	s.Points -= n
	s.LifetimePoints = max(s.LifetimePoints-n, 0)
	return n
}

// earns reports whether v may earn at t, on the channel's clock: not a
// bot, not timed out, not banned.
func (c *Channel) earns(v *viewer, t time.Time) bool {
	return !c.isBot(v) && !v.banned && unixNanos(t) >= v.mutedUntil
}

// multiplied scales chat and presence points for subscribers and VIPs.
func (c *Channel) multiplied(points int64, roles hearth.Role) int64 {
	m := 1.0
	if roles.Has(hearth.RoleSubscriber) {
		m = max(m, c.rules.SubMultiplier)
	}
	if roles.Has(hearth.RoleVIP) {
		m = max(m, c.rules.VIPMultiplier)
	}
	return int64(float64(points) * m)
}

func (c *Channel) bonus(id hearth.Identity, at time.Time, points int64) {
	if id.ID == "" {
		return
	}
	v := c.touch(id, at)
	if c.earns(v, c.clock) {
		c.award(v, points)
	}
}

func (c *Channel) chat(ev hearth.Event) {
	v := c.touch(ev.User, time.Time{})
	lastSeen := v.stats.LastSeen
	newcomer := v.stats.Messages == 0
	c.touch(ev.User, ev.Time)
	v.banned = false // Twitch delivers no message from a banned viewer: they were unbanned
	bot := c.isBot(v)

	// A stream inferred from chat, and the idle gap that ends it, run on
	// the channel's clock: a message whose time is behind it neither starts
	// the stream in the past nor counts as silence since then.
	if c.clock.After(c.lastActivity) {
		c.lastActivity = c.clock
	}
	if !c.live && !c.twitchReports {
		c.startStream(c.clock, hearth.SourceChat)
	}
	c.edit(v).Messages++
	// Presence, and a poll's turnout, time the viewer from here: on the
	// channel's clock.
	if t := unixNanos(c.clock); t > v.lastChat {
		v.lastChat = t
	}
	if !bot {
		c.present[v.stats.UserID] = struct{}{}
		c.result.Chatted, c.result.ChatterID = true, v.stats.UserID
	}
	if c.live {
		c.enterStream(v)
		c.edit(v).StreamMessages++
		if !bot {
			s := c.editStream()
			s.Messages++
			known := v.stats.StreamMessages > 1 // this message is counted already
			if !known {
				c.chatters++
				s.Chatters = int64(c.chatters)
			}
			c.talked(v, !known)
			c.watch(v)
			c.attend(v)
		}
	}

	earned := int64(0)
	hash, now := textHash(ev.Text), unixNanos(ev.Time)
	if c.earns(v, c.clock) {
		repeat := hash != 0 && hash == v.lastText && now-v.lastTextAt < int64(c.rules.RepeatWindow)
		cooled := v.lastEarned == 0 || now-v.lastEarned >= int64(c.rules.MessageCooldown)
		if !IsCommand(c.rules.CommandPrefix, ev.Text) && !c.isBareVote(ev.Text) && !repeat && cooled && c.rules.PointsPerMessage > 0 {
			earned += c.multiplied(c.rules.PointsPerMessage, ev.Roles)
			v.lastEarned = now
		}
		if newcomer {
			earned += c.rules.FirstMessageBonus
			if c.clock.Before(c.raidUntil) {
				earned += c.rules.RaidViewerBonus
			}
		}
		if ev.Bits >= 100 {
			earned += int64(ev.Bits/100) * c.rules.CheerBonusPer100
		}
		c.award(v, earned)
	}
	v.lastText, v.lastTextAt = hash, now
	if earned > 0 && ev.ID != "" {
		c.earned.Put(ev.ID, earning{userID: v.stats.UserID, points: earned})
	}
	if bot {
		return
	}
	c.recapChat(v, c.clock, hash, newcomer)
	switch {
	case newcomer && (ev.FirstMessage || lastSeen.IsZero()):
		c.result.Notices = append(c.result.Notices, c.notice(NoticeWelcome, v, ""))
	case !newcomer && !lastSeen.IsZero() && ev.Time.Sub(lastSeen) >= c.rules.ReturningAfter:
		c.result.Notices = append(c.result.Notices, c.notice(NoticeWelcomeBack, v, ""))
	}
}

func (c *Channel) moderate(ev hearth.Event) {
	if ev.Target.ID == "" {
		return
	}
	v, ok := c.viewers[ev.Target.ID]
	if !ok {
		return
	}
	if ev.Kind == hearth.EventBan {
		v.banned = true
		return
	}
	if until := unixNanos(c.clock.Add(ev.Duration)); until > v.mutedUntil {
		v.mutedUntil = until
	}
}

// takeBack removes the points a deleted message earned.
func (c *Channel) takeBack(msgID string) {
	e, ok := c.earned.Take(msgID)
	if !ok {
		return
	}
	if v, ok := c.viewers[e.userID]; ok {
		c.deduct(v, e.points)
	}
}

func (c *Channel) membership(ev hearth.Event) {
	id, ok := c.byLogin[ev.User.Login]
	if !ok {
		return // presence needs a user id; a lurker is counted once they chat
	}
	v := c.viewers[id]
	v.joined = ev.Kind == hearth.EventJoin
	if v.joined && !c.isBot(v) {
		c.present[id] = struct{}{}
	}
}

// Forget deletes a viewer from the channel's state and returns their key,
// or false if the channel does not know the login.
func (c *Channel) Forget(login string) (hearth.ViewerKey, bool) {
	login = strings.ToLower(strings.TrimPrefix(login, "@"))
	id, ok := c.byLogin[login]
	if !ok {
		return hearth.ViewerKey{}, false
	}
	if v, ok := c.viewers[id]; ok {
		c.unfile(v)
		if c.isChatter(v) {
			c.chatters--
		}
	}
	delete(c.viewers, id)
	delete(c.byLogin, login)
	delete(c.present, id)
	c.forgetVote(id)
	return hearth.ViewerKey{Channel: c.name, UserID: id}, true
}
