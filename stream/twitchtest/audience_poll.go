package twitchtest

import (
	"fmt"
	"strings"
	"time"
)

// Polls in the simulated audience: every pollEvery steps a moderator
// starts a chat poll, and for pollOpenSteps steps after it some chat
// messages are votes, by number, label or prefix.
const (
	pollEvery     = 600
	pollOpenSteps = 150
	pollVoteShare = 0.15
)

// pollTopics are the polls moderators start.
var pollTopics = []struct {
	question string
	options  []string
}{
	{"Which map next?", []string{"Dust", "Inferno", "Mirage"}},
	{"What do we play after this?", []string{"Minecraft", "Elden Ring", "Just chatting", "Tetris"}},
	{"Hard mode?", []string{"Yes", "No"}},
}

// pollStart returns a moderator's !poll when one is due, else nil.
func (a *Audience) pollStart(now time.Time) []string {
	if a.step%pollEvery != pollEvery/2 {
		return nil
	}
	mod := a.pickWhere(func(v *viewer) bool { return v.has("moderator") })
	if mod == nil {
		return nil
	}
	topic := pollTopics[(a.step/pollEvery)%len(pollTopics)]
	a.pollOptions = topic.options
	a.pollUntil = a.step + pollOpenSteps
	text := fmt.Sprintf("!poll %s | %s 20s", topic.question, strings.Join(topic.options, " | "))
	return []string{PrivmsgLine(a.channel, a.roomID, mod.Chatter, text, now, MsgOptions{ID: a.newID()})}
}

// voteText returns a vote while a poll is open, for a share of messages,
// and "" otherwise.
func (a *Audience) voteText() string {
	if a.step > a.pollUntil || len(a.pollOptions) == 0 || a.rng.Float64() >= pollVoteShare {
		return ""
	}
	i := a.rng.IntN(len(a.pollOptions))
	switch a.rng.IntN(3) {
	case 0:
		return fmt.Sprintf("!vote %d", i+1)
	case 1:
		return "!vote " + strings.ToLower(a.pollOptions[i])
	}
	return "!vote " + a.pollOptions[i][:min(3, len(a.pollOptions[i]))]
}
