package stream

import (
	"testing"
	"time"
)

// BenchmarkParseLine parses and normalises the real capture, line by line.
func BenchmarkParseLine(b *testing.B) {
	lines := captureLines(b)
	now := time.Now()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		_, _ = ParseLine(lines[i%len(lines)], now)
	}
}
