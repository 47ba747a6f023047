// Package redact hides the secrets a database URL may carry, so that the
// URL, and messages that quote parts of it, can be printed: in logs,
// errors, help and reports.
package redact

import (
	"cmp"
	"net/url"
	"slices"
	"strings"
)

// mask stands in for a hidden value, as in net/url's URL.Redacted.
const mask = "xxxxx"

// secretParams are the query parameters whose values are secrets: the
// password, the client key's passphrase and the client key file.
var secretParams = map[string]bool{"password": true, "sslpassword": true, "sslkey": true}

// URL returns the database URL s fit to print: the password of its user
// and the values of its password, sslpassword and sslkey parameters are
// replaced by xxxxx, and all else is kept as written. A SQLite URL is
// returned as it is.
//
// A well-formed URL is read the way PostgreSQL's URL parser reads it: the
// user and password end at the first '@' before any '/', then come
// comma-separated hosts with numeric ports, a path and the parameters.
// A URL of another shape (an unencoded '/', '?' or '@' in a password, a
// port that is not a number) cannot be read with certainty, so URL hides
// more: every secret parameter wherever it stands, and everything from
// the first ':' to the last '@'.
func URL(s string) string {
	out, _ := redact(s)
	return out
}

// Text returns msg with every secret of the database URL dbURL hidden,
// as URL hides them, and with dbURL itself replaced by its redacted form.
// It is for messages from libraries that quote a URL, or parts of one
// such as the key file's path, in their errors.
func Text(msg, dbURL string) string {
	out, hidden := redact(dbURL)
	if dbURL != "" {
		msg = strings.ReplaceAll(msg, dbURL, out)
	}
	var all []string
	for _, h := range hidden {
		all = append(all, h)
		if d, err := url.PathUnescape(h); err == nil && d != h {
			all = append(all, d)
		}
		if d, err := url.QueryUnescape(h); err == nil && d != h {
			all = append(all, d)
		}
	}
	// Longest first, so that no part of a longer secret is left beside a
	// shorter one's mask.
	slices.SortFunc(all, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	for _, h := range all {
		if h != "" {
			msg = strings.ReplaceAll(msg, h, mask)
		}
	}
	return msg
}

// redact returns s fit to print and the parts of it that it hid.
func redact(s string) (string, []string) {
	if strings.HasPrefix(s, "sqlite://") {
		return s, nil
	}
	var prefix, rest string
	if i := strings.Index(s, "://"); i >= 0 {
		prefix, rest = s[:i+3], s[i+3:]
	} else {
		rest = s
	}
	if out, hidden, ok := wellFormed(rest); ok {
		return prefix + out, hidden
	}
	out, hidden := malformed(rest)
	return prefix + out, hidden
}

// wellFormed redacts rest (a URL after its scheme) exactly, or reports
// that its shape leaves doubt about where a secret ends.
func wellFormed(rest string) (string, []string, bool) {
	var b strings.Builder
	var hidden []string
	if i := strings.IndexAny(rest, "@/"); i >= 0 && rest[i] == '@' {
		if strings.Contains(rest[:i], "?") {
			return "", nil, false
		}
		user, password, hasPassword := strings.Cut(rest[:i], ":")
		b.WriteString(user)
		if hasPassword {
			b.WriteString(":" + mask)
			hidden = append(hidden, password)
		}
		b.WriteByte('@')
		rest = rest[i+1:]
	}
	end := strings.IndexAny(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	for _, host := range strings.Split(rest[:end], ",") {
		if !hostPort(host) {
			return "", nil, false
		}
	}
	path, query, hasQuery := strings.Cut(rest, "?")
	if strings.Contains(path, "@") || strings.Contains(query, "?") {
		return "", nil, false
	}
	b.WriteString(path)
	if !hasQuery {
		return b.String(), hidden, true
	}
	b.WriteByte('?')
	for i, pair := range strings.Split(query, "&") {
		if i > 0 {
			b.WriteByte('&')
		}
		key, value, hasValue := strings.Cut(pair, "=")
		if strings.ContainsAny(key, "?@/:#") {
			return "", nil, false
		}
		if hasValue && secretParams[paramName(key)] {
			b.WriteString(key + "=" + mask)
			hidden = append(hidden, value)
			continue
		}
		b.WriteString(pair)
	}
	return b.String(), hidden, true
}

// hostPort reports whether s is a host with an optional numeric port:
// name, name:5432, [::1] or [::1]:5432, or empty. A host name holds
// letters, digits, ".-_~%" and non-ASCII letters only.
func hostPort(s string) bool {
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return false
		}
		s = "h" + s[end+1:]
	}
	host, port, _ := strings.Cut(s, ":")
	for _, c := range host {
		if c < 0x80 && !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.ContainsRune(".-_~%", c)) {
			return false
		}
	}
	for _, c := range port {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// malformed redacts rest (a URL after its scheme) whose shape leaves
// doubt: it hides every secret parameter wherever it stands, then
// everything from the first ':' to the last '@'.
func malformed(rest string) (string, []string) {
	var b strings.Builder
	var hidden []string
	for i := 0; i < len(rest); {
		start := i
		if rest[i] == '?' || rest[i] == '&' {
			b.WriteByte(rest[i])
			i++
			start = i
		}
		end := strings.IndexAny(rest[i:], "?&")
		if end < 0 {
			end = len(rest)
		} else {
			end += i
		}
		if end == start && end < len(rest) {
			continue
		}
		pair := rest[start:end]
		key, _, hasValue := strings.Cut(pair, "=")
		if start > 0 && hasValue && secretParams[paramName(key)] {
			// A secret value runs to the next '&': a '?' may be part of it.
			if amp := strings.IndexByte(rest[start:], '&'); amp >= 0 {
				end = start + amp
			} else {
				end = len(rest)
			}
			b.WriteString(key + "=" + mask)
			hidden = append(hidden, rest[start+len(key)+1:end])
		} else {
			b.WriteString(pair)
		}
		i = end
	}
	out := b.String()
	at := strings.LastIndexByte(out, '@')
	if at < 0 {
		return out, hidden
	}
	colon := strings.IndexByte(out[:at], ':')
	if colon < 0 {
		return out, hidden
	}
	return out[:colon+1] + mask + out[at:], append(hidden, out[colon+1:at])
}

// paramName is the name a query key stands for, as PostgreSQL's URL
// parser reads it: percent-decoded and trimmed; case is ignored so that
// no spelling escapes.
func paramName(key string) string {
	if k, err := url.QueryUnescape(key); err == nil {
		key = k
	}
	return strings.ToLower(strings.TrimSpace(key))
}
