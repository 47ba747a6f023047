package overlays

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/hearthlive/hearth"
)

// A theme is the overlays' look as CSS custom properties: the colours of
// text, its muted and accent forms and the panels behind it, the font,
// its size, the corner radius and the spacing. Every page links
// /overlays/theme.css with its own query, so theme=light|dark and the
// per-parameter overrides apply to every kind; the channel's custom
// stylesheet (/overlays/custom.css) comes after it and may change the
// same properties.

// themeParams maps each override's query parameter to the custom property
// it sets and the kind of value it takes.
var themeParams = []struct {
	param, property string
	kind            themeValue
}{
	{"color", "--fg", themeColor},
	{"muted", "--muted", themeColor},
	{"accent", "--accent", themeColor},
	{"bg", "--panel", themeColor},
	{"edge", "--panel-edge", themeColor},
	{"font", "--font", themeFont},
	{"size", "--size", themeSize},
	{"radius", "--radius", themeRadius},
	{"gap", "--gap", themeGap},
}

type themeValue int

const (
	themeColor themeValue = iota
	themeFont
	themeSize
	themeRadius
	themeGap
)

// themes are the named themes: dark is overlay.css's own defaults.
var themes = map[string]string{
	"dark": "",
	"light": "  --fg: #16181f;\n  --muted: #4a5060;\n  --accent: #b34d00;\n" +
		"  --panel: rgba(255, 255, 255, 0.88);\n  --panel-edge: rgba(0, 0, 0, 0.12);\n  --outline: none;\n",
}

var (
	hexColor = regexp.MustCompile(`^#([0-9a-fA-F]{3}|[0-9a-fA-F]{4}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$`)
	// fontName is a font family's name: letters, digits, spaces and
	// hyphens, quoted in the stylesheet.
	fontName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9 \-]{0,47}$`)
)

// themeCSS returns the theme stylesheet for a page's query: the named
// theme, then each override whose value is valid. Invalid values are
// left out, so the page keeps its default for them.
func themeCSS(q url.Values) string {
	var b strings.Builder
	b.WriteString(":root {\n")
	b.WriteString(themes[q.Get("theme")])
	for _, p := range themeParams {
		if v, ok := themeValueOf(p.kind, q.Get(p.param)); ok {
			b.WriteString("  " + p.property + ": " + v + ";\n")
		}
	}
	b.WriteString("}\n")
	return b.String()
}

// themeValueOf returns raw as the CSS value of an override of kind, or
// false when it is not one: colours as #hex or a CSS colour name, a font
// family name, sizes in pixels within bounds.
func themeValueOf(kind themeValue, raw string) (string, bool) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", false
	}
	switch kind {
	case themeColor:
		if hexColor.MatchString(raw) {
			return raw, true
		}
		if name := strings.ToLower(raw); colorNames[name] {
			return name, true
		}
	case themeFont:
		if fontName.MatchString(raw) {
			return `"` + raw + `", ` + fallbackFonts, true
		}
	case themeSize:
		return pixels(raw, sizeMin, sizeMax)
	case themeRadius:
		return pixels(raw, 0, spaceMax)
	case themeGap:
		return pixels(raw, 0, spaceMax)
	}
	return "", false
}

// The bounds of the theme's lengths, in pixels: the text size, and the
// corner radius and gap.
const (
	sizeMin, sizeMax = 10, 64
	spaceMax         = 48
)

// fallbackFonts follow a chosen font, for the characters it lacks.
const fallbackFonts = `"Segoe UI", "Noto Sans", "Liberation Sans", Arial, sans-serif, "Noto Color Emoji"`

// pixels reads a whole number of pixels ("12" or "12px") within [lo, hi].
func pixels(raw string, lo, hi int) (string, bool) {
	n, err := strconv.Atoi(strings.TrimSuffix(raw, "px"))
	if err != nil || n < lo || n > hi {
		return "", false
	}
	return strconv.Itoa(n) + "px", true
}

// serveTheme answers GET /overlays/theme.css: it holds nothing of a
// channel's, so it needs no token.
func (h *Hub) serveTheme(c *fiber.Ctx) error {
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	q, err := url.ParseQuery(string(c.Request().URI().QueryString()))
	if err != nil {
		q = url.Values{}
	}
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set(fiber.HeaderContentType, "text/css; charset=utf-8")
	return c.SendString(themeCSS(q))
}

// serveCustomCSS answers GET /overlays/custom.css?channel=NAME&token=T
// with the channel's custom stylesheet, checked again as it goes out: a
// stylesheet stored before a stricter check, or written to the database
// by hand, is not served when the check refuses it.
func (h *Hub) serveCustomCSS(c *fiber.Ctx) error {
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	channel, status, msg := h.checkToken(c)
	if status != 0 {
		return refuse(c, status, msg)
	}
	var css string
	if h.styles != nil {
		var err error
		css, err = h.styles.OverlayCSS(c.UserContext(), channel)
		if err != nil && hearth.ErrorCode(err) != hearth.ENOTFOUND {
			h.log.Error("overlays: cannot read the custom stylesheet", "channel", channel, "err", err)
			return refuse(c, fiber.StatusInternalServerError, "internal error")
		}
	}
	if err := hearth.CheckOverlayCSS(css); err != nil {
		h.log.Warn("overlays: custom stylesheet not served", "channel", channel, "err", err)
		css = ""
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentType, "text/css; charset=utf-8")
	return c.SendString(css)
}
