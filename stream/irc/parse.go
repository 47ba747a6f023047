package irc

import (
	"strings"

	twitch "github.com/gempir/go-twitch-irc/v4"
	"github.com/hearthlive/hearth"
)

// Channel returns the channel a raw IRC line is addressed to, normalised:
// the first parameter after the command when it starts with '#', and ""
// when there is none. It reads only the line's shape, not its command, so
// it serves to sort recorded lines by channel before they are parsed.
func Channel(line string) string {
	fields := strings.Fields(line)
	i := 0
	if i < len(fields) && strings.HasPrefix(fields[i], "@") {
		i++
	}
	if i < len(fields) && strings.HasPrefix(fields[i], ":") {
		i++
	}
	if i+1 >= len(fields) || !strings.HasPrefix(fields[i+1], "#") {
		return ""
	}
	return hearth.NormalizeChannel(fields[i+1])
}

// parseLine parses one IRC line with go-twitch-irc v4.2.0's ParseMessage,
// with the same result (but for the Raw field), and turns a panic of the
// parser into a *stream.MalformedError.
//
// The parser compiles a regular expression for every line that carries a
// source (":nick!user@host"), which costs more than the rest of the parse
// of a chat line. So the source is cut from the line before parsing, and
// the one thing the library takes from it, the user part, is put back
// where the library puts it: User.Name for the messages that parse a user
// (which fall back to the display name when the user part is empty, as the
// library does for a line without a source), User for JOIN and PART. No
// other field depends on the source, and neither does any panic of the
// parser, which reads only the tags and the parameters.
// TestParseLineIsParseMessage and FuzzCutSource compare the two on every
// line they try.
func parseLine(line string) (twitch.Message, error) {
	stripped, user, ok := cutSource(line)
	if !ok {
		return parseSafely(line)
	}
	msg, err := parseSafely(stripped)
	if err != nil {
		return nil, err
	}
	switch m := msg.(type) {
	case *twitch.PrivateMessage:
		setUserName(&m.User, user)
	case *twitch.UserNoticeMessage:
		setUserName(&m.User, user)
	case *twitch.WhisperMessage:
		setUserName(&m.User, user)
	case *twitch.UserStateMessage:
		setUserName(&m.User, user)
	case *twitch.GlobalUserStateMessage:
		setUserName(&m.User, user)
	case *twitch.UserJoinMessage:
		m.User = user
	case *twitch.UserPartMessage:
		m.User = user
	}
	return msg, nil
}

func setUserName(u *twitch.User, name string) {
	if name != "" {
		u.Name = name
	}
}

// cutSource returns line without its source token, and the source's user
// part as the library reads it; ok is false when the line has no source,
// or nothing after it, or when cutting it would change how the rest
// parses.
func cutSource(line string) (stripped, user string, ok bool) {
	// The library splits the line on single spaces: an optional "@tags"
	// token, an optional ":source" token, then the command.
	tags, rest, more := strings.Cut(line, " ")
	if !strings.HasPrefix(tags, "@") {
		tags, rest, more = "", line, true
	}
	if !more {
		return "", "", false
	}
	source, after, more := strings.Cut(rest, " ")
	// Once the source is cut, the command comes where the tags or the
	// source would: one that starts as they do must keep the source.
	if !more || !strings.HasPrefix(source, ":") || strings.HasPrefix(after, ":") || strings.HasPrefix(after, "@") {
		return "", "", false
	}
	if tags == "" {
		stripped = after
	} else {
		stripped = tags + " " + after
	}
	return stripped, sourceUser(source[1:]), true
}

// sourceUser is the library's Source.Username: the second of the fields
// the source splits into at each '!' and '@', when there are at least
// three.
func sourceUser(source string) string {
	i := strings.IndexAny(source, "!@")
	if i < 0 {
		return ""
	}
	rest := source[i+1:]
	j := strings.IndexAny(rest, "!@")
	if j < 0 {
		return ""
	}
	return rest[:j]
}
