package stream

import (
	"math"
	"strings"
	"unicode/utf8"
)

// parserPanics reports whether go-twitch-irc v4.2.0's ParseMessage panics
// on line, one IRC line without its line ending. It reads the line in
// place and allocates nothing unless the badges or emotes tag holds a
// backslash escape, which Twitch does not send in either, so the link can
// drop the lines the library cannot take without parsing every line twice.
//
// It follows the library's parser step by step and is exact: it reports a
// panic if and only if ParseMessage panics. The parser splits the line on
// single spaces into an optional "@tags" token, an optional ":source"
// token, the command and its parameters; tag and source parsing cannot
// panic, and neither can a line with no command or a command without a
// typed parser. Of the typed parsers:
//
//   - PRIVMSG, WHISPER, USERNOTICE, USERSTATE, CLEARCHAT, CLEARMSG,
//     ROOMSTATE and NOTICE read Params[0], so they panic when nothing
//     follows the command;
//   - PRIVMSG, WHISPER, USERNOTICE, USERSTATE and GLOBALUSERSTATE parse the
//     badges tag (not badge-info) when its unescaped value is not empty, and
//     panic on a badge without a '/';
//   - PRIVMSG, WHISPER and USERNOTICE slice the message's runes at the
//     first position of each well-formed emote in the emotes tag, and
//     panic when the message is empty or, once clamped to the message, the
//     position starts more than one rune after its end (a negative end, or
//     one so large that adding 1 wraps).
//
// A new version of the library must be checked against this list; the
// fuzz test FuzzRelayCheck compares it with the parser itself.
func parserPanics(line string) bool {
	tok, rest, more := strings.Cut(line, " ")
	var tags string
	if strings.HasPrefix(tok, "@") {
		if !more {
			return false
		}
		tags = tok[1:]
		tok, rest, more = strings.Cut(rest, " ")
	}
	if strings.HasPrefix(tok, ":") {
		if !more {
			return false
		}
		tok, rest, more = strings.Cut(rest, " ")
	}
	switch tok {
	case "CLEARCHAT", "CLEARMSG", "ROOMSTATE", "NOTICE":
		return !more
	case "USERSTATE":
		return !more || badgesPanic(tags)
	case "GLOBALUSERSTATE":
		return badgesPanic(tags)
	case "PRIVMSG", "WHISPER", "USERNOTICE":
		if !more || badgesPanic(tags) {
			return true
		}
		text := messageParam(rest)
		switch tok {
		case "PRIVMSG":
			if strings.HasPrefix(text, "\x01ACTION") && strings.HasSuffix(text, "\x01") {
				if len(text) == 8 {
					text = ""
				} else {
					text = text[8 : len(text)-1]
				}
			}
		case "WHISPER":
			if strings.Contains(text, "/me") {
				text = strings.TrimPrefix(text, "/me")
			}
		}
		return emotesPanic(tags, text)
	}
	return false
}

// messageParam returns the message the library takes from the parameters
// after the command: the second parameter when there are exactly two, else
// nothing. A parameter starting with ':' takes the rest of the line.
func messageParam(params string) string {
	first, rest, more := strings.Cut(params, " ")
	if strings.HasPrefix(first, ":") || !more {
		return ""
	}
	if strings.HasPrefix(rest, ":") {
		return rest[1:]
	}
	if strings.Contains(rest, " ") {
		return ""
	}
	return rest
}

// badgesPanic reports whether the library's parseBadges panics on the
// badges tag: it runs when the unescaped value is not empty and indexes
// the part after '/' of every comma-separated badge.
func badgesPanic(tags string) bool {
	badges := tagValue(tags, "badges")
	if badges == "" {
		return false
	}
	for {
		badge, rest, more := strings.Cut(badges, ",")
		if !strings.Contains(badge, "/") {
			return true
		}
		if !more {
			return false
		}
		badges = rest
	}
}

// emotesPanic reports whether the library's parseEmotes panics on the
// emotes tag for a message of text. Each "id:first-last,..." emote whose
// positions all parse as integers is cut from the message's runes at its
// first position, clamped to the message's length as the library does.
func emotesPanic(tags, text string) bool {
	emotes := tagValue(tags, "emotes")
	if emotes == "" {
		return false
	}
	runes := -1
	for emotes != "" {
		var emote string
		emote, emotes, _ = strings.Cut(emotes, "/")
		_, positions, ok := strings.Cut(emote, ":")
		if !ok {
			continue
		}
		first, last, ok := emotePositions(positions)
		if !ok {
			continue
		}
		if runes < 0 {
			runes = utf8.RuneCountInString(text)
		}
		// The same arithmetic as the library's, wrapping included: a last
		// position of the largest int makes last+1 negative.
		if last+1 > runes {
			last = runes - 1
		}
		if first+1 > runes {
			first = runes - 1
		}
		if first < 0 || first > last+1 {
			return true
		}
	}
	return false
}

// emotePositions parses an emote's comma-separated "start-end" positions
// and returns the first one. ok is false when the library skips the emote:
// a position without '-' or with a part strconv.Atoi rejects.
func emotePositions(positions string) (first, last int, ok bool) {
	for i := 0; ; i++ {
		pos, rest, more := strings.Cut(positions, ",")
		startText, endText, found := strings.Cut(pos, "-")
		if !found {
			return 0, 0, false
		}
		start, ok := atoi(startText)
		if !ok {
			return 0, 0, false
		}
		end, ok := atoi(endText)
		if !ok {
			return 0, 0, false
		}
		if i == 0 {
			first, last = start, end
		}
		if !more {
			return first, last, true
		}
		positions = rest
	}
}

// atoi parses s as strconv.Atoi does, an optional sign and at least one
// decimal digit within the range of int, without allocating an error.
func atoi(s string) (int, bool) {
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" {
		return 0, false
	}
	limit := uint64(math.MaxInt)
	if neg {
		limit++
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		d := uint64(s[i] - '0')
		if d > 9 || n > (limit-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	if neg {
		return int(-n), true
	}
	return int(n), true
}

// tagValue returns the value the library stores for key in the raw tags
// (without the '@'): that of the last occurrence, unescaped and trimmed as
// its parseIRCTagValue does, or "" when the key is absent.
func tagValue(tags, key string) string {
	var raw string
	for tags != "" {
		var tag string
		tag, tags, _ = strings.Cut(tags, ";")
		if k, v, _ := strings.Cut(tag, "="); k == key {
			raw = v
		}
	}
	if strings.Contains(raw, `\`) {
		// The library replaces each escape in turn over the whole value,
		// not in one pass; only this order gives its results.
		for _, e := range [...][2]string{{`\s`, ` `}, {`\n`, ``}, {`\r`, ``}, {`\:`, `;`}, {`\\`, `\`}} {
			raw = strings.ReplaceAll(raw, e[0], e[1])
		}
		raw = strings.TrimSuffix(raw, `\`)
	}
	return strings.TrimSpace(raw)
}
