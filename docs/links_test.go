package docs

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// pages returns the Markdown files whose links are checked: the README at
// the repository's root and every page of the manual.
func pages(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("*.md")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, filepath.Join("..", "README.md"))
	slices.Sort(files)
	return files
}

// TestLinksResolve checks every relative link and image of the README and
// the manual: the file or directory it names exists, and its #anchor, if
// any, is a heading of the target as GitHub names heading anchors.
func TestLinksResolve(t *testing.T) {
	anchors := map[string][]string{}
	anchorsOf := func(path string) ([]string, error) {
		if a, ok := anchors[path]; ok {
			return a, nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		a := headingAnchors(string(b))
		anchors[path] = a
		return a, nil
	}
	checked := 0
	for _, page := range pages(t) {
		b, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range links(string(b)) {
			if err := resolve(page, l.target, anchorsOf); err != nil {
				t.Errorf("%s:%d: link %q: %v", page, l.line, l.target, err)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no links found: the test reads nothing")
	}
}

// resolve checks one link target found in page.
func resolve(page, target string, anchorsOf func(string) ([]string, error)) error {
	if target == "" {
		return fmt.Errorf("empty target")
	}
	if external(target) {
		return nil
	}
	path, anchor, _ := strings.Cut(target, "#")
	file := page
	if path != "" {
		if strings.HasPrefix(path, "/") {
			return fmt.Errorf("absolute path: write it relative to %s", filepath.Dir(page))
		}
		file = filepath.Join(filepath.Dir(page), filepath.FromSlash(path))
		info, err := os.Stat(file)
		if err != nil {
			return fmt.Errorf("no such file %s", file)
		}
		if info.IsDir() {
			if anchor != "" {
				return fmt.Errorf("an anchor into a directory")
			}
			return nil
		}
	}
	if anchor == "" {
		return nil
	}
	if !strings.HasSuffix(file, ".md") {
		return fmt.Errorf("an anchor into %s, which is not Markdown", file)
	}
	known, err := anchorsOf(file)
	if err != nil {
		return err
	}
	if !slices.Contains(known, anchor) {
		return fmt.Errorf("%s has no heading #%s", file, anchor)
	}
	return nil
}

// external reports whether target leaves the repository (a URL with a
// scheme, such as https: or mailto:).
func external(target string) bool {
	return scheme.MatchString(target)
}

// scheme matches the scheme that starts an absolute URL.
var scheme = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*:`)

// link is one link target and the line it is on.
type link struct {
	target string
	line   int
}

var (
	// inlineLink matches [text](target) and ![alt](target), with an
	// optional "title" after the target.
	inlineLink = regexp.MustCompile(`!?\[[^\]]*\]\(\s*<?([^)\s>]*)>?(?:\s+"[^"]*")?\s*\)`)
	// refDefinition matches a reference definition: [label]: target.
	refDefinition = regexp.MustCompile(`^\s{0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?`)
	// htmlLink matches href="target" and src="target" in inline HTML.
	htmlLink = regexp.MustCompile(`(?:href|src)="([^"]*)"`)
	// codeSpan matches inline code, whose text is not a link.
	codeSpan = regexp.MustCompile("(`+)[^`]*?(`+)")
)

// links returns the link targets of a Markdown document, leaving out
// fenced code blocks and inline code.
func links(doc string) []link {
	var out []link
	for i, text := range prose(doc) {
		if text == "" {
			continue
		}
		text = codeSpan.ReplaceAllString(text, "")
		for _, re := range []*regexp.Regexp{inlineLink, refDefinition, htmlLink} {
			for _, m := range re.FindAllStringSubmatch(text, -1) {
				out = append(out, link{target: m[1], line: i + 1})
			}
		}
	}
	return out
}

// prose returns the document's lines with those of fenced code blocks
// blanked, so that line numbers stay those of the file.
func prose(doc string) []string {
	lines := strings.Split(doc, "\n")
	var fence string
	for i, l := range lines {
		trimmed := strings.TrimLeft(l, " ")
		switch {
		case fence != "":
			if strings.HasPrefix(trimmed, fence) && strings.TrimSpace(strings.TrimLeft(trimmed, fence[:1])) == "" {
				fence = ""
			}
			lines[i] = ""
		case strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~"):
			n := len(trimmed) - len(strings.TrimLeft(trimmed, trimmed[:1]))
			fence = trimmed[:n]
			lines[i] = ""
		}
	}
	return lines
}

// atxHeading matches a heading line: one to six #, a space, the text.
var atxHeading = regexp.MustCompile(`^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$`)

// headingAnchors returns the anchors GitHub gives the document's headings,
// in order: each heading's slug, with -1, -2 ... after a slug already
// taken.
func headingAnchors(doc string) []string {
	var out []string
	seen := map[string]int{}
	for _, l := range prose(doc) {
		m := atxHeading.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		slug := Slug(m[1])
		anchor := slug
		for n := seen[slug]; ; n++ {
			if n > 0 {
				anchor = fmt.Sprintf("%s-%d", slug, n)
			}
			if !slices.Contains(out, anchor) {
				seen[slug] = n + 1
				break
			}
		}
		out = append(out, anchor)
	}
	return out
}

var (
	// markdownLink is [text](target), whose anchor text is the text.
	markdownLink = regexp.MustCompile(`!?\[([^\]]*)\]\([^)]*\)`)
	// emphasis is the * and _ runs that emphasis is written with.
	emphasis = regexp.MustCompile(`\*+|(^|\W)_+|_+(\W|$)`)
)

// Slug returns the anchor GitHub makes of a heading's text: the text as
// rendered (no code backticks, emphasis marks or link targets), in lower
// case, with every character but letters, digits, marks, spaces, - and _
// dropped, and each space made a hyphen.
func Slug(heading string) string {
	text := markdownLink.ReplaceAllString(heading, "$1")
	text = strings.ReplaceAll(text, "`", "")
	text = emphasis.ReplaceAllString(text, "$1$2")
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(text)) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

func TestSlug(t *testing.T) {
	for heading, want := range map[string]string{
		"Twitch API (Helix)": "twitch-api-helix",
		"Engagement figures: newcomers, retention, loyalty, segments, verified activity": "engagement-figures-newcomers-retention-loyalty-segments-verified-activity",
		"`hearth auth` against the demo's fake Twitch":                                   "hearth-auth-against-the-demos-fake-twitch",
		"Chat over **EventSub**":                   "chat-over-eventsub",
		"See [the API](api.md)":                    "see-the-api",
		"2026-12-02, commit 019dfc5: hearth-bench": "2026-12-02-commit-019dfc5-hearth-bench",
		"points.per_message and the _cooldown_":    "pointsper_message-and-the-cooldown",
		"Überblick & Daten":                        "überblick--daten",
	} {
		if got := Slug(heading); got != want {
			t.Errorf("Slug(%q) = %q, want %q", heading, got, want)
		}
	}
}

func TestHeadingAnchorsNumberDuplicates(t *testing.T) {
	doc := "# Runs\n## Command\n```\n# not a heading\n```\n## Command\n## Command\n## Command 1\n"
	want := []string{"runs", "command", "command-1", "command-2", "command-1-1"}
	if got := headingAnchors(doc); !slices.Equal(got, want) {
		t.Errorf("headingAnchors = %q, want %q", got, want)
	}
}

func TestLinksSkipCode(t *testing.T) {
	doc := "See [a](a.md#x) and `[b](b.md)`.\n```sh\n[c](c.md)\n```\n![img](p.png \"title\")\n[ref]: ref.md\n<a href=\"h.md\">h</a>\n"
	var got []string
	for _, l := range links(doc) {
		got = append(got, fmt.Sprintf("%d:%s", l.line, l.target))
	}
	want := []string{"1:a.md#x", "5:p.png", "6:ref.md", "7:h.md"}
	if !slices.Equal(got, want) {
		t.Errorf("links = %q, want %q", got, want)
	}
}
