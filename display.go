package hearth

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// DisplayText returns text from Twitch or the API (a display name, a poll's
// question or option, a reward's title, a segment's name) as it may be shown
// to people, whatever shows it: overlays, chat replies, reports and exports
// all pass such text through here, and through nothing else.
//
// It keeps every script, right-to-left ones included, and emoji sequences
// (zero-width joiners, variation selectors, flag tags). It drops what could
// hide or scramble the text: the bidirectional embeddings, overrides and
// isolates (U+202A to U+202E, U+2066 to U+2069), which could reverse what
// follows; control characters; invisible characters that only pad or blank
// a name (zero-width space, word joiner, byte order mark, soft hyphen and
// the like); invalid UTF-8; and combining marks stacked more than
// maxCombining deep on one character. Runs of white space, and the
// characters that draw as blanks (Hangul fillers, the blank Braille
// pattern), become one space, trimmed at both ends.
//
// When nothing visible remains it returns fallback so cleaned (give the
// login for a name, the number for a poll option), then "?" if that has
// nothing visible either, and "" only when fallback is "". The result
// never holds a bidirectional control of its own: an output that has no
// markup to isolate a name with (chat, Markdown) wraps it with IsolateText.
// DisplayText(DisplayText(s, f), f) == DisplayText(s, f).
func DisplayText(text, fallback string) string {
	if s, ok := displayClean(text); ok {
		return s
	}
	if s, ok := displayClean(fallback); ok {
		return s
	}
	if fallback != "" {
		return "?"
	}
	return ""
}

// IsolateText wraps text in FIRST STRONG ISOLATE and POP DIRECTIONAL
// ISOLATE when it holds right-to-left characters, so that placed in a line
// of plain text it keeps its own direction and cannot reorder the words
// around it. Text with none needs no wrapping: in the left-to-right lines
// Hearth writes nothing can reorder it. Give it what DisplayText returned.
func IsolateText(text string) string {
	if !strings.ContainsFunc(text, rightToLeft) {
		return text
	}
	return "\u2068" + text + "\u2069"
}

// maxCombining is how many combining marks DisplayText keeps on one
// character: enough for any script's diacritics, few enough that a name
// cannot spill over the lines above and below it.
const maxCombining = 4

// displayClean cleans text as DisplayText describes and reports whether
// anything visible remains.
func displayClean(text string) (string, bool) {
	if displayPlain(text) {
		return text, true
	}
	var b strings.Builder
	b.Grow(len(text))
	var (
		visible  bool
		space    bool // a space is due before the next character kept
		marks    int  // combining marks on the last character kept
		last     rune // the last character kept, -1 for none
		tagsOpen bool // the last character kept starts or continues a flag's tag sequence
	)
	last = -1
	for _, r := range text {
		switch {
		case r == utf8.RuneError, displayDropped(r):
			continue
		case displayBlank(r):
			space = last >= 0
			continue
		case r >= 0xE0020 && r <= 0xE007F:
			// Tags spell out a subdivision's flag after U+1F3F4 and mean
			// nothing anywhere else.
			if !tagsOpen || space {
				continue
			}
		}
		isMark := unicode.In(r, unicode.Mn, unicode.Me)
		if isMark && marks >= maxCombining && !space {
			continue
		}
		if space {
			b.WriteByte(' ')
			space, marks, tagsOpen = false, 0, false
		}
		b.WriteRune(r)
		switch {
		case isMark:
			marks++
		default:
			marks = 0
		}
		tagsOpen = r == 0x1F3F4 || tagsOpen && r >= 0xE0020 && r <= 0xE007F
		last = r
		visible = visible || unicode.In(r, unicode.L, unicode.N, unicode.P, unicode.S, unicode.Mc, unicode.Co)
	}
	if !visible {
		return "", false
	}
	return b.String(), true
}

// displayPlain reports whether text is printable ASCII with no leading,
// trailing or doubled space and some visible character: nearly every name,
// which DisplayText returns as it is.
func displayPlain(text string) bool {
	if text == "" || text[0] == ' ' || text[len(text)-1] == ' ' {
		return false
	}
	visible := false
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c < ' ' || c > '~':
			return false
		case c == ' ':
			if text[i-1] == ' ' {
				return false
			}
		default:
			visible = true
		}
	}
	return visible
}

// displayDropped reports whether DisplayText drops r: controls other than
// white space, bidirectional embeddings, overrides and isolates, and
// invisible characters that do nothing but hide or pad text.
func displayDropped(r rune) bool {
	switch {
	case unicode.Is(unicode.Cc, r) && !unicode.IsSpace(r):
		return true
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
		return true
	case r == 0x00AD, r == 0x034F, r == 0x180E, r == 0x200B, r == 0xFEFF:
		return true // soft hyphen, grapheme joiner, vowel separator, zero-width space, byte order mark
	case r >= 0x2060 && r <= 0x2064, r >= 0x206A && r <= 0x206F, r >= 0xFFF9 && r <= 0xFFFB:
		return true // word joiner and invisible operators, deprecated formats, annotation marks
	case r == 0xE0001, r >= 0xE0002 && r <= 0xE001F:
		return true // the language tag and unassigned tags
	case r&0xFFFE == 0xFFFE, r >= 0xFDD0 && r <= 0xFDEF:
		return true // noncharacters
	}
	return false
}

// displayBlank reports whether r draws as empty space: white space, the
// Hangul fillers and the blank Braille pattern, which are letters or
// symbols that show nothing.
func displayBlank(r rune) bool {
	switch r {
	case 0x115F, 0x1160, 0x3164, 0xFFA0, 0x2800:
		return true
	}
	return unicode.IsSpace(r)
}

// rightToLeft reports whether r is written right to left or takes its
// direction from Arabic text: Hebrew, Arabic, Syriac, Thaana, N'Ko and the
// other scripts of those blocks, their presentation forms, the historic
// right-to-left scripts of the supplementary planes, and the right-to-left
// and Arabic letter marks.
func rightToLeft(r rune) bool {
	switch {
	case r >= 0x0590 && r <= 0x08FF:
		return true
	case r >= 0xFB1D && r <= 0xFDFF, r >= 0xFE70 && r <= 0xFEFE:
		return true
	case r >= 0x10800 && r <= 0x10FFF, r >= 0x1E800 && r <= 0x1EFFF:
		return true
	case r == 0x200F, r == 0x061C:
		return true
	}
	return false
}
