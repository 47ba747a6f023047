package twitchtest

import (
	"time"
)

// Sponsor segments and copy-paste floods in the simulated audience: every
// segmentEvery steps a moderator starts a sponsor segment, which ends
// segmentSteps steps later; every burstEvery steps, for burstSteps steps,
// the chat messages are the same copypasta from many viewers, which the
// verified figures count as one.
const (
	segmentEvery = 900
	segmentStart = 60
	segmentSteps = 450
	burstEvery   = 300
	burstStart   = 40
	burstSteps   = 12
)

// sponsors are the segments moderators mark, few so labels stay bounded.
var sponsors = []string{"Acme Energy", "Hydro Drinks"}

// copypastas are what chat floods with.
var copypastas = []string{
	"THIS IS THE BEST STREAM EVER PogChamp PogChamp",
	"chat is this real? 🤔 chat is this real? 🤔",
}

// segmentLine returns a moderator's !segment start or end when one is due,
// else nil.
func (a *Audience) segmentLine(now time.Time) []string {
	var text string
	switch a.step % segmentEvery {
	case segmentStart:
		text = "!segment start " + sponsors[(a.step/segmentEvery)%len(sponsors)]
	case segmentStart + segmentSteps:
		text = "!segment end"
	default:
		return nil
	}
	mod := a.pickWhere(func(v *viewer) bool { return v.has("moderator") })
	if mod == nil {
		return nil
	}
	return []string{PrivmsgLine(a.channel, a.roomID, mod.Chatter, text, now, MsgOptions{ID: a.newID()})}
}

// burstText returns the copypasta while a flood is on, else "".
func (a *Audience) burstText() string {
	if s := a.step % burstEvery; s < burstStart || s >= burstStart+burstSteps {
		return ""
	}
	return copypastas[(a.step/burstEvery)%len(copypastas)]
}
