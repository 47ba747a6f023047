package overlays

import (
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/hearthlive/hearth"
)

// TestCatalogThemeBounds: what the catalog says of each theme parameter
// is what the theme stylesheet applies, so a form built from the catalog
// refuses exactly what the overlays ignore.
func TestCatalogThemeBounds(t *testing.T) {
	applied := func(name, value string) bool {
		css := themeCSS(url.Values{name: {value}})
		return strings.Count(css, ";") > 0
	}
	for _, k := range Catalog() {
		for _, p := range k.Params {
			switch p.Type {
			case hearth.OverlayParamInt:
				if p.Min > p.Max || p.Max == 0 {
					t.Errorf("%s %s: bounds %d to %d", k.Kind, p.Name, p.Min, p.Max)
				}
				if !isTheme(p.Name) {
					continue
				}
				for v, want := range map[int]bool{p.Min: true, p.Max: true, p.Min - 1: false, p.Max + 1: false} {
					if got := applied(p.Name, strconv.Itoa(v)); got != want {
						t.Errorf("%s=%d applied %v, the catalog says %v", p.Name, v, got, want)
					}
				}
			case hearth.OverlayParamColor:
				if !applied(p.Name, "#ff0000") || !applied(p.Name, "gold") || applied(p.Name, "rgb(1,2,3)") {
					t.Errorf("%s does not take the colours the catalog says", p.Name)
				}
			case hearth.OverlayParamFont:
				if !applied(p.Name, "Noto Sans") || applied(p.Name, `x"; }`) {
					t.Errorf("%s does not take the fonts the catalog says", p.Name)
				}
			case hearth.OverlayParamChoice, hearth.OverlayParamList:
				if len(p.Choices) == 0 {
					t.Errorf("%s %s has no choices", k.Kind, p.Name)
				}
			case hearth.OverlayParamBool, hearth.OverlayParamGoal:
			default:
				t.Errorf("%s %s has no type the console knows: %q", k.Kind, p.Name, p.Type)
			}
		}
	}
}

func isTheme(name string) bool {
	for _, p := range themeParams {
		if p.param == name {
			return true
		}
	}
	return false
}
