package twitchtest

import (
	"fmt"
	"testing"
	"time"
)

// TestPacerSchedulesFromTheRunningMaximum checks the schedule Feed paces
// lines by: each line is due its timestamp's distance from the first
// line's, divided by the speed; a line stamped before its predecessor is
// due with it, and the next line is paced from the running maximum, not
// from the line that went back in time.
func TestPacerSchedulesFromTheRunningMaximum(t *testing.T) {
	base := time.UnixMilli(1_600_000_000_000)
	offsets := []int{0, 200, 400, 300, 600} // ms; the fourth goes back in time
	var lines []string
	for i, off := range offsets {
		lines = append(lines, PrivmsgLine("hearth", "1", Chatter{Login: "viewer"}, "hi",
			base.Add(time.Duration(off)*time.Millisecond), MsgOptions{ID: fmt.Sprint(i)}))
	}
	for _, tt := range []struct {
		speed float64
		want  []time.Duration
	}{
		{1, []time.Duration{0, 200 * time.Millisecond, 400 * time.Millisecond, 400 * time.Millisecond, 600 * time.Millisecond}},
		{2, []time.Duration{0, 100 * time.Millisecond, 200 * time.Millisecond, 200 * time.Millisecond, 300 * time.Millisecond}},
	} {
		t.Run(fmt.Sprint("Speed", tt.speed), func(t *testing.T) {
			p := newPacer(lines, tt.speed)
			first := p.due(0)
			for i, want := range tt.want {
				if got := p.due(i).Sub(first); got != want {
					t.Errorf("line %d due %v after the first, want %v", i, got, want)
				}
			}
		})
	}
}
