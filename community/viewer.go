package community

import (
	"hash/maphash"
	"math"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hearthlive/hearth"
)

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

// effective returns v's stats with their open presence span counted in, as
// every reader outside the channel sees them.
func (c *Channel) effective(v *viewer) hearth.ViewerStats {
	if v.stats.WatchFrom == 0 {
		return v.stats
	}
	if v.stats.StreamSeq != c.stream.Seq {
		// Spans close when their stream ends (endStream), so this is a
		// row loaded with a span still open: it counts nothing more.
		s := v.stats
		s.WatchFrom = 0
		return s
	}
	return v.stats.Folded(c.stream.Minutes)
}

// rankOf returns the index in the ladder of the rank v holds now.
func (c *Channel) rankOf(v *viewer) int {
	return c.rules.rankIndex(c.rules.rankValue(c.effective(v)))
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

// MaxBalance bounds a balance; awards saturate there instead of
// overflowing.
const MaxBalance = math.MaxInt64 / 4

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

// enterStream resets a viewer's per-stream counts the first time they are
// seen in the current stream.
func (c *Channel) enterStream(v *viewer) {
	if v.stats.StreamSeq != c.stream.Seq {
		c.closeSpan(v)
		s := c.edit(v)
		s.StreamSeq = c.stream.Seq
		s.StreamMessages = 0
		s.StreamWatchSeconds = 0
	}
}

// watching reports whether v has a presence span open in the current
// stream.
func (c *Channel) watching(v *viewer) bool {
	return v.stats.WatchFrom > 0 && v.stats.StreamSeq == c.stream.Seq
}

// watch opens a presence span for v from the next minute, if the stream is
// live and none is open: v is present.
func (c *Channel) watch(v *viewer) {
	if !c.live || c.watching(v) || c.isBot(v) || v.banned {
		return
	}
	c.enterStream(v)
	c.edit(v).WatchFrom = c.stream.Minutes + 1
}

// closeSpan folds v's open presence span, if any, into their watch time
// and closes it: v is no longer present.
func (c *Channel) closeSpan(v *viewer) {
	if v.stats.WatchFrom == 0 {
		return
	}
	s := c.edit(v)
	*s = c.effective(v)
}

// attend counts the current stream toward v's streak once v qualifies: they
// chatted in it, or were present at least AttendMinimum.
func (c *Channel) attend(v *viewer) {
	seq := c.stream.Seq
	if v.stats.LastAttended == seq || v.stats.StreamSeq != seq {
		return
	}
	if v.stats.StreamMessages == 0 && c.effective(v).StreamWatchSeconds < int64(c.rules.AttendMinimum/time.Second) {
		return
	}
	s := c.edit(v)
	switch missed := seq - s.LastAttended - 1; {
	case s.LastAttended == 0:
		s.Streak = 1
	case missed == 0:
		s.Streak++
	case missed == 1 && c.graceAvailable(*s, seq):
		s.Streak++
		s.GraceUsedAt = seq - 1
	default:
		s.Streak = 1
	}
	before := s.LastAttended
	s.LastAttended = seq
	s.LongestStreak = max(s.LongestStreak, s.Streak)
	c.recapAttend(v, before)
}

// graceAvailable reports whether the streak grace may forgive the stream
// before seq: it is on, and was not used in the last StreakGraceEvery
// streams.
func (c *Channel) graceAvailable(s hearth.ViewerStats, seq int64) bool {
	n := c.rules.StreakGraceEvery
	return n > 0 && (s.GraceUsedAt == 0 || seq-1-s.GraceUsedAt >= n)
}

// The events that concern one viewer alone: Handle hands them here.

// bonus pays points to the viewer id names for an event at at (a sub, a
// gift, a raid, a cheer), unless they may not earn now.
func (c *Channel) bonus(id hearth.Identity, at time.Time, points int64) {
	if id.ID == "" {
		return
	}
	v := c.touch(id, at)
	if c.earns(v, c.clock) {
		c.award(v, points)
	}
}

// Kinds of notice for what EventSub reports; each has an on/off switch in
// the rules.
const (
	NoticeFollow     NoticeKind = "follow"     // a viewer followed the channel for the first time
	NoticeRedemption NoticeKind = "redemption" // a viewer redeemed a channel-points reward; Text is its title
)

// Kinds of notice for the acts that support the channel; Amount says how
// much (act).
const (
	NoticeSub     NoticeKind = "sub"     // a first subscription; Amount the months, Text the message
	NoticeResub   NoticeKind = "resub"   // a renewed subscription; Amount the months, Text the message
	NoticeSubGift NoticeKind = "subgift" // gifted subscriptions; Amount how many, Text the recipient when one
	NoticeCheer   NoticeKind = "cheer"   // bits cheered; Amount the bits, Text the message
	NoticeRaid    NoticeKind = "raid"    // a raid arrived; Amount its viewers
)

// act announces a sub, a gift, a cheer or a raid by who (anonymous when
// their id is empty), unless they are a known bot. A viewer the channel
// knows is named as it knows them.
func (c *Channel) act(kind NoticeKind, who hearth.Identity, amount int64, text string) {
	n := Notice{Kind: kind, UserID: who.ID, Login: who.Login, DisplayName: who.DisplayName, Amount: max(amount, 0), Text: text, At: c.clock}
	if v, ok := c.viewers[who.ID]; ok && who.ID != "" {
		if c.isBot(v) {
			return
		}
		n.Login, n.DisplayName = v.stats.Login, v.stats.DisplayName
	} else if who.ID == "" {
		n.Login, n.DisplayName = "", ""
	}
	c.result.Notices = append(c.result.Notices, n)
}

// follow pays the follow bonus and announces the follower, once per viewer
// ever: unfollowing and following again earns nothing more.
func (c *Channel) follow(ev hearth.Event) {
	if ev.User.ID == "" {
		return
	}
	v := c.touch(ev.User, ev.Time)
	if !v.stats.FollowedAt.IsZero() {
		return
	}
	c.edit(v).FollowedAt = ev.Time
	if c.earns(v, c.clock) {
		c.award(v, c.rules.FollowBonus)
	}
	if c.rules.FollowAlerts && !c.isBot(v) {
		c.result.Notices = append(c.result.Notices, c.notice(NoticeFollow, v, ""))
	}
}

// redemption pays the redemption bonus and announces the reward redeemed.
func (c *Channel) redemption(ev hearth.Event) {
	if ev.User.ID == "" {
		return
	}
	v := c.touch(ev.User, ev.Time)
	if c.earns(v, c.clock) {
		c.award(v, c.rules.RedemptionBonus)
	}
	if c.rules.RedemptionAlerts && !c.isBot(v) {
		n := c.notice(NoticeRedemption, v, "")
		n.Text = ev.Reward.Title
		c.result.Notices = append(c.result.Notices, n)
	}
}

// cheer pays the cheer bonus for bits EventSub reports; IRC's cheers pay
// it with their chat message.
func (c *Channel) cheer(ev hearth.Event) {
	if ev.Bits >= 100 {
		c.bonus(ev.User, ev.Time, int64(ev.Bits/100)*c.rules.CheerBonusPer100)
	}
}

// moderate applies a timeout or a ban to the viewer it names: they earn
// nothing until the timeout ends, or until they chat again after a ban.
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

// earning is what one chat message earned, remembered so that a deleted
// message's points can be taken back.
type earning struct {
	userID string
	points int64
}

// earnedWindow is how many recent messages remember what they earned, so a
// moderator deleting one takes its points back.
const earnedWindow = 4096

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
