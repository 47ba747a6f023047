package hearth

import (
	"strings"
	"testing"
)

func TestCheckOverlayCSS(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{
		"",
		":root { --accent: #ff00aa; --radius: 4px; }",
		".line .chat-name::after { content: \"✨ › url\"; }",
		".goal { background: url(#glow) }",
		".goal { background-image: url(\"data:image/png;base64,iVBORw0KGgo=\"); }",
		"@keyframes pop { from { opacity: 0 } to { opacity: 1 } }\n@media (max-width: 300px) { .line { font-size: 14px } }",
		".a { background: image-set(url(#x) 1x); }",
	} {
		if err := CheckOverlayCSS(ok); err != nil {
			t.Errorf("CheckOverlayCSS(%q) = %v; want nil", ok, err)
		}
	}
	for _, bad := range []string{
		`@import "x.css";`,
		`@IMPORT url(x.css);`,
		`@\69mport "x.css";`,
		`@/**/import "x.css";`,
		`a { background: url(https://evil.example/x.png) }`,
		`a { background: url(//evil.example/x.png) }`,
		`a { background: url( 'https://evil.example/x.png' ) }`,
		`a { background: URL(/api/v1/channels) }`,
		`a { background: \75 rl(https://evil.example/x.png) }`,
		`a { background: u\rl(https://evil.example/x.png) }`,
		`a { background: url/**/(https://evil.example/x.png) }`,
		`a { background: url("data:image/svg+xml,<svg onload=alert(1)>") }`,
		`a { background: url(data:text/html,<script>alert(1)</script>) }`,
		`a { background: image-set("https://evil.example/x.png" 1x) }`,
		`@font-face { font-family: x; src: local(x), url(https://evil.example/f.woff) }`,
		`a { width: expression(alert(1)) }`,
		`a { width: eXpReSsIoN(alert(1)) }`,
		`a { background: url("javascript:alert(1)") }`,
		`a { behavior: url(x.htc) }`,
		`a { -moz-binding: url(#x) }`,
		`</style><script>alert(1)</script>`,
		`</STYLE >`,
		"a{}\x00",
		"a{}\x1b",
		"\xff",
		strings.Repeat("a", MaxOverlayCSS+1),
	} {
		if err := CheckOverlayCSS(bad); ErrorCode(err) != EINVALID {
			t.Errorf("CheckOverlayCSS(%.70q) = %v; want EINVALID", bad, err)
		}
	}
}

// FuzzCheckOverlayCSS: whatever a stylesheet holds, the check never
// panics, and one it passes, read as a browser would read its words, has
// no way to load or run anything.
func FuzzCheckOverlayCSS(f *testing.F) {
	f.Add(":root { --accent: #ff00aa; }")
	f.Add(`a { background: url(#x) }`)
	f.Add(`a { background: \75 rl(x) }`)
	f.Add(`@\69mport "x";`)
	f.Fuzz(func(t *testing.T, css string) {
		if CheckOverlayCSS(css) != nil {
			return
		}
		flat := flattenCSS(css)
		for _, word := range []string{"@import", "expression(", "javascript:", "</style", "-moz-binding", "src("} {
			if strings.Contains(flat, word) {
				t.Fatalf("passed %q, which reads as holding %q", css, word)
			}
		}
		for rest := flat; ; {
			i := strings.Index(rest, "url(")
			if i < 0 {
				break
			}
			arg := strings.TrimLeft(rest[i+4:], " \t\n\r\f\"'")
			if !strings.HasPrefix(arg, "#") && !strings.HasPrefix(arg, "data:image/") {
				t.Fatalf("passed %q with url(%.20s", css, arg)
			}
			rest = rest[i+4:]
		}
	})
}
