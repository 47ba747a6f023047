package irc

import (
	"bufio"
	"strings"
	"testing"
	"time"

	"github.com/hearthlive/hearth"
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

// BenchmarkSessionRead is a chat connection's whole per-line path, from
// the bytes a socket read returns to the hearth.Event handed to
// ChatConfig.Handle: line splitting, the parser, the dispatch on the
// message's type and Normalize.
func BenchmarkSessionRead(b *testing.B) {
	lines := captureLines(b)
	raw := strings.Join(lines, "\r\n") + "\r\n"
	var got int
	chat, err := NewChat(ChatConfig{Channels: []string{"c"}, Handle: func(hearth.Event) { got++ }})
	if err != nil {
		b.Fatal(err)
	}
	s := chat.shards[0]
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)) / int64(len(lines)))
	var r *bufio.Reader
	left := 0
	for b.Loop() {
		if left == 0 {
			r = bufio.NewReaderSize(strings.NewReader(raw), readBuffer)
			left = len(lines)
		}
		line, err := readLine(r)
		if err != nil {
			b.Fatal(err)
		}
		left--
		if _, err := s.dispatch(nil, line, "justinfan1", true); err != nil {
			b.Fatal(err)
		}
	}
	if got == 0 {
		b.Fatal("no event was handed on")
	}
}
