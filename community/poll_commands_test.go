package community

import (
	"slices"
	"testing"
	"time"
)

func TestParsePoll(t *testing.T) {
	tests := []struct {
		name, text string
		question   string
		options    []string
		duration   time.Duration
	}{
		{"DurationAfterLastOption", "Which map next? | Dust | Inferno | Mirage 90s", "Which map next?", []string{"Dust", "Inferno", "Mirage"}, 90 * time.Second},
		{"DurationAsOwnPart", "Q | A | B | 2m", "Q", []string{"A", "B"}, 2 * time.Minute},
		{"NoDuration", "Q | A | B", "Q", []string{"A", "B"}, 0},
		{"MultiWordOptions", "Q | Dust II | Old Inferno 1m30s", "Q", []string{"Dust II", "Old Inferno"}, 90 * time.Second},
		{"NumberIsNotDuration", "Q | 1 | 2", "Q", []string{"1", "2"}, 0},
		{"NoOptions", "Just a question", "Just a question", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := ParsePoll(tt.text)
			if s.Question != tt.question || !slices.Equal(s.Options, tt.options) || s.Duration != tt.duration {
				t.Fatalf("ParsePoll(%q) = %q %q %s, want %q %q %s", tt.text, s.Question, s.Options, s.Duration, tt.question, tt.options, tt.duration)
			}
		})
	}
}
