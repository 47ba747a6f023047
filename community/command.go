package community

import (
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

// CommandNames lists every command Hearth answers, in a fixed order, for
// registering metric labels and for help texts. Callers must not modify it.
var CommandNames = []string{
	CmdPoints, CmdRank, CmdTop, CmdStreak, CmdWatchtime, CmdGive, CmdAddPoints, CmdRemovePoints,
}

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
// UsageError.Reason and the bounded label values of the usage-errors metric.
const (
	ReasonBadAmount      = "bad_amount"       // not a positive whole number in ASCII digits
	ReasonAmountTooLarge = "amount_too_large" // a whole number above MaxAmount
	ReasonMissingTarget  = "missing_target"   // the command needs a @user and has none
	ReasonBadTarget      = "bad_target"       // the @user cannot be a Twitch login
	ReasonMissingAmount  = "missing_amount"   // the command needs an amount and has none
	ReasonTooManyArgs    = "too_many_args"    // words after the last argument
)

// UsageReasons lists every UsageError reason, for registering metric
// labels. Callers must not modify it.
var UsageReasons = []string{
	ReasonBadAmount, ReasonAmountTooLarge, ReasonMissingTarget,
	ReasonBadTarget, ReasonMissingAmount, ReasonTooManyArgs,
}

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

// ParseCommand parses text as one of Hearth's commands. Names are matched
// without regard to ASCII case; arguments are separated by any run of
// spaces or invisible characters (which some chat clients append to
// messages); a target may carry a leading '@'.
//
// ok is false when text is not Hearth's: not a command at all, or another
// bot's command; Hearth then says nothing. When ok is true and err is not
// nil, the command is Hearth's but malformed: err is a *UsageError, cmd.Name
// is set, and the reply is Usage(prefix, cmd.Name).
//
// Syntax, with "@user" a Twitch login with or without '@', and "N" a
// positive whole number in ASCII digits (no sign, separator or exponent) of
// at most MaxAmount:
//
//	points [@user]   rank [@user]   streak [@user]   watchtime [@user]
//	top [N]          (N above MaxTop is lowered to MaxTop)
//	give @user N     addpoints @user N     removepoints @user N
func ParseCommand(prefix, text string) (cmd Command, ok bool, err error) {
	rest, ok := cmdAfterPrefix(prefix, text)
	if !ok {
		return Command{}, false, nil
	}
	word, rest := cmdNextField(rest)
	name := cmdLookup(word)
	if name == "" {
		return Command{}, false, nil
	}
	cmd.Name = name
	fail := func(reason string) (Command, bool, error) {
		return Command{Name: name}, true, &UsageError{Command: name, Reason: reason}
	}

	// Three slots are enough to tell "too many" from the most any command takes.
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

	switch name {
	case CmdPoints, CmdRank, CmdStreak, CmdWatchtime:
		switch n {
		case 0:
			return cmd, true, nil
		case 1:
			target, ok := cmdParseTarget(args[0])
			if !ok {
				return fail(ReasonBadTarget)
			}
			cmd.Target = target
			return cmd, true, nil
		}
		return fail(ReasonTooManyArgs)

	case CmdTop:
		switch n {
		case 0:
			cmd.Amount = DefaultTop
			return cmd, true, nil
		case 1:
			amount, reason := cmdParseAmount(args[0])
			switch {
			case reason == ReasonBadAmount:
				return fail(reason)
			case reason == ReasonAmountTooLarge || amount > MaxTop:
				amount = MaxTop
			}
			cmd.Amount, cmd.HasAmount = amount, true
			return cmd, true, nil
		}
		return fail(ReasonTooManyArgs)

	default: // give, addpoints, removepoints
		switch n {
		case 0:
			return fail(ReasonMissingTarget)
		case 1:
			return fail(cmdLoneArgReason(args[0]))
		case 2:
			target, ok := cmdParseTarget(args[0])
			if !ok {
				return fail(ReasonBadTarget)
			}
			amount, reason := cmdParseAmount(args[1])
			if reason != "" {
				return fail(reason)
			}
			cmd.Target, cmd.Amount, cmd.HasAmount = target, amount, true
			return cmd, true, nil
		}
		return fail(ReasonTooManyArgs)
	}
}

// Usage returns the one-line syntax of command name with the configured
// prefix, such as "!give @user amount", or "" when name is not one of
// CommandNames.
func Usage(prefix, name string) string {
	var args string
	switch name {
	case CmdPoints, CmdRank, CmdStreak, CmdWatchtime:
		args = " [@user]"
	case CmdTop:
		args = " [1-" + strconv.Itoa(MaxTop) + "]"
	case CmdGive, CmdAddPoints, CmdRemovePoints:
		args = " @user amount"
	default:
		return ""
	}
	return prefix + name + args
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

// cmdLookup returns the command word names, or "" when it names none of
// Hearth's. Only ASCII case is folded: under Unicode folding the Kelvin
// sign would turn "ran\u212A" into "rank".
func cmdLookup(word string) string {
	if !cmdIsASCII(word) {
		return ""
	}
	for _, name := range [...]string{CmdPoints, CmdRank, CmdTop, CmdStreak, CmdWatchtime, CmdGive, CmdAddPoints, CmdRemovePoints} {
		if strings.EqualFold(word, name) {
			return name
		}
	}
	return ""
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
