package stream

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hearthlive/hearth"
)

// Bounds on what a chat line's look may hold, far above what Twitch sends.
const (
	// maxEmoteSpans is how many emotes one message keeps: a message of
	// MaxMessageRunes holds at most half as many one-character emotes.
	maxEmoteSpans = MaxMessageRunes / 2
	// maxBadges is how many badges one chatter keeps.
	maxBadges = 8
	// maxBadgeLen is the longest badge set name kept.
	maxBadgeLen = 32
)

// Emotes reads the emotes of a message from Twitch's emotes tag
// ("25:0-4,12-16/1902:6-10": an emote id, then the first and last code
// point of each place it stands, inclusive) against text, the message as
// it is kept (after ClampText). The spans come back in order of position.
// A malformed entry, an id that ValidEmoteID refuses, a position that is
// not a number, reversed, outside text or overlapping an earlier span is
// ignored on its own; the rest are kept. It never panics.
func Emotes(tag, text string) []hearth.EmoteSpan {
	if tag == "" {
		return nil
	}
	n := utf8.RuneCountInString(text)
	var spans []hearth.EmoteSpan
	for entry := range strings.SplitSeq(tag, "/") {
		id, places, ok := strings.Cut(entry, ":")
		if !ok || !hearth.ValidEmoteID(id) {
			continue
		}
		for place := range strings.SplitSeq(places, ",") {
			first, last, ok := strings.Cut(place, "-")
			if !ok {
				continue
			}
			start, err1 := strconv.Atoi(first)
			end, err2 := strconv.Atoi(last)
			if err1 != nil || err2 != nil || start < 0 || end < start || end >= n {
				continue
			}
			spans = append(spans, hearth.EmoteSpan{ID: id, Start: start, End: end + 1})
			if len(spans) > 4*maxEmoteSpans {
				break // a tag far longer than any message: the rest is noise
			}
		}
	}
	slices.SortStableFunc(spans, func(a, b hearth.EmoteSpan) int { return a.Start - b.Start })
	out := spans[:0]
	at := 0
	for _, s := range spans {
		if s.Start < at || len(out) == maxEmoteSpans {
			continue
		}
		out = append(out, s)
		at = s.End
	}
	if len(out) == 0 {
		return nil
	}
	return slices.Clip(out)
}

// Badges returns the badge set names of Twitch's badges tag
// ("broadcaster/1,subscriber/12"), in order: each 1 to 32 characters of
// lower-case letters, digits, '-' and '_', others left out, at most 8.
func Badges(tag string) []string {
	if tag == "" {
		return nil
	}
	var out []string
	for badge := range strings.SplitSeq(tag, ",") {
		name, _, _ := strings.Cut(badge, "/")
		if !validBadge(name) || slices.Contains(out, name) {
			continue
		}
		out = append(out, name)
		if len(out) == maxBadges {
			break
		}
	}
	return out
}

func validBadge(name string) bool {
	if name == "" || len(name) > maxBadgeLen {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Color returns a chatter's name colour as Twitch's color tag gives it,
// "#RRGGBB" in upper case, or "" when it is anything else.
func Color(tag string) string {
	if len(tag) != 7 || tag[0] != '#' {
		return ""
	}
	for i := 1; i < 7; i++ {
		c := tag[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return ""
		}
	}
	return strings.ToUpper(tag)
}
