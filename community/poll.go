package community

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hearthlive/hearth"
)

// maxPointsVotesPerCmd is the most votes one "!vote option N" buys in a
// points-weighted poll.
const maxPointsVotesPerCmd = 1000

// Bounds on what a chat line quotes of a poll, in bytes, so that every
// poll line fits Twitch's 500.
const (
	lineQuestion = 100
	lineList     = 250
)

// WeightingNone is Rules.PollWeighting for one viewer, one vote.
const WeightingNone = "none"

// PollActiveWindow is how recently a viewer must have chatted to count
// toward a poll's turnout.
const PollActiveWindow = 5 * time.Minute

// PollSpec asks for a new poll, from chat or the API.
type PollSpec struct {
	Question string
	Options  []string
	// Duration is how long it stays open; 0 takes Rules.PollDuration.
	Duration time.Duration
	// StartedBy is the login of who asked, or "api".
	StartedBy string
}

// openPoll is a channel's poll and, for a chat poll, who voted what.
type openPoll struct {
	p     hearth.Poll
	votes map[string]*hearth.PollVote // by user id
}

// Validate checks a chat poll's spec against the rules, naming the field
// at fault in an EINVALID error. It trims the question and options of
// spaces and invisible characters, as commands are.
func (s *PollSpec) Validate(r Rules) error {
	s.Question = strings.TrimFunc(s.Question, cmdSeparator)
	for i := range s.Options {
		s.Options[i] = strings.TrimFunc(s.Options[i], cmdSeparator)
	}
	if s.Duration == 0 {
		s.Duration = r.PollDuration
	}
	switch {
	case s.Question == "":
		return hearth.Errorf(hearth.EINVALID, "question: a poll needs a question")
	case len(s.Question) > hearth.PollMaxQuestionLen || !validPollText(s.Question):
		return hearth.Errorf(hearth.EINVALID, "question: at most %d bytes of text, without control characters", hearth.PollMaxQuestionLen)
	case len(s.Options) < hearth.PollMinOptions || len(s.Options) > hearth.PollMaxOptions:
		return hearth.Errorf(hearth.EINVALID, "options: a poll has %d to %d options, got %d", hearth.PollMinOptions, hearth.PollMaxOptions, len(s.Options))
	case s.Duration < hearth.MinPollDuration || s.Duration > hearth.MaxPollDuration:
		return hearth.PollDurationError(strconv.FormatFloat(s.Duration.Seconds(), 'f', -1, 64))
	}
	seen := make(map[string]bool, len(s.Options))
	for i, o := range s.Options {
		switch {
		case o == "":
			return hearth.Errorf(hearth.EINVALID, "options: option %d is empty", i+1)
		case len(o) > hearth.PollMaxOptionLen || !validPollText(o):
			return hearth.Errorf(hearth.EINVALID, "options: option %d is longer than %d bytes or holds control characters", i+1, hearth.PollMaxOptionLen)
		case seen[strings.ToLower(o)]:
			return hearth.Errorf(hearth.EINVALID, "options: option %d repeats %q", i+1, o)
		}
		seen[strings.ToLower(o)] = true
	}
	return nil
}

// validPollText reports whether s can be shown as a poll's text: no
// control characters (a line break would split a chat line) and nothing
// that was invalid UTF-8.
func validPollText(s string) bool {
	return !strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) || r == utf8.RuneError })
}

// newPollID returns an id for a chat poll started at t: its Unix time in
// microseconds, made larger than the last id if the clock did not move.
func (c *Channel) newPollID(t time.Time) string {
	id := t.UnixMicro()
	if id <= c.lastPollID {
		id = c.lastPollID + 1
	}
	c.lastPollID = id
	return strconv.FormatInt(id, 10)
}

// StartPoll opens a chat poll at now, if no poll is open. It returns the
// poll, and an ECONFLICT error when a poll is open, EINVALID naming the
// field for a bad spec. The Result is what the engine must write, say and
// publish, also with an error: the clock moved to now.
func (c *Channel) StartPoll(spec PollSpec, now time.Time) (hearth.Poll, Result, error) {
	c.begin()
	c.advance(now)
	if now.Before(c.clock) {
		now = c.clock
	}
	if err := c.startPoll(spec, now); err != nil {
		return hearth.Poll{}, c.finish(), err
	}
	p := c.poll.p
	return p, c.finish(), nil
}

func (c *Channel) startPoll(spec PollSpec, now time.Time) error {
	c.closeDuePoll(now)
	if c.poll != nil && c.poll.p.Status == hearth.PollOpen {
		return hearth.Errorf(hearth.ECONFLICT, "a poll is already open in #%s (%s); end or cancel it first", c.name, c.poll.p.ID)
	}
	if err := spec.Validate(c.rules); err != nil {
		return err
	}
	p := hearth.Poll{
		Channel: c.name, ID: c.newPollID(now), Kind: hearth.PollChat, Status: hearth.PollOpen,
		Question: spec.Question, Options: slices.Clone(spec.Options),
		StartedBy: spec.StartedBy,
		StartedAt: now, EndsAt: now.Add(spec.Duration),
	}
	if c.rules.PollWeighting != WeightingNone {
		p.Weighting = c.rules.PollWeighting
	}
	if p.Weighting == hearth.PollWeightPoints {
		p.PointsPerVote = c.rules.PollPointsPerVote
	}
	p.Tally.Votes = make([]int64, len(p.Options))
	p.Tally.Scores = make([]int64, len(p.Options))
	c.poll = &openPoll{p: p, votes: make(map[string]*hearth.PollVote)}
	c.pollChanged()
	c.result.Announce = c.say("poll_started", shownText(p.Question, "", lineQuestion), c.optionList(p.Options), c.rules.CommandPrefix+CmdVote, FormatSeconds(spec.Duration))
	return nil
}

// EndPoll closes (cancel false) or cancels the open poll with id ("" for
// whichever is open) at now; ENOTFOUND when no such poll is open. The
// Result is to be applied also with an error, as StartPoll's.
func (c *Channel) EndPoll(id string, cancel bool, now time.Time) (hearth.Poll, Result, error) {
	c.begin()
	c.advance(now)
	c.closeDuePoll(c.clock)
	if c.poll == nil || c.poll.p.Status != hearth.PollOpen || id != "" && c.poll.p.ID != id {
		return hearth.Poll{}, c.finish(), hearth.Errorf(hearth.ENOTFOUND, "#%s has no open poll %s", c.name, id)
	}
	status := hearth.PollClosed
	if cancel {
		status = hearth.PollCancelled
	}
	if now.Before(c.clock) {
		now = c.clock
	}
	c.closePoll(now, status)
	p := c.poll.p
	return p, c.finish(), nil
}

// CurrentPoll returns the open poll, or the last one since the channel was
// loaded, with its tally and breakdown as they stand; false when there has
// been none.
func (c *Channel) CurrentPoll() (hearth.Poll, bool) {
	if c.poll == nil {
		return hearth.Poll{}, false
	}
	p := c.poll.p
	if p.Kind == hearth.PollChat && p.Status == hearth.PollOpen {
		p.Tally.Breakdown = c.breakdown()
	}
	return clonePoll(p), true
}

// PollState returns what the poll overlay shows at now.
func (c *Channel) PollState(now time.Time) hearth.PollState {
	st := hearth.PollState{Channel: c.name, Options: []hearth.PollOptionState{}, Winners: []int{}, Now: now}
	if c.poll == nil {
		return st
	}
	p := c.poll.p
	st.ID, st.Kind, st.Status, st.Question = p.ID, p.Kind, p.Status, hearth.DisplayText(p.Question, "")
	st.Weighting, st.EndsAt, st.ClosedAt = p.Weighting, p.EndsAt, p.ClosedAt
	st.Voters = p.Tally.Voters
	for i := range p.Options {
		os := hearth.PollOptionState{Label: optionLabel(p, i)}
		if i < len(p.Tally.Votes) {
			os.Votes = p.Tally.Votes[i]
		}
		if i < len(p.Tally.Scores) {
			os.Score = p.Tally.Scores[i]
		}
		st.Total += os.Score
		st.Options = append(st.Options, os)
	}
	st.Winners = append(st.Winners, p.Tally.Winners...)
	return st
}

// RestorePoll reloads an open poll and its votes after a restart. A poll
// whose end passed while Hearth was down is closed at once, at its end,
// with the votes it had; the result says what to write and announce.
func (c *Channel) RestorePoll(p hearth.Poll, votes []hearth.PollVote, now time.Time) Result {
	c.begin()
	op := &openPoll{p: clonePoll(p), votes: make(map[string]*hearth.PollVote, len(votes))}
	if id, err := strconv.ParseInt(p.ID, 10, 64); err == nil && id > c.lastPollID {
		c.lastPollID = id
	}
	if p.Kind == hearth.PollChat {
		op.p.Tally = hearth.PollTally{Votes: make([]int64, len(p.Options)), Scores: make([]int64, len(p.Options))}
		for i := range votes {
			v := votes[i]
			if v.Option < 0 || v.Option >= len(p.Options) {
				continue
			}
			op.votes[v.UserID] = &v
			op.p.Tally.Votes[v.Option]++
			op.p.Tally.Scores[v.Option] += v.Weight
			if vw, ok := c.viewers[v.UserID]; ok && unixNanos(v.At) > vw.lastChat {
				vw.lastChat = unixNanos(v.At)
			}
		}
		op.p.Tally.Voters = int64(len(op.votes))
	}
	c.poll = op
	c.pollChanged()
	c.closeDuePoll(now)
	return c.finish()
}

// closeDuePoll closes a chat poll whose end has come by now, and a native
// one NativeEndGrace after its end.
func (c *Channel) closeDuePoll(now time.Time) {
	if c.poll == nil || c.poll.p.Status != hearth.PollOpen {
		return
	}
	due := c.poll.p.EndsAt
	if c.poll.p.Kind == hearth.PollNative {
		due = due.Add(NativeEndGrace)
	}
	if !now.Before(due) {
		c.closePoll(c.poll.p.EndsAt, hearth.PollClosed)
	}
}

// closePoll finishes the open poll at at with status: the tally gets its
// breakdown, turnout and winners, the result is announced and alerted. A
// cancelled points-weighted poll gives every voter their points back.
func (c *Channel) closePoll(at time.Time, status string) {
	op := c.poll
	p := &op.p
	p.Status, p.ClosedAt = status, at
	if p.Kind == hearth.PollChat {
		p.Tally.Breakdown = c.breakdown()
		p.Tally.ActiveChatters = c.activeChatters(at)
		if p.Tally.ActiveChatters < p.Tally.Voters {
			p.Tally.ActiveChatters = p.Tally.Voters
		}
		if p.Tally.ActiveChatters > 0 {
			p.Tally.Turnout = float64(p.Tally.Voters) / float64(p.Tally.ActiveChatters)
		}
	}
	if status == hearth.PollCancelled {
		for _, v := range op.votes {
			if vw, ok := c.viewers[v.UserID]; ok && v.Spent > 0 {
				s := c.edit(vw)
				s.Points = min(s.Points+v.Spent, MaxBalance)
			}
		}
		if p.Kind == hearth.PollChat {
			c.result.Announce = c.say("poll_cancelled", shownText(p.Question, "", lineQuestion))
		}
	} else {
		p.Tally.Winners = winners(p.Tally.Scores)
		if p.Kind == hearth.PollChat {
			c.result.Announce = c.resultLine(*p)
		}
		c.result.Notices = append(c.result.Notices, Notice{
			Kind: NoticePollResult, DisplayName: winnerLabels(*p), Text: hearth.DisplayText(p.Question, ""), At: at,
		})
	}
	c.recapPoll(*p)
	c.pollChanged()
}

// winners returns the indexes of the highest scores, none if all are 0.
func winners(scores []int64) []int {
	best := int64(0)
	for _, s := range scores {
		best = max(best, s)
	}
	out := []int{}
	if best == 0 {
		return out
	}
	for i, s := range scores {
		if s == best {
			out = append(out, i)
		}
	}
	return out
}

// winnerLabels names the winning options as the alerts overlay shows them,
// joined by " = " on a tie.
func winnerLabels(p hearth.Poll) string {
	names := make([]string, len(p.Tally.Winners))
	for i, w := range p.Tally.Winners {
		names[i] = optionLabel(p, w)
	}
	return strings.Join(names, " = ")
}

// optionLabel is option i of p as hearth.DisplayText shows it, its number
// when it has nothing visible.
func optionLabel(p hearth.Poll, i int) string {
	return hearth.DisplayText(p.Options[i], strconv.Itoa(i+1))
}

// resultLine is the chat line announcing a closed poll.
func (c *Channel) resultLine(p hearth.Poll) string {
	t := p.Tally
	switch len(t.Winners) {
	case 0:
		return c.say("poll_no_votes", shownText(p.Question, "", lineQuestion))
	case 1:
		w := t.Winners[0]
		return c.say("poll_result", shownText(p.Question, "", lineQuestion), shownText(p.Options[w], strconv.Itoa(w+1), lineQuestion), t.Scores[w], sum(t.Scores), t.Voters)
	default:
		tied := make([]string, len(t.Winners))
		for i, w := range t.Winners {
			tied[i] = shownText(p.Options[w], strconv.Itoa(w+1), lineQuestion)
		}
		return c.say("poll_tie", shownText(p.Question, "", lineQuestion), joinShown(tied, " = ", lineList), t.Scores[t.Winners[0]], t.Voters)
	}
}

func sum(xs []int64) int64 {
	var n int64
	for _, x := range xs {
		n += x
	}
	return n
}

// breakdown counts, per option, the open chat poll's votes from
// subscribers, from newcomers and from each rank.
func (c *Channel) breakdown() []hearth.PollBreakdown {
	out := make([]hearth.PollBreakdown, len(c.poll.p.Options))
	for i := range out {
		out[i].Ranks = map[string]int64{}
	}
	for _, v := range c.poll.votes {
		b := &out[v.Option]
		if v.Subscriber {
			b.Subscribers++
		}
		if v.Newcomer {
			b.Newcomers++
		}
		b.Ranks[v.Rank]++
	}
	return out
}

// activeChatters counts the viewers (bots left out) who chatted within
// PollActiveWindow before at.
func (c *Channel) activeChatters(at time.Time) int64 {
	cutoff := unixNanos(at.Add(-PollActiveWindow))
	var n int64
	for _, v := range c.viewers {
		if !c.isBot(v) && v.lastChat >= cutoff && v.lastChat != 0 {
			n++
		}
	}
	return n
}

func (c *Channel) pollChanged() {
	p := clonePoll(c.poll.p)
	c.result.Poll = &p
	c.result.PollChanged = true
}

func clonePoll(p hearth.Poll) hearth.Poll {
	p.Options = slices.Clone(p.Options)
	p.Tally.Votes = slices.Clone(p.Tally.Votes)
	p.Tally.Scores = slices.Clone(p.Tally.Scores)
	p.Tally.Winners = slices.Clone(p.Tally.Winners)
	p.Tally.Breakdown = slices.Clone(p.Tally.Breakdown)
	return p
}

// optionList is a chat line's list of options: "1) Dust 2) Inferno", as
// many whole options as fit.
func (c *Channel) optionList(options []string) string {
	parts := make([]string, len(options))
	for i, o := range options {
		n := strconv.Itoa(i + 1)
		parts[i] = n + ") " + shownText(o, n, lineQuestion)
	}
	return joinShown(parts, " ", lineList)
}

// FormatSeconds writes a poll duration as chat reads it: "90s", "2m",
// "1m30s".
func FormatSeconds(d time.Duration) string {
	d = d.Round(time.Second)
	m, s := int64(d/time.Minute), int64(d%time.Minute/time.Second)
	switch {
	case m == 0:
		return fmt.Sprintf("%ds", s)
	case s == 0:
		return fmt.Sprintf("%dm", m)
	}
	return fmt.Sprintf("%dm%ds", m, s)
}

// choose finds the option arg names: its number, its label, or a unique
// prefix of one label (case-insensitive). It returns the index, or the
// reason it names none.
func (c *Channel) choose(arg string) (int, string) {
	opts := c.poll.p.Options
	arg = strings.TrimFunc(arg, cmdSeparator)
	if arg == "" {
		return 0, RejectBadOption
	}
	if n, reason := cmdParseAmount(arg); reason == "" || strings.Trim(arg, "0123456789") == "" {
		if reason != "" || n > int64(len(opts)) {
			return 0, RejectBadOption
		}
		return int(n - 1), ""
	}
	low := strings.ToLower(arg)
	for i, o := range opts {
		if strings.ToLower(o) == low {
			return i, ""
		}
	}
	found := -1
	for i, o := range opts {
		if strings.HasPrefix(strings.ToLower(o), low) {
			if found >= 0 {
				return 0, RejectAmbiguous
			}
			found = i
		}
	}
	if found < 0 {
		return 0, RejectBadOption
	}
	return found, ""
}

// vote applies one viewer's vote and sets Result.PollVote. With points
// weighting, "!vote mirage 3" buys 3 votes; the points are taken in the
// same result as the vote, and a changed vote first gets back what the
// previous one cost.
func (c *Channel) vote(ev hearth.Event, arg string, command bool) (rejected string) {
	r := c.result
	if c.poll == nil || c.poll.p.Status != hearth.PollOpen || c.poll.p.Kind != hearth.PollChat {
		if c.poll != nil && c.poll.p.Status != hearth.PollOpen {
			r.PollVote = hearth.VoteLate
			return RejectPollClosed
		}
		r.PollVote = hearth.VoteInvalid
		return RejectNoPoll
	}
	voter := c.viewers[ev.User.ID]
	if voter == nil || c.isBot(voter) {
		r.PollVote = hearth.VoteBot
		return RejectBot
	}
	p := &c.poll.p
	count := int64(1)
	option, reason := c.choose(arg)
	if reason != "" && command && p.Weighting == hearth.PollWeightPoints {
		// "!vote mirage 3": the last word buys votes.
		if i := strings.LastIndexFunc(strings.TrimFunc(arg, cmdSeparator), cmdSeparator); i > 0 {
			trimmed := strings.TrimFunc(arg, cmdSeparator)
			if n, bad := cmdParseAmount(trimmed[i+1:]); bad == "" && n <= maxPointsVotesPerCmd {
				if o, why := c.choose(trimmed[:i]); why == "" {
					option, reason, count = o, "", n
				}
			}
		}
	}
	if reason != "" {
		r.PollVote = hearth.VoteInvalid
		return reason
	}
	prev := c.poll.votes[ev.User.ID]
	if prev != nil && (!c.rules.PollAllowChange || prev.Option == option && (p.Weighting != hearth.PollWeightPoints || prev.Weight == count)) {
		r.PollVote = hearth.VoteDuplicate
		return ""
	}
	weight, spent := int64(1), int64(0)
	switch p.Weighting {
	case hearth.PollWeightRank:
		weight = int64(c.rules.rankIndex(c.rules.rankValue(voter.stats))) + 1
	case hearth.PollWeightPoints:
		weight, spent = count, count*p.PointsPerVote
		refund := int64(0)
		if prev != nil {
			refund = prev.Spent
		}
		if voter.stats.Points+refund < spent {
			r.PollVote = hearth.VoteInvalid
			return RejectInsufficient
		}
		if spent != refund {
			c.edit(voter).Points += refund - spent
		}
		if spent > refund {
			c.recap.totals.PointsPollsTotal += spent - refund
		}
	}
	v := &hearth.PollVote{
		Channel: c.name, PollID: p.ID, UserID: ev.User.ID, Login: voter.stats.Login,
		Option: option, Weight: weight, Spent: spent,
		Subscriber: ev.Roles.Has(hearth.RoleSubscriber),
		Newcomer:   c.live && !voter.stats.FirstSeen.Before(c.stream.StartedAt),
		Rank:       c.rules.RankOf(voter.stats).Name,
		At:         c.clock,
	}
	r.PollVote = hearth.VoteAccepted
	if prev != nil {
		r.PollVote = hearth.VoteChanged
		p.Tally.Votes[prev.Option]--
		p.Tally.Scores[prev.Option] -= prev.Weight
	} else {
		p.Tally.Voters++
	}
	p.Tally.Votes[option]++
	p.Tally.Scores[option] += weight
	c.poll.votes[ev.User.ID] = v
	r.PollVotes = append(r.PollVotes, *v)
	r.PollChanged = true
	return ""
}

// forgetVote drops a forgotten viewer's vote from the open poll.
func (c *Channel) forgetVote(userID string) {
	if c.poll == nil || c.poll.p.Status != hearth.PollOpen {
		return
	}
	if v, ok := c.poll.votes[userID]; ok {
		t := &c.poll.p.Tally
		t.Votes[v.Option]--
		t.Scores[v.Option] -= v.Weight
		t.Voters--
		delete(c.poll.votes, userID)
	}
}

// validatePolls checks the poll rules, naming the configuration key.
func (r Rules) validatePolls() error {
	switch {
	case r.PollDuration < hearth.MinPollDuration || r.PollDuration > hearth.MaxPollDuration:
		return fmt.Errorf("polls.duration must be between %s and %s, got %s", hearth.MinPollDuration, hearth.MaxPollDuration, r.PollDuration)
	case r.PollWeighting != WeightingNone && r.PollWeighting != hearth.PollWeightRank && r.PollWeighting != hearth.PollWeightPoints:
		return fmt.Errorf("polls.weighting must be none, rank or points, got %q", r.PollWeighting)
	case r.PollPointsPerVote < 1 || r.PollPointsPerVote > maxAward:
		return fmt.Errorf("polls.points_per_vote must be between 1 and %d, got %d", maxAward, r.PollPointsPerVote)
	}
	return nil
}
