package redact

import (
	"strings"
	"testing"
)

func TestURL(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"SQLite", "sqlite:///var/lib/hearth/hearth.db", "sqlite:///var/lib/hearth/hearth.db"},
		{"PlainPath", "./hearth.db", "./hearth.db"},
		{"PostgresNoSecret", "postgres://hearth@db:5432/hearth?sslmode=require&search_path=h", "postgres://hearth@db:5432/hearth?sslmode=require&search_path=h"},
		{"UserinfoPassword", "postgres://u:pw@host/db", "postgres://u:xxxxx@host/db"},
		{"PasswordParameter", "postgres://u:pw@host/db?sslmode=disable&password=qsecret", "postgres://u:xxxxx@host/db?sslmode=disable&password=xxxxx"},
		{"SSLParameters", "postgresql://host/db?sslkey=/etc/k.pem&sslcert=/etc/c.pem&sslpassword=kp", "postgresql://host/db?sslkey=xxxxx&sslcert=/etc/c.pem&sslpassword=xxxxx"},
		{"EncodedKey", "postgres://host/db?pass%77ord=qsecret", "postgres://host/db?pass%77ord=xxxxx"},
		{"KeyCase", "postgres://host/db?Password=qsecret", "postgres://host/db?Password=xxxxx"},
		{"RepeatedKey", "postgres://host/db?password=a&password=b", "postgres://host/db?password=xxxxx&password=xxxxx"},
		{"EmptyPassword", "postgres://u:@host/db", "postgres://u:xxxxx@host/db"},
		{"UserOnly", "postgres://u@host/db", "postgres://u@host/db"},
		{"AtInQueryValue", "postgres://host:5432/db?application_name=a@b&password=q", "postgres://host:5432/db?application_name=a@b&password=xxxxx"},
		{"MultiHost", "postgres://u:pw@h1:5432,h2:5432/db?password=q", "postgres://u:xxxxx@h1:5432,h2:5432/db?password=xxxxx"},
		{"BadPort", "postgres://u:pw@host:bad/db?sslkey=/k", "postgres://u:xxxxx@host:bad/db?sslkey=xxxxx"},
		{"SlashInPassword", "postgres://u:pa/ss@host/db", "postgres://u:xxxxx@host/db"},
		{"QuestionMarkInPassword", "postgres://u:pa?ss@host/db", "postgres://u:xxxxx@host/db"},
		{"AtInPassword", "postgres://u:p@ss@host/db", "postgres://u:xxxxx@host/db"},
		{"BadEscape", "postgres://u:p%zz@host/db?password=%zz", "postgres://u:xxxxx@host/db?password=xxxxx"},
		{"Hash", "postgres://host/db?password=q#w", "postgres://host/db?password=xxxxx"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := URL(tt.in); got != tt.want {
				t.Errorf("URL(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

// FuzzURL checks that no secret survives redaction, whatever the shape of
// the URL around it: the parts are written raw, so that a '/', '?', '@',
// ':' or '&' where it does not belong makes malformed URLs too.
func FuzzURL(f *testing.F) {
	f.Add("u", "pw", "host", "db", "sslmode=disable")
	f.Add("u", "pa/ss", "h1:5432,h2", "db", "")
	f.Add("u", "p@ss?w", "[::1]:5432", "d@b", "application_name=a@b")
	f.Add("", "", "host:bad", "", "x=1&sslkey")
	const secret = "S3CR3T"
	f.Fuzz(func(t *testing.T, user, password, host, path, query string) {
		for _, s := range []string{user, password, host, path, query} {
			if strings.Contains(strings.ToUpper(s), secret) {
				return
			}
		}
		for _, in := range []string{
			"postgres://" + user + ":" + password + secret + "@" + host + "/" + path + "?" + query,
			"postgres://" + user + "@" + host + "/" + path + "?" + query + "&password=" + secret,
			"postgresql://" + host + "/" + path + "?sslkey=" + secret + "&" + query,
			// A raw '&' in a parameter's value ends it; the secret would stand apart.
			"postgres://" + host + "?" + query + "&sslpassword=" + strings.ReplaceAll(password, "&", "") + secret,
		} {
			if got := URL(in); strings.Contains(got, secret) {
				t.Errorf("URL(%q) = %q keeps the secret", in, got)
			}
		}
	})
}
