// Package testenv finds the real dependencies Hearth's tests use (a
// PostgreSQL server, Chromium, Prometheus) and decides what a test does
// when one is missing: on a developer's machine it skips with a message
// saying how to install it; under CI (CI=true) it fails, so a missing
// dependency can never turn into a green run that tested nothing.
package testenv

import (
	"os"
	"os/exec"
	"testing"
)

// Strict reports whether missing dependencies fail tests instead of
// skipping them: when CI or HEARTH_TEST_STRICT is set to anything but "".
func Strict() bool {
	return os.Getenv("CI") != "" || os.Getenv("HEARTH_TEST_STRICT") != ""
}

// Missing skips or fails t, saying what is missing and how to get it.
func Missing(t testing.TB, what, how string) {
	t.Helper()
	if Strict() {
		t.Fatalf("%s is required under CI but missing: %s", what, how)
	}
	t.Skipf("%s missing: %s", what, how)
}

// PostgresURL returns HEARTH_TEST_POSTGRES_URL, or handles its absence.
func PostgresURL(t testing.TB) string {
	t.Helper()
	url := os.Getenv("HEARTH_TEST_POSTGRES_URL")
	if url == "" {
		Missing(t, "PostgreSQL", "set HEARTH_TEST_POSTGRES_URL, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
	}
	return url
}

// Chromium returns the path of a Chromium binary, or handles its absence.
func Chromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	Missing(t, "Chromium", "apt-get install chromium")
	return ""
}

// Binary returns the path of a program on PATH, or handles its absence.
func Binary(t testing.TB, name, how string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, name, how)
	}
	return p
}
