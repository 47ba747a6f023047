package overlays

import (
	"net/url"
	"strings"
	"testing"
)

func TestThemeCSS(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		query url.Values
		has   []string
		lacks []string
	}{
		{"Default", url.Values{}, nil, []string{"--fg", "--size"}},
		{"Light", url.Values{"theme": {"light"}}, []string{"--fg: #16181f;", "--outline: none;"}, nil},
		{"UnknownTheme", url.Values{"theme": {"neon"}}, nil, []string{"--fg"}},
		{"HexAndNamed", url.Values{"accent": {"#FF8800"}, "bg": {"#0008"}, "color": {"GoldenRod"}},
			[]string{"--accent: #FF8800;", "--panel: #0008;", "--fg: goldenrod;"}, nil},
		{"Lengths", url.Values{"size": {"24"}, "radius": {"0px"}, "gap": {"48"}},
			[]string{"--size: 24px;", "--radius: 0px;", "--gap: 48px;"}, nil},
		{"LengthsOutOfBounds", url.Values{"size": {"9"}, "radius": {"49"}, "gap": {"-1"}}, nil, []string{"--size", "--radius", "--gap"}},
		{"Font", url.Values{"font": {"Comic Neue"}}, []string{`--font: "Comic Neue", "Segoe UI"`}, nil},
		{"Hostile", url.Values{
			"accent": {"red;} body{background:url(https://evil.example/x)"},
			"color":  {"expression(alert(1))"},
			"font":   {`x"; } @import "evil`},
			"size":   {"12px;}"},
			"bg":     {"#12345"},
		}, nil, []string{"evil", "expression", "@import", "--accent", "--fg", "--font", "--size", "--panel"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			css := themeCSS(tt.query)
			if !strings.HasPrefix(css, ":root {\n") || strings.Count(css, "}") != 1 {
				t.Fatalf("not one :root rule:\n%s", css)
			}
			for _, s := range tt.has {
				if !strings.Contains(css, s) {
					t.Errorf("missing %q in\n%s", s, css)
				}
			}
			for _, s := range tt.lacks {
				if strings.Contains(css, s) {
					t.Errorf("holds %q:\n%s", s, css)
				}
			}
		})
	}
}
