package twitchtest

import (
	"crypto/rand"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/hearthlive/hearth"
)

// Chatter is a Twitch user as chat lines describe them.
type Chatter struct {
	// ID is Twitch's numeric user id, as a string.
	ID string
	// Login is the lower-case login; it names the line's source.
	Login string
	// DisplayName is what chat shows. It may hold any Unicode, spaces and
	// semicolons included; builders escape it. Empty means Login.
	DisplayName string
	// Badges are "name/version" pairs such as "subscriber/12",
	// "moderator/1", "vip/1" or "broadcaster/1". A badge without a version
	// gets "/1".
	Badges []string
	// Color is the name colour as "#RRGGBB", or "" for none chosen.
	Color string
	// Months is the exact number of months subscribed, written in the
	// badge-info tag. Zero means the subscriber badge's version.
	Months int
}

// MsgOptions are the optional parts of a chat line. The zero value is an
// ordinary message with a fresh random id.
type MsgOptions struct {
	// ID is the message's id tag. Empty means a new random one (NewMessageID).
	ID string
	// Bits is the number of bits cheered with a PRIVMSG; zero omits the tag.
	Bits int
	// FirstMsg sets first-msg=1: the chatter's first message in the channel.
	FirstMsg bool
	// ReturningChatter sets returning-chatter=1.
	ReturningChatter bool
	// Action makes a PRIVMSG a /me action.
	Action bool
	// Emotes is the raw emotes tag. Empty means computed from the text for the
	// few global emotes this package knows (Kappa, LUL, PogChamp, ...).
	Emotes string
	// SourceRoomID makes a PRIVMSG or USERNOTICE one that Shared Chat
	// brings from another channel's chat: it carries source-room-id (this
	// room id), source-id (the message's id) and source-badges (the
	// chatter's badges), as Twitch sends it. Empty: the channel's own.
	SourceRoomID string
}

// BadToken is a chat token the server always rejects, so tests can reach a
// client's authentication-failure path: PASS oauth:bad.
const BadToken = "oauth:bad"

// NewMessageID returns a random UUID-shaped message id from crypto/rand.
func NewMessageID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return formatUUID(b)
}

func formatUUID(b [16]byte) string {
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// UserID returns a stable numeric user id derived from a login, for chatters
// and bots that have no real one. A channel's room id is its broadcaster's
// user id, so UserID(channel) is also the channel's default room id.
func UserID(login string) string {
	h := fnv.New32a()
	h.Write([]byte(strings.ToLower(login)))
	return strconv.FormatUint(uint64(h.Sum32())%900_000_000+100_000_000, 10)
}

// EscapeTagValue escapes s as an IRCv3 message tag value: ';' becomes \:,
// space \s, backslash \\, CR \r and LF \n. NUL bytes, which no IRC line may
// carry, are dropped.
func EscapeTagValue(s string) string {
	if !strings.ContainsAny(s, "; \\\r\n\x00") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case ';':
			b.WriteString(`\:`)
		case ' ':
			b.WriteString(`\s`)
		case '\\':
			b.WriteString(`\\`)
		case '\r':
			b.WriteString(`\r`)
		case '\n':
			b.WriteString(`\n`)
		case 0:
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// tagList builds the "@k=v;k=v" prefix of a line, escaping values.
type tagList struct {
	b strings.Builder
}

func (t *tagList) add(key, value string) {
	if t.b.Len() == 0 {
		t.b.WriteByte('@')
	} else {
		t.b.WriteByte(';')
	}
	t.b.WriteString(key)
	t.b.WriteByte('=')
	t.b.WriteString(EscapeTagValue(value))
}

func (t *tagList) String() string { return t.b.String() }

// channelName turns "#Name" into "name".
func channelName(s string) string {
	return strings.ToLower(strings.TrimPrefix(strings.TrimSpace(s), "#"))
}

// validLogin reports whether s can be a Twitch login or channel name.
func validLogin(s string) bool { return hearth.ValidLogin(s) }

// safeLogin keeps a login usable as a line's source and parameter: lower
// case, without the characters that would break IRC framing.
func safeLogin(s string) string {
	s = strings.ToLower(s)
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '!', '@', ':', '\r', '\n', 0, '#', ',':
			return -1
		}
		return r
	}, s)
}

// cleanText removes what would end or corrupt an IRC line.
func cleanText(s string) string {
	if !strings.ContainsAny(s, "\r\n\x00") {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case '\r', '\n':
			return ' '
		case 0:
			return -1
		}
		return r
	}, s)
}

func sentTS(at time.Time) string {
	if at.IsZero() {
		at = time.Now()
	}
	return strconv.FormatInt(at.UnixMilli(), 10)
}

func b01(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func (c Chatter) login() string {
	if c.Login == "" {
		return safeLogin(strings.ReplaceAll(c.DisplayName, " ", ""))
	}
	return safeLogin(c.Login)
}

func (c Chatter) displayName() string {
	if c.DisplayName == "" {
		return c.login()
	}
	return c.DisplayName
}

func (c Chatter) userID() string {
	if c.ID == "" {
		return UserID(c.login())
	}
	return c.ID
}

// badge returns the version of the named badge and whether c has it.
func (c Chatter) badge(name string) (string, bool) {
	for _, b := range c.Badges {
		n, v, _ := strings.Cut(b, "/")
		if n == name {
			return v, true
		}
	}
	return "", false
}

func (c Chatter) has(name string) bool {
	_, ok := c.badge(name)
	return ok
}

// badgesTag formats the badges so that every entry is name/number: clients
// such as go-twitch-irc index the part after the slash unconditionally.
func (c Chatter) badgesTag() string {
	parts := make([]string, 0, len(c.Badges))
	for _, b := range c.Badges {
		b = strings.Map(func(r rune) rune {
			switch r {
			case ',', ';', ' ', '=', '\\', '\r', '\n', 0:
				return -1
			}
			return r
		}, b)
		name, version, found := strings.Cut(b, "/")
		if name == "" {
			continue
		}
		if !found || version == "" {
			version = "1"
		}
		parts = append(parts, name+"/"+version)
	}
	return strings.Join(parts, ",")
}

func (c Chatter) badgeInfo() string {
	v, ok := c.badge("subscriber")
	if !ok {
		v, ok = c.badge("founder")
	}
	if !ok {
		return ""
	}
	if c.Months > 0 {
		v = strconv.Itoa(c.Months)
	}
	return "subscriber/" + v
}

func (c Chatter) subscriber() bool { return c.has("subscriber") || c.has("founder") }

func (c Chatter) userType() string {
	if c.has("moderator") {
		return "mod"
	}
	return ""
}

// headTags adds the badge tags that open every line about a chatter.
func (c Chatter) headTags(t *tagList) {
	t.add("badge-info", c.badgeInfo())
	t.add("badges", c.badgesTag())
}

func (o MsgOptions) id() string {
	if o.ID == "" {
		return NewMessageID()
	}
	return o.ID
}

// sourceTags adds the tags of a line Shared Chat brings from another room,
// if o asks for one; id is the line's own message id.
func (o MsgOptions) sourceTags(t *tagList, c Chatter, id string) {
	if o.SourceRoomID == "" {
		return
	}
	t.add("source-badge-info", c.badgeInfo())
	t.add("source-badges", c.badgesTag())
	t.add("source-id", id)
	t.add("source-room-id", o.SourceRoomID)
}

// knownEmotes maps a few global emote names to their Twitch ids, so built
// lines carry a plausible emotes tag.
var knownEmotes = map[string]string{
	"Kappa":           "25",
	"PogChamp":        "305954156",
	"LUL":             "425618",
	"4Head":           "354",
	"BibleThump":      "86",
	"Kreygasm":        "41",
	"SeemsGood":       "64138",
	"HeyGuys":         "30259",
	"NotLikeThis":     "58765",
	"ResidentSleeper": "245",
	"DansGame":        "33",
	"CoolStoryBob":    "123171",
	"VoHiYo":          "81274",
	"BloodTrail":      "69",
	"<3":              "555555584",
}

// emotesTag computes the emotes tag for text: id:start-end,... per emote,
// positions in code points, emotes separated by '/'.
func emotesTag(text string) string {
	type span struct{ start, end int }
	var order []string
	found := map[string][]span{}
	pos := 0
	for _, word := range strings.Split(text, " ") {
		n := len([]rune(word))
		if id, ok := knownEmotes[word]; ok {
			if _, seen := found[id]; !seen {
				order = append(order, id)
			}
			found[id] = append(found[id], span{pos, pos + n - 1})
		}
		pos += n + 1
	}
	var b strings.Builder
	for i, id := range order {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(id)
		b.WriteByte(':')
		for j, s := range found[id] {
			if j > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "%d-%d", s.start, s.end)
		}
	}
	return b.String()
}

func source(login string) string {
	return ":" + login + "!" + login + "@" + login + ".tmi.twitch.tv"
}

// PrivmsgLine formats a chat message as Twitch sends it: a PRIVMSG with the
// full set of tags (badge-info, badges, bits, color, display-name, emotes,
// first-msg, flags, id, mod, returning-chatter, room-id, subscriber,
// tmi-sent-ts, turbo, user-id, user-type and vip for VIPs). CR, LF and NUL
// in text become spaces or vanish; at zero means now.
func PrivmsgLine(channel, roomID string, c Chatter, text string, at time.Time, opt MsgOptions) string {
	login := c.login()
	text = cleanText(text)
	emotes := opt.Emotes
	if emotes == "" {
		emotes = emotesTag(text)
	}
	if opt.Action {
		text = "\x01ACTION " + text + "\x01"
	}
	var t tagList
	c.headTags(&t)
	if opt.Bits > 0 {
		t.add("bits", strconv.Itoa(opt.Bits))
	}
	t.add("color", c.Color)
	t.add("display-name", c.displayName())
	t.add("emotes", emotes)
	t.add("first-msg", b01(opt.FirstMsg))
	t.add("flags", "")
	id := opt.id()
	t.add("id", id)
	t.add("mod", b01(c.has("moderator")))
	t.add("returning-chatter", b01(opt.ReturningChatter))
	t.add("room-id", roomID)
	opt.sourceTags(&t, c, id)
	t.add("subscriber", b01(c.subscriber()))
	t.add("tmi-sent-ts", sentTS(at))
	t.add("turbo", "0")
	t.add("user-id", c.userID())
	t.add("user-type", c.userType())
	if c.has("vip") {
		t.add("vip", "1")
	}
	return t.String() + " " + source(login) + " PRIVMSG #" + channelName(channel) + " :" + text
}

// userNoticeLine formats a USERNOTICE; params are msg-param-* pairs without
// the prefix, in the order to write them.
func userNoticeLine(channel, roomID string, c Chatter, msgID string, params [][2]string, systemMsg, text string, at time.Time, opt MsgOptions) string {
	text = cleanText(text)
	var t tagList
	c.headTags(&t)
	t.add("color", c.Color)
	t.add("display-name", c.displayName())
	emotes := opt.Emotes
	if emotes == "" {
		emotes = emotesTag(text)
	}
	t.add("emotes", emotes)
	t.add("flags", "")
	id := opt.id()
	t.add("id", id)
	t.add("login", c.login())
	t.add("mod", b01(c.has("moderator")))
	t.add("msg-id", msgID)
	for _, p := range params {
		t.add("msg-param-"+p[0], p[1])
	}
	t.add("room-id", roomID)
	opt.sourceTags(&t, c, id)
	t.add("subscriber", b01(c.subscriber()))
	t.add("system-msg", systemMsg)
	t.add("tmi-sent-ts", sentTS(at))
	t.add("user-id", c.userID())
	t.add("user-type", c.userType())
	if c.has("vip") {
		t.add("vip", "1")
	}
	line := t.String() + " :tmi.twitch.tv USERNOTICE #" + channelName(channel)
	if text != "" {
		line += " :" + text
	}
	return line
}

// planTier gives the wording Twitch uses for a sub plan.
func planTier(plan string) string {
	switch plan {
	case "Prime":
		return "Prime"
	case "2000":
		return "Tier 2"
	case "3000":
		return "Tier 3"
	default:
		return "Tier 1"
	}
}

func normPlan(plan string) string {
	switch plan {
	case "Prime", "1000", "2000", "3000":
		return plan
	}
	return "1000"
}

func subPlanName(channel string) string {
	return "Channel Subscription (" + channelName(channel) + ")"
}

func subSystemMsg(c Chatter, plan string) string {
	if plan == "Prime" {
		return c.displayName() + " subscribed with Prime."
	}
	return c.displayName() + " subscribed at " + planTier(plan) + "."
}

// SubLine formats a first subscription: a USERNOTICE with msg-id=sub. plan
// is "1000", "2000", "3000" or "Prime" (anything else means "1000"); text is
// the optional message shared with it.
func SubLine(channel, roomID string, c Chatter, plan, text string, at time.Time, opt MsgOptions) string {
	plan = normPlan(plan)
	params := [][2]string{
		{"cumulative-months", "1"},
		{"months", "0"},
		{"multimonth-duration", "1"},
		{"multimonth-tenure", "0"},
		{"should-share-streak", "0"},
		{"sub-plan-name", subPlanName(channel)},
		{"sub-plan", plan},
		{"was-gifted", "false"},
	}
	return userNoticeLine(channel, roomID, c, "sub", params, subSystemMsg(c, plan), text, at, opt)
}

// ResubLine formats a renewed subscription: a USERNOTICE with msg-id=resub
// and msg-param-cumulative-months=months.
func ResubLine(channel, roomID string, c Chatter, months int, plan, text string, at time.Time, opt MsgOptions) string {
	plan = normPlan(plan)
	if months < 1 {
		months = 1
	}
	params := [][2]string{
		{"cumulative-months", strconv.Itoa(months)},
		{"months", "0"},
		{"multimonth-duration", "0"},
		{"multimonth-tenure", "0"},
		{"should-share-streak", "0"},
		{"sub-plan-name", subPlanName(channel)},
		{"sub-plan", plan},
		{"was-gifted", "false"},
	}
	sys := fmt.Sprintf("%s They've subscribed for %d months!", subSystemMsg(c, plan), months)
	return userNoticeLine(channel, roomID, c, "resub", params, sys, text, at, opt)
}

// SubGiftLine formats a gifted subscription: a USERNOTICE with
// msg-id=subgift sent on behalf of gifter, naming recipient in the
// msg-param-recipient-* tags.
func SubGiftLine(channel, roomID string, gifter, recipient Chatter, plan string, at time.Time, opt MsgOptions) string {
	plan = normPlan(plan)
	opt.ID = opt.id()
	params := [][2]string{
		{"gift-months", "1"},
		{"months", "1"},
		{"origin-id", strings.ReplaceAll(opt.ID, "-", "")},
		{"recipient-display-name", recipient.displayName()},
		{"recipient-id", recipient.userID()},
		{"recipient-user-name", recipient.login()},
		{"sender-count", "0"},
		{"sub-plan-name", subPlanName(channel)},
		{"sub-plan", plan},
	}
	sys := fmt.Sprintf("%s gifted a %s sub to %s!", gifter.displayName(), planTier(plan), recipient.displayName())
	return userNoticeLine(channel, roomID, gifter, "subgift", params, sys, "", at, opt)
}

// RaidLine formats an incoming raid: a USERNOTICE with msg-id=raid sent on
// behalf of the raiding broadcaster, with msg-param-viewerCount=viewers.
func RaidLine(channel, roomID string, raider Chatter, viewers int, at time.Time, opt MsgOptions) string {
	params := [][2]string{
		{"displayName", raider.displayName()},
		{"login", raider.login()},
		{"profileImageURL", "https://static-cdn.jtvnw.net/jtv_user_pictures/" + raider.login() + "-profile_image-70x70.png"},
		{"viewerCount", strconv.Itoa(viewers)},
	}
	sys := fmt.Sprintf("%d raiders from %s have joined!", viewers, raider.displayName())
	return userNoticeLine(channel, roomID, raider, "raid", params, sys, "", at, opt)
}

// AnnouncementLine formats a moderator announcement: a USERNOTICE with
// msg-id=announcement. color is PRIMARY, BLUE, GREEN, ORANGE or PURPLE;
// empty means PRIMARY.
func AnnouncementLine(channel, roomID string, c Chatter, color, text string, at time.Time, opt MsgOptions) string {
	if color == "" {
		color = "PRIMARY"
	}
	params := [][2]string{{"color", color}}
	return userNoticeLine(channel, roomID, c, "announcement", params, "", text, at, opt)
}

// TimeoutLine formats a timeout: a CLEARCHAT naming target, with
// ban-duration in whole seconds (at least one).
func TimeoutLine(channel, roomID string, target Chatter, d time.Duration, at time.Time) string {
	secs := int(d / time.Second)
	if secs < 1 {
		secs = 1
	}
	var t tagList
	t.add("ban-duration", strconv.Itoa(secs))
	t.add("room-id", roomID)
	t.add("target-user-id", target.userID())
	t.add("tmi-sent-ts", sentTS(at))
	return t.String() + " :tmi.twitch.tv CLEARCHAT #" + channelName(channel) + " :" + target.login()
}

// BanLine formats a permanent ban: a CLEARCHAT naming target, without
// ban-duration.
func BanLine(channel, roomID string, target Chatter, at time.Time) string {
	var t tagList
	t.add("room-id", roomID)
	t.add("target-user-id", target.userID())
	t.add("tmi-sent-ts", sentTS(at))
	return t.String() + " :tmi.twitch.tv CLEARCHAT #" + channelName(channel) + " :" + target.login()
}

// ClearChatLine formats a moderator clearing the whole chat: a CLEARCHAT
// without a target.
func ClearChatLine(channel, roomID string, at time.Time) string {
	var t tagList
	t.add("room-id", roomID)
	t.add("tmi-sent-ts", sentTS(at))
	return t.String() + " :tmi.twitch.tv CLEARCHAT #" + channelName(channel)
}

// ClearMsgLine formats the deletion of one message: a CLEARMSG with the
// author's login, the deleted message's id (target-msg-id) and its text.
func ClearMsgLine(channel, roomID, login, targetMsgID, text string, at time.Time) string {
	var t tagList
	t.add("login", safeLogin(login))
	t.add("room-id", roomID)
	t.add("target-msg-id", targetMsgID)
	t.add("tmi-sent-ts", sentTS(at))
	return t.String() + " :tmi.twitch.tv CLEARMSG #" + channelName(channel) + " :" + cleanText(text)
}

// JoinLine formats a viewer joining a channel's chat, as Twitch sends it to
// connections with the twitch.tv/membership capability.
func JoinLine(channel, login string) string {
	login = safeLogin(login)
	return source(login) + " JOIN #" + channelName(channel)
}

// PartLine formats a viewer leaving a channel's chat.
func PartLine(channel, login string) string {
	login = safeLogin(login)
	return source(login) + " PART #" + channelName(channel)
}
