package access

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"html/template"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/hearthlive/hearth"
)

//go:embed templates/*.html
var templateFiles embed.FS

// The pages, each templates/base.html around its own content.
var (
	loginPage   = pageTemplate("login.html")
	landingPage = pageTemplate("landing.html")
	refusalPage = pageTemplate("refusal.html")
	messagePage = pageTemplate("message.html")
)

func pageTemplate(name string) *template.Template {
	return template.Must(template.New("base.html").Funcs(template.FuncMap{
		"role": roleName,
	}).ParseFS(templateFiles, "templates/base.html", "templates/"+name))
}

// roleName is how a page names a role.
func roleName(a hearth.Access) string {
	if a == hearth.AccessNone {
		return "none"
	}
	return string(a)
}

// pageData is what the pages show; html/template escapes every field.
type pageData struct {
	Title   string
	Message string
	// Twitch and Token offer the two ways to sign in.
	Twitch, Token bool
	// Who, Login, CSRF and Operator describe the signed-in person.
	Who, Login, CSRF string
	Operator         bool
	Channels         []ChannelAccess
	// Signup offers to add the signed-in broadcaster's own channel.
	Signup bool
}

// pagePolicy is the sign-in pages' Content-Security-Policy: no script at
// all, and no style but the one block of templates/base.html, allowed by
// its hash rather than by allowing every inline style.
var pagePolicy = "default-src 'none'; style-src '" + styleHash() + "'; form-action 'self'; frame-ancestors 'none'"

// styleHash returns the CSP source of base.html's <style> block:
// sha256-BASE64 of its text, as the browser hashes it.
func styleHash() string {
	b, err := templateFiles.ReadFile("templates/base.html")
	if err != nil {
		panic(err) // embedded: present in every build
	}
	_, rest, _ := strings.Cut(string(b), "<style>")
	css, _, ok := strings.Cut(rest, "</style>")
	if !ok {
		panic("access: templates/base.html has no <style> block")
	}
	sum := sha256.Sum256([]byte(css))
	return "sha256-" + base64.StdEncoding.EncodeToString(sum[:])
}

// page renders t with status. Pages are never cached and never framed.
func (s *Service) page(c *fiber.Ctx, status int, t *template.Template, data pageData) error {
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderXFrameOptions, "DENY")
	c.Set(fiber.HeaderContentSecurityPolicy, pagePolicy)
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return c.Status(status).Send(buf.Bytes())
}
