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

// BenchmarkRelayCheck compares the link's check of one real capture line
// with the full parse it replaced.
func BenchmarkRelayCheck(b *testing.B) {
	lines := captureLines(b)
	b.Run("parserPanics", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			parserPanics(lines[i%len(lines)])
		}
	})
	b.Run("parseSafely", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			_, _ = parseSafely(lines[i%len(lines)])
		}
	})
}
