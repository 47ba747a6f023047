package console

import (
	"io/fs"
	"regexp"
	"slices"
	"testing"
)

// TestCataloguesHaveTheSameKeys: every language has every string, and no
// string is left empty.
func TestCataloguesHaveTheSameKeys(t *testing.T) {
	en := langs["en"]
	for _, code := range languages {
		l := langs[code]
		for k, s := range l.m {
			if s == "" {
				t.Errorf("%s: %q is empty", code, k)
			}
			if _, ok := en.m[k]; !ok {
				t.Errorf("%s has %q, English does not", code, k)
			}
		}
		for k := range en.m {
			if _, ok := l.m[k]; !ok {
				t.Errorf("%s lacks %q", code, k)
			}
		}
	}
}

// TestEveryStringShownIsInTheCatalogue: each key the templates, the Go
// code and the script name is in the catalogue, so no page shows a key.
func TestEveryStringShownIsInTheCatalogue(t *testing.T) {
	var keys []string
	literal := regexp.MustCompile(`\bT "([a-z_.]+)"`)
	err := fs.WalkDir(files, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(files, path)
		for _, m := range literal.FindAllStringSubmatch(string(b), -1) {
			keys = append(keys, m[1])
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) < 50 {
		t.Fatalf("found %d keys in the templates: the pattern no longer matches them", len(keys))
	}
	for _, p := range pageNames {
		keys = append(keys, "nav."+p)
	}
	for _, k := range []string{"error.forbidden", "error.notfound", "error.invalid", "error.internal", "role.none",
		"role.operator", "role.broadcaster", "role.moderator", "poll.status.open", "poll.status.closed", "poll.status.cancelled"} {
		keys = append(keys, k)
	}
	js, err := fs.ReadFile(files, "static/console.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile(`\bt\("([a-z_.]+)"[,)]`).FindAllStringSubmatch(string(js), -1) {
		keys = append(keys, "js."+m[1])
	}
	for _, s := range []string{"open", "closed", "cancelled"} {
		keys = append(keys, "js.status."+s)
	}
	slices.Sort(keys)
	for _, k := range slices.Compact(keys) {
		for _, code := range languages {
			if _, ok := langs[code].m[k]; !ok {
				t.Errorf("%s: no string for %q", code, k)
			}
		}
	}
}

func TestAcceptLanguages(t *testing.T) {
	for _, tt := range []struct {
		header string
		want   []string
	}{
		{"", []string{}},
		{"fr-CA,fr;q=0.9,en;q=0.8", []string{"fr", "fr", "en"}},
		{"en;q=0.2, FR ;q=0.9", []string{"fr", "en"}},
		{"de;q=0, fr", []string{"fr"}},
		{"fr;q=NaN, en;q=x, es", []string{"es"}},
	} {
		if got := acceptLanguages(tt.header); !slices.Equal(got, tt.want) {
			t.Errorf("%q: %q, want %q", tt.header, got, tt.want)
		}
	}
}

func TestPercent(t *testing.T) {
	if got := langs["en"].percent(0.125); got != "12.5%" {
		t.Errorf("en: %q", got)
	}
	if got := langs["fr"].percent(0.125); got != "12,5\u00a0%" {
		t.Errorf("fr: %q", got)
	}
}
