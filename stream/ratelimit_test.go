package stream

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// drain releases every line the limiter allows at now.
func drain(l *Limiter, now time.Time) (sent []Outgoing, wait time.Duration) {
	for {
		o, ok, w := l.next(now)
		if !ok {
			return sent, w
		}
		sent = append(sent, o)
	}
}

func TestLimiterWindow(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		mod       bool
		push      int
		wantFirst int
	}{
		{"UserLimit", false, 25, 20},
		{"ModLimit", true, 120, 100},
		{"UnderLimit", false, 5, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := NewLimiter(20, 100, 30*time.Second, 1000)
			l.SetModerator("c", tt.mod)
			for i := 0; i < tt.push; i++ {
				l.Push(Outgoing{Channel: "c", Text: fmt.Sprint(i)})
			}
			sent, wait := drain(l, t0)
			if len(sent) != tt.wantFirst {
				t.Fatalf("sent %d at once, want %d", len(sent), tt.wantFirst)
			}
			if tt.push == tt.wantFirst {
				return
			}
			if wait <= 29*time.Second || wait > 31*time.Second {
				t.Fatalf("wait %v, want about the window", wait)
			}
			if more, _ := drain(l, t0.Add(29*time.Second)); len(more) != 0 {
				t.Fatalf("%d sent before the window passed", len(more))
			}
			more, _ := drain(l, t0.Add(wait))
			if want := min(tt.push-tt.wantFirst, tt.wantFirst); len(more) != want {
				t.Fatalf("after the window %d sent, want %d", len(more), want)
			}
		})
	}
}

// TestLimiterNeverExceeds pushes a flood at random moments and checks the
// sliding-window invariant over every send.
func TestLimiterNeverExceeds(t *testing.T) {
	t.Parallel()
	l := NewLimiter(20, 100, 30*time.Second, 50)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var times []time.Time
	for step := 0; step < 2000; step++ {
		for i := 0; i < step%7; i++ {
			l.Push(Outgoing{Channel: "c", Text: "x"})
		}
		sent, _ := drain(l, now)
		for range sent {
			times = append(times, now)
		}
		now = now.Add(time.Duration(step%5) * 300 * time.Millisecond)
	}
	if len(times) < 100 {
		t.Fatalf("only %d sent; the limiter is stuck", len(times))
	}
	for i := range times {
		j := i
		for j < len(times) && times[j].Sub(times[i]) < 30*time.Second {
			j++
		}
		if j-i > 20 {
			t.Fatalf("%d messages within 30s starting at send %d", j-i, i)
		}
	}
}

func TestLimiterDropsOldest(t *testing.T) {
	t.Parallel()
	l := NewLimiter(20, 100, 30*time.Second, 3)
	var dropped int
	for i := 0; i < 5; i++ {
		if l.Push(Outgoing{Channel: "c", Text: fmt.Sprint(i)}) {
			dropped++
		}
	}
	sent, _ := drain(l, time.Now())
	var got []string
	for _, o := range sent {
		got = append(got, o.Text)
	}
	if dropped != 2 || strings.Join(got, ",") != "2,3,4" {
		t.Fatalf("dropped %d, sent %v; want 2 dropped and 2,3,4 sent", dropped, got)
	}
}

func TestSanitizeReply(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"Plain", "you have 10 points", "you have 10 points"},
		{"Newlines", "a\r\nPRIVMSG #x :b", "a  PRIVMSG #x :b"},
		{"SlashCommand", "/ban someone", "ban someone"},
		{"DotCommand", " ./timeout x", "timeout x"},
		{"InvalidUTF8", "ok\xffok", "okok"},
		{"Empty", " \n ", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SanitizeReply(tt.in); got != tt.want {
				t.Fatalf("SanitizeReply(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	if n := utf8.RuneCountInString(SanitizeReply(strings.Repeat("ü", 600))); n != MaxMessageRunes {
		t.Fatalf("long reply has %d runes", n)
	}
}
