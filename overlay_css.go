package hearth

import (
	"context"
	"strings"
	"unicode/utf8"
)

// MaxOverlayCSS is the largest custom stylesheet a channel may set, in
// bytes.
const MaxOverlayCSS = 32 << 10

// OverlayCSSStore keeps each channel's custom overlay stylesheet.
type OverlayCSSStore interface {
	// OverlayCSS returns a channel's custom stylesheet, "" when it has
	// none.
	OverlayCSS(ctx context.Context, channel string) (string, error)
	// SetOverlayCSS replaces a channel's custom stylesheet; "" removes
	// it. ENOTFOUND for a channel the store does not know, EINVALID for
	// a stylesheet CheckOverlayCSS refuses.
	SetOverlayCSS(ctx context.Context, channel, css string) error
}

// CheckOverlayCSS returns an EINVALID *Error saying why css cannot be a
// channel's custom overlay stylesheet, or nil. A stylesheet may change
// how the overlays look and nothing else: it may not load anything (no
// @import, no url() or image-set() but of a fragment or data: image, no
// src()), run anything (no expression(), javascript:, behavior or
// -moz-binding) or close the element it might be put in (</style). It
// must be valid UTF-8 of at most MaxOverlayCSS bytes without NUL or
// other control characters but white space. The checks run on the text
// with CSS escapes and comments taken out, so "\75rl(" is url( too.
func CheckOverlayCSS(css string) error {
	if len(css) > MaxOverlayCSS {
		return Errorf(EINVALID, "the stylesheet is larger than %d bytes", MaxOverlayCSS)
	}
	if !utf8.ValidString(css) {
		return Errorf(EINVALID, "the stylesheet is not valid UTF-8")
	}
	for _, r := range css {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' && r != '\f' || r == 0x7f {
			return Errorf(EINVALID, "the stylesheet holds a control character")
		}
	}
	if strings.Contains(strings.ToLower(css), "</style") {
		return Errorf(EINVALID, "the stylesheet may not hold </style")
	}
	flat := flattenCSS(css)
	for _, bad := range []struct{ text, why string }{
		{"@import", "@import may not load other stylesheets"},
		{"expression(", "expression() is not allowed"},
		{"javascript:", "javascript: is not allowed"},
		{"vbscript:", "vbscript: is not allowed"},
		{"behavior", "behavior is not allowed"},
		{"-moz-binding", "-moz-binding is not allowed"},
		{"src(", "src() may not load anything"},
		{"@namespace", "@namespace is not allowed"},
		{"</style", "the stylesheet may not hold </style"},
	} {
		if strings.Contains(flat, bad.text) {
			return Errorf(EINVALID, "%s", bad.why)
		}
	}
	for rest := flat; ; {
		i := strings.Index(rest, "url(")
		j := strings.Index(rest, "image-set(")
		if i < 0 && j < 0 {
			break
		}
		if i < 0 || j >= 0 && j < i {
			// image-set("a.png" 1x) loads a URL given as a bare string.
			arg := strings.TrimLeft(rest[j+len("image-set("):], " \t\n\r\f")
			if strings.HasPrefix(arg, `"`) || strings.HasPrefix(arg, `'`) {
				return Errorf(EINVALID, "image-set() with a string may load from anywhere")
			}
			rest = rest[j+len("image-set("):]
			continue
		}
		arg := strings.TrimLeft(rest[i+len("url("):], " \t\n\r\f\"'")
		if !strings.HasPrefix(arg, "#") && !strings.HasPrefix(arg, "data:image/") {
			return Errorf(EINVALID, "url() may name only a fragment (#id) or a data:image/ URL")
		}
		if strings.HasPrefix(arg, "data:image/svg") {
			return Errorf(EINVALID, "url() may not hold an SVG image, which can load others")
		}
		rest = rest[i+len("url("):]
	}
	return nil
}

// flattenCSS returns css lower-cased, with its comments taken out, its
// escapes (a backslash and up to six hex digits and one white space, or a
// backslash and any character) replaced by the characters they stand for
// and white space before an opening parenthesis or after an @ dropped, so
// that every way of writing a word reads as the word.
func flattenCSS(css string) string {
	var b strings.Builder
	b.Grow(len(css))
	for i := 0; i < len(css); {
		switch {
		case strings.HasPrefix(css[i:], "/*"):
			end := strings.Index(css[i+2:], "*/")
			if end < 0 {
				i = len(css)
			} else {
				i += 2 + end + 2
			}
			continue
		case css[i] == '\\' && i+1 < len(css):
			j := i + 1
			for j < len(css) && j-i-1 < 6 && isHex(css[j]) {
				j++
			}
			if j > i+1 {
				var r rune
				for _, c := range css[i+1 : j] {
					r = r*16 + rune(hexVal(byte(c)))
				}
				if j < len(css) && (css[j] == ' ' || css[j] == '\t' || css[j] == '\n' || css[j] == '\r' || css[j] == '\f') {
					j++
				}
				if r == 0 || r > utf8.MaxRune {
					r = utf8.RuneError
				}
				b.WriteRune(r)
				i = j
				continue
			}
			r, size := utf8.DecodeRuneInString(css[i+1:])
			b.WriteRune(r)
			i += 1 + size
			continue
		}
		b.WriteByte(css[i])
		i++
	}
	flat := strings.ToLower(b.String())
	// "url (" is no call in CSS, but "url\28" was one above; white space
	// inside "@ import" is no at-rule either, yet dropping it costs
	// nothing and keeps the checks simple.
	var out strings.Builder
	out.Grow(len(flat))
	for i := 0; i < len(flat); i++ {
		c := flat[i]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' {
			k := i
			for k < len(flat) && (flat[k] == ' ' || flat[k] == '\t' || flat[k] == '\n' || flat[k] == '\r' || flat[k] == '\f') {
				k++
			}
			if k < len(flat) && flat[k] == '(' || i > 0 && flat[i-1] == '@' {
				i = k - 1
				continue
			}
		}
		out.WriteByte(c)
	}
	return out.String()
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func hexVal(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}
