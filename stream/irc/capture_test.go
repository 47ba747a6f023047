package irc

import (
	"testing"

	"github.com/hearthlive/hearth/stream/twitchtest"
)

func captureLines(tb testing.TB) []string {
	tb.Helper()
	lines, err := twitchtest.CaptureLines()
	if err != nil {
		tb.Fatal(err)
	}
	return lines
}
