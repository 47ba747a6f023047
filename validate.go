package hearth

import (
	"math"
	"strings"
	"unicode/utf8"
)

// ValidLogin reports whether s is a possible Twitch login: 1 to 25 characters
// of lower-case ASCII letters, digits and underscores.
func ValidLogin(s string) bool {
	if len(s) == 0 || len(s) > 25 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// Limits on stored text, in bytes. They are far above what Twitch sends and
// keep a malformed event from writing megabytes into a row.
const (
	maxUserIDLen      = 64
	maxLoginLen       = 64
	maxDisplayNameLen = 256
)

// validText reports whether s can be stored as text of at most n bytes:
// valid UTF-8 without NUL bytes, which PostgreSQL refuses.
func validText(s string, n int) bool {
	return len(s) <= n && utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// ratio reports whether f is finite and not negative: JSON and SQL keep
// neither NaN nor infinities.
func ratio(f float64) bool {
	return !math.IsNaN(f) && !math.IsInf(f, 0) && f >= 0
}
