package community

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hearthlive/hearth"
)

// Command names, which are also the bounded label values of the commands
// metric.
const (
	CmdPoints       = "points"
	CmdRank         = "rank"
	CmdTop          = "top"
	CmdStreak       = "streak"
	CmdWatchtime    = "watchtime"
	CmdGive         = "give"
	CmdAddPoints    = "addpoints"
	CmdRemovePoints = "removepoints"
)

// CommandNames lists every command Hearth answers, in the order of the
// command table, for registering metric labels and for help texts.
// Callers must not modify it.
var CommandNames []string

// MaxAmount is the largest amount of points one command can give, add or
// remove: one billion. Balances are int64, so no sum of such amounts a
// channel can realistically see overflows.
const MaxAmount = 1_000_000_000

// DefaultTop is how many viewers !top lists when no count is given; MaxTop
// is the most it lists (a larger count is lowered to MaxTop, so the reply
// fits one chat line).
const (
	DefaultTop = 5
	MaxTop     = 10
)

// Reasons a command of Hearth's is malformed: the values of
// UsageError.Reason, which the engine reports as the reason label of the
// rejected-commands metric.
const (
	ReasonBadAmount      = "bad_amount"       // not a positive whole number in ASCII digits
	ReasonAmountTooLarge = "amount_too_large" // a whole number above MaxAmount
	ReasonMissingTarget  = "missing_target"   // the command needs a @user and has none
	ReasonBadTarget      = "bad_target"       // the @user cannot be a Twitch login
	ReasonMissingAmount  = "missing_amount"   // the command needs an amount and has none
	ReasonTooManyArgs    = "too_many_args"    // words after the last argument
)

// UsageReasons lists every UsageError reason. Callers must not modify it.
var UsageReasons = []string{
	ReasonBadAmount, ReasonAmountTooLarge, ReasonMissingTarget,
	ReasonBadTarget, ReasonMissingAmount, ReasonTooManyArgs,
}

// Reasons a command is refused, beside the UsageError reasons; they are
// bounded metric label values, declared per command by CommandRejections.
const (
	RejectPermission   = "permission"
	RejectInsufficient = "insufficient_points"
	RejectSelf         = "self"
	RejectBot          = "bot"
	RejectUnknown      = "unknown_viewer"
)

// Command is one parsed chat command.
type Command struct {
	// Name is one of CommandNames.
	Name string
	// Target is the lower-case login the command is about, without '@',
	// or "" when none was given (the command is then about the sender).
	Target string
	// Amount is the points to give, add or remove (1 to MaxAmount), or for
	// !top how many viewers to list (1 to MaxTop, DefaultTop when none was
	// given); 0 for the other commands.
	Amount int64
	// HasAmount reports whether the message itself carried the amount.
	HasAmount bool
	// Text is what follows the name of a command that takes free text,
	// trimmed of surrounding spaces and invisible characters and otherwise
	// as written; "" for the other commands.
	Text string
}

// argShape is the shape of a command's arguments, which decides how
// ParseCommand reads them.
type argShape int

const (
	argsNone          argShape = iota // nothing after the name
	argsOptionalUser                  // [@user]: Command.Target
	argsOptionalCount                 // [N]: Command.Amount, within the spec's bounds
	argsUserAmount                    // @user N: Command.Target and Command.Amount
	argsText                          // free text, possibly empty: Command.Text
)

// handler carries out a well-formed, permitted command from ev on the
// channel: it returns the reply ("" for none) and, when the command is
// refused, the bounded reason.
type handler func(c *Channel, ev hearth.Event, cmd Command) (rejected, reply string)

// commandSpec declares one of Hearth's chat commands. The table of them,
// commands, is the only place a command is declared: parsing, usage lines,
// permissions, metric labels and the reply keys every language must have
// all follow from it.
type commandSpec struct {
	name       string   // canonical, lower-case ASCII: the metric label and the usage line's
	aliases    []string // other names that run it, lower-case ASCII
	permission permission
	args       argShape
	// usage is the syntax of the arguments after the name ("@user
	// amount"), "" when it takes none.
	usage string
	// defaultCount and maxCount bound an argsOptionalCount argument: none
	// gives defaultCount, a larger one is lowered to maxCount.
	defaultCount, maxCount int64
	// replies are the reply keys (see Say) that run answers with.
	replies []string
	// refuses are the reasons run may refuse the command with. With the
	// usage reasons of args, the permission and the cooldowns they are
	// every reason the command can be rejected for (see
	// CommandRejections).
	refuses []string
	run     handler
	// uncooled commands skip the cooldowns (a vote must always count);
	// their handler applies them to any reply it makes.
	uncooled bool
}

// commands is the command table, in the order of CommandNames. It is set
// in init rather than in its declaration because a handler may refer back
// to the table (to name another command's usage), which Go would refuse as
// an initialisation cycle.
var commands commandTable

func init() {
	commands = commandTable{
		{name: CmdPoints, permission: everyone, args: argsOptionalUser, usage: "[@user]",
			replies: []string{"points", "unknown_viewer"}, refuses: []string{RejectUnknown}, run: about((*Channel).pointsLine)},
		{name: CmdRank, permission: everyone, args: argsOptionalUser, usage: "[@user]",
			replies: []string{"rank", "rank_top", "unknown_viewer"}, refuses: []string{RejectUnknown}, run: about((*Channel).rankLine)},
		{name: CmdTop, permission: everyone, args: argsOptionalCount, usage: "[1-" + strconv.Itoa(MaxTop) + "]",
			defaultCount: DefaultTop, maxCount: MaxTop, replies: []string{"top", "top_empty"}, run: (*Channel).top},
		{name: CmdStreak, permission: everyone, args: argsOptionalUser, usage: "[@user]",
			replies: []string{"streak", "unknown_viewer"}, refuses: []string{RejectUnknown}, run: about((*Channel).streakLine)},
		{name: CmdWatchtime, permission: everyone, args: argsOptionalUser, usage: "[@user]",
			replies: []string{"watchtime", "unknown_viewer"}, refuses: []string{RejectUnknown}, run: about((*Channel).watchtimeLine)},
		{name: CmdGive, permission: everyone, args: argsUserAmount, usage: "@user amount",
			replies: []string{"give_ok", "give_insufficient", "give_self", "give_bot", "unknown_viewer"},
			refuses: []string{RejectSelf, RejectBot, RejectUnknown, RejectInsufficient}, run: (*Channel).give},
		{name: CmdAddPoints, permission: moderators, args: argsUserAmount, usage: "@user amount",
			replies: []string{"addpoints_ok", "give_bot", "unknown_viewer"}, refuses: []string{RejectUnknown, RejectBot}, run: (*Channel).addPoints},
		{name: CmdRemovePoints, permission: moderators, args: argsUserAmount, usage: "@user amount",
			replies: []string{"removepoints_ok", "give_bot", "unknown_viewer"}, refuses: []string{RejectUnknown, RejectBot}, run: (*Channel).removePoints},
		{name: CmdPoll, permission: moderators, args: argsText, usage: "Question | option | option ... [duration]",
			replies: []string{"poll_started", "poll_running", "poll_invalid"}, refuses: []string{RejectPollRunning, RejectBadPoll}, run: (*Channel).pollCommand},
		{name: CmdVote, permission: everyone, args: argsText, usage: "number|option", uncooled: true,
			replies: []string{"vote_ambiguous", "vote_usage"},
			refuses: []string{RejectNoPoll, RejectPollClosed, RejectBot, RejectAmbiguous, RejectBadOption, RejectInsufficient}, run: (*Channel).voteCommand},
		{name: CmdEndPoll, permission: moderators, args: argsNone,
			replies: []string{"poll_none", "poll_result", "poll_tie", "poll_no_votes"}, refuses: []string{RejectNoPoll}, run: endPollCommand(false)},
		{name: CmdCancelPoll, permission: moderators, args: argsNone,
			replies: []string{"poll_none", "poll_cancelled"}, refuses: []string{RejectNoPoll}, run: endPollCommand(true)},
		{name: CmdSegment, permission: moderators, args: argsText, usage: "start name|end",
			replies: []string{"segment_started", "segment_ended", "segment_running", "segment_none", "segment_invalid", "segment_too_many", "segment_offline"},
			refuses: []string{RejectBadSegment, RejectOffline, RejectSegmentRunning, RejectSegmentNames, RejectNoSegment}, run: (*Channel).segmentCommand},
	}
	CommandNames = commands.names()
}

// command runs a chat command from ev, if it is one of Hearth's or a bare
// vote (a message that is only a poll option), filling the result's Reply,
// Command and Rejected. Replies go out through the rate-limited sender; a
// refused permission or a cooldown gets no reply at all, so nobody can make
// the bot spam.
func (c *Channel) command(ev hearth.Event) {
	if c.bots[ev.User.Login] && ev.User.Login != c.name {
		c.botVote(ev)
		return // other bots (and our own) are never answered
	}
	spec, cmd, ok, err := commands.parse(c.rules.CommandPrefix, ev.Text)
	if !ok {
		c.bareVote(ev)
		return
	}
	r := c.result
	r.Command = spec.name
	var ue *UsageError
	if errors.As(err, &ue) {
		r.Rejected = ue.Reason
		if allowed, _ := c.cmds.Allow(spec.name, ev.User.ID, ev.Roles, ev.Time); allowed {
			r.Reply = c.say("usage", spec.usageLine(c.rules.CommandPrefix))
		}
		return
	}
	if !spec.permission.allows(ev.Roles) {
		r.Rejected = RejectPermission
		return
	}
	if spec.uncooled {
		r.Rejected, r.Reply = spec.run(c, ev, cmd)
		return
	}
	if allowed, reason := c.cmds.Allow(spec.name, ev.User.ID, ev.Roles, ev.Time); !allowed {
		r.Rejected = reason
		return
	}
	r.Rejected, r.Reply = spec.run(c, ev, cmd)
}

// botVote counts a vote from a bot, which is never counted.
func (c *Channel) botVote(ev hearth.Event) {
	if c.poll == nil {
		return
	}
	if spec, _, ok, _ := commands.parse(c.rules.CommandPrefix, ev.Text); ok && spec.name == CmdVote || c.isBareVote(ev.Text) {
		c.result.PollVote = hearth.VoteBot
	}
}

// bareVote counts a message that is only an option's number or label as a
// vote, when the rules allow it and a chat poll is open. It reports
// whether the message was one.
func (c *Channel) bareVote(ev hearth.Event) bool {
	if !c.isBareVote(ev.Text) {
		return false
	}
	c.result.Command = CmdVote
	c.result.Rejected = c.vote(ev, ev.Text, false)
	return true
}

// isBareVote reports whether text would be a bare vote now: bare votes on,
// a chat poll open, and the whole text an option's number or label.
func (c *Channel) isBareVote(text string) bool {
	if !c.rules.PollBareVotes || c.poll == nil || c.poll.p.Kind != hearth.PollChat || c.poll.p.Status != hearth.PollOpen {
		return false
	}
	text = strings.TrimFunc(text, cmdSeparator)
	if n, reason := cmdParseAmount(text); reason == "" {
		return n <= int64(len(c.poll.p.Options))
	}
	for _, o := range c.poll.p.Options {
		if strings.EqualFold(o, text) {
			return true
		}
	}
	return false
}

// commandTable is a set of command specs.
type commandTable []commandSpec

// CommandRejections returns, for each of CommandNames, every reason
// Result.Rejected can carry when that command is refused, as the command
// table declares it: the usage reasons its arguments can raise, permission
// for a moderators' command, the cooldowns for any other unless it skips
// them, and the refusals of its handler. These pairs, and only these, are the series the
// rejected-commands metric declares. The caller owns the returned map.
func CommandRejections() map[string][]string {
	out := make(map[string][]string, len(commands))
	for i := range commands {
		out[commands[i].name] = commands[i].rejections()
	}
	return out
}

// rejections is every reason s can be refused for; see CommandRejections.
func (s *commandSpec) rejections() []string {
	out := slices.Clone(s.args.usageReasons())
	switch {
	case s.permission != everyone:
		// Only moderators and the broadcaster may run it, and cooldowns
		// never hold them back.
		out = append(out, RejectPermission)
	case !s.uncooled:
		out = append(out, CooldownUser, CooldownGlobal)
	}
	return append(out, s.refuses...)
}

// usageReasons are the UsageError reasons parseArgs can give for a.
func (a argShape) usageReasons() []string {
	switch a {
	case argsNone:
		return []string{ReasonTooManyArgs}
	case argsOptionalUser:
		return []string{ReasonBadTarget, ReasonTooManyArgs}
	case argsOptionalCount:
		return []string{ReasonBadAmount, ReasonTooManyArgs}
	case argsUserAmount:
		return []string{ReasonMissingTarget, ReasonBadTarget, ReasonMissingAmount, ReasonBadAmount, ReasonAmountTooLarge, ReasonTooManyArgs}
	}
	return nil
}

func (t commandTable) names() []string {
	names := make([]string, len(t))
	for i, s := range t {
		names[i] = s.name
	}
	return names
}

// byName returns the spec whose canonical name is name, or nil.
func (t commandTable) byName(name string) *commandSpec {
	for i := range t {
		if t[i].name == name {
			return &t[i]
		}
	}
	return nil
}

// lookup returns the spec that command word names, by its name or an
// alias, or nil when it names none of Hearth's. Only ASCII case is folded:
// under Unicode folding the Kelvin sign would turn "ran\u212A" into "rank".
func (t commandTable) lookup(word string) *commandSpec {
	if !cmdIsASCII(word) {
		return nil
	}
	for i := range t {
		if strings.EqualFold(word, t[i].name) {
			return &t[i]
		}
		for _, a := range t[i].aliases {
			if strings.EqualFold(word, a) {
				return &t[i]
			}
		}
	}
	return nil
}

// UsageError says that a message is one of Hearth's commands but is
// malformed. The bot answers it with the command's usage (see Usage).
type UsageError struct {
	// Command is the command's name, one of CommandNames.
	Command string
	// Reason is what is wrong, one of UsageReasons.
	Reason string
}

// Error implements the error interface.
func (e *UsageError) Error() string {
	return "community: malformed " + e.Command + " command: " + e.Reason
}

// ValidPrefix reports whether prefix can start commands: 1 to 3 characters
// (runes) of valid UTF-8, none of them a space, an invisible or control
// character, or '@'. IsCommand and ParseCommand report false for any other
// prefix.
func ValidPrefix(prefix string) bool {
	if prefix == "" || !utf8.ValidString(prefix) || utf8.RuneCountInString(prefix) > 3 {
		return false
	}
	for _, r := range prefix {
		if r == '@' || cmdSeparator(r) {
			return false
		}
	}
	return true
}

// IsCommand reports whether text is a chat command for any bot, Hearth or
// another: its first word (after any spaces or invisible characters) is
// prefix followed immediately by a letter or '#'. So "!points" and
// "!#showemote" are commands, while "!", "! hi" and "!!!" are not. The
// caller awards no loyalty points for commands.
func IsCommand(prefix, text string) bool {
	_, ok := cmdAfterPrefix(prefix, text)
	return ok
}

// ParseCommand parses text as one of Hearth's commands, by its name or an
// alias. Names are matched without regard to ASCII case; arguments are
// separated by any run of spaces or invisible characters (which some chat
// clients append to messages); a target may carry a leading '@'. A command
// that takes free text gets the rest of the message as written.
//
// ok is false when text is not Hearth's: not a command at all, or another
// bot's command; Hearth then says nothing. When ok is true and err is not
// nil, the command is Hearth's but malformed: err is a *UsageError, cmd.Name
// is set, and the reply is Usage(prefix, cmd.Name).
//
// Each command's syntax is its Usage line, with "@user" a Twitch login with
// or without '@', and "amount" or a count a positive whole number in ASCII
// digits (no sign, separator or exponent) of at most MaxAmount; a count
// above the command's largest is lowered to it (!top 50 lists MaxTop).
func ParseCommand(prefix, text string) (cmd Command, ok bool, err error) {
	_, cmd, ok, err = commands.parse(prefix, text)
	return cmd, ok, err
}

// parse is ParseCommand over the table t, also returning the spec matched
// (nil when ok is false).
func (t commandTable) parse(prefix, text string) (*commandSpec, Command, bool, error) {
	rest, ok := cmdAfterPrefix(prefix, text)
	if !ok {
		return nil, Command{}, false, nil
	}
	word, rest := cmdNextField(rest)
	spec := t.lookup(word)
	if spec == nil {
		return nil, Command{}, false, nil
	}
	cmd, reason := spec.parseArgs(rest)
	if reason != "" {
		return spec, Command{Name: spec.name}, true, &UsageError{Command: spec.name, Reason: reason}
	}
	return spec, cmd, true, nil
}

// parseArgs reads what follows the command's name, returning the command
// or the UsageError reason it is malformed.
func (s *commandSpec) parseArgs(rest string) (Command, string) {
	cmd := Command{Name: s.name}
	if s.args == argsText {
		cmd.Text = strings.TrimFunc(rest, cmdSeparator)
		return cmd, ""
	}

	// Three slots are enough to tell "too many" from the most any shape takes.
	var args [3]string
	n := 0
	for n < len(args) {
		var f string
		if f, rest = cmdNextField(rest); f == "" {
			break
		}
		args[n] = f
		n++
	}

	switch s.args {
	case argsNone:
		if n == 0 {
			return cmd, ""
		}

	case argsOptionalUser:
		switch n {
		case 0:
			return cmd, ""
		case 1:
			target, ok := cmdParseTarget(args[0])
			if !ok {
				return cmd, ReasonBadTarget
			}
			cmd.Target = target
			return cmd, ""
		}

	case argsOptionalCount:
		switch n {
		case 0:
			cmd.Amount = s.defaultCount
			return cmd, ""
		case 1:
			amount, reason := cmdParseAmount(args[0])
			switch {
			case reason == ReasonBadAmount:
				return cmd, reason
			case reason == ReasonAmountTooLarge || amount > s.maxCount:
				amount = s.maxCount
			}
			cmd.Amount, cmd.HasAmount = amount, true
			return cmd, ""
		}

	case argsUserAmount:
		switch n {
		case 0:
			return cmd, ReasonMissingTarget
		case 1:
			return cmd, cmdLoneArgReason(args[0])
		case 2:
			target, ok := cmdParseTarget(args[0])
			if !ok {
				return cmd, ReasonBadTarget
			}
			amount, reason := cmdParseAmount(args[1])
			if reason != "" {
				return cmd, reason
			}
			cmd.Target, cmd.Amount, cmd.HasAmount = target, amount, true
			return cmd, ""
		}
	}
	return cmd, ReasonTooManyArgs
}

// Usage returns the one-line syntax of command name with the configured
// prefix, such as "!give @user amount", or "" when name is not one of
// CommandNames.
func Usage(prefix, name string) string {
	s := commands.byName(name)
	if s == nil {
		return ""
	}
	return s.usageLine(prefix)
}

func (s *commandSpec) usageLine(prefix string) string {
	if s.usage == "" {
		return prefix + s.name
	}
	return prefix + s.name + " " + s.usage
}

// cmdAfterPrefix returns what follows prefix in text when text is a command
// in the sense of IsCommand.
func cmdAfterPrefix(prefix, text string) (string, bool) {
	if !ValidPrefix(prefix) {
		return "", false
	}
	text = strings.TrimLeftFunc(text, cmdSeparator)
	rest, found := strings.CutPrefix(text, prefix)
	if !found {
		return "", false
	}
	r, _ := utf8.DecodeRuneInString(rest)
	if cmdSeparator(r) || !(r == '#' || unicode.IsLetter(r)) {
		return "", false
	}
	return rest, true
}

// cmdSeparator reports whether r separates the words of a command: white
// space, control characters, and the invisible characters chat clients add
// to dodge Twitch's duplicate-message check or to pad messages (format
// characters such as zero-width spaces, the tag block U+E0000..U+E007F,
// U+034F combining grapheme joiner, the Braille blank and Hangul fillers).
func cmdSeparator(r rune) bool {
	switch {
	case unicode.IsSpace(r), unicode.Is(unicode.Cc, r), unicode.Is(unicode.Cf, r):
		return true
	case r >= 0xE0000 && r <= 0xE007F:
		return true
	}
	switch r {
	case '\u034F', '\u115F', '\u1160', '\u2800', '\u3164', '\uFFA0':
		return true
	}
	return false
}

// cmdNextField returns the first word of s and what follows it.
func cmdNextField(s string) (field, rest string) {
	s = strings.TrimLeftFunc(s, cmdSeparator)
	if i := strings.IndexFunc(s, cmdSeparator); i >= 0 {
		return s[:i], s[i:]
	}
	return s, ""
}

// cmdParseTarget returns the login arg names: one optional '@', then a
// Twitch login in any ASCII case.
func cmdParseTarget(arg string) (string, bool) {
	login := strings.TrimPrefix(arg, "@")
	if !cmdIsASCII(login) {
		return "", false
	}
	login = strings.ToLower(login)
	if !hearth.ValidLogin(login) {
		return "", false
	}
	return login, true
}

// cmdParseAmount parses a positive whole number of at most MaxAmount. It
// returns the reason ("" or ReasonBadAmount or ReasonAmountTooLarge) when
// arg is not one; arbitrarily long digit strings are refused without
// overflow.
func cmdParseAmount(arg string) (int64, string) {
	for i := 0; i < len(arg); i++ {
		if arg[i] < '0' || arg[i] > '9' {
			return 0, ReasonBadAmount
		}
	}
	digits := strings.TrimLeft(arg, "0")
	switch {
	case digits == "":
		return 0, ReasonBadAmount
	case len(digits) > len(strconv.Itoa(MaxAmount)):
		return 0, ReasonAmountTooLarge
	}
	// At most ten digits: no int64 overflow.
	var n int64
	for i := 0; i < len(digits); i++ {
		n = n*10 + int64(digits[i]-'0')
	}
	if n > MaxAmount {
		return 0, ReasonAmountTooLarge
	}
	return n, ""
}

// cmdLoneArgReason says what a give-like command with one argument lacks:
// the target when the argument is all digits (a login of digits alone is
// possible, but "!give 50" far more likely forgot the user), the amount
// when it is a target.
func cmdLoneArgReason(arg string) string {
	if strings.Trim(arg, "0123456789") == "" {
		return ReasonMissingTarget
	}
	if _, ok := cmdParseTarget(arg); ok {
		return ReasonMissingAmount
	}
	return ReasonBadTarget
}

func cmdIsASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
